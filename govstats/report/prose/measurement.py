"""Words of the measurement section, zh and en."""

from __future__ import annotations

__all__ = ["FIT", "chains_finding", "invariance_finding", "method_text", "skipped"]

#: Printed name of every fit measure the section shows.
FIT = {
    "chisq": ("χ²", "χ²"),
    "df": ("自由度", "df"),
    "pvalue": ("p 值", "p-value"),
    "cfi": ("CFI", "CFI"),
    "tli": ("TLI", "TLI"),
    "rmsea": ("RMSEA", "RMSEA"),
    "rmsea.ci.lower": ("RMSEA 下限", "RMSEA, lower limit"),
    "rmsea.ci.upper": ("RMSEA 上限", "RMSEA, upper limit"),
    "srmr": ("SRMR", "SRMR"),
}


def skipped(reason: str, lang: str) -> str:
    """Say why the measurement section holds no numbers."""
    if lang == "zh":
        return f"本节从略：{reason}。"
    return f"This section is left out: {reason}."


def invariance_finding(comparable: bool, held: list[str], group: str, lang: str) -> str:
    """Say which invariance levels hold across ``group`` and what that allows."""
    if lang == "zh":
        levels = {"configural": "形态", "metric": "度量", "scalar": "标量"}
        names = "、".join(levels.get(h, h) for h in held) or "无"
        return f"按 {group} 分组的测量不变性检验：成立的层级为{names}不变性；" + (
            "潜变量均值可以在组间比较。" if comparable else "潜变量均值不宜在组间直接比较。"
        )
    names = ", ".join(held) or "none"
    return f"Measurement invariance across {group}: the levels that hold are {names}; " + (
        "latent means may be compared across groups."
        if comparable
        else "latent means should not be compared directly across groups."
    )


def chains_finding(observed: float, latent: float, lang: str) -> str:
    """Compare the total indirect effect of the observed-score and latent chains."""
    if lang == "zh":
        return (
            f"以题项均值为观测得分的链条总间接效应为 {observed:.3f}，潜变量链条为 {latent:.3f}；"
            "观测得分含测量误差，效应因此衰减。"
        )
    return (
        f"The total indirect effect is {observed:.3f} with observed item-mean scores and "
        f"{latent:.3f} with latent constructs; measurement error in the scores attenuates it."
    )


def method_text(lang: str) -> str:
    """Methods sentence of the section."""
    if lang == "zh":
        return (
            "测量模型：各量表的 Cronbach α 与 ω 信度（设计标准误）；设计加权验证性因子分析"
            "（gs.sem.fit，稳健 χ² 与拟合指数）；城乡多组测量不变性（形态、度量、标量，"
            "Chen 2007 标准）；潜变量链条与题项均值得分链条并列。"
        )
    return (
        "Measurement: Cronbach's alpha and omega of every scale (design standard errors); a "
        "design-weighted confirmatory factor analysis (gs.sem.fit, robust chi-square and fit "
        "indices); multi-group invariance across urban and rural (configural, metric, scalar; "
        "Chen 2007 criteria); the latent chain beside the chain on item-mean scores."
    )
