"""Robustness section: IV beside least squares, propensity weighting, chain sensitivity.

The propensity weighting comes with its balance table and love plot; the chain's
sensitivity to correlated errors with its thresholds and curve.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from govstats.report._labels import label
from govstats.report.compute.divide_chain import COVARIATES, MEDIATORS, OUTCOME, X
from govstats.report.inputs import SurveyInput
from govstats.report.prose import robustness as words
from govstats.report.results import AnalysisResult, FigureSpec
from govstats.report.sections._cells import VALUE_COLUMNS, cell, interval
from govstats.report.tables import Table, suppress_small_cells

__all__ = ["robustness_section"]

_IV_COLUMNS = ("egov_use", "internet_hours", "z_broadband", "rural", "edu_years")
_PS_COLUMNS = ("egov_use", "broadband_home", "digital_skill", "rural", "edu_years")


def _missing(data: pd.DataFrame, columns: tuple[str, ...]) -> list[str]:
    return [c for c in columns if c not in data.columns]


def _n_complete(data: pd.DataFrame, columns: tuple[str, ...]) -> int:
    return int(data[list(columns)].notna().all(axis=1).sum())


def _effects_table(
    name: str, title: str, frame: pd.DataFrame, lang: str, note: str, extra: str | None = None
) -> Table:
    zh = lang == "zh"
    display = {
        label("variable", lang): [words.METHOD[m][0 if zh else 1] for m in frame["method"]],
        label("estimate", lang): [
            cell(v, 3, s) for v, s in zip(frame["estimate"], frame["suppressed"], strict=True)
        ],
        label("se", lang): [
            cell(v, 3, s, paren=True) for v, s in zip(frame["se"], frame["suppressed"], strict=True)
        ],
        label("ci", lang): [
            "" if s else interval(lo, hi)
            for lo, hi, s in zip(
                frame["ci_low"], frame["ci_high"], frame["suppressed"], strict=True
            )
        ],
    }
    if extra is not None:
        heading = "第一阶段 F" if zh else "First-stage F"
        display[heading] = [
            "" if not math.isfinite(v) else cell(v, 1, s)
            for v, s in zip(frame[extra], frame["suppressed"], strict=True)
        ]
    return Table(name, title, frame, pd.DataFrame(display), note)


def _iv_part(
    survey: SurveyInput, numbers: Any, lang: str, min_cell: int, truth: Any
) -> tuple[Table, str]:
    n = _n_complete(survey.data, _IV_COLUMNS)
    frame = numbers.iv.assign(n=n)
    frame = suppress_small_cells(frame, "n", [*VALUE_COLUMNS, "first_stage_f"], min_cell)
    zh = lang == "zh"
    title = "工具变量估计与最小二乘" if zh else "Instrumental variables beside least squares"
    note = (
        "被解释变量 egov_use；内生变量 internet_hours，工具变量 z_broadband；"
        "控制 rural、edu_years。"
        if zh
        else "Outcome egov_use; internet_hours instrumented by z_broadband; "
        "controls rural, edu_years."
    )
    table = _effects_table("robustness_iv", title, frame, lang, note, "first_stage_f")
    get: Any = frame.set_index("method")
    text = (
        words.iv_finding(
            float(get.loc["least squares", "estimate"]),
            float(get.loc["IV-2SLS", "estimate"]),
            float(get.loc["IV-2SLS", "first_stage_f"]),
            "internet_hours",
            None if truth is None else truth.hours_effect,
            lang,
        )
        if not frame["suppressed"].any()
        else ""
    )
    return table, text


def _weighting_part(
    survey: SurveyInput, numbers: Any, lang: str, min_cell: int, truth: Any
) -> tuple[tuple[Table, Table], tuple[FigureSpec, ...], str]:
    data = survey.data
    complete = data[list(_PS_COLUMNS)].dropna()
    treated = int((complete["broadband_home"] == 1).sum())
    n = min(treated, len(complete) - treated)  # every effect compares the two groups
    frame = suppress_small_cells(numbers.weighting.assign(n=n), "n", VALUE_COLUMNS, min_cell)
    zh = lang == "zh"
    title = "倾向得分加权与双重稳健估计" if zh else "Propensity weighting and doubly robust"
    note = (
        "处理变量 broadband_home；协变量 digital_skill、rural、edu_years。"
        if zh
        else "Treatment broadband_home; covariates digital_skill, rural, edu_years."
    )
    table = _effects_table("robustness_weighting", title, frame, lang, note)
    bal = suppress_small_cells(
        numbers.balance.assign(n=n), "n", ["mean_treated", "mean_control", "smd"], min_cell
    )
    balance_display = pd.DataFrame(
        {
            label("variable", lang): bal["variable"].tolist(),
            ("阶段" if zh else "Stage"): [
                ("加权前" if s == "before" else "加权后")
                if zh
                else ("before" if s == "before" else "after")
                for s in bal["stage"]
            ],
            ("处理组均值" if zh else "Mean, treated"): [
                cell(v, 3, s) for v, s in zip(bal["mean_treated"], bal["suppressed"], strict=True)
            ],
            ("对照组均值" if zh else "Mean, control"): [
                cell(v, 3, s) for v, s in zip(bal["mean_control"], bal["suppressed"], strict=True)
            ],
            ("标准化均值差" if zh else "SMD"): [
                cell(v, 3, s) for v, s in zip(bal["smd"], bal["suppressed"], strict=True)
            ],
        }
    )
    balance_table = Table(
        "robustness_balance",
        "协变量平衡" if zh else "Covariate balance",
        bal,
        balance_display,
        "标准化均值差绝对值小于 0.1 视为平衡。" if zh else "|SMD| below 0.1 counts as balanced.",
    )
    figures: tuple[FigureSpec, ...] = ()
    text = ""
    if not bal["suppressed"].any():
        figures = (
            FigureSpec(
                "robustness_love_plot",
                "love_plot",
                bal[["variable", "stage", "smd"]],
                "协变量平衡图" if zh else "Love plot of covariate balance",
                lang,
                note="虚线：|SMD| = 0.1。" if zh else "Dashed line: |SMD| = 0.1.",
            ),
        )
    if not frame["suppressed"].any():
        get = frame.set_index("method")["estimate"]
        text = words.weighting_finding(
            float(get["least squares"]),
            float(get["IPW"]),
            float(get["AIPW"]),
            "broadband_home",
            None if truth is None else truth.ate,
            lang,
        )
    return (table, balance_table), figures, text


def _sensitivity_part(
    survey: SurveyInput, lang: str, min_cell: int
) -> tuple[Table, tuple[FigureSpec, ...], str]:
    from govstats.chain import DivideChain

    design = survey.design()
    covariates = [c for c in COVARIATES if c in survey.data.columns]
    result = DivideChain(
        design,
        x=X,
        mediators=list(MEDIATORS),
        outcome=OUTCOME,
        covariates=covariates,
        missing="listwise",
    ).fit(inference="linearization", progress=False)
    link = (MEDIATORS[0], MEDIATORS[1])
    sens = result.sensitivity(link=link, rho=np.round(np.linspace(-0.5, 0.5, 21), 2))
    columns = [X, *MEDIATORS, OUTCOME, *covariates]
    n = _n_complete(survey.data, tuple(columns))
    curves = suppress_small_cells(sens.curves.assign(n=n), "n", VALUE_COLUMNS, min_cell)
    thresholds = sens.thresholds.assign(n=n)
    thresholds = suppress_small_cells(
        thresholds, "n", ["estimate", "rho_estimate_zero", "rho_interval_zero"], min_cell
    )
    zh = lang == "zh"
    display = pd.DataFrame(
        {
            label("variable", lang): thresholds["term"].tolist(),
            label("estimate", lang): [
                cell(v, 3, s)
                for v, s in zip(thresholds["estimate"], thresholds["suppressed"], strict=True)
            ],
            ("估计值为 0 时的 rho" if zh else "rho where the estimate is 0"): [
                cell(v, 2, s)
                for v, s in zip(
                    thresholds["rho_estimate_zero"], thresholds["suppressed"], strict=True
                )
            ],
            ("区间覆盖 0 时的 rho" if zh else "rho where the interval covers 0"): [
                cell(v, 2, s)
                for v, s in zip(
                    thresholds["rho_interval_zero"], thresholds["suppressed"], strict=True
                )
            ],
        }
    )
    title = "链条敏感性阈值" if zh else "Sensitivity thresholds of the chain"
    note = (
        f"{link[0]} 与 {link[1]} 方程误差相关；rho 网格 -0.5 至 0.5；“—”表示范围内不出现。"
        if zh
        else f"Correlated errors of the {link[0]} and {link[1]} equations; rho from -0.5 to "
        "0.5; '—': not within the range."
    )
    table = Table("robustness_sensitivity", title, thresholds, display, note)
    figures: tuple[FigureSpec, ...] = ()
    text = ""
    if not curves["suppressed"].any():
        from govstats.report.robustness import moving_terms

        terms = moving_terms(curves)
        figures = (
            FigureSpec(
                "robustness_sensitivity",
                "sensitivity",
                curves[curves["term"].isin(terms)],
                "链条效应对误差相关的敏感性" if zh else "Sensitivity of the chain's effects",
                lang,
                options={"link": link, "terms": terms},
                note="阴影：置信区间。" if zh else "Shaded: confidence intervals.",
            ),
        )
        # the effect whose interval reaches zero at the smallest |rho| (if any does)
        moving = thresholds[thresholds["term"].isin(terms)]
        reach = moving["rho_interval_zero"].abs()
        if reach.notna().any():
            row: Any = moving.iloc[int(np.nanargmin(reach.to_numpy(dtype=float)))]
            text = words.sensitivity_finding(
                link, float(row["rho_interval_zero"]), str(row["term"]), lang
            )
        elif len(moving):
            text = words.sensitivity_finding(link, float("nan"), "/".join(terms), lang)
    return table, figures, text


def robustness_section(
    survey: SurveyInput, *, lang: str = "zh", min_cell: int = 10
) -> AnalysisResult:
    """Run the robustness checks on the survey and lay them out.

    Parts whose columns the survey lacks are left out with a note; on the simulated
    survey the known truths (``CausalTruth``) are stated beside the estimates.

    Parameters
    ----------
    survey : SurveyInput
    lang : {"zh", "en"}
    min_cell : int
        Disclosure threshold: a number resting on fewer respondents (for the weighting,
        the smaller of the treated and control groups) is suppressed.

    Returns
    -------
    AnalysisResult
        Tables ``robustness_iv``, ``robustness_weighting``, ``robustness_balance``,
        ``robustness_sensitivity``; figures ``robustness_love_plot`` and
        ``robustness_sensitivity``.

    Examples
    --------
    >>> from govstats.report.inputs import load_survey
    >>> survey = load_survey(seed=3, n_persons=2000)
    >>> result = robustness_section(survey, lang="en")
    >>> [t.name for t in result.tables]
    ['robustness_iv', 'robustness_weighting', 'robustness_balance', 'robustness_sensitivity']
    """
    from govstats.report.robustness import robustness_numbers

    truth = None
    if survey.simulated:
        from govstats.datasets.simulate import CausalTruth

        truth = CausalTruth()
    data = survey.data
    tables: list[Table] = []
    figures: list[FigureSpec] = []
    paragraphs: list[str] = []
    lacking_iv = _missing(data, _IV_COLUMNS)
    lacking_ps = _missing(data, _PS_COLUMNS)
    numbers = None
    if not lacking_iv and not lacking_ps:
        numbers = robustness_numbers(survey.design())
    if numbers is None:
        paragraphs.append(words.skipped(list(dict.fromkeys(lacking_iv + lacking_ps)), lang))
    else:
        table, text = _iv_part(survey, numbers, lang, min_cell, truth)
        tables.append(table)
        paragraphs.append(text)
        weighting, figs, text = _weighting_part(survey, numbers, lang, min_cell, truth)
        tables += list(weighting)
        figures += list(figs)
        paragraphs.append(text)
    lacking_chain = _missing(data, (X, *MEDIATORS, OUTCOME))
    if lacking_chain:
        paragraphs.append(words.skipped(lacking_chain, lang))
    else:
        table, figs, text = _sensitivity_part(survey, lang, min_cell)
        tables.append(table)
        figures += list(figs)
        paragraphs.append(text)
    return AnalysisResult(
        "",
        "robustness",
        label("sec_robustness", lang),
        tables=tuple(tables),
        figures=tuple(figures),
        paragraphs=tuple(p for p in paragraphs if p),
        methods=(words.method_text(lang),),
    )
