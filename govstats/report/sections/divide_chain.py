"""Section 04 laid out: chain paths, effects, cascade, groups, and their figures."""

from __future__ import annotations

import pandas as pd

from govstats.chain.results import ChainResult
from govstats.errors import ReportError
from govstats.report._labels import label
from govstats.report.compute.divide_chain import (
    MEDIATORS,
    OUTCOME,
    ChainFrames,
    X,
    compute_divide_chain,
)
from govstats.report.inputs import SurveyInput
from govstats.report.prose import divide_chain as words
from govstats.report.prose.divide_chain import effect_axis, effect_label, forest_label, interval
from govstats.report.results import AnalysisResult, FigureSpec
from govstats.report.sections._cells import VALUE_COLUMNS, by_group
from govstats.report.tables import (
    SUPPRESSED_MARK,
    Table,
    fmt_number,
    significance_mark,
    suppress_dependent_cells,
    suppress_small_cells,
)

__all__ = ["divide_chain", "layout_divide_chain"]


def divide_chain(
    survey: SurveyInput,
    *,
    lang: str = "zh",
    replicates: int = 200,
    seed: int = 2024,
    min_cell: int = 10,
    by: str = "age_group",
) -> AnalysisResult:
    """04 - the divide chain fitted with design replicates.

    Paths, every specific indirect effect, the share of the service gap through the
    chain, the cascade and the comparison across groups of ``by``, with Rao-Wu
    bootstrap replicates of the design.

    Parameters
    ----------
    survey : SurveyInput
    lang : {"zh", "en"}
    replicates : int
        Number of Rao-Wu rescaled bootstrap replicates (one set, shared by the overall
        fit and every group of ``by``).
    seed : int
        Seed of the replicate draw.
    min_cell : int
        Disclosure control for group and cascade cells.
    by : str
        Moderator of the group comparison.

    Returns
    -------
    AnalysisResult
        Tables ``chain_paths``, ``chain_effects``, ``chain_cascade``, ``chain_groups``,
        ``chain_group_differences``; figures cascade, path diagram, forest plot and
        group comparison.
    """
    frames = compute_divide_chain(survey, replicates=replicates, seed=seed, by=by)
    return layout_divide_chain(frames, lang, min_cell)


def layout_divide_chain(frames: ChainFrames, lang: str, min_cell: int) -> AnalysisResult:
    """Turn the fitted chain into the tables, figures and text of section 04."""
    res = frames.result
    paths_table, effects_table = _chain_tables(res, lang)
    cascade_table = _cascade_table(frames.cascade, lang, min_cell)
    groups_table = _groups_table(frames, lang, min_cell)
    suppressed = _suppressed_groups(groups_table, frames.by)
    tables = (
        paths_table,
        effects_table,
        cascade_table,
        groups_table,
        _differences_table(frames.by_result, lang, suppressed),
    )
    figures = _chain_figures(res, frames.by_result, cascade_table.data, lang, suppressed)
    return AnalysisResult(
        "04",
        "divide_chain",
        label("sec_chain", lang),
        tables=tables,
        figures=tuple(figures),
        paragraphs=tuple(words.findings(res.effects, frames.raw_gap, frames.truth, lang)),
        methods=tuple(words.methods(res, frames.replicates, frames.seed, frames.by, lang)),
    )


def _marked(frame: pd.DataFrame, df: float) -> pd.DataFrame:
    frame["mark"] = [
        significance_mark(e, s, df) for e, s in zip(frame["estimate"], frame["se"], strict=True)
    ]
    return frame


def _estimates(frame: pd.DataFrame) -> dict[str, list[str]]:
    return {
        "estimate": [
            fmt_number(e, 3) + m for e, m in zip(frame["estimate"], frame["mark"], strict=True)
        ],
        "se": [f"({fmt_number(s, 3)})" for s in frame["se"]],
        "ci": [interval(lo, hi) for lo, hi in zip(frame["ci_low"], frame["ci_high"], strict=True)],
    }


