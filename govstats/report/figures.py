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
- ``forest``: ``label``, ``estimate``, ``ci_low``, ``ci_high``; optional ``panel`` (int): rows
  of different panels get their own axis (effects of very different size stay legible);
  ``options["axis_label"]`` titles the effect axis (also for ``group_comparison``).
- ``group_comparison``: ``group``, ``effect``, ``estimate``, ``ci_low``, ``ci_high``.
- ``choropleth``: ``province_code``, ``panel``, ``value`` (NaN: not published or
  suppressed); one map per panel, in order; ``options["units"]`` maps a panel to its
  colour-bar label. Boundaries from cnmaps.
- ``distribution``: ``value``, ``group``, ``facet``, ``weight`` (seaborn kernel densities
  of construct scores by group with the design weights, one axis per facet);
  ``options["order"]`` fixes the group order (and so the colours).
- ``heatmap``: ``row``, ``column``, ``value`` (seaborn heatmap, annotated).
"""

from __future__ import annotations

import io
import textwrap
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from govstats.errors import ReportError
from govstats.report._fonts import figure_font_family
from govstats.report._labels import label
from govstats.report.results import FigureSpec

__all__ = ["FIGURE_SIZES", "figure_png", "figure_svg", "render", "save_figure"]

FIGURE_SIZES: dict[str, tuple[float, float]] = {
    "access_gap": (7.0, 3.2),
    "census": (7.0, 6.4),
    "internet_compare": (7.0, 3.0),
    "cascade": (7.0, 3.4),
    "path_diagram": (7.0, 3.6),
    "forest": (7.0, 4.2),
    "group_comparison": (7.0, 3.6),
    "choropleth": (7.0, 3.0),
    "distribution": (7.0, 3.2),
    "heatmap": (6.0, 4.0),
    "love_plot": (6.0, 2.6),
    "sensitivity": (7.0, 3.2),
}
DPI = 200
COLORS = {"urban": "#1f5a96", "rural": "#c0504d", "gap": "#7f7f7f", "other": "#4d8f4d"}


def _rc(family: list[str]) -> Any:
    return {
        "font.family": family,
        "axes.unicode_minus": True,
        "svg.hashsalt": "govstats",
        "svg.fonttype": "path",
        "axes.spines.top": False,
        "axes.spines.right": False,
        "font.size": 8.5,
    }


def render(spec: FigureSpec, *, title: bool = False) -> Any:
    """Draw ``spec`` and return the ``matplotlib.figure.Figure``.

    ``title=True`` draws ``spec.title`` above the plot (for stand-alone files); in the
    PDF the caption below the figure carries it, as journals ask.

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

    family = figure_font_family()
    with matplotlib.rc_context(_rc(family)):
        fig = Figure(figsize=FIGURE_SIZES[spec.kind], layout="constrained")
        _DRAW[spec.kind](fig, spec)
        if title:
            fig.suptitle(spec.title, fontsize=10)
    return fig


def _savefig(
    fig: Any, target: Any, fmt: str, family: list[str], *, text_as_paths: bool = True
) -> None:
    import matplotlib

    metadata: dict[str, Any] = {
        "png": {"Software": None},
        "svg": {"Date": None},
        "pdf": {"CreationDate": None, "ModDate": None},
    }[fmt]
    rc = _rc(family)
    if not text_as_paths:
        rc["svg.fonttype"] = "none"
    with matplotlib.rc_context(rc):
        fig.savefig(target, format=fmt, dpi=DPI, metadata=metadata)


def figure_png(spec: FigureSpec) -> bytes:
    """PNG bytes of the figure without its title (``DPI`` dots per inch), for the PDF."""
    family = figure_font_family()
    buffer = io.BytesIO()
    _savefig(render(spec), buffer, "png", family)
    return buffer.getvalue()


def figure_svg(spec: FigureSpec) -> bytes:
    """SVG bytes of the figure without its title, for the PDF.

    Its text stays text, in the figure font, which the PDF embeds: a quarter faster to
    write than outlines, and a reader can select and search it. (The stand-alone files
    of :func:`save_figure` draw text as outlines, so they show right without the font.)

    Examples
    --------
    >>> import pandas as pd
    >>> data = pd.DataFrame({"label": ["a"], "estimate": [0.1], "ci_low": [0.0], "ci_high": [0.2]})
    >>> figure_svg(FigureSpec("f", "forest", data, "Effects", "en"))[:5]
    b'<?xml'
    """
    family = figure_font_family()
    buffer = io.BytesIO()
    _savefig(render(spec), buffer, "svg", family, text_as_paths=False)
    return buffer.getvalue()


