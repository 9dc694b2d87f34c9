"""Words of section 02 (census context), zh and en."""

from __future__ import annotations

from typing import Any

from govstats.report.tables import MISSING_MARK, fmt_number

__all__ = ["figure_note", "figure_title", "finding", "method", "table_note", "table_title"]


def table_title(lang: str) -> str:
    """Caption of the census table."""
    return "2020 年人口普查分省指标" if lang == "zh" else "2020 census indicators by province"


def table_note(lang: str, n_urban: int) -> str:
    """Source note; says how many provinces publish an urban share."""
    if lang == "zh":
        return (
            f"来源：第七次全国人口普查公报及各省公报。{MISSING_MARK}：未找到公布值（不作插补）；"
            f"城镇化率仅 {n_urban} 个省份有公布值。"
        )
    return (
        f"Source: 2020 census communiqués (NBS and provinces). {MISSING_MARK}: not found "
        f"(never imputed); the urban share is published for {n_urban} provinces only."
    )


def finding(total_10k: float, largest: Any, n_urban: int, lang: str) -> str:
    """Total population and the largest province."""
    if lang == "zh":
        return (
            f"31 个省份常住人口合计 {fmt_number(total_10k, 1)} 万人，人口最多的是"
            f"{largest['province']}（{fmt_number(largest['population_10k'], 1)} 万人，占 "
            f"{fmt_number(largest['pop_share_pct'], 2)}%）。城镇化率只有 {n_urban} 个省份有公布值，"
            "其余不作插补。"
        )
    return (
        f"The 31 provinces hold {fmt_number(total_10k, 1)} (10,000) residents; "
        f"the largest is {largest['province']} ({fmt_number(largest['population_10k'], 1)}, "
        f"{fmt_number(largest['pop_share_pct'], 2)}%). The urban share is published for "
        f"{n_urban} provinces; the rest are left blank."
    )


def figure_title(lang: str) -> str:
    """Caption of the population figure."""
    return (
        "分省常住人口（标注已公布的城镇化率）"
        if lang == "zh"
        else "Population by province (published urban shares marked)"
    )


def figure_note(lang: str, n_urban: int) -> str:
    """Say what the bars and red figures are."""
    if lang == "zh":
        return (
            f"2020 年第七次人口普查常住人口（万人）；红色数字为已公布的城镇化率，"
            f"仅 {n_urban} 个省份有公布值，其余不标注、不插补。"
        )
    return (
        f"Resident population, 2020 census (10,000 persons); red figures are the "
        f"published urban shares, available for {n_urban} provinces only and never imputed."
    )


def method(lang: str) -> str:
    """Methods sentence of the census section."""
    return (
        "人口普查：分省常住人口、年龄结构及已公布的城镇化率，均为公报原值。"
        if lang == "zh"
        else "Census: provincial population, age structure and published urban shares as "
        "released; nothing estimated."
    )
