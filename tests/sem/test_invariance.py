"""gs.sem.invariance against lavaan's lavTestLRT, and on simulated items with a known violation."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import govstats as gs
from govstats.errors import ModelError

REFERENCE = Path(__file__).parents[1] / "reference"
ALL = json.loads((REFERENCE / "sem_cases.json").read_text())
HS3 = ALL["cases"]["cfa_hs_ml"]["model"]
# a difference of two chi-squares carries both fits' stopping error (lavaan's ~1e-6
# in the estimates moves each statistic by ~1e-6 relative; the difference is smaller)
DIFF_RTOL = 1e-4


@pytest.fixture(scope="module")
def hs() -> pd.DataFrame:
    return pd.read_csv(REFERENCE / "data" / "holzinger_swineford.csv")


@pytest.mark.parametrize("estimator", ["ML", "MLR"])
def test_difference_tests_match_lavtestlrt(hs: pd.DataFrame, estimator: str) -> None:
    ref = ALL["invariance"][estimator.lower()]
    result = gs.sem.invariance(HS3, hs, group="school", estimator=estimator)
    table = result.table
    np.testing.assert_allclose(table["chisq_diff"].iloc[1:], ref["chisq_diff"][1:], rtol=DIFF_RTOL)
    np.testing.assert_array_equal(table["df_diff"].iloc[1:], ref["df_diff"][1:])
    np.testing.assert_allclose(table["p_value"].iloc[1:], ref["p_value"][1:], rtol=1e-3)


def test_fits_are_the_group_equal_fits(hs: pd.DataFrame) -> None:
    result = gs.sem.invariance(HS3, hs, group="school")
    for level, case in (("configural", "mg_configural_ml"), ("scalar", "mg_scalar_ml")):
        assert result.fits[level].fit["chisq"] == pytest.approx(
            ALL["cases"][case]["fit"]["chisq"], rel=1e-6
        )
    assert not result.comparable_means
    assert "scalar invariance fails" in result.verdict


def _items(violation: float, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = 3000
    frame = pd.DataFrame({"rural": rng.integers(0, 2, n)})
    frame["info_access"] = rng.normal(-0.4 * frame["rural"], 1.0)
    items = gs.datasets.simulate_items(
        frame, constructs=["info_access"], invariance_violation=violation, seed=seed + 1
    )
    return items.data


def test_no_violation_gives_comparable_means() -> None:
    data = _items(0.0, 1)
    result = gs.sem.invariance("f =~ info_access_i1 + info_access_i2 + info_access_i3", data)
    assert result.comparable_means, result.summary()


def test_intercept_violation_is_detected() -> None:
    data = _items(0.6, 1)
    result = gs.sem.invariance("f =~ info_access_i1 + info_access_i2 + info_access_i3", data)
    assert result.table.loc["metric", "holds"]
    assert not result.table.loc["scalar", "holds"]
    assert result.table.loc["scalar", "p_value"] < 1e-6
    assert not result.comparable_means


def test_design_input_gives_scaled_differences(hs: pd.DataFrame) -> None:
    design = gs.SurveyDesign(hs, weights="w", psu="clus")
    result = gs.sem.invariance(HS3, design, group="school")
    assert result.table["scaling_factor"].notna().all()
    assert result.fits["metric"].method == "linearization"


def test_bad_levels(hs: pd.DataFrame) -> None:
    with pytest.raises(ModelError, match="not known"):
        gs.sem.invariance(HS3, hs, group="school", levels=("configural", "weak"))
    with pytest.raises(ModelError, match="less to more"):
        gs.sem.invariance(HS3, hs, group="school", levels=("scalar", "metric"))
    with pytest.raises(ModelError, match="single value"):
        gs.sem.invariance(HS3, hs.assign(one=1), group="one")


def test_each_level_fits_as_it_would_alone(hs: pd.DataFrame) -> None:
    # the levels share the baseline model and the saturated trace (one data set):
    # every fit measure is the one of the same fit made on its own
    design = gs.SurveyDesign(hs, weights="w", psu="clus")
    result = gs.sem.invariance(HS3, design, group="school")
    for level, equal in (("metric", ["loadings"]), ("scalar", ["loadings", "intercepts"])):
        alone = gs.sem.fit(HS3, design, group="school", group_equal=equal)
        pd.testing.assert_series_equal(result.fits[level].fit_measures(), alone.fit_measures())
