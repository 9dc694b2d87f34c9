"""Rebuild an R ``survey`` reference case (tests/reference/survey_cases*.json) in govstats.

One generic builder for every case file: the design from its structured fields
(ids, strata, weights/probs, fpc, nest, lonely-PSU options, replicate and calibration
specification, subset expression) and the estimator from the ``estimator`` string,
``variables``, ``options`` and, where the structured fields say less than the call,
the recorded ``r_call`` (by-formulas, denominators, model formulas). Results are
returned keyed by R's names, so a new JSON file with new cases runs unchanged.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from govstats.design import from_replicate_weights
from govstats.design.inference import DEFAULT_REPLICATES
from govstats.design.survey_design import SurveyDesign
from govstats.errors import GovstatsWarning
from tests.reference.cases import REFERENCE, case_frame, load_cases

REPLICATE_METHOD = {
    "JK1": "jk1",
    "JKn": "jkn",
    "BRR": "brr",
    "Fay": "fay",
    "bootstrap": "bootstrap",
}
# R's Woodruff limits of the svyby(svyquantile) cases, domain by domain
BY_QUANTILE_LIMITS = "by_quantile_limits.json"
# methods whose replicate weights govstats constructs exactly as R (deterministic);
# any other stored set (bootstrap draws, user-supplied weights) is used as stored
CONSTRUCTED = ("JK1", "JKn", "BRR", "Fay")


def all_survey_cases() -> list[dict[str, Any]]:
    """Every case of every ``survey_cases*.json`` file beside the reference loader."""
    files = sorted(p.name for p in REFERENCE.glob("survey_cases*.json"))
    assert "survey_cases.json" in files, "tests/reference/survey_cases.json is missing"
    cases: list[dict[str, Any]] = []
    for name in files:
        cases.extend(load_cases(name)["cases"])
    return cases


# ---------------------------------------------------------------- R call parsing
def _formula_terms(text: str) -> list[str]:
    """``"~a+b"`` or ``"a + b"`` -> ``["a", "b"]`` (backquotes removed)."""
    text = text.strip().lstrip("~")
    return [t.strip().strip("`") for t in text.split("+") if t.strip()]


def _call_arguments(call: str) -> list[str]:
    """Top-level comma-separated arguments of the outermost call in ``call``."""
    start = call.index("(")
    depth, current, out = 0, "", []
    for char in call[start + 1 :]:
        if char in "([":
            depth += 1
        elif char in ")]":
            if depth == 0:
                break
            depth -= 1
        if char == "," and depth == 0:
            out.append(current.strip())
            current = ""
        else:
            current += char
    out.append(current.strip())
    return out


def _split_named(arg: str) -> tuple[str, str]:
    """``"by=~stype"`` -> ``("by", "~stype")``; ``"~api00"`` -> ``("", "~api00")``."""
    match = re.match(r"^([A-Za-z.][\w.]*)\s*=(?!=)\s*(.*)$", arg, flags=re.S)
    return (match.group(1), match.group(2).strip()) if match else ("", arg)


def _named_argument(call: str, name: str) -> str | None:
    for arg in _call_arguments(call):
        key, sep, value = arg.partition("=")
        if sep and key.strip() == name:
            return value.strip()
    return None


@dataclass(frozen=True)
class Call:
    """What a case computes: function, analysis variables, domains and arguments."""

    function: str  # svymean, svytotal, svyratio, svyquantile, svyvar, svyglm
    variables: list[str]
    by: list[str]
    denominator: list[str]
    formula: str | None
    options: dict[str, Any]


def parse_call(case: dict[str, Any]) -> Call:
    """The estimator of a case from its structured fields, completed by ``r_call``."""
    estimator = str(case["estimator"]).strip()
    options = dict(case.get("options") or {})
    variables = list(case["variables"])
    r_call = str(case.get("r_call", ""))
    ratio = case.get("ratio_numerator_denominator")
    by: list[str] = list(case.get("by") or [])
    match = re.match(r"svyby\s*\(\s*(svy\w+)", estimator)
    if match:
        function = match.group(1)
        args = _call_arguments(r_call) if r_call.startswith("svyby") else []
        named = dict(_split_named(a) for a in args)
        formulas = [value for key, value in (_split_named(a) for a in args) if not key]
        formulas = [f for f in formulas if f.startswith("~")]
        if "formula" in named:
            formulas.insert(0, named["formula"])
        if "by" in named:
            formulas.insert(1, named["by"])
        if len(formulas) >= 2:
            variables, by = _formula_terms(formulas[0]), _formula_terms(formulas[1])
        elif not by:
            by = variables[-1:]
            variables = variables[:-1]
        denominator = _named_argument(r_call, "denominator")
        if function == "svyratio":
            den = list(ratio["denominator"]) if ratio else _formula_terms(denominator or "")
            num = list(ratio["numerator"]) if ratio else [v for v in variables if v not in den]
            return Call(function, num, by, den, None, options)
        variables = [v for v in variables if v not in by]
        return Call(function, variables, by, [], None, options)
    function = re.match(r"svy\w+", estimator)
    assert function is not None, f"estimator {estimator!r} is not an R survey function"
    name = function.group(0)
    if name == "svyratio":
        if ratio:
            return Call(
                name, list(ratio["numerator"]), [], list(ratio["denominator"]), None, options
            )
        args = _call_arguments(r_call)
        return Call(name, _formula_terms(args[0]), [], _formula_terms(args[1]), None, options)
    if name == "svyglm":
        formula = None
        if r_call.startswith("svyglm"):
            first = _call_arguments(r_call)[0]
            formula = first.split("=", 1)[1] if first.startswith("formula") else first
        if not formula or "~" not in formula:
            response, *predictors = variables
            formula = f"{response} ~ {' + '.join(predictors)}"
        return Call(name, variables, [], [], formula.strip(), options)
    return Call(name, variables, [], [], None, options)


# ---------------------------------------------------------------- data and design
def _factor_columns(data: pd.DataFrame, names: list[str]) -> pd.DataFrame:
    """Text columns become pandas categories with sorted levels, as R factors."""
    text = [n for n in names if n in data.columns and not pd.api.types.is_numeric_dtype(data[n])]
    return data.astype({n: "category" for n in text}) if text else data


def _evaluate(data: pd.DataFrame, expression: str) -> pd.Series:
    """Evaluate an R condition such as ``stype == 'M'``, ``api00 > 850`` or ``a & !b``."""
    names = sorted(data.columns, key=len, reverse=True)
    pattern = "|".join(re.escape(n) for n in names)
    python = re.sub(rf"(?<![\w`'\".])({pattern})(?![\w`'\".])", r"`\1`", expression)
    python = re.sub(r"is\.na\((`[^`]+`)\)", r"(\1 != \1)", python)  # NaN != NaN
    python = re.sub(r"!(?!=)", "~", python).replace("&&", "&").replace("||", "|")
    python = python.replace("TRUE", "True").replace("FALSE", "False")
    python = re.sub(r"`(\w[\w.]*)`\s*%in%\s*c\(([^)]*)\)", r"`\1`.isin([\2])", python)
    return data.eval(python)


def _one_or_list(columns: list[str] | None) -> str | list[str] | None:
    if not columns:
        return None
    return columns[0] if len(columns) == 1 else list(columns)


def _bound(value: Any) -> float:
    return float(str(value).replace("Inf", "inf"))


def _lonely(case: dict[str, Any]) -> tuple[str, bool]:
    spec = case["design"]
    options = case.get("options") or {}
    rule = options.get("survey.lonely.psu", spec.get("lonely_psu_option") or "fail")
    adjust = options.get(
        "survey.adjust.domain.lonely", spec.get("adjust_domain_lonely_option") or False
    )
    return str(rule), bool(adjust)


def _calibrated(design: SurveyDesign, cal: dict[str, Any]) -> SurveyDesign:
    method = cal["method"]
    control = cal.get("control") or {}
    if method == "postStratify":
        variables = cal["variables"]
        return design.poststratify(
            variables[0] if len(variables) == 1 else variables, cal["population_counts"]
        )
    if method == "rake":
        return design.rake(
            {m: cal["population_counts"][m] for m in cal["margins"]},
            max_iter=int(control.get("maxit", 10)),
            tol=float(control.get("epsilon", 1)),
        )
    if method == "calibrate":
        bounds = tuple(_bound(b) for b in cal.get("bounds") or ("-Inf", "Inf"))
        return design.calibrate(
            cal["population_totals"],
            formula=cal["formula"],
            method=cal.get("calfun", "linear"),
            bounds=None if np.all(np.isinf(bounds)) else bounds,
        )
    raise AssertionError(f"calibration method {method!r} has no mapping in the builder")


def build_design(case: dict[str, Any]) -> SurveyDesign:
    """The design of a case, exactly as its R calls built it."""
    spec = case["design"]
    call = parse_call(case)
    data = case_frame(case)
    data = _factor_columns(data, [*call.variables, *call.by, *call.denominator])
    weights = spec.get("weights")
    probs = spec.get("probs")
    if weights is None and probs is not None:
        prob = str(probs).split(" ")[0]
        column = 1.0 / data[prob] if prob in data.columns else 1.0 / float(prob)
        data = data.assign(_weight_from_probs=column)
        weights = "_weight_from_probs"
    rule, adjust_domain = _lonely(case)
    design = SurveyDesign(
        data,
        weights=weights,
        strata=spec.get("strata"),
        psu=_one_or_list(spec.get("ids")),
        fpc=_one_or_list(spec.get("fpc")),
        nest=bool(spec.get("nest", False)),
        lonely_psu=rule,
        adjust_domain_lonely=adjust_domain,
    )
    ultimate = (case.get("options") or {}).get(
        "survey.ultimate.cluster", spec.get("ultimate_cluster_option", False)
    )
    if ultimate and len(spec.get("ids") or []) > 1:
        # R's survey.ultimate.cluster=TRUE: only the first stage enters the variance,
        # with its fpc; the weights stay those of the whole design
        data = data.assign(_full_design_weight=design.weights_array)
        design = SurveyDesign(
            data,
            weights="_full_design_weight",
            strata=spec.get("strata"),
            psu=spec["ids"][0],
            fpc=(spec.get("fpc") or [None])[0],
            nest=bool(spec.get("nest", False)),
            lonely_psu=rule,
            adjust_domain_lonely=adjust_domain,
        )
    rep = spec.get("replicate")
    cal = spec.get("calibration")
    stored = bool(rep and rep.get("replicate_weights"))
    if rep and stored and (rep["type"] not in CONSTRUCTED or not rep.get("converted_from")):
        # R's own (random or user-supplied) replicate weights, as stored; the full-sample
        # weights are the design's. A calibration recorded on top is applied afterwards:
        # the stored replicates already meet its totals, so only the full sample moves.
        design = from_replicate_weights(
            data.assign(_full_sample_weight=design.weights_array),
            "_full_sample_weight",
            np.asarray(rep["replicate_weights"]["data"], dtype=float),
            method=REPLICATE_METHOD.get(rep["type"], "user"),
            scale=float(rep["scale"]),
            rscales=rep.get("rscales"),
            mse=bool(rep.get("mse", spec.get("replicates_mse_option", False))),
        )
        if cal:
            design = _calibrated(design, cal)
    else:
        if cal:
            design = _calibrated(design, cal)
        if rep:
            design = design.to_replicates(
                REPLICATE_METHOD[rep["type"]],
                int(rep.get("n_replicates") or DEFAULT_REPLICATES),
                seed=0,
                fay_rho=float(rep.get("fay_rho") or 0.0),
                mse=bool(rep.get("mse", spec.get("replicates_mse_option", False))),
            )
    subset = spec.get("subset")
    if subset:
        design = design.subset(_evaluate(design.data, subset["expression"]))
    return design


# ---------------------------------------------------------------- estimators
def _family(options: dict[str, Any]) -> str:
    return str(options.get("family", "gaussian")).split("(")[0]


def _quantiles(options: dict[str, Any]) -> list[float]:
    q = options.get("quantiles", 0.5)
    return [float(v) for v in (q if isinstance(q, list) else [q])]


def run_estimator(case: dict[str, Any], design: SurveyDesign) -> Any:
    """The govstats counterpart of the case's R call on ``design``."""
    call = parse_call(case)
    options = call.options
    na_rm = bool(options.get("na.rm", False))
    by = call.by or None
    deff = options.get("deff", True)
    deff = "replace" if deff == "replace" else True
    if call.function in ("svymean", "svytotal"):
        method = design.mean if call.function == "svymean" else design.total
        with warnings.catch_warnings():
            # the cases compare R's deff, which R computes silently when weights sum to n
            warnings.filterwarnings("ignore", "weights sum to about", GovstatsWarning)
            return method(call.variables, by=by, na_rm=na_rm, deff=deff)
    if call.function == "svyratio":
        return design.ratio(
            call.variables, call.denominator, by=by, na_rm=na_rm, deff="deff" in options
        )
    if call.function == "svyvar":
        return design.var(call.variables, by=by, na_rm=na_rm)
    if call.function == "svyquantile":
        return design.quantile(
            call.variables,
            q=_quantiles(options),
            by=by,
            qrule=str(options.get("qrule", "math")),
            level=1 - float(options.get("alpha", 0.05)),
            na_rm=na_rm,
            interval_type=str(options.get("interval.type", "mean")),
        )
    if call.function == "svyciprop":
        column, data = _indicator(case, design)
        return replace(design, data=data).ciprop(
            column,
            method=str(options.get("method", "logit")),
            level=float(options.get("level", 0.95)),
            na_rm=na_rm,
        )
    if call.function == "svyglm":
        assert call.formula is not None
        formula = re.sub(r"(?<![\w`])([A-Za-z_][\w]*\.[\w.]*)(?![\w`])", r"`\1`", call.formula)
        formula = formula.replace("^", " ** ")  # R's power inside I() is Python's **
        # R's glm() drops incomplete rows (na.omit) without being asked; govstats asks.
        return design.glm(formula, family=_family(options), na_rm=True)
    raise AssertionError(f"estimator {case['estimator']!r} has no mapping in the builder")


