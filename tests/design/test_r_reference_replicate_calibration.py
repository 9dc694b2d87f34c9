"""Replicate and calibrated designs against R ``survey`` 4.1-1 (tests/reference/survey_cases*.json).

Every case whose ``design.type`` is ``"replicate"`` or ``"calibrated_taylor_linearization"``
is rebuilt from its JSON design description by one generic builder (``reference_builder``;
no per-case code): ``SurveyDesign(...)`` from ``ids``/``strata``/``weights``/``fpc``/``nest``,
then ``to_replicates(type)`` (R ``as.svrepdesign``), or the stored replicate weights
(R ``svrepdesign``; bootstrap draws), or ``poststratify`` / ``rake`` / ``calibrate``, then
the estimator of the case. One test id per case; one assertion per quantity.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from govstats.design.results import SurveyEstimate
from govstats.design.survey_design import SurveyDesign
from govstats.errors import GovstatsError
from tests.design.reference_builder import (
    CONSTRUCTED,
    all_survey_cases,
    build_design,
    expected_limits,
    r_names,
    run_estimator,
)

# estimates are sums and ratios of sums of the same doubles R adds: agree to rounding
RTOL_ESTIMATE = 1e-9
# standard errors go through square roots of differences of large sums: R's own printing precision
RTOL_SE = 1e-6
# replicate and calibrated weights are products of a few doubles
RTOL_WEIGHTS = 1e-9
# limits are estimate -/+ t * se: the estimate's accuracy plus the SE's, scaled by t * se
RTOL_LIMIT = 1e-7
# p-values are t tail areas of the t values: the same accuracy, a bit more in steep tails
RTOL_P = 1e-5
# R's exact zeros are floating noise here
ATOL_ZERO = 1e-12

KINDS = ("replicate", "calibrated_taylor_linearization")
CASES = [c for c in all_survey_cases() if c["design"]["type"] in KINDS]


@pytest.fixture(scope="module")
def results() -> dict[str, tuple[SurveyDesign, Any]]:
    out: dict[str, tuple[SurveyDesign, Any]] = {}
    for case in CASES:
        if case["status"] == "error":
            continue  # see test_error
        design = build_design(case)
        out[case["case_id"]] = (design, run_estimator(case, design))
    return out


OK_CASES = [c for c in CASES if c["status"] != "error"]
ERROR_CASES = [c for c in CASES if c["status"] == "error"]
# one id per quantity R reports: a case without a covariance matrix, limits or extra
# statistics has no id for them (an id that checks only the JSON cannot fail)
VCOV_CASES = [c for c in OK_CASES if "vcov" in c]
LIMIT_CASES = [c for c in OK_CASES if expected_limits(c) is not None]
EXTRA = ("deff", "dispersion", "t_value", "p_value")
EXTRA_CASES = [c for c in OK_CASES if any(k in c for k in EXTRA)]


@pytest.fixture(params=OK_CASES, ids=[c["case_id"] for c in OK_CASES])
def case(request: pytest.FixtureRequest) -> dict[str, Any]:
    return dict(request.param)


@pytest.mark.parametrize("error_case", ERROR_CASES, ids=[c["case_id"] for c in ERROR_CASES])
def test_error(error_case: dict[str, Any]) -> None:
    """A call R refuses is refused here too, with a GovstatsError."""
    with pytest.raises(GovstatsError):
        run_estimator(error_case, build_design(error_case))


def _by_name(case: dict[str, Any], result: Any, values: Any) -> dict[str, float]:
    return dict(zip(r_names(case, result), np.asarray(values, dtype=float), strict=True))


def _check(case: dict[str, Any], actual: dict[str, float], field: str, rtol: float) -> None:
    assert set(case[field]) <= set(actual), (sorted(case[field]), sorted(actual))
    names = list(case[field])
    np.testing.assert_allclose(
        [actual[n] for n in names],
        # R's NA/NaN (JSON null) must be NaN here too
        np.asarray([case[field][n] for n in names], dtype=float),
        rtol=rtol,
        atol=ATOL_ZERO,
        equal_nan=True,
        err_msg=str(names),
    )


def test_reference_file_has_cases() -> None:
    assert len([c for c in CASES if c["design"]["type"] == "replicate"]) >= 7
    assert len([c for c in CASES if c["design"]["type"] != "replicate"]) >= 8


def test_estimate(case: dict[str, Any], results: dict[str, tuple[SurveyDesign, Any]]) -> None:
    _, res = results[case["case_id"]]
    actual = _by_name(case, res, res.estimate)
    assert set(actual) == set(case["estimate"])
    _check(case, actual, "estimate", RTOL_ESTIMATE)


def test_se(case: dict[str, Any], results: dict[str, tuple[SurveyDesign, Any]]) -> None:
    _, res = results[case["case_id"]]
    _check(case, _by_name(case, res, res.se), "se", RTOL_SE)


@pytest.mark.parametrize("vcov_case", VCOV_CASES, ids=[c["case_id"] for c in VCOV_CASES])
def test_vcov(vcov_case: dict[str, Any], results: dict[str, tuple[SurveyDesign, Any]]) -> None:
    case = vcov_case
    _, res = results[case["case_id"]]
    position = {n: i for i, n in enumerate(r_names(case, res))}
    order = [position[n] for n in case["vcov"]["rownames"]]
    expected = np.array(case["vcov"]["data"], dtype=float)
    known = np.isfinite(expected)  # R leaves covariances it does not compute as NA
    actual = np.asarray(res.vcov)[np.ix_(order, order)]
    np.testing.assert_allclose(actual[known], expected[known], rtol=RTOL_SE, atol=ATOL_ZERO)


def test_every_case_with_a_df_compares_limits() -> None:
    missing = [c["case_id"] for c in OK_CASES if c not in LIMIT_CASES]
    assert missing == []


@pytest.mark.parametrize("limit_case", LIMIT_CASES, ids=[c["case_id"] for c in LIMIT_CASES])
def test_limits(limit_case: dict[str, Any], results: dict[str, tuple[SurveyDesign, Any]]) -> None:
    """govstats' own ``ci_low``/``ci_high`` equal R's limits on the design df."""
    case = limit_case
    _, res = results[case["case_id"]]
    frame = res.to_frame()
    limits = expected_limits(case)
    assert limits is not None
    for column, expected in zip(("ci_low", "ci_high"), limits, strict=True):
        actual = _by_name(case, res, frame[column])
        assert set(expected) <= set(actual), (sorted(expected), sorted(actual))
        names = list(expected)
        np.testing.assert_allclose(
            [actual[n] for n in names],
            np.asarray([expected[n] for n in names], dtype=float),
            rtol=RTOL_LIMIT,
            atol=ATOL_ZERO,
            equal_nan=True,
            err_msg=f"{column} {names}",
        )


def test_df(case: dict[str, Any], results: dict[str, tuple[SurveyDesign, Any]]) -> None:
    design, res = results[case["case_id"]]
    assert res.df == case["df"]
    assert design.df == case["design"]["design_df"]


@pytest.mark.parametrize("extra_case", EXTRA_CASES, ids=[c["case_id"] for c in EXTRA_CASES])
def test_extra_statistics(
    extra_case: dict[str, Any], results: dict[str, tuple[SurveyDesign, Any]]
) -> None:
    """Design effects and GLM dispersion, t and p values where R reports them."""
    case = extra_case
    _, res = results[case["case_id"]]
    if "deff" in case:
        _check(case, _by_name(case, res, res.deff), "deff", RTOL_SE)
    if "dispersion" in case:
        assert np.isclose(res.dispersion, case["dispersion"], rtol=RTOL_SE)
    if "t_value" in case:
        _check(case, _by_name(case, res, res.tvalues), "t_value", RTOL_SE)
    if "p_value" in case:
        _check(case, _by_name(case, res, res.pvalues), "p_value", RTOL_P)


def test_weights(case: dict[str, Any], results: dict[str, tuple[SurveyDesign, Any]]) -> None:
    """Calibrated weights equal R's; replicate weights equal R's stored set."""
    design, _ = results[case["case_id"]]
    spec = case["design"]
    if spec.get("calibration") and spec["calibration"].get("calibrated_weights"):
        expected = np.asarray(spec["calibration"]["calibrated_weights"], dtype=float)
        np.testing.assert_allclose(design.weights_array, expected, rtol=RTOL_WEIGHTS)
    elif spec.get("replicate") and spec["replicate"].get("replicate_weights"):
        stored = np.asarray(spec["replicate"]["replicate_weights"]["data"], dtype=float)
        reps = design.replicates
        assert reps is not None
        np.testing.assert_allclose(
            reps.full_row_weights(design.weights_array), stored, rtol=RTOL_WEIGHTS
        )
    if spec.get("replicate"):
        reps = design.replicates
        assert reps is not None
        rep = spec["replicate"]
        assert reps.n_replicates == rep["n_replicates"]
        if rep["type"] in CONSTRUCTED or rep.get("replicate_weights"):
            assert reps.scale == pytest.approx(rep["scale"], rel=RTOL_WEIGHTS)
            np.testing.assert_allclose(reps.rscales, rep["rscales"], rtol=RTOL_WEIGHTS)


def test_frame_has_the_contract_columns(results: dict[str, tuple[SurveyDesign, Any]]) -> None:
    for _, res in results.values():
        frame = res.to_frame()
        assert isinstance(frame, pd.DataFrame)
        if isinstance(res, SurveyEstimate):
            assert {"variable", "estimate", "se", "ci_low", "ci_high", "df"} <= set(frame.columns)
        else:
            assert {"estimate", "se", "ci_low", "ci_high"} <= set(frame.columns)
