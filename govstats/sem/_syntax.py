"""Parser of lavaan model syntax into flat rows (lavaan ``lavParseModelString``).

Supported: ``=~`` (loadings), ``~`` (regressions), ``~~`` (variances and
covariances), ``~ 1`` (intercepts), ``:=`` (defined parameters); modifiers
``a*x`` (label), ``1*x`` (fixed value), ``NA*x`` (free), ``c(a, b)*x`` /
``c(1, NA)*x`` (one modifier per group), ``start(v)*x`` (ignored) and several
modifiers chained (``NA*a*x``). Several left-hand sides (``y1 + y2 ~ x``) expand
to one row each.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from govstats.errors import ModelError

__all__ = ["Defined", "Modifier", "SyntaxRow", "parse"]

_OPERATORS = ("=~", "~~", "~")
_NAME = re.compile(r"^[A-Za-z_.][A-Za-z0-9_.]*$")
_NUMBER = re.compile(r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$")


@dataclass(frozen=True)
class Modifier:
    """What one modifier says about a parameter in one group (None: nothing)."""

    label: str | None = None
    value: float | None = None
    free: bool = False


@dataclass(frozen=True)
class SyntaxRow:
    """One parameter the user wrote: ``lhs op rhs`` with per-group modifiers."""

    lhs: str
    op: str
    rhs: str
    modifiers: tuple[Modifier, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class Defined:
    """A defined parameter ``name := expression``."""

    name: str
    expression: str


def _strip_comments(text: str) -> list[str]:
    out = []
    for raw in re.split(r"[\n;]", text):
        line = re.split(r"[#!]", raw, maxsplit=1)[0].strip()
        if line:
            out.append(line)
    return out


def _join_continued(lines: list[str]) -> list[str]:
    # a line ending in an operator or '+' continues on the next one (as lavaan)
    joined: list[str] = []
    for line in lines:
        if joined and (
            re.search(r"(\+|=~|~~|~|\*|:=|,)\s*$", joined[-1]) or re.match(r"^\s*\+", line)
        ):
            joined[-1] = joined[-1] + " " + line
        else:
            joined.append(line)
    return joined


def _split_plus(text: str) -> list[str]:
    parts, depth, current = [], 0, ""
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "+" and depth == 0:
            parts.append(current.strip())
            current = ""
        else:
            current += ch
    parts.append(current.strip())
    return [p for p in parts if p]


def _split_star(text: str) -> list[str]:
    parts, depth, current = [], 0, ""
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "*" and depth == 0:
            parts.append(current.strip())
            current = ""
        else:
            current += ch
    parts.append(current.strip())
    return parts


def _one_modifier(token: str, line: str) -> Modifier | None:
    token = token.strip().strip("'\"")
    if token in ("NA", "na"):
        return Modifier(free=True)
    if _NUMBER.match(token):
        return Modifier(value=float(token))
    if _NAME.match(token):
        return Modifier(label=token)
    if token == "":
        return None
    raise ModelError(f"cannot read the modifier {token!r} in the model line {line!r}.")


def _modifiers(tokens: list[str], line: str) -> tuple[Modifier, ...]:
    # each token is either scalar or c(...) with one entry per group; combine them
    per_group: list[list[Modifier]] = []
    for token in tokens:
        token = token.strip()
        if token.startswith("start(") or token.startswith("equal("):
            if token.startswith("equal("):
                raise ModelError(f"equal() modifiers are not supported ({line!r}); use labels.")
            continue
        if token.startswith("label(") and token.endswith(")"):
            token = token[6:-1]
        if token.startswith("c(") and token.endswith(")"):
            items = [s.strip() for s in token[2:-1].split(",")]
            mods = [_one_modifier(item, line) or Modifier() for item in items]
        else:
            mods = [_one_modifier(token, line) or Modifier()]
        per_group.append(mods)
    if not per_group:
        return ()
    n = max(len(m) for m in per_group)
    out = []
    for g in range(n):
        label, value, free = None, None, False
        for mods in per_group:
            if len(mods) not in (1, n):
                raise ModelError(
                    f"the modifiers in {line!r} give different numbers of groups "
                    f"({[len(m) for m in per_group]})."
                )
            mod = mods[0] if len(mods) == 1 else mods[g]
            label = mod.label if mod.label is not None else label
            value = mod.value if mod.value is not None else value
            free = free or mod.free
        out.append(Modifier(label=label, value=value, free=free and value is None))
    return tuple(out)


def parse(model: str) -> tuple[list[SyntaxRow], list[Defined]]:
    r"""Parse lavaan model syntax.

    Parameters
    ----------
    model : str
        Model syntax, one formula per line (or separated by ``;``).

    Returns
    -------
    (list of SyntaxRow, list of Defined)

    Examples
    --------
    >>> rows, defined = parse("f =~ x1 + a*x2\ny ~ f\nab := a*2")
    >>> [(r.lhs, r.op, r.rhs) for r in rows]
    [('f', '=~', 'x1'), ('f', '=~', 'x2'), ('y', '~', 'f')]
    >>> defined[0].name
    'ab'
    """
    if not isinstance(model, str) or not model.strip():
        raise ModelError("model must be lavaan model syntax such as 'f =~ x1 + x2 + x3'.")
    rows: list[SyntaxRow] = []
    defined: list[Defined] = []
    for line in _join_continued(_strip_comments(model)):
        if ":=" in line:
            name, expression = (s.strip() for s in line.split(":=", 1))
            if not _NAME.match(name):
                raise ModelError(f"the defined parameter name {name!r} is not a valid name.")
            defined.append(Defined(name, expression.replace("^", "**")))
            continue
        if re.search(r"==|<|>|\|", line):
            raise ModelError(
                f"the model line {line!r} uses an operator that govstats.sem does not support "
                f"(==, <, >, | thresholds); use shared labels for equality constraints."
            )
        op = next((o for o in _OPERATORS if o in line), None)
        if op is None:
            raise ModelError(f"the model line {line!r} has no operator: use =~, ~, ~~, ~ 1 or :=.")
        lhs_text, rhs_text = line.split(op, 1)
        lhs_names = _split_plus(lhs_text)
        for lhs in lhs_names:
            if not _NAME.match(lhs):
                raise ModelError(f"{lhs!r} on the left of {op!r} in {line!r} is not a name.")
        for term in _split_plus(rhs_text):
            tokens = _split_star(term)
            variable = tokens[-1].strip()
            mods = _modifiers(tokens[:-1], line)
            if op == "~" and variable in ("1", "1.0"):
                row_op, variable = "~1", ""
            elif not _NAME.match(variable):
                raise ModelError(f"{variable!r} in the model line {line!r} is not a name.")
            else:
                row_op = op
            for lhs in lhs_names:
                rows.append(SyntaxRow(lhs, row_op, variable, mods))
    return rows, defined
