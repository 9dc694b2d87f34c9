"""Section 03 laid out: the description table, internet use vs CNNIC, and its figure."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

import pandas as pd

from govstats.errors import ReportError
from govstats.report._labels import label
from govstats.report.compute.survey_description import (
    CONSTRUCTS,
    SurveyDescriptionFrames,
    compute_survey_description,
    weighted_correlations,
)
from govstats.report.inputs import SurveyInput
from govstats.report.prose import survey_description as words
from govstats.report.results import AnalysisResult, FigureSpec
from govstats.report.sections._cells import VALUE_COLUMNS, by_group, cell
from govstats.report.tables import (
    Table,
    fmt_number,
    suppress_dependent_cells,
    suppress_small_cells,
)

__all__ = ["layout_survey_description", "survey_description"]

DIGITS = {"income": 0, "age": 1, "edu_years": 2}


def survey_description(
    survey: SurveyInput,
    *,
    lang: str = "zh",
    min_cell: int = 10,
    seed: int = 2024,
    cnnic: pd.DataFrame | None = None,
    margins: Mapping[str, pd.Series] | None = None,
    figures: Sequence[str] = (),
) -> AnalysisResult:
    """03 - design-weighted description of the survey by urban/rural.

    Means and proportions by urban/rural with design-based SEs, the survey's internet
    use beside the CNNIC figure for the same period, and the same after raking the
    weights to the 2020 census province and urban/rural margins. ``seed`` is accepted
    for a uniform signature; nothing here is random.

    Parameters
    ----------
    survey : SurveyInput
        The survey and its design columns.
    lang : {"zh", "en"}
    min_cell : int
        Disclosure control: cells with fewer unweighted respondents are suppressed.
    seed : int
        Unused (uniform signature).
    cnnic, margins
        See :func:`govstats.report.compute.survey_description.compute_survey_description`.
    figures : sequence of {"distributions", "correlations"}
        Extra seaborn figures: design-weighted densities of the chain's construct scores
        by urban/rural, and a heatmap of their design-weighted correlations.

    Returns
    -------
    AnalysisResult
        Tables ``survey_description``, ``internet_vs_cnnic``; figure ``internet_vs_cnnic``.
    """
    frames = compute_survey_description(survey, min_cell=min_cell, cnnic=cnnic, margins=margins)
    result = layout_survey_description(frames, lang, min_cell)
    unknown = [f for f in figures if f not in ("distributions", "correlations")]
    if unknown:
        raise ReportError(f"description figures {unknown} unknown; use distributions, correlations")
    extra = [_seaborn_figure(survey, kind, lang) for kind in figures]
    return replace(result, figures=(*result.figures, *[f for f in extra if f is not None]))


def _seaborn_figure(survey: SurveyInput, kind: str, lang: str) -> FigureSpec | None:
    """Construct-score densities by urban/rural, or the constructs' correlation heatmap."""
    data = survey.data
    present = [c for c in CONSTRUCTS if c in data.columns]
    if not present or "urban" not in data.columns or survey.partitioned:
        return None  # a partitioned survey's rows are never drawn (densities need them)
    weights = survey.design().weights_array
    zh = lang == "zh"
    if kind == "correlations":
        tidy = weighted_correlations(data, weights, present)
        tidy["row"] = [label(v, lang) for v in tidy["row"]]
        tidy["column"] = [label(v, lang) for v in tidy["column"]]
        return FigureSpec(
            "construct_correlations",
            "heatmap",
            tidy,
            "链条构念的设计加权相关" if zh else "Design-weighted correlations of the constructs",
            lang,
            {"vmin": -1.0, "vmax": 1.0},
            note="按设计权重计算的 Pearson 相关（完整个案）。"
            if zh
            else "Pearson correlations computed with the design weights (complete cases).",
        )
    parts = []
    for variable in present:
        keep = data[variable].notna() & data["urban"].isin([0, 1])
        parts.append(
            pd.DataFrame(
                {
                    "value": data.loc[keep, variable].to_numpy(dtype=float),
                    "group": [
                        label("urban" if u == 1 else "rural", lang) for u in data.loc[keep, "urban"]
                    ],
                    "facet": label(variable, lang),
                    "weight": weights[keep.to_numpy()],
                }
            )
        )
    return FigureSpec(
        "construct_distributions",
        "distribution",
        pd.concat(parts, ignore_index=True),
        "链条构念得分的城乡分布" if zh else "Construct scores by urban/rural",
        lang,
        {
            "axis_label": "得分" if zh else "Score",
            "order": [label("urban", lang), label("rural", lang)],
        },
        note="按设计权重的核密度估计；图中不含个体记录。"
        if zh
        else "Kernel densities weighted by the design weights; no respondent is shown.",
    )


