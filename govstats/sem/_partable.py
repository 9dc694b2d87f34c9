"""The parameter table: lavaan's defaults applied to the parsed syntax (``lavaanify``).

Defaults follow lavaan ``sem()`` / ``cfa()``: the first loading of every factor
fixed to 1 (``auto.fix.first``), residual variances of every observed and latent
variable free (``auto.var``), covariances among exogenous latent variables free
(``auto.cov.lv.x``), covariances among purely dependent variables free
(``auto.cov.y``), exogenous observed covariates fixed at their sample moments
(``fixed.x``); with a mean structure observed intercepts free and latent means
fixed at zero (free in groups after the first when intercepts are held equal).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from govstats.errors import ModelError
from govstats.sem._syntax import Defined, SyntaxRow

__all__ = ["GROUP_EQUAL", "ParTable", "VariableRoles", "build", "roles"]

GROUP_EQUAL = (
    "loadings",
    "intercepts",
    "means",
    "residuals",
    "residual.covariances",
    "lv.variances",
    "lv.covariances",
    "regressions",
)


@dataclass(frozen=True)
class VariableRoles:
    """Names of the model's variables by role (lavaan ``lav_partable_vnames``)."""

    lv: tuple[str, ...]
    ov: tuple[str, ...]
    ov_x: tuple[str, ...]
    lv_x: tuple[str, ...]
    y_pure: tuple[str, ...]

    @property
    def ov_nox(self) -> tuple[str, ...]:
        """Observed variables that are not fixed exogenous covariates."""
        return tuple(v for v in self.ov if v not in self.ov_x)


def _unique(seq: Sequence[str]) -> list[str]:
    seen: dict[str, None] = {}
    for s in seq:
        seen.setdefault(s, None)
    return list(seen)


def roles(rows: Sequence[SyntaxRow], fixed_x: bool = True) -> VariableRoles:
    r"""Classify the variables of parsed syntax as lavaan does.

    Examples
    --------
    >>> from govstats.sem._syntax import parse
    >>> r = roles(parse("f =~ a + b + c\nf ~ z")[0])
    >>> r.ov, r.ov_x
    (('a', 'b', 'c', 'z'), ('z',))
    """
    lv = _unique([r.lhs for r in rows if r.op == "=~"])
    v_ind = _unique([r.rhs for r in rows if r.op == "=~"])
    eqs_y = _unique([r.lhs for r in rows if r.op == "~"])
    eqs_x = _unique([r.rhs for r in rows if r.op == "~"])
    ov_ind = [v for v in v_ind if v not in lv]
    ov_y = [v for v in eqs_y if v not in lv and v not in ov_ind]
    ov_x = [v for v in eqs_x if v not in lv and v not in ov_ind and v not in ov_y]
    extra = _unique(
        [r.lhs for r in rows if r.op in ("~~", "~1") and r.lhs not in lv]
        + [r.rhs for r in rows if r.op == "~~" and r.rhs not in lv]
    )
    ov = _unique(ov_ind + ov_y + ov_x + extra)
    user_named = {r.lhs for r in rows if r.op in ("~~", "~1")} | {
        r.rhs for r in rows if r.op == "~~"
    }
    ov_x_fixed = [v for v in ov_x if v not in user_named] if fixed_x else []
    lv_x = [v for v in lv if v not in v_ind and v not in eqs_y]
    y_pure = [v for v in lv if v in eqs_y and v not in v_ind and v not in eqs_x] + [
        v for v in ov if v in eqs_y and v not in v_ind and v not in eqs_x and v not in lv
    ]
    return VariableRoles(tuple(lv), tuple(ov), tuple(ov_x_fixed), tuple(lv_x), tuple(y_pure))