def _chain_tables(res: ChainResult, lang: str) -> tuple[Table, Table]:
    focal = [X, *MEDIATORS]
    paths = _marked(res.paths.copy(), res.df)
    shown = paths[paths["term"].isin(focal)]
    cells = _estimates(shown)
    path_display = pd.DataFrame(
        {
            label("equation", lang): [label(e, lang) for e in shown["equation"]],
            label("term", lang): [label(t, lang) for t in shown["term"]],
            label("estimate", lang): cells["estimate"],
            label("se", lang): cells["se"],
            label("ci", lang): cells["ci"],
        }
    )
    paths_table = Table(
        "chain_paths",
        words.title("chain_paths", lang),
        paths,
        path_display,
        words.paths_note(lang),
    )
    effects = _marked(res.effects.reset_index(), res.df)
    cells = _estimates(effects)
    effect_display = pd.DataFrame(
        {
            label("effect", lang): [effect_label(e, lang) for e in effects["effect"]],
            label("estimate", lang): cells["estimate"],
            label("se", lang): cells["se"],
            label("ci", lang): cells["ci"],
        }
    )
    effects_table = Table(
        "chain_effects",
        words.title("chain_effects", lang),
        effects,
        effect_display,
        words.effects_note(lang),
    )
    return paths_table, effects_table


def _groups_table(frames: ChainFrames, lang: str, min_cell: int) -> Table:
    by = frames.by
    keep = ["indirect_total", "direct", "total", "proportion_mediated"]
    effects = suppress_small_cells(frames.groups, "n", VALUE_COLUMNS, min_cell)
    display_rows: dict[str, list[str]] = {label("age_group", lang): []}
    for name in keep:
        display_rows[effect_label(name, lang)] = []
    for group, part in effects.groupby(by, sort=False):
        display_rows[label("age_group", lang)].append(str(group))
        cells = by_group(part, "effect")
        for name in keep:
            row = cells[name]
            if bool(row["suppressed"]):
                display_rows[effect_label(name, lang)].append(SUPPRESSED_MARK)
            else:
                mark = significance_mark(row["estimate"], row["se"], frames.by_result.df)
                display_rows[effect_label(name, lang)].append(
                    f"{fmt_number(row['estimate'], 3)}{mark} ({fmt_number(row['se'], 3)})"
                )
    return Table(
        "chain_groups",
        words.title("chain_groups", lang),
        effects,
        pd.DataFrame(display_rows),
        words.groups_note(lang, min_cell),
    )


def _suppressed_groups(groups_table: Table, by: str) -> set[str]:
    """Return the groups whose chain effects the groups table suppressed."""
    data = groups_table.data
    return {str(g) for g in data.loc[data["suppressed"].astype(bool), by]}


def _differences_table(res_by: ChainResult, lang: str, suppressed: set[str]) -> Table:
    if res_by.differences is None:
        raise ReportError("the chain was not fitted by group; no differences to lay out")
    diff = res_by.differences.reset_index()
    # every difference is a group minus the first group: it reveals both (complementary
    # suppression blanks it when either is suppressed)
    groups = [str(g) for g in res_by.groups]
    pairs = {f"{g} - {groups[0]}": (g, groups[0]) for g in groups[1:]}
    sources = [pairs[str(c)] for c in diff["comparison"]]
    diff = _marked(suppress_dependent_cells(diff, sources, suppressed, VALUE_COLUMNS), res_by.df)
    keep = diff[diff["effect"].isin(["indirect_total", "direct", "total"])]
    cells = _estimates(keep)
    hidden = keep["suppressed"].astype(bool).tolist()
    for column in ("estimate", "se", "ci"):
        cells[column] = [
            SUPPRESSED_MARK if h else v for v, h in zip(cells[column], hidden, strict=True)
        ]
    display = pd.DataFrame(
        {
            label("group", lang): keep["comparison"].astype(str).tolist(),
            label("effect", lang): [effect_label(e, lang) for e in keep["effect"]],
            label("estimate", lang): cells["estimate"],
            label("se", lang): cells["se"],
            label("ci", lang): cells["ci"],
        }
    )
    return Table(
        "chain_group_differences",
        words.title("chain_group_differences", lang),
        diff,
        display,
        words.differences_note(lang),
    )


