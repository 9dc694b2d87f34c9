"""Formula parsing for the decompositions (formulaic, treatment coding).

Categorical covariates (``C(x)`` or string/categorical columns) are treatment coded;
the reference (omitted) level is the first level — the first category of a pandas
Categorical, otherwise the smallest sorted value — unless chosen with
``C(x, contr.treatment("level"))``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import formulaic
import numpy as np
import pandas as pd
import scipy.linalg

from govstats.design.model_matrix import build_model_matrix, quote_columns
from govstats.errors import DataError, ModelError
from govstats.gaps._common import check_columns, check_complete
from govstats.gaps._oaxaca import CategoricalBlock

__all__ = ["ModelFrame", "build", "check_rank"]


@dataclass(frozen=True)
class ModelFrame:
    """Numeric arrays of a parsed formula.

    Attributes
    ----------
    outcome : str
    y : (n,) outcome; x : (n, p) design matrix (rows outside the analysis are zero).
    columns : p column names; terms : p term labels (the formula term of each column).
    intercept : position of the intercept column or None.
    blocks : treatment-coded factors (for normalisation).
    block_terms, block_levels : term label and (reference, *coded levels) of each block.
    reference_levels : {term: omitted level}.
    """

    outcome: str
    y: np.ndarray
    x: np.ndarray
    columns: tuple[str, ...]
    terms: tuple[str, ...]
    intercept: int | None
    blocks: tuple[CategoricalBlock, ...]
    block_terms: tuple[str, ...]
    block_levels: tuple[tuple[Any, ...], ...]
    reference_levels: dict[str, Any]


def build(
    formula: str, data: pd.DataFrame, weights: np.ndarray, by: str | Sequence[str]
) -> ModelFrame:
    """Parse ``formula`` on ``data``; check columns, missing values and the groups' absence."""
    formula = quote_columns(formula, [str(c) for c in data.columns])
    try:
        parsed = formulaic.Formula(formula)
    except Exception as exc:  # formulaic raises several parser error types
        raise DataError(f"cannot parse formula {formula!r}: {exc}") from None
    if not hasattr(parsed, "lhs") or len(parsed.lhs) != 1:
        raise DataError(f"formula {formula!r} needs exactly one outcome on the left of '~'.")
    variables = sorted(parsed.required_variables)
    check_columns(data, variables)
    on_right = {str(v) for v in parsed.rhs.required_variables}
    for group in [by] if isinstance(by, str) else list(by):
        if group not in on_right:
            continue
        raise DataError(
            f"the by column {group!r} appears on the right of the formula {formula!r}; "
            "remove it — the decomposition splits the sample by it."
        )
    check_complete(data, variables, weights)
    active = weights > 0
    # rows outside the analysis (zero weight) may hold missing values: keep them but zero
    lhs_text, rhs_text = formula.split("~", 1)
    try:
        lhs = build_model_matrix(data, f"{lhs_text} - 1")
        rhs = build_model_matrix(data, rhs_text)
    except ModelError as error:
        raise DataError(f"formula {formula!r}: {error}") from None
    if len(lhs.names) != 1:
        raise DataError(
            f"the outcome of {formula!r} must be one numeric column, not {list(lhs.names)}."
        )
    outcome = lhs.names[0]
    y = lhs.matrix[:, 0]
    x = rhs.matrix
    y = np.where(active, y, 0.0)
    x = np.where(active[:, None], x, 0.0)
    if not (np.isfinite(y).all() and np.isfinite(x).all()):
        raise DataError(f"formula {formula!r} produces infinite values (e.g. log of 0).")
    columns = rhs.names
    spec = rhs.spec
    col_pos = {c: k for k, c in enumerate(columns)}
    terms = list(rhs.terms)
    contrasts = {str(f): st for f, st in spec.factor_contrasts.items()}
    blocks, block_terms, block_levels, reference_levels = [], [], [], {}
    intercept = None
    for st in spec.structure:
        label = str(st.term)
        if label == "1":
            intercept = col_pos[str(st.columns[0])]
            continue
        factors = [str(f) for f in st.term.factors]
        if len(factors) != 1 or factors[0] not in contrasts:
            continue
        cs = contrasts[factors[0]]
        if type(cs.contrasts).__name__ != "TreatmentContrasts" or intercept is None:
            continue
        coded = list(cs.contrasts.get_coding_column_names(cs.levels, reduced_rank=True))
        ref = [lev for lev in cs.levels if lev not in coded]
        if len(ref) != 1 or len(coded) != len(st.columns):
            continue
        reference_levels[label] = ref[0]
        blocks.append(CategoricalBlock(columns=tuple(col_pos[str(c)] for c in st.columns)))
        block_terms.append(label)
        block_levels.append((ref[0], *coded))
    return ModelFrame(
        outcome=outcome,
        y=y,
        x=x,
        columns=columns,
        terms=tuple(terms),
        intercept=intercept,
        blocks=tuple(blocks),
        block_terms=tuple(block_terms),
        block_levels=tuple(block_levels),
        reference_levels=reference_levels,
    )


def check_rank(mf: ModelFrame, w: np.ndarray, label: str, group: str) -> None:
    """Raise ModelError naming the columns that are constant or collinear in one group."""
    active = w > 0
    n_active = int(active.sum())
    p = mf.x.shape[1]
    if n_active <= p:
        raise ModelError(
            f"group {group}={label!r} has {n_active} rows for {p} coefficients; "
            "use fewer covariates or merge groups."
        )
    xs = mf.x[active] * np.sqrt(w[active])[:, None]
    _, r, piv = scipy.linalg.qr(xs, mode="economic", pivoting=True)
    diag = np.abs(np.diag(r))
    rank = int(np.sum(diag > diag[0] * 1e-10)) if diag.size else 0
    if rank < p:
        bad = [mf.columns[k] for k in piv[rank:]]
        raise ModelError(
            f"in group {group}={label!r} the column(s) {bad} are constant or collinear with "
            "the others (e.g. a category with no members in this group); merge rare "
            "categories or drop those covariates."
        )
