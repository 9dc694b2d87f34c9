"""The numbered analyses behind the report; each returns tables and figure specs.

The scripts in ``analyses/`` and ``govstats report`` call these same functions, so a
number in the PDF is the number in the script's CSV.

- :func:`access_gap` (01): CNNIC urban vs rural internet penetration, gap and lag.
- :func:`census_context` (02): 2020 census indicators by province.
- :func:`survey_description` (03): design-weighted description of the survey.
- :func:`divide_chain` (04): the divide chain with design replicates.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from govstats.errors import ConvergenceError, DataError, ReportError
from govstats.report._labels import label
from govstats.report.inputs import SurveyInput
from govstats.report.results import AnalysisResult, FigureSpec
from govstats.report.survey_analyses import describe_survey, fit_divide_chain
from govstats.report.tables import MISSING_MARK, Table, fmt_number

__all__ = [
    "ANALYSES",
    "access_gap",
    "census_context",
    "divide_chain",
    "not_available",
    "survey_description",
]

ANALYSES = {
    "01": "access_gap",
    "02": "census_context",
    "03": "survey_description",
    "04": "divide_chain",
}


def not_available(key: str, lang: str, reason: str) -> AnalysisResult:
    """Return a placeholder section saying why an analysis could not run (no numbers in it)."""
    name = ANALYSES[key]
    heading = {"01": "sec_access", "02": "sec_census", "03": "sec_survey", "04": "sec_chain"}[key]
    text = f"{label('not_available', lang)}: {reason}"
    return AnalysisResult(key, name, label(heading, lang), paragraphs=(text,), available=False)


def _decimal_year(periods: pd.Series) -> np.ndarray:
    """Mid-month of a monthly period as a decimal year (2021-12 -> 2021.958)."""
    index = pd.PeriodIndex(periods, freq="M")
    return np.asarray(index.year + (index.month - 0.5) / 12.0, dtype=float)


def access_gap(
    cnnic: pd.DataFrame | None = None, *, lang: str = "zh", seed: int = 2024
) -> AnalysisResult:
    """01 - the urban-rural internet penetration gap from the CNNIC reports.

    Parameters
    ----------
    cnnic : pandas.DataFrame, optional
        The wide CNNIC table as returned by :func:`govstats.datasets.load_cnnic`
        (default: the embedded table).
    lang : {"zh", "en"}
        Language of captions and labels.
    seed : int
        Seed of the interval computation of the diffusion lag.

    Returns
    -------
    AnalysisResult
        Table ``access_gap`` (one row per report with both rates: urban, rural, gap in
        points, ratio, series-break flag), optionally ``diffusion_lag``; figure ``access_gap``.

    Notes
    -----
    Only reports that publish both the urban and the rural rate are used; nothing is
    interpolated. Rural rates are not comparable across CNNIC's series breaks, so
    breaks are marked in the table and the figure.

    Examples
    --------
    >>> result = access_gap(lang="en")
    >>> t = result.table("access_gap").data
    >>> import numpy as np
    >>> bool(np.allclose(t["gap_points"], t["urban_pct"] - t["rural_pct"]))
    True
    """
    if cnnic is None:
        from govstats.datasets import load_cnnic

        cnnic = load_cnnic()
    needed = ["report_no", "period", "penetration_urban_pct", "penetration_rural_pct"]
    missing = [c for c in needed if c not in cnnic.columns]
    if missing:
        raise ReportError(f"CNNIC table lacks columns {missing}; pass load_cnnic()'s output")
    both = cnnic.dropna(subset=["penetration_urban_pct", "penetration_rural_pct"])
    if len(both) < 2:
        raise ReportError("CNNIC table has fewer than two reports with both urban and rural rates")
    breaks = both["series_break"] if "series_break" in both else pd.Series(False, both.index)
    data = pd.DataFrame(
        {
            "report_no": both["report_no"].astype(int).to_numpy(),
            "period": both["period"].astype(str).to_numpy(),
            "year": np.round(_decimal_year(both["period"].astype(str)), 4),
            "urban_pct": both["penetration_urban_pct"].astype(float).to_numpy(),
            "rural_pct": both["penetration_rural_pct"].astype(float).to_numpy(),
        }
    )
    data["gap_points"] = np.round(data["urban_pct"] - data["rural_pct"], 10)
    data["ratio"] = np.round(data["urban_pct"] / data["rural_pct"], 10)
    data["series_break"] = breaks.astype(bool).to_numpy()
    display = pd.DataFrame(
        {
            label("period", lang): data["period"],
            label("urban", lang) + " (%)": [fmt_number(v, 1) for v in data["urban_pct"]],
            label("rural", lang) + " (%)": [fmt_number(v, 1) for v in data["rural_pct"]],
            label("gap_points", lang): [fmt_number(v, 1) for v in data["gap_points"]],
            label("ratio", lang): [fmt_number(v, 2) for v in data["ratio"]],
        }
    )
    zh = lang == "zh"
    note = (
        "来源：CNNIC《中国互联网络发展状况统计报告》；仅列出城乡普及率均有公布的报告期，未做插补。"
        if zh
        else "Source: CNNIC statistical reports; periods publishing both rates only, never "
        "interpolated."
    )
    if data["series_break"].any():
        marked = ", ".join(data.loc[data["series_break"], "period"])
        note += (
            f" 农村序列在 {marked} 有口径断点，跨断点比较需谨慎。"
            if zh
            else f" The rural series breaks at {marked}; do not difference across the break."
        )
    title = "城乡互联网普及率及差距" if zh else "Urban and rural internet penetration and the gap"
    tables = [Table("access_gap", title, data, display, note)]
    first, last = data.iloc[0], data.iloc[-1]
    paragraphs = [
        (
            f"{first['period']}，城镇互联网普及率为 {fmt_number(first['urban_pct'], 1)}%，农村为 "
            f"{fmt_number(first['rural_pct'], 1)}%，相差 "
            f"{fmt_number(first['gap_points'], 1)} 个百分点"
            f"（城乡比 {fmt_number(first['ratio'], 2)}）；到 {last['period']}，两者分别为 "
            f"{fmt_number(last['urban_pct'], 1)}% 和 {fmt_number(last['rural_pct'], 1)}%，差距 "
            f"{fmt_number(last['gap_points'], 1)} 个百分点"
            f"（城乡比 {fmt_number(last['ratio'], 2)}）。"
        )
        if zh
        else (
            f"In {first['period']} urban penetration was {fmt_number(first['urban_pct'], 1)}% and "
            f"rural {fmt_number(first['rural_pct'], 1)}%, a gap of "
            f"{fmt_number(first['gap_points'], 1)} points (ratio {fmt_number(first['ratio'], 2)}); "
            f"by {last['period']} they were {fmt_number(last['urban_pct'], 1)}% and "
            f"{fmt_number(last['rural_pct'], 1)}%, a gap of {fmt_number(last['gap_points'], 1)} "
            f"points (ratio {fmt_number(last['ratio'], 2)})."
        )
    ]
    methods = [
        "接入差距：城乡普及率之差（百分点）与之比，来自 CNNIC 公布值。"
        if zh
        else "Access gap: urban minus rural penetration (points) and their ratio, as published."
    ]
    lag_table, lag_text, lag_method, curves = _diffusion_lag(cnnic, lang, seed)
    if lag_table is not None:
        tables.append(lag_table)
    paragraphs.append(lag_text)
    methods.append(lag_method)
    flags = (
        cnnic["series_break"].astype(bool)
        if "series_break" in cnnic
        else pd.Series(False, index=cnnic.index)
    )
    segments = np.cumsum(flags.to_numpy())  # a break row opens a new segment of the series
    options: dict[str, object] = {
        "breaks": [float(y) for y in _decimal_year(cnnic.loc[flags, "period"].astype(str))]
    }
    if curves is not None:
        options["curves"] = curves[["t", "series", "fitted"]]
    keep = cnnic[["penetration_urban_pct", "penetration_rural_pct"]].notna().any(axis=1)
    published = cnnic[keep]
    series = pd.DataFrame(
        {
            "year": np.round(_decimal_year(published["period"].astype(str)), 4),
            "urban_pct": published["penetration_urban_pct"].astype(float).to_numpy(),
            "rural_pct": published["penetration_rural_pct"].astype(float).to_numpy(),
            "segment": segments[keep.to_numpy()],
        }
    )
    series["series_break"] = np.r_[False, np.diff(series["segment"]) != 0]
    series["gap_points"] = series["urban_pct"] - series["rural_pct"]
    figure = FigureSpec(
        "access_gap",
        "access_gap",
        series[["year", "urban_pct", "rural_pct", "gap_points", "series_break", "segment"]],
        "城乡互联网普及率（%）、拟合的扩散曲线与差距"
        if zh
        else "Internet penetration (%), fitted diffusion curves and the urban-rural gap",
        lang,
        options,
        note=_access_figure_note(lang, curves is not None, bool(options["breaks"])),
    )
    limitations = [
        "CNNIC 农村普及率在第 48、49 次报告之间等处存在口径断点。"
        if zh
        else "CNNIC's rural penetration series has breaks (e.g. between the 48th and 49th reports)."
    ]
    return AnalysisResult(
        "01",
        "access_gap",
        label("sec_access", lang),
        tables=tuple(tables),
        figures=(figure,),
        paragraphs=tuple(paragraphs),
        methods=tuple(methods),
        limitations=tuple(limitations),
    )


def _access_figure_note(lang: str, curves: bool, breaks: bool) -> str:
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


DIFFUSION_BOOT = 499
_PARAMETERS = {
    "K": ("上限 K（%）", "Ceiling K (%)"),
    "r": ("增长率 r（每年）", "Rate r (per year)"),
    "t0_urban": ("城镇中点 t0", "Urban midpoint t0"),
    "t0_rural": ("农村中点 t0", "Rural midpoint t0"),
    "lag_years": ("滞后年数", "Lag (years)"),
}


def _diffusion_lag(
    cnnic: pd.DataFrame, lang: str, seed: int
) -> tuple[Table | None, str, str, pd.DataFrame | None]:
    """Lag of rural behind urban penetration (shared logistic curve, shifted in time)."""
    from govstats.gaps import cnnic_diffusion_lag

    zh = lang == "zh"
    try:
        res = cnnic_diffusion_lag(cnnic, replicates=DIFFUSION_BOOT, seed=seed)
    except (DataError, ConvergenceError) as exc:
        text = (
            f"扩散滞后无法估计：{exc}" if zh else f"The diffusion lag could not be estimated: {exc}"
        )
        return None, text, text, None
    data = res.to_frame()
    display = pd.DataFrame(
        {
            label("variable", lang): [
                _PARAMETERS.get(p, (p, p))[0 if zh else 1] for p in data["term"]
            ],
            label("estimate", lang): [fmt_number(v, 3) for v in data["estimate"]],
            label("se", lang): [f"({fmt_number(v, 3)})" for v in data["se"]],
            label("ci", lang): [
                f"[{fmt_number(lo, 3)}, {fmt_number(hi, 3)}]"
                for lo, hi in zip(data["ci_low"], data["ci_high"], strict=True)
            ],
        }
    )
    lag = data.set_index("term").loc["lag_years"]
    note = (
        f"共享上限与增长率的逻辑斯蒂曲线，农村曲线为城镇曲线平移 lag 年；"
        f"{len(res.data)} 个城乡同时公布的报告期（仅农村序列第一段，断点前）；"
        f"区间为 {DIFFUSION_BOOT} 次参数自助法的百分位区间（种子 {seed}）。"
        if zh
        else f"Logistic curves with a shared ceiling and rate, the rural curve shifted by the lag; "
        f"{len(res.data)} periods with both rates (first segment of the rural series, before the "
        f"break); percentile intervals from {DIFFUSION_BOOT} parametric bootstrap draws "
        f"(seed {seed})."
    )
    title = "扩散滞后：逻辑斯蒂曲线拟合" if zh else "Diffusion lag: logistic curve fit"
    table = Table("diffusion_lag", title, data, display, note)
    text = (
        f"按共享上限的逻辑斯蒂扩散曲线，农村互联网普及比城镇滞后 "
        f"{fmt_number(lag['estimate'], 1)} 年"
        f"（95% 区间 {fmt_number(lag['ci_low'], 1)} 至 {fmt_number(lag['ci_high'], 1)} 年）。"
        if zh
        else f"On logistic diffusion curves with a shared ceiling, rural internet adoption lags "
        f"urban by {fmt_number(lag['estimate'], 1)} years (95% interval "
        f"{fmt_number(lag['ci_low'], 1)} to {fmt_number(lag['ci_high'], 1)})."
    )
    method = (
        "扩散滞后：p_城镇(t) = K / (1 + exp(-r (t - t0)))，p_农村(t) = p_城镇(t - lag)，"
        "两序列联合最小二乘"
        f"（gaps.cnnic_diffusion_lag），参数自助法 {DIFFUSION_BOOT} 次求区间。"
        if zh
        else "Diffusion lag: p_urban(t) = K / (1 + exp(-r (t - t0))), "
        "p_rural(t) = p_urban(t - lag), "
        f"joint least squares on both series (gaps.cnnic_diffusion_lag), intervals from "
        f"{DIFFUSION_BOOT} parametric bootstrap draws."
    )
    return table, text, method, res.curves()


def census_context(census: pd.DataFrame | None = None, *, lang: str = "zh") -> AnalysisResult:
    """02 - the 2020 census by province: population, age structure and urban share.

    Parameters
    ----------
    census : pandas.DataFrame, optional
        Provincial rows as returned by ``govstats.datasets.load_census("province")``
        (default: the embedded 2020 table).
    lang : {"zh", "en"}
        Language of captions and labels.

    Returns
    -------
    AnalysisResult
        Table ``census_context`` (one row per province: population in 10,000, share of the
        31-province total, urban share where published, 60+ and 65+ shares) and figure
        ``census_population``.

    Notes
    -----
    The urban share is published for only some provinces; the others print an em dash
    (not found) and are never filled in.

    Examples
    --------
    >>> from govstats.datasets import load_census
    >>> t = census_context(load_census(), lang="en").table("census_context").data
    >>> round(float(t["pop_share_pct"].sum()), 6)
    100.0
    """
    if census is None:
        from govstats.datasets import load_census

        census = load_census(geography="province", year=2020)
    needed = ["province_code", "province_zh", "province_en", "population_total", "urban_share_pct"]
    missing = [c for c in needed if c not in census.columns]
    if missing:
        raise ReportError(f"census table lacks columns {missing}; pass load_census()'s output")
    rows = census[census["province_code"].astype(str) != "00"].sort_values("province_code")
    if rows.empty:
        raise ReportError("census table has no provincial rows")
    zh = lang == "zh"
    population = rows["population_total"].astype(float).to_numpy()
    data = pd.DataFrame(
        {
            "province_code": rows["province_code"].astype(str).to_numpy(),
            "province": rows["province_zh" if zh else "province_en"].astype(str).to_numpy(),
            "population_10k": np.round(population / 1e4, 4),
            "pop_share_pct": np.round(100.0 * population / population.sum(), 10),
            "urban_share_pct": rows["urban_share_pct"].astype(float).to_numpy(),
        }
    )
    for column in ("age_60plus_pct", "age_65plus_pct"):
        values = rows[column] if column in rows else pd.Series(np.nan, index=rows.index)
        data[column] = values.astype(float).to_numpy()
    display = pd.DataFrame(
        {
            label("province", lang): data["province"],
            label("population_10k", lang): [fmt_number(v, 1) for v in data["population_10k"]],
            label("pop_share_pct", lang): [fmt_number(v, 2) for v in data["pop_share_pct"]],
            label("urban_share_pct", lang): [fmt_number(v, 2) for v in data["urban_share_pct"]],
            label("age_60plus_pct", lang): [fmt_number(v, 2) for v in data["age_60plus_pct"]],
            label("age_65plus_pct", lang): [fmt_number(v, 2) for v in data["age_65plus_pct"]],
        }
    )
    n_urban = int(data["urban_share_pct"].notna().sum())
    note = (
        f"来源：第七次全国人口普查公报及各省公报。{MISSING_MARK}：未找到公布值（不作插补）；"
        f"城镇化率仅 {n_urban} 个省份有公布值。"
        if zh
        else f"Source: 2020 census communiqués (NBS and provinces). {MISSING_MARK}: not found "
        f"(never imputed); the urban share is published for {n_urban} provinces only."
    )
    title = "2020 年人口普查分省指标" if zh else "2020 census indicators by province"
    largest = data.sort_values("population_10k", ascending=False).iloc[0]
    paragraphs = (
        (
            f"31 个省份常住人口合计 {fmt_number(population.sum() / 1e4, 1)} 万人，人口最多的是"
            f"{largest['province']}（{fmt_number(largest['population_10k'], 1)} 万人，占 "
            f"{fmt_number(largest['pop_share_pct'], 2)}%）。城镇化率只有 {n_urban} 个省份有公布值，"
            "其余不作插补。"
        )
        if zh
        else (
            f"The 31 provinces hold {fmt_number(population.sum() / 1e4, 1)} (10,000) residents; "
            f"the largest is {largest['province']} ({fmt_number(largest['population_10k'], 1)}, "
            f"{fmt_number(largest['pop_share_pct'], 2)}%). The urban share is published for "
            f"{n_urban} provinces; the rest are left blank."
        ),
    )
    figure = FigureSpec(
        "census_population",
        "census",
        data[["province", "population_10k", "urban_share_pct"]],
        "分省常住人口（标注已公布的城镇化率）"
        if zh
        else "Population by province (published urban shares marked)",
        lang,
        note=(
            f"2020 年第七次人口普查常住人口（万人）；红色数字为已公布的城镇化率，"
            f"仅 {n_urban} 个省份有公布值，其余不标注、不插补。"
            if zh
            else f"Resident population, 2020 census (10,000 persons); red figures are the "
            f"published urban shares, available for {n_urban} provinces only and never imputed."
        ),
    )
    return AnalysisResult(
        "02",
        "census_context",
        label("sec_census", lang),
        tables=(Table("census_context", title, data, display, note),),
        figures=(figure,),
        paragraphs=paragraphs,
        methods=(
            "人口普查：分省常住人口、年龄结构及已公布的城镇化率，均为公报原值。"
            if zh
            else "Census: provincial population, age structure and published urban shares as "
            "released; nothing estimated.",
        ),
    )


def survey_description(
    survey: SurveyInput, *, lang: str = "zh", min_cell: int = 10, seed: int = 2024
) -> AnalysisResult:
    """03 - design-weighted description of the survey by urban/rural.

    Means and proportions by urban/rural with design-based SEs, the survey's internet
    use beside the CNNIC figure for the same period, and the same after raking the
    weights to the 2020 census province and urban/rural margins. ``seed`` is accepted
    for a uniform signature; nothing here is random. See
    :func:`govstats.report.survey_analyses.describe_survey`.
    """
    return describe_survey(survey, lang=lang, min_cell=min_cell)


def divide_chain(
    survey: SurveyInput,
    *,
    lang: str = "zh",
    replicates: int = 200,
    seed: int = 2024,
    min_cell: int = 10,
) -> AnalysisResult:
    """04 - the divide chain fitted with design replicates.

    Paths, every specific indirect effect, the share of the service gap through the
    chain, the cascade and the comparison across age groups, with Rao-Wu bootstrap
    replicates of the design. See :func:`govstats.report.survey_analyses.fit_divide_chain`.
    """
    return fit_divide_chain(survey, lang=lang, replicates=replicates, seed=seed, min_cell=min_cell)
