"""Words of section 03 (survey description), zh and en."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from govstats.report.tables import MISSING_MARK, SUPPRESSION_NOTE

__all__ = [
    "TEST_HEADINGS",
    "cnnic_used",
    "compare_figure_note",
    "compare_figure_title",
    "compare_note",
    "compare_title",
    "description_note",
    "description_title",
    "finding",
    "margins_text",
    "method",
    "test_note",
]


def description_title(lang: str) -> str:
    """Caption of the description table."""
    return (
        "调查样本的城乡加权描述" if lang == "zh" else "Design-weighted description by urban/rural"
    )


#: Headings of the urban-rural test columns of the description table.
TEST_HEADINGS = {
    "f": {"zh": "城乡差异 F", "en": "Urban-rural F"},
    "p": {"zh": "p 值", "en": "p-value"},
}


def test_note(lang: str) -> str:
    """Say what the urban-rural test beside each proportion is."""
    if lang == "zh":
        return (
            "比例变量旁为城乡差异的 Rao–Scott 检验（二阶校正 F 统计量，"
            "同 R survey 的 svychisq 默认）及其 p 值；其他变量不作此检验。"
        )
    return (
        "Beside each proportion: the Rao-Scott test of the urban-rural difference "
        "(second-order corrected F, the default of R survey's svychisq) and its p-value; "
        "other variables are not tested."
    )


def description_note(lang: str, min_cell: int) -> str:
    """Say what the description table holds, and the suppression rule."""
    note = (
        "设计加权均值（0/1 变量为比例），括号内为设计标准误"
        "（泰勒线性化，考虑分层、整群与有限总体校正）。"
        if lang == "zh"
        else "Design-weighted means (proportions for 0/1 variables); design-based SEs in "
        "parentheses (Taylor linearization with strata, clusters and fpc)."
    )
    return note + " " + SUPPRESSION_NOTE[lang].format(k=min_cell)


def compare_title(lang: str) -> str:
    """Caption of the internet-use comparison."""
    return (
        "互联网使用：调查估计与 CNNIC 公布值" if lang == "zh" else "Internet use: survey vs CNNIC"
    )


def margins_text(margins_used: Sequence[str], lang: str) -> str:
    """Name the census margins the raking used ("province and urban/rural", ...)."""
    zh = lang == "zh"
    names = {"province_code": ("分省人口", "province"), "urban": ("城乡人口", "urban/rural")}
    parts = [names.get(m, (m, m))[0 if zh else 1] for m in margins_used]
    return "与".join(parts) if zh else " and ".join(parts)


def cnnic_used(period: str | None, cnnic_period: str | None, report: int | None, lang: str) -> str:
    """Say which CNNIC report is set beside the survey, and why."""
    if cnnic_period is None:
        return (
            "调查未声明时期，未与 CNNIC 比较。"
            if lang == "zh"
            else "The survey declares no period, so no CNNIC report is compared."
        )
    if lang == "zh":
        return (
            f"CNNIC 数据取第 {report} 次报告（{cnnic_period}），即最接近调查时期 {period} 的报告。"
        )
    return (
        f"CNNIC figures are from report {report} ({cnnic_period}), the report nearest the "
        f"survey's period {period}."
    )


def compare_note(
    lang: str,
    margins_used: Sequence[str] = ("province_code", "urban"),
    period: str | None = None,
    cnnic_period: str | None = None,
    report: int | None = None,
) -> str:
    """Definitions behind the comparison, the CNNIC report used and the raking done."""
    used = cnnic_used(period, cnnic_period, report, lang)
    margins = margins_text(margins_used, lang)
    if lang == "zh":
        return (
            "调查估计为 18 岁及以上成人的设计加权比例；"
            "CNNIC 普及率的分母为全部常住人口（网民为 6 岁及以上），"
            f"二者口径不同。{used}{MISSING_MARK}：CNNIC 该期未公布。"
            f"加权调整：按 2020 年普查{margins}"
            "（按调查加权总数等比缩放）进行迭代比例（raking）校准。"
        )
    return (
        "Survey: design-weighted share of adults (18+); CNNIC: netizens aged 6+ over the "
        f"whole resident population, so definitions differ. {used} {MISSING_MARK}: not "
        "published by CNNIC for this period. Raking: iterative proportional fitting to the "
        f"2020 census {margins} totals, rescaled to the survey's weighted total."
    )


def compare_figure_title(lang: str, period: str | None) -> str:
    """Caption of the internet-use figure."""
    if lang == "zh":
        return f"互联网使用率：调查估计（95% 区间）与 CNNIC {period or ''}"
    return f"Internet use: survey estimates (95% intervals) and CNNIC {period or ''}"


def compare_figure_note(lang: str) -> str:
    """Say what the marks of the internet-use figure are."""
    if lang == "zh":
        return (
            "调查估计：设计加权比例及 95% 置信区间（设计自由度 t 分布）；"
            "校准后：按普查边际 raking 的估计 ± 1.96 倍标准误；"
            "CNNIC：公布值（6 岁及以上网民占常住人口之比，无区间）。"
        )
    return (
        "Survey: design-weighted share with its 95% interval (t on the design df); raked: "
        "the estimate after raking to census margins ± 1.96 SE; CNNIC: the published rate "
        "(netizens aged 6+ over residents; no interval)."
    )


def finding(n: int, pct: Callable[[str, str], str] | None, lang: str) -> str:
    """Sample size and internet use before and after raking (``pct(group, column)``)."""
    zh = lang == "zh"
    text = f"调查样本共 {n} 人。" if zh else f"The survey has {n} respondents. "
    if pct is None:
        return text
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


def method(design_columns: Mapping[str, Any], margins_used: Sequence[str], lang: str) -> str:
    """Methods sentence: the design, the estimators run and the margins raked to."""
    design = ", ".join(f"{k}={v}" for k, v in design_columns.items())
    margins = margins_text(margins_used, lang)
    if lang == "zh":
        return (
            f"调查描述：SurveyDesign（{design}）下的设计加权均值，标准误用泰勒线性化"
            "（等同 R survey 的 svymean）；"
            f"95% 置信区间基于设计自由度的 t 分布；按 2020 年普查{margins}边际 raking 校准后"
            "重新估计，校准后的标准误考虑了校准。"
        )
    return (
        f"Survey description: design-weighted means under SurveyDesign({design}), "
        "Taylor-linearization SEs (as R survey's svymean), 95% t intervals on the "
        f"design degrees of freedom; re-estimated after raking to the 2020 census {margins} "
        "margins, with SEs that account for the calibration."
    )
