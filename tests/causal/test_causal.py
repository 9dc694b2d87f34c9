"""gs.causal: propensity weights, balance and AIPW on survey designs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

import govstats as gs
from govstats.causal import aipw, balance, propensity_weights
from govstats.design import SurveyDesign
from govstats.errors import DataError, ModelError

TRUE_EFFECT = 1.0


def _confounded(n: int = 3000, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x1 = rng.normal(size=n)
    x2 = rng.binomial(1, 0.4, size=n)
    e = 1 / (1 + np.exp(-(-0.3 + 0.9 * x1 + 0.7 * x2)))
    t = (rng.random(n) < e).astype(int)
    y = 2.0 + TRUE_EFFECT * t + 1.5 * x1 + 1.0 * x2 + rng.normal(size=n)
    return pd.DataFrame(
        {"x1": x1, "x2": x2, "t": t, "y": y, "h": np.arange(n) % 5,
         "psu": np.arange(n) // 15, "w": rng.uniform(1, 4, size=n)}
    )  # fmt: skip


def _design(df: pd.DataFrame) -> SurveyDesign:
    return SurveyDesign(df, weights="w", strata="h", psu="psu", nest=True)


def test_propensity_model_equals_statsmodels_weighted_logit() -> None:
    df = _confounded()
    weighted = propensity_weights(_design(df), "t", ["x1", "x2"])
    x = sm.add_constant(df[["x1", "x2"]].to_numpy())
    ref = sm.GLM(df["t"], x, family=sm.families.Binomial(), var_weights=df["w"]).fit(tol=1e-12)
    np.testing.assert_allclose(weighted.data["_propensity"], ref.fittedvalues, rtol=1e-8)
    e = ref.fittedvalues.to_numpy()
    ipw = df["t"] / e + (1 - df["t"]) / (1 - e)
    np.testing.assert_allclose(weighted.weights_array, df["w"] * ipw, rtol=1e-8)


def test_ipw_recovers_the_effect_where_the_naive_difference_is_biased() -> None:
    df = _confounded()
    d = _design(df)
    naive = d.glm("y ~ t").params["t"]
    weighted = propensity_weights(d, "t", ["x1", "x2"])
    fit = weighted.glm("y ~ t")
    assert abs(naive - TRUE_EFFECT) > 0.5
    assert abs(fit.params["t"] - TRUE_EFFECT) < 3 * fit.se["t"]


def test_att_weights_and_stabilisation() -> None:
    df = _confounded()
    d = _design(df)
    att = propensity_weights(d, "t", ["x1", "x2"], estimand="ATT")
    treated = df["t"].to_numpy() == 1
    np.testing.assert_allclose(att.weights_array[treated], df["w"].to_numpy()[treated])
    stable = propensity_weights(d, "t", ["x1", "x2"], stabilize=True)
    plain = propensity_weights(d, "t", ["x1", "x2"])
    np.testing.assert_allclose(stable.weights_array.sum(), df["w"].sum(), rtol=0.05)
    assert stable.glm("y ~ t").params["t"] == pytest.approx(plain.glm("y ~ t").params["t"])


def test_replicates_re_estimate_the_propensity_model() -> None:
    df = _confounded(n=600)
    rep = _design(df).to_replicates("jkn")
    weighted = propensity_weights(rep, "t", ["x1", "x2"])
    reps = weighted.replicates
    assert reps is not None and reps.row_weights is not None
    base = rep.replicates.full_row_weights(rep.weights_array)
    x = sm.add_constant(df[["x1", "x2"]].to_numpy())
    for r in (0, 7, 33):
        wr = base[:, r]
        keep = wr > 0
        ref = sm.GLM(df["t"][keep], x[keep], family=sm.families.Binomial(),
                     var_weights=wr[keep]).fit(tol=1e-12)  # fmt: skip
        e = ref.fittedvalues.to_numpy()
        t = df["t"].to_numpy()[keep]
        np.testing.assert_allclose(
            reps.row_weights[keep, r], wr[keep] * (t / e + (1 - t) / (1 - e)), rtol=1e-7
        )
    assert weighted.df == rep.df


def test_propensity_of_zero_or_one_is_refused_unless_trimmed() -> None:
    df = _confounded(n=400)
    df["sep"] = df["t"] + 0.0  # a covariate that separates the groups
    d = _design(df)
    with pytest.raises(gs.GovstatsError, match=r"separat|propensity"):
        propensity_weights(d, "t", ["x1", "sep"])
    df2 = _confounded(n=400)
    df2["x1"] = np.where(df2["t"] == 1, df2["x1"] + 12, df2["x1"])
    with pytest.raises(DataError, match="propensity of 't' of 0 or 1"):
        propensity_weights(_design(df2), "t", ["x1"])
    trimmed = propensity_weights(_design(df2), "t", ["x1"], trim=0.01)
    assert np.isfinite(trimmed.weights_array).all()


def test_bad_arguments() -> None:
    df = _confounded(n=200)
    d = _design(df)
    with pytest.raises(DataError, match="must be 0/1"):
        propensity_weights(d, "y", ["x1"])
    with pytest.raises(ModelError, match="estimand"):
        propensity_weights(d, "t", ["x1"], estimand="ATC")
    with pytest.raises(ModelError, match="trim"):
        propensity_weights(d, "t", ["x1"], trim=0.7)
    with pytest.raises(DataError, match="nothere"):
        propensity_weights(d, "t", ["nothere"])


def test_balance_table() -> None:
    df = _confounded()
    d = _design(df)
    table = balance(d, propensity_weights(d, "t", ["x1", "x2"]), ["x1", "x2"])
    assert list(table.columns) == [
        "variable", "stage", "mean_treated", "mean_control", "smd", "variance_ratio"
    ]  # fmt: skip
    before = table[table["stage"] == "before"].set_index("variable")
    after = table[table["stage"] == "after"].set_index("variable")
    assert (before["smd"].abs() > 0.2).all()
    assert (after["smd"].abs() < 0.05).all()
    w = df["w"].to_numpy()
    t = df["t"].to_numpy() == 1
    m1 = np.average(df["x1"][t], weights=w[t])
    assert before.loc["x1", "mean_treated"] == pytest.approx(m1)


def test_aipw_recovers_the_effect_and_is_doubly_robust() -> None:
    df = _confounded()
    d = _design(df)
    fit = aipw(d, "t", "y", ["x1", "x2"])
    assert fit.to_frame()["term"].tolist() == ["ATE", "Y(1)", "Y(0)"]
    assert abs(fit.estimate[0] - TRUE_EFFECT) < 3 * fit.se[0]
    # the propensity model misses x2, the outcome model is right: still consistent
    df["x1sq"] = df["x1"] ** 2
    att = aipw(d, "t", "y", ["x1", "x2"], estimand="ATT")
    assert abs(att.estimate[0] - TRUE_EFFECT) < 3 * att.se[0]


def test_aipw_replicate_and_linearization_standard_errors_agree() -> None:
    df = _confounded(n=1500)
    d = _design(df)
    lin = aipw(d, "t", "y", ["x1", "x2"])
    rep = aipw(d.to_replicates("jkn"), "t", "y", ["x1", "x2"])
    np.testing.assert_allclose(rep.estimate, lin.estimate, rtol=1e-10)
    assert rep.replicate_estimates is not None
    np.testing.assert_allclose(rep.se, lin.se, rtol=0.15)
    assert rep.method == "jkn"


def test_input_is_not_modified() -> None:
    df = _confounded(n=300)
    before = df.copy()
    d = _design(df)
    balance(d, propensity_weights(d, "t", ["x1"]), ["x1"])
    aipw(d, "t", "y", ["x1"])
    pd.testing.assert_frame_equal(df, before)
