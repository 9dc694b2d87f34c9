"""Models and heterogeneity sections: esttab-style regression tables of design-based GLMs."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from govstats.errors import ReportError
from govstats.report.compute.models import ModelSpec, fit_models
from govstats.report.inputs import SurveyInput
from govstats.report.prose import models as words
from govstats.report.regression import regression_table
from govstats.report.results import AnalysisResult

__all__ = ["heterogeneity_section", "models_section"]


def _specs(entries: Sequence[Mapping[str, Any]]) -> list[ModelSpec]:
    return [
        ModelSpec(str(e["formula"]), str(e.get("family", "gaussian")), str(e.get("label", "")))
        for e in entries
    ]


def _design_words(design: Any, lang: str) -> str:
    if design.replicates is not None:
        return (
            f"设计重复权重（{design.replicates.method}）" if lang == "zh" else "replicate weights"
        )
    return (
        "泰勒线性化（考虑分层与整群）"
        if lang == "zh"
        else "Taylor linearization (strata, clusters)"
    )


def models_section(
    survey: SurveyInput,
    models: Sequence[Mapping[str, Any]],
    *,
    lang: str = "zh",
    title: str | None = None,
    labels: Mapping[str, str] | None = None,
    fixed_effects: Sequence[str] = (),
) -> AnalysisResult:
    """Fit the study's models on the survey design and lay them out as one regression table.

    Parameters
    ----------
    survey : SurveyInput
    models : sequence of mapping
        ``{"formula": ..., "family": "gaussian" | "binomial" | "poisson", "label": ...}``.
    lang : {"zh", "en"}
    title : str, optional
        Section and table title.
    labels : mapping, optional
        Variable labels for the table (default: the survey's codebook labels, if any).
    fixed_effects : sequence of str
        Variables entered as ``C(name)`` whose dummies are summarised in a "FE" row.

    Returns
    -------
    AnalysisResult
        Table ``models`` (coefficients, SEs, N, R² or pseudo-R², variance method).
    """
    specs = _specs(models)
    design = survey.design()
    fitted = fit_models(design, specs)
    hidden = tuple(fixed_effects)
    names = {
        (s.label or f"({i})"): f for i, (s, f) in enumerate(zip(specs, fitted, strict=True), 1)
    }
    stats = ["n"]
    if any(s.family == "gaussian" for s in specs):
        stats.append("r2")
    if any(s.family != "gaussian" for s in specs):
        stats.append("pseudo_r2")
    heading = title or ("回归模型" if lang == "zh" else "Regression models")
    table = regression_table(
        names,
        labels=labels or survey_labels(survey, lang),
        stats=stats,
        lang=lang,
        title=heading,
        name="models",
        fixed_effects=hidden,
    )
    method = words.models_method(
        [(s.formula, s.family) for s in specs], _design_words(design, lang), lang
    )
    return AnalysisResult("", "models", heading, tables=(table,), methods=(method,))


def survey_labels(survey: SurveyInput, lang: str = "zh") -> dict[str, str]:
    """Display labels of the survey's columns: the report's own bilingual names.

    Examples
    --------
    >>> import pandas as pd
    >>> s = SurveyInput(pd.DataFrame({"edu_years": [1.0], "x9": [2.0]}), {}, None, False, "s")
    >>> survey_labels(s, "en")
    {'edu_years': 'Years of education'}
    """
    from govstats.report._labels import label

    names = {str(c): label(str(c), lang) for c in survey.data.columns}
    own = {k: v for k, v in names.items() if v != k}
    # a Chinese report prints the codebook's own (Chinese) labels where it has them
    return {**own, **survey.labels} if lang == "zh" else {**survey.labels, **own}


def heterogeneity_section(
    survey: SurveyInput,
    formula: str,
    by: str,
    *,
    family: str = "gaussian",
    lang: str = "zh",
) -> AnalysisResult:
    """Fit ``formula`` within each group of ``by`` (domains of one design), side by side.

    Returns
    -------
    AnalysisResult
        Table ``heterogeneity`` with one column per group.
    """
    data = survey.data
    if by not in data.columns:
        raise ReportError(f"heterogeneity: by={by!r} is not a column of the survey")
    design = survey.design()
    groups = [g for g in data[by].dropna().unique()]
    try:
        groups = sorted(groups)
    except TypeError:
        groups = sorted(groups, key=str)
    fitted = {}
    for group in groups:
        domain = design.subset((data[by] == group).to_numpy())
        (fit,) = fit_models(domain, [ModelSpec(formula, family)])
        fitted[f"{by} = {group}"] = fit
    heading = "异质性分析" if lang == "zh" else "Heterogeneity"
    stats = ["n", "r2" if family == "gaussian" else "pseudo_r2"]
    table = regression_table(
        fitted,
        labels=survey_labels(survey, lang),
        stats=stats,
        lang=lang,
        title=f"{heading}: {by}",
        name="heterogeneity",
    )
    method = words.heterogeneity_method(formula, by, [str(g) for g in groups], lang)
    return AnalysisResult("", "heterogeneity", heading, tables=(table,), methods=(method,))
