"""gs.sem.reliability against R (cov.wt formulas and lavaan one-factor omega)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import govstats as gs
from govstats.errors import DataError, ModelError

REFERENCE = Path(__file__).parents[1] / "reference"
CASES = json.loads((REFERENCE / "sem_cases.json").read_text())["reliability"]
# closed-form statistics of the same covariance matrix
CLOSED_RTOL = 1e-10
# omega comes from lavaan's one-factor fit, whose optimiser stops near 1e-7
OMEGA_RTOL = 1e-5


@pytest.fixture(scope="module")
def hs() -> pd.DataFrame:
    return pd.read_csv(REFERENCE / "data" / "holzinger_swineford.csv")


def _design(hs: pd.DataFrame, weights: str | None) -> gs.SurveyDesign:
    return gs.SurveyDesign(hs, weights=weights)


@pytest.mark.parametrize("name", sorted(CASES))
def test_against_r(hs: pd.DataFrame, name: str) -> None:
    case = CASES[name]
    items = case["items"]
    frame = gs.sem.reliability(_design(hs, case["weights"]), items).to_frame()
    values = frame.set_index("variable")["estimate"]
    assert values["alpha"] == pytest.approx(case["alpha"], rel=CLOSED_RTOL)
    assert values["omega"] == pytest.approx(case["omega"], rel=OMEGA_RTOL)
    np.testing.assert_allclose(
        values[[f"item_rest:{v}" for v in items]], case["item_rest"], rtol=CLOSED_RTOL
    )
    np.testing.assert_allclose(
        values[[f"alpha_if_deleted:{v}" for v in items]], case["alpha_if_deleted"],
        rtol=CLOSED_RTOL,
    )  # fmt: skip


def test_dataframe_is_a_simple_random_sample(hs: pd.DataFrame) -> None:
    items = ["x1", "x2", "x3"]
    plain = gs.sem.reliability(hs, items)
    srs = gs.sem.reliability(gs.SurveyDesign(hs), items)
    np.testing.assert_allclose(plain.se, srs.se)


def test_linearization_close_to_jackknife(hs: pd.DataFrame) -> None:
    design = gs.SurveyDesign(hs, weights="w", psu="clus")
    items = ["x4", "x5", "x6"]
    lin = gs.sem.reliability(design, items)
    jk = gs.sem.reliability(design.to_replicates("jk1"), items)
    np.testing.assert_allclose(lin.estimate, jk.estimate, rtol=1e-10)
    ratio = jk.se / lin.se
    assert np.all((ratio > 0.85) & (ratio < 1.25)), ratio
    assert lin.df == design.df


def test_alpha_se_matches_delta_method_for_srs() -> None:
    # the design SE of alpha for an SRS is the delta-method SE; check against the
    # spread of alpha over independent samples of the same population
    rng = np.random.default_rng(5)
    cov = 0.5 + 0.5 * np.eye(4)

    def draw() -> pd.DataFrame:
        return pd.DataFrame(rng.multivariate_normal(np.zeros(4), cov, 500), columns=list("abcd"))

    se = gs.sem.reliability(draw(), list("abcd")).se[0]
    spread = np.std([gs.sem.reliability(draw(), list("abcd")).estimate[0] for _ in range(100)])
    assert se == pytest.approx(spread, rel=0.25)


def test_bad_items(hs: pd.DataFrame) -> None:
    with pytest.raises(DataError, match="two or more"):
        gs.sem.reliability(hs, ["x1"])
    with pytest.raises(DataError, match="x99"):
        gs.sem.reliability(hs, ["x1", "x99"])
    with pytest.raises(ModelError, match="constant"):
        gs.sem.reliability(hs.assign(c=1.0), ["x1", "x2", "c"])