def layout_survey_description(
    frames: SurveyDescriptionFrames, lang: str, min_cell: int
) -> AnalysisResult:
    """Turn the numbers of section 03 into its tables, figure and text."""
    tables = [_description_table(frames.described, lang, min_cell, frames.tests)]
    compare = frames.compare
    figures = []
    if not compare.empty:
        display = pd.DataFrame(
            {
                label("group", lang): [label(g, lang) for g in compare["group"]],
                label("survey_estimate", lang) + " (%)": [
                    cell(v, 1, h)
                    for v, h in zip(compare["survey_pct"], compare["suppressed"], strict=True)
                ],
                label("se", lang): [
                    cell(v, 2, h, paren=True)
                    for v, h in zip(compare["survey_se_pct"], compare["suppressed"], strict=True)
                ],
                label("raked_estimate", lang) + " (%)": [
                    cell(v, 1, h)
                    for v, h in zip(compare["raked_pct"], compare["suppressed"], strict=True)
                ],
                label("cnnic_figure", lang) + f" {frames.cnnic_period or ''} (%)": [
                    fmt_number(v, 1) for v in compare["cnnic_pct"]
                ],
            }
        )
        tables.append(
            Table(
                "internet_vs_cnnic",
                words.compare_title(lang),
                compare,
                display,
                words.compare_note(
                    lang,
                    frames.margins_used,
                    frames.period,
                    frames.cnnic_period,
                    frames.cnnic_report,
                ),
            )
        )
        figures.append(_internet_figure(compare, lang, frames.cnnic_period))
    pct = None
    if not compare.empty:
        c = by_group(compare, "group")

        def pct(group: str, column: str) -> str:
            return cell(c[group][column], 1, bool(c[group]["suppressed"]))

    return AnalysisResult(
        "03",
        "survey_description",
        label("sec_survey", lang),
        tables=tuple(tables),
        figures=tuple(figures),
        paragraphs=(words.finding(frames.n, pct, lang),),
        methods=(words.method(frames.design_columns, frames.margins_used, lang),),
    )


def _digits(variable: str) -> int:
    return DIGITS.get(variable, 3)


def _suppress_total_with_its_parts(tidy: pd.DataFrame) -> pd.DataFrame:
    """Complementary suppression: a total beside one suppressed part would give it back.

    The total is the share-weighted mean of the urban and rural cells, and the shares
    are published too; so when either part is suppressed the total goes with it.
    """
    keys = list(zip(tidy["variable"].astype(str), tidy["group"].astype(str), strict=True))
    hidden = {key for key, h in zip(keys, tidy["suppressed"], strict=True) if bool(h)}
    sources = [[(v, "urban"), (v, "rural")] if g == "total" else [(v, g)] for v, g in keys]
    return suppress_dependent_cells(tidy, sources, hidden, VALUE_COLUMNS)


_TESTED = ["rao_scott_f", "rao_scott_ndf", "rao_scott_ddf", "rao_scott_p"]


