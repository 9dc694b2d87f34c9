"""Figures drawn from tidy frames (matplotlib, Agg, no pyplot global state).

Every drawing function takes a :class:`~govstats.report.results.FigureSpec` and
returns a ``matplotlib.figure.Figure`` of a fixed size. :func:`save_figure` writes
PNG and SVG with fixed metadata so re-runs give identical files.

Expected ``spec.data`` columns per kind:

- ``access_gap``: ``year`` (decimal year), ``urban_pct``, ``rural_pct``, ``gap_points``,
  ``series_break`` (bool).
- ``census``: ``province``, ``population_10k``, ``urban_share_pct`` (NaN if unpublished).
- ``internet_compare``: ``group``, ``source``, ``estimate``, ``ci_low``, ``ci_high``.
- ``cascade``: ``link``, ``group`` (two levels), ``estimate``, ``ci_low``, ``ci_high``.
- ``path_diagram``: ``source``, ``target``, ``estimate``, ``mark``; ``options["nodes"]`` is the
  node order (x, mediators..., outcome) and ``options["labels"]`` their display names.
- ``forest``: ``label``, ``estimate``, ``ci_low``, ``ci_high``.
- ``group_comparison``: ``group``, ``effect``, ``estimate``, ``ci_low``, ``ci_high``.
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from govstats.errors import ReportError
from govstats.report._fonts import register_matplotlib_font
from govstats.report._labels import label
from govstats.report.results import FigureSpec

__all__ = ["FIGURE_SIZES", "figure_png", "render", "save_figure"]

FIGURE_SIZES: dict[str, tuple[float, float]] = {
    "access_gap": (7.0, 3.2),
    "census": (7.0, 6.4),
    "internet_compare": (7.0, 3.0),
    "cascade": (7.0, 3.4),
    "path_diagram": (7.0, 3.6),
    "forest": (7.0, 4.2),
    "group_comparison": (7.0, 3.6),
}
DPI = 200
COLORS = {"urban": "#1f5a96", "rural": "#c0504d", "gap": "#7f7f7f", "other": "#4d8f4d"}


def _rc(family: str) -> Any:
    return {
        "font.family": ["DejaVu Sans", family],
        "axes.unicode_minus": False,
        "svg.hashsalt": "govstats",
        "svg.fonttype": "path",
        "axes.spines.top": False,
        "axes.spines.right": False,
        "font.size": 8.5,
    }


def render(spec: FigureSpec) -> Any:
    """Draw ``spec`` and return the ``matplotlib.figure.Figure``.

    Examples
    --------
    >>> import pandas as pd
    >>> data = pd.DataFrame({"label": ["a", "b"], "estimate": [0.1, -0.2],
    ...                      "ci_low": [0.0, -0.3], "ci_high": [0.2, -0.1]})
    >>> fig = render(FigureSpec("f", "forest", data, "Effects", "en"))
    >>> [float(v) for v in fig.get_size_inches()]
    [7.0, 4.2]
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure

    family = register_matplotlib_font()
    with matplotlib.rc_context(_rc(family)):
        fig = Figure(figsize=FIGURE_SIZES[spec.kind], layout="constrained")
        _DRAW[spec.kind](fig, spec)
        fig.suptitle(spec.title, fontsize=10)
    return fig


def _savefig(fig: Any, target: Any, fmt: str, family: str) -> None:
    import matplotlib

    metadata: dict[str, Any] = {
        "png": {"Software": None},
        "svg": {"Date": None},
        "pdf": {"CreationDate": None, "ModDate": None},
    }[fmt]
    with matplotlib.rc_context(_rc(family)):
        fig.savefig(target, format=fmt, dpi=DPI, metadata=metadata)


def figure_png(spec: FigureSpec) -> bytes:
    """PNG bytes of the rendered figure (``DPI`` dots per inch), for embedding in the PDF."""
    family = register_matplotlib_font()
    buffer = io.BytesIO()
    _savefig(render(spec), buffer, "png", family)
    return buffer.getvalue()


