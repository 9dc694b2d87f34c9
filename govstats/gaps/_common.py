"""Shared plumbing of the gaps estimators: input resolution, replicate inference, tidy frames.

Every survey-based estimator in :mod:`govstats.gaps` is a function
``estimate(weights) -> (p,) vector``. Point estimates use the analysis weights; standard
errors re-run the same function under every replicate weight and combine the replicate
estimates with the replicate method's own variance formula (``Replicates.vcov``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import pandas as pd
from scipy import stats

from govstats.errors import DataError, DesignError

__all__ = [
    "IIDBootstrap",
    "Inference",
    "ReplicateSource",
    "as_generator",
    "check_columns",
    "check_complete",
    "interval",
    "resolve",
    "run_replicates",
    "two_groups",
]


class ReplicateSource(Protocol):
    """What the gaps estimators need from a replicate-weight object (``Replicates``)."""

    @property
    def method(self) -> str: ...

    @property
    def df(self) -> int: ...

    @property
    def n_replicates(self) -> int: ...

    def weight_chunks(
        self, base_weights: np.ndarray, chunk: int = 64
    ) -> Iterator[tuple[slice, np.ndarray]]: ...

    def vcov(self, replicate_estimates: np.ndarray, full_estimate: np.ndarray) -> np.ndarray: ...


def as_generator(seed: int | np.random.Generator | None) -> np.random.Generator:
    """Return a Generator for ``seed`` (int, Generator or None for fresh entropy)."""
    if isinstance(seed, np.random.Generator):
        return seed
    return np.random.default_rng(seed)


@dataclass(frozen=True)
class IIDBootstrap:
    """Row-level bootstrap replicate weights for a plain DataFrame (simple random sample).

    Replicate ``r`` multiplies the weight of row ``i`` by the number of times row ``i``
    is drawn in ``n`` draws with replacement; variance ``1/(R-1) sum (theta_r - mean)^2``
    as R ``survey``'s ``type="bootstrap"`` with every row its own PSU.

    Attributes
    ----------
    counts : numpy.ndarray
        (R, n) int32 draw counts.
    seed : int or None
        The integer seed, when one was given.
    """

    counts: np.ndarray
    seed: int | None
    method: str = "iid-bootstrap"

    @classmethod
    def draw(cls, n: int, replicates: int, seed: int | np.random.Generator | None) -> IIDBootstrap:
        """Draw ``replicates`` bootstrap resamples of ``n`` rows."""
        rng = as_generator(seed)
        counts = rng.multinomial(n, np.full(n, 1.0 / n), size=replicates).astype(np.int32)
        return cls(counts=counts, seed=seed if isinstance(seed, int) else None)

    @property
    def n_replicates(self) -> int:
        """Number of replicates R."""
        return int(self.counts.shape[0])

    @property
    def df(self) -> int:
        """Degrees of freedom: rows - 1."""
        return int(self.counts.shape[1]) - 1

    def weight_chunks(
        self, base_weights: np.ndarray, chunk: int = 64
    ) -> Iterator[tuple[slice, np.ndarray]]:
        """Yield (replicate slice, (n, c) replicate weights)."""
        for start in range(0, self.n_replicates, chunk):
            sl = slice(start, min(start + chunk, self.n_replicates))
            yield sl, base_weights[:, None] * self.counts[sl].T

    def vcov(self, replicate_estimates: np.ndarray, full_estimate: np.ndarray) -> np.ndarray:
        """(R, p), (p,) -> (p, p) bootstrap covariance around the replicate mean."""
        centred = replicate_estimates - replicate_estimates.mean(axis=0)
        return np.asarray(centred.T @ centred / (self.n_replicates - 1))


@dataclass(frozen=True)
class Inference:
    """The data, analysis weights and replicate weights an estimator works on.

    Attributes
    ----------
    data : pandas.DataFrame
        All rows of the design (or the DataFrame).
    weights : numpy.ndarray
        (n,) analysis weights; 0 outside a domain.
    replicates : ReplicateSource or None
        Replicate weights; None when no standard errors are wanted.
    base_weights : numpy.ndarray
        (n,) the weights the replicates multiply (equal to ``weights`` here).
    source : str
        "design" or "data frame".
    """

    data: pd.DataFrame
    weights: np.ndarray
    replicates: ReplicateSource | None
    source: str

    @property
    def variance_method(self) -> str:
        """Human-readable name of the variance method."""
        if self.replicates is None:
            return "none"
        return f"{self.replicates.method} replicates (R={self.replicates.n_replicates})"

    @property
    def df(self) -> float:
        """Degrees of freedom for t intervals (inf without replicates)."""
        return float(self.replicates.df) if self.replicates is not None else float("nan")

    @property
    def seed(self) -> int | None:
        """Seed of the replicate weights, when known."""
        return getattr(self.replicates, "seed", None)


def _is_design(obj: Any) -> bool:
    return hasattr(obj, "weights_array") and hasattr(obj, "data") and hasattr(obj, "to_replicates")


def resolve(
    design_or_df: Any,
    *,
    weights: str | None,
    replicates: int,
    seed: int | np.random.Generator | None,
) -> Inference:
    """Turn a SurveyDesign or a DataFrame into an :class:`Inference`.

    A design keeps its replicate weights, or gets Rao–Wu bootstrap weights
    (``replicates`` of them, drawn with ``seed``). A DataFrame is treated as a simple
    random sample: optional frequency/probability weights in column ``weights`` and a
    row-level bootstrap. ``replicates=0`` switches standard errors off.
    """
    if isinstance(design_or_df, pd.DataFrame):
        data = design_or_df
        n = len(data)
        if weights is None:
            w = np.ones(n)
        else:
            check_columns(data, [weights], what="weights")
            w = pd.to_numeric(data[weights], errors="coerce").to_numpy(dtype=float)
            bad = ~np.isfinite(w) | (w < 0)
            if bad.any():
                raise DataError(
                    f"weights column {weights!r} has {int(bad.sum())} missing, non-numeric or "
                    "negative values; weights must be finite and >= 0 — fix or drop those rows."
                )
        reps: ReplicateSource | None = None
        if replicates < 0:
            raise DataError(f"replicates must be >= 0, got {replicates}.")
        if replicates == 1:
            raise DataError("replicates=1 gives no variance; use 0 (no standard errors) or >= 2.")
        if replicates > 0:
            reps = IIDBootstrap.draw(n, replicates, seed)
        return Inference(data=data, weights=w, replicates=reps, source="data frame")
    if _is_design(design_or_df):
        if weights is not None:
            raise DesignError(
                f"weights={weights!r} given together with a SurveyDesign; the design's "
                "analysis weights are used — drop the weights argument."
            )
        design = design_or_df
        if design.replicates is None and replicates > 0:
            design = design.to_replicates("bootstrap", replicates=replicates, seed=seed)
        w = np.asarray(design.weights_array, dtype=float)
        return Inference(
            data=design.data,
            weights=w,
            replicates=design.replicates,
            source="design",
        )
    raise DataError(
        "expected a pandas DataFrame or a govstats SurveyDesign, "
        f"got {type(design_or_df).__name__}."
    )


def check_columns(data: pd.DataFrame, columns: Sequence[str], *, what: str = "column") -> None:
    """Raise DataError if any of ``columns`` is not in ``data``."""
    missing = [c for c in columns if c not in data.columns]
    if missing:
        raise DataError(
            f"{what} {missing} not found in the data; available columns include "
            f"{list(data.columns)[:12]} — check the spelling."
        )


def check_complete(data: pd.DataFrame, columns: Sequence[str], weights: np.ndarray) -> None:
    """Raise DataError if a used column is missing for a row that carries weight."""
    for col in columns:
        miss = data[col].isna().to_numpy() & (weights > 0)
        if miss.any():
            rows = list(data.index[miss][:5])
            raise DataError(
                f"column {col!r} has {int(miss.sum())} missing values (first rows {rows}); "
                "impute them or restrict the analysis (design.subset / drop the rows before "
                "building the design)."
            )


def two_groups(
    data: pd.DataFrame, group: str, weights: np.ndarray
) -> tuple[np.ndarray, tuple[Any, Any]]:
    """Return (is_group1 boolean array, (level0, level1)) for a two-level column.

    Level 0 is the lower sorted level (for ``rural``: 0 = urban, 1 = rural).
    """
    check_columns(data, [group], what="group")
    col = data[group]
    active = weights > 0
    if col[active].isna().any():
        raise DataError(
            f"group column {group!r} has {int(col[active].isna().sum())} missing values; "
            "drop or recode them."
        )
    levels = sorted(pd.unique(col[active]).tolist())
    if len(levels) != 2:
        raise DataError(
            f"group column {group!r} must have exactly two levels, found {len(levels)}: "
            f"{levels[:10]}; recode it to two groups (e.g. 0/1) or subset the data."
        )
    is1 = (col == levels[1]).to_numpy()
    return is1, (levels[0], levels[1])


def run_replicates(
    inf: Inference,
    estimator: Callable[[np.ndarray], np.ndarray],
    full: np.ndarray,
    *,
    chunk: int = 64,
) -> tuple[np.ndarray | None, np.ndarray]:
    """Re-run ``estimator`` under every replicate weight.

    Returns (replicate estimates (R, p) or None, standard errors (p,)). Without
    replicates the standard errors are NaN (documented as "not computed").
    """
    if inf.replicates is None:
        return None, np.full(full.shape, np.nan)
    reps = inf.replicates
    out = np.empty((reps.n_replicates, full.size))
    for sl, wmat in reps.weight_chunks(inf.weights, chunk):
        for j, r in enumerate(range(sl.start, sl.stop)):
            out[r] = estimator(np.ascontiguousarray(wmat[:, j]))
    cov = reps.vcov(out, full)
    return out, np.sqrt(np.clip(np.diag(cov), 0.0, None))


def interval(
    estimate: np.ndarray, se: np.ndarray, df: float, level: float
) -> tuple[np.ndarray, np.ndarray]:
    """Student-t interval on ``df`` degrees of freedom (normal when df is inf)."""
    if not 0 < level < 1:
        raise DataError(f"level must be in (0, 1), got {level}.")
    q = stats.t.ppf(0.5 + level / 2, df) if np.isfinite(df) else stats.norm.ppf(0.5 + level / 2)
    return estimate - q * se, estimate + q * se