def save_figure(spec: FigureSpec, folder: str | Path) -> list[Path]:
    """Write ``<name>.png`` and ``<name>.svg`` of the figure (with its title) into ``folder``."""
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    family = figure_font_family()
    fig = render(spec, title=True)
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
    from matplotlib.lines import Line2D
    from matplotlib.ticker import MaxNLocator

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
    handles, _ = left.get_legend_handles_labels()
    curves = spec.options.get("curves")
    if curves is not None:
        for series, color in (("urban", COLORS["urban"]), ("rural", COLORS["rural"])):
            part = curves[curves["series"] == series]
            left.plot(part["t"], part["fitted"], color=color, lw=0.8, ls="--", alpha=0.8)
        handles.append(
            Line2D([], [], color="#555555", lw=0.8, ls="--", label=label("fitted_curve", spec.lang))
        )
    starts = np.r_[False, np.diff(segment) != 0]
    breaks = spec.options.get("breaks", d.loc[starts, "year"].tolist())
    for year in breaks:
        left.axvline(year, color=COLORS["gap"], lw=0.6, ls=":")
    if len(breaks):
        handles.append(
            Line2D(
                [], [], color=COLORS["gap"], lw=0.6, ls=":", label=label("series_break", spec.lang)
            )
        )
    left.set_ylabel(label("penetration_pct", spec.lang))
    left.set_xlabel(label("year", spec.lang))
    left.set_ylim(0, 100)
    # the series rise from lower left to upper right: the upper left corner stays empty
    left.legend(handles=handles, frameon=False, loc="upper left", fontsize=7.5)
    both = d.dropna(subset=["gap_points"])
    right.bar(both["year"], both["gap_points"], width=0.35, color=COLORS["gap"])
    right.set_ylabel(label("gap_points", spec.lang))
    right.set_xlabel(label("year", spec.lang))
    for ax in (left, right):
        ax.xaxis.set_major_locator(MaxNLocator(nbins=5, integer=True))


def _census(fig: Any, spec: FigureSpec) -> None:
    _require(spec, ["province", "population_10k", "urban_share_pct"])
    from matplotlib.ticker import StrMethodFormatter

    d = spec.data.sort_values("population_10k")
    ax = fig.subplots()
    y = np.arange(len(d))
    ax.barh(y, d["population_10k"], color=COLORS["urban"], height=0.7)
    ax.set_yticks(y, d["province"].astype(str).tolist(), fontsize=7.5)
    ax.set_ylim(-0.7, len(d) - 0.3)
    ax.set_xlabel(label("population_10k", spec.lang))
    ax.xaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
    for yi, pop, share in zip(y, d["population_10k"], d["urban_share_pct"], strict=True):
        if np.isfinite(share):
            ax.text(pop, yi, f" {share:.1f}%", va="center", fontsize=7, color=COLORS["rural"])
    ax.margins(x=0.12)


def _intervals(ax: Any, x: np.ndarray, d: Any, color: str, name: str, marker: str) -> None:
    # the interval is drawn from its limits, not as errors around the estimate: a
    # percentile interval need not contain the estimate (few replicates, skewed draws)
    est = d["estimate"].to_numpy(float)
    ax.vlines(x, d["ci_low"].to_numpy(float), d["ci_high"].to_numpy(float), color=color, lw=1.2)
    ax.plot(x, est, marker, color=color, ms=4, label=name, linestyle="none")


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


def _legend_above(ax: Any, title: str | None = None) -> None:
    """Legend in one row above the axes, where it cannot cover a point."""
    handles, labels = ax.get_legend_handles_labels()
    ax.legend(
        handles,
        labels,
        frameon=False,
        fontsize=7.5,
        ncol=len(labels),
        loc="lower left",
        bbox_to_anchor=(0.0, 1.0),
        title=title,
        alignment="left",
    )


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
    ax.set_ylabel(spec.options.get("ylabel", label("mean_score", spec.lang)))
    ax.axhline(0.0, color=COLORS["gap"], lw=0.5, ls=":")
    _legend_above(ax)
    if gap_ax is not None:
        part = gaps.set_index("link").reindex(links)
        _intervals(gap_ax, np.arange(len(links)), part, COLORS["gap"], str(gap_group), "D")
        gap_ax.axhline(0.0, color=COLORS["gap"], lw=0.7, ls="--")
        gap_ax.set_xticks(np.arange(len(links)), [_wrap(link, 9) for link in links], fontsize=7)
        gap_ax.set_ylabel(spec.options.get("gap_label", str(gap_group)))


