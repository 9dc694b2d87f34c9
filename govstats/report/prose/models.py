"""Words of the models, heterogeneity and gaps sections, zh and en."""

from __future__ import annotations

from collections.abc import Sequence

__all__ = [
    "FAMILY",
    "gaps_finding",
    "gaps_method",
    "gaps_note",
    "heterogeneity_method",
    "models_method",
    "not_available",
]

FAMILY = {
    "gaussian": ("线性（高斯）", "linear (gaussian)"),
    "binomial": ("logit（拟二项）", "logit (quasi-binomial)"),
    "poisson": ("对数线性（泊松）", "log-linear (poisson)"),
}


def models_method(formulas: Sequence[tuple[str, str]], design: str, lang: str) -> str:
    """Methods sentence listing each model fitted and how its SEs were computed."""
    zh = lang == "zh"
    listed = "; ".join(f"{f} [{FAMILY[fam][0 if zh else 1]}]" for f, fam in formulas)
    if zh:
        return (
            f"回归模型（设计加权广义线性模型，等同 R survey 的 svyglm）：{listed}。"
            f"标准误为{design}，t 检验基于模型自由度；缺失值所在行按域排除。"
            "R² 为设计加权的拟合优度，伪 R² 为 1 - 偏差 / 零模型偏差。"
        )
    return (
        f"Regression models (design-based GLMs, as R survey's svyglm): {listed}. "
        f"Standard errors by {design}; t tests on each model's degrees of freedom; rows with "
        "missing values are left out as a domain. R² is design-weighted; pseudo-R² is "
        "1 - deviance / null deviance."
    )


def heterogeneity_method(formula: str, by: str, groups: Sequence[str], lang: str) -> str:
    """Methods sentence of the by-group fits."""
    if lang == "zh":
        return (
            f"异质性：模型 {formula} 在 {by} 的各组（{'、'.join(groups)}）中分别估计，"
            "每组为同一设计下的域（保留全部 PSU），标准误据此计算。"
        )
    return (
        f"Heterogeneity: {formula} fitted within each group of {by} ({', '.join(groups)}), "
        "each group a domain of the same design (every PSU kept), so its SEs are design-based."
    )


def gaps_note(lang: str, replicates: int, seed: int) -> str:
    """Note of the decomposition table."""
    if lang == "zh":
        return (
            f"Oaxaca–Blinder 分解（合并系数为参照）；标准误与区间来自 {replicates} 次"
            f"设计重复权重（种子 {seed}）。各变量的贡献见 CSV。"
        )
    return (
        f"Oaxaca–Blinder decomposition (pooled coefficients as reference); SEs and intervals "
        f"from {replicates} design replicates (seed {seed}). Every variable's contribution "
        "is in the CSV."
    )


def gaps_finding(gap: float, explained: float, by: str, lang: str) -> str:
    """State the gap and the share explained by the covariates."""
    share = 100 * explained / gap if gap else float("nan")
    if lang == "zh":
        return (
            f"按 {by} 分组的均值差距为 {gap:.3f}，其中 {explained:.3f}（{share:.1f}%）"
            "可由各组特征的差异解释。"
        )
    return (
        f"The gap in means between the groups of {by} is {gap:.3f}; {explained:.3f} "
        f"({share:.1f}%) is explained by differences in characteristics."
    )


def gaps_method(formula: str, by: str, lang: str) -> str:
    """Methods sentence of the decomposition."""
    if lang == "zh":
        return f"差距分解：{formula}，按 {by} 两组的 Oaxaca–Blinder 二重与三重分解（gaps.oaxaca）。"
    return (
        f"Gap decomposition: {formula}, Oaxaca–Blinder twofold and threefold decomposition "
        f"between the groups of {by} (gaps.oaxaca)."
    )


def not_available(kind: str, lang: str) -> str:
    """Line for a section whose engine this version does not have."""
    if lang == "zh":
        return f"本版本尚不提供“{kind}”一节所需的功能，本节从略。"
    return f"The {kind} section is not available in this version of govstats; it is left out."
