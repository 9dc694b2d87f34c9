"""The divide-chain truth of the simulated survey: fixed path coefficients.

Everything here is arithmetic on the fixed parameter table; no pandas, no randomness.
"""

from __future__ import annotations

from itertools import combinations

X = "rural"
MEDIATORS: tuple[str, ...] = ("info_access", "participation", "expression")
OUTCOME = "service"
COVARIATES: tuple[str, ...] = ("age", "female", "edu_years", "log_income")

#: Slopes of every equation, ``{equation: {term: coefficient}}``. Rural residence
#: lowers every stage; each stage raises the next; education and income raise
#: information access; age lowers it but raises (village) participation.
SLOPES: dict[str, dict[str, float]] = {
    "info_access": {
        "rural": -0.45,
        "age": -0.015,
        "female": -0.05,
        "edu_years": 0.06,
        "log_income": 0.15,
    },
    "participation": {
        "rural": -0.20,
        "info_access": 0.35,
        "age": 0.008,
        "female": -0.08,
        "edu_years": 0.02,
        "log_income": 0.05,
    },
    "expression": {
        "rural": -0.15,
        "info_access": 0.25,
        "participation": 0.40,
        "age": -0.004,
        "female": -0.05,
        "edu_years": 0.03,
        "log_income": 0.04,
    },
    "service": {
        "rural": -0.30,
        "info_access": 0.15,
        "participation": 0.20,
        "expression": 0.30,
        "age": 0.005,
        "female": 0.02,
        "edu_years": 0.02,
        "log_income": 0.06,
    },
}

#: Intercepts, chosen so that each construct has a mean near zero in the sample.
INTERCEPTS: dict[str, float] = {
    "info_access": -1.11,
    "participation": -0.96,
    "expression": -0.38,
    "service": -0.92,
}

#: Standard deviation of each equation's normal disturbance.
RESIDUAL_SD: dict[str, float] = {
    "info_access": 1.0,
    "participation": 0.9,
    "expression": 0.9,
    "service": 0.9,
}


def effect_name(path: tuple[str, ...]) -> str:
    """Name of the specific indirect effect through the mediators ``path``."""
    return " -> ".join((X, *path, OUTCOME))


def chain_effects() -> dict[str, float]:
    """Every specific indirect effect of X on Y, their total, the direct and total effect.

    A specific indirect effect through the ordered mediators ``(m_a, ..., m_b)`` is
    the product ``a(X->m_a) * ... * b(m_b->Y)`` of the path slopes along it
    (Hayes, PROCESS model 6, extended to k mediators).
    """
    effects: dict[str, float] = {}
    for size in range(1, len(MEDIATORS) + 1):
        for path in combinations(MEDIATORS, size):
            value = SLOPES[path[0]][X]
            for source, target in zip(path, (*path[1:], OUTCOME), strict=True):
                value *= SLOPES[target][source]
            effects[effect_name(path)] = value
    indirect = sum(effects.values())
    direct = SLOPES[OUTCOME][X]
    effects["indirect_total"] = indirect
    effects["direct"] = direct
    effects["total"] = indirect + direct
    return effects
