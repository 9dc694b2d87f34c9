"""Closed-form identities and properties of the design-based models and tests.

Each check compares two different computations of the same number: a Rao–Scott test
against Pearson's statistic and a design effect computed from ``mean``, a t test
against domain means, a two-outcome multinomial model against the binomial GLM, a
marginal effect of a linear model against its coefficient.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from govstats.design import SurveyDesign
from govstats.errors import DataError, ModelError
from tests.reference.cases import read_data

#: identities that hold exactly up to rounding
EXACT = 1e-9
#: GLM standard errors use R's bread from the last IRLS step's working weights,
#: the multinomial fit the converged ones
IRLS_RTOL = 1e-6


def _frame(seed: int, n: int = 120) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    psu = np.repeat(np.arange(n // 4), 4)
    x = rng.normal(size=n) + 0.3 * rng.normal(size=n // 4)[psu]
    return pd.DataFrame(
        {
            "psu": psu,
            "h": psu % 3,
            "w": rng.uniform(1.0, 4.0, size=n),
            "x": x,
            "a": np.where(rng.random(n) < 0.4 + 0.2 * (x > 0), "yes", "no"),
            "b": rng.choice(["p", "q", "r"], size=n),
            "y": 2.0 + x + rng.normal(size=n),
            "g": (rng.random(n) < 0.5).astype(int),
            "o": 1 + (x + rng.logistic(size=n) > -1) + (x + rng.logistic(size=n) > 1),
        }
    )


def test_rao_scott_2x2_on_srs_is_pearson_times_n_minus_1_over_n() -> None:
    df = _frame(1).assign(w=1.0)
    df = df.assign(bp=np.where(df["b"] == "p", "p", "other"))
    design = SurveyDesign(df)
    counts = pd.crosstab(df["a"], df["bp"]).to_numpy()
    pearson = stats.chi2_contingency(counts, correction=False)[0]
    n = len(df)
    test = design.chisq("a", "bp")
    # with equal weights the design effect of the interaction is n / (n - 1)
    assert test.statistic == pytest.approx(pearson * (n - 1) / n, rel=EXACT)
    assert test.ndf == pytest.approx(1.0, rel=EXACT)
    assert test.ddf == pytest.approx(n - 1, rel=EXACT)
    assert design.chisq("a", "bp", "Chisq").statistic == pytest.approx(pearson, rel=EXACT)


def test_rao_scott_2x2_is_pearson_over_the_design_effect_of_the_interaction() -> None:
    df = _frame(2)
    df = df.assign(c=np.where(df["g"] == 1, "one", "zero"))
    design = SurveyDesign(df, weights="w", strata="h", psu="psu", nest=True)
    cells = pd.Categorical(df["a"] + ":" + df["c"])
    cell_mean = SurveyDesign(df.assign(cell=cells), weights="w", strata="h", psu="psu", nest=True)
    p = cell_mean.proportion("cell")
    # interaction contrast of the 2 x 2 cells, orthogonal to both margins
    order = list(p.level)
    sign = {"no:one": 1, "yes:zero": 1, "no:zero": -1, "yes:one": -1}
    c = np.array([sign[level] for level in order], dtype=float)
    inv = 1.0 / p.estimate
    n = len(df)
    deff = (c * inv) @ p.vcov @ (c * inv) / ((c * inv) @ c / n)
    table = np.zeros((2, 2))
    for i, a in enumerate(["no", "yes"]):
        for j, g in enumerate(["one", "zero"]):
            table[i, j] = df["w"][(df["a"] == a) & (df["c"] == g)].sum()
    table *= n / table.sum()
    pearson = stats.chi2_contingency(table, correction=False)[0]
    test = design.chisq("a", "c")
    assert test.statistic == pytest.approx(pearson / deff, rel=EXACT)
    assert test.ddf == pytest.approx(design.df, rel=EXACT)


def test_ttest_is_the_difference_of_domain_means() -> None:
    df = _frame(3)
    design = SurveyDesign(df, weights="w", strata="h", psu="psu", nest=True)
    t = design.ttest("y", by="g")
    means = design.mean("y", by="g", deff=False)
    diff = means.contrast([-1.0, 1.0])
    assert t.estimate == pytest.approx(float(diff.estimate[0]), rel=EXACT)
    assert t.se == pytest.approx(float(diff.se[0]), rel=EXACT)
    fit = design.glm("y ~ g")
    assert t.statistic == pytest.approx(float(fit.tvalues["g"]), rel=EXACT)
    assert t.df == fit.df


def test_wald_test_of_one_coefficient_is_its_t_squared() -> None:
    df = _frame(4)
    fit = SurveyDesign(df, weights="w", psu="psu").glm("y ~ x + b")
    assert fit.wald_test("x").F == pytest.approx(float(fit.tvalues["x"]) ** 2, rel=EXACT)
    joint = fit.wald_test("b")
    assert joint.df == 2.0
    assert joint.coefficients == ("b[T.q]", "b[T.r]")


def test_two_outcome_multinomial_is_the_binomial_glm() -> None:
    df = _frame(5)
    design = SurveyDesign(df, weights="w", strata="h", psu="psu", nest=True)
    multi = design.mlogit("a ~ x")
    logit = design.glm("a ~ x", "binomial")
    np.testing.assert_allclose(multi.estimate, logit.estimate, rtol=1e-8)
    np.testing.assert_allclose(multi.se.to_numpy(), logit.se.to_numpy(), rtol=IRLS_RTOL)


def test_linear_model_ame_is_the_coefficient_with_its_se() -> None:
    df = _frame(6)
    fit = SurveyDesign(df, weights="w", psu="psu").glm("y ~ x + g")
    ame = fit.margins("x")
    mem = fit.margins("x", kind="mem")
    for m in (ame, mem):
        assert float(m.estimate[0]) == pytest.approx(float(fit.params["x"]), rel=1e-9)
        assert float(m.se[0]) == pytest.approx(float(fit.se["x"]), rel=1e-6)


def test_olr_category_effects_sum_to_zero() -> None:
    df = _frame(7)
    fit = SurveyDesign(df, weights="w", psu="psu").olr("o ~ x")
    effects = fit.margins("x")
    assert abs(float(effects.estimate.sum())) < 1e-10
    frame = fit.to_frame(exponentiate=True)
    assert frame["estimate"].iloc[0] == pytest.approx(np.exp(fit.params["x"]), rel=EXACT)
    assert list(frame["term"]) == ["x", "1|2", "2|3"]


def test_predict_at_the_fit_rows_is_the_fitted_mean() -> None:
    df = _frame(8)
    fit = SurveyDesign(df, weights="w", psu="psu").glm("g ~ x", "binomial")
    pred = fit.predict()
    eta = fit.params["Intercept"] + fit.params["x"] * df["x"].to_numpy()
    np.testing.assert_allclose(pred.estimate, 1 / (1 + np.exp(-eta)), rtol=1e-12)


@settings(max_examples=8, deadline=None)
@given(seed=st.integers(0, 10_000), scale=st.floats(0.1, 50.0))
def test_weight_scale_leaves_models_and_tests_unchanged(seed: int, scale: float) -> None:
    df = _frame(seed)
    one = SurveyDesign(df, weights="w", psu="psu")
    two = SurveyDesign(df.assign(w=df["w"] * scale), weights="w", psu="psu")
    a, b = one.chisq("a", "b"), two.chisq("a", "b")
    assert b.statistic == pytest.approx(a.statistic, rel=1e-9)
    m1, m2 = one.mlogit("b ~ x"), two.mlogit("b ~ x")
    np.testing.assert_allclose(m2.estimate, m1.estimate, rtol=1e-7, atol=1e-10)
    np.testing.assert_allclose(m2.se.to_numpy(), m1.se.to_numpy(), rtol=1e-6)


@settings(max_examples=8, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_table_tests_do_not_depend_on_orientation(seed: int) -> None:
    design = SurveyDesign(_frame(seed), weights="w", psu="psu")
    for statistic in ("F", "Chisq", "Wald", "adjWald"):
        ab, ba = design.chisq("a", "b", statistic), design.chisq("b", "a", statistic)
        assert ba.statistic == pytest.approx(ab.statistic, rel=1e-8)
        assert ba.p_value == pytest.approx(ab.p_value, rel=1e-7)


@settings(max_examples=10, deadline=None)
@given(weights=st.lists(st.floats(-3, 3, allow_nan=False), min_size=2, max_size=2))
def test_linear_contrast_equals_its_expression(weights: list[float]) -> None:
    design = SurveyDesign(_frame(9), weights="w", psu="psu")
    mean = design.mean(["x", "y"], deff=False)
    linear = mean.contrast({"x": weights[0], "y": weights[1]})
    expression = mean.contrast(f"({weights[0]!r}) * x + ({weights[1]!r}) * y")
    assert float(expression.estimate[0]) == pytest.approx(float(linear.estimate[0]), abs=1e-12)
    assert float(expression.se[0]) == pytest.approx(float(linear.se[0]), rel=1e-9, abs=1e-14)


def test_bad_input_is_named() -> None:
    df = _frame(10)
    design = SurveyDesign(df, weights="w", psu="psu")
    with pytest.raises(DataError, match="statistic"):
        design.chisq("a", "b", "G2")
    with pytest.raises(DataError, match="__import__"):
        design.mean(["x", "y"]).contrast("__import__('os').getcwd()")
    with pytest.raises(ModelError, match="3 or more"):
        design.olr("g ~ x")
    with pytest.raises(ModelError, match="not in the model"):
        design.glm("y ~ x").wald_test("b")
    with pytest.raises(DataError, match="binary"):
        design.ttest("y", by="o")
    with pytest.raises(ModelError, match="link"):
        design.olr("o ~ x", "cauchit")
    data = read_data("apistrat.csv")
    with pytest.raises(DataError, match="na_rm=True"):
        SurveyDesign(data, weights="pw", strata="stype").chisq("stype", "acs.k3")


def test_contrasts_accept_r_spellings() -> None:
    design = SurveyDesign(_frame(11), weights="w", psu="psu")
    by_group = design.mean("y", by="b", deff=False)
    named = by_group.contrast({"p:y": 1, "q:y": -1})
    r_style = by_group.contrast({"p": 1, "q": -1})
    assert float(r_style.estimate[0]) == float(named.estimate[0])
    fit = design.glm("y ~ x + b")
    assert float(fit.contrast("bq - br").estimate[0]) == pytest.approx(
        float(fit.params["b[T.q]"] - fit.params["b[T.r]"]), rel=1e-12
    )
