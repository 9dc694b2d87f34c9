"""Checks that turn silent wrong numbers into errors naming the column and the fix.

Each guard takes plain arrays or frames and raises a :class:`GovstatsError` subclass
(or warns with :class:`GovstatsWarning` where R warns); none modifies its input.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence

import numpy as np
import pandas as pd

from govstats.errors import DataError, DesignError

#: Weights and values whose squares or cross-products leave the float64 range
#: (about 1e-308 .. 1e308) give SEs of 0 or inf; refuse them well before that.
SMALLEST_SCALE = 1e-100
LARGEST_SCALE = 1e100


def snapshot(data: pd.DataFrame) -> pd.DataFrame:
    """Return an immutable view of ``data``: later edits of the caller's frame miss it.

    With pandas' copy-on-write (always on from pandas 3) a shallow copy is enough and
    costs nothing until one side is written; otherwise the frame is copied.
    """
    copy_on_write = int(pd.__version__.split(".")[0]) >= 3
    if not copy_on_write:
        copy_on_write = bool(pd.get_option("mode.copy_on_write") is True)
    return data.copy(deep=not copy_on_write)


def check_unique_columns(data: pd.DataFrame) -> None:
    """Refuse a frame with repeated column names (``data[name]`` would be a frame)."""
    repeated = data.columns[data.columns.duplicated()].unique()
    if len(repeated):
        shown = ", ".join(repr(c) for c in repeated)
        raise DataError(
            f"the data have repeated column names ({shown}); every column needs its own name. "
            "Rename or drop the copies, e.g. data.loc[:, ~data.columns.duplicated()]."
        )


def check_weight_scale(weights: np.ndarray, column: str | None) -> None:
    """Refuse weights whose products under- or overflow float64 (SE 0 or inf)."""
    positive = np.abs(weights[weights != 0])
    if positive.size == 0:
        return
    largest = float(positive.max())
    if SMALLEST_SCALE <= largest <= LARGEST_SCALE:
        return
    name = f"the weights in column {column!r}" if column else "the weights"
    raise DesignError(
        f"{name} are of order {largest:.1e}: their squares and cross-products leave the "
        "range of float64, which would give standard errors of 0 or infinity. Rescale "
        "the weights by a constant (means and proportions do not change; totals scale "
        "with it), e.g. weights / weights.mean()."
    )


def check_value_scale(matrix: np.ndarray, variables: Sequence[str]) -> None:
    """Refuse infinite analysis values, or values whose squares overflow float64 (SE inf).

    One pass per column (``fmin``/``fmax`` reductions skip NaN), no temporary arrays.
    """
    if matrix.size == 0:
        return
    columns = matrix if matrix.ndim == 2 else matrix[:, None]
    for i in range(columns.shape[1]):
        column = columns[:, i]
        high, low = float(np.fmax.reduce(column)), float(np.fmin.reduce(column))
        if np.isinf(high) or np.isinf(low):
            raise DataError(
                f"column {variables[i]!r} holds infinite values; replace them by finite "
                "numbers or by missing values (which na_rm=True, or missing='listwise' in the "
                "chain, leaves out)."
            )
        magnitude = max(abs(high), abs(low))
        if magnitude > LARGEST_SCALE:
            raise DataError(
                f"values of {variables[i]!r} reach {magnitude:.1e}: their squares overflow "
                "float64, which would give an infinite standard error. Rescale the variable "
                f"(e.g. data[{variables[i]!r}] / 1e6) and scale the results back."
            )


def check_distinct_labels(name: str, levels: Sequence[object]) -> None:
    """Refuse a factor whose distinct values print alike (1 and "1"): two rows named "1"."""
    seen: dict[str, object] = {}
    for value in levels:
        text = str(value)
        if text in seen:
            raise DataError(
                f"column {name!r} mixes values that print alike: {seen[text]!r} "
                f"({type(seen[text]).__name__}) and {value!r} ({type(value).__name__}) are "
                f"different values but both read {text!r}. Give the column one type, e.g. "
                f"data[{name!r}].astype(str) or pd.to_numeric(data[{name!r}])."
            )
        seen[text] = value


def check_not_all_lonely(df: int, n_psu: int, lonely_psu: str) -> None:
    """Refuse a design whose every stratum is lonely under ``lonely_psu="remove"``."""
    if lonely_psu == "remove" and df <= 0 and n_psu > 0:
        raise DesignError(
            f"every stratum has a single PSU and lonely_psu='remove' leaves them all out of "
            f"the variance: standard errors would be 0 with {df} degrees of freedom. Use "
            "lonely_psu='adjust' or 'average', or collapse strata so that each has two or "
            "more PSUs."
        )


def check_mask_index(mask: pd.Series, index: pd.Index) -> None:
    """Refuse a boolean Series whose index does not label the design's rows."""
    if mask.index.equals(index):
        return
    if len(mask) == len(index) and mask.index.sort_values().equals(index.sort_values()):
        return  # the same rows in another order: aligning by label is what is meant
    raise DataError(
        "the subset mask's index does not match the design's rows (it was built from "
        "another frame or after a reset_index/filter): aligning it would silently pick "
        "other rows. Build the mask from design.data, e.g. design.data['age'] >= 60, or "
        "pass mask.to_numpy() if it is in row order."
    )


def check_probabilities(q: object, argument: str = "q") -> list[float]:
    """Quantile probabilities as floats in [0, 1]; text such as ``"0.5"`` is refused."""
    values = [q] if isinstance(q, numbers.Real) or isinstance(q, str) else q
    try:
        items = list(values)  # type: ignore[call-overload]
    except TypeError:
        items = [q]
    bad = [v for v in items if isinstance(v, bool | str) or not isinstance(v, numbers.Real)]
    if bad or not items:
        raise DataError(
            f"{argument}={q!r} is not a probability or a list of them: pass numbers between "
            f"0 and 1, e.g. {argument}=0.5 or {argument}=[0.25, 0.5, 0.75] (not text)."
        )
    probs = [float(v) for v in items]
    if any(not 0.0 <= p <= 1.0 for p in probs):
        raise DataError(f"{argument}={q!r}: quantile probabilities must lie in [0, 1].")
    return probs
