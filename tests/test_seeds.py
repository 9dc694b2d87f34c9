"""Every random step: seed=None draws a seed that is recorded and reproduces the run;
a bad seed or level is a GovstatsError naming the argument."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest

import govstats as gs
from govstats.errors import GovstatsError


def _frame(n: int = 300, seed: int = 8) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rural = rng.integers(0, 2, n)
    edu = rng.normal(12 - 2 * rural, 2)
    m = 0.3 * edu + rng.normal(size=n)
    y = 1 + 0.5 * m - 0.4 * rural + rng.normal(size=n)
    internet = (rng.uniform(size=n) < 1 / (1 + np.exp(-(edu - 11)))).astype(int)
    return pd.DataFrame(
        {"rural": rural, "edu": edu, "m": m, "y": y, "internet": internet,
         "income": np.exp(rng.normal(size=n)), "h": rng.integers(0, 3, n),
         "psu": np.arange(n) // 6}
    )  # fmt: skip


DATA = _frame()
DESIGN = gs.SurveyDesign(DATA, strata="h", psu="psu", nest=True)
YEARS = np.arange(2006.0, 2022.0, 1.5)
URBAN = pd.Series(90 / (1 + np.exp(-0.4 * (YEARS - 2011))), index=YEARS)
RURAL = pd.Series(90 / (1 + np.exp(-0.4 * (YEARS - 2016))), index=YEARS)

#: One call per random step of the public API; each returns something with .seed
#: and a comparable number.
STEPS: dict[str, Callable[..., tuple[object, np.ndarray]]] = {
    "design bootstrap": lambda **k: (
        r := DESIGN.to_replicates("bootstrap", 20, **k).mean("y"),
        r.se,
    ),
    "chain replicate": lambda **k: (
        r := gs.DivideChain(DESIGN, "rural", ["m"], "y").fit(
            inference="replicate", replicates=30, progress=False, **k
        ),
        r.effects["se"].to_numpy(),
    ),
    "chain montecarlo": lambda **k: (
        r := gs.DivideChain(DATA, "rural", ["m"], "y").fit(
            inference="montecarlo", replicates=50, **k
        ),
        r.effects["se"].to_numpy(),
    ),
    "chain iid bootstrap": lambda **k: (
        r := gs.DivideChain(DATA, "rural", ["m"], "y").fit(
            inference="bootstrap", replicates=30, progress=False, **k
        ),
        r.effects["se"].to_numpy(),
    ),
    "oaxaca": lambda **k: (
        r := gs.gaps.oaxaca(DATA, "y ~ edu", by="rural", replicates=20, **k),
        r.to_frame()["se"].to_numpy(),
    ),
    "fairlie": lambda **k: (
        r := gs.gaps.fairlie(
            DATA, "internet ~ edu + m", by="rural", orderings=20, replicates=5, **k
        ),
        r.to_frame()["estimate"].to_numpy(),
    ),
    "theil": lambda **k: (
        r := gs.gaps.theil(DESIGN, "income", by="rural", replicates=20, **k),
        r.to_frame()["se"].to_numpy(),
    ),
    "diffusion": lambda **k: (
        r := gs.gaps.diffusion_lag(URBAN, RURAL, replicates=20, **k),
        r.to_frame()["se"].to_numpy(),
    ),
    "simulator": lambda **k: (
        r := gs.datasets.simulate_survey(n_persons=400, **k),
        r.data["service"].to_numpy(),
    ),
}


@pytest.mark.parametrize("step", sorted(STEPS))
def test_no_seed_is_recorded_and_reproduces(step: str) -> None:
    result, numbers = STEPS[step]()
    seed = result.seed  # type: ignore[attr-defined]
    assert isinstance(seed, int) and seed >= 0
    again, numbers_again = STEPS[step](seed=seed)
    assert again.seed == seed  # type: ignore[attr-defined]
    np.testing.assert_array_equal(numbers, numbers_again)


@pytest.mark.parametrize("step", sorted(STEPS))
@pytest.mark.parametrize("bad", [1.9, "abc", -1, True])
def test_a_bad_seed_names_seed(step: str, bad: object) -> None:
    with pytest.raises(GovstatsError, match="seed"):
        STEPS[step](seed=bad)


@pytest.mark.parametrize(
    "call",
    [
        lambda: DESIGN.mean("y", level=95),
        lambda: DESIGN.quantile("y", level=1.5),
        lambda: DESIGN.glm("y ~ edu", level=0.0),
        lambda: gs.DivideChain(DATA, "rural", ["m"], "y").fit(level=95),
        lambda: gs.gaps.oaxaca(DATA, "y ~ edu", by="rural", replicates=0, level=2),
        lambda: gs.gaps.diffusion_lag(URBAN, RURAL, replicates=0, level=-1),
    ],
)
def test_a_bad_level_names_level(call: Callable[[], object]) -> None:
    with pytest.raises(GovstatsError, match="level"):
        call()
