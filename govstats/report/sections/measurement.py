"""Measurement section: reliability, CFA loadings and fit, invariance, latent vs observed chain."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from govstats.report._labels import label
from govstats.report.compute.divide_chain import MEDIATORS, OUTCOME, X
from govstats.report.inputs import SurveyInput
from govstats.report.prose import measurement as words
from govstats.report.results import AnalysisResult
from govstats.report.sections._cells import cell
from govstats.report.tables import Table, suppress_small_cells

__all__ = ["measurement_section"]


def _left_out(reason: str, lang: str) -> AnalysisResult:
    return AnalysisResult(
        "", "measurement", label("sec_measurement", lang), paragraphs=(words.skipped(reason, lang),)
    )


def _items(
    survey: SurveyInput, measurement: Mapping[str, Sequence[str]] | None, seed: int
) -> tuple[pd.DataFrame, dict[str, list[str]]] | str:
    """Return the data with items and the item lists, or why there are none."""
    constructs = [*MEDIATORS, OUTCOME]
    if measurement is not None:
        items = {str(c): [str(i) for i in v] for c, v in measurement.items()}
        missing = [i for v in items.values() for i in v if i not in survey.data.columns]
        if missing:
            return f"the survey lacks the items {missing}"
        return survey.data, items
    if not survey.simulated:
        return "no items given (set measurement = {construct = [items]} in the spec)"
    lacking = [c for c in (*constructs, X) if c not in survey.data.columns]
    if lacking:
        return f"the survey lacks the columns {lacking}"
    from govstats.datasets import simulate_items

    drawn = simulate_items(survey.data, constructs=constructs, seed=seed)
    return drawn.data, {c: list(v) for c, v in drawn.measurement.items()}


def measurement_section(
    survey: SurveyInput,
    *,
    lang: str = "zh",
    min_cell: int = 10,
    seed: int = 2024,
    measurement: Mapping[str, Sequence[str]] | None = None,
) -> AnalysisResult:
    """Lay out the measurement numbers of :func:`govstats.report.measurement.measurement_section`.

    Parameters
    ----------
    survey : SurveyInput
    lang : {"zh", "en"}
    min_cell : int
        Disclosure threshold: numbers resting on fewer respondents are suppressed (for
        the invariance comparison, the smaller of the urban and rural groups).
    seed : int
        Seed of :func:`govstats.datasets.simulate_items` on the simulated survey.
    measurement : mapping of str to sequence of str, optional
        Items of every construct of the chain; default on the simulated survey: items
        drawn by ``simulate_items``. A survey file without it gets a note.

    Returns
    -------
    AnalysisResult
        Tables ``measurement_reliability``, ``measurement_loadings``, ``measurement_fit``,
        ``measurement_invariance``, ``measurement_chains``.

    Examples
    --------
    >>> from govstats.report.inputs import load_survey
    >>> result = measurement_section(load_survey(seed=3, n_persons=1500), lang="en")
    >>> [t.name for t in result.tables][:2]
    ['measurement_reliability', 'measurement_loadings']
    """
    from govstats.design import SurveyDesign
    from govstats.report.measurement import measurement_section as numbers_of

    found = _items(survey, measurement, seed)
    if isinstance(found, str):
        return _left_out(found, lang)
    data, items = found
    columns = [X, *(i for v in items.values() for i in v)]
    complete = data[columns].dropna()
    n = len(complete)
    groups = complete[X].value_counts()
    n_group = int(groups.min()) if len(groups) == 2 else 0
    design = SurveyDesign(data, **dict(survey.design_columns))
    numbers = numbers_of(design, items, x=X, mediators=MEDIATORS, outcome=OUTCOME)
    zh = lang == "zh"

    rel = suppress_small_cells(
        numbers.reliability.assign(n=n), "n", ["alpha", "alpha_se", "omega", "omega_se"], min_cell
    )
    rel_display = pd.DataFrame(
        {
            ("构念" if zh else "Construct"): rel["construct"].tolist(),
            ("题项数" if zh else "Items"): [str(k) for k in rel["items"]],
            "α": [cell(v, 3, s) for v, s in zip(rel["alpha"], rel["suppressed"], strict=True)],
            ("α 标准误" if zh else "α SE"): [
                cell(v, 3, s, paren=True)
                for v, s in zip(rel["alpha_se"], rel["suppressed"], strict=True)
            ],
            "ω": [cell(v, 3, s) for v, s in zip(rel["omega"], rel["suppressed"], strict=True)],
            ("ω 标准误" if zh else "ω SE"): [
                cell(v, 3, s, paren=True)
                for v, s in zip(rel["omega_se"], rel["suppressed"], strict=True)
            ],
        }
    )
    loads = suppress_small_cells(
        numbers.loadings.assign(n=n), "n", ["estimate", "se", "std_all"], min_cell
    )
    load_display = pd.DataFrame(
        {
            ("构念" if zh else "Construct"): loads["construct"].tolist(),
            ("题项" if zh else "Item"): loads["item"].tolist(),
            label("estimate", lang): [
                cell(v, 3, s) for v, s in zip(loads["estimate"], loads["suppressed"], strict=True)
            ],
            label("se", lang): [
                cell(v, 3, s, paren=True)
                for v, s in zip(loads["se"], loads["suppressed"], strict=True)
            ],
            ("标准化载荷" if zh else "Standardized"): [
                cell(v, 3, s) for v, s in zip(loads["std_all"], loads["suppressed"], strict=True)
            ],
        }
    )
    shown = [k for k in words.FIT if k in numbers.fit.index]
    fit = pd.DataFrame({"measure": shown, "value": [float(numbers.fit[k]) for k in shown]})
    fit = suppress_small_cells(fit.assign(n=n), "n", ["value"], min_cell)
    fit_display = pd.DataFrame(
        {
            ("指标" if zh else "Measure"): [words.FIT[k][0 if zh else 1] for k in shown],
            ("数值" if zh else "Value"): [
                cell(v, 0 if k == "df" else 3, s)
                for k, v, s in zip(shown, fit["value"], fit["suppressed"], strict=True)
            ],
        }
    )
    inv_frame = numbers.invariance.to_frame()
    inv_values = ["chisq", "df", "cfi", "rmsea", "chisq_diff", "df_diff", "p_value",
                  "delta_cfi", "delta_rmsea"]  # fmt: skip
    inv = suppress_small_cells(inv_frame.assign(n=n_group), "n", inv_values, min_cell)
    levels = {"configural": "形态", "metric": "度量", "scalar": "标量"}
    inv_display = pd.DataFrame(
        {
            ("层级" if zh else "Level"): [
                levels.get(v, v) if zh else v for v in inv["level"].astype(str)
            ],
            "χ²": [cell(v, 2, s) for v, s in zip(inv["chisq"], inv["suppressed"], strict=True)],
            ("自由度" if zh else "df"): [
                cell(v, 0, s) for v, s in zip(inv["df"], inv["suppressed"], strict=True)
            ],
            "CFI": [cell(v, 3, s) for v, s in zip(inv["cfi"], inv["suppressed"], strict=True)],
            "RMSEA": [cell(v, 3, s) for v, s in zip(inv["rmsea"], inv["suppressed"], strict=True)],
            "ΔCFI": [
                cell(v, 4, s) for v, s in zip(inv["delta_cfi"], inv["suppressed"], strict=True)
            ],
            "ΔRMSEA": [
                cell(v, 4, s) for v, s in zip(inv["delta_rmsea"], inv["suppressed"], strict=True)
            ],
            ("成立" if zh else "Holds"): [
                "" if s else (("是" if h else "否") if zh else ("yes" if h else "no"))
                for h, s in zip(inv["holds"], inv["suppressed"], strict=True)
            ],
        }
    )
    chains = numbers.chains.rename_axis("effect").reset_index()
    chain_values = ["observed", "observed_se", "latent", "latent_se"]
    chains = suppress_small_cells(chains.assign(n=n), "n", chain_values, min_cell)
    chain_display = pd.DataFrame(
        {
            label("variable", lang): chains["effect"].tolist(),
            ("观测得分" if zh else "Observed scores"): [
                cell(v, 3, s) for v, s in zip(chains["observed"], chains["suppressed"], strict=True)
            ],
            ("标准误" if zh else "SE"): [
                cell(v, 3, s, paren=True)
                for v, s in zip(chains["observed_se"], chains["suppressed"], strict=True)
            ],
            ("潜变量" if zh else "Latent"): [
                cell(v, 3, s) for v, s in zip(chains["latent"], chains["suppressed"], strict=True)
            ],
            ("潜变量标准误" if zh else "Latent SE"): [
                cell(v, 3, s, paren=True)
                for v, s in zip(chains["latent_se"], chains["suppressed"], strict=True)
            ],
        }
    )
    tables = (
        Table("measurement_reliability", "量表信度" if zh else "Scale reliability", rel,
              rel_display, "设计标准误。" if zh else "Design standard errors."),
        Table("measurement_loadings", "验证性因子分析载荷" if zh else "CFA loadings", loads,
              load_display, "每个构念第一个题项的载荷固定为 1。" if zh
              else "The first loading of every construct is fixed at 1."),
        Table("measurement_fit", "验证性因子分析拟合" if zh else "CFA fit", fit, fit_display,
              "稳健（调整）χ² 见方法说明。" if zh else "Robust (scaled) chi-square: see Methods."),
        Table("measurement_invariance", "测量不变性" if zh else "Measurement invariance", inv,
              inv_display, "以 Chen (2007) 标准（稳健 CFI 与 RMSEA 的变化）判断各层级是否成立。"
              if zh else numbers.invariance.verdict),
        Table("measurement_chains", "潜变量链条与观测得分链条" if zh
              else "Latent chain beside observed-score chain", chains, chain_display,
              "观测得分：题项均值。" if zh else "Observed scores: item means."),
    )  # fmt: skip
    paragraphs: list[str] = []
    if not inv["suppressed"].any():
        held = [str(v) for v, h in zip(inv["level"], inv["holds"], strict=True) if h]
        paragraphs.append(
            words.invariance_finding(bool(numbers.invariance.comparable_means), held, X, lang)
        )
    total: Any = chains.set_index("effect")
    if "indirect_total" in total.index and not chains["suppressed"].any():
        observed = float(total.loc["indirect_total", "observed"])
        latent = float(total.loc["indirect_total", "latent"])
        if math.isfinite(observed) and math.isfinite(latent):
            paragraphs.append(words.chains_finding(observed, latent, lang))
    return AnalysisResult(
        "",
        "measurement",
        label("sec_measurement", lang),
        tables=tables,
        paragraphs=tuple(paragraphs),
        methods=(words.method_text(lang),),
    )