NODE_W, NODE_H = 0.58, 0.34
#: From this many mediators on, names and labels shrink to keep the row on the page.
DENSE_K = 4
#: Longest chain whose skip links are drawn; beyond it only the chain itself and X -> Y
#: (k(k+3)/2 + 1 arrows would cross into an unreadable web; the tables list every path).
MAX_SKIP_K = 4


def _path_diagram(fig: Any, spec: FigureSpec) -> None:
    """X at the lower left, Y at the lower right, mediators in a row above.

    Links between neighbours in the chain are bold with their coefficient above the
    arrow; skip links between mediators arc over the boxes from their top edges, and
    links from X or to Y that skip a step are thin grey curves labelled at their middle.
    With more than ``MAX_SKIP_K`` mediators only the chain and the direct path are drawn.
    """
    from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

    _require(spec, ["source", "target", "estimate", "mark"])
    nodes: list[str] = list(spec.options.get("nodes", []))
    names: dict[str, str] = dict(spec.options.get("labels", {}))
    if len(nodes) < 3:
        raise ReportError(f"path diagram {spec.name!r} needs options['nodes'] (x, mediators, y)")
    k = len(nodes) - 2
    dense = k >= DENSE_K
    node_w = NODE_W
    sizes = {"node": 8.5, "between": 7.0, "adjacent": 7.5, "skip": 7.0}
    if dense:
        sizes = {"node": 6.5, "between": 5.5, "adjacent": 6.5, "skip": 6.0}
    top = 1.3
    pos = {nodes[0]: (0.0, 0.0), nodes[-1]: (k + 1.0, 0.0)}
    for j, node in enumerate(nodes[1:-1], start=1):
        pos[node] = (float(j), top)
    ax = fig.subplots()
    ax.set_xlim(-0.45, k + 1.45)
    arcs = _arc_rise(k - 1) if 3 <= k <= MAX_SKIP_K else 0.1
    ax.set_ylim(-0.25, top + NODE_H / 2 + arcs + 0.18)
    ax.axis("off")
    for node, (x, y) in pos.items():
        ax.add_patch(
            FancyBboxPatch(
                (x - node_w / 2, y - NODE_H / 2),
                node_w,
                NODE_H,
                boxstyle="round,pad=0.02",
                fc="#eef2f7",
                ec="#333333",
                lw=0.8,
                zorder=3,
            )
        )
        ax.text(
            x,
            y,
            _wrap(names.get(node, node), 12 if not dense else 10),
            ha="center",
            va="center",
            fontsize=sizes["node"],
            zorder=4,
        )
    order = {node: i for i, node in enumerate(nodes)}
    for row in spec.data.itertuples(index=False):
        src, dst = str(row.source), str(row.target)
        if src not in pos or dst not in pos:
            continue
        step = order[dst] - order[src]
        adjacent = step == 1 or (src == nodes[0] and dst == nodes[-1])
        if not adjacent and k > MAX_SKIP_K:
            continue
        both_mediators = pos[src][1] == pos[dst][1] == top
        text = f"{row.estimate:.3f}{row.mark}".replace("-", "\u2212")
        if both_mediators and not adjacent:
            # arc from top edge to top edge, higher for longer skips
            (x1, y1), (x2, y2) = pos[src], pos[dst]
            start, end = (x1 + 0.08, y1 + NODE_H / 2), (x2 - 0.08, y2 + NODE_H / 2)
            # a quadratic arc peaks halfway between its chord and its control point
            rise = _arc_rise(step)
            rad = -2.0 * rise / (end[0] - start[0])
            lx, ly = (start[0] + end[0]) / 2, start[1] + rise
        else:
            start, end = _edge(pos[src], pos[dst], node_w), _edge(pos[dst], pos[src], node_w)
            rad = 0.0 if adjacent else 0.12
            mx, my = (start[0] + end[0]) / 2, (start[1] + end[1]) / 2
            lx = mx + rad * (end[1] - start[1]) / 2
            ly = my - rad * (end[0] - start[0]) / 2
            if adjacent and both_mediators:
                # between neighbouring boxes the label sits above the arrow; in a long
                # chain (no arcs over the row) above the boxes, where it has room
                ly += 0.12 if k <= MAX_SKIP_K else NODE_H / 2 + 0.1
        ax.add_patch(
            FancyArrowPatch(
                start,
                end,
                arrowstyle="-|>",
                mutation_scale=9,
                connectionstyle=f"arc3,rad={rad}",
                shrinkA=1,
                shrinkB=1,
                lw=1.3 if adjacent else 0.7,
                color="#222222" if adjacent else "#8a8a8a",
                zorder=2,
            )
        )
        ax.text(
            lx,
            ly,
            text,
            ha="center",
            va="center",
            fontsize=sizes[
                "between" if adjacent and both_mediators else "adjacent" if adjacent else "skip"
            ],
            color="#000000" if adjacent else "#555555",
            bbox={"fc": "white", "ec": "none", "pad": 0.5},
            zorder=5,
        )


