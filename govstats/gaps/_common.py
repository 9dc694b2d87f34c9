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

from govstats.design import SurveyDesign
from govstats.design.categorical import group_codes
from govstats.design.inference import (
    SeedLike,
    check_replicates,
    iid_counts,
    replicate_vcov,
    resolve_seed,
)
from govstats.design.replicates import Replicates
from govstats.errors import DataError, DesignError

__all__ = [
    "IIDBootstrap",
    "Inference",
    "ReplicateSource",
    "by_name",
    "check_columns",
    "check_complete",
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


@dataclass(frozen=True)
class IIDBootstrap:
    """Row-level bootstrap replicate weights for a plain DataFrame (simple random sample).

    Replicate ``r`` multiplies the weight of row ``i`` by the number of times row ``i``
    is drawn in ``n`` draws with replacement (:func:`govstats.design.inference.iid_counts`);
    variance ``1/(R-1) sum (theta_r - mean)^2`` as R ``survey``'s ``type="bootstrap"``
    with every row its own PSU.

    Attributes
    ----------
    counts : numpy.ndarray
        (R, n) draw counts.
    seed : int
        The seed the counts were drawn with.
    """

    counts: np.ndarray
    seed: int
    method: str = "iid-bootstrap"

    @classmethod
    def draw(cls, n: int, replicates: int, seed: int) -> IIDBootstrap:
        """Draw ``replicates`` bootstrap resamples of ``n`` rows from the integer ``seed``."""
        counts = np.hstack(list(iid_counts(n, replicates, seed=seed))).T
        return cls(counts=counts, seed=seed)

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
        n_rep = self.n_replicates
        return replicate_vcov(
            replicate_estimates, full_estimate, 1.0 / (n_rep - 1), np.ones(n_rep), False
        )


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
        """Seed the replicate weights were drawn with (None when nothing was random)."""
        if isinstance(self.replicates, IIDBootstrap | Replicates):
            return self.replicates.seed
        return None


def resolve(
    data: pd.DataFrame | SurveyDesign,
    *,
    weights: str | None,
    replicates: int,
    seed: SeedLike,
) -> Inference:
    """Turn a SurveyDesign or a DataFrame into an :class:`Inference`.

    A design keeps its replicate weights, or gets Rao–Wu bootstrap weights
    (``replicates`` of them, drawn with ``seed``). A DataFrame is treated as a simple
    random sample: optional frequency/probability weights in column ``weights`` and a
    row-level bootstrap. ``replicates=0`` switches standard errors off. The seed
    actually used is :attr:`Inference.seed`.
    """
    if isinstance(replicates, bool) or not isinstance(replicates, int) or replicates != 0:
        replicates = check_replicates(replicates)
    if isinstance(data, pd.DataFrame):
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
        if replicates > 0:
            used, _ = resolve_seed(seed)
            reps = IIDBootstrap.draw(n, replicates, used)
        return Inference(data=data, weights=w, replicates=reps, source="data frame")
    if isinstance(data, SurveyDesign):
        if weights is not None:
            raise DesignError(
                f"weights={weights!r} given together with a SurveyDesign; the design's "
                "analysis weights are used — drop the weights argument."
            )
        design = data
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
        f"data must be a pandas DataFrame or a govstats SurveyDesign, got {type(data).__name__}."
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
    data: pd.DataFrame, by: str | Sequence[str], weights: np.ndarray
) -> tuple[np.ndarray, tuple[Any, Any]]:
    """Return (is_group1 boolean array, (level0, level1)) for a two-level grouping.

    ``by`` is a column, or several whose observed combinations are the groups
    (labelled ``"a:b"``). Level 0 is the first level under the categorical rule of
    :mod:`govstats.design.categorical` (for ``rural``: 0 = urban, 1 = rural).
    """
    names = [by] if isinstance(by, str) else list(by)
    check_columns(data, names, what="by")
    active = weights > 0
    for name in names:
        missing = data[name].isna().to_numpy() & active
        if missing.any():
            raise DataError(
                f"by column {name!r} has {int(missing.sum())} missing values; drop or recode them."
            )
    codes, labels, _ = group_codes(data, names, active)
    if len(labels) != 2:
        shown = [_label(lab) for lab in labels[:10]]
        raise DataError(
            f"by={by!r} must give exactly two groups, found {len(labels)}: {shown}; recode it "
            "to two groups (e.g. 0/1) or subset the data."
        )
    return codes == 1, (_label(labels[0]), _label(labels[1]))


def _label(values: tuple[object, ...]) -> Any:
    return values[0] if len(values) == 1 else ":".join(str(v) for v in values)


def by_name(by: str | Sequence[str]) -> str:
    """Name of a grouping: the column, or the columns joined by ":"."""
    return by if isinstance(by, str) else ":".join(by)


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
