"""Words of section 04 (the divide chain), zh and en."""

from __future__ import annotations

from typing import Any

import pandas as pd

from govstats.report._labels import label
from govstats.report.compute.divide_chain import COVARIATES, MEDIATORS, OUTCOME, SEPARATOR, X
from govstats.report.tables import SIGNIFICANCE_NOTE, SUPPRESSION_NOTE, fmt_number

__all__ = [
    "cascade_figure_note",
    "cascade_note",
    "differences_note",
    "effect_axis",
    "effect_label",
    "effects_note",
    "findings",
    "forest_figure_note",
    "forest_label",
    "groups_figure_note",
    "groups_note",
    "interval",
    "methods",
    "paths_figure_note",
    "paths_note",
    "title",
]

_CI_NAMES = {"percentile": ("百分位", "percentile"), "bca": ("BCa", "BCa")}


def interval(low: Any, high: Any, digits: int = 3) -> str:
    """``[low, high]`` with ``digits`` decimals."""
    return f"[{fmt_number(low, digits)}, {fmt_number(high, digits)}]"


def effect_label(name: str, lang: str) -> str:
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


def effect_axis(lang: str) -> str:
    """Axis title of effect plots: what the effect is on, and its unit."""
    if lang == "zh":
        return f"对{label(OUTCOME, lang)}的效应（构念得分）"
    return f"Effect on {label(OUTCOME, lang).lower()} (construct score)"


def forest_label(name: str, lang: str) -> str:
    """Short forest-plot name: 'rural -> m1 -> m2 -> service' -> 'via m1 → m2'."""
    parts = name.split(SEPARATOR)
    if len(parts) < 3:
        return effect_label(name, lang)
    via = " → ".join(label(part, lang) for part in parts[1:-1])
    return f"经 {via}" if lang == "zh" else f"via {via}"


def paths_note(lang: str) -> str:
    """Note of the path table."""
    return (
        SIGNIFICANCE_NOTE[lang]
        + " "
        + (
            "各方程另控制年龄、性别、受教育年限与收入对数（系数见 CSV）；"
            "区间为设计重复权重的百分位区间。"
            if lang == "zh"
            else "Every equation also controls for age, sex, years of education and log income "
            "(coefficients in the CSV); intervals are percentile intervals of the design "
            "replicates."
        )
    )


def effects_note(lang: str) -> str:
    """Note of the effects table."""
    return SIGNIFICANCE_NOTE[lang] + (
        " 经由链条的比例 = 间接效应合计 / 总效应。"
        if lang == "zh"
        else " Share through the chain = total indirect effect / total effect."
    )


def groups_note(lang: str, min_cell: int) -> str:
    """Note of the by-group table."""
    return (
        SIGNIFICANCE_NOTE[lang]
        + " "
        + (
            "各年龄组为同一套设计重复权重下的域估计；括号内为标准误。"
            if lang == "zh"
            else "Each age group is a domain of the same replicate design; SEs in parentheses."
        )
        + " "
        + SUPPRESSION_NOTE[lang].format(k=min_cell)
    )


def differences_note(lang: str) -> str:
    """Note of the group-differences table."""
    return SIGNIFICANCE_NOTE[lang] + (
        " 所有特定间接效应的差异（有调节的中介指数）见 CSV。"
        if lang == "zh"
        else " Differences of every specific indirect effect (index of moderated mediation) "
        "are in the CSV."
    )


def cascade_note(lang: str, min_cell: int) -> str:
    """Note of the cascade table."""
    note = (
        "链条各环节的设计加权均值（括号内为设计重复权重的标准误，故与泰勒线性化的描述表"
        "可能在第三位小数上不同）；差距 = 农村 - 城镇。"
        if lang == "zh"
        else "Design-weighted mean of every link (SE from the design replicates in parentheses, "
        "so it may differ in the third decimal from the linearization SE of the description "
        "table); gap = rural - urban."
    )
    return note + " " + SIGNIFICANCE_NOTE[lang] + " " + SUPPRESSION_NOTE[lang].format(k=min_cell)