def _arc_rise(step: int) -> float:
    """Height of the arc over the boxes for a link that skips ``step - 1`` mediators."""
    return 0.25 + 0.2 * (step - 2)


def _edge(
    p: tuple[float, float], q: tuple[float, float], node_w: float = NODE_W
) -> tuple[float, float]:
    """Point where the segment from box centre ``p`` towards ``q`` leaves the node box."""
    half_w, half_h = node_w / 2 + 0.02, NODE_H / 2 + 0.02
    dx, dy = q[0] - p[0], q[1] - p[1]
    t = min(half_w / abs(dx) if dx else np.inf, half_h / abs(dy) if dy else np.inf)
    return p[0] + t * dx, p[1] + t * dy


def _forest(fig: Any, spec: FigureSpec) -> None:
    _require(spec, ["label", "estimate", "ci_low", "ci_high"])
    data = spec.data
    panels = data["panel"].to_numpy() if "panel" in data else np.zeros(len(data), dtype=int)
    keys = list(dict.fromkeys(panels.tolist()))
    sizes = [int((panels == key).sum()) for key in keys]
    axes = fig.subplots(len(keys), 1, height_ratios=sizes, squeeze=False)[:, 0]
    for ax, key in zip(axes, keys, strict=True):
        d = data[panels == key].iloc[::-1]
        y = np.arange(len(d))
        est = d["estimate"].to_numpy(float)
        # drawn from the limits (as _intervals): a percentile interval need not hold the estimate
        low, high = d["ci_low"].to_numpy(float), d["ci_high"].to_numpy(float)
        ax.hlines(y, low, high, color=COLORS["urban"], lw=1.0)
        for end in (low, high):
            ax.plot(end, y, "|", color=COLORS["urban"], ms=4, linestyle="none")
        ax.plot(est, y, "o", color=COLORS["urban"], ms=3.5, linestyle="none")
        ax.axvline(0.0, color=COLORS["gap"], lw=0.7, ls="--")
        ax.set_yticks(y, [_wrap(v, 40) for v in d["label"].astype(str)], fontsize=7.5)
        ax.set_ylim(-0.6, len(d) - 0.4)
        ax.set_xlabel(spec.options.get("axis_label", label("estimate", spec.lang)))


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
    ax.set_xticks(np.arange(len(effects)), [_wrap(e) for e in effects], fontsize=8)
    ax.set_ylabel(spec.options.get("axis_label", label("estimate", spec.lang)))
    _legend_above(ax, title=spec.options.get("legend_title", label("age_group", spec.lang)))


