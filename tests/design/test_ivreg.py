"""SurveyDesign.ivreg: recovery, bad input, weak instruments, PSU-level instruments."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from govstats.design import SurveyDesign
from govstats.errors import DataError, DesignError, GovstatsWarning, ModelError


def _frame(n: int = 2000, strength: float = 1.0, seed: int = 0, per_psu: int = 10) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    z = rng.normal(size=n)
    u = rng.normal(size=n)
    x = strength * z + u + rng.normal(size=n)
    y = 1.0 + 0.5 * x - u + rng.normal(size=n)
    return pd.DataFrame(
        {"y": y, "x": x, "z": z, "c": rng.normal(size=n), "h": np.arange(n) % 4,
         "psu": np.arange(n) // per_psu, "w": rng.uniform(1, 3, size=n)}
    )  # fmt: skip


def test_recovers_the_effect_where_ols_is_biased() -> None:
    df = _frame()
    d = SurveyDesign(df, weights="w", strata="h", psu="psu", nest=True)
    iv = d.ivreg("y ~ 1 + c + [x ~ z]")
    ols = d.glm("y ~ c + x")
    assert abs(iv.params["x"] - 0.5) < 3 * iv.se["x"]
    assert abs(ols.params["x"] - 0.5) > 10 * ols.se["x"]
    assert iv.endogeneity.p_value < 1e-6


def test_weak_instrument_warns() -> None:
    df = _frame(n=400, strength=0.05)
    with pytest.warns(GovstatsWarning, match="weak instruments"):
        SurveyDesign(df, psu="psu").ivreg("y ~ 1 + [x ~ z]")


def test_psu_level_instrument_with_too_few_psus_is_refused() -> None:
    df = _frame(n=40, per_psu=10)
    df["zc"] = df.groupby("psu")["z"].transform("mean")
    with pytest.raises(DesignError, match="constant within every PSU"):
        SurveyDesign(df, psu="psu").ivreg("y ~ 1 + c + [x ~ zc]")


def test_psu_level_instrument_with_many_psus_is_fitted() -> None:
    df = _frame(n=3000, per_psu=5)
    df["zc"] = df.groupby("psu")["z"].transform("mean")
    fit = SurveyDesign(df, psu="psu").ivreg("y ~ 1 + [x ~ zc]")
    assert np.isfinite(fit.se).all()


def test_missing_values_name_the_column_and_na_rm_fits_the_rest() -> None:
    df = _frame(n=500)
    df.loc[3, "z"] = np.nan
    d = SurveyDesign(df, psu="psu")
    with pytest.raises(DataError, match="'z' \\(1 missing\\)"):
        d.ivreg("y ~ 1 + [x ~ z]")
    assert d.ivreg("y ~ 1 + [x ~ z]", na_rm=True).n_obs == 499


def test_formula_without_instruments_is_a_model_error() -> None:
    d = SurveyDesign(_frame(n=100))
    with pytest.raises(ModelError, match="endogenous block"):
        d.ivreg("y ~ 1 + x")
    with pytest.raises(ModelError, match="not identified"):
        d.ivreg("y ~ 1 + [x + c ~ z]")
    with pytest.raises(ModelError, match="nothere"):
        d.ivreg("y ~ 1 + [x ~ nothere]")


def test_replicate_design_uses_replicate_variance_and_keeps_draws() -> None:
    df = _frame(n=600)
    d = SurveyDesign(df, weights="w", strata="h", psu="psu", nest=True)
    rep = d.to_replicates("jkn")
    lin = d.ivreg("y ~ 1 + [x ~ z]")
    fit = rep.ivreg("y ~ 1 + [x ~ z]")
    assert fit.method == "jkn"
    assert fit.replicate_estimates is not None
    assert fit.replicate_estimates.shape == (rep.replicates.n_replicates, 2)
    np.testing.assert_allclose(fit.params, lin.params, rtol=1e-10)
    np.testing.assert_allclose(fit.se, lin.se, rtol=0.1)


def test_input_is_not_modified() -> None:
    df = _frame(n=200)
    before = df.copy()
    SurveyDesign(df, psu="psu").ivreg("y ~ 1 + [x ~ z]")
    pd.testing.assert_frame_equal(df, before)


@pytest.mark.parametrize("kind", ["linearization", "domain", "calibrated", "jkn", "bootstrap"])
def test_instrumenting_a_regressor_by_itself_is_the_design_glm(kind: str) -> None:
    """Identity: with z = x, 2SLS is least squares, so estimates and SEs equal svyglm's."""
    df = _frame(n=800)
    df["x_copy"] = df["x"]
    df["g"] = np.where(df["c"] > 0, "a", "b")
    d = SurveyDesign(df, weights="w", strata="h", psu="psu", nest=True)
    if kind == "domain":
        d = d.subset(df["z"] > -1)
    elif kind == "calibrated":
        d = d.poststratify("g", {"a": 1000.0, "b": 700.0})
    elif kind == "jkn":
        d = d.to_replicates("jkn")
    elif kind == "bootstrap":
        d = d.to_replicates("bootstrap", 40, seed=3)
    iv = d.ivreg("y ~ 1 + c + [x ~ x_copy]")
    glm = d.glm("y ~ c + x")
    np.testing.assert_allclose(iv.params.to_numpy(), glm.params.to_numpy(), rtol=1e-10)
    np.testing.assert_allclose(iv.se.to_numpy(), glm.se.to_numpy(), rtol=1e-8)
    assert iv.df == glm.df
