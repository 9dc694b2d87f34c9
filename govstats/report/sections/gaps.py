"""Gaps section: the Oaxaca–Blinder decomposition of an outcome gap between two groups."""

from __future__ import annotations

import pandas as pd

from govstats.report._labels import label
from govstats.report.inputs import SurveyInput
from govstats.report.prose import models as words
from govstats.report.results import AnalysisResult
from govstats.report.sections._cells import interval
from govstats.report.tables import Table, fmt_number

__all__ = ["gaps_section"]

_COMPONENTS = {
    "mean_group0": ("第一组均值", "Mean, first group"),
    "mean_group1": ("第二组均值", "Mean, second group"),
    "gap": ("差距", "Gap"),
    "explained": ("可解释部分", "Explained"),
    "unexplained": ("不可解释部分", "Unexplained"),
    "endowments": ("禀赋效应", "Endowments"),
    "coefficients": ("系数效应", "Coefficients"),
    "interaction": ("交互效应", "Interaction"),
}


def gaps_section(
    survey: SurveyInput,
    formula: str,
    by: str = "rural",
    *,
    lang: str = "zh",
    replicates: int = 200,
    seed: int = 2024,
) -> AnalysisResult:
    """Decompose the gap in the outcome of ``formula`` between the two groups of ``by``.

    Returns
    -------
    AnalysisResult
        Table ``gap_decomposition`` (overall, twofold and threefold totals; every
        variable's contribution in its CSV).
    """
    from govstats.gaps import oaxaca

    result = oaxaca(survey.design(), formula, by=by, replicates=replicates, seed=seed)
    frame = result.to_frame()
    totals = frame[frame["term"] == "(total)"]
    zh = lang == "zh"
    display = pd.DataFrame(
        {
            label("variable", lang): [
                _COMPONENTS.get(c, (c, c))[0 if zh else 1] for c in totals["component"]
            ],
            label("estimate", lang): [fmt_number(v, 3) for v in totals["estimate"]],
            label("se", lang): [f"({fmt_number(v, 3)})" for v in totals["se"]],
            label("ci", lang): [
                interval(lo, hi) for lo, hi in zip(totals["ci_low"], totals["ci_high"], strict=True)
            ],
        }
    )
    heading = "差距分解" if zh else "Gap decomposition"
    table = Table(
        "gap_decomposition",
        f"{heading}: {formula}",
        frame,
        display,
        words.gaps_note(lang, replicates, seed),
    )
    get = totals.set_index("component")["estimate"]
    finding = words.gaps_finding(float(get["gap"]), float(get["explained"]), by, lang)
    return AnalysisResult(
        "",
        "gaps",
        heading,
        tables=(table,),
        paragraphs=(finding,),
        methods=(words.gaps_method(formula, by, lang),),
    )
