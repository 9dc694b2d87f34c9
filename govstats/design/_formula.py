"""Model matrices of the right-hand side of a formula, with term -> column maps and new data.

Shared by the ordinal, multinomial, prediction and test modules: formulaic builds the
columns, names follow R (``(Intercept)``), and the model spec is kept so that the same
coding applies to new data (``predict``, ``margins``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from govstats.design._structure import check_columns
from govstats.design.categorical import as_numeric_frame
from govstats.design.model_matrix import build_model_matrix
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
    """Evaluate a right-hand side on ``data`` (missing predictors give NaN rows).

    The columns come from the one model-matrix builder
    (:func:`govstats.design.model_matrix.build_model_matrix`, with the categorical
    rule applied), named here as R names them.
    """
    mm = build_model_matrix(data, rhs)
    names = list(mm.r_names)
    terms: dict[str, list[int]] = {}
    for k, term in enumerate(mm.terms):
        key = "(Intercept)" if term == "Intercept" else canonical_term(term)
        terms.setdefault(key, []).append(k)
    variables = list(mm.variables)
    x = mm.matrix
    complete: np.ndarray = np.asarray(~np.isnan(x).any(axis=1))
    if variables:
        complete = complete & ~data[variables].isna().any(axis=1).to_numpy()
    x = np.where(complete[:, None], x, np.nan)
    return RHS(x, names, terms, variables, complete, mm.spec)


def new_matrix(rhs: RHS, data: pd.DataFrame) -> np.ndarray:
    """Return the model matrix of new data with the coding of ``rhs`` (levels as in the fit)."""
    check_columns(data, rhs.variables, "predictor")
    try:
        frame = as_numeric_frame(data, rhs.variables)
        matrix = rhs.spec.get_model_matrix(frame, na_action="ignore")  # type: ignore[attr-defined]
    except Exception as error:
        raise DataError(
            f"cannot apply the model's coding to the new data: {error}. New data need the "
            f"columns {rhs.variables} with levels seen in the fit."
        ) from error
    return np.asarray(matrix, dtype=np.float64)
