"""Words of section 01 (access gap), zh and en."""

from __future__ import annotations

from typing import Any

from govstats.report.tables import fmt_number

__all__ = [
    "PARAMETERS",
    "figure_note",
    "figure_title",
    "finding",
    "lag_error",
    "lag_finding",
    "lag_method",
    "lag_note",
    "lag_title",
    "limitation",
    "method",
    "table_note",
    "table_title",
]

PARAMETERS = {
    "K": ("上限 K（%）", "Ceiling K (%)"),
    "r": ("增长率 r（每年）", "Rate r (per year)"),
    "t0_urban": ("城镇中点 t0", "Urban midpoint t0"),
    "t0_rural": ("农村中点 t0", "Rural midpoint t0"),
    "lag_years": ("滞后年数", "Lag (years)"),
}


def table_title(lang: str) -> str:
    """Caption of the gap table."""
    return (
        "城乡互联网普及率及差距"
        if lang == "zh"
        else "Urban and rural internet penetration and the gap"
    )


def table_note(lang: str, break_periods: list[str]) -> str:
    """Source note of the gap table, with the series breaks named."""
    zh = lang == "zh"
    note = (
        "来源：CNNIC《中国互联网络发展状况统计报告》；仅列出城乡普及率均有公布的报告期，未做插补。"
        if zh
        else "Source: CNNIC statistical reports; periods publishing both rates only, never "
        "interpolated."
    )
    if break_periods:
        marked = ", ".join(break_periods)
        note += (
            f" 农村序列在 {marked} 有口径断点，跨断点比较需谨慎。"
            if zh
            else f" The rural series breaks at {marked}; do not difference across the break."
        )
    return note


def finding(first: Any, last: Any, lang: str) -> str:
    """First and last period's rates, gap and ratio, in one sentence."""
    if lang == "zh":
        return (
            f"{first['period']}，城镇互联网普及率为 {fmt_number(first['urban_pct'], 1)}%，农村为 "
            f"{fmt_number(first['rural_pct'], 1)}%，相差 "
            f"{fmt_number(first['gap_points'], 1)} 个百分点"
            f"（城乡比 {fmt_number(first['ratio'], 2)}）；到 {last['period']}，两者分别为 "
            f"{fmt_number(last['urban_pct'], 1)}% 和 {fmt_number(last['rural_pct'], 1)}%，差距 "
            f"{fmt_number(last['gap_points'], 1)} 个百分点"
            f"（城乡比 {fmt_number(last['ratio'], 2)}）。"
        )
    return (
        f"In {first['period']} urban penetration was {fmt_number(first['urban_pct'], 1)}% and "
        f"rural {fmt_number(first['rural_pct'], 1)}%, a gap of "
        f"{fmt_number(first['gap_points'], 1)} points (ratio {fmt_number(first['ratio'], 2)}); "
        f"by {last['period']} they were {fmt_number(last['urban_pct'], 1)}% and "
        f"{fmt_number(last['rural_pct'], 1)}%, a gap of {fmt_number(last['gap_points'], 1)} "
        f"points (ratio {fmt_number(last['ratio'], 2)})."
    )


def method(lang: str) -> str:
    """Methods sentence of the gap."""
    return (
        "接入差距：城乡普及率之差（百分点）与之比，来自 CNNIC 公布值。"
        if lang == "zh"
        else "Access gap: urban minus rural penetration (points) and their ratio, as published."
    )


def limitation(lang: str) -> str:
    """Return the series-break caveat."""
    return (
        "CNNIC 农村普及率在第 48、49 次报告之间等处存在口径断点。"
        if lang == "zh"
        else "CNNIC's rural penetration series has breaks (e.g. between the 48th and 49th reports)."
    )


def figure_title(lang: str) -> str:
    """Caption of the access-gap figure."""
    return (
        "城乡互联网普及率（%）、拟合的扩散曲线与差距"
        if lang == "zh"
        else "Internet penetration (%), fitted diffusion curves and the urban-rural gap"
    )


