"""Taylor-linearization estimators against R ``survey`` 4.1-1 (tests/reference/survey_cases*.json).

Every case of every reference file whose design type is ``taylor_linearization``
becomes one test id. The design and the call are rebuilt generically from the case's
structured fields and recorded R call (see ``reference_builder``); there is no
per-case code, so a larger file with new cases runs through unchanged.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pytest

from govstats.errors import DesignError, GovstatsError
from tests.design.reference_builder import (
    all_survey_cases,
    build_design,
    expected_limits,
    r_names,
    run_estimator,
)

# R writes doubles at full precision; point estimates are closed-form sums, so they
# agree to rounding error of a few hundred summations.
RTOL_ESTIMATE = 1e-9
# Standard errors go through a square root and stratum sums of squares: allow more.
RTOL_SE = 1e-6
# Covariances are the squares of the SEs.
RTOL_VCOV = 2e-6
# Confidence limits are estimate -/+ t * se: the estimate's accuracy plus the SE's
# relative error scaled by t * se / |limit|; limits near zero need the SE's absolute error.
RTOL_LIMIT = 1e-7
# p-values are t tail areas of the t values above: the same relative accuracy, a bit more
# where the tail is steep.
RTOL_P = 1e-5
# Exact zeros in R output (e.g. proportions of the stratum variable) are floating noise.
ATOL_ZERO = 1e-12

CASES = [c for c in all_survey_cases() if c["design"]["type"] == "taylor_linearization"]


def _close(actual: float, expected: float | None, rtol: float) -> bool:
    # R's NA/NaN (JSON null), e.g. a Woodruff limit outside [0, 1], must be NaN here too
    wanted = np.nan if expected is None else expected
    return bool(np.isclose(actual, wanted, rtol=rtol, atol=ATOL_ZERO, equal_nan=True))


def _by_name(case: dict[str, Any], result: Any, values: Any) -> dict[str, float]:
    return dict(zip(r_names(case, result), np.asarray(values, dtype=float), strict=True))


@pytest.mark.parametrize("case", CASES, ids=[c["case_id"] for c in CASES])
def test_case(case: dict[str, Any]) -> None:
    if case["status"] == "error":
        stratum = re.search(r"Stratum \(([^)]*)\)", case["error_message"])
        if stratum is None:  # any other error R reports must be an error here too
            with pytest.raises(GovstatsError):
                run_estimator(case, build_design(case))
            return
        with pytest.raises(DesignError) as raised:
            run_estimator(case, build_design(case))
        assert f"Stratum ({stratum.group(1)})" in str(raised.value)
        assert "only one PSU" in str(raised.value)
        return

    result = run_estimator(case, build_design(case))
    estimates = _by_name(case, result, result.estimate)
    ses = _by_name(case, result, result.se)
    assert set(estimates) == set(case["estimate"])
    for name, expected in case["estimate"].items():
        assert _close(estimates[name], expected, RTOL_ESTIMATE), (name, estimates[name], expected)
    for name, expected in case["se"].items():
        assert _close(ses[name], expected, RTOL_SE), (name, ses[name], expected)
    assert result.df == case["df"]
    if "vcov" in case:
        names = r_names(case, result)
        position = {n: i for i, n in enumerate(names)}
        order = [position[n] for n in case["vcov"]["rownames"]]
        actual_v = np.asarray(result.vcov)[np.ix_(order, order)]
        expected_v = np.asarray(case["vcov"]["data"], dtype=float)
        # R leaves covariances it does not compute (several svyratio ratios) as NA
        known = np.isfinite(expected_v)
        np.testing.assert_allclose(actual_v[known], expected_v[known], rtol=RTOL_VCOV, atol=1e-12)
    limits = expected_limits(case)
    assert limits is not None, "a case with a design df compares limits"
    if limits is not None:
        frame = result.to_frame()
        low = _by_name(case, result, frame["ci_low"])
        high = _by_name(case, result, frame["ci_high"])
        for name in limits[0]:
            assert _close(low[name], limits[0][name], RTOL_LIMIT), (name, low[name], limits[0])
            assert _close(high[name], limits[1][name], RTOL_LIMIT), (name, high[name], limits[1])
    if "deff" in case:
        deff = _by_name(case, result, result.deff)
        for name, expected in case["deff"].items():
            assert _close(deff[name], expected, RTOL_SE), (name, deff[name], expected)
    if "dispersion" in case:
        assert _close(result.dispersion, case["dispersion"], RTOL_SE)
    if "t_value" in case:
        tvalues = _by_name(case, result, result.tvalues)
        for name, expected in case["t_value"].items():
            assert _close(tvalues[name], expected, RTOL_SE), (name, tvalues[name], expected)
    if "p_value" in case:
        pvalues = _by_name(case, result, result.pvalues)
        for name, expected in case["p_value"].items():
            assert _close(pvalues[name], expected, RTOL_P), (name, pvalues[name], expected)


def test_every_taylor_case_is_collected() -> None:
    assert len(CASES) >= 30


def test_no_reference_case_is_left_out() -> None:
    """Every case of every reference file is run by this module or the replicate one."""
    covered = {"taylor_linearization", "replicate", "calibrated_taylor_linearization"}
    unknown = sorted(
        {c["case_id"] for c in all_survey_cases() if c["design"]["type"] not in covered}
    )
    assert unknown == [], f"reference cases of a design type no test runs: {unknown}"
