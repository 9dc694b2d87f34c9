"""The arithmetic of contrasts: weights, expressions and their exact gradients.

A contrast is a dict of weights by estimate name (``{"api00": 1, "api99": -1}``), a
sequence of weights in the order of the estimates, or an expression string in the
names (``"api00 / api99"``, ``"exp(`stype[T.H]`)"``). Several contrasts are a list of
them or a dict of named ones. Expressions are parsed into a small, safe arithmetic
tree (numbers, names, ``+ - * / **``, and ``exp``, ``log``, ``sqrt``, ``log1p``,
``expm1``, ``sin``, ``cos``, ``tan``, ``plogis``), never evaluated as Python, and
differentiated exactly by complex-step differentiation.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeAlias

import numpy as np

from govstats.design.model_matrix import r_name
from govstats.errors import DataError

__all__ = ["ContrastSpec", "contrast_rows", "evaluate_expression", "r_aliases"]

#: One contrast: weights by name, weights in estimate order, or an expression string.
OneContrast: TypeAlias = str | Mapping[str, float] | Sequence[float] | np.ndarray
#: One contrast, a list of them, or a dict of named ones.
ContrastSpec: TypeAlias = OneContrast | Sequence[OneContrast] | Mapping[str, OneContrast]

_FUNCTIONS: dict[str, Callable[[Any], Any]] = {
    "exp": np.exp,
    "log": np.log,
    "sqrt": np.sqrt,
    "log1p": np.log1p,
    "expm1": np.expm1,
    "sin": np.sin,
    "cos": np.cos,
    "tan": np.tan,
    "plogis": lambda z: 1.0 / (1.0 + np.exp(-z)),
}
_BACKQUOTED = re.compile(r"`([^`]+)`")
_STEP = 1e-20  # complex step: exact first derivatives of analytic expressions


def _lookup(names: Sequence[str], aliases: Mapping[str, int] | None) -> dict[str, int]:
    lookup = dict(aliases or {})
    lookup.update({name: j for j, name in enumerate(names)})
    return lookup


def _parse(
    text: str, names: Sequence[str], aliases: Mapping[str, int] | None = None
) -> tuple[ast.Expression, dict[str, int]]:
    """Parse an expression; backquoted names and plain identifiers map to estimate positions."""
    lookup = _lookup(names, aliases)
    symbols: dict[str, int] = {}

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in lookup:
            raise DataError(
                f"contrast names {name!r}, which is not an estimate; known: {list(names)}."
            )
        key = f"_v{lookup[name]}"
        symbols[key] = lookup[name]
        return key

    code = _BACKQUOTED.sub(replace, text)
    try:
        tree = ast.parse(code, mode="eval")
    except SyntaxError as error:
        raise DataError(
            f"contrast {text!r} is not an arithmetic expression ({error.msg}); quote names "
            "with symbols in backquotes, e.g. `stype[T.H]`."
        ) from error
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id not in symbols and node.id not in _FUNCTIONS:
            if node.id not in lookup:
                raise DataError(
                    f"contrast {text!r} uses {node.id!r}, which is neither an estimate nor a "
                    f"function; estimates: {list(names)}; functions: {sorted(_FUNCTIONS)}."
                )
            symbols[node.id] = lookup[node.id]
    return tree, symbols


def _evaluate(node: ast.AST, values: Mapping[str, complex]) -> Any:
    if isinstance(node, ast.Expression):
        return _evaluate(node.body, values)
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
        return node.value
    if isinstance(node, ast.Name) and node.id in values:
        return values[node.id]
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        operand = _evaluate(node.operand, values)
        return -operand if isinstance(node.op, ast.USub) else operand
    if isinstance(node, ast.BinOp):
        left, right = _evaluate(node.left, values), _evaluate(node.right, values)
        operations: dict[type, Callable[[Any, Any], Any]] = {
            ast.Add: lambda a, b: a + b,
            ast.Sub: lambda a, b: a - b,
            ast.Mult: lambda a, b: a * b,
            ast.Div: lambda a, b: a / b,
            ast.Pow: lambda a, b: a**b,
        }
        if type(node.op) in operations:
            return operations[type(node.op)](left, right)
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in _FUNCTIONS
        and len(node.args) == 1
        and not node.keywords
    ):
        return _FUNCTIONS[node.func.id](_evaluate(node.args[0], values))
    raise DataError(
        f"contrast uses {ast.dump(node)[:60]}..., which is not allowed: only numbers, estimate "
        f"names, + - * / ** and the functions {sorted(_FUNCTIONS)}."
    )


def evaluate_expression(
    text: str,
    names: Sequence[str],
    estimate: np.ndarray,
    aliases: Mapping[str, int] | None = None,
) -> tuple[float, np.ndarray]:
    """Value and gradient of an expression in the estimates.

    Parameters
    ----------
    text : str
        Arithmetic in the names (backquote names with symbols).
    names : sequence of str
        Name of every estimate.
    estimate : ndarray, shape (k,)
    aliases : dict, optional
        Other spellings of the names (R's), mapped to estimate positions.

    Returns
    -------
    (float, ndarray of shape (k,))
        The value and its exact derivative with respect to every estimate.

    Examples
    --------
    >>> value, grad = evaluate_expression("a / b", ["a", "b"], np.array([1.0, 4.0]))
    >>> value, grad.tolist()
    (0.25, [0.25, -0.0625])
    """
    tree, symbols = _parse(text, names, aliases)
    base = {key: complex(estimate[j]) for key, j in symbols.items()}
    with np.errstate(all="ignore"):
        value = complex(_evaluate(tree, base)).real
        gradient = np.zeros(len(names))
        for key, j in symbols.items():
            shifted = dict(base)
            shifted[key] = base[key] + 1j * _STEP
            gradient[j] += complex(_evaluate(tree, shifted)).imag / _STEP
    if not np.isfinite(value):
        raise DataError(f"contrast {text!r} is not finite at the estimates ({value}).")
    return value, gradient


def _weights(
    spec: Mapping[str, float] | Sequence[float],
    names: Sequence[str],
    aliases: Mapping[str, int] | None = None,
) -> np.ndarray:
    if isinstance(spec, Mapping):
        lookup = _lookup(names, aliases)
        unknown = [k for k in spec if k not in lookup]
        if unknown:
            raise DataError(
                f"contrast names {unknown}, which are not estimates; known: {list(names)}."
            )
        out = np.zeros(len(names))
        for key, value in spec.items():
            out[lookup[key]] += float(value)
        return out
    weights = np.asarray(spec, dtype=np.float64)
    if weights.shape != (len(names),):
        raise DataError(
            f"a contrast given as numbers needs one weight per estimate ({len(names)}), "
            f"not {weights.shape}."
        )
    return weights


def _is_number_map(spec: object) -> bool:
    return isinstance(spec, Mapping) and all(
        isinstance(v, int | float | np.integer | np.floating) and not isinstance(v, bool)
        for v in spec.values()
    )


def r_aliases(names: Sequence[str], candidates: Sequence[str] | None = None) -> dict[str, int]:
    """Other spellings of the estimate names that name one estimate and are not a name.

    ``candidates`` default to R's spellings of model terms (``stypeH`` for ``stype[T.H]``).
    """
    spelled = [r_name(n) for n in names] if candidates is None else list(candidates)
    out: dict[str, int] = {}
    for j, alias in enumerate(spelled):
        if alias not in names and spelled.count(alias) == 1:
            out[alias] = j
    return out


def contrast_rows(
    spec: ContrastSpec,
    names: Sequence[str],
    estimate: np.ndarray,
    aliases: Mapping[str, int] | None = None,
) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Labels, values and Jacobian (one row per contrast) of ``spec`` at ``estimate``."""
    if isinstance(spec, str) or _is_number_map(spec):
        items: list[tuple[str, Any]] = [("contrast", spec)]
    elif isinstance(spec, Mapping):
        items = [(str(k), v) for k, v in spec.items()]
    elif (
        isinstance(spec, Sequence)
        and spec
        and all(
            isinstance(s, str | Mapping) or (isinstance(s, Sequence) and not isinstance(s, str))
            for s in spec
        )
    ):
        items = [(f"contrast{j + 1}", s) for j, s in enumerate(spec)]
    elif isinstance(spec, Sequence | np.ndarray):
        items = [("contrast", spec)]
    else:
        raise DataError(
            "spec must be a dict of weights by name, a sequence of weights, an expression "
            f"string, or a list or dict of them; got {type(spec).__name__}."
        )
    values = np.empty(len(items))
    jacobian = np.empty((len(items), len(names)))
    for i, (_, item) in enumerate(items):
        if isinstance(item, str):
            values[i], jacobian[i] = evaluate_expression(item, names, estimate, aliases)
        else:
            jacobian[i] = _weights(item, names, aliases)
            values[i] = float(jacobian[i] @ estimate)
    return [name for name, _ in items], values, jacobian
