"""Bilingual labels (Chinese / English) used in tables, figures and the PDF."""

from __future__ import annotations

import re

from govstats.errors import ReportError

LANGS = ("zh", "en")

_LABELS: dict[str, tuple[str, str]] = {
    # report structure
    "title": (
        "城乡数字鸿沟与公共服务：分链条统计报告",
        "The Urban-Rural Digital Divide and Public Services",
    ),
    "subtitle": (
        "信息获取 → 治理参与 → 诉求表达 → 服务供给",
        "Information access → participation → expression of demands → service supply",
    ),
    "sec_sources": ("数据来源", "Data sources"),
    "sec_design": ("抽样设计", "Survey design"),
    "sec_versions": ("软件版本", "Software versions"),
    "sec_inputs": ("输入文件 SHA-256", "Input files (SHA-256)"),
    "sec_access": ("一、城乡互联网普及差距", "1. The urban-rural internet access gap"),
    "sec_census": ("二、人口普查背景", "2. Census context"),
    "sec_survey": ("三、调查样本描述", "3. Survey description"),
    "sec_chain": ("四、数字鸿沟链条", "4. The divide chain"),
    "sec_methods": ("五、方法说明", "5. Methods"),
    "sec_limits": ("六、局限性说明", "6. Limitations"),
    "not_available": ("本节不可用", "This section is not available"),
    "seed": ("随机种子", "Seed"),
    "table": ("表", "Table"),
    "figure": ("图", "Figure"),
    "note": ("注", "Note"),
    # variables and groups
    "urban": ("城镇", "Urban"),
    "rural": ("农村", "Rural"),
    "total": ("合计", "Total"),
    "gap": ("差距", "Gap"),
    "ratio": ("城乡比", "Urban/rural ratio"),
    "gap_points": ("差距（百分点）", "Gap (percentage points)"),
    "gap_score": ("差距（农村 - 城镇）", "Gap (rural - urban)"),
    "mean_score": ("构念得分均值", "Mean construct score"),
    "fitted_curve": ("拟合的逻辑斯蒂曲线", "Fitted logistic curve"),
    "series_break": ("序列口径断点", "Series break"),
    "via": ("经", "via"),
    "period": ("时期", "Period"),
    "penetration_pct": ("互联网普及率（%）", "Internet penetration (%)"),
    "province": ("省份", "Province"),
    "province_code": ("省份", "Province"),
    "population_10k": ("常住人口（万人）", "Population (10,000)"),
    "pop_share_pct": ("占全国（%）", "Share of national (%)"),
    "urban_share_pct": ("城镇化率（%）", "Urban share (%)"),
    "age_60plus_pct": ("60岁及以上（%）", "Aged 60+ (%)"),
    "age_65plus_pct": ("65岁及以上（%）", "Aged 65+ (%)"),
    "variable": ("变量", "Variable"),
    "estimate": ("估计值", "Estimate"),
    "density": ("密度", "Density"),
    "sec_maps": ("分省地图", "Provincial maps"),
    "sec_models": ("回归模型", "Regression models"),
    "sec_heterogeneity": ("异质性分析", "Heterogeneity"),
    "sec_gaps": ("差距分解", "Gap decomposition"),
    "sec_robustness": ("稳健性检验", "Robustness"),
    "sec_measurement": ("测量模型", "Measurement"),
    "authors": ("作者", "Authors"),
    "se": ("标准误", "SE"),
    "ci": ("95% 置信区间", "95% interval"),
    "n": ("样本量", "n"),
    "internet": ("互联网使用", "Internet use"),
    "info_access": ("信息获取", "Information access"),
    "participation": ("治理参与", "Participation"),
    "expression": ("诉求表达", "Expression of demands"),
    "service": ("服务供给", "Service supply"),
    "age": ("年龄", "Age"),
    "female": ("女性", "Female"),
    "edu_years": ("受教育年限", "Years of education"),
    "log_income": ("收入（对数）", "Log income"),
    "income": ("收入（元）", "Income (yuan)"),
    "age_group": ("年龄组", "Age group"),
    "effect": ("效应", "Effect"),
    "equation": ("方程", "Equation"),
    "term": ("自变量", "Term"),
    "group": ("组别", "Group"),
    "source": ("来源", "Source"),
    "survey_estimate": ("调查估计", "Survey estimate"),
    "cnnic_figure": ("CNNIC 公布值", "CNNIC figure"),
    "raked_estimate": ("按普查边际加权调整后", "Raked to census margins"),
    "direct": ("直接效应", "Direct effect"),
    "indirect_total": ("间接效应合计", "Total indirect effect"),
    "total_effect": ("总效应", "Total effect"),
    "share_through_chain": ("经由链条的比例", "Share through the chain"),
    "year": ("年份", "Year"),
    "lag_years": ("滞后年数", "Lag (years)"),
}


