"""Model matrices of the right-hand side of a formula, with term -> column maps and new data.

Shared by the ordinal, multinomial, prediction and test modules: formulaic builds the
columns, names follow R (``(Intercept)``), and the model spec is kept so that the same
coding applies to new data (``predict``, ``margins``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import formulaic
import numpy as np
import pandas as pd

from govstats.design._structure import check_columns
from govstats.errors import DataError, ModelError

_QUOTED = re.compile(r"""Q\(\s*(['"])(.*?)\1\s*\)""")


@dataclass(frozen=True)
class RHS:
    """A right-hand side evaluated on a data frame.

    Attributes
    ----------
    matrix : ndarray, shape (n, p)
        Model matrix (NaN rows where a predictor is missing).
    names : list of str
        Column names (``"(Intercept)"`` for the intercept).
    terms : dict of str to list of int
        Columns of every term (formulaic term labels, e.g. ``"stype"``, ``"ell:meals"``).
    variables : list of str
        Data columns the right-hand side reads.
    complete : ndarray of bool, shape (n,)
        Rows with every predictor present.
    spec : object
        formulaic model spec, to apply the same coding to new data.
    """

    matrix: np.ndarray
    names: list[str]
    terms: dict[str, list[int]]
    variables: list[str]
    complete: np.ndarray
    spec: object


def unquote(text: str) -> str:
    """``Q("a.b")`` -> ```a.b``` (formulaic's quoting), surrounding blanks removed."""
    return _QUOTED.sub(lambda m: f"`{m.group(2)}`", text).strip()


def split_formula(formula: str) -> tuple[str, str]:
    """``"y ~ a + b"`` -> ``("y", "a + b")`` (backquotes removed from the response)."""
    if not isinstance(formula, str) or "~" not in formula:
        raise ModelError(f"formula {formula!r} has no '~'; write 'response ~ predictors'.")
    lhs, rhs = unquote(formula).split("~", 1)
    return lhs.strip().strip("`").strip(), rhs.strip()


def canonical_term(term: str) -> str:
    """Return a term label with its factors sorted, so that ``b:a`` and ``a:b`` match (as R)."""
    parts = [p.strip().strip("`") for p in str(term).split(":")]
    return ":".join(sorted(parts))


def model_rhs(data: pd.DataFrame, rhs: str) -> RHS:
    """Evaluate a right-hand side on ``data`` (missing predictors give NaN rows)."""
    try:
        matrix = formulaic.model_matrix(rhs, data, na_action="ignore")
    except Exception as error:
        try:
            wanted = [str(v) for v in formulaic.Formula(rhs).required_variables]
        except Exception:
            wanted = []
        absent = [v for v in wanted if v not in data.columns]
        if absent:
            check_columns(data, absent, "predictor")
        raise ModelError(
            f"cannot build the model matrix for {rhs!r}: {error}. Quote names with dots, "
            'spaces or other symbols as `name` or Q("name").'
        ) from error
    spec = matrix.model_spec
    names = ["(Intercept)" if c == "Intercept" else str(c) for c in matrix.columns]
    terms: dict[str, list[int]] = {}
    for term, cols in spec.term_indices.items():
        label = str(term)
        terms["(Intercept)" if label == "1" else canonical_term(label)] = list(
            range(len(names))[cols] if isinstance(cols, slice) else cols
        )
    used = sorted(str(v) for v in spec.variables_by_source.get("data", set()))
    variables = [v for v in used if v in data.columns]
    x = np.asarray(matrix, dtype=np.float64)
    complete: np.ndarray = np.asarray(~np.isnan(x).any(axis=1))
    if variables:
        complete = complete & ~data[variables].isna().any(axis=1).to_numpy()
    x = np.where(complete[:, None], x, np.nan)
    return RHS(x, names, terms, variables, complete, spec)


def new_matrix(rhs: RHS, data: pd.DataFrame) -> np.ndarray:
    """Return the model matrix of new data with the coding of ``rhs`` (levels as in the fit)."""
    check_columns(data, rhs.variables, "predictor")
    try:
        matrix = rhs.spec.get_model_matrix(data, na_action="ignore")  # type: ignore[attr-defined]
    except Exception as error:
        raise DataError(
            f"cannot apply the model's coding to the new data: {error}. New data need the "
            f"columns {rhs.variables} with levels seen in the fit."
        ) from error
    return np.asarray(matrix, dtype=np.float64)