@dataclass(frozen=True)
class ParTable:
    """The full parameter table.

    Attributes
    ----------
    lhs, op, rhs : tuple of str
    group : ndarray of int, shape (k,)
        Group index (0-based) of every row.
    free : ndarray of int, shape (k,)
        Index of the free parameter of the row (0-based), -1 when fixed.
    value : ndarray, shape (k,)
        Fixed value (NaN for free rows and for exogenous moments filled from data).
    exo : ndarray of bool, shape (k,)
        Variance/covariance/mean of a fixed exogenous covariate (set from the sample).
    label : tuple of str
        User label ('' when none).
    user : ndarray of bool, shape (k,)
        Written by the user (True) or added by a default (False).
    roles : VariableRoles
    n_groups : int
    meanstructure : bool
    defined : tuple of Defined
    n_free : int
    """

    lhs: tuple[str, ...]
    op: tuple[str, ...]
    rhs: tuple[str, ...]
    group: np.ndarray
    free: np.ndarray
    value: np.ndarray
    exo: np.ndarray
    label: tuple[str, ...]
    user: np.ndarray
    roles: VariableRoles
    n_groups: int
    meanstructure: bool
    defined: tuple[Defined, ...]
    n_free: int

    def __len__(self) -> int:
        return len(self.lhs)


def _defaults(r: VariableRoles, meanstructure: bool) -> list[tuple[str, str, str]]:
    out = [(v, "~~", v) for v in r.ov_nox] + [(v, "~~", v) for v in r.lv]
    lvx = list(r.lv_x)
    out += [(lvx[i], "~~", lvx[j]) for i in range(len(lvx)) for j in range(i + 1, len(lvx))]
    y = list(r.y_pure)
    out += [(y[i], "~~", y[j]) for i in range(len(y)) for j in range(i + 1, len(y))]
    x = list(r.ov_x)
    out += [(x[c], "~~", x[rr]) for c in range(len(x)) for rr in range(c, len(x))]
    if meanstructure:
        out += [(v, "~1", "") for v in r.ov] + [(v, "~1", "") for v in r.lv]
    return out


