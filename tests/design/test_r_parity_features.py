"""Closed forms and identities for the R-parity features.

svyvar, deff options, quantile interval types,
lonely PSUs inside domains (the replicate-GLM dispersion is checked by the R cases).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import optimize, stats

import govstats as gs
from govstats.design.quantile import zeroin
from govstats.errors import DataError

RTOL = 1e-10  # the same sums in another order


@pytest.fixture
def sample() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    n = 300
    frame = pd.DataFrame(
        {
            "stratum": np.repeat(["a", "b", "c"], n // 3),
            "psu": np.repeat(np.arange(30), n // 30),
            "w": rng.uniform(1, 5, n),
            "y": rng.normal(10, 2, n),
            "x": rng.gamma(2.0, 2.0, n),
        }
    )
    frame["g"] = np.where(np.arange(n) % 4 == 0, "k", "m")
    return frame


def test_var_of_equal_weight_srs_is_the_sample_variance(sample: pd.DataFrame) -> None:
    design = gs.SurveyDesign(sample)
    result = design.var(["y", "x"])
    expected = np.cov(sample[["y", "x"]].to_numpy(), rowvar=False, ddof=1)
    np.testing.assert_allclose(result.estimate, expected.ravel(order="F"), rtol=RTOL)
    assert list(result.variable) == ["y:y", "x:y", "y:x", "x:x"]


def test_var_se_is_the_se_of_the_mean_of_squared_deviations(sample: pd.DataFrame) -> None:
    design = gs.SurveyDesign(sample, weights="w", strata="stratum", psu="psu", nest=True)
    xbar = float(design.mean("y").estimate[0])
    n = len(sample)
    squares = sample.assign(s=(sample["y"] - xbar) ** 2 * n / (n - 1))
    direct = gs.SurveyDesign(squares, weights="w", strata="stratum", psu="psu", nest=True).mean("s")
    result = design.var("y")
    np.testing.assert_allclose(result.estimate, direct.estimate, rtol=RTOL)
    np.testing.assert_allclose(result.se, direct.se, rtol=RTOL)


def test_replicate_var_recomputes_the_mean_in_every_replicate(sample: pd.DataFrame) -> None:
    design = gs.SurveyDesign(sample, weights="w", strata="stratum", psu="psu", nest=True)
    rep = design.to_replicates("jkn")
    result = rep.var("y")
    reps = rep.replicates
    assert reps is not None
    y = sample["y"].to_numpy()
    weights = reps.full_row_weights(design.weights_array)
    n = len(y)

    def s2(w: np.ndarray) -> float:
        m = np.sum(w * y) / np.sum(w)
        return float(n / (n - 1) * np.sum(w * (y - m) ** 2) / np.sum(w))

    values = np.array([s2(weights[:, r]) for r in range(weights.shape[1])])
    expected_var = reps.scale * np.sum(reps.rscales * (values - values.mean()) ** 2)
    np.testing.assert_allclose(result.estimate[0], s2(design.weights_array), rtol=RTOL)
    np.testing.assert_allclose(result.se[0] ** 2, expected_var, rtol=1e-8)


def test_var_rejects_a_categorical_column(sample: pd.DataFrame) -> None:
    design = gs.SurveyDesign(sample.astype({"g": "category"}))
    with pytest.raises(DataError, match="numeric"):
        design.var("g")


def test_deff_replace_uses_the_with_replacement_srs_variance(sample: pd.DataFrame) -> None:
    design = gs.SurveyDesign(sample, weights="w", strata="stratum", psu="psu", nest=True)
    with_rep = design.mean("y", deff="replace")
    without = design.mean("y", deff=True)
    n, big_n = len(sample), float(sample["w"].sum())
    # vsrs(replace) = s^2/n and vsrs(without) = s^2 (N - n)/(N n)
    np.testing.assert_allclose(
        with_rep.deff / without.deff, (big_n - n) / big_n, rtol=RTOL
    )  # fmt: skip
    assert design.mean("y", deff=False).deff is None
    with pytest.raises(DataError, match="deff"):
        design.mean("y", deff="srs")


def test_ratio_deff_equals_the_deff_of_the_linearized_total(sample: pd.DataFrame) -> None:
    design = gs.SurveyDesign(sample, weights="w", strata="stratum", psu="psu", nest=True)
    ratio = design.ratio("y", "x", deff=True)
    r = float(ratio.estimate[0])
    x_total = float(np.sum(sample["w"] * sample["x"]))
    scores = sample.assign(r=(sample["y"] - r * sample["x"]) / x_total)
    total = gs.SurveyDesign(scores, weights="w", strata="stratum", psu="psu", nest=True).total(
        "r", deff=True
    )
    assert ratio.deff is not None and total.deff is not None
    np.testing.assert_allclose(ratio.deff, total.deff, rtol=1e-8)
    assert design.ratio("y", "x").deff is None


def test_zeroin_finds_the_root_of_a_smooth_function_as_brent() -> None:
    root = zeroin(lambda t: np.cos(t) - t, 0.0, 1.0, 1e-12)
    assert root == pytest.approx(optimize.brentq(lambda t: np.cos(t) - t, 0.0, 1.0), abs=1e-11)
    with pytest.raises(DataError, match="sign change"):
        zeroin(lambda t: t * t + 1.0, -1.0, 1.0, 1e-8)


def test_quantile_interval_types_contain_the_estimate(sample: pd.DataFrame) -> None:
    design = gs.SurveyDesign(sample, weights="w", strata="stratum", psu="psu", nest=True)
    for interval in ("mean", "xlogit", "asin", "beta", "score"):
        result = design.quantile("y", q=[0.25, 0.5], interval_type=interval)
        assert (result.ci_low <= result.estimate).all(), interval
        assert (result.estimate <= result.ci_high).all(), interval


def test_replicate_quantile_interval_is_symmetric_with_the_replicate_se(
    sample: pd.DataFrame,
) -> None:
    design = gs.SurveyDesign(sample, weights="w", strata="stratum", psu="psu", nest=True)
    rep = design.to_replicates("jkn")
    result = rep.quantile("y", q=0.5, interval_type="quantile")
    half = stats.t.ppf(0.975, rep.df) * result.se[0]
    np.testing.assert_allclose(result.ci_high - result.estimate, half, rtol=1e-9)
    np.testing.assert_allclose(result.estimate - result.ci_low, half, rtol=1e-9)


def test_interval_types_refused_on_the_wrong_design(sample: pd.DataFrame) -> None:
    design = gs.SurveyDesign(sample, weights="w", strata="stratum", psu="psu", nest=True)
    with pytest.raises(DataError, match="replicate"):
        design.quantile("y", interval_type="quantile")
    with pytest.raises(DataError, match="linearization"):
        design.to_replicates("jkn").quantile("y", interval_type="score")
    with pytest.raises(DataError, match="interval_type"):
        design.quantile("y", interval_type="wald")


def _one_psu_domain(sample: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    # stratum "a" keeps a single PSU (psu 0) in the domain; the others keep all of theirs
    frame = sample.assign(psu=sample["psu"] % 10, stratum=sample["stratum"])
    keep = (frame["stratum"] != "a") | (frame["psu"] == 0)
    return frame, keep.to_numpy()


def test_adjust_domain_lonely_centres_the_lonely_stratum_at_zero(sample: pd.DataFrame) -> None:
    frame, keep = _one_psu_domain(sample)
    common = {"weights": "w", "strata": "stratum", "psu": "psu", "nest": True}
    plain = gs.SurveyDesign(frame, lonely_psu="adjust", **common).subset(keep).total("y")
    adjusted = gs.SurveyDesign(frame, lonely_psu="adjust", adjust_domain_lonely=True, **common)
    result = adjusted.subset(keep).total("y")
    # stratum a has one non-zero PSU total z among n_a = 10 PSUs. Centred (the default)
    # it contributes n_a/(n_a-1) * z^2 (1 - 1/n_a) = z^2; centred at zero, n_a/(n_a-1) z^2
    w, y = frame["w"].to_numpy(), frame["y"].to_numpy()
    in_a = (frame["stratum"] == "a").to_numpy()
    z = float(np.sum((w * y)[in_a & keep]))
    n_a = 10
    np.testing.assert_allclose(
        result.se[0] ** 2 - plain.se[0] ** 2, z**2 / (n_a - 1), rtol=1e-9
    )  # fmt: skip
    average = gs.SurveyDesign(frame, lonely_psu="average", adjust_domain_lonely=True, **common)
    others = gs.SurveyDesign(frame, **common).subset(keep & ~in_a).total("y")
    # "average": stratum a is left out and the other two strata's variance scaled by 3/2
    np.testing.assert_allclose(
        average.subset(keep).total("y").se[0] ** 2, 1.5 * others.se[0] ** 2, rtol=1e-9
    )
    # on the full sample no stratum is lonely, so the option changes nothing
    assert adjusted.subset(np.ones(len(frame), bool)).total("y").se[0] == pytest.approx(
        gs.SurveyDesign(frame, lonely_psu="adjust", **common).total("y").se[0], rel=1e-12
    )


def test_ciprop_logit_interval_is_the_back_transformed_glm_interval(sample: pd.DataFrame) -> None:
    frame = sample.assign(high=(sample["y"] > 11).astype(float))
    design = gs.SurveyDesign(frame, weights="w", strata="stratum", psu="psu", nest=True)
    result = design.ciprop("high")
    fit = design.glm("high ~ 1", family="quasibinomial")
    crit = stats.t.ppf(0.975, design.df)
    b, se = float(fit.params.iloc[0]), float(fit.se.iloc[0])
    expit = 1 / (1 + np.exp(-np.array([b - crit * se, b + crit * se])))
    np.testing.assert_allclose([result.ci_low[0], result.ci_high[0]], expit, rtol=1e-12)
    np.testing.assert_allclose(result.se, design.mean("high").se, rtol=RTOL)
    for method in ("mean", "asin", "xlogit", "beta"):
        other = design.ciprop("high", method=method)
        assert 0 <= other.ci_low[0] < other.estimate[0] < other.ci_high[0] <= 1, method


def test_ciprop_refuses_a_non_binary_column_and_unknown_methods(sample: pd.DataFrame) -> None:
    design = gs.SurveyDesign(sample)
    with pytest.raises(DataError, match="0/1"):
        design.ciprop("y")
    with pytest.raises(DataError, match="method"):
        design.ciprop("y", method="likelihood")


def test_poststratified_replicate_df_is_the_rank_of_the_new_weights(sample: pd.DataFrame) -> None:
    design = gs.SurveyDesign(sample, weights="w", strata="stratum", psu="psu", nest=True)
    totals = sample.groupby("g")["w"].sum().mul(1.2).to_dict()
    rep = design.poststratify("g", totals).to_replicates("jkn")
    assert rep.replicates is not None
    weights = rep.replicates.full_row_weights(rep.weights_array)
    assert rep.df == np.linalg.matrix_rank(weights) - 1
