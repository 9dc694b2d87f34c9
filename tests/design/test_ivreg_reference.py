"""SurveyDesign.ivreg against R survey::svyivreg (tests/reference/ivreg_cases.json).

The cases come from tests/reference/generate_ivreg.R (R 4.2.2, survey 4.1-1, AER 1.2-10).
A second reference is linearmodels' own IV2SLS with weights and clustered covariance
for an unstratified with-replacement cluster design.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd
import pytest
from linearmodels.iv import IV2SLS

from govstats.errors import GovstatsWarning
from tests.design.reference_builder import build_design
from tests.reference.cases import load_cases, read_data

ESTIMATE_RTOL = 1e-8  # both solve the same normal equations in float64
SE_RTOL = 1e-6  # sums of squared PSU totals in a different order
F_RTOL = 1e-6  # Wald statistics from the same covariance

CASES = load_cases("ivreg_cases.json")["cases"]


def _fit(case: dict[str, Any]) -> Any:
    design = build_design(case)
    weak = any(v["F"] < 10 for v in case["first_stage_f"].values())
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = design.ivreg(case["formula"])
    flagged = [w for w in caught if issubclass(w.category, GovstatsWarning)]
    assert bool(flagged) == weak, [str(w.message) for w in caught]
    return fit


@pytest.fixture(scope="module")
def fits() -> dict[str, Any]:
    return {case["case_id"]: _fit(case) for case in CASES}


def test_the_reference_file_has_linearization_and_replicate_cases() -> None:
    types = {case["design"]["type"] for case in CASES}
    assert types == {"taylor_linearization", "replicate"}
    assert len(CASES) >= 12


@pytest.mark.parametrize("case", CASES, ids=[c["case_id"] for c in CASES])
def test_estimates(case: dict[str, Any], fits: dict[str, Any]) -> None:
    frame = fits[case["case_id"]].to_frame(names="r").set_index("term")
    assert list(frame.index) == list(case["estimate"])
    expected = np.array(list(case["estimate"].values()))
    np.testing.assert_allclose(frame["estimate"].to_numpy(), expected, rtol=ESTIMATE_RTOL)


@pytest.mark.parametrize("case", CASES, ids=[c["case_id"] for c in CASES])
def test_standard_errors(case: dict[str, Any], fits: dict[str, Any]) -> None:
    frame = fits[case["case_id"]].to_frame(names="r").set_index("term")
    expected = np.array(list(case["se"].values()))
    np.testing.assert_allclose(frame["se"].to_numpy(), expected, rtol=SE_RTOL)


@pytest.mark.parametrize("case", CASES, ids=[c["case_id"] for c in CASES])
def test_covariance(case: dict[str, Any], fits: dict[str, Any]) -> None:
    expected = np.array(case["vcov"]["data"])
    scale = np.sqrt(np.outer(np.diag(expected), np.diag(expected)))
    np.testing.assert_allclose(fits[case["case_id"]].vcov / scale, expected / scale, atol=SE_RTOL)


LINEARIZATION = [c for c in CASES if c["design"]["type"] == "taylor_linearization"]


@pytest.mark.parametrize("case", LINEARIZATION, ids=[c["case_id"] for c in LINEARIZATION])
def test_df_t_and_p(case: dict[str, Any], fits: dict[str, Any]) -> None:
    fit = fits[case["case_id"]]
    frame = fit.to_frame(names="r").set_index("term")
    assert fit.df == case["df"]
    assert (frame["df"] == float(case["df"])).all()
    np.testing.assert_allclose(frame["t"], list(case["t_value"].values()), rtol=SE_RTOL)
    np.testing.assert_allclose(frame["p_value"], list(case["p_value"].values()), rtol=1e-5)


@pytest.mark.parametrize("case", LINEARIZATION, ids=[c["case_id"] for c in LINEARIZATION])
def test_sigma_relates_r_printed_standard_errors(
    case: dict[str, Any], fits: dict[str, Any]
) -> None:
    fit = fits[case["case_id"]]
    np.testing.assert_allclose(fit.sigma, case["sigma"], rtol=1e-10)
    printed = np.array(list(case["se_from_r_vcov_dispatch"].values()))
    np.testing.assert_allclose(fit.se.to_numpy() * fit.sigma, printed, rtol=SE_RTOL)


@pytest.mark.parametrize("case", CASES, ids=[c["case_id"] for c in CASES])
def test_first_stage_partial_f(case: dict[str, Any], fits: dict[str, Any]) -> None:
    first = fits[case["case_id"]].first_stage
    for name, ref in case["first_stage_f"].items():
        j = first.endogenous.index(name)
        np.testing.assert_allclose(first.partial_f[j], ref["F"], rtol=F_RTOL)
        assert first.df_num == ref["df"]
        if case["design"]["type"] == "taylor_linearization":
            assert first.df_den == ref["ddf"]
            np.testing.assert_allclose(first.p_value[j], ref["p"], rtol=1e-5)


@pytest.mark.parametrize("case", LINEARIZATION, ids=[c["case_id"] for c in LINEARIZATION])
def test_durbin_wu_hausman(case: dict[str, Any], fits: dict[str, Any]) -> None:
    test = fits[case["case_id"]].endogeneity
    ref = case["dwh"]
    np.testing.assert_allclose(test.coef, ref["coef"], rtol=1e-7)
    np.testing.assert_allclose(test.se, ref["se"], rtol=SE_RTOL)
    np.testing.assert_allclose(test.statistic, ref["F"], rtol=F_RTOL)
    assert test.df_den == ref["ddf"]


def test_linearmodels_clustered_covariance_is_the_unstratified_design_covariance() -> None:
    """One-stage with-replacement design V = linearmodels clustered (not debiased) x G/(G-1)."""
    case = next(c for c in CASES if c["case_id"] == "IV-clus1wr-meals-full")
    data = read_data(case["design"]["data_file"])
    fit = _fit(case)
    model = IV2SLS.from_formula("api00 ~ 1 + ell + [meals ~ full]", data, weights=data["pw"])
    groups = data["dnum"].nunique()
    plain = model.fit(cov_type="clustered", clusters=data["dnum"], debiased=False)
    np.testing.assert_allclose(fit.params.to_numpy(), plain.params.to_numpy(), rtol=1e-10)
    np.testing.assert_allclose(fit.vcov, plain.cov.to_numpy() * groups / (groups - 1), rtol=1e-8)
    debiased = model.fit(cov_type="clustered", clusters=data["dnum"], debiased=True)
    n, p = len(data), 3
    np.testing.assert_allclose(fit.vcov, debiased.cov.to_numpy() * (n - p) / (n - 1), rtol=1e-8)


def test_to_frame_schema_and_names() -> None:
    case = next(c for c in CASES if c["case_id"] == "IV-clus1-factor-exog")
    fit = _fit(case)
    frame = fit.to_frame()
    assert list(frame.columns) == [
        "term", "estimate", "se", "ci_low", "ci_high", "df", "t", "p_value"
    ]  # fmt: skip
    assert frame["term"].tolist() == ["Intercept", "stype[T.H]", "stype[T.M]", "meals"]
    assert frame["df"].dtype == np.float64
    assert fit.to_frame(names="r")["term"].tolist() == ["(Intercept)", "stypeH", "stypeM", "meals"]
    assert "IV-2SLS" in fit.summary()
    assert isinstance(pd.DataFrame(fit.first_stage.to_frame()), pd.DataFrame)
