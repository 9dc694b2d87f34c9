"""The PSU table of a distributed design: one validating pass over the partitions.

Every partition returns one small row per (stratum, PSU) -- rows, rows with non-zero
weight, first appearance, fpc -- and counts of bad design values; the client checks
them, codes strata and PSUs exactly as ``_structure.build_structure`` does in memory
and keeps only this table (never the rows).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from govstats.design._dask_run import run_partitions
from govstats.design._linearize import Stage
from govstats.design._structure import as_list
from govstats.errors import DataError, DesignError

__all__ = ["Layout", "PSUTable", "build_psu_table"]


@dataclass(frozen=True)
class Layout:
    """What every partition needs to place its rows in the design (small, picklable).

    Attributes
    ----------
    weights, strata, psu, fpc : str or None
        Design columns (``psu``: first-stage column).
    nest : bool
    psu_values : ndarray, shape (n_psu,)
        Sorted PSU ids (not nested) -- the code of a row is the position of its id.
    strata_values : ndarray, shape (n_strata,)
        Sorted strata values.
    nested_keys : ndarray of int64 or None, shape (n_psu,)
        Sorted ``stratum code * (n_ids + 1) + id code`` of every PSU (``nest=True``).
    stratum_weight : ndarray or None, shape (n_strata,)
        Weights implied by the fpc (``N_h / n_h``) when there is no weights column.
    """

    weights: str | None
    strata: str | None
    psu: str
    fpc: str | None
    nest: bool
    psu_values: np.ndarray
    strata_values: np.ndarray
    nested_keys: np.ndarray | None
    stratum_weight: np.ndarray | None

    @property
    def columns(self) -> list[str]:
        """Columns an estimator pass reads to place and weight the rows."""
        nested = [self.strata] if self.nested_keys is not None and self.strata else []
        return [self.psu, *nested, *([self.weights] if self.weights else [])]

    def psu_codes(self, part: pd.DataFrame) -> np.ndarray:
        """First-stage PSU code of every row of a partition."""
        if self.nested_keys is None:
            return np.asarray(pd.Index(self.psu_values).get_indexer(part[self.psu]), np.int64)
        assert self.strata is not None
        h = pd.Index(self.strata_values).get_indexer(part[self.strata])
        ids = pd.Index(self.psu_values).get_indexer(part[self.psu])
        key = h.astype(np.int64) * (len(self.psu_values) + 1) + ids
        return np.asarray(np.searchsorted(self.nested_keys, key), dtype=np.int64)

    def base_weights(self, part: pd.DataFrame, psu: np.ndarray, psu_strata: np.ndarray) -> Any:
        """Return the sampling weights of every row (the weights column, fpc-implied, or 1)."""
        if self.weights is not None:
            return part[self.weights].to_numpy(dtype=np.float64, na_value=np.nan)
        if self.stratum_weight is not None:
            return self.stratum_weight[psu_strata[psu]]
        return np.ones(len(part))


def _structure_part(part: pd.DataFrame, number: int, columns: dict[str, Any]) -> dict[str, Any]:
    """Pass 1 on one partition: validation counts and one row per (stratum, PSU)."""
    names = [
        c for c in (columns["weights"], columns["strata"], columns["psu"], columns["fpc"]) if c
    ]
    absent = [c for c in names if c not in part.columns]
    out: dict[str, Any] = {"number": number, "absent": absent, "rows": len(part)}
    if absent:
        return out
    n = len(part)
    weights_col = columns["weights"]
    if weights_col is not None:
        raw = part[weights_col]
        if not pd.api.types.is_numeric_dtype(raw) or pd.api.types.is_bool_dtype(raw):
            out["weights_dtype"] = str(raw.dtype)
            return out
        w = raw.to_numpy(dtype=np.float64, na_value=np.nan)
        out["weights_nan"] = int(np.isnan(w).sum())
        out["weights_inf"] = int(np.isinf(w).sum())
        out["weights_negative"] = int((w < 0).sum())
        out["weights_sum"] = float(np.nansum(np.where(np.isinf(w), 0.0, w)))
        nonzero = (w != 0) & ~np.isnan(w)
    else:
        nonzero = np.ones(n, dtype=bool)
    psu = part[columns["psu"]]
    out["psu_missing"] = int(psu.isna().sum())
    psu_codes, psu_values = pd.factorize(psu)
    if columns["strata"]:
        strata = part[columns["strata"]]
        out["strata_missing"] = int(strata.isna().sum())
        h_codes, h_values = pd.factorize(strata)
    else:
        out["strata_missing"] = 0
        h_codes, h_values = np.zeros(n, dtype=np.int64), np.array([0.0])
    valid = (psu_codes >= 0) & (h_codes >= 0)
    width = len(psu_values) + 1
    key = h_codes.astype(np.int64) * width + psu_codes
    # codes are numbered by first appearance: a code first occurs where the running
    # maximum of the codes grows
    codes, keys = pd.factorize(key[valid])
    positions = np.flatnonzero(valid)
    grows = np.zeros(codes.size, dtype=bool)
    if codes.size:
        grows[0] = True
        grows[1:] = codes[1:] > np.maximum.accumulate(codes)[:-1]
    keys = np.asarray(keys, dtype=np.int64)
    table = pd.DataFrame(
        {
            "h": np.asarray(h_values)[keys // width],
            "psu": np.asarray(psu_values)[keys % width],
            "pos": positions[grows],
            "rows": np.bincount(codes, minlength=keys.size),
            "active": np.bincount(codes, weights=nonzero[valid], minlength=keys.size).astype(
                np.int64
            ),
        }
    )
    if columns["fpc"]:
        fpc = part[columns["fpc"]]
        if not pd.api.types.is_numeric_dtype(fpc):
            out["fpc_dtype"] = str(fpc.dtype)
            return out
        values = fpc.to_numpy(dtype=np.float64, na_value=np.nan)
        out["fpc_nan"] = int(np.isnan(values).sum())
        low = np.full(keys.size, np.inf)
        high = np.full(keys.size, -np.inf)
        np.minimum.at(low, codes, values[valid])
        np.maximum.at(high, codes, values[valid])
        table["fmin"], table["fmax"] = low, high
    table["part"] = number
    out["table"] = table
    return out


def _check_partitions(results: list[dict[str, Any]], weights: str | None, fpc: str | None) -> None:
    """Raise one clear error for the first problem any partition reported."""
    absent = [(r["number"], r["absent"]) for r in results if r["absent"]]
    if absent:
        cols = sorted({c for _, a in absent for c in a})
        numbers = [num for num, _ in absent]
        raise DataError(
            f"design column(s) {cols} are missing in {len(numbers)} of {len(results)} partitions "
            f"(partitions {numbers[:10]}); every partition must hold the same design columns. "
            "Rewrite the data with a common schema (or fill the column) before building the design."
        )
    for key, text in (("weights_dtype", "is not numeric (dtype {})"),):
        bad = [r for r in results if key in r]
        if bad:
            raise DesignError(f"weights column {weights!r} {text.format(bad[0][key])}.")
    if weights is not None:
        for key, what, fix in (
            ("weights_nan", "missing values", "drop those rows or impute the weights"),
            ("weights_inf", "infinite values", "fix those weights"),
            ("weights_negative", "negative values", "sampling weights must be >= 0"),
        ):
            flagged = [(r["number"], r[key]) for r in results if r.get(key)]
            if flagged:
                total = sum(c for _, c in flagged)
                raise DesignError(
                    f"weights column {weights!r} has {total} {what} in partitions "
                    f"{[num for num, _ in flagged][:10]}; {fix} before building the design."
                )
        if sum(r.get("weights_sum", 0.0) for r in results) <= 0:
            raise DesignError(
                f"weights column {weights!r} sums to zero; no row carries any weight."
            )
    for key, role in (("psu_missing", "psu"), ("strata_missing", "strata")):
        ids = [(r["number"], r[key]) for r in results if r.get(key)]
        if ids:
            raise DesignError(
                f"{role} column has {sum(c for _, c in ids)} missing values (partitions "
                f"{[num for num, _ in ids][:10]}); every row needs a {role} id. Drop those rows "
                "or fill the ids before building the design."
            )
    if fpc is not None:
        if any("fpc_dtype" in r for r in results):
            raise DesignError(f"fpc column {fpc!r} is not numeric.")
        if any(r.get("fpc_nan") for r in results):
            raise DesignError(
                f"fpc column {fpc!r} has missing values; every row needs its stratum's "
                "population size or sampling fraction."
            )


@dataclass(frozen=True)
class PSUTable:
    """The first-stage sampling units of a distributed design (held on the client).

    Attributes
    ----------
    layout : Layout
    psu_strata : ndarray of int64, shape (n_psu,)
        Stratum code of every PSU.
    psu_order : ndarray of int64, shape (n_psu,)
        Rank of every PSU by first appearance in the data (partition order, then row
        order: R's ``unique(psu)`` order on the concatenated rows).
    psu_rows, psu_active : ndarray of int64, shape (n_psu,)
        Rows, and rows with non-zero weight, of every PSU.
    stratum_labels : tuple of str
    pop_size : ndarray or None, shape (n_strata,)
        First-stage population sizes (fpc).
    n_rows : int
    """

    layout: Layout
    psu_strata: np.ndarray
    psu_order: np.ndarray
    psu_rows: np.ndarray
    psu_active: np.ndarray
    stratum_labels: tuple[str, ...]
    pop_size: np.ndarray | None
    n_rows: int

    @property
    def n_psu(self) -> int:
        """Number of PSUs."""
        return int(self.psu_strata.shape[0])

    @property
    def n_strata(self) -> int:
        """Number of strata."""
        return len(self.stratum_labels)

    def stage(self) -> Stage:
        """Describe the first stage for the in-memory variance kernel (clusters = PSUs)."""
        n_sampled = np.bincount(self.psu_strata, minlength=self.n_strata).astype(np.float64)
        return Stage(
            cluster=np.arange(self.n_psu, dtype=np.int64),
            cluster_stratum=self.psu_strata,
            n_sampled=n_sampled,
            pop_size=self.pop_size,
            multiplier=np.ones(self.n_strata),
            stratum_labels=self.stratum_labels,
        )

    def fractions(self) -> np.ndarray:
        """First-stage sampling fraction per stratum (0 without fpc), as replicates need."""
        if self.pop_size is None:
            return np.zeros(self.n_strata)
        n_h = np.bincount(self.psu_strata, minlength=self.n_strata)
        return np.asarray(n_h / self.pop_size)


def build_psu_table(
    ddf: Any,
    weights: str | None,
    strata: str | None,
    psu: str | Sequence[str] | None,
    fpc: str | Sequence[str] | None,
    nest: bool,
) -> PSUTable:
    """Validate the design columns in one pass and build the PSU table."""
    ids = as_list(psu)
    fpcs = as_list(fpc)
    if not ids:
        raise DesignError(
            "a design on a dask DataFrame needs psu= (the first-stage cluster column); designs "
            "where every row is its own PSU are only supported in memory."
        )
    if len(fpcs) > 1:
        raise DesignError(
            f"fpc={fpcs} gives population sizes for {len(fpcs)} stages; on a dask DataFrame only "
            "the first-stage fpc is supported. Drop the later stages' fpc (with-replacement "
            "variance at those stages) or compute the design in memory."
        )
    if fpcs and len(ids) > 1:
        raise DesignError(
            "a multistage design with fpc needs every stage's variance; on a dask DataFrame only "
            "single-stage fpc designs are supported."
        )
    columns = {
        "weights": weights,
        "strata": strata,
        "psu": ids[0],
        "fpc": fpcs[0] if fpcs else None,
    }
    meta = ddf._meta
    for role, name in columns.items():
        if name is not None and name not in meta.columns:
            shown = ", ".join(map(repr, list(meta.columns)[:12]))
            raise DataError(
                f"{role} column {name!r} is not in the data; available columns include {shown}. "
                "Check the spelling (names are case-sensitive)."
            )
    needed = [c for c in columns.values() if c is not None]
    try:
        results = run_partitions(ddf, _structure_part, columns, columns=needed)
    except KeyError:
        # a partition lacks a design column: rerun unprojected so the check can name it
        results = run_partitions(ddf, _structure_part, columns)
    assert isinstance(results, list)
    _check_partitions(results, weights, columns["fpc"])
    n_rows = int(sum(r["rows"] for r in results))
    if n_rows == 0:
        raise DataError("the data frame has no rows; a design needs at least one sampled unit.")
    tables = [r["table"] for r in results if len(r["table"])]
    table = pd.concat(tables, ignore_index=True)
    table = table.sort_values(["part", "pos"], kind="stable")
    aggs: dict[str, tuple[str, str]] = {
        "first": ("order", "min"),
        "rows": ("rows", "sum"),
        "active": ("active", "sum"),
    }
    table["order"] = np.arange(len(table))
    if columns["fpc"]:
        aggs["fmin"] = ("fmin", "min")
        aggs["fmax"] = ("fmax", "max")
    grouped = table.groupby(["h", "psu"], sort=False).agg(**aggs).reset_index()
    h_codes, h_values = pd.factorize(grouped["h"], sort=True)
    id_codes, id_values = pd.factorize(grouped["psu"], sort=True)
    if strata is None:
        h_values = np.array([1])
    if nest and strata is not None:
        combined = h_codes.astype(np.int64) * (len(id_values) + 1) + id_codes
        nested_keys = np.unique(combined)
        psu_code = np.searchsorted(nested_keys, combined)
    else:
        nested_keys = None
        psu_code = id_codes
        if strata is not None and len(id_values) != len(grouped):
            dup = grouped["psu"][pd.Series(id_codes).duplicated(keep=False).to_numpy()]
            shared = sorted({str(v) for v in grouped["h"][dup.index]})
            raise DesignError(
                f"PSU {dup.iloc[0]!r} of psu column {ids[0]!r} appears in several strata of "
                f"{strata!r} ({', '.join(shared)}); PSU ids repeat across strata. Pass nest=True "
                "if PSU ids are only unique within strata."
            )
    n_psu = int(psu_code.max()) + 1
    n_strata = len(h_values)
    psu_strata = np.zeros(n_psu, dtype=np.int64)
    psu_strata[psu_code] = h_codes
    first = np.empty(n_psu, dtype=np.int64)
    first[psu_code] = grouped["first"].to_numpy()
    psu_order = np.empty(n_psu, dtype=np.int64)
    psu_order[np.argsort(first, kind="stable")] = np.arange(n_psu)
    psu_rows = np.zeros(n_psu, dtype=np.int64)
    psu_rows[psu_code] = grouped["rows"].to_numpy()
    psu_active = np.zeros(n_psu, dtype=np.int64)
    psu_active[psu_code] = grouped["active"].to_numpy()
    pop_size, stratum_weight = _first_stage_fpc(
        grouped, h_codes, psu_strata, n_strata, columns["fpc"], weights
    )
    layout = Layout(
        weights=weights,
        strata=strata,
        psu=ids[0],
        fpc=columns["fpc"],
        nest=bool(nest and strata is not None),
        psu_values=np.asarray(id_values),
        strata_values=np.asarray(h_values),
        nested_keys=nested_keys,
        stratum_weight=stratum_weight,
    )
    return PSUTable(
        layout=layout,
        psu_strata=psu_strata,
        psu_order=psu_order,
        psu_rows=psu_rows,
        psu_active=psu_active,
        stratum_labels=tuple(str(v) for v in h_values),
        pop_size=pop_size,
        n_rows=n_rows,
    )


def _first_stage_fpc(
    grouped: pd.DataFrame,
    h_codes: np.ndarray,
    psu_strata: np.ndarray,
    n_strata: int,
    fpc: str | None,
    weights: str | None,
) -> tuple[np.ndarray | None, np.ndarray | None]:
    """Return population sizes per stratum and, without weights, the weights they imply."""
    if fpc is None:
        return None, None
    low = np.full(n_strata, np.inf)
    high = np.full(n_strata, -np.inf)
    np.minimum.at(low, h_codes, grouped["fmin"].to_numpy())
    np.maximum.at(high, h_codes, grouped["fmax"].to_numpy())
    if (low != high).any():
        raise DesignError(
            f"fpc column {fpc!r} varies within a stratum at stage 1; it must hold one population "
            "size (or sampling fraction) per stratum."
        )
    if (low <= 0).any():
        raise DesignError(f"fpc column {fpc!r} has values <= 0; fpc must be positive.")
    n_h = np.bincount(psu_strata, minlength=n_strata).astype(np.float64)
    if (low > 1).any():
        if not (low >= 1).all():
            raise DesignError(
                f"fpc columns {[fpc]} mix population sizes (> 1) and sampling fractions (< 1); "
                "use all population sizes or all fractions."
            )
        pop = low
    else:
        pop = n_h / low
    if (pop < n_h).any():
        raise DesignError(
            f"fpc column {fpc!r} implies more than 100% sampling in some strata at stage 1 "
            "(population size below the number of sampled units)."
        )
    return pop, (None if weights is not None else pop / n_h)
