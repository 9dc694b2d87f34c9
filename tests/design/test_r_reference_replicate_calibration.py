"""Replicate and calibrated designs against R ``survey`` 4.1-1 (tests/reference/survey_cases.json).

Every case whose ``design.type`` is ``"replicate"`` or ``"calibrated_taylor_linearization"``
is rebuilt from its JSON design description by one generic builder (no per-case code):
``SurveyDesign(...)`` from ``ids``/``strata``/``weights``/``fpc``/``nest``, then
``to_replicates(type)`` (R ``as.svrepdesign``) or ``poststratify`` / ``rake`` /
``calibrate`` (R ``postStratify`` / ``rake`` / ``calibrate``), then the estimator of the
case. One test id per case; one assertion per quantity.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

try:  # tests/ may or may not be a package, which decides how pytest imports it
    from tests.reference.cases import case_frame, survey_cases
except ModuleNotFoundError:
    from reference.cases import case_frame, survey_cases  # type: ignore[no-redef]

from govstats.design.survey_design import SurveyDesign

# estimates are sums and ratios of sums of the same doubles R adds: agree to rounding
RTOL_ESTIMATE = 1e-9
# standard errors go through square roots of differences of large sums: R's own printing precision
RTOL_SE = 1e-6
# replicate and calibrated weights are products of a few doubles
RTOL_WEIGHTS = 1e-9

KINDS = ("replicate", "calibrated_taylor_linearization")
CASES = [c for c in survey_cases() if c["design"]["type"] in KINDS]
REPLICATE_METHOD = {
    "JK1": "jk1",
    "JKn": "jkn",
    "BRR": "brr",
    "Fay": "fay",
    "bootstrap": "bootstrap",
}


def _one_or_list(columns: list[str] | None) -> str | list[str] | None:
    if not columns:
        return None
    return columns[0] if len(columns) == 1 else list(columns)


def _bound(value: Any) -> float:
    return float(str(value).replace("Inf", "inf"))


def build_design(case: dict[str, Any]) -> SurveyDesign:
    """The design of a case, exactly as its R call built it."""
    spec = case["design"]
    data = case_frame(case)
    design = SurveyDesign(
        data,
        weights=spec.get("weights"),
        strata=spec.get("strata"),
        psu=_one_or_list(spec.get("ids")),
        fpc=_one_or_list(spec.get("fpc")),
        nest=bool(spec.get("nest", False)),
        lonely_psu=spec.get("lonely_psu_option") or "fail",
    )
    if spec.get("replicate"):
        rep = spec["replicate"]
        design = design.to_replicates(
            REPLICATE_METHOD[rep["type"]],
            rep.get("n_replicates"),
            seed=0,
            fay_rho=float(rep.get("fay_rho") or 0.0),
            mse=bool(rep.get("mse", spec.get("replicates_mse_option", False))),
        )
    cal = spec.get("calibration")
    if cal:
        if cal["method"] == "postStratify":
            variables = cal["variables"]
            design = design.poststratify(
                variables[0] if len(variables) == 1 else variables, cal["population_counts"]
            )
        elif cal["method"] == "rake":
            control = cal.get("control") or {}
            design = design.rake(
                {m: cal["population_counts"][m] for m in cal["margins"]},
                max_iter=int(control.get("maxit", 10)),
                epsilon=float(control.get("epsilon", 1)),
            )
        elif cal["method"] == "calibrate":
            bounds = tuple(_bound(b) for b in cal.get("bounds") or ("-Inf", "Inf"))
            design = design.calibrate(
                cal["population_totals"],
                formula=cal["formula"],
                method=cal.get("calfun", "linear"),
                bounds=None if np.all(np.isinf(bounds)) else bounds,
            )
        else:
            pytest.fail(f"calibration method {cal['method']!r} is not covered by the builder")
    subset = spec.get("subset")
    if subset:
        design = design.subset(design.data.eval(subset["expression"]))
    return design


def run_estimator(case: dict[str, Any], design: SurveyDesign) -> Any:
    estimator = case["estimator"].split(" ")[0]
    variables = case["variables"]
    na_rm = bool(case.get("options", {}).get("na.rm", False))
    if estimator == "svymean":
        return design.mean(variables, na_rm=na_rm)
    if estimator == "svytotal":
        return design.total(variables, na_rm=na_rm)
    if estimator == "svyratio":
        parts = case["ratio_numerator_denominator"]
        return design.ratio(parts["numerator"], parts["denominator"], na_rm=na_rm)
    pytest.fail(f"estimator {case['estimator']!r} is not covered by the builder")


@pytest.fixture(scope="module")
def results() -> dict[str, tuple[SurveyDesign, Any]]:
    out: dict[str, tuple[SurveyDesign, Any]] = {}
    for case in CASES:
        design = build_design(case)
        out[case["case_id"]] = (design, run_estimator(case, design))
    return out


@pytest.fixture(params=CASES, ids=[c["case_id"] for c in CASES])
def case(request: pytest.FixtureRequest) -> dict[str, Any]:
    return dict(request.param)


def test_reference_file_has_cases() -> None:
    assert len([c for c in CASES if c["design"]["type"] == "replicate"]) >= 7
    assert len([c for c in CASES if c["design"]["type"] != "replicate"]) >= 8


def test_estimate(case: dict[str, Any], results: dict[str, tuple[SurveyDesign, Any]]) -> None:
    _, res = results[case["case_id"]]
    expected = np.array(list(case["estimate"].values()), dtype=float)
    np.testing.assert_allclose(res.estimate, expected, rtol=RTOL_ESTIMATE)


def test_se(case: dict[str, Any], results: dict[str, tuple[SurveyDesign, Any]]) -> None:
    _, res = results[case["case_id"]]
    expected = np.array(list(case["se"].values()), dtype=float)
    np.testing.assert_allclose(res.se, expected, rtol=RTOL_SE)


def test_vcov(case: dict[str, Any], results: dict[str, tuple[SurveyDesign, Any]]) -> None:
    if "vcov" not in case:
        assert len(case["se"]) == 1  # a single estimate: its vcov is the squared SE above
        return
    _, res = results[case["case_id"]]
    expected = np.array(case["vcov"]["data"], dtype=float)
    np.testing.assert_allclose(res.vcov, expected, rtol=RTOL_SE)


def test_df(case: dict[str, Any], results: dict[str, tuple[SurveyDesign, Any]]) -> None:
    design, res = results[case["case_id"]]
    assert res.df == case["df"]
    assert design.df == case["design"]["design_df"]


def test_weights(case: dict[str, Any], results: dict[str, tuple[SurveyDesign, Any]]) -> None:
    """Calibrated weights equal R's; replicate weights equal R's stored balanced set."""
    design, _ = results[case["case_id"]]
    spec = case["design"]
    if spec.get("calibration"):
        expected = np.asarray(spec["calibration"]["calibrated_weights"], dtype=float)
        np.testing.assert_allclose(design.weights_array, expected, rtol=RTOL_WEIGHTS)
    elif spec["replicate"].get("replicate_weights"):
        stored = np.asarray(spec["replicate"]["replicate_weights"]["data"], dtype=float)
        reps = design.replicates
        assert reps is not None
        np.testing.assert_allclose(
            reps.full_row_weights(design.weights_array), stored, rtol=RTOL_WEIGHTS
        )
    else:
        reps = design.replicates
        assert reps is not None
        rep = spec["replicate"]
        assert reps.n_replicates == rep["n_replicates"]
        assert reps.scale == pytest.approx(rep["scale"], rel=RTOL_WEIGHTS)
        np.testing.assert_allclose(reps.rscales, rep["rscales"], rtol=RTOL_WEIGHTS)


def test_frame_has_the_contract_columns(results: dict[str, tuple[SurveyDesign, Any]]) -> None:
    for _, res in results.values():
        frame = res.to_frame()
        assert isinstance(frame, pd.DataFrame)
        assert {"variable", "estimate", "se", "ci_low", "ci_high", "df"} <= set(frame.columns)
