"""Containers passed from the analyses to the writers: figure specs and analysis results."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from govstats.report.tables import Table

__all__ = ["FIGURE_KINDS", "AnalysisResult", "FigureSpec"]

FIGURE_KINDS = (
    "access_gap",
    "census",
    "internet_compare",
    "cascade",
    "path_diagram",
    "forest",
    "group_comparison",
    "choropleth",
    "distribution",
    "heatmap",
    "love_plot",
    "sensitivity",
)


@dataclass(frozen=True)
class FigureSpec:
    """What to draw, from a tidy frame; rendering happens in :mod:`govstats.report.figures`.

    Parameters
    ----------
    name : str
        File stem of the figure.
    kind : str
        One of :data:`FIGURE_KINDS`; selects the drawing function.
    data : pandas.DataFrame
        Tidy input of the drawing function (documented per kind in ``figures``).
    title : str
        Caption.
    lang : str
        Language of axis labels ("zh" or "en").
    options : mapping
        Kind-specific options (for example the mediator order of a path diagram).
    note : str
        Note printed under the caption: what marks, lines and intervals mean.

    Examples
    --------
    >>> import pandas as pd
    >>> FigureSpec("f", "forest", pd.DataFrame(), "Effects", "en")
    FigureSpec('f', kind='forest', 0 rows)
    """

    name: str
    kind: str
    data: pd.DataFrame
    title: str
    lang: str = "zh"
    options: Mapping[str, Any] = field(default_factory=dict)
    note: str = ""

    def __post_init__(self) -> None:
        if self.kind not in FIGURE_KINDS:
            from govstats.errors import ReportError

            raise ReportError(f"figure kind {self.kind!r} unknown; use one of {FIGURE_KINDS}")

    def __repr__(self) -> str:
        return f"FigureSpec({self.name!r}, kind={self.kind!r}, {len(self.data)} rows)"


@dataclass(frozen=True)
class AnalysisResult:
    """Everything one numbered analysis produces: tables, figure specs, text and key numbers.

    Parameters
    ----------
    key : str
        Two-digit number of the analysis ("01" to "04").
    name : str
        Short name (``access_gap``, ``census_context``, ...), also the script's stem.
    title : str
        Section heading in the report.
    tables, figures : tuple
        :class:`~govstats.report.tables.Table` and :class:`FigureSpec` objects, in print order.
    paragraphs : tuple of str
        Body text of the section (findings stated with their numbers).
    methods : tuple of str
        What was run (model, design, inference); goes into the methods section.
    limitations : tuple of str
        Caveats (simulated data, series breaks, unpublished cells).
    available : bool
        False when an upstream component is missing; the section then says so and holds no numbers.

    Examples
    --------
    >>> AnalysisResult("01", "access_gap", "Access gap")
    AnalysisResult('01', 'access_gap', 0 tables, 0 figures)
    """

    key: str
    name: str
    title: str
    tables: tuple[Table, ...] = ()
    figures: tuple[FigureSpec, ...] = ()
    paragraphs: tuple[str, ...] = ()
    methods: tuple[str, ...] = ()
    limitations: tuple[str, ...] = ()
    available: bool = True

    def __repr__(self) -> str:
        state = "" if self.available else ", not available"
        return (
            f"AnalysisResult({self.key!r}, {self.name!r}, {len(self.tables)} tables, "
            f"{len(self.figures)} figures{state})"
        )

    def table(self, name: str) -> Table:
        """Return the table called ``name``."""
        for table in self.tables:
            if table.name == name:
                return table
        from govstats.errors import ReportError

        raise ReportError(
            f"analysis {self.name} has no table {name!r}; tables: {[t.name for t in self.tables]}"
        )