def save_figure(spec: FigureSpec, folder: str | Path) -> list[Path]:
    """Write ``<name>.png`` and ``<name>.svg`` of the figure into ``folder``."""
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    family = register_matplotlib_font()
    fig = render(spec)
    paths = []
    for fmt in ("png", "svg"):
        path = out / f"{spec.name}.{fmt}"
        _savefig(fig, path, fmt, family)
        paths.append(path)
    return paths


def _wrap(text: str, width: int = 13) -> str:
    """Break long space-separated labels onto lines (Chinese labels have no spaces)."""
    return textwrap.fill(str(text), width=width, break_long_words=False)


def _require(spec: FigureSpec, columns: list[str]) -> None:
    missing = [c for c in columns if c not in spec.data.columns]
    if missing:
        raise ReportError(f"figure {spec.name!r} ({spec.kind}) needs columns {missing}")


def _access_gap(fig: Any, spec: FigureSpec) -> None:
    _require(spec, ["year", "urban_pct", "rural_pct", "gap_points", "series_break"])
    d = spec.data
    left, right = fig.subplots(1, 2, width_ratios=[3, 2])
    # each series joins its own published points, and never across a series break
    if "segment" in d:
        segment = d["segment"].to_numpy()
    else:
        segment = np.cumsum(d["series_break"].astype(bool).to_numpy())
    for column, marker, group in (("urban_pct", "o-", "urban"), ("rural_pct", "s-", "rural")):
        for k in np.unique(segment):
            part = d.loc[segment == k, ["year", column]].dropna()
            left.plot(
                part["year"],
                part[column],
                marker,
                color=COLORS[group],
                ms=3,
                label=label(group, spec.lang) if k == segment[0] else None,
            )
    curves = spec.options.get("curves")
    if curves is not None:
        for series, color in (("urban", COLORS["urban"]), ("rural", COLORS["rural"])):
            part = curves[curves["series"] == series]
            left.plot(part["t"], part["fitted"], color=color, lw=0.8, ls="--", alpha=0.8)
    starts = np.r_[False, np.diff(segment) != 0]
    breaks = spec.options.get("breaks", d.loc[starts, "year"].tolist())
    for year in breaks:
        left.axvline(year, color=COLORS["gap"], lw=0.6, ls=":")
    left.set_ylabel(label("penetration_pct", spec.lang))
    left.set_xlabel(label("year", spec.lang))
    left.set_ylim(0, 100)
    left.legend(frameon=False)
    both = d.dropna(subset=["gap_points"])
    right.bar(both["year"], both["gap_points"], width=0.35, color=COLORS["gap"])
    right.set_ylabel(label("gap_points", spec.lang))
    right.set_xlabel(label("year", spec.lang))
    from matplotlib.ticker import MaxNLocator

    for ax in (left, right):
        ax.xaxis.set_major_locator(MaxNLocator(nbins=5, integer=True))


def _census(fig: Any, spec: FigureSpec) -> None:
    _require(spec, ["province", "population_10k", "urban_share_pct"])
    d = spec.data.sort_values("population_10k")
    ax = fig.subplots()
    y = np.arange(len(d))
    ax.barh(y, d["population_10k"], color=COLORS["urban"], height=0.7)
    ax.set_yticks(y, d["province"].astype(str).tolist(), fontsize=7)
    ax.set_xlabel(label("population_10k", spec.lang))
    for yi, pop, share in zip(y, d["population_10k"], d["urban_share_pct"], strict=True):
        if np.isfinite(share):
            ax.text(pop, yi, f" {share:.1f}%", va="center", fontsize=6.5, color=COLORS["rural"])
    ax.margins(x=0.12)


def _intervals(ax: Any, x: np.ndarray, d: Any, color: str, name: str, marker: str) -> None:
    est = d["estimate"].to_numpy(float)
    err = np.vstack([est - d["ci_low"].to_numpy(float), d["ci_high"].to_numpy(float) - est])
    ax.errorbar(x, est, yerr=err, fmt=marker, color=color, capsize=3, ms=4, label=name)


