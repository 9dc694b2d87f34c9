"""Read a lavaan reference case: the chain's roles, labels, defined effects, SE relations.

The reference tests derive everything from the case itself (``model.equations``,
``model.lavaan_syntax``, ``fit.r_call``, ``fit.lavaan_options_in_effect``), so any
saturated serial-mediation case in the JSON schema of ``chain_cases.json`` runs
without test code naming its variables or labels.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

#: Step of the complex-step derivative: exact to rounding for analytic expressions.
COMPLEX_STEP = 1e-30

Monomial = tuple[str, ...]
Polynomial = dict[Monomial, float]


@dataclass(frozen=True)
class LavaanModel:
    """The regressions and ``:=`` definitions of a lavaan model.

    Attributes
    ----------
    regressions : dict
        ``{lhs: [(label or None, rhs), ...]}`` in the order of the syntax.
    definitions : list of (str, str)
        ``(name, expression)`` of every defined parameter, in order.
    """

    regressions: dict[str, list[tuple[str | None, str]]]
    definitions: list[tuple[str, str]]

    @classmethod
    def parse(cls, syntax: str) -> LavaanModel:
        """Parse the ``~`` and ``:=`` statements of ``syntax`` (comments and others ignored)."""
        regressions: dict[str, list[tuple[str | None, str]]] = {}
        definitions: list[tuple[str, str]] = []
        for raw in re.split(r"[\n;]", syntax):
            line = raw.split("#", 1)[0].split("!", 1)[0].strip()
            if not line:
                continue
            if ":=" in line:
                name, expr = line.split(":=", 1)
                definitions.append((name.strip(), expr.strip()))
            elif re.search(r"(?<![~=<>])~(?![~*])", line):
                lhs, rhs = line.split("~", 1)
                terms = regressions.setdefault(lhs.strip(), [])
                for term in rhs.split("+"):
                    parts = [p.strip() for p in term.split("*")]
                    label = parts[0] if len(parts) == 2 else None
                    if label is not None and not label.isidentifier():
                        label = None  # a fixed value or start(), not a label
                    terms.append((label, parts[-1]))
        return cls(regressions, definitions)

    @property
    def labels(self) -> dict[str, tuple[str, str]]:
        """``{label: (equation, term)}`` of every labelled regression coefficient."""
        return {
            label: (lhs, rhs)
            for lhs, terms in self.regressions.items()
            for label, rhs in terms
            if label is not None
        }


@dataclass(frozen=True)
class ChainRoles:
    """x, ordered mediators, outcome and covariates of a saturated chain model."""

    x: str
    mediators: tuple[str, ...]
    outcome: str
    covariates: tuple[str, ...]


def chain_roles(
    equations: Mapping[str, Sequence[str]], path_labels: Mapping[str, str]
) -> ChainRoles:
    """Derive the chain's roles from ``{outcome: predictors}`` of every equation.

    The outcome is the one response that predicts nothing; mediators are ordered by
    how many other responses they depend on; x is the exogenous predictor named in
    ``path_labels`` (``"rural -> m1"``), else the first predictor of the first
    mediator's equation (lavaan syntax lists x first); the remaining exogenous
    predictors are covariates. Raises AssertionError unless every equation is the
    full chain equation ``Mj ~ x + M1..M(j-1) + C`` / ``Y ~ x + M1..Mk + C``.
    """
    responses = list(equations)
    predictors = {v for preds in equations.values() for v in preds}
    outcomes = [r for r in responses if r not in predictors]
    assert len(outcomes) == 1, f"expected one final outcome among {responses}, found {outcomes}"
    outcome = outcomes[0]
    mediators = sorted(
        (r for r in responses if r != outcome),
        key=lambda r: sum(p in equations for p in equations[r]),
    )
    exogenous = [p for p in equations[outcome] if p not in equations]
    named = {
        v.strip().split(" ")[0]
        for text in path_labels.values()
        for v in text.split("->")
        if v.strip().split(" ")[0] in exogenous
    }
    first = mediators[0] if mediators else outcome
    x = named.pop() if len(named) == 1 else equations[first][0]
    covariates = tuple(p for p in exogenous if p != x)
    for j, m in enumerate([*mediators, outcome]):
        expected = {x, *mediators[:j], *covariates}
        assert set(equations[m]) == expected, (
            f"equation of {m!r} has predictors {sorted(equations[m])}, but the saturated "
            f"chain needs {sorted(expected)}; govstats fits only full serial chains"
        )
    return ChainRoles(x, tuple(mediators), outcome, covariates)


def sampling_weights(r_call: str) -> str | None:
    """The ``sampling.weights = 'w'`` column of a lavaan call, or None."""
    match = re.search(r"sampling\.weights\s*=\s*['\"]([^'\"]+)['\"]", r_call)
    return match.group(1) if match else None


# ----------------------------------------------------------------- expressions
_BINARY = {ast.Add: np.add, ast.Sub: np.subtract, ast.Mult: np.multiply, ast.Div: np.divide}


def evaluate(expr: str, values: Mapping[str, Any]) -> Any:
    """Evaluate a lavaan ``:=`` expression (+ - * / ^, numbers, names) on ``values``."""

    def walk(node: ast.AST) -> Any:
        if isinstance(node, ast.Expression):
            return walk(node.body)
        if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
            return _BINARY[type(node.op)](walk(node.left), walk(node.right))
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitXor | ast.Pow):
            return walk(node.left) ** walk(node.right)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
            value = walk(node.operand)
            return -value if isinstance(node.op, ast.USub) else value
        if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
            return node.value
        if isinstance(node, ast.Name):
            return values[node.id]
        raise ValueError(f"unsupported lavaan expression {expr!r} ({ast.dump(node)})")

    return walk(ast.parse(expr, mode="eval"))


def defined_values(
    definitions: Sequence[tuple[str, str]], params: Mapping[str, Any]
) -> dict[str, Any]:
    """Every defined parameter; later definitions may use earlier ones, as in lavaan."""
    namespace = dict(params)
    out = {}
    for name, expr in definitions:
        namespace[name] = out[name] = evaluate(expr, namespace)
    return out


def defined_gradients(
    definitions: Sequence[tuple[str, str]], params: Mapping[str, float], labels: Sequence[str]
) -> pd.DataFrame:
    """(definitions x labels) Jacobian by complex step: exact for these polynomials."""
    rows: dict[str, np.ndarray] = {}
    for j, label in enumerate(labels):
        shifted: dict[str, Any] = {k: complex(v) for k, v in params.items()}
        shifted[label] += 1j * COMPLEX_STEP
        for name, value in defined_values(definitions, shifted).items():
            rows.setdefault(name, np.zeros(len(labels)))[j] = value.imag / COMPLEX_STEP
    return pd.DataFrame(rows, index=list(labels)).T


def polynomial(expr: str, known: Mapping[str, Polynomial]) -> Polynomial | None:
    """Expand a sum of products of labels into ``{sorted labels: coefficient}``.

    Returns None for anything but sums, differences and products of labels and numbers.
    """

    def walk(node: ast.AST) -> Polynomial | None:
        if isinstance(node, ast.Expression):
            return walk(node.body)
        if isinstance(node, ast.Name):
            return dict(known[node.id]) if node.id in known else {(node.id,): 1.0}
        if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
            return {(): float(node.value)}
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Sub | ast.Mult):
            left, right = walk(node.left), walk(node.right)
            if left is None or right is None:
                return None
            out: Polynomial = {}
            if isinstance(node.op, ast.Mult):
                for ml, cl in left.items():
                    for mr, cr in right.items():
                        key = tuple(sorted(ml + mr))
                        out[key] = out.get(key, 0.0) + cl * cr
            else:
                sign = 1.0 if isinstance(node.op, ast.Add) else -1.0
                out = dict(left)
                for m, c in right.items():
                    out[m] = out.get(m, 0.0) + sign * c
            return {m: c for m, c in out.items() if c != 0.0}
        return None

    return walk(ast.parse(expr, mode="eval"))


def govstats_effect_names(
    poly: Polynomial | None, labels: Mapping[str, tuple[str, str]], roles: ChainRoles
) -> list[str]:
    """The govstats effects a defined lavaan effect equals (empty if none).

    A single product of path labels that walks x -> ... -> Y is that specific
    indirect effect; the x -> Y label alone is ``direct``; the sum of all 2^k - 1
    chains is ``indirect_total``; that plus the direct path is ``total``. With
    k = 1 the one specific effect is also the total indirect effect.
    """
    if poly is None or any(c != 1.0 for c in poly.values()):
        return []
    chains = []
    for monomial in poly:
        edges = {}
        for label in monomial:
            if label not in labels:
                return []
            equation, term = labels[label]
            edges[term] = equation
        node, walk = roles.x, [roles.x]
        while node in edges and len(walk) <= len(monomial):
            node = edges[node]
            walk.append(node)
        if node != roles.outcome or len(walk) != len(monomial) + 1:
            return []
        chains.append(tuple(walk[1:-1]))
    k = len(roles.mediators)
    names = []
    if len(chains) == 1:
        names.append(" -> ".join([roles.x, *chains[0], roles.outcome]) if chains[0] else "direct")
    indirect = {c for c in chains if c}
    if len(indirect) == 2**k - 1 and len(chains) == len(set(chains)):
        names.append("indirect_total" if len(chains) == 2**k - 1 else "total")
    return names


# ----------------------------------------------------------------- SE relations
def normalised_weights(data: pd.DataFrame, weights: str | None, normalization: str) -> np.ndarray:
    """lavaan's sampling weights: rescaled to sum to n ("total"/"group", one group) or raw."""
    n = len(data)
    if weights is None:
        return np.ones(n)
    w = data[weights].to_numpy(float)
    if normalization == "none":
        return w
    if normalization not in ("total", "group"):
        raise AssertionError(
            f"sampling.weights.normalization = {normalization!r}: no SE relation is known"
        )
    return w * n / w.sum()