def figure_note(lang: str, curves: bool, breaks: bool) -> str:
    """Say what the lines and panels of the access-gap figure are."""
    zh = lang == "zh"
    parts = [
        "左：CNNIC 公布的城镇与农村互联网普及率，只连接同一口径的公布点"
        if zh
        else "Left: urban and rural internet penetration as published by CNNIC; lines join "
        "published points of one series definition only"
    ]
    if curves:
        parts.append(
            "虚线为拟合的逻辑斯蒂扩散曲线（表 2）"
            if zh
            else "dashed: fitted logistic diffusion curves (Table 2)"
        )
    if breaks:
        parts.append("点线为农村序列的口径断点" if zh else "dotted: breaks in the rural series")
    parts.append(
        "右：城乡差距（百分点），仅限两者均有公布的报告期。"
        if zh
        else "Right: the gap in percentage points, for periods publishing both rates."
    )
    return (
        ("；".join(parts[:-1]) + "。" + parts[-1])
        if zh
        else "; ".join(parts[:-1]) + ". " + parts[-1]
    )


def lag_error(message: str, lang: str) -> str:
    """Sentence saying the lag could not be estimated."""
    return (
        f"扩散滞后无法估计：{message}"
        if lang == "zh"
        else f"The diffusion lag could not be estimated: {message}"
    )


def lag_title(lang: str) -> str:
    """Caption of the lag table."""
    return "扩散滞后：逻辑斯蒂曲线拟合" if lang == "zh" else "Diffusion lag: logistic curve fit"


def lag_note(lang: str, periods: int, replicates: int, seed: int) -> str:
    """Note of the lag table: model, data and interval."""
    if lang == "zh":
        return (
            f"共享上限与增长率的逻辑斯蒂曲线，农村曲线为城镇曲线平移 lag 年；"
            f"{periods} 个城乡同时公布的报告期（仅农村序列第一段，断点前）；"
            f"区间为 {replicates} 次参数自助法的百分位区间（种子 {seed}）。"
        )
    return (
        f"Logistic curves with a shared ceiling and rate, the rural curve shifted by the lag; "
        f"{periods} periods with both rates (first segment of the rural series, before the "
        f"break); percentile intervals from {replicates} parametric bootstrap draws "
        f"(seed {seed})."
    )


def lag_finding(lag: Any, lang: str) -> str:
    """State the lag in years with its interval."""
    if lang == "zh":
        return (
            f"按共享上限的逻辑斯蒂扩散曲线，农村互联网普及比城镇滞后 "
            f"{fmt_number(lag['estimate'], 1)} 年"
            f"（95% 区间 {fmt_number(lag['ci_low'], 1)} 至 {fmt_number(lag['ci_high'], 1)} 年）。"
        )
    return (
        f"On logistic diffusion curves with a shared ceiling, rural internet adoption lags "
        f"urban by {fmt_number(lag['estimate'], 1)} years (95% interval "
        f"{fmt_number(lag['ci_low'], 1)} to {fmt_number(lag['ci_high'], 1)})."
    )


def lag_method(lang: str, replicates: int) -> str:
    """Methods sentence of the lag model."""
    if lang == "zh":
        return (
            "扩散滞后：p_城镇(t) = K / (1 + exp(-r (t - t0)))，p_农村(t) = p_城镇(t - lag)，"
            "两序列联合最小二乘"
            f"（gaps.cnnic_diffusion_lag），参数自助法 {replicates} 次求区间。"
        )
    return (
        "Diffusion lag: p_urban(t) = K / (1 + exp(-r (t - t0))), "
        "p_rural(t) = p_urban(t - lag), "
        f"joint least squares on both series (gaps.cnnic_diffusion_lag), intervals from "
        f"{replicates} parametric bootstrap draws."
    )
