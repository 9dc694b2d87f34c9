"""Replicates of post-stratified and raked designs held as PSU factors x cell adjustments.

The compact form must give exactly the replicate weights of re-calibrating every
replicate row by row (the definition), and the same df, estimates and SEs.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from govstats.design import calibration
from govstats.design.survey_design import SurveyDesign

#: Same sums taken in another order.
ROUNDING = 1e-12


@pytest.fixture(scope="module")
def calibrated() -> tuple[SurveyDesign, SurveyDesign]:
    rng = np.random.default_rng(3)
    n = 6000
    df = pd.DataFrame(
        {
            "h": rng.integers(0, 8, n),
            "a": rng.integers(0, 5, n),
            "b": rng.choice(["u", "v", "w"], n),
            "w": rng.uniform(1, 3, n),
            "y": rng.normal(size=n),
        }
    )
    df["psu"] = df["h"] * 12 + rng.integers(0, 12, n)
    design = SurveyDesign(df, weights="w", strata="h", psu="psu")
    pop_a = (df.groupby("a")["w"].sum() * 1.1).to_dict()
    pop_b = df.groupby("b")["w"].sum()
    pop_b = (pop_b * sum(pop_a.values()) / pop_b.sum()).to_dict()
    pop_h = (df.groupby("h")["w"].sum() * 1.05).to_dict()
    return design, design.rake({"a": pop_a, "b": pop_b}).poststratify("h", pop_h)


@pytest.mark.parametrize("method", ["bootstrap", "jkn"])
def test_cell_factors_equal_row_by_row_recalibration(
    calibrated: tuple[SurveyDesign, SurveyDesign], method: str
) -> None:
    design, cal = calibrated
    kwargs = {"replicates": 40, "seed": 5} if method == "bootstrap" else {}
    compact = cal.to_replicates(method, **kwargs)
    reps = compact.replicates
    assert reps is not None and reps.row_weights is None and reps.cell_factors is not None
    plain = design.to_replicates(method, **kwargs).replicates
    assert plain is not None
    info = calibration._info(cal)
    rows = calibration._recalibrate_block(plain, info.base_weights, info.steps)
    assert rows.row_weights is not None
    np.testing.assert_allclose(
        reps.full_row_weights(cal.weights_array), rows.row_weights, rtol=ROUNDING, atol=1e-12
    )
    assert reps.df == rows.df
    explicit = cal.with_weights(cal.weights_array, replicates=rows)
    for estimate in (
        lambda d: d.mean("y", by="a"),
        lambda d: d.total("y"),
        lambda d: d.ratio("y", "w", by="b"),
    ):
        a, b = estimate(compact), estimate(explicit)
        np.testing.assert_allclose(a.estimate, b.estimate, rtol=ROUNDING)
        np.testing.assert_allclose(a.se, b.se, rtol=1e-9)