def _with_tests(tidy: pd.DataFrame, tests: pd.DataFrame | None) -> pd.DataFrame:
    """Set each proportion's urban-rural test on its rows; withheld with either group.

    The test is computed from the urban and the rural cell; when either is suppressed,
    so is the test (it would tell about the withheld cell).
    """
    out = tidy.copy()
    for column in _TESTED:
        out[column] = float("nan")
    if tests is None or tests.empty:
        return out
    hidden = {
        str(v)
        for v, g, h in zip(out["variable"], out["group"], out["suppressed"], strict=True)
        if g in ("urban", "rural") and bool(h)
    }
    for row in tests.itertuples(index=False):
        if str(row.variable) in hidden:
            continue
        rows = (out["variable"] == row.variable).to_numpy()
        values: tuple[Any, ...] = (row.statistic, row.ndf, row.ddf, row.p_value)
        for column, value in zip(_TESTED, values, strict=True):
            out.loc[rows, column] = float(value)
    return out


def _p_text(p: float) -> str:
    if p != p:  # NaN
        return ""
    return "<0.001" if p < 0.001 else fmt_number(p, 3)


def _description_table(
    tidy: pd.DataFrame, lang: str, min_cell: int, tests: pd.DataFrame | None = None
) -> Table:
    tidy = _suppress_total_with_its_parts(suppress_small_cells(tidy, "n", VALUE_COLUMNS, min_cell))
    tested = tests is not None and not tests.empty
    tidy = _with_tests(tidy, tests)
    records: dict[str, list[str]] = {label("variable", lang): []}
    for group in ("urban", "rural", "total"):
        records[label(group, lang)] = []
        records[f"{label(group, lang)} {label('se', lang)}"] = []
    for group in ("urban", "rural"):
        records[f"n ({label(group, lang)})"] = []
    for variable, part in tidy.groupby("variable", sort=False):
        name = str(variable)
        records[label("variable", lang)].append(label(name, lang))
        cells = by_group(part, "group")
        for group in ("urban", "rural", "total"):
            row = cells[group]
            hidden = bool(row["suppressed"])
            records[label(group, lang)].append(cell(row["estimate"], _digits(name), hidden))
            records[f"{label(group, lang)} {label('se', lang)}"].append(
                cell(row["se"], _digits(name), hidden, paren=True)
            )
        for group in ("urban", "rural"):
            records[f"n ({label(group, lang)})"].append(str(int(cells[group]["n"])))
        if tested:
            f_value = float(cells["total"]["rao_scott_f"])
            records.setdefault(words.TEST_HEADINGS["f"][lang], []).append(
                "" if f_value != f_value else fmt_number(f_value, 2)
            )
            records.setdefault(words.TEST_HEADINGS["p"][lang], []).append(
                _p_text(float(cells["total"]["rao_scott_p"]))
            )
    note = words.description_note(lang, min_cell)
    if tested:
        note += " " + words.test_note(lang)
    return Table("survey_description", words.description_title(lang), tidy,
                 pd.DataFrame(records), note)  # fmt: skip


def _internet_figure(compare: pd.DataFrame, lang: str, period: str | None) -> FigureSpec:
    rows = []
    for record in compare.to_dict("records"):
        group = label(str(record["group"]), lang)
        rows.append(
            [
                group,
                label("survey_estimate", lang),
                record["survey_pct"],
                record["survey_ci_low_pct"],
                record["survey_ci_high_pct"],
            ]
        )
        se = 1.959963984540054 * record["raked_se_pct"]
        rows.append(
            [
                group,
                label("raked_estimate", lang),
                record["raked_pct"],
                record["raked_pct"] - se,
                record["raked_pct"] + se,
            ]
        )
        rows.append([group, "CNNIC", record["cnnic_pct"], record["cnnic_pct"], record["cnnic_pct"]])
    data = pd.DataFrame(rows, columns=["group", "source", "estimate", "ci_low", "ci_high"])
    return FigureSpec(
        "internet_vs_cnnic",
        "internet_compare",
        data,
        words.compare_figure_title(lang, period),
        lang,
        note=words.compare_figure_note(lang),
    )
