"""Section 01 laid out: the gap table, the diffusion-lag table and the access-gap figure."""

from __future__ import annotations

import pandas as pd

from govstats.report._labels import label
from govstats.report.compute.access_gap import (
    DIFFUSION_REPLICATES,
    AccessGapFrames,
    compute_access_gap,
)
from govstats.report.prose import access_gap as words
from govstats.report.results import AnalysisResult, FigureSpec
from govstats.report.tables import Table, fmt_number

__all__ = ["access_gap", "layout_access_gap"]


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
    return layout_access_gap(compute_access_gap(cnnic, seed=seed), lang)


def layout_access_gap(frames: AccessGapFrames, lang: str) -> AnalysisResult:
    """Turn the numbers of section 01 into its tables, figure and text.

    Examples
    --------
    >>> from govstats.report.compute.access_gap import compute_access_gap
    >>> layout_access_gap(compute_access_gap(), "en").key
    '01'
    """
    data = frames.gap
    display = pd.DataFrame(
        {
            label("period", lang): data["period"],
            label("urban", lang) + " (%)": [fmt_number(v, 1) for v in data["urban_pct"]],
            label("rural", lang) + " (%)": [fmt_number(v, 1) for v in data["rural_pct"]],
            label("gap_points", lang): [fmt_number(v, 1) for v in data["gap_points"]],
            label("ratio", lang): [fmt_number(v, 2) for v in data["ratio"]],
        }
    )
    breaks = data.loc[data["series_break"], "period"].tolist()
    tables = [
        Table("access_gap", words.table_title(lang), data, display, words.table_note(lang, breaks))
    ]
    paragraphs = [words.finding(data.iloc[0], data.iloc[-1], lang)]
    methods = [words.method(lang)]
    if frames.lag is None:
        text = words.lag_error(frames.lag_error, lang)
        paragraphs.append(text)
        methods.append(text)
    else:
        tables.append(_lag_table(frames, lang))
        paragraphs.append(words.lag_finding(frames.lag.set_index("term").loc["lag_years"], lang))
        methods.append(words.lag_method(lang, DIFFUSION_REPLICATES))
    options: dict[str, object] = {"breaks": frames.breaks}
    if frames.curves is not None:
        options["curves"] = frames.curves[["t", "series", "fitted"]]
    figure = FigureSpec(
        "access_gap",
        "access_gap",
        frames.series,
        words.figure_title(lang),
        lang,
        options,
        note=words.figure_note(lang, frames.curves is not None, bool(frames.breaks)),
    )
    return AnalysisResult(
        "01",
        "access_gap",
        label("sec_access", lang),
        tables=tuple(tables),
        figures=(figure,),
        paragraphs=tuple(paragraphs),
        methods=tuple(methods),
        limitations=(words.limitation(lang),),
    )


def _lag_table(frames: AccessGapFrames, lang: str) -> Table:
    data = frames.lag
    assert data is not None
    zh = lang == "zh"
    display = pd.DataFrame(
        {
            label("variable", lang): [
                words.PARAMETERS.get(p, (p, p))[0 if zh else 1] for p in data["term"]
            ],
            label("estimate", lang): [fmt_number(v, 3) for v in data["estimate"]],
            label("se", lang): [f"({fmt_number(v, 3)})" for v in data["se"]],
            label("ci", lang): [
                f"[{fmt_number(lo, 3)}, {fmt_number(hi, 3)}]"
                for lo, hi in zip(data["ci_low"], data["ci_high"], strict=True)
            ],
        }
    )
    note = words.lag_note(lang, frames.lag_periods, DIFFUSION_REPLICATES, frames.seed)
    return Table("diffusion_lag", words.lag_title(lang), data, display, note)
