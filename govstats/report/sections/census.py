"""Section 02 laid out: the provincial census table and the population figure."""

from __future__ import annotations

import pandas as pd

from govstats.report._labels import label
from govstats.report.compute.census import compute_census
from govstats.report.prose import census as words
from govstats.report.results import AnalysisResult, FigureSpec
from govstats.report.tables import Table, fmt_number

__all__ = ["census_context", "layout_census"]


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
    return layout_census(compute_census(census), lang)


def layout_census(frame: pd.DataFrame, lang: str) -> AnalysisResult:
    """Turn the provincial census frame into section 02 in ``lang``.

    Examples
    --------
    >>> from govstats.report.compute.census import compute_census
    >>> layout_census(compute_census(), "en").table("census_context").data.shape[0]
    31
    """
    zh = lang == "zh"
    name = frame["province_zh" if zh else "province_en"]
    data = pd.DataFrame({"province_code": frame["province_code"], "province": name})
    for column in (
        "population_10k",
        "pop_share_pct",
        "urban_share_pct",
        "age_60plus_pct",
        "age_65plus_pct",
    ):
        data[column] = frame[column]
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
    largest = data.sort_values("population_10k", ascending=False).iloc[0]
    total_10k = float(frame["population_total"].sum()) / 1e4
    figure = FigureSpec(
        "census_population",
        "census",
        data[["province", "population_10k", "urban_share_pct"]],
        words.figure_title(lang),
        lang,
        note=words.figure_note(lang, n_urban),
    )
    return AnalysisResult(
        "02",
        "census_context",
        label("sec_census", lang),
        tables=(
            Table(
                "census_context",
                words.table_title(lang),
                data,
                display,
                words.table_note(lang, n_urban),
            ),
        ),
        figures=(figure,),
        paragraphs=(words.finding(total_10k, largest, n_urban, lang),),
        methods=(words.method(lang),),
    )