def label(key: str, lang: str) -> str:
    """Return the display label of ``key`` in ``lang`` ("zh" or "en"); unknown keys pass through."""
    if lang not in LANGS:
        raise ReportError(f"language {lang!r} is not supported; use one of {', '.join(LANGS)}")
    pair = _LABELS.get(key)
    if pair is None:
        return key
    return pair[0] if lang == "zh" else pair[1]


# Notes written in English by the simulator and the survey reader, with their Chinese
# rendering; numbers are carried over from the matched text.
_NOTE_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(
            r"Synthetic urban share (?P<share>[\d.]+)% used for the (?P<n>\d+) provinces without "
            r"a published 2020 urban share \((?P<codes>[^)]*)\): the national urban population "
            r"minus the published provincial urban populations, over their combined population "
            r"\(military counted as urban\)\. Not written back into the census table\."
        ),
        "未公布 2020 年城镇化率的 {n} 个省份（代码 {codes}）使用合成城镇化率 {share}%："
        "全国城镇人口减去已公布省份的城镇人口，除以这些省份的合计人口（现役军人计入城镇）；"
        "该值不写回普查表。",
    ),
    (
        re.compile(
            r"Internet use follows CNNIC report (?P<no>\d+) \((?P<period>[\d-]+)\): urban "
            r"(?P<urban>[\d.]+)%, rural (?P<rural>[\d.]+)% \(the latest period at or before "
            r"(?P<wanted>[\d-]+) with both rates published\); CNNIC rates are for residents aged "
            r"6\+ and are applied to adults\."
        ),
        "互联网使用率取自 CNNIC 第 {no} 次报告（{period}）：城镇 {urban}%，农村 {rural}%"
        "（{wanted} 及以前城乡均有公布的最近一期）；CNNIC 普及率针对 6 岁及以上常住人口，"
        "此处用于成年人。",
    ),
    (
        re.compile(
            r"fpc_county \(counties per stratum\) is synthetic: population / (?P<per>[\d,]+) "
            r"rounded, at least the sampled counties plus one; adults are (?P<adults>[\d.]+)% of "
            r"the census population\."
        ),
        "fpc_county（各层县数）为合成值：常住人口 / {per} 取整，且不少于抽中县数加一；"
        "成年人按普查人口的 {adults}% 计。",
    ),
    (re.compile(r"rural derived as 1 - urban"), "rural 由 1 - urban 生成"),
    (re.compile(r"age derived as (?P<year>\d+) - birth_year"), "age 由 {year} - birth_year 生成"),
    (
        re.compile(r"age_group derived from age \((?P<cuts>[^)]*)\)"),
        "age_group 按年龄划分（{cuts}）",
    ),
    (
        re.compile(r"log_income derived as log\(income\) for positive incomes"),
        "log_income 为正收入的对数",
    ),
    (
        re.compile(r"province_code taken from the two-digit stratum codes"),
        "province_code 取自两位数的层代码",
    ),
    (
        re.compile(r"province_code derived from (?P<source>\w+) \(GB/T 2260 codes\)"),
        "province_code 由 {source} 转换为 GB/T 2260 代码",
    ),
)


def translate_note(note: str, lang: str) -> str:
    """Render a simulator or reader note in ``lang``; notes are written in English.

    Examples
    --------
    >>> translate_note("rural derived as 1 - urban", "zh")
    'rural 由 1 - urban 生成'
    >>> translate_note("rural derived as 1 - urban", "en")
    'rural derived as 1 - urban'
    """
    if lang != "zh":
        return note
    for pattern, template in _NOTE_PATTERNS:
        match = pattern.fullmatch(note.strip())
        if match:
            return template.format(**match.groupdict())
    return note