def _indicator(case: dict[str, Any], design: SurveyDesign) -> tuple[str, pd.DataFrame]:
    """The 0/1 column of ``svyciprop(~I(condition), ...)`` or ``svyciprop(~y, ...)``."""
    r_call = str(case.get("r_call", ""))
    formula = _call_arguments(r_call)[0] if r_call.startswith("svyciprop") else ""
    formula = _split_named(formula)[1].lstrip("~").strip()
    inner = re.fullmatch(r"I\((.*)\)", formula, flags=re.S)
    if inner is None and formula in design.data.columns:
        return formula, design.data
    if inner is None:
        return str(case["variables"][0]), design.data
    condition = _evaluate(design.data, inner.group(1)).astype(float)
    return "_indicator", design.data.assign(_indicator=condition)


# ---------------------------------------------------------------- R names
def _number(q: float) -> str:
    return repr(float(q)).removesuffix(".0") if float(q) != int(q) else str(int(q))


def r_names(case: dict[str, Any], result: Any) -> list[str]:
    """R's names of the estimates of ``result``, in govstats' order.

    Quantiles have several spellings in R output (``"0.25"``, ``"api00.0.25"``, or the
    variable alone for one probability); the one the case uses is chosen.
    """
    from govstats.design import GLMResult

    if isinstance(result, GLMResult):
        return [str(n) for n in result.to_frame(names="r")["term"]]
    if result.statistic == "proportion" and len(case.get("estimate", {})) == 1:
        return list(case["estimate"])  # R names a svyciprop by its formula's text
    call = parse_call(case)
    frame = result.to_frame()
    n_vars = len(call.variables) * max(len(call.denominator), 1)
    labels = (
        [".".join(str(row[b]) for b in result.by) for _, row in frame.iterrows()] if call.by else []
    )
    if result.statistic == "quantile":
        pairs = list(zip(frame["variable"], frame["quantile"], strict=True))
        schemes = [
            [f"{v}.{_number(q)}" for v, q in pairs],
            [_number(q) for _, q in pairs],
            [str(v) for v, _ in pairs],
        ]
        if call.by:
            schemes = [labels] + [
                [f"{label}:{s}" for label, s in zip(labels, scheme, strict=True)]
                for scheme in schemes
            ]
        wanted = set(case.get("estimate", {}))
        for scheme in schemes:
            if set(scheme) == wanted and len(set(scheme)) == len(scheme):
                return scheme
        return schemes[0]
    levels = frame["level"] if "level" in frame else [None] * len(frame)
    stat = [
        f"{v}{lv}" if lv is not None and not pd.isna(lv) else str(v)
        for v, lv in zip(frame["variable"], levels, strict=True)
    ]
    several = n_vars > 1 or ("level" in frame and frame["level"].notna().any())
    if not call.by:
        return stat
    if several:
        return [f"{label}:{s}" for label, s in zip(labels, stat, strict=True)]
    return labels


