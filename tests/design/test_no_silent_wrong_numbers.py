"""Inputs that once gave silent wrong numbers: each is refused naming the column and the fix,
or warned about where R warns."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import govstats as gs
from govstats.errors import (
    ConvergenceError,
    DataError,
    DesignError,
    GovstatsError,
    GovstatsWarning,
    ModelError,
)


@pytest.fixture
def df() -> pd.DataFrame:
    rng = np.random.default_rng(11)
    n = 60
    x1 = rng.normal(size=n)
    return pd.DataFrame(
        {
            "y": x1 + rng.normal(size=n),
            "x1": x1,
            "h": np.repeat([0, 1, 2], n // 3),
            "p": np.arange(n) // 4,
            "w": rng.uniform(1, 3, n),
        }
    )


@pytest.fixture
def design(df: pd.DataFrame) -> gs.SurveyDesign:
    return gs.SurveyDesign(df, weights="w", strata="h", psu="p", nest=True)


def test_duplicate_column_names_are_refused(df: pd.DataFrame) -> None:
    twice = pd.concat([df, df[["y"]]], axis=1)
    with pytest.raises(DataError, match=r"repeated column names \('y'\).*Rename or drop"):
        gs.SurveyDesign(twice, weights="w")


@pytest.mark.parametrize("q", ["0.5", ["0.25", 0.5], True, None])
def test_quantile_probabilities_must_be_numbers(design: gs.SurveyDesign, q: object) -> None:
    with pytest.raises(DataError, match=r"q=.* is not a probability.*q=0\.5"):
        design.quantile("y", q)  # type: ignore[arg-type]


def test_quantile_probabilities_as_numbers_still_work(design: gs.SurveyDesign) -> None:
    assert design.quantile("y", [0.25, 0.5]).estimate.shape == (2,)


def test_tiny_weights_are_refused_not_a_zero_se(df: pd.DataFrame) -> None:
    with pytest.raises(DesignError, match=r"column 'w' are of order 1\.0e-300.*Rescale"):
        gs.SurveyDesign(df.assign(w=1e-300), weights="w", strata="h", psu="p", nest=True)


def test_huge_weights_are_refused(df: pd.DataFrame) -> None:
    with pytest.raises(DesignError, match="Rescale the weights"):
        gs.SurveyDesign(df.assign(w=df["w"] * 1e200), weights="w")


def test_values_near_1e300_are_refused_not_an_infinite_se(df: pd.DataFrame) -> None:
    design = gs.SurveyDesign(df.assign(y=df["y"] * 1e300), weights="w", strata="h", psu="p")
    with pytest.raises(DataError, match=r"values of 'y' reach .*e\+300.*Rescale the variable"):
        design.mean("y")


def test_infinite_values_are_refused(df: pd.DataFrame) -> None:
    design = gs.SurveyDesign(df.assign(y=df["y"].where(df.index != 3, np.inf)), weights="w")
    with pytest.raises(DataError, match="'y' holds infinite values"):
        design.total("y")


def test_every_stratum_lonely_under_remove_is_refused(df: pd.DataFrame) -> None:
    lonely = df.assign(p=df["h"])  # one PSU per stratum
    with pytest.raises(DesignError, match=r"every stratum has a single PSU.*lonely_psu='adjust'"):
        gs.SurveyDesign(lonely, weights="w", strata="h", psu="p", lonely_psu="remove")


def test_some_lonely_strata_under_remove_still_work(df: pd.DataFrame) -> None:
    some = df.assign(p=np.where(df["h"] == 0, -1, df["p"]))
    result = gs.SurveyDesign(some, weights="w", strata="h", psu="p", lonely_psu="remove").mean("y")
    assert result.se[0] > 0 and result.df > 0


def test_proportion_of_values_that_print_alike_is_refused(df: pd.DataFrame) -> None:
    mixed = df.assign(g=pd.Series([1, "1", 1.0, 2] * 15, dtype=object))
    with pytest.raises(DataError, match=r"column 'g' mixes .*astype\(str\)"):
        gs.SurveyDesign(mixed).proportion("g")


def test_subset_mask_from_another_frame_is_refused(
    design: gs.SurveyDesign, df: pd.DataFrame
) -> None:
    other = pd.Series((df["y"] > 0).to_numpy(), index=df.index + 100)
    with pytest.raises(DataError, match="subset mask's index does not match"):
        design.subset(other)


def test_subset_mask_in_another_row_order_aligns(design: gs.SurveyDesign, df: pd.DataFrame) -> None:
    mask = df["y"] > 0
    shuffled = mask.sample(frac=1.0, random_state=1)
    a = design.subset(mask).mean("y").estimate
    b = design.subset(shuffled).mean("y").estimate
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("level", [0.0, 1.0, 95, -0.5, "0.95"])
def test_ciprop_level_outside_0_1_is_refused(df: pd.DataFrame, level: object) -> None:
    design = gs.SurveyDesign(df.assign(b=(df["y"] > 0).astype(float)))
    with pytest.raises(GovstatsError, match="level="):
        design.ciprop("b", level=level)  # type: ignore[arg-type]


@pytest.mark.parametrize("replicates", [0, 1])
def test_too_few_replicates_are_refused(design: gs.SurveyDesign, replicates: int) -> None:
    with pytest.raises(GovstatsError, match="replicates"):
        design.to_replicates("bootstrap", replicates, seed=1)


def test_editing_the_frame_afterwards_does_not_change_the_design(df: pd.DataFrame) -> None:
    frame = df.copy()
    design = gs.SurveyDesign(frame, weights="w", strata="h", psu="p", nest=True)
    before = design.mean("y").to_frame()
    frame.loc[0, "y"] = 1e6
    frame["w"] *= 3
    frame.loc[frame.index[:10], "h"] = 2
    after = design.mean("y").to_frame()
    pd.testing.assert_frame_equal(before, after)
    assert design.data is not frame


# ----------------------------------------------------------------- design GLMs
def test_glm_constant_outcome_is_refused(design: gs.SurveyDesign) -> None:
    constant = gs.SurveyDesign(
        design.data.assign(c=3.0), weights="w", strata="h", psu="p", nest=True
    )
    with pytest.raises(ModelError, match=r"response 'c' takes the single value 3.*t = \+-inf"):
        constant.glm("c ~ x1")


def test_glm_perfect_separation_warns_as_r(df: pd.DataFrame) -> None:
    design = gs.SurveyDesign(df.assign(s=(df["x1"] > 0).astype(float)), weights="w")
    with pytest.warns(GovstatsWarning, match="fitted probabilities numerically 0 or 1 occurred"):
        design.glm("s ~ x1", family="quasibinomial")


def test_glm_near_collinear_terms_are_named(df: pd.DataFrame) -> None:
    rng = np.random.default_rng(2)
    near = df.assign(x2=df["x1"] + 1e-9 * rng.normal(size=len(df)))
    design = gs.SurveyDesign(near, weights="w", strata="h", psu="p", nest=True)
    with pytest.warns(GovstatsWarning, match=r"terms \['x2'\] are collinear"):
        design.glm("y ~ x1 + x2")


def test_glm_aliased_terms_are_refused_naming_them(df: pd.DataFrame) -> None:
    design = gs.SurveyDesign(df.assign(x3=2 * df["x1"] + 1), weights="w")
    with pytest.raises(ModelError, match=r"rank deficient: \['x3'\]"):  # R drops x3
        design.glm("y ~ x1 + x3")


def test_glm_perfect_fit_warns_as_r(df: pd.DataFrame) -> None:
    design = gs.SurveyDesign(df.assign(e=2 * df["x1"] + 1), weights="w")
    with pytest.warns(GovstatsWarning, match="essentially perfect fit"):
        design.glm("e ~ x1")


def test_glm_of_ordinary_data_does_not_warn(design: gs.SurveyDesign) -> None:
    fit = design.glm("y ~ x1")  # warnings are errors in this suite
    assert np.isfinite(fit.tvalues).all()


# ----------------------------------------------------------------- calibration
def test_rake_with_contradictory_margins_names_the_missed_margin() -> None:
    # a and b are the same split of the sample: no raking meets 600/400 and 500/500
    frame = pd.DataFrame({"a": ["x"] * 50 + ["y"] * 50, "b": ["u"] * 50 + ["v"] * 50, "w": 1.0})
    design = gs.SurveyDesign(frame, weights="w")
    with pytest.raises(ConvergenceError, match=r"misses margin 'a': level 'x' totals 500"):
        design.rake({"a": {"x": 600, "y": 400}, "b": {"u": 500, "v": 500}})


def test_rake_with_compatible_margins_meets_every_margin() -> None:
    rng = np.random.default_rng(4)
    frame = pd.DataFrame(
        {"a": rng.choice(["x", "y"], 200), "b": rng.choice(["u", "v"], 200), "w": 5.0}
    )
    raked = gs.SurveyDesign(frame, weights="w").rake(
        {"a": {"x": 600, "y": 400}, "b": {"u": 300, "v": 700}}, tol=1e-9
    )
    w = raked.weights_array
    np.testing.assert_allclose([w[frame["a"] == v].sum() for v in "xy"], [600, 400], rtol=1e-6)
    np.testing.assert_allclose([w[frame["b"] == v].sum() for v in "uv"], [300, 700], rtol=1e-6)


def test_calibration_to_negative_weights_warns() -> None:
    # R calibrate() returns these weights (min -96.6 on apisrs) without a word
    from tests.reference.cases import read_data

    api = read_data("apisrs.csv")
    design = gs.SurveyDesign(api, weights="pw")
    totals = {"(Intercept)": 6194, "api99": 6194 * 900}
    with pytest.warns(GovstatsWarning, match=r"74 weights negative.*bounds="):
        cal = design.calibrate(totals, formula="~api99")
    assert cal.weights_array.min() == pytest.approx(-96.59776503623313, rel=1e-9)
    bounded = design.calibrate(totals, formula="~api99", bounds=(0.0, float("inf")))
    assert bounded.weights_array.min() >= 0


def test_fractional_replicates_are_refused(design: gs.SurveyDesign) -> None:
    with pytest.raises(GovstatsError, match=r"replicates=10\.5 is not a number of replicates"):
        design.to_replicates("bootstrap", 10.5, seed=1)  # type: ignore[arg-type]


def test_calibration_total_that_is_missing_is_named(design: gs.SurveyDesign) -> None:
    with pytest.raises(DataError, match=r"population totals of \['\(Intercept\)'\] are missing"):
        design.calibrate({"(Intercept)": np.nan, "x1": 3.0}, formula="~x1")


@pytest.mark.parametrize("level", [0.0, 1.0, 5, -0.05])
def test_quantile_level_outside_0_1_is_refused(design: gs.SurveyDesign, level) -> None:
    with pytest.raises(gs.GovstatsError, match=r"level=.* is outside \(0, 1\)"):
        design.quantile("y", 0.5, level=level)


def test_domains_whose_values_print_alike_are_refused(df: pd.DataFrame) -> None:
    mixed = df.assign(g=pd.Series([1, "1", 2, 2] * 15, dtype=object))
    with pytest.raises(DataError, match="column 'g' mixes numbers and text"):
        gs.SurveyDesign(mixed).mean("y", by="g")
