"""Columns of a causal model: treatment, covariate matrix and outcome as arrays."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import formulaic
import numpy as np
import pandas as pd

from govstats.design.survey_design import SurveyDesign
from govstats.errors import DataError, ModelError

ESTIMANDS = ("ATE", "ATT")


@dataclass(frozen=True)
class Columns:
    """Arrays of a causal model on the rows of a design (zero weight outside it)."""

    x: np.ndarray
    terms: list[str]
    t: np.ndarray
    w: np.ndarray
    y: np.ndarray | None


def check_estimand(estimand: str) -> str:
    value = str(estimand).upper()
    if value not in ESTIMANDS:
        raise ModelError(f"estimand={estimand!r} is not one of {ESTIMANDS}.")
    return value


def treatment_array(data: pd.DataFrame, treatment: str) -> np.ndarray:
    if treatment not in data.columns:
        raise DataError(f"treatment column {treatment!r} is not in the data.")
    series = data[treatment]
    values = series.to_numpy(dtype=np.float64, na_value=np.nan) if not (
        isinstance(series.dtype, pd.CategoricalDtype)
    ) else np.full(len(series), np.nan)  # fmt: skip
    finite = values[np.isfinite(values)]
    if finite.size == 0 or not np.isin(finite, (0.0, 1.0)).all():
        shown = sorted(pd.unique(series.dropna()).tolist(), key=str)[:6]
        raise DataError(
            f"treatment {treatment!r} must be 0/1 or bool; found values {shown}. Recode it "
            "(1 = treated)."
        )
    return values


def columns(
    design: SurveyDesign,
    treatment: str,
    covariates: Sequence[str],
    outcome: str | None = None,
) -> Columns:
    """Treatment, covariates (with an intercept) and outcome of the rows with weight."""
    if isinstance(covariates, str):
        covariates = [covariates]
    covariates = list(covariates)
    if not covariates:
        raise ModelError("covariates is empty: name the columns the propensity model adjusts for.")
    data = design.data
    absent = [c for c in [*covariates, *([outcome] if outcome else [])] if c not in data.columns]
    if absent:
        raise DataError(f"columns {absent} are not in the data; check the names.")
    t = treatment_array(data, treatment)
    rhs = " + ".join(f"`{c}`" for c in covariates)
    matrix = formulaic.model_matrix("1 + " + rhs, data, na_action="ignore")
    x = np.asarray(matrix, dtype=np.float64)
    terms = [str(c) for c in matrix.columns]
    y = None
    if outcome is not None:
        y = data[outcome].to_numpy(dtype=np.float64, na_value=np.nan)
    w = design.weights_array
    active = w != 0
    bad = ~np.isfinite(t) | ~np.isfinite(x).all(axis=1)
    if y is not None:
        bad |= ~np.isfinite(y)
    if (bad & active).any():
        used = [treatment, *covariates, *([outcome] if outcome else [])]
        counts = {c: int(data[c].isna().to_numpy()[active].sum()) for c in used}
        shown = ", ".join(f"{k!r} ({v} missing)" for k, v in counts.items() if v)
        raise DataError(
            f"missing values in {shown or used}; drop or impute them, or restrict the design "
            "with design.subset(complete rows) first."
        )
    w = np.where(active, w, 0.0)
    for arm in (0, 1):
        if not np.any((t == arm) & active):
            raise DataError(f"treatment {treatment!r} has no rows equal to {arm} with weight.")
    x = np.where(active[:, None], x, 0.0)
    t = np.where(active, t, 0.0)
    if y is not None:
        y = np.where(active, y, 0.0)
    return Columns(x=x, terms=terms, t=t, w=w, y=y)
