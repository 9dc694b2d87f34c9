"""Maps section: provincial choropleths of census urbanisation and survey estimates (with SEs)."""

from __future__ import annotations

from govstats.datasets import PROVINCES
from govstats.report._boundaries import boundary_source
from govstats.report._labels import label
from govstats.report.compute.maps import compute_province_maps
from govstats.report.inputs import SurveyInput
from govstats.report.results import AnalysisResult, FigureSpec
from govstats.report.tables import Table, fmt_number

__all__ = ["maps_section"]

_PANELS = {
    "urban_share_pct": ("2020 年城镇化率（%，仅公布省份）", "Urban share 2020 (%; published only)"),
    "survey_pct": ("调查：{v}（%）", "Survey: {v} (%)"),
    "survey_se_pct": ("调查估计的标准误（百分点）", "SE of the survey estimate (points)"),
}


def maps_section(
    survey: SurveyInput | None,
    *,
    variable: str = "internet",
    lang: str = "zh",
    min_cell: int = 10,
) -> AnalysisResult:
    """Lay out the provincial maps: census urban share, survey estimate and its SE by province.

    Returns
    -------
    AnalysisResult
        Table ``province_map`` (the mapped values) and figure ``province_map``.
    """
    frame = compute_province_maps(survey, variable=variable, min_cell=min_cell)
    zh = lang == "zh"
    name = label(variable, lang)
    panels = {key: text[0 if zh else 1].format(v=name) for key, text in _PANELS.items()}
    data = frame.assign(panel=frame["indicator"].map(panels))
    wide = frame.pivot(index="province_code", columns="indicator", values="value")
    wide = wide[[k for k in _PANELS if k in wide.columns]]
    shown = wide.reset_index().rename(columns=panels)
    names = {code: pair[0 if zh else 1] for code, pair in PROVINCES.items()}
    shown.insert(0, label("province", lang), shown.pop("province_code").map(names))
    for column in shown.columns[1:]:
        shown[column] = [fmt_number(v, 2) for v in shown[column]]
    source = boundary_source(lang)
    note = (
        f"灰色斜线：未公布或样本量少于 {min_cell} 而隐去。"
        if zh
        else f"Grey hatching: not published, or fewer than {min_cell} respondents (suppressed). "
    ) + source
    heading = label("sec_maps", lang)
    figure = FigureSpec(
        "province_map",
        "choropleth",
        data[["province_code", "panel", "value"]],
        "分省地图" if zh else "Provinces mapped",
        lang,
        {"units": {p: "" for p in panels.values()}},
        note=note,
    )
    table = Table("province_map", heading, frame, shown, note)
    methods = (
        (
            "分省地图：普查城镇化率为公报原值；调查估计为按省份的设计加权比例（域估计）及其标准误。"
            + source
        )
        if zh
        else "Provincial maps: census urban shares as published; survey estimates are "
        "design-weighted shares by province (domains) with their SEs. " + source,
    )
    return AnalysisResult("", "maps", heading, tables=(table,), figures=(figure,), methods=methods)
