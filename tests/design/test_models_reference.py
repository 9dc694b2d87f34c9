"""Design-based models and tests against R ``survey`` (tests/reference/models_cases.json).

Cases come from tests/reference/generate_models.R: ``svyolr``, ``svychisq`` (all four
statistics), ``svyttest``, ``regTermTest``, ``svycontrast``, ``psrsq``,
``predict.svyglm``, a weighted multinomial MLE with ``svyrecvar`` / replicate refits and
replicate average marginal effects, on linearization, JK1, JKn, bootstrap, calibrated
(post-stratified and raked) designs, domains and data with missing values. One test id
per case and quantity; designs are rebuilt by the shared reference builder.
"""

from __future__ import annotations

import dataclasses
from functools import cache
from typing import Any

import numpy as np
import pandas as pd
import pytest

from govstats.design.model_matrix import r_name as r_term_name
from govstats.design.survey_design import SurveyDesign
from tests.design.reference_builder import build_design
from tests.reference.cases import load_cases

#: point estimates: R and govstats run the same iterations (svyolr: R's BFGS) or
#: converge to the same optimum
ESTIMATE_RTOL = 1e-8
#: standard errors and everything computed from them (test statistics, df of F
#: references, p values): R's finite-difference Hessians and replicate sums
SE_RTOL = 1e-6

ESTIMATES = {"estimate", "value"}

CASES = load_cases("models_cases.json")["cases"]


def add_derived(data: pd.DataFrame) -> pd.DataFrame:
    """The derived columns of the generator (its header documents the same definitions)."""
    api00 = data["api00"].to_numpy(dtype=float)
    acs = data["acs.k3"].to_numpy(dtype=float)
    acs_hi = np.where(acs > 20, "high", "low").astype(object)
    acs_hi[np.isnan(acs)] = None
    return data.assign(
        g4=np.searchsorted([550.0, 650.0, 750.0], api00, side="left") + 1,
        stype_o=pd.Categorical(data["stype"].astype(str), categories=["E", "M", "H"], ordered=True),
        yes=(data["sch.wide"].astype(str) == "Yes").astype(float),
        acs_hi=pd.Series(acs_hi, index=data.index, dtype=object),
    )


@cache
def design_of(case_id: str) -> SurveyDesign:
    case = next(c for c in CASES if c["case_id"] == case_id)
    design = build_design(case)
    return dataclasses.replace(design, data=add_derived(design.data))


def _named(names: list[str], values: np.ndarray) -> dict[str, float]:
    return {r_term_name(n): float(v) for n, v in zip(names, values, strict=True)}


@cache
def run(case_id: str) -> dict[str, Any]:
    """Govstats' own numbers for a case, keyed as the case's ``result``."""
    case = next(c for c in CASES if c["case_id"] == case_id)
    design = design_of(case_id)
    args = case["args"]
    kind = case["kind"]
    if kind == "olr":
        fit = design.olr(args["formula"], args["link"], na_rm=args["na_rm"])
        names = list(fit.params.index)
        return {
            "estimate": _named(names, fit.estimate),
            "se": _named(names, fit.se.to_numpy()),
            "df": float(fit.df),
        }
    if kind == "chisq":
        test = design.chisq(args["row"], args["col"], args["statistic"], na_rm=args["na_rm"])
        return {
            "statistic": test.statistic,
            "ndf": test.ndf,
            "ddf": test.ddf,
            "df": test.df,
            "p_value": test.p_value,
        }
    if kind == "ttest":
        t = design.ttest(args["variable"], by=args["by"], na_rm=args["na_rm"])
        return {"estimate": t.estimate, "statistic": t.statistic, "df": t.df, "p_value": t.p_value}
    if kind == "wald":
        fit = design.glm(args["formula"], args["family"], na_rm=args["na_rm"])
        w = fit.wald_test(list(args["terms"]), method=args["method"])
        return {"F": w.F, "chisq": w.chisq, "df": w.df, "ddf": w.ddf, "p_value": w.p_value}
    if kind == "olrwald":
        w = design.olr(args["formula"]).wald_test(list(args["terms"]))
        return {"F": w.F, "df": w.df, "ddf": w.ddf, "p_value": w.p_value}
    if kind == "contrast":
        source = args["source"]
        if source["statistic"] == "mean":
            estimate: Any = design.mean(source["variables"], deff=False)
        elif source["statistic"] == "total":
            estimate = design.total(source["variables"], deff=False)
        else:
            estimate = design.glm(source["formula"], source["family"])
        result = estimate.contrast(args["spec"])
        return {"estimate": list(result.estimate), "se": list(result.se)}
    if kind == "psrsq":
        fit = design.glm(args["formula"], args["family"])
        return {"value": fit.pseudo_r2(args["method"])}
    if kind == "predict":
        fit = design.glm(args["formula"], args["family"])
        rows = design.data.iloc[list(args["newdata_rows"])]
        p = fit.predict(rows, type=args["type"])
        return {"estimate": list(p.estimate), "se": list(p.se)}
    if kind == "mlogit":
        fit = design.mlogit(args["formula"])
        names = list(fit.params.index)
        return {"estimate": _named(names, fit.estimate), "se": _named(names, fit.se.to_numpy())}
    if kind == "margins":
        fit = design.glm(args["formula"], "binomial")
        m = fit.margins(args["variables"], kind=args["kind"])
        return {
            "estimate": _named(list(m.variable), m.estimate),
            "se": _named(list(m.variable), m.se),
        }
    raise AssertionError(f"case kind {kind!r} has no runner")


def _pairs() -> list[Any]:
    out = []
    for case in CASES:
        for quantity in case["result"]:
            out.append(pytest.param(case["case_id"], quantity, id=f"{case['case_id']}-{quantity}"))
    return out


def test_reference_file_has_enough_cases() -> None:
    kinds = {c["kind"] for c in CASES}
    assert len(CASES) >= 40
    assert kinds == {
        "olr",
        "olrwald",
        "chisq",
        "ttest",
        "wald",
        "contrast",
        "psrsq",
        "predict",
        "mlogit",
        "margins",
    }


@pytest.mark.parametrize(("case_id", "quantity"), _pairs())
def test_matches_r(case_id: str, quantity: str) -> None:
    case = next(c for c in CASES if c["case_id"] == case_id)
    expected = case["result"][quantity]
    got = run(case_id)[quantity]
    rtol = ESTIMATE_RTOL if quantity in ESTIMATES else SE_RTOL
    if isinstance(expected, dict):
        if case["kind"] == "margins":  # R's loop computes some of the effects only
            got = {n: v for n, v in got.items() if n in expected}
        assert set(got) == set(expected), f"names differ: {sorted(got)} vs {sorted(expected)}"
        names = sorted(expected)
        np.testing.assert_allclose(
            [got[n] for n in names], [expected[n] for n in names], rtol=rtol, atol=0
        )
    else:
        np.testing.assert_allclose(
            np.asarray(got, dtype=float), np.asarray(expected, dtype=float), rtol=rtol, atol=0
        )