def _choropleth(fig: Any, spec: FigureSpec) -> None:
    from govstats.report._boundaries import province_boundaries

    _require(spec, ["province_code", "panel", "value"])
    shapes = province_boundaries()
    panels = list(dict.fromkeys(spec.data["panel"]))
    axes = fig.subplots(1, len(panels), squeeze=False)[0]
    units = dict(spec.options.get("units", {}))
    for ax, panel in zip(axes, panels, strict=True):
        values = spec.data[spec.data["panel"] == panel].set_index("province_code")["value"]
        frame = shapes.assign(value=shapes["province_code"].map(values).astype(float))
        frame.plot(
            ax=ax,
            column="value",
            cmap="YlGnBu",
            linewidth=0.2,
            edgecolor="#555555",
            legend=bool(frame["value"].notna().any()),
            legend_kwds={
                "orientation": "horizontal",
                "shrink": 0.8,
                "pad": 0.02,
                "label": units.get(panel, ""),
            },
            missing_kwds={
                "color": "#eeeeee",
                "hatch": "///",
                "edgecolor": "#999999",
                "linewidth": 0.2,
            },
        )
        ax.set_title(_wrap(str(panel), 22), fontsize=8.5)
        ax.set_xlim(73, 136)
        ax.set_ylim(16, 54)
        ax.set_axis_off()


def _distribution(fig: Any, spec: FigureSpec) -> None:
    import seaborn as sns

    _require(spec, ["value", "group", "facet", "weight"])
    facets = list(dict.fromkeys(spec.data["facet"]))
    axes = fig.subplots(1, len(facets), squeeze=False, sharey=True)[0]
    groups = list(spec.options.get("order", dict.fromkeys(spec.data["group"])))
    palette = [COLORS["urban"], COLORS["rural"], COLORS["other"], COLORS["gap"]]
    for ax, facet in zip(axes, facets, strict=True):
        part = spec.data[spec.data["facet"] == facet]
        sns.kdeplot(
            data=part,
            x="value",
            hue="group",
            weights="weight",
            hue_order=groups,
            palette=palette[: len(groups)],
            common_norm=False,
            fill=True,
            alpha=0.25,
            linewidth=0.8,
            legend=ax is axes[-1],
            ax=ax,
        )
        if ax.get_legend() is not None:
            ax.get_legend().set_title(None)
        ax.set_title(_wrap(str(facet), 16), fontsize=8.5)
        ax.set_xlabel(spec.options.get("axis_label", ""))
        ax.set_ylabel(label("density", spec.lang) if ax is axes[0] else "")


def _heatmap(fig: Any, spec: FigureSpec) -> None:
    import seaborn as sns

    _require(spec, ["row", "column", "value"])
    rows = list(dict.fromkeys(spec.data["row"]))
    columns = list(dict.fromkeys(spec.data["column"]))
    grid = spec.data.pivot(index="row", columns="column", values="value").loc[rows, columns]
    ax = fig.subplots()
    with warnings.catch_warnings():
        # seaborn 0.13 calls Colormap.set_bad, which matplotlib 3.10 marks for removal
        warnings.filterwarnings("ignore", "The set_bad function", PendingDeprecationWarning)
        _draw_heatmap(sns, grid, ax, spec)
    ax.set_xlabel("")
    ax.set_ylabel("")


def _draw_heatmap(sns: Any, grid: Any, ax: Any, spec: FigureSpec) -> None:
    sns.heatmap(
        grid,
        ax=ax,
        annot=True,
        fmt=".2f",
        cmap="RdBu_r",
        center=0.0,
        vmin=spec.options.get("vmin"),
        vmax=spec.options.get("vmax"),
        linewidths=0.5,
        cbar_kws={"shrink": 0.8},
        annot_kws={"fontsize": 7.5},
    )


def _love_plot(fig: Any, spec: FigureSpec) -> None:
    from govstats.report.robustness import draw_love_plot

    _require(spec, ["variable", "stage", "smd"])
    draw_love_plot(fig.subplots(), spec.data, spec.lang)


def _sensitivity(fig: Any, spec: FigureSpec) -> None:
    from govstats.report.robustness import draw_sensitivity

    _require(spec, ["term", "rho", "estimate", "ci_low", "ci_high"])
    link = spec.options.get("link", ("", ""))
    draw_sensitivity(fig.subplots(), spec.data, link, spec.options.get("terms"), spec.lang)


_DRAW: dict[str, Callable[[Any, FigureSpec], None]] = {
    "access_gap": _access_gap,
    "census": _census,
    "internet_compare": _internet_compare,
    "cascade": _cascade,
    "path_diagram": _path_diagram,
    "forest": _forest,
    "group_comparison": _group_comparison,
    "choropleth": _choropleth,
    "distribution": _distribution,
    "heatmap": _heatmap,
    "love_plot": _love_plot,
    "sensitivity": _sensitivity,
}