def is_quantile(case: dict[str, Any]) -> bool:
    """Whether the case is an ``svyquantile`` call (alone or inside ``svyby``)."""
    return "svyquantile" in str(case["estimator"])


def expected_limits(case: dict[str, Any]) -> tuple[dict[str, float], dict[str, float]] | None:
    """R's confidence limits of a case on its design df, by R's names; ``None`` if unrecorded.

    Where R recorded the limits on the design df (``confint(., df=degf(design))``, the
    Woodruff limits of ``svyquantile`` and the limits of ``svyciprop``) they are taken as
    recorded. Otherwise they are R's ``confint(., df=degf(design))`` computed from R's own
    estimate, SE and df: ``estimate -/+ qt((1 + level)/2, df) * se``. Nothing of govstats
    enters, so govstats' ``ci_low``/``ci_high`` are compared with R. Quantiles by domain
    (``svyby(svyquantile)``) take R's Woodruff limits of every domain from
    ``by_quantile_limits.json``.
    """
    if case["status"] != "ok" or case.get("df") is None:
        return None
    recorded_df = case.get("ci_df", case["df"])
    if "ci_lower" in case and recorded_df == case["df"]:
        return dict(case["ci_lower"]), dict(case["ci_upper"])
    if is_quantile(case):
        # quantiles by domain: R's Woodruff limits of every domain, recorded beside the
        # cases by generate_by_quantile_limits.R (svyby's confint is estimate -/+ z * SE)
        by_domain = load_cases(BY_QUANTILE_LIMITS)["cases"].get(case["case_id"])
        if by_domain is None:
            return None
        return dict(by_domain["ci_lower"]), dict(by_domain["ci_upper"])
    level = float(case.get("ci_level", 0.95))
    crit = float(stats.t.ppf(0.5 + level / 2, case["df"]))
    low, high = {}, {}
    for name, estimate in case["estimate"].items():
        se = case["se"].get(name)
        value = np.nan if estimate is None or se is None else float(estimate)
        half = np.nan if se is None else crit * float(se)
        low[name], high[name] = value - half, value + half
    return low, high
