"""Memory: no estimator allocates more than a stated multiple of its input.

Every estimator reads its rows once into per-PSU (or per-cell) sums; nothing builds
an n x replicates or n x p^2 array. ``tracemalloc`` (which sees numpy's buffers)
measures the peak of new allocations during one call, after a warm-up call, and
the test fails when it exceeds ``LIMIT`` times the size of the data frame. An
(n, R) matrix of 50 replicates alone would be 50 x 8 / 120 = 3.3 times these data
(15 columns), an (n, p^2) array of the GLM over 4 times, so the limits catch both.
"""

from __future__ import annotations

import tracemalloc
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest

import govstats as gs

N_ROWS, N_STRATA, PSU_PER_STRATUM, REPLICATES = 60_000, 20, 10, 50

#: Allowed peak of new allocations, as a multiple of the data frame's bytes. Estimators
#: work in per-PSU sums (about one copy of the columns they read, ~1x); the GLM and the
#: chain also hold their model matrix and formulaic's intermediates.
LIMIT = {
    "mean by 62 domains": 2.0,
    "ratio": 2.0,
    "quantile with Woodruff interval": 2.0,
    "rake": 2.0,
    "mean after raking": 2.0,
    "raked to_replicates": 2.0,
    "raked replicate mean by domain": 2.0,
    "replicate quantile interval": 3.0,
    "replicate gaussian glm": 4.0,
    "chain on replicates": 2.0,
    "chain on raked replicates": 6.0,
}


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    rng = np.random.default_rng(11)
    n_psu = N_STRATA * PSU_PER_STRATUM
    psu = np.sort(np.concatenate([np.arange(n_psu), rng.integers(0, n_psu, N_ROWS - n_psu)]))
    x = rng.normal(size=(N_ROWS, 5))
    out = pd.DataFrame(x, columns=[f"x{i}" for i in range(1, 6)])
    out["y"] = x @ np.arange(1.0, 6.0) + rng.normal(0, 3, n_psu)[psu] + rng.normal(size=N_ROWS)
    out["rural"] = (rng.random(N_ROWS) < 0.4).astype(float)
    out["stratum"], out["psu"] = psu // PSU_PER_STRATUM, psu
    out["weight"] = rng.uniform(50, 500, N_ROWS)
    out["domain"] = rng.integers(0, 62, N_ROWS)
    out["province"] = rng.integers(0, 31, N_ROWS)
    out["agegrp"] = rng.integers(0, 5, N_ROWS)
    return out


def _margins(frame: pd.DataFrame) -> dict[str, dict[int, float]]:
    w = frame["weight"].to_numpy()
    prov = np.bincount(frame["province"], weights=w) * np.linspace(0.9, 1.1, 31)
    age = np.bincount(frame["agegrp"], weights=w)
    return {
        "province": dict(enumerate(prov.tolist())),
        "agegrp": dict(enumerate((age * prov.sum() / age.sum()).tolist())),
    }


@pytest.fixture(scope="module")
def workloads(frame: pd.DataFrame) -> dict[str, Callable[[], Any]]:
    design = gs.SurveyDesign(frame, weights="weight", strata="stratum", psu="psu")
    pops = _margins(frame)
    raked = design.rake(pops)
    rep = design.to_replicates("bootstrap", REPLICATES, seed=1)
    raked_rep = raked.to_replicates("bootstrap", REPLICATES, seed=1)
    chain = {"x": "rural", "mediators": ["x2", "x3"], "outcome": "y", "covariates": ["x4", "x5"]}
    return {
        "mean by 62 domains": lambda: design.mean("y", by="domain"),
        "ratio": lambda: design.ratio("y", "weight"),
        "quantile with Woodruff interval": lambda: design.quantile("y", [0.25, 0.5]),
        "rake": lambda: design.rake(pops),
        "mean after raking": lambda: raked.mean("y"),
        "raked to_replicates": lambda: raked.to_replicates("bootstrap", REPLICATES, seed=1),
        "raked replicate mean by domain": lambda: raked_rep.mean("y", by="domain"),
        "replicate quantile interval": lambda: rep.quantile("y", 0.5, interval_type="quantile"),
        "replicate gaussian glm": lambda: rep.glm("y ~ x1 + x2 + x3 + x4 + x5"),
        "chain on replicates": lambda: gs.DivideChain(rep, **chain).fit(progress=False),
        "chain on raked replicates": lambda: gs.DivideChain(raked_rep, **chain).fit(progress=False),
    }


def _peak(work: Callable[[], Any]) -> int:
    work()  # warm-up: caches (cell layouts, imports) are not the estimator's allocations
    tracemalloc.start()
    try:
        work()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("name", list(LIMIT))
def test_peak_allocation_is_a_small_multiple_of_the_data(
    name: str, frame: pd.DataFrame, workloads: dict[str, Callable[[], Any]]
) -> None:
    data = int(frame.memory_usage(deep=True).sum())
    ratio = _peak(workloads[name]) / data
    assert ratio <= LIMIT[name], f"{name}: peak {ratio:.2f} x the data (limit {LIMIT[name]})"


def test_raked_replicates_hold_no_row_by_replicate_matrix(
    workloads: dict[str, Callable[[], Any]],
) -> None:
    reps = workloads["raked to_replicates"]().replicates
    assert reps.row_weights is None and reps.cell_factors is not None
    assert reps.psu_factors is None  # code that knows only PSU factors cannot skip the cells
    assert reps.factors is not None
    assert reps.factors.shape == (N_STRATA * PSU_PER_STRATUM, REPLICATES)