def build(
    rows: Sequence[SyntaxRow],
    defined: Sequence[Defined],
    *,
    n_groups: int = 1,
    meanstructure: bool = False,
    group_equal: Sequence[str] = (),
    fixed_x: bool = True,
) -> ParTable:
    """Apply lavaan's defaults to parsed rows and number the free parameters.

    Equality constraints come from shared labels (within and across groups) and
    from ``group_equal`` (lavaan ``group.equal``).

    Examples
    --------
    >>> from govstats.sem._syntax import parse
    >>> pt = build(*parse("f =~ a + b + c"))
    >>> pt.n_free, pt.free[:3].tolist()
    (6, [-1, 0, 1])
    """
    for item in group_equal:
        if item not in GROUP_EQUAL:
            raise ModelError(
                f"group_equal={item!r} is not known: use some of {', '.join(GROUP_EQUAL)}."
            )
    r = roles(rows, fixed_x)
    if any(row.op == "~1" for row in rows):
        meanstructure = True
    lv = set(r.lv)
    for row in rows:
        if row.op == "=~" and row.rhs == row.lhs:
            raise ModelError(f"{row.lhs} =~ {row.rhs} makes a variable its own indicator.")
        if len(row.modifiers) not in (0, 1, n_groups):
            raise ModelError(
                f"{row.lhs} {row.op} {row.rhs} has {len(row.modifiers)} modifiers for "
                f"{n_groups} group(s)."
            )
    # covariances in lavaan's canonical order (latent then observed variables), so that a
    # user's "f2 ~~ f1" is the default "f1 ~~ f2" (lavaan lav_partable_covariance_reorder)
    order = {v: i for i, v in enumerate((*r.lv, *r.ov))}
    rows = [
        SyntaxRow(row.rhs, row.op, row.lhs, row.modifiers)
        if row.op == "~~" and order.get(row.lhs, -1) > order.get(row.rhs, -1)
        else row
        for row in rows
    ]
    user_keys = [(row.lhs, row.op, row.rhs) for row in rows]
    seen = set()
    unique_rows = []
    for key, row in zip(user_keys, rows, strict=True):
        if key not in seen:
            seen.add(key)
            unique_rows.append(row)
    default_keys = [k for k in _defaults(r, meanstructure) if k not in seen]
    first_loading = {}
    for row in unique_rows:
        if row.op == "=~" and row.lhs not in first_loading:
            first_loading[row.lhs] = row.rhs
    # auto.fix.single: an observed item that is the only indicator of its factor (and
    # loads on nothing else) has its residual variance fixed to zero
    loads = [row for row in unique_rows if row.op == "=~"]
    single = {
        row.rhs
        for row in loads
        if sum(o.lhs == row.lhs for o in loads) == 1
        and sum(o.rhs == row.rhs for o in loads) == 1
        and row.rhs not in lv
    }
    lhs: list[str] = []
    op: list[str] = []
    rhs: list[str] = []
    group: list[int] = []
    value: list[float] = []
    is_free: list[bool] = []
    exo: list[bool] = []
    label: list[str] = []
    user: list[bool] = []
    ov_x = set(r.ov_x)
    for g in range(n_groups):
        entries = [(row.lhs, row.op, row.rhs, row.modifiers, True) for row in unique_rows]
        entries += [(a, b, c, (), False) for a, b, c in default_keys]
        for a, b, c, mods, by_user in entries:
            mod = mods[0] if len(mods) == 1 else (mods[g] if mods else None)
            fixed_value: float = np.nan
            free_row = True
            is_exo = False
            if b == "=~" and first_loading.get(a) == c:
                fixed_value, free_row = 1.0, False
            if b == "~~" and a == c and a in single and not by_user:
                fixed_value, free_row = 0.0, False
            if b == "~~" and a in ov_x and c in ov_x:
                free_row, is_exo = False, True
            if b == "~1":
                if a in lv:
                    free_row, fixed_value = False, 0.0
                    if "intercepts" in group_equal and g > 0 and not by_user:
                        free_row, fixed_value = True, np.nan
                if a in ov_x:
                    free_row, is_exo = False, True
            if by_user and b == "~1" and a in lv:
                free_row, fixed_value = True, np.nan
            if mod is not None:
                if mod.value is not None:
                    free_row, fixed_value, is_exo = False, mod.value, False
                elif mod.free:
                    free_row, fixed_value = True, np.nan
            lhs.append(a)
            op.append(b)
            rhs.append(c)
            group.append(g)
            value.append(fixed_value)
            is_free.append(free_row)
            exo.append(is_exo)
            label.append(mod.label if mod is not None and mod.label else "")
            user.append(by_user)
    # number the free parameters: rows sharing a label, or held equal across groups
    free = np.full(len(lhs), -1, dtype=np.int64)
    keys: dict[object, int] = {}
    first_row: dict[object, int] = {}
    n_free = 0
    for i in range(len(lhs)):
        if not is_free[i]:
            continue
        slot: object
        if label[i]:
            slot = ("label", label[i])
        elif n_groups > 1 and _held_equal(lhs[i], op[i], rhs[i], group_equal, r):
            slot = ("equal", lhs[i], op[i], rhs[i])
        else:
            slot = ("row", i)
        if slot not in keys:
            keys[slot] = n_free
            first_row[slot] = i
            n_free += 1
        free[i] = keys[slot]
        if isinstance(slot, tuple) and slot[0] == "equal":
            # lavaan labels group.equal constraints by the first row's plabel
            label[i] = f".p{first_row[slot] + 1}."
    labels_used = {lab for lab in label if lab}
    for d in defined:
        if d.name in labels_used:
            raise ModelError(f"the defined parameter {d.name!r} reuses a parameter label.")
    return ParTable(
        tuple(lhs), tuple(op), tuple(rhs), np.asarray(group), free,
        np.asarray(value, dtype=np.float64), np.asarray(exo), tuple(label),
        np.asarray(user), r, n_groups, meanstructure, tuple(defined), n_free,
    )  # fmt: skip


def _held_equal(lhs: str, op: str, rhs: str, group_equal: Sequence[str], r: VariableRoles) -> bool:
    lv = set(r.lv)
    if op == "=~":
        return "loadings" in group_equal
    if op == "~":
        return "regressions" in group_equal
    if op == "~1":
        return ("means" if lhs in lv else "intercepts") in group_equal
    if op == "~~":
        if lhs in lv:
            return ("lv.variances" if lhs == rhs else "lv.covariances") in group_equal
        return ("residuals" if lhs == rhs else "residual.covariances") in group_equal
    return False
