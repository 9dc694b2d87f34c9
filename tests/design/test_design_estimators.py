"""Closed-form and cross-implementation checks of the estimators beyond the R cases."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

import govstats as gs

RTOL = 1e-9  # same arithmetic in a different order
RTOL_FIT = 1e-7  # two IRLS implementations stop at slightly different iterates


@pytest.fixture
def sample() -> pd.DataFrame:
    rng = np.random.default_rng(11)
    n = 240
    frame = pd.DataFrame(
        {
            "stratum": np.repeat(["a", "b", "c", "d"], n // 4),
            "psu": np.repeat(np.arange(24), n // 24),
            "w": rng.uniform(1, 10, n),
            "x": rng.normal(size=n),
            "z": rng.uniform(0, 1, n),
        }
    )
    frame["count"] = rng.poisson(np.exp(0.3 + 0.5 * frame["x"]))
    frame["yes"] = (rng.uniform(size=n) < 1 / (1 + np.exp(-frame["x"]))).astype(float)
    frame["api.stu"] = 2 + frame["x"] + rng.normal(size=n)
    frame["收入"] = frame["api.stu"]
    return frame


def test_poisson_glm_matches_weighted_irls_and_closed_form_sandwich(sample: pd.DataFrame) -> None:
    fit = gs.SurveyDesign(sample, weights="w").glm("count ~ x", family="poisson")
    x = sm.add_constant(sample["x"].to_numpy())
    reference = sm.GLM(sample["count"], x, family=sm.families.Poisson(), var_weights=sample["w"])
    beta = reference.fit(tol=1e-12).params
    np.testing.assert_allclose(fit.params.to_numpy(), beta, rtol=RTOL_FIT)
    # One PSU per row, no strata: V = n/(n-1) A^-1 (sum (u_i - ubar)(u_i - ubar)^T) A^-1.
    mu = np.exp(x @ fit.params.to_numpy())
    w = sample["w"].to_numpy()
    scores = x * (w * (sample["count"].to_numpy() - mu))[:, None]
    bread = np.linalg.inv(x.T @ (x * (w * mu)[:, None]))
    centred = scores - scores.mean(axis=0)
    n = len(w)
    expected = n / (n - 1) * bread @ centred.T @ centred @ bread
    np.testing.assert_allclose(fit.vcov, expected, rtol=1e-6)
    assert fit.df == n - 1 + 1 - 2


def test_binomial_factor_and_numeric_response_agree(sample: pd.DataFrame) -> None:
    design = gs.SurveyDesign(sample.assign(answer=np.where(sample["yes"] == 1, "是", "否")))
    design = gs.SurveyDesign(design.data, weights="w", strata="stratum", psu="psu")
    numeric = design.glm("yes ~ x", family="binomial")
    factor = design.glm("answer ~ x", family="quasibinomial")
    # Levels sort as text: "否" (no) < "是" (yes), so "是" is coded 1 like `yes`.
    np.testing.assert_allclose(factor.params.to_numpy(), numeric.params.to_numpy(), rtol=RTOL)
    np.testing.assert_allclose(factor.vcov, numeric.vcov, rtol=RTOL)


def test_formulas_quote_dotted_and_chinese_names(sample: pd.DataFrame) -> None:
    design = gs.SurveyDesign(sample, weights="w", strata="stratum", psu="psu")
    plain = design.glm("z ~ x").params.to_numpy()
    renamed = gs.SurveyDesign(
        sample.rename(columns={"x": "x.1"}), weights="w", strata="stratum", psu="psu"
    )
    np.testing.assert_allclose(renamed.glm('z ~ Q("x.1")').params.to_numpy(), plain, rtol=RTOL)
    np.testing.assert_allclose(renamed.glm("z ~ `x.1`").params.to_numpy(), plain, rtol=RTOL)
    dotted = design.glm('Q("api.stu") ~ x').params.to_numpy()
    chinese = design.glm("收入 ~ x")
    np.testing.assert_allclose(chinese.params.to_numpy(), dotted, rtol=RTOL)
    assert list(chinese.params.index) == ["Intercept", "x"]


def test_quantile_rules_with_equal_weights_are_textbook_types(sample: pd.DataFrame) -> None:
    design = gs.SurveyDesign(sample)
    probs = [0.1, 0.25, 0.5, 0.9]
    values = sample["x"].to_numpy()
    hf7 = design.quantile("x", q=probs, qrule="hf7").estimate
    math = design.quantile("x", q=probs).estimate
    np.testing.assert_allclose(hf7, np.quantile(values, probs, method="linear"), rtol=RTOL)
    np.testing.assert_allclose(math, np.quantile(values, probs, method="inverted_cdf"), rtol=RTOL)


def test_quantile_by_domain_equals_subset(sample: pd.DataFrame) -> None:
    design = gs.SurveyDesign(sample, weights="w", strata="stratum", psu="psu")
    by = design.quantile("x", q=[0.5], by="stratum").to_frame().set_index("stratum")
    for level in ["a", "c"]:
        sub = design.subset(sample["stratum"] == level).quantile("x", q=[0.5])
        assert by.loc[level, "estimate"] == sub.estimate[0]
        assert by.loc[level, "ci_low"] == sub.ci_low[0]
        assert by.loc[level, "ci_high"] == sub.ci_high[0]


def test_census_first_stage_leaves_only_second_stage_variance(sample: pd.DataFrame) -> None:
    frame = sample.assign(unit=np.arange(len(sample)), n_psu=24, size=40)
    two_stage = gs.SurveyDesign(frame, psu=["psu", "unit"], fpc=["n_psu", "size"])
    as_strata = gs.SurveyDesign(frame, strata="psu", fpc="size")
    np.testing.assert_allclose(two_stage.total("x").se, as_strata.total("x").se, rtol=RTOL)
    # Without fpc the variance is the with-replacement one of the first stage only.
    no_fpc = gs.SurveyDesign(frame, psu=["psu", "unit"]).total("x")
    one_stage = gs.SurveyDesign(frame, psu="psu").total("x")
    np.testing.assert_allclose(no_fpc.se, one_stage.se, rtol=RTOL)


def test_certainty_stratum_needs_no_second_psu(sample: pd.DataFrame) -> None:
    frame = sample.copy()
    frame.loc[frame["stratum"] == "d", "psu"] = 99
    frame["fpc"] = frame.groupby("stratum")["psu"].transform("nunique") * 4
    frame.loc[frame["stratum"] == "d", "fpc"] = 1  # the single PSU is the whole stratum
    design = gs.SurveyDesign(frame, weights="w", strata="stratum", psu="psu", fpc="fpc")
    without_d = gs.SurveyDesign(frame, weights="w", strata="stratum", psu="psu", fpc="fpc")
    total = design.total("x")
    scores = np.where(frame["stratum"] == "d", 0.0, frame["w"] * frame["x"])
    np.testing.assert_allclose(total.vcov, without_d.vcov_totals(scores), rtol=RTOL)


def test_lonely_rules_remove_and_certainty_drop_the_stratum(sample: pd.DataFrame) -> None:
    frame = sample.copy()
    frame.loc[frame["stratum"] == "d", "psu"] = 99
    rules = {
        rule: gs.SurveyDesign(frame, weights="w", strata="stratum", psu="psu", lonely_psu=rule)
        for rule in ("remove", "certainty", "adjust", "average")
    }
    remove, certainty = rules["remove"].total("x"), rules["certainty"].total("x")
    np.testing.assert_allclose(remove.vcov, certainty.vcov, rtol=RTOL)
    # average: the remaining strata's variance scaled by 4 strata / 3 with two or more PSUs.
    np.testing.assert_allclose(rules["average"].total("x").vcov, remove.vcov * 4 / 3, rtol=RTOL)
    # adjust: the lonely PSU total, centred at the grand mean (zero), is added.
    lonely = float(np.sum((frame["w"] * frame["x"])[frame["stratum"] == "d"]))
    expected = remove.vcov + lonely**2
    np.testing.assert_allclose(rules["adjust"].total("x").vcov, expected, rtol=RTOL)


def test_categorical_levels_keep_declared_order_and_totals_count(sample: pd.DataFrame) -> None:
    order = ["d", "c", "b", "a"]
    frame = sample.assign(group=pd.Categorical(sample["stratum"], categories=order))
    design = gs.SurveyDesign(frame, weights="w")
    result = design.mean("group")
    assert list(result.to_frame()["level"]) == order
    counts = design.total("group").estimate
    expected = frame.groupby("group", observed=False)["w"].sum().loc[order].to_numpy()
    np.testing.assert_allclose(counts, expected, rtol=RTOL)


def test_results_have_tidy_frames_summaries_and_one_line_reprs(sample: pd.DataFrame) -> None:
    design = gs.SurveyDesign(sample, weights="w", strata="stratum", psu="psu")
    result = design.mean(["x", "z"], by="stratum", deff=True)
    frame = result.to_frame()
    assert list(frame.columns) == [
        "stratum", "variable", "estimate", "se", "ci_low", "ci_high", "df", "deff"
    ]  # fmt: skip
    assert len(frame) == 8 and (frame["df"] == design.df).all()
    assert "\n" not in repr(result) and "\n" not in repr(design)
    assert "df = 20" in result.summary()
    fit = design.glm("z ~ x")
    assert "\n" not in repr(fit) and "Intercept" in fit.summary()
    assert list(fit.to_frame()["term"]) == ["Intercept", "x"]
    low, high = frame["ci_low"].to_numpy(), frame["ci_high"].to_numpy()
    np.testing.assert_allclose((high - low) / 2, result.se * 2.0859634472658644, rtol=1e-12)


def test_deff_of_a_simple_random_sample_without_replacement_is_one(sample: pd.DataFrame) -> None:
    n, big_n = len(sample), 5000
    frame = sample.assign(pop=float(big_n))
    design = gs.SurveyDesign(frame, fpc="pop")  # weights N/n implied by the fpc
    np.testing.assert_allclose(design.weights_array, big_n / n, rtol=RTOL)
    for method in ("mean", "total"):
        result = getattr(design, method)(["x", "z"], deff=True)
        np.testing.assert_allclose(result.deff, 1.0, rtol=1e-9)
    # With clustering the design effect of a clustered variable exceeds one.
    clustered = frame.assign(c=frame.groupby("psu")["x"].transform("mean"))
    with pytest.warns(gs.GovstatsWarning, match="sum to about the number of rows"):
        assert gs.SurveyDesign(clustered, psu="psu").mean("c", deff=True).deff[0] > 2


def test_deff_is_off_by_default_and_warns_on_weights_summing_to_n(sample: pd.DataFrame) -> None:
    normalised = sample.assign(w=sample["w"] / sample["w"].mean())
    design = gs.SurveyDesign(normalised, weights="w", strata="stratum", psu="psu")
    assert design.mean("x").deff is None and design.total("x").deff is None
    with pytest.warns(gs.GovstatsWarning, match="sum to about the number of rows"):
        design.mean("x", deff=True)
    population = gs.SurveyDesign(sample, weights="w", strata="stratum", psu="psu")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        population.mean("x", deff=True)


def test_average_rule_by_domain_equals_each_subset(sample: pd.DataFrame) -> None:
    frame = sample.copy()
    frame.loc[frame["stratum"] == "d", "psu"] = 99  # stratum d has a lonely PSU
    frame["region"] = np.where(frame["stratum"].isin(["a", "b"]), "east", "west")
    design = gs.SurveyDesign(frame, weights="w", strata="stratum", psu="psu", lonely_psu="average")
    by = design.mean("x", by="region").to_frame().set_index("region")
    for region in ["east", "west"]:
        sub = design.subset(frame["region"] == region).mean("x")
        np.testing.assert_allclose(by.loc[region, "se"], sub.se[0], rtol=RTOL)
    # east holds no lonely stratum: its variance is not scaled up.
    east = gs.SurveyDesign(frame, weights="w", strata="stratum", psu="psu", lonely_psu="remove")
    expected = east.subset(frame["region"] == "east").mean("x").se[0]
    np.testing.assert_allclose(by.loc["east", "se"], expected, rtol=RTOL)


def test_multistage_domain_covariance_equals_explicit_scores(sample: pd.DataFrame) -> None:
    frame = sample.assign(unit=np.arange(len(sample)), n_psu=30, size=25)
    frame["g"] = np.where(frame["x"] > 0, "pos", "neg")
    design = gs.SurveyDesign(
        frame, weights="w", strata="stratum", psu=["psu", "unit"], fpc=["n_psu", "size"]
    )
    assert not design.can_aggregate  # the second stage contributes: row-level path
    result = design.ratio("z", "api.stu", by="g")
    w, z, a = frame["w"].to_numpy(), frame["z"].to_numpy(), frame["api.stu"].to_numpy()
    scores = np.zeros((len(frame), 2))
    for d, level in enumerate(["neg", "pos"]):
        rows = (frame["g"] == level).to_numpy()
        r = np.sum(w[rows] * z[rows]) / np.sum(w[rows] * a[rows])
        scores[rows, d] = w[rows] * (z[rows] - r * a[rows]) / np.sum(w[rows] * a[rows])
        np.testing.assert_allclose(result.estimate[d], r, rtol=RTOL)
    np.testing.assert_allclose(result.vcov, design.vcov_totals(scores), rtol=1e-9)


def test_glm_response_expression_as_r_i() -> None:
    df = pd.DataFrame(
        {"y": [1.0, 5.0, 2.0, 8.0, np.nan, 6.0, 3.0, 9.0], "x": [0.0, 1, 0, 1, 1, 1, 0, 0]}
    )
    fitted = gs.SurveyDesign(df).glm("I(y > 4) ~ x", "binomial", na_rm=True)
    direct = gs.SurveyDesign(df.assign(z=np.where(df["y"].isna(), np.nan, df["y"] > 4))).glm(
        "z ~ x", "binomial", na_rm=True
    )
    np.testing.assert_allclose(fitted.estimate, direct.estimate, rtol=1e-12)
    assert fitted.n_obs == 7  # the row with a missing y stays missing, not False
    with pytest.raises(gs.GovstatsError, match="cannot evaluate the response"):
        gs.SurveyDesign(df).glm("I(y >) ~ x")