TITLES = {
    "chain_paths": ("链条路径系数", "Path coefficients of the chain"),
    "chain_effects": (
        "特定间接效应、直接效应与总效应",
        "Specific indirect, direct and total effects",
    ),
    "chain_cascade": ("链条各环节的城乡均值与差距", "Every link of the chain, urban vs rural"),
    "chain_groups": ("分年龄组的链条效应", "Chain effects by age group"),
    "chain_group_differences": (
        "年龄组间效应差异（对照第一组）",
        "Differences between age groups (vs the first)",
    ),
    "fig_cascade": (
        "链条各环节的城乡均值与差距（95% 区间）",
        "Each link, urban vs rural, and the gap (95% intervals)",
    ),
    "fig_paths": (
        "数字鸿沟链条路径图（非标准化路径系数）",
        "Path diagram of the divide chain (unstandardized coefficients)",
    ),
    "fig_forest": (
        "特定间接效应、直接与总效应（95% 区间）",
        "Specific indirect, direct and total effects (95% intervals)",
    ),
    "fig_groups": ("分年龄组的链条效应（95% 区间）", "Chain effects by age group (95% intervals)"),
}


def title(key: str, lang: str) -> str:
    """Caption ``key`` of a chain table or figure."""
    return TITLES[key][0 if lang == "zh" else 1]


def cascade_figure_note(lang: str) -> str:
    """Say what the cascade figure shows."""
    if lang == "zh":
        return (
            "左：各环节构念得分的设计加权均值；右：农村减城镇的差距。"
            "竖线为 95% 置信区间（设计重复权重）；数值见表 "
            "“链条各环节的城乡均值与差距”。"
        )
    return (
        "Left: design-weighted mean construct score of every link; right: the "
        "rural minus urban gap. Bars: 95% intervals from the design replicates; "
        "the values are tabulated in the table of every link of the chain."
    )


def paths_figure_note(lang: str) -> str:
    """Say what the arrows of the path diagram are."""
    return (
        "粗箭头：链条相邻环节之间的路径；细灰箭头：跨环节路径。各方程另控制年龄、性别、"
        "受教育年限与收入对数。"
        if lang == "zh"
        else "Bold arrows: paths between neighbouring links of the chain; thin grey "
        "arrows: paths that skip a link. Every equation also controls for age, sex, "
        "years of education and log income. "
    ) + SIGNIFICANCE_NOTE[lang]


def forest_figure_note(lang: str) -> str:
    """Say what the rows and bars of the forest plot are."""
    if lang == "zh":
        return (
            f"“经 …”为从{label(X, lang)}经所列中介到{label(OUTCOME, lang)}的特定间接效应"
            "（路径系数之积）；横线为设计重复权重的 95% 百分位区间；"
            "下栏的直接效应与总效应量级较大，单独标尺。"
        )
    return (
        f"'via ...': the specific indirect effect from {label(X, lang).lower()} "
        f"through the mediators listed to {label(OUTCOME, lang).lower()} (a product of "
        "path coefficients); bars are 95% percentile intervals of the design replicates; "
        "direct and total effects, an order larger, have their own scale below."
    )


def groups_figure_note(lang: str) -> str:
    """Say what the group-comparison figure shows."""
    return (
        "各年龄组为同一套设计重复权重下的域估计；竖线为 95% 百分位区间。"
        if lang == "zh"
        else "Each age group is a domain of the same replicate design; bars are 95% "
        "percentile intervals."
    )


def findings(
    effects: pd.DataFrame, raw_gap: float, truth: pd.Series | None, lang: str
) -> list[str]:
    """State the service gap, the total effect and the share through the chain."""
    zh = lang == "zh"
    share = effects.loc["proportion_mediated"]
    total, indirect = effects.loc["total"], effects.loc["indirect_total"]
    out = [
        (
            f"农村居民获得的服务供给比城镇居民低 {fmt_number(-raw_gap, 3)}（未调整的均值差）。"
            f"控制协变量后，农村的总效应为 {fmt_number(total['estimate'], 3)}，"
            "其中经由链条的间接效应合计 "
            f"{fmt_number(indirect['estimate'], 3)} "
            f"{interval(indirect['ci_low'], indirect['ci_high'])}，"
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
            f"{interval(indirect['ci_low'], indirect['ci_high'])}, "
            f"{fmt_number(100 * share['estimate'], 1)}% of the total (95% interval "
            f"{fmt_number(100 * share['ci_low'], 1)}% to {fmt_number(100 * share['ci_high'], 1)}%)."
        )
    ]
    if truth is not None and "indirect_total" in truth.index:
        out.append(
            f"模拟数据的真实值：间接效应合计 {fmt_number(truth['indirect_total'], 3)}，"
            f"总效应 {fmt_number(truth['total'], 3)}（用于检验估计的恢复）。"
            if zh
            else "Simulation truth: total indirect effect "
            f"{fmt_number(truth['indirect_total'], 3)}, total effect "
            f"{fmt_number(truth['total'], 3)} (a check of recovery)."
        )
    return out


def methods(res: Any, replicates: int, seed: int, by: str, lang: str) -> list[str]:
    """Methods sentences: the equations fitted and the inference used."""
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