def _internet_compare(fig: Any, spec: FigureSpec) -> None:
    _require(spec, ["group", "source", "estimate", "ci_low", "ci_high"])
    d = spec.data
    ax = fig.subplots()
    groups = list(dict.fromkeys(d["group"]))
    sources = list(dict.fromkeys(d["source"]))
    palette = [COLORS["urban"], COLORS["rural"], COLORS["other"], COLORS["gap"]]
    for k, source in enumerate(sources):
        part = d[d["source"] == source].set_index("group").reindex(groups)
        x = np.arange(len(groups)) + (k - (len(sources) - 1) / 2) * 0.18
        _intervals(ax, x, part, palette[k % len(palette)], str(source), "os^D"[k % 4])
    ax.set_xticks(np.arange(len(groups)), [str(g) for g in groups])
    ax.set_ylabel(label("penetration_pct", spec.lang))
    ax.legend(frameon=False, fontsize=7)


def _cascade(fig: Any, spec: FigureSpec) -> None:
    """Urban and rural means of every link; with a gap group, the gaps in a second panel."""
    _require(spec, ["link", "group", "estimate", "ci_low", "ci_high"])
    d = spec.data
    gap_group = spec.options.get("gap_group")
    gaps = d[d["group"] == gap_group] if gap_group is not None else d.iloc[0:0]
    d = d[d["group"] != gap_group] if gap_group is not None else d
    links = list(dict.fromkeys(spec.data["link"]))
    groups = list(dict.fromkeys(d["group"]))
    if len(gaps):
        ax, gap_ax = fig.subplots(1, 2, width_ratios=[3, 2])
    else:
        ax, gap_ax = fig.subplots(), None
    palette = [COLORS["urban"], COLORS["rural"], COLORS["other"]]
    for k, group in enumerate(groups):
        part = d[d["group"] == group].set_index("link").reindex(links)
        x = np.arange(len(links)) + (k - (len(groups) - 1) / 2) * 0.2
        _intervals(ax, x, part, palette[k % 3], str(group), "os^"[k % 3])
    ax.set_xticks(np.arange(len(links)), [_wrap(link) for link in links], fontsize=7.5)
    ax.set_ylabel(label("estimate", spec.lang))
    ax.legend(frameon=False)
    if gap_ax is not None:
        part = gaps.set_index("link").reindex(links)
        _intervals(gap_ax, np.arange(len(links)), part, COLORS["gap"], str(gap_group), "D")
        gap_ax.axhline(0.0, color=COLORS["gap"], lw=0.7, ls="--")
        gap_ax.set_xticks(np.arange(len(links)), [_wrap(link) for link in links], fontsize=7.5)
        gap_ax.set_ylabel(str(gap_group))


