"""``by`` takes a column or a list of columns in design, the chain and gaps alike."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import govstats as gs


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    rng = np.random.default_rng(12)
    n = 800
    rural = rng.integers(0, 2, n)
    east = rng.integers(0, 2, n)
    m = 0.4 * rural + rng.normal(size=n)
    y = 1 + 0.5 * m - 0.3 * rural + 0.2 * east + rng.normal(size=n)
    return pd.DataFrame(
        {"rural": rural, "east": east, "young": rng.integers(0, 2, n), "m": m, "y": y,
         "income": np.exp(rng.normal(size=n)), "edu": rng.normal(12, 2, n)}
    )  # fmt: skip


def test_chain_by_two_columns_fits_every_combination(data: pd.DataFrame) -> None:
    chain = gs.DivideChain(data, "rural", ["m"], "y")
    res = chain.fit(inference="linearization", by=["east", "young"])
    assert res.by == "east:young"
    assert res.groups == ("0:0", "0:1", "1:0", "1:1")
    # each group's direct effect is the chain fitted on that group alone
    alone = chain.fit(inference="linearization", by="east")
    sub = data[(data["east"] == 1) & (data["young"] == 0)]
    direct = gs.DivideChain(sub, "rural", ["m"], "y").fit(inference="linearization")
    np.testing.assert_allclose(
        res.effects.loc[("1:0", "direct"), "estimate"],
        direct.effects.loc["direct", "estimate"],
        rtol=1e-10,
    )
    assert alone.groups == ("0", "1")
    frame = res.to_frame()
    assert frame.columns[0] == "east:young" and frame.columns[2] == "term"


def test_gaps_by_two_columns(data: pd.DataFrame) -> None:
    two = data.assign(zone=np.where(data["rural"] == 1, "r", "u"))
    # two columns whose combinations are exactly two groups
    res = gs.gaps.oaxaca(two, "y ~ edu", by=["rural", "zone"], replicates=0)
    assert res.groups == ("0:u", "1:r")
    single = gs.gaps.oaxaca(two, "y ~ edu", by="rural", replicates=0)
    assert res.get("gap") == pytest.approx(single.get("gap"), rel=1e-12)
    theil = gs.gaps.theil(data, "income", by=["rural", "east"], replicates=0)
    assert theil.levels == ("0:0", "0:1", "1:0", "1:1")
    frame = theil.to_frame()
    assert set(frame.loc[frame["component"] == "group", "rural:east"]) == set(theil.levels)


def test_design_by_two_columns_matches_subsets(data: pd.DataFrame) -> None:
    design = gs.SurveyDesign(data)
    by = design.mean("y", by=["rural", "east"]).to_frame().set_index(["rural", "east"])
    sub = design.subset((data["rural"] == 1) & (data["east"] == 0)).mean("y")
    assert by.loc[(1, 0), "estimate"] == pytest.approx(float(sub.estimate[0]), rel=1e-12)
