"""Taylor-linearization estimators against R ``survey`` 4.1-1 (tests/reference/survey_cases.json).

Every case whose design type is ``taylor_linearization`` becomes one test id. The
design and the call are rebuilt generically from the case's structured fields
(ids, strata, weights/probs, fpc, nest, lonely-PSU option, subset expression,
estimator, variables, options); there is no per-case code.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd
import pytest

import govstats as gs
from govstats.errors import DesignError
from tests.reference.cases import case_frame, survey_cases

# R writes doubles at full precision; point estimates are closed-form sums, so they
# agree to rounding error of a few hundred summations.
RTOL_ESTIMATE = 1e-9
# Standard errors go through a square root and stratum sums of squares: allow more.
RTOL_SE = 1e-6
# Covariances are the squares of the SEs.
RTOL_VCOV = 2e-6
# Exact zeros in R output (e.g. proportions of the stratum variable) are floating noise.
ATOL_ZERO = 1e-12

CASES = [c for c in survey_cases() if c["design"]["type"] == "taylor_linearization"]


def _design(case: dict[str, Any]) -> gs.SurveyDesign:
    spec = case["design"]
    data = case_frame(case)
    if "factor" in case["estimator"]:
        # R reads these columns as factors (levels sorted); pandas categories sort the same way.
        data = data.astype({v: "category" for v in case["variables"]})
    weights = spec.get("weights")
    probs = spec.get("probs")
    if probs is not None:
        prob_column = str(probs).split(" ")[0]
        if prob_column in data.columns:
            data = data.assign(_weight_from_probs=1.0 / data[prob_column])
        else:
            data = data.assign(_weight_from_probs=1.0 / float(prob_column))
        weights = "_weight_from_probs"
    lonely = case.get("options", {}).get("survey.lonely.psu", spec.get("lonely_psu_option", "fail"))
    design = gs.SurveyDesign(
        data,
        weights=weights,
        strata=spec.get("strata"),
        psu=spec.get("ids") or None,
        fpc=spec.get("fpc") or None,
        nest=bool(spec.get("nest")),
        lonely_psu=lonely,
    )
    subset = spec.get("subset")
    if subset:
        design = design.subset(_evaluate(data, subset["expression"]))
    return design


def _evaluate(data: pd.DataFrame, expression: str) -> pd.Series:
    """Evaluate an R comparison such as ``stype == 'M'`` or ``sch.wide == 'Yes'``."""
    names = sorted(data.columns, key=len, reverse=True)
    pattern = "|".join(re.escape(n) for n in names)
    python = re.sub(rf"(?<![\w`'\"])({pattern})(?![\w`'\"])", r"`\1`", expression)
    return data.eval(python)


def _family(case: dict[str, Any]) -> str:
    return str(case["options"]["family"]).split("(")[0]


def _run(design: gs.SurveyDesign, case: dict[str, Any]) -> Any:
    estimator: str = case["estimator"]
    variables: list[str] = case["variables"]
    options = case.get("options", {})
    na_rm = bool(options.get("na.rm", False))
    if estimator.startswith("svyby("):
        inner = estimator[len("svyby(") : -1]
        method = getattr(design, inner.removeprefix("svy"))
        return method(variables[0], by=variables[1], na_rm=na_rm)
    if estimator.startswith("svymean"):
        return design.mean(variables, na_rm=na_rm)
    if estimator.startswith("svytotal"):
        return design.total(variables, na_rm=na_rm)
    if estimator.startswith("svyratio"):
        parts = case["ratio_numerator_denominator"]
        return design.ratio(parts["numerator"], parts["denominator"], na_rm=na_rm)
    if estimator.startswith("svyquantile"):
        return design.quantile(
            variables, q=options["quantiles"], qrule=options.get("qrule", "math"), na_rm=na_rm
        )
    if estimator.startswith("svyglm"):
        response, *predictors = (f"`{v}`" for v in variables)
        formula = f"{response} ~ {' + '.join(predictors)}"
        # R's glm() drops incomplete rows (na.omit) without being asked; govstats asks.
        omitted = case.get("n_obs_used", 0) < case["design"]["n_rows_in_design_object"]
        return design.glm(formula, family=_family(case), na_rm=na_rm or omitted)
    raise AssertionError(f"estimator {estimator!r} has no mapping in this test")


def _named(result: Any, case: dict[str, Any]) -> tuple[dict[str, float], dict[str, float]]:
    """Our estimates and SEs keyed by R's names."""
    if isinstance(result, gs.design.GLMResult):
        return dict(result.params), dict(result.se)
    frame = result.to_frame()
    if case["estimator"].startswith("svyby("):
        keys = [":".join(str(row[b]) for b in result.by) for _, row in frame.iterrows()]
    elif result.statistic == "quantile":
        keys = [f"{q:g}" for q in frame["quantile"]]
    elif "level" in frame:
        keys = [f"{v}{lv}" for v, lv in zip(frame["variable"], frame["level"], strict=True)]
    else:
        keys = list(frame["variable"])
    return (
        dict(zip(keys, frame["estimate"], strict=True)),
        dict(zip(keys, frame["se"], strict=True)),
    )


def _close(actual: float, expected: float, rtol: float) -> bool:
    return bool(np.isclose(actual, expected, rtol=rtol, atol=ATOL_ZERO))


@pytest.mark.parametrize("case", CASES, ids=[c["case_id"] for c in CASES])
def test_case(case: dict[str, Any]) -> None:
    if case["status"] == "error":
        stratum = re.search(r"Stratum \(([^)]*)\)", case["error_message"])
        with pytest.raises(DesignError) as raised:
            _run(_design(case), case)
        assert stratum is not None and f"Stratum ({stratum.group(1)})" in str(raised.value)
        assert "only one PSU" in str(raised.value)
        return

    result = _run(_design(case), case)
    estimates, ses = _named(result, case)
    assert set(estimates) == set(case["estimate"])
    for name, expected in case["estimate"].items():
        assert _close(estimates[name], expected, RTOL_ESTIMATE), (name, estimates[name], expected)
    for name, expected in case["se"].items():
        assert _close(ses[name], expected, RTOL_SE), (name, ses[name], expected)
    assert result.df == case["df"]
    if "vcov" in case:
        order = case["vcov"]["rownames"]
        expected_v = np.asarray(case["vcov"]["data"], dtype=float)
        actual_v = np.asarray(
            result.cov.loc[order, order] if hasattr(result, "cov") else result.vcov
        )
        np.testing.assert_allclose(actual_v, expected_v, rtol=RTOL_VCOV, atol=1e-12)
    if "ci_lower" in case:
        for name, expected in case["ci_lower"].items():
            assert _close(
                dict(zip(estimates, result.ci_low, strict=True))[name], expected, RTOL_ESTIMATE
            )
        for name, expected in case["ci_upper"].items():
            assert _close(
                dict(zip(estimates, result.ci_high, strict=True))[name], expected, RTOL_ESTIMATE
            )
    if "dispersion" in case:
        assert _close(result.dispersion, case["dispersion"], RTOL_SE)
    if "t_value" in case:
        for name, expected in case["t_value"].items():
            assert _close(result.tvalues[name], expected, RTOL_SE)


def test_every_taylor_case_is_collected() -> None:
    assert len(CASES) >= 30