def _path_diagram(fig: Any, spec: FigureSpec) -> None:
    from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

    _require(spec, ["source", "target", "estimate", "mark"])
    nodes: list[str] = list(spec.options.get("nodes", []))
    names: dict[str, str] = dict(spec.options.get("labels", {}))
    if len(nodes) < 3:
        raise ReportError(f"path diagram {spec.name!r} needs options['nodes'] (x, mediators, y)")
    k = len(nodes) - 2
    pos = {nodes[0]: (0.0, 0.0), nodes[-1]: (k + 1.0, 0.0)}
    for j, node in enumerate(nodes[1:-1], start=1):
        pos[node] = (float(j), 1.35)
    ax = fig.subplots()
    ax.set_xlim(-0.6, k + 1.6)
    ax.set_ylim(-0.7, 2.15)
    ax.axis("off")
    for node, (x, y) in pos.items():
        ax.add_patch(
            FancyBboxPatch(
                (x - 0.3, y - 0.15),
                0.6,
                0.3,
                boxstyle="round,pad=0.02",
                fc="#eef2f7",
                ec="#333333",
                lw=0.8,
            )
        )
        ax.text(x, y, _wrap(names.get(node, node)), ha="center", va="center", fontsize=7.5)
    order = {node: i for i, node in enumerate(nodes)}
    for row in spec.data.itertuples(index=False):
        src, dst = str(row.source), str(row.target)
        if src not in pos or dst not in pos:
            continue
        (x1, y1), (x2, y2) = _edge(pos[src], pos[dst]), _edge(pos[dst], pos[src])
        adjacent = order[dst] - order[src] == 1 or (src == nodes[0] and dst == nodes[-1])
        rad = 0.0 if adjacent else (-0.55 if y1 == y2 else 0.12)
        arrow = FancyArrowPatch(
            (x1, y1),
            (x2, y2),
            arrowstyle="-|>",
            mutation_scale=9,
            connectionstyle=f"arc3,rad={rad}",
            shrinkA=1,
            shrinkB=1,
            lw=1.3 if adjacent else 0.6,
            color="#222222" if adjacent else "#8a8a8a",
        )
        ax.add_patch(arrow)
        mx, my = (x1 + x2) / 2, (y1 + y2) / 2
        lx, ly = mx + rad * (y2 - y1) / 2, my - rad * (x2 - x1) / 2
        if adjacent and y1 == y2 and src != nodes[0]:
            ly += 0.2  # short arrows between mediators: label above, not on the arrow
        ax.text(
            lx,
            ly,
            f"{row.estimate:.3f}{row.mark}",
            ha="center",
            va="center",
            fontsize=7 if adjacent else 6,
            color="#000000" if adjacent else "#555555",
            bbox={"fc": "white", "ec": "none", "pad": 0.4},
        )


def _edge(p: tuple[float, float], q: tuple[float, float]) -> tuple[float, float]:
    """Point where the segment from box centre ``p`` towards ``q`` leaves the node box."""
    half_w, half_h = 0.32, 0.17
    dx, dy = q[0] - p[0], q[1] - p[1]
    t = min(half_w / abs(dx) if dx else np.inf, half_h / abs(dy) if dy else np.inf)
    return p[0] + t * dx, p[1] + t * dy


def _forest(fig: Any, spec: FigureSpec) -> None:
    _require(spec, ["label", "estimate", "ci_low", "ci_high"])
    d = spec.data.iloc[::-1]
    ax = fig.subplots()
    y = np.arange(len(d))
    est = d["estimate"].to_numpy(float)
    err = np.vstack([est - d["ci_low"].to_numpy(float), d["ci_high"].to_numpy(float) - est])
    ax.errorbar(est, y, xerr=err, fmt="o", color=COLORS["urban"], capsize=2, ms=3.5)
    ax.axvline(0.0, color=COLORS["gap"], lw=0.7, ls="--")
    ax.set_yticks(y, d["label"].astype(str).tolist(), fontsize=7)
    ax.set_xlabel(label("estimate", spec.lang))


def _group_comparison(fig: Any, spec: FigureSpec) -> None:
    _require(spec, ["group", "effect", "estimate", "ci_low", "ci_high"])
    d = spec.data
    effects = list(dict.fromkeys(d["effect"]))
    groups = list(dict.fromkeys(d["group"]))
    ax = fig.subplots()
    palette = [COLORS["urban"], COLORS["rural"], COLORS["other"], COLORS["gap"]]
    for k, group in enumerate(groups):
        part = d[d["group"] == group].set_index("effect").reindex(effects)
        x = np.arange(len(effects)) + (k - (len(groups) - 1) / 2) * 0.18
        _intervals(ax, x, part, palette[k % 4], str(group), "os^D"[k % 4])
    ax.axhline(0.0, color=COLORS["gap"], lw=0.7, ls="--")
    ax.set_xticks(np.arange(len(effects)), [_wrap(e) for e in effects], fontsize=7)
    ax.set_ylabel(label("estimate", spec.lang))
    ax.legend(frameon=False, fontsize=7, title=label("age_group", spec.lang))


_DRAW: dict[str, Callable[[Any, FigureSpec], None]] = {
    "access_gap": _access_gap,
    "census": _census,
    "internet_compare": _internet_compare,
    "cascade": _cascade,
    "path_diagram": _path_diagram,
    "forest": _forest,
    "group_comparison": _group_comparison,
}
