"""Standardized solutions (lavaan ``std.lv`` / ``std.all``) and defined parameters (``:=``)."""

from __future__ import annotations

import ast
import math
from collections.abc import Mapping, Sequence

import numpy as np

from govstats.errors import ModelError
from govstats.sem._syntax import Defined

__all__ = ["check_defined", "evaluate_defined", "standardize"]

_FUNCTIONS: dict[str, object] = {
    "exp": math.exp, "log": math.log, "sqrt": math.sqrt, "abs": abs,
}  # fmt: skip


def check_defined(defined: Sequence[Defined], labels: set[str]) -> None:
    """Raise ModelError when an expression uses a name that is no label (or is not arithmetic)."""
    known = set(labels)
    for d in defined:
        try:
            tree = ast.parse(d.expression, mode="eval")
        except SyntaxError:
            raise ModelError(
                f"cannot read the defined parameter {d.name} := {d.expression}"
            ) from None
        for node in ast.walk(tree):
            if isinstance(node, ast.Name) and node.id not in known and node.id not in _FUNCTIONS:
                raise ModelError(
                    f"{d.name} := {d.expression} uses {node.id!r}, which is not a parameter "
                    f"label; label the parameter in the model (e.g. 'y ~ {node.id}*x')."
                )
            if isinstance(node, (ast.Attribute, ast.Subscript, ast.Lambda)):
                raise ModelError(f"{d.name} := {d.expression} is not plain arithmetic.")
        known.add(d.name)


def evaluate_defined(defined: Sequence[Defined], values: Mapping[str, float]) -> np.ndarray:
    """Value of every defined parameter given the labelled parameters' values."""
    namespace: dict[str, object] = dict(_FUNCTIONS)
    namespace.update(values)
    out = []
    for d in defined:
        value = float(eval(d.expression, {"__builtins__": {}}, namespace))
        namespace[d.name] = value
        out.append(value)
    return np.asarray(out)


def standardize(
    lhs: Sequence[str],
    op: Sequence[str],
    rhs: Sequence[str],
    group: np.ndarray,
    estimate: np.ndarray,
    full_cov: Sequence[np.ndarray],
    names: Sequence[str],
    latent: set[str],
) -> tuple[np.ndarray, np.ndarray]:
    """``std.lv`` and ``std.all`` of every row (lavaan ``standardizedSolution``, ``cov.std=TRUE``).

    ``full_cov[g]`` is the model-implied covariance of all (observed then latent)
    variables of group ``g``. Covariances are scaled by the residual variances of
    the two variables (the estimates of their ``~~`` rows).
    """
    index = {v: i for i, v in enumerate(names)}
    resid: dict[tuple[int, str], float] = {}
    for i in range(len(lhs)):
        if op[i] == "~~" and lhs[i] == rhs[i]:
            resid[(int(group[i]), lhs[i])] = float(estimate[i])
    std_lv = np.full(len(lhs), np.nan)
    std_all = np.full(len(lhs), np.nan)
    for i in range(len(lhs)):
        g, a, o, b, est = int(group[i]), lhs[i], op[i], rhs[i], float(estimate[i])
        if o not in ("=~", "~", "~~", "~1"):
            continue
        var = np.diag(full_cov[g])

        def sd(v: str, var: np.ndarray = var) -> float:
            return float(np.sqrt(var[index[v]]))

        def sd_lv(v: str, sd: object = sd) -> float:
            return sd(v) if v in latent else 1.0  # type: ignore[operator]

        if o == "=~":
            std_lv[i] = est * sd(a) / sd_lv(b)
            std_all[i] = est * sd(a) / sd(b)
        elif o == "~":
            std_lv[i] = est * sd_lv(b) / sd_lv(a)
            std_all[i] = est * sd(b) / sd(a)
        elif o == "~1":
            std_lv[i] = est / sd_lv(a)
            std_all[i] = est / sd(a)
        elif a == b:
            std_lv[i] = est / sd_lv(a) ** 2
            std_all[i] = est / sd(a) ** 2
        else:
            ra, rb = resid.get((g, a), var[index[a]]), resid.get((g, b), var[index[b]])
            scale = math.sqrt(ra * rb) if ra > 0 and rb > 0 else math.nan
            std_all[i] = est / scale
            std_lv[i] = est / scale if a in latent and b in latent else est
    return std_lv, std_all
