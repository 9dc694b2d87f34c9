"""Analyses 03 (survey description) and 04 (divide chain) on a :class:`SurveyInput`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

import numpy as np
import pandas as pd

from govstats.errors import ReportError
from govstats.report._labels import label
from govstats.report.inputs import SurveyInput
from govstats.report.results import AnalysisResult, FigureSpec
from govstats.report.tables import (
    MISSING_MARK,
    SIGNIFICANCE_NOTE,
    SUPPRESSED_MARK,
    SUPPRESSION_NOTE,
    Table,
    fmt_number,
    significance_mark,
    suppress_small_cells,
)

__all__ = ["DESCRIBED", "describe_survey", "fit_divide_chain"]

DESCRIBED = (
    "internet",
    "info_access",
    "participation",
    "expression",
    "service",
    "age",
    "female",
    "edu_years",
    "income",
)
DIGITS = {"income": 0, "age": 1, "edu_years": 2}
GROUPS = {1: "urban", 0: "rural"}
VALUE_COLUMNS = ["estimate", "se", "ci_low", "ci_high"]
#: Raking sweeps allowed (R's rake() default of 10 is too few for 31 provinces x urban/rural
#: on a few thousand respondents); convergence is still checked with R's epsilon.
RAKE_MAX_ITER = 200


def _by_group(frame: pd.DataFrame, key: str) -> dict[str, dict[str, Any]]:
    """Rows of ``frame`` keyed by the string value of column ``key``."""
    records = frame.set_index(key).to_dict("index")
    return {str(k): {str(c): v for c, v in row.items()} for k, row in records.items()}


def _digits(variable: str) -> int:
    return DIGITS.get(variable, 3)


def _cell(value: float, digits: int, suppressed: bool, *, paren: bool = False) -> str:
    if suppressed:
        return SUPPRESSED_MARK
    text = fmt_number(value, digits, thousands=digits == 0)
    return f"({text})" if paren and text != MISSING_MARK else text


def _counts(data: pd.DataFrame, weights: np.ndarray, variable: str, mask: np.ndarray) -> int:
    """Unweighted respondents behind a cell: non-missing, positive weight, in the domain."""
    valid = data[variable].notna().to_numpy() & (weights > 0) & mask
    return int(valid.sum())


def _describe(design: Any, data: pd.DataFrame, variables: list[str]) -> pd.DataFrame:
    """Weighted means by urban/rural and overall, with unweighted counts (tidy)."""
    weights = np.asarray(design.weights_array, dtype=float)
    by_frame = design.mean(variables, by="urban", na_rm=True).to_frame()
    all_frame = design.mean(variables, na_rm=True).to_frame()
    urban = data["urban"].to_numpy()
    rows = []
    for variable in variables:
        for code, group in GROUPS.items():
            hit = by_frame[(by_frame["variable"] == variable) & (by_frame["urban"] == code)]
            if len(hit) != 1:
                raise ReportError(f"no weighted mean of {variable!r} for urban = {code}")
            row = hit.iloc[0]
            n = _counts(data, weights, variable, urban == code)
            rows.append([variable, group, n, *(float(row[c]) for c in VALUE_COLUMNS), row["df"]])
        row = all_frame[all_frame["variable"] == variable].iloc[0]
        n = _counts(data, weights, variable, np.ones(len(data), dtype=bool))
        rows.append([variable, "total", n, *(float(row[c]) for c in VALUE_COLUMNS), row["df"]])
    columns = ["variable", "group", "n", *VALUE_COLUMNS, "df"]
    return pd.DataFrame(rows, columns=columns)


def _description_table(tidy: pd.DataFrame, lang: str, min_cell: int) -> Table:
    tidy = suppress_small_cells(tidy, "n", VALUE_COLUMNS, min_cell)
    records: dict[str, list[str]] = {label("variable", lang): []}
    for group in ("urban", "rural", "total"):
        records[label(group, lang)] = []
        records[f"{label(group, lang)} {label('se', lang)}"] = []
    for group in ("urban", "rural"):
        records[f"n ({label(group, lang)})"] = []
    for variable, part in tidy.groupby("variable", sort=False):
        name = str(variable)
        records[label("variable", lang)].append(label(name, lang))
        cells = _by_group(part, "group")
        for group in ("urban", "rural", "total"):
            row = cells[group]
            hidden = bool(row["suppressed"])
            records[label(group, lang)].append(_cell(row["estimate"], _digits(name), hidden))
            records[f"{label(group, lang)} {label('se', lang)}"].append(
                _cell(row["se"], _digits(name), hidden, paren=True)
            )
        for group in ("urban", "rural"):
            records[f"n ({label(group, lang)})"].append(str(int(cells[group]["n"])))
    zh = lang == "zh"
    note = (
        "设计加权均值（0/1 变量为比例），括号内为设计标准误"
        "（泰勒线性化，考虑分层、整群与有限总体校正）。"
        if zh
        else "Design-weighted means (proportions for 0/1 variables); design-based SEs in "
        "parentheses (Taylor linearization with strata, clusters and fpc)."
    )
    note += " " + SUPPRESSION_NOTE[lang].format(k=min_cell)
    title = "调查样本的城乡加权描述" if zh else "Design-weighted description by urban/rural"
    return Table("survey_description", title, tidy, pd.DataFrame(records), note)


def _cnnic_for(period: str | None, cnnic: pd.DataFrame | None) -> dict[str, float]:
    """CNNIC urban, rural and total penetration (%) published for ``period`` (NaN if not)."""
    out = {"urban": np.nan, "rural": np.nan, "total": np.nan}
    if period is None or cnnic is None:
        return out
    row = cnnic[cnnic["period"].astype(str) == str(period)]
    if row.empty:
        return out
    first = row.iloc[0]
    out["urban"] = float(first["penetration_urban_pct"])
    out["rural"] = float(first["penetration_rural_pct"])
    out["total"] = float(first["penetration_total_pct"])
    return out


def _rake_margins(
    design: Any, data: pd.DataFrame, margins: Mapping[str, pd.Series]
) -> dict[str, dict[object, float]]:
    """Census margins rescaled to the survey's weighted total (census counts cover all ages).

    Province margins are used when the survey has ``province_code``; urban/rural always.
    """
    total = float(np.sum(design.weights_array))
    urban = margins["urban"]
    out: dict[str, dict[Any, float]] = {
        "urban": {
            1: total * float(urban["urban"]) / float(urban.sum()),
            0: total * float(urban["rural"]) / float(urban.sum()),
        }
    }
    if "province_code" in data.columns and "province" in margins:
        province = margins["province"]
        codes = sorted(set(data["province_code"].dropna().astype(str)))
        missing = [c for c in codes if c not in province.index]
        if missing:
            raise ReportError(f"province codes {missing} of the survey have no census margin")
        province = province.loc[codes]
        out = {
            "province_code": {
                c: total * float(v) / float(province.sum()) for c, v in province.items()
            },
            **out,
        }
    return out


def describe_survey(
    survey: SurveyInput,
    *,
    lang: str = "zh",
    min_cell: int = 10,
    cnnic: pd.DataFrame | None = None,
    margins: Mapping[str, pd.Series] | None = None,
) -> AnalysisResult:
    """03 - design-weighted description by urban/rural, internet use vs CNNIC, raked weights.

    Parameters
    ----------
    survey : SurveyInput
        The survey and its design columns.
    lang : {"zh", "en"}
    min_cell : int
        Disclosure control: cells with fewer unweighted respondents are suppressed.
    cnnic : pandas.DataFrame, optional
        ``load_cnnic()`` output (default: the embedded table).
    margins : mapping, optional
        ``{"province": Series, "urban": Series}`` census totals (default:
        ``census_margins(["province", "urban"])``), rescaled to the survey's weighted
        total before raking.

    Returns
    -------
    AnalysisResult
        Tables ``survey_description``, ``internet_vs_cnnic``; figure ``internet_vs_cnnic``.
    """
    from govstats import datasets

    data = survey.data
    missing = [c for c in ["urban"] if c not in data.columns]
    if missing:
        raise ReportError(f"survey {survey.label} lacks columns {missing} needed for analysis 03")
    variables = [v for v in DESCRIBED if v in data.columns]
    design = survey.design()
    tidy = _describe(design, data, variables)
    tables = [_description_table(tidy, lang, min_cell)]
    cnnic = datasets.load_cnnic() if cnnic is None else cnnic
    totals: Mapping[str, pd.Series] = (
        {k: cast(pd.Series, datasets.census_margins(k)) for k in ("province", "urban")}
        if margins is None
        else margins
    )
    raked = design.rake(_rake_margins(design, data, totals), max_iter=RAKE_MAX_ITER)
    raked_tidy = _describe(raked, data, ["internet"]) if "internet" in variables else None
    zh = lang == "zh"
    compare_rows = []
    published = _cnnic_for(survey.period, cnnic)
    if raked_tidy is not None:
        base = _by_group(tidy[tidy["variable"] == "internet"], "group")
        after = _by_group(raked_tidy, "group")
        for group in ("urban", "rural", "total"):
            hidden = int(base[group]["n"]) < min_cell
            scale = np.nan if hidden else 100.0
            compare_rows.append(
                {
                    "group": group,
                    "n": int(base[group]["n"]),
                    "survey_pct": scale * base[group]["estimate"],
                    "survey_se_pct": scale * base[group]["se"],
                    "survey_ci_low_pct": scale * base[group]["ci_low"],
                    "survey_ci_high_pct": scale * base[group]["ci_high"],
                    "raked_pct": scale * after[group]["estimate"],
                    "raked_se_pct": scale * after[group]["se"],
                    "cnnic_pct": published[group],
                    "suppressed": hidden,
                }
            )
    compare = pd.DataFrame(compare_rows)
    figures = []
    if not compare.empty:
        display = pd.DataFrame(
            {
                label("group", lang): [label(g, lang) for g in compare["group"]],
                label("survey_estimate", lang) + " (%)": [
                    _cell(v, 1, h)
                    for v, h in zip(compare["survey_pct"], compare["suppressed"], strict=True)
                ],
                label("se", lang): [
                    _cell(v, 2, h, paren=True)
                    for v, h in zip(compare["survey_se_pct"], compare["suppressed"], strict=True)
                ],
                label("raked_estimate", lang) + " (%)": [
                    _cell(v, 1, h)
                    for v, h in zip(compare["raked_pct"], compare["suppressed"], strict=True)
                ],
                label("cnnic_figure", lang) + f" {survey.period or ''} (%)": [
                    fmt_number(v, 1) for v in compare["cnnic_pct"]
                ],
            }
        )
        note = (
            "调查估计为 18 岁及以上成人的设计加权比例；"
            "CNNIC 普及率的分母为全部常住人口（网民为 6 岁及以上），"
            f"二者口径不同。{MISSING_MARK}：CNNIC 该期未公布。"
            "加权调整：按 2020 年普查分省人口与城乡人口"
            "（按调查加权总数等比缩放）进行迭代比例（raking）校准。"
            if zh
            else "Survey: design-weighted share of adults (18+); CNNIC: netizens aged 6+ over the "
            f"whole resident population, so definitions differ. {MISSING_MARK}: not published by "
            "CNNIC for this period. Raking: iterative proportional fitting to the 2020 census "
            "province and urban/rural totals, rescaled to the survey's weighted total."
        )
        title = "互联网使用：调查估计与 CNNIC 公布值" if zh else "Internet use: survey vs CNNIC"
        tables.append(Table("internet_vs_cnnic", title, compare, display, note))
        figures.append(_internet_figure(compare, lang, survey.period))
    paragraphs = [_survey_paragraph(compare, lang, len(data))]
    methods = [
        (
            "调查描述：SurveyDesign（"
            + ", ".join(f"{k}={v}" for k, v in survey.design_columns.items())
            + "）下的设计加权均值，标准误用泰勒线性化（等同 R survey 的 svymean）；"
            "95% 置信区间基于设计自由度的 t 分布；按普查边际的 raking 校准后重新估计，"
            "校准后的标准误考虑了校准。"
        )
        if zh
        else (
            "Survey description: design-weighted means under SurveyDesign("
            + ", ".join(f"{k}={v}" for k, v in survey.design_columns.items())
            + "), Taylor-linearization SEs (as R survey's svymean), 95% t intervals on the "
            "design degrees of freedom; re-estimated after raking to census margins, with SEs "
            "that account for the calibration."
        )
    ]
    return AnalysisResult(
        "03",
        "survey_description",
        label("sec_survey", lang),
        tables=tuple(tables),
        figures=tuple(figures),
        paragraphs=tuple(paragraphs),
        methods=tuple(methods),
    )


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
    title = (
        f"互联网使用率：调查估计（95% 区间）与 CNNIC {period or ''}"
        if lang == "zh"
        else f"Internet use: survey estimates (95% intervals) and CNNIC {period or ''}"
    )
    note = (
        "调查估计：设计加权比例及 95% 置信区间（设计自由度 t 分布）；校准后：按普查边际 raking 的"
        "估计 ± 1.96 倍标准误；CNNIC：公布值（6 岁及以上网民占常住人口之比，无区间）。"
        if lang == "zh"
        else "Survey: design-weighted share with its 95% interval (t on the design df); raked: "
        "the estimate after raking to census margins ± 1.96 SE; CNNIC: the published rate "
        "(netizens aged 6+ over residents; no interval)."
    )
    return FigureSpec("internet_vs_cnnic", "internet_compare", data, title, lang, note=note)


def _survey_paragraph(compare: pd.DataFrame, lang: str, n: int) -> str:
    zh = lang == "zh"
    text = f"调查样本共 {n} 人。" if zh else f"The survey has {n} respondents. "
    if compare.empty:
        return text
    c = _by_group(compare, "group")

    def pct(group: str, column: str) -> str:
        return _cell(c[group][column], 1, bool(c[group]["suppressed"]))

    if zh:
        return text + (
            f"设计加权的互联网使用率城镇为 {pct('urban', 'survey_pct')}%，农村为 "
            f"{pct('rural', 'survey_pct')}%；按普查边际校准后分别为 "
            f"{pct('urban', 'raked_pct')}% 和 "
            f"{pct('rural', 'raked_pct')}%。"
        )
    return text + (
        f"Design-weighted internet use is {pct('urban', 'survey_pct')}% urban and "
        f"{pct('rural', 'survey_pct')}% rural; after raking to census margins "
        f"{pct('urban', 'raked_pct')}% and {pct('rural', 'raked_pct')}%."
    )


X = "rural"
MEDIATORS = ("info_access", "participation", "expression")
OUTCOME = "service"
COVARIATES = ("age", "female", "edu_years", "log_income")
SEPARATOR = " -> "


def _effect_label(name: str, lang: str) -> str:
    """Readable effect name: 'rural -> info_access -> service' -> '农村 → 信息获取 → 服务供给'."""
    special = {
        "indirect_total": "indirect_total",
        "direct": "direct",
        "total": "total_effect",
        "proportion_mediated": "share_through_chain",
    }
    if name in special:
        return label(special[name], lang)
    return " → ".join(label(part, lang) for part in name.split(SEPARATOR))


def _effect_axis(lang: str) -> str:
    """Axis title of effect plots: what the effect is on, and its unit."""
    if lang == "zh":
        return f"对{label(OUTCOME, lang)}的效应（构念得分）"
    return f"Effect on {label(OUTCOME, lang).lower()} (construct score)"


def _forest_label(name: str, lang: str) -> str:
    """Short forest-plot name: 'rural -> m1 -> m2 -> service' -> 'via m1 → m2'."""
    parts = name.split(SEPARATOR)
    if len(parts) < 3:
        return _effect_label(name, lang)
    via = " → ".join(label(part, lang) for part in parts[1:-1])
    return f"经 {via}" if lang == "zh" else f"via {via}"


def _interval(low: float, high: float, digits: int = 3) -> str:
    return f"[{fmt_number(low, digits)}, {fmt_number(high, digits)}]"


def _chain_tables(res: Any, lang: str) -> tuple[Table, Table]:
    zh = lang == "zh"
    focal = [X, *MEDIATORS]
    paths = res.paths.copy()
    paths["mark"] = [
        significance_mark(e, s, res.df) for e, s in zip(paths["estimate"], paths["se"], strict=True)
    ]
    shown = paths[paths["term"].isin(focal)]
    path_display = pd.DataFrame(
        {
            label("equation", lang): [label(e, lang) for e in shown["equation"]],
            label("term", lang): [label(t, lang) for t in shown["term"]],
            label("estimate", lang): [
                fmt_number(e, 3) + m for e, m in zip(shown["estimate"], shown["mark"], strict=True)
            ],
            label("se", lang): [f"({fmt_number(s, 3)})" for s in shown["se"]],
            label("ci", lang): [
                _interval(lo, hi) for lo, hi in zip(shown["ci_low"], shown["ci_high"], strict=True)
            ],
        }
    )
    note = (
        SIGNIFICANCE_NOTE[lang]
        + " "
        + (
            "各方程另控制年龄、性别、受教育年限与收入对数（系数见 CSV）；"
            "区间为设计重复权重的百分位区间。"
            if zh
            else "Every equation also controls for age, sex, years of education and log income "
            "(coefficients in the CSV); intervals are percentile intervals of the design "
            "replicates."
        )
    )
    paths_table = Table(
        "chain_paths",
        "链条路径系数" if zh else "Path coefficients of the chain",
        paths,
        path_display,
        note,
    )
    effects = res.effects.reset_index()
    effects["mark"] = [
        significance_mark(e, s, res.df)
        for e, s in zip(effects["estimate"], effects["se"], strict=True)
    ]
    effect_display = pd.DataFrame(
        {
            label("effect", lang): [_effect_label(e, lang) for e in effects["effect"]],
            label("estimate", lang): [
                fmt_number(e, 3) + m
                for e, m in zip(effects["estimate"], effects["mark"], strict=True)
            ],
            label("se", lang): [f"({fmt_number(s, 3)})" for s in effects["se"]],
            label("ci", lang): [
                _interval(lo, hi)
                for lo, hi in zip(effects["ci_low"], effects["ci_high"], strict=True)
            ],
        }
    )
    effects_table = Table(
        "chain_effects",
        "特定间接效应、直接效应与总效应" if zh else "Specific indirect, direct and total effects",
        effects,
        effect_display,
        SIGNIFICANCE_NOTE[lang]
        + (
            " 经由链条的比例 = 间接效应合计 / 总效应。"
            if zh
            else " Share through the chain = total indirect effect / total effect."
        ),
    )
    return paths_table, effects_table


def _group_counts(data: pd.DataFrame, by: str) -> pd.DataFrame:
    """Smallest unweighted urban/rural cell within each group (drives suppression)."""
    counts = data.groupby([by, "rural"], observed=False).size().unstack(fill_value=0)
    return pd.DataFrame({by: counts.index.astype(str), "n": counts.min(axis=1).to_numpy()})


def _groups_table(res_by: Any, data: pd.DataFrame, lang: str, min_cell: int) -> Table:
    zh = lang == "zh"
    by = res_by.by
    keep = ["indirect_total", "direct", "total", "proportion_mediated"]
    effects = res_by.effects.reset_index()
    effects = effects[effects["effect"].isin(keep)].copy()
    effects[by] = effects[by].astype(str)
    effects = effects.merge(_group_counts(data, by), on=by, how="left")
    effects = suppress_small_cells(effects, "n", VALUE_COLUMNS, min_cell)
    display_rows: dict[str, list[str]] = {label("age_group", lang): []}
    for name in keep:
        display_rows[_effect_label(name, lang)] = []
    for group, part in effects.groupby(by, sort=False):
        display_rows[label("age_group", lang)].append(str(group))
        cells = _by_group(part, "effect")
        for name in keep:
            row = cells[name]
            if bool(row["suppressed"]):
                display_rows[_effect_label(name, lang)].append(SUPPRESSED_MARK)
            else:
                mark = significance_mark(row["estimate"], row["se"], res_by.df)
                display_rows[_effect_label(name, lang)].append(
                    f"{fmt_number(row['estimate'], 3)}{mark} ({fmt_number(row['se'], 3)})"
                )
    note = (
        SIGNIFICANCE_NOTE[lang]
        + " "
        + (
            "各年龄组为同一套设计重复权重下的域估计；括号内为标准误。"
            if zh
            else "Each age group is a domain of the same replicate design; SEs in parentheses."
        )
        + " "
        + SUPPRESSION_NOTE[lang].format(k=min_cell)
    )
    title = "分年龄组的链条效应" if zh else "Chain effects by age group"
    return Table("chain_groups", title, effects, pd.DataFrame(display_rows), note)


def _differences_table(res_by: Any, lang: str) -> Table:
    zh = lang == "zh"
    diff = res_by.differences.reset_index()
    diff["mark"] = [
        significance_mark(e, s, res_by.df)
        for e, s in zip(diff["estimate"], diff["se"], strict=True)
    ]
    keep = diff[diff["effect"].isin(["indirect_total", "direct", "total"])]
    display = pd.DataFrame(
        {
            label("group", lang): keep["comparison"].astype(str).tolist(),
            label("effect", lang): [_effect_label(e, lang) for e in keep["effect"]],
            label("estimate", lang): [
                fmt_number(e, 3) + m for e, m in zip(keep["estimate"], keep["mark"], strict=True)
            ],
            label("se", lang): [f"({fmt_number(s, 3)})" for s in keep["se"]],
            label("ci", lang): [
                _interval(lo, hi) for lo, hi in zip(keep["ci_low"], keep["ci_high"], strict=True)
            ],
        }
    )
    title = (
        "年龄组间效应差异（对照第一组）" if zh else "Differences between age groups (vs the first)"
    )
    note = SIGNIFICANCE_NOTE[lang] + (
        " 所有特定间接效应的差异（有调节的中介指数）见 CSV。"
        if zh
        else " Differences of every specific indirect effect (index of moderated mediation) "
        "are in the CSV."
    )
    return Table("chain_group_differences", title, diff, display, note)


def _cascade_table(res: Any, data: pd.DataFrame, lang: str, min_cell: int) -> Table:
    zh = lang == "zh"
    cascade = res.cascade.copy()
    n_rural = int((data["rural"] == 1).sum())
    n_urban = int((data["rural"] == 0).sum())
    group_map = {"rural = 0": "urban", "rural = 1": "rural", "gap": "gap"}
    cascade["group"] = cascade["group"].map(group_map).fillna(cascade["group"])
    cascade["n"] = cascade["group"].map(
        {"urban": n_urban, "rural": n_rural, "gap": min(n_urban, n_rural)}
    )
    cascade = suppress_small_cells(cascade, "n", VALUE_COLUMNS, min_cell)
    rows: dict[str, list[str]] = {label("variable", lang): []}
    for group in ("urban", "rural", "gap"):
        rows[label(group, lang)] = []
    for link, part in cascade.groupby("link", sort=False):
        rows[label("variable", lang)].append(label(str(link), lang))
        cells = _by_group(part, "group")
        for group in ("urban", "rural", "gap"):
            row = cells[group]
            if bool(row["suppressed"]):
                rows[label(group, lang)].append(SUPPRESSED_MARK)
                continue
            mark = (
                significance_mark(row["estimate"], row["se"], row["df"]) if group == "gap" else ""
            )
            rows[label(group, lang)].append(
                f"{fmt_number(row['estimate'], 3)}{mark} ({fmt_number(row['se'], 3)})"
            )
    note = (
        "链条各环节的设计加权均值（括号内为设计重复权重的标准误，故与泰勒线性化的描述表"
        "可能在第三位小数上不同）；差距 = 农村 - 城镇。"
        if zh
        else "Design-weighted mean of every link (SE from the design replicates in parentheses, "
        "so it may differ in the third decimal from the linearization SE of the description "
        "table); gap = rural - urban."
    )
    note += " " + SIGNIFICANCE_NOTE[lang] + " " + SUPPRESSION_NOTE[lang].format(k=min_cell)
    title = "链条各环节的城乡均值与差距" if zh else "Every link of the chain, urban vs rural"
    return Table("chain_cascade", title, cascade, pd.DataFrame(rows), note)


def _chain_figures(res: Any, res_by: Any, cascade: pd.DataFrame, lang: str) -> list[FigureSpec]:
    zh = lang == "zh"
    figures = []
    shown = cascade[~cascade["suppressed"]]
    figures.append(
        FigureSpec(
            "chain_cascade",
            "cascade",
            pd.DataFrame(
                {
                    "link": [label(str(v), lang) for v in shown["link"]],
                    "group": [label(str(v), lang) for v in shown["group"]],
                    "estimate": shown["estimate"].to_numpy(),
                    "ci_low": shown["ci_low"].to_numpy(),
                    "ci_high": shown["ci_high"].to_numpy(),
                }
            ),
            "链条各环节的城乡均值与差距（95% 区间）"
            if zh
            else "Each link, urban vs rural, and the gap (95% intervals)",
            lang,
            {"gap_group": label("gap", lang), "gap_label": label("gap_score", lang)},
            note=(
                "左：各环节构念得分的设计加权均值；右：农村减城镇的差距。"
                "竖线为 95% 置信区间（设计重复权重）；数值见表 "
                if zh
                else "Left: design-weighted mean construct score of every link; right: the "
                "rural minus urban gap. Bars: 95% intervals from the design replicates; "
                "the values are tabulated in the table of every link of the chain."
            )
            + ("“链条各环节的城乡均值与差距”。" if zh else ""),
        )
    )
    nodes = [X, *MEDIATORS, OUTCOME]
    paths = res.paths[res.paths["term"].isin(nodes[:-1])]
    figures.append(
        FigureSpec(
            "chain_paths",
            "path_diagram",
            pd.DataFrame(
                {
                    "source": paths["term"].to_numpy(),
                    "target": paths["equation"].to_numpy(),
                    "estimate": paths["estimate"].to_numpy(),
                    "mark": [
                        significance_mark(e, s, res.df)
                        for e, s in zip(paths["estimate"], paths["se"], strict=True)
                    ],
                }
            ),
            "数字鸿沟链条路径图（非标准化路径系数）"
            if zh
            else "Path diagram of the divide chain (unstandardized coefficients)",
            lang,
            {"nodes": nodes, "labels": {n: label(n, lang) for n in nodes}},
            note=(
                "粗箭头：链条相邻环节之间的路径；细灰箭头：跨环节路径。各方程另控制年龄、性别、"
                "受教育年限与收入对数。"
                if zh
                else "Bold arrows: paths between neighbouring links of the chain; thin grey "
                "arrows: paths that skip a link. Every equation also controls for age, sex, "
                "years of education and log income. "
            )
            + SIGNIFICANCE_NOTE[lang],
        )
    )
    effects = res.effects.reset_index()
    effects = effects[effects["effect"] != "proportion_mediated"]
    figures.append(
        FigureSpec(
            "chain_effects_forest",
            "forest",
            pd.DataFrame(
                {
                    "label": [_forest_label(e, lang) for e in effects["effect"]],
                    "estimate": effects["estimate"].to_numpy(),
                    "ci_low": effects["ci_low"].to_numpy(),
                    "ci_high": effects["ci_high"].to_numpy(),
                    # direct and total effects are an order larger: their own panel
                    "panel": [int(e in ("direct", "total")) for e in effects["effect"]],
                }
            ),
            "特定间接效应、直接与总效应（95% 区间）"
            if zh
            else "Specific indirect, direct and total effects (95% intervals)",
            lang,
            {"axis_label": _effect_axis(lang)},
            note=(
                f"“经 …”为从{label(X, lang)}经所列中介到{label(OUTCOME, lang)}的特定间接效应"
                "（路径系数之积）；横线为设计重复权重的 95% 百分位区间；"
                "下栏的直接效应与总效应量级较大，单独标尺。"
                if zh
                else f"'via ...': the specific indirect effect from {label(X, lang).lower()} "
                f"through the mediators listed to {label(OUTCOME, lang).lower()} (a product of "
                "path coefficients); bars are 95% percentile intervals of the design replicates; "
                "direct and total effects, an order larger, have their own scale below."
            ),
        )
    )
    by_effects = res_by.effects.reset_index()
    keep = ["indirect_total", "direct", "total"]
    by_effects = by_effects[by_effects["effect"].isin(keep)]
    figures.append(
        FigureSpec(
            "chain_groups",
            "group_comparison",
            pd.DataFrame(
                {
                    "group": by_effects[res_by.by].astype(str).to_numpy(),
                    "effect": [_effect_label(e, lang) for e in by_effects["effect"]],
                    "estimate": by_effects["estimate"].to_numpy(),
                    "ci_low": by_effects["ci_low"].to_numpy(),
                    "ci_high": by_effects["ci_high"].to_numpy(),
                }
            ),
            "分年龄组的链条效应（95% 区间）"
            if zh
            else "Chain effects by age group (95% intervals)",
            lang,
            {"legend_title": label(res_by.by, lang), "axis_label": _effect_axis(lang)},
            note=(
                "各年龄组为同一套设计重复权重下的域估计；竖线为 95% 百分位区间。"
                if zh
                else "Each age group is a domain of the same replicate design; bars are 95% "
                "percentile intervals."
            ),
        )
    )
    return figures


def fit_divide_chain(
    survey: SurveyInput,
    *,
    lang: str = "zh",
    replicates: int = 200,
    seed: int = 2024,
    min_cell: int = 10,
    by: str = "age_group",
) -> AnalysisResult:
    """04 - the divide chain with Rao-Wu bootstrap replicates of the survey design.

    Parameters
    ----------
    survey : SurveyInput
    lang : {"zh", "en"}
    replicates : int
        Number of Rao-Wu rescaled bootstrap replicates (one set, shared by the overall
        fit and every group of ``by``).
    seed : int
        Seed of the replicate draw.
    min_cell : int
        Disclosure control for group and cascade cells.
    by : str
        Moderator of the group comparison.

    Returns
    -------
    AnalysisResult
        Tables ``chain_paths``, ``chain_effects``, ``chain_cascade``, ``chain_groups``,
        ``chain_group_differences``; figures cascade, path diagram, forest plot and
        group comparison.
    """
    from govstats.chain import DivideChain

    data = survey.data
    needed = [X, *MEDIATORS, OUTCOME, *COVARIATES, by]
    missing = [c for c in needed if c not in data.columns]
    if missing:
        raise ReportError(f"survey {survey.label} lacks columns {missing} needed for the chain")
    design = survey.design().to_replicates("bootstrap", replicates=replicates, seed=seed)
    chain = DivideChain(
        design,
        x=X,
        mediators=list(MEDIATORS),
        outcome=OUTCOME,
        covariates=list(COVARIATES),
        missing="listwise",
    )
    res = chain.fit(inference="replicate", seed=seed, progress=False)
    res_by = chain.fit(inference="replicate", seed=seed, by=by, progress=False)
    paths_table, effects_table = _chain_tables(res, lang)
    # disclosure counts are respondents the chain actually used (complete cases)
    used = data[data[needed].notna().all(axis=1)]
    cascade_table = _cascade_table(res, used, lang, min_cell)
    tables = (
        paths_table,
        effects_table,
        cascade_table,
        _groups_table(res_by, used, lang, min_cell),
        _differences_table(res_by, lang),
    )
    figures = _chain_figures(res, res_by, cascade_table.data, lang)
    return AnalysisResult(
        "04",
        "divide_chain",
        label("sec_chain", lang),
        tables=tables,
        figures=tuple(figures),
        paragraphs=tuple(_chain_paragraphs(res, survey, lang)),
        methods=tuple(_chain_methods(res, replicates, seed, by, lang)),
    )


def _chain_paragraphs(res: Any, survey: SurveyInput, lang: str) -> list[str]:
    zh = lang == "zh"
    e = res.effects
    share = e.loc["proportion_mediated"]
    gap = res.cascade[(res.cascade["link"] == OUTCOME) & (res.cascade["group"] == "gap")]
    raw_gap = float(gap["estimate"].iloc[0]) if len(gap) else np.nan
    total, indirect = e.loc["total"], e.loc["indirect_total"]
    out = [
        (
            f"农村居民获得的服务供给比城镇居民低 {fmt_number(-raw_gap, 3)}（未调整的均值差）。"
            f"控制协变量后，农村的总效应为 {fmt_number(total['estimate'], 3)}，"
            "其中经由链条的间接效应合计 "
            f"{fmt_number(indirect['estimate'], 3)} "
            f"{_interval(indirect['ci_low'], indirect['ci_high'])}，"
            f"占总效应的 {fmt_number(100 * share['estimate'], 1)}%"
            f"（95% 区间 {fmt_number(100 * share['ci_low'], 1)}% 至 "
            f"{fmt_number(100 * share['ci_high'], 1)}%）。"
        )
        if zh
        else (
            f"Rural residents report {fmt_number(-raw_gap, 3)} lower service supply than urban "
            f"residents (unadjusted mean difference). Adjusted for covariates the total effect of "
            f"rural is {fmt_number(total['estimate'], 3)}; the indirect effect through the chain "
            f"is {fmt_number(indirect['estimate'], 3)} "
            f"{_interval(indirect['ci_low'], indirect['ci_high'])}, "
            f"{fmt_number(100 * share['estimate'], 1)}% of the total (95% interval "
            f"{fmt_number(100 * share['ci_low'], 1)}% to {fmt_number(100 * share['ci_high'], 1)}%)."
        )
    ]
    truth = getattr(survey.truth, "effects", None)
    if survey.simulated and truth is not None and "indirect_total" in truth.index:
        out.append(
            f"模拟数据的真实值：间接效应合计 {fmt_number(truth['indirect_total'], 3)}，"
            f"总效应 {fmt_number(truth['total'], 3)}（用于检验估计的恢复）。"
            if zh
            else "Simulation truth: total indirect effect "
            f"{fmt_number(truth['indirect_total'], 3)}, total effect "
            f"{fmt_number(truth['total'], 3)} (a check of recovery)."
        )
    return out


_CI_NAMES = {"percentile": ("百分位", "percentile"), "bca": ("BCa", "BCa")}


def _chain_methods(res: Any, replicates: int, seed: int, by: str, lang: str) -> list[str]:
    zh = lang == "zh"
    equations = []
    for j, target in enumerate([*MEDIATORS, OUTCOME]):
        equations.append(f"{target} ~ " + " + ".join([X, *MEDIATORS[:j], "C"]))
    eqs = "; ".join(equations) + "; C = " + ", ".join(COVARIATES)
    n_specific = sum(1 for e in res.effects.index if str(e).count(SEPARATOR) >= 2)
    ci = _CI_NAMES.get(str(res.ci).lower(), (str(res.ci), str(res.ci)))[0 if zh else 1]
    group = label(by, lang)
    if zh:
        return [
            f"数字鸿沟链条（串行中介，PROCESS Model 6）：{eqs}。"
            "各方程用设计权重的加权最小二乘估计；"
            f"特定间接效应为路径系数之积（共 {n_specific} 条），"
            "间接效应合计、直接效应与总效应满足 总效应 = 直接效应 + 间接效应合计。",
            f"推断：设计重复权重（Rao-Wu 重标度自助法，与 R survey 的 "
            f"as.svrepdesign(type='bootstrap') 相同，{replicates} 次重复，种子 {seed}），"
            f"{ci}区间，置信水平 {res.level:.0%}，"
            f"设计自由度 {res.df:g}，样本量 {res.n_obs}（因缺失值剔除 {res.n_dropped}）。"
            f"按{group}的分组比较使用同一套重复权重（域估计），组间差异的区间来自同一重复分布。",
        ]
    return [
        f"Divide chain (serial mediation, PROCESS Model 6): {eqs}. Each equation is fitted by "
        f"design-weighted least squares; the {n_specific} specific indirect effects are products "
        "of path coefficients, and total effect = direct effect + total indirect effect.",
        f"Inference: design replicates (Rao-Wu rescaled bootstrap replicate weights as R "
        f"survey's as.svrepdesign(type='bootstrap'), {replicates} replicates, seed {seed}), "
        f"{ci} intervals at {res.level:.0%}, design df {res.df:g}, n = {res.n_obs} "
        f"({res.n_dropped} rows with missing values left out). The comparison "
        f"by {group.lower()} uses the same replicates for every group (domains), so group "
        "differences have design-correct intervals.",
    ]
