"""Words of the robustness section, zh and en."""

from __future__ import annotations

import math

__all__ = [
    "METHOD",
    "iv_finding",
    "method_text",
    "sensitivity_finding",
    "skipped",
    "weighting_finding",
]

#: Printed name of every method row.
METHOD = {
    "least squares": ("最小二乘（未校正）", "Least squares (naive)"),
    "IV-2SLS": ("工具变量（2SLS）", "Instrumental variables (2SLS)"),
    "IPW": ("倾向得分加权（IPW）", "Propensity weighting (IPW)"),
    "AIPW": ("双重稳健（AIPW）", "Doubly robust (AIPW)"),
}


def _f(value: float, digits: int = 3) -> str:
    return "—" if not math.isfinite(value) else f"{value:.{digits}f}"


def skipped(missing: list[str], lang: str) -> str:
    """Note of a robustness part left out because the survey lacks its columns."""
    names = ", ".join(missing)
    if lang == "zh":
        return f"本调查缺少变量 {names}，本部分从略。"
    return f"The survey lacks the columns {names}; this part is left out."


def iv_finding(
    naive: float, iv: float, f: float, endogenous: str, truth: float | None, lang: str
) -> str:
    """Say what the IV part found: naive and IV slopes, first-stage F, the truth if known."""
    weak = f < 10
    if lang == "zh":
        text = (
            f"以 {endogenous} 为内生变量，最小二乘估计为 {_f(naive)}，工具变量估计为 {_f(iv)}；"
            f"第一阶段 F 统计量为 {_f(f, 1)}"
            + ("（低于 10，工具变量偏弱，估计应谨慎解读）。" if weak else "（工具变量不弱）。")
        )
        if truth is not None:
            text += f"模拟数据的真实效应为 {_f(truth)}。"
        return text
    text = (
        f"With {endogenous} endogenous, least squares gives {_f(naive)} and instrumental "
        f"variables give {_f(iv)}; the first-stage F is {_f(f, 1)}"
        + (" (below 10: a weak instrument, read with care)." if weak else " (not weak).")
    )
    if truth is not None:
        text += f" The simulated truth is {_f(truth)}."
    return text


def weighting_finding(
    naive: float, ipw: float, aipw: float, treatment: str, truth: float | None, lang: str
) -> str:
    """Say what the propensity-weighting part found."""
    if lang == "zh":
        text = (
            f"{treatment} 的效应：未校正回归 {_f(naive)}，倾向得分加权 {_f(ipw)}，"
            f"双重稳健估计 {_f(aipw)}。"
        )
        if truth is not None:
            text += f"模拟数据的真实平均处理效应为 {_f(truth)}。"
        return text
    text = (
        f"Effect of {treatment}: naive regression {_f(naive)}, propensity weighting "
        f"{_f(ipw)}, doubly robust {_f(aipw)}."
    )
    if truth is not None:
        text += f" The simulated average treatment effect is {_f(truth)}."
    return text


def sensitivity_finding(link: tuple[str, str], rho_zero: float, term: str, lang: str) -> str:
    """Say where the interval of a chain effect first covers zero as rho moves."""
    if lang == "zh":
        where = (
            f"当误差相关系数达到 {_f(rho_zero, 2)} 时，{term} 的置信区间开始覆盖 0。"
            if math.isfinite(rho_zero)
            else f"在所考察的相关系数范围内，{term} 的置信区间始终不含 0。"
        )
        return f"链条敏感性：假定 {link[0]} 与 {link[1]} 两个方程的误差相关。" + where
    where = (
        f"the interval of {term} first covers 0 at an error correlation of {_f(rho_zero, 2)}."
        if math.isfinite(rho_zero)
        else f"the interval of {term} excludes 0 over the whole range of correlations."
    )
    return f"Chain sensitivity, with correlated errors of {link[0]} and {link[1]}: " + where


def method_text(lang: str) -> str:
    """Methods sentence of the section."""
    if lang == "zh":
        return (
            "稳健性检验：设计加权两阶段最小二乘（SurveyDesign.ivreg，报告第一阶段偏 F）；"
            "倾向得分权数（logit 倾向得分乘以抽样权数）下的加权回归与双重稳健 AIPW 估计，"
            "以标准化均值差检验协变量平衡；链条中两个方程误差相关时各效应的敏感性曲线。"
        )
    return (
        "Robustness: design-weighted two-stage least squares (SurveyDesign.ivreg, with the "
        "first-stage partial F); regression under survey x propensity weights and the doubly "
        "robust AIPW estimate, with covariate balance as standardized mean differences; the "
        "chain's effects as functions of the correlation of two equation errors."
    )