def _cascade_table(cascade: pd.DataFrame, lang: str, min_cell: int) -> Table:
    cascade = suppress_small_cells(cascade, "n", VALUE_COLUMNS, min_cell)
    rows: dict[str, list[str]] = {label("variable", lang): []}
    for group in ("urban", "rural", "gap"):
        rows[label(group, lang)] = []
    for link, part in cascade.groupby("link", sort=False):
        rows[label("variable", lang)].append(label(str(link), lang))
        cells = by_group(part, "group")
        for group in ("urban", "rural", "gap"):
            row = cells[group]
            if bool(row["suppressed"]):
                rows[label(group, lang)].append(SUPPRESSED_MARK)
                continue
            mark = (
                significance_mark(row["estimate"], row["se"], row["df"]) if group == "gap" else ""
            )
            rows[label(group, lang)].append(
                f"{fmt_number(row['estimate'], 3)}{mark} ({fmt_number(row['se'], 3)})"
            )
    return Table(
        "chain_cascade",
        words.title("chain_cascade", lang),
        cascade,
        pd.DataFrame(rows),
        words.cascade_note(lang, min_cell),
    )


def _chain_figures(
    res: ChainResult,
    res_by: ChainResult,
    cascade: pd.DataFrame,
    lang: str,
    suppressed: set[str],
) -> list[FigureSpec]:
    shown = cascade[~cascade["suppressed"]]
    figures = [
        FigureSpec(
            "chain_cascade",
            "cascade",
            pd.DataFrame(
                {
                    "link": [label(str(v), lang) for v in shown["link"]],
                    "group": [label(str(v), lang) for v in shown["group"]],
                    "estimate": shown["estimate"].to_numpy(),
                    "ci_low": shown["ci_low"].to_numpy(),
                    "ci_high": shown["ci_high"].to_numpy(),
                }
            ),
            words.title("fig_cascade", lang),
            lang,
            {"gap_group": label("gap", lang), "gap_label": label("gap_score", lang)},
            note=words.cascade_figure_note(lang),
        )
    ]
    nodes = [X, *MEDIATORS, OUTCOME]
    paths = res.paths[res.paths["term"].isin(nodes[:-1])]
    figures.append(
        FigureSpec(
            "chain_paths",
            "path_diagram",
            pd.DataFrame(
                {
                    "source": paths["term"].to_numpy(),
                    "target": paths["equation"].to_numpy(),
                    "estimate": paths["estimate"].to_numpy(),
                    "mark": [
                        significance_mark(e, s, res.df)
                        for e, s in zip(paths["estimate"], paths["se"], strict=True)
                    ],
                }
            ),
            words.title("fig_paths", lang),
            lang,
            {"nodes": nodes, "labels": {n: label(n, lang) for n in nodes}},
            note=words.paths_figure_note(lang),
        )
    )
    effects = res.effects.reset_index()
    effects = effects[effects["effect"] != "proportion_mediated"]
    figures.append(
        FigureSpec(
            "chain_effects_forest",
            "forest",
            pd.DataFrame(
                {
                    "label": [forest_label(e, lang) for e in effects["effect"]],
                    "estimate": effects["estimate"].to_numpy(),
                    "ci_low": effects["ci_low"].to_numpy(),
                    "ci_high": effects["ci_high"].to_numpy(),
                    # direct and total effects are an order larger: their own panel
                    "panel": [int(e in ("direct", "total")) for e in effects["effect"]],
                }
            ),
            words.title("fig_forest", lang),
            lang,
            {"axis_label": effect_axis(lang)},
            note=words.forest_figure_note(lang),
        )
    )
    by_effects = res_by.effects.reset_index()
    by_effects = by_effects[by_effects["effect"].isin(["indirect_total", "direct", "total"])]
    by = str(res_by.by)
    # a group suppressed in the tables is not plotted either
    by_effects = by_effects[~by_effects[by].astype(str).isin(suppressed)]
    figures.append(
        FigureSpec(
            "chain_groups",
            "group_comparison",
            pd.DataFrame(
                {
                    "group": by_effects[by].astype(str).to_numpy(),
                    "effect": [effect_label(e, lang) for e in by_effects["effect"]],
                    "estimate": by_effects["estimate"].to_numpy(),
                    "ci_low": by_effects["ci_low"].to_numpy(),
                    "ci_high": by_effects["ci_high"].to_numpy(),
                }
            ),
            words.title("fig_groups", lang),
            lang,
            {"legend_title": label(by, lang), "axis_label": effect_axis(lang)},
            note=words.groups_figure_note(lang),
        )
    )
    return figures
