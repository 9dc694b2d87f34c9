"""Build the sampling structure of a design: stage codes, sample and population sizes, weights.

Follows R ``survey::svydesign`` (ids, strata, fpc, nest, weights implied by fpc).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from govstats.design._linearize import Stage
from govstats.errors import DataError, DesignError


@dataclass(frozen=True)
class Structure:
    """The sampling structure of a design, independent of its analysis weights.

    Attributes
    ----------
    stages : tuple of Stage
        Every sampling stage (at least one).
    variance_stages : tuple of Stage
        The stages that contribute to the variance (R recurses past stage 1 only with fpc).
    strata_index : ndarray, shape (n,)
        First-stage stratum code of every row.
    sampling_weights : ndarray, shape (n,)
        Weights from the ``weights`` column, or implied by the fpc, or 1.
    """

    stages: tuple[Stage, ...]
    variance_stages: tuple[Stage, ...]
    strata_index: np.ndarray
    sampling_weights: np.ndarray

    @property
    def psu_index(self) -> np.ndarray:
        """First-stage PSU code of every row."""
        return self.stages[0].cluster

    @property
    def n_psu(self) -> int:
        """Number of first-stage PSUs."""
        return self.stages[0].n_clusters


def as_list(columns: str | Sequence[str] | None) -> list[str]:
    """Return a column argument as a list of names (``None`` -> empty)."""
    if columns is None:
        return []
    if isinstance(columns, str):
        return [columns]
    return list(columns)


def check_columns(data: pd.DataFrame, columns: Sequence[str], role: str) -> None:
    """Raise :class:`DataError` if a column named for ``role`` is not in ``data``."""
    for column in columns:
        if column not in data.columns:
            shown = ", ".join(map(repr, list(data.columns)[:12]))
            raise DataError(
                f"{role} column {column!r} is not in the data; available columns include {shown}. "
                "Check the spelling (names are case-sensitive)."
            )


def _codes(values: pd.Series, column: str, role: str) -> tuple[np.ndarray, np.ndarray]:
    codes, uniques = pd.factorize(values, sort=True)
    if (codes < 0).any():
        raise DesignError(
            f"{role} column {column!r} has {int((codes < 0).sum())} missing values; "
            f"every row needs a {role} id. Drop those rows before building the design "
            "or fill the ids."
        )
    return codes.astype(np.int64), np.asarray(uniques)


def _combine(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    key = first * (int(second.max(initial=0)) + 1) + second
    codes, _ = pd.factorize(key, sort=True)
    return np.asarray(codes, dtype=np.int64)


def _first_by_group(codes: np.ndarray, values: np.ndarray, n_groups: int) -> np.ndarray:
    out = np.empty(n_groups, dtype=values.dtype)
    out[codes[::-1]] = values[::-1]
    return out


def _weights_column(data: pd.DataFrame, column: str) -> np.ndarray:
    raw = data[column]
    if not pd.api.types.is_numeric_dtype(raw) or pd.api.types.is_bool_dtype(raw):
        raise DesignError(f"weights column {column!r} is not numeric (dtype {raw.dtype}).")
    w = raw.to_numpy(dtype=np.float64, na_value=np.nan)
    if np.isnan(w).any():
        raise DesignError(
            f"weights column {column!r} has {int(np.isnan(w).sum())} missing values; drop those "
            "rows or impute the weights before building the design."
        )
    if not np.isfinite(w).all():
        raise DesignError(f"weights column {column!r} has infinite values.")
    if (w < 0).any():
        raise DesignError(
            f"weights column {column!r} has {int((w < 0).sum())} negative values "
            f"(smallest {w.min()!r}); sampling weights must be >= 0."
        )
    if w.sum() <= 0:
        raise DesignError(f"weights column {column!r} sums to zero; no row carries any weight.")
    return w


def build_structure(
    data: pd.DataFrame,
    weights: str | None,
    strata: str | None,
    psu: str | Sequence[str] | None,
    fpc: str | Sequence[str] | None,
    nest: bool,
) -> Structure:
    """Validate the design columns and build the sampling structure (R ``svydesign``)."""
    ids = as_list(psu)
    fpcs = as_list(fpc)
    check_columns(data, ids, "psu")
    check_columns(data, fpcs, "fpc")
    check_columns(data, [strata] if strata else [], "strata")
    check_columns(data, [weights] if weights else [], "weights")
    n = len(data)
    if n == 0:
        raise DataError("the data frame has no rows; a design needs at least one sampled unit.")
    if fpcs and len(fpcs) != max(len(ids), 1):
        raise DesignError(
            f"fpc has {len(fpcs)} column(s) but the design has {max(len(ids), 1)} sampling "
            "stage(s); give one fpc column per psu stage (or none)."
        )

    if strata is not None:
        strata_codes, strata_values = _codes(data[strata], strata, "strata")
    else:
        strata_codes, strata_values = np.zeros(n, dtype=np.int64), np.array([1])

    stage_ids: list[np.ndarray] = []
    stage_labels: list[np.ndarray] = []
    if not ids:
        stage_ids.append(np.arange(n, dtype=np.int64))
        stage_labels.append(np.arange(1, n + 1))
    previous: np.ndarray | None = None
    for column in ids:
        codes, uniques = _codes(data[column], column, "psu")
        combined = codes if previous is None else _combine(previous, codes)
        if nest and strata is not None:
            combined = _combine(strata_codes, combined)
        stage_ids.append(combined)
        stage_labels.append(uniques[codes])
        previous = combined

    first = stage_ids[0]
    n_psu = int(first.max()) + 1
    if strata is not None and not nest and ids:
        first_stratum = _first_by_group(first, strata_codes, n_psu)
        crossing = np.flatnonzero(strata_codes != first_stratum[first])
        if crossing.size:
            bad = int(first[crossing[0]])
            rows = np.flatnonzero(first == bad)
            shared = sorted({str(strata_values[s]) for s in strata_codes[rows]})
            raise DesignError(
                f"PSU {stage_labels[0][rows[0]]!r} of psu column {ids[0]!r} appears in several "
                f"strata of {strata!r} ({', '.join(shared)}); PSU ids repeat across strata. "
                "Pass nest=True if PSU ids are only unique within strata."
            )

    fpc_values = _fpc_matrix(data, fpcs)
    stages: list[Stage] = []
    row_stratum = strata_codes
    row_multiplier = np.ones(n)
    labels = np.asarray([str(v) for v in strata_values], dtype=object)
    n_sampled_rows: list[np.ndarray] = []
    stratum_rows: list[np.ndarray] = []
    for s, cluster in enumerate(stage_ids):
        n_clusters = int(cluster.max()) + 1
        n_strata = int(row_stratum.max()) + 1
        cluster_stratum = _first_by_group(cluster, row_stratum, n_clusters)
        n_sampled = np.bincount(cluster_stratum, minlength=n_strata).astype(np.float64)
        n_sampled_rows.append(n_sampled[row_stratum])
        stratum_rows.append(row_stratum)
        multiplier = _first_by_group(row_stratum, row_multiplier, n_strata)
        stages.append(
            Stage(
                cluster=cluster,
                cluster_stratum=cluster_stratum,
                n_sampled=n_sampled,
                pop_size=None,
                multiplier=multiplier,
                stratum_labels=tuple(labels),
            )
        )
        labels = np.asarray(
            [str(v) for v in _first_by_group(cluster, stage_labels[s], n_clusters)], dtype=object
        )
        row_stratum = cluster

    pop_rows = _population_sizes(fpc_values, n_sampled_rows, fpcs)
    if pop_rows is not None:
        row_multiplier = np.ones(n)
        for s, stage in enumerate(stages):
            strat_rows = stratum_rows[s]
            pop = _first_by_group(strat_rows, pop_rows[s], stage.n_strata)
            varying = np.bincount(strat_rows, weights=(pop_rows[s] != pop[strat_rows]))
            if (varying > 0).any():
                raise DesignError(
                    f"fpc column {fpcs[s]!r} varies within a stratum at stage {s + 1} "
                    f"(stratum {stage.stratum_labels[int(np.flatnonzero(varying > 0)[0])]}); "
                    "it must hold one population size (or sampling fraction) per stratum."
                )
            multiplier = _first_by_group(strat_rows, row_multiplier, stage.n_strata)
            stages[s] = Stage(
                cluster=stage.cluster,
                cluster_stratum=stage.cluster_stratum,
                n_sampled=stage.n_sampled,
                pop_size=pop,
                multiplier=multiplier,
                stratum_labels=stage.stratum_labels,
            )
            with np.errstate(divide="ignore"):
                row_multiplier = row_multiplier * n_sampled_rows[s] / pop_rows[s]

    if weights is not None:
        sampling = _weights_column(data, weights)
    elif pop_rows is not None:
        sampling = np.prod(np.stack(pop_rows) / np.stack(n_sampled_rows), axis=0)
    else:
        sampling = np.ones(n)
    variance_stages = tuple(stages) if pop_rows is not None else (stages[0],)
    return Structure(
        stages=tuple(stages),
        variance_stages=variance_stages,
        strata_index=strata_codes,
        sampling_weights=sampling,
    )


def _fpc_matrix(data: pd.DataFrame, fpcs: list[str]) -> list[np.ndarray]:
    out = []
    for column in fpcs:
        raw = data[column]
        if not pd.api.types.is_numeric_dtype(raw):
            raise DesignError(f"fpc column {column!r} is not numeric (dtype {raw.dtype}).")
        values = raw.to_numpy(dtype=np.float64, na_value=np.nan)
        if np.isnan(values).any():
            raise DesignError(
                f"fpc column {column!r} has {int(np.isnan(values).sum())} missing values; "
                "every row needs its stratum's population size or sampling fraction."
            )
        if (values <= 0).any():
            raise DesignError(f"fpc column {column!r} has values <= 0; fpc must be positive.")
        out.append(values)
    return out


def _population_sizes(
    fpc_values: list[np.ndarray], n_sampled_rows: list[np.ndarray], fpcs: list[str]
) -> list[np.ndarray] | None:
    if not fpc_values:
        return None
    everything = np.concatenate(fpc_values)
    is_popsize = bool((everything > 1).any())
    if is_popsize and not (everything >= 1).all():
        raise DesignError(
            f"fpc columns {fpcs} mix population sizes (> 1) and sampling fractions (< 1); "
            "use all population sizes or all fractions."
        )
    pops = []
    for s, values in enumerate(fpc_values):
        pop = values if is_popsize else n_sampled_rows[s] / values
        if (pop < n_sampled_rows[s]).any():
            raise DesignError(
                f"fpc column {fpcs[s]!r} implies more than 100% sampling in some strata at stage "
                f"{s + 1} (population size below the number of sampled units)."
            )
        pops.append(pop)
    return pops
