"""Identities of design-based estimators, checked on random designs (hypothesis).

The identities are the ones R ``survey`` relies on in its own tests: estimates do
not depend on row order or on the scale of the weights; a design with one PSU
per row and no strata gives the with-replacement SRS variance; a domain that is
everything equals the full design; a domain mean by ``subset`` equals the
``by=`` mean; a ratio equals the no-intercept regression with weights w/x.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import govstats as gs

# Identities hold exactly in real arithmetic; the two sides sum in different orders.
RTOL = 1e-9
SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def designs(draw: st.DrawFn) -> pd.DataFrame:
    """A stratified cluster sample: 1-4 strata, 2-5 PSUs each, 1-4 rows per PSU."""
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    n_strata = draw(st.integers(1, 4))
    rows = []
    psu_id = 0
    for h in range(n_strata):
        for _ in range(int(rng.integers(2, 6))):
            psu_id += 1
            for _ in range(int(rng.integers(1, 5))):
                rows.append((f"s{h}", psu_id))
    frame = pd.DataFrame(rows, columns=["stratum", "psu"])
    n = len(frame)
    frame["w"] = rng.uniform(0.5, 20.0, n)
    frame["y"] = rng.normal(10.0, 3.0, n)
    frame["x"] = rng.uniform(1.0, 5.0, n)
    frame["g"] = rng.choice(["a", "b", "c"], n)
    frame["fpc"] = frame.groupby("stratum")["psu"].transform("nunique") * 3
    return frame


def _design(frame: pd.DataFrame, **kwargs: object) -> gs.SurveyDesign:
    return gs.SurveyDesign(frame, weights="w", strata="stratum", psu="psu", fpc="fpc", **kwargs)  # type: ignore[arg-type]


@SETTINGS
@given(designs(), st.integers(0, 2**32 - 1))
def test_row_order_does_not_matter(frame: pd.DataFrame, seed: int) -> None:
    order = np.random.default_rng(seed).permutation(len(frame))
    shuffled = frame.iloc[order].reset_index(drop=True)
    for method in ("mean", "total"):
        a = getattr(_design(frame), method)(["y", "x"], by="g")
        b = getattr(_design(shuffled), method)(["y", "x"], by="g")
        np.testing.assert_allclose(b.estimate, a.estimate, rtol=RTOL)
        np.testing.assert_allclose(b.se, a.se, rtol=1e-8, atol=1e-10)


@SETTINGS
@given(designs(), st.floats(1e-3, 1e3))
def test_mean_invariant_to_scaling_weights(frame: pd.DataFrame, factor: float) -> None:
    a = gs.SurveyDesign(frame, weights="w", strata="stratum", psu="psu").mean("y")
    scaled = frame.assign(w=frame["w"] * factor)
    b = gs.SurveyDesign(scaled, weights="w", strata="stratum", psu="psu").mean("y")
    np.testing.assert_allclose(b.estimate, a.estimate, rtol=RTOL)
    np.testing.assert_allclose(b.se, a.se, rtol=1e-8)


@SETTINGS
@given(designs())
def test_one_psu_per_row_is_with_replacement_srs(frame: pd.DataFrame) -> None:
    result = gs.SurveyDesign(frame, weights="w").mean("y")
    w, y = frame["w"].to_numpy(), frame["y"].to_numpy()
    n = len(y)
    ybar = np.sum(w * y) / np.sum(w)
    expected = n / (n - 1) * np.sum(w**2 * (y - ybar) ** 2) / np.sum(w) ** 2
    np.testing.assert_allclose(result.estimate[0], ybar, rtol=RTOL)
    np.testing.assert_allclose(result.se[0] ** 2, expected, rtol=1e-9)
    assert result.df == n - 1


@SETTINGS
@given(designs())
def test_equal_weights_srs_gives_textbook_variance(frame: pd.DataFrame) -> None:
    y = frame["y"].to_numpy()
    result = gs.SurveyDesign(frame[["y"]]).mean("y")
    np.testing.assert_allclose(result.se[0] ** 2, np.var(y, ddof=1) / len(y), rtol=1e-9)


@SETTINGS
@given(designs())
def test_domain_that_is_everything_equals_full_design(frame: pd.DataFrame) -> None:
    full = _design(frame)
    everything = full.subset(np.ones(len(frame), dtype=bool))
    for method in ("mean", "total"):
        a, b = getattr(full, method)("y"), getattr(everything, method)("y")
        np.testing.assert_allclose(b.estimate, a.estimate, rtol=RTOL)
        np.testing.assert_allclose(b.se, a.se, rtol=RTOL)
        assert a.df == b.df == full.df


@SETTINGS
@given(designs())
def test_subset_mean_equals_by_mean(frame: pd.DataFrame) -> None:
    design = _design(frame, lonely_psu="adjust")
    by = design.mean("y", by="g").to_frame().set_index("g")
    for level in by.index:
        with warnings.catch_warnings():  # a one-PSU domain has no t interval (df 0)
            warnings.simplefilter("ignore", gs.GovstatsWarning)
            sub = design.subset(frame["g"] == level).mean("y")
        np.testing.assert_allclose(sub.estimate[0], by.loc[level, "estimate"], rtol=RTOL)
        np.testing.assert_allclose(sub.se[0], by.loc[level, "se"], rtol=1e-8, atol=1e-12)


@SETTINGS
@given(designs())
def test_ratio_equals_no_intercept_regression(frame: pd.DataFrame) -> None:
    ratio = _design(frame).ratio("y", "x")
    regression = gs.SurveyDesign(
        frame.assign(w=frame["w"] / frame["x"]), weights="w", strata="stratum", psu="psu", fpc="fpc"
    ).glm("y ~ x - 1")
    np.testing.assert_allclose(regression.params["x"], ratio.estimate[0], rtol=RTOL)
    np.testing.assert_allclose(regression.se["x"], ratio.se[0], rtol=1e-8)


@SETTINGS
@given(designs())
def test_proportions_sum_to_one_with_singular_covariance(frame: pd.DataFrame) -> None:
    result = _design(frame).proportion("g")
    np.testing.assert_allclose(result.estimate.sum(), 1.0, rtol=RTOL)
    np.testing.assert_allclose(result.vcov.sum(axis=0), 0.0, atol=1e-12)


@SETTINGS
@given(designs())
def test_domain_totals_are_weighted_group_sums(frame: pd.DataFrame) -> None:
    totals = _design(frame).total("y", by="g")
    expected = (frame["w"] * frame["y"]).groupby(frame["g"]).sum()
    np.testing.assert_allclose(totals.estimate, expected.to_numpy(), rtol=RTOL)
    assert [d[0] for d in totals.domain] == list(expected.index)


def test_gaussian_glm_intercept_only_equals_mean() -> None:
    rng = np.random.default_rng(7)
    frame = pd.DataFrame(
        {
            "h": np.repeat(["a", "b", "c"], 20),
            "psu": np.repeat(np.arange(12), 5),
            "w": rng.uniform(1, 9, 60),
            "y": rng.normal(size=60),
        }
    )
    design = gs.SurveyDesign(frame, weights="w", strata="h", psu="psu")
    fit = design.glm("y ~ 1")
    mean = design.mean("y")
    np.testing.assert_allclose(fit.params["Intercept"], mean.estimate[0], rtol=RTOL)
    np.testing.assert_allclose(fit.se["Intercept"], mean.se[0], rtol=1e-9)
    assert fit.df == design.df
