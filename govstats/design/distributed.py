"""Survey designs on a dask DataFrame: the same estimators, computed from partition sums.

``SurveyDesign(ddf, weights=..., strata=..., psu=..., fpc=...)`` with a
``dask.dataframe.DataFrame`` returns a :class:`DistributedDesign`: a
:class:`~govstats.design.SurveyDesign` whose data stay distributed. Construction
makes one pass over the partitions that returns, per partition, one small row per
(stratum, PSU) -- sizes, first appearance, fpc -- and validates the design columns;
the client keeps only this PSU table. Every estimator then makes one pass (GLM and
raking a few) in which each partition is reduced to per-(PSU, cell, domain) sums
(:mod:`govstats.design._partition`); the sums are added up on the workers and the
small design algebra runs on the client with the in-memory code (``stage_variance``
for R ``svyrecvar``, the replicate factor generators and ``replicate_vcov``). No
rows are collected to one process.

The computations use whatever dask scheduler is active: a ``distributed.Client``
(``LocalCluster`` or a cluster scheduler) if one was created, otherwise dask's
default. dask is an optional dependency (``pip install govstats[dask]``) imported
only when a dask frame is passed.

Not supported on dask (each raises :class:`~govstats.errors.DesignError` rather
than collecting rows): quantiles, ``var``, ``ciprop``, GREG ``calibrate``,
``subset`` (use ``by=``), designs without a ``psu`` column, finite population
corrections beyond the first stage, and replicate weights of a calibrated design.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import KW_ONLY, dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from govstats.design._linearize import LONELY_RULES, Stage
from govstats.design._structure import Structure, as_list
from govstats.design.survey_design import SurveyDesign
from govstats.errors import DataError, DesignError

if TYPE_CHECKING:
    from govstats.design.glm import GLMResult
    from govstats.design.results import SurveyEstimate

__all__ = ["DistributedDesign", "is_dask_frame"]


def is_dask_frame(data: object) -> bool:
    """Whether ``data`` is a dask DataFrame (checked without importing dask)."""
    module = type(data).__module__.split(".")[0]
    return module == "dask" and hasattr(data, "npartitions") and hasattr(data, "to_delayed")


def _dask() -> Any:
    try:
        import dask
    except ImportError as error:  # pragma: no cover - only without the extra
        raise DesignError(
            "a dask DataFrame was passed but dask is not installed; install the extra with "
            "pip install 'govstats[dask]'"
        ) from error
    return dask


def run_partitions(
    ddf: Any, function: Any, *args: Any, combine: Any = None, columns: Any = None
) -> Any:
    """Apply ``function(partition, number, *args)`` to every partition and gather the results.

    With ``combine`` the results are added in groups on the workers (a tree
    reduction) and only the total reaches the client. ``columns`` restricts the
    partitions to the columns the function reads (pushed down into parquet reads).
    The active scheduler is used (a ``distributed.Client`` if one exists); a failed
    task raises on the client and no partial result is returned.
    """
    return run_jobs(ddf, [(function, args, combine)], columns=columns)[0]


#: Rows a partition function handles at once: large partitions are cut into blocks of
#: this size and their (additive) results combined, so a worker's temporaries stay
#: small whatever the partition size.
BLOCK_ROWS = 262_144


def in_blocks(part: pd.DataFrame, number: int, function: Any, combine: Any, *args: Any) -> Any:
    """Apply ``function`` to blocks of at most :data:`BLOCK_ROWS` rows and combine the results."""
    if len(part) <= BLOCK_ROWS:
        return function(part, number, *args)
    blocks = range(0, len(part), BLOCK_ROWS)
    return combine([function(part.iloc[i : i + BLOCK_ROWS], number, *args) for i in blocks])


def run_jobs(
    ddf: Any, jobs: Sequence[tuple[Any, tuple[Any, ...], Any]], columns: Any = None
) -> list[Any]:
    """Run several ``(function, args, combine)`` jobs over the same partitions in one pass.

    The partitions are read once and shared by the jobs (one ``dask.compute``).
    """
    dask = _dask()
    if columns is not None:
        ddf = ddf[list(dict.fromkeys(columns))]
    parts = ddf.to_delayed()
    outputs = []
    for function, args, combine in jobs:
        if combine is None:
            call = dask.delayed(function, pure=True)
            tasks = [call(part, number, *args) for number, part in enumerate(parts)]
        else:
            call = dask.delayed(in_blocks, pure=True)
            tasks = [
                call(part, number, function, combine, *args) for number, part in enumerate(parts)
            ]
        if combine is not None:
            add = dask.delayed(combine, pure=True)
            while len(tasks) > 1:
                tasks = [add(tasks[i : i + 8]) for i in range(0, len(tasks), 8)]
            outputs.append(tasks[0])
        else:
            outputs.append(dask.delayed(list)(tasks))
    try:
        return list(dask.compute(*outputs))
    except Exception as error:
        if type(error).__name__ != "KilledWorker":
            raise
        raise DesignError(
            f"dask workers died while computing partition sums ({error}); the scheduler gave "
            "up after retrying, so no result was produced. Check the workers' memory limit "
            "and logs, or use smaller partitions."
        ) from error


# ---------------------------------------------------------------------- the PSU table


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
        return np.searchsorted(self.nested_keys, key).astype(np.int64)

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


# ---------------------------------------------------------------------- the design


@dataclass(frozen=True, eq=False)
class DistributedDesign(SurveyDesign):
    """A :class:`SurveyDesign` whose rows stay in a dask DataFrame.

    Made by ``SurveyDesign(ddf, ...)`` when ``ddf`` is a ``dask.dataframe.DataFrame``;
    the arguments mean what they mean in memory. The design holds the PSU table
    (one entry per first-stage PSU), never the rows: :attr:`psu_index`,
    :attr:`strata_index` describe the PSUs (``psu_index = arange(n_psu)``) and
    there is no per-row ``weights_array``. Estimators return the same result
    objects as in memory; each is one pass (GLM and raking a few) of partition sums.

    Notes
    -----
    Partition sums are exact, so the estimates equal the in-memory ones up to the
    order of floating-point additions (about 1e-13 relative), in any partitioning
    and row order; replicate designs draw the same replicate factors for the same
    seed because PSUs are coded and ordered exactly as in memory.

    Examples
    --------
    >>> import dask.dataframe as dd
    >>> import pandas as pd
    >>> from govstats.design import SurveyDesign
    >>> df = pd.DataFrame({"y": [1.0, 2.0, 3.0, 4.0, 5.0, 7.0], "h": [1, 1, 1, 2, 2, 2],
    ...                    "psu": [1, 2, 2, 3, 4, 4], "w": [1.0, 2.0, 2.0, 1.0, 1.0, 3.0]})
    >>> ddf = dd.from_pandas(df, npartitions=2)
    >>> d = SurveyDesign(ddf, weights="w", strata="h", psu="psu")
    >>> type(d).__name__, d.n_psu, d.df
    ('DistributedDesign', 4, 2)
    >>> mem = SurveyDesign(df, weights="w", strata="h", psu="psu").mean("y")
    >>> bool(abs(d.mean("y").se[0] - mem.se[0]) < 1e-12)
    True
    """

    _: KW_ONLY
    table: PSUTable | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if not is_dask_frame(self.data):
            raise DataError(f"data must be a dask DataFrame, not {type(self.data).__name__}.")
        if self.lonely_psu not in LONELY_RULES:
            raise DesignError(
                f"lonely_psu={self.lonely_psu!r} is not one of {', '.join(LONELY_RULES)}."
            )
        if self.analysis_weights is not None:
            raise DesignError("a dask design takes no analysis_weights; calibrate it instead.")
        table = self.table
        if table is None:
            table = build_psu_table(
                self.data, self.weights, self.strata, self.psu, self.fpc, self.nest
            )
            object.__setattr__(self, "table", table)
        stage = table.stage()
        structure = Structure(
            stages=(stage,),
            variance_stages=(stage,),
            strata_index=table.psu_strata,
            sampling_weights=np.zeros(0),
        )
        object.__setattr__(self, "structure", structure)
        object.__setattr__(self, "psu_index", stage.cluster)
        object.__setattr__(self, "strata_index", table.psu_strata)
        object.__setattr__(self, "n_psu", table.n_psu)
        if self.replicates is not None:
            object.__setattr__(self, "df", int(self.replicates.df))
        else:
            active = table.psu_active > 0
            n_strata = np.unique(table.psu_strata[active]).size
            object.__setattr__(self, "df", int(active.sum() - n_strata))

    def __getattr__(self, name: str) -> Any:
        if name == "weights_array":
            raise AttributeError(
                "a design on a dask DataFrame holds no per-row weights_array; its estimators "
                "compute from partition sums"
            )
        raise AttributeError(f"{type(self).__name__!s} has no attribute {name!r}")

    @property
    def is_full(self) -> bool:
        """Always True: a dask design has no domain restriction (use ``by=``)."""
        return True

    @property
    def can_aggregate(self) -> bool:
        """Whether variances need only first-stage PSU totals (true without calibration)."""
        return self.calibration is None

    def _new(self, **changes: Any) -> DistributedDesign:
        values: dict[str, Any] = {
            "adjust_domain_lonely": self.adjust_domain_lonely,
            "replicates": self.replicates,
            "calibration": self.calibration,
            "table": self.table,
        }
        values.update(changes)
        return DistributedDesign(
            self.data,
            self.weights,
            self.strata,
            self.psu,
            self.fpc,
            self.nest,
            self.lonely_psu,
            **values,
        )

    # ------------------------------------------------------------------ not on dask
    def _unsupported(self, what: str, instead: str) -> DesignError:
        return DesignError(f"{what} is not supported on a dask DataFrame yet; {instead}.")

    def vcov_totals(self, weighted_scores: np.ndarray) -> np.ndarray:
        """Not available: a dask design has no per-row scores (estimators use PSU totals)."""
        raise self._unsupported("vcov_totals of per-row scores", "use vcov_psu_totals")

    def with_weights(self, *args: Any, **kwargs: Any) -> SurveyDesign:
        """Not available: per-row weights cannot be attached to a dask design."""
        raise self._unsupported("with_weights", "calibrate with poststratify() or rake()")

    def subset(self, mask: Any) -> SurveyDesign:
        """Not available on dask: estimate domains with ``by=`` instead."""
        raise self._unsupported("subset()", "estimate domains with by= (the same numbers)")

    def quantile(self, *args: Any, **kwargs: Any) -> SurveyEstimate:
        """Not available on dask (quantiles need sorted rows, not partition sums)."""
        raise self._unsupported("quantile()", "compute quantiles on an in-memory sample")

    def var(self, *args: Any, **kwargs: Any) -> SurveyEstimate:
        """Not available on dask yet."""
        raise self._unsupported("var()", "compute it in memory")

    def ciprop(self, *args: Any, **kwargs: Any) -> SurveyEstimate:
        """Not available on dask yet."""
        raise self._unsupported("ciprop()", "use proportion() or compute it in memory")

    def calibrate(self, *args: Any, **kwargs: Any) -> SurveyDesign:
        """Not available on dask yet (GREG calibration); poststratify() and rake() are."""
        raise self._unsupported("calibrate()", "use poststratify() or rake()")

    # ------------------------------------------------------------------ estimators
    def mean(
        self,
        variables: str | Sequence[str],
        *,
        by: str | Sequence[str] | None = None,
        na_rm: bool = False,
        deff: bool | str = True,
    ) -> SurveyEstimate:
        """Estimate population means from partition sums (see :meth:`SurveyDesign.mean`).

        Examples
        --------
        >>> import dask.dataframe as dd
        >>> import pandas as pd
        >>> from govstats.design import SurveyDesign
        >>> df = pd.DataFrame({"y": [2.0, 4.0, 6.0, 8.0], "c": [1, 2, 3, 4]})
        >>> d = SurveyDesign(dd.from_pandas(df, npartitions=2), psu="c")
        >>> float(d.mean("y").estimate[0])
        5.0
        """
        from govstats.design import _dask_estimators

        return _dask_estimators.mean_or_total(
            self, variables, "mean", by=by, na_rm=na_rm, text_as_factor=False, deff=deff
        )

    def total(
        self,
        variables: str | Sequence[str],
        *,
        by: str | Sequence[str] | None = None,
        na_rm: bool = False,
        deff: bool | str = True,
    ) -> SurveyEstimate:
        """Estimate population totals from partition sums (see :meth:`SurveyDesign.total`).

        Examples
        --------
        >>> import dask.dataframe as dd
        >>> import pandas as pd
        >>> from govstats.design import SurveyDesign
        >>> df = pd.DataFrame({"y": [1.0, 2.0], "w": [10.0, 30.0], "c": [1, 2]})
        >>> d = SurveyDesign(dd.from_pandas(df, npartitions=1), weights="w", psu="c")
        >>> float(d.total("y").estimate[0])
        70.0
        """
        from govstats.design import _dask_estimators

        return _dask_estimators.mean_or_total(
            self, variables, "total", by=by, na_rm=na_rm, text_as_factor=False, deff=deff
        )

    def proportion(
        self,
        variable: str | Sequence[str],
        *,
        by: str | Sequence[str] | None = None,
        na_rm: bool = False,
    ) -> SurveyEstimate:
        """Level proportions of categorical columns (see :meth:`SurveyDesign.proportion`).

        Examples
        --------
        >>> import dask.dataframe as dd
        >>> import pandas as pd
        >>> from govstats.design import SurveyDesign
        >>> df = pd.DataFrame({"g": ["a", "b", "b", "b"], "c": [1, 2, 3, 4]})
        >>> d = SurveyDesign(dd.from_pandas(df, npartitions=2), psu="c")
        >>> d.proportion("g").estimate.tolist()
        [0.25, 0.75]
        """
        from govstats.design import _dask_estimators

        return _dask_estimators.mean_or_total(
            self, variable, "mean", by=by, na_rm=na_rm, text_as_factor=True
        )

    def ratio(
        self,
        numerator: str | Sequence[str],
        denominator: str | Sequence[str],
        *,
        by: str | Sequence[str] | None = None,
        na_rm: bool = False,
        deff: bool = False,
    ) -> SurveyEstimate:
        """Ratios of totals from one pass of partition sums (see :meth:`SurveyDesign.ratio`).

        Examples
        --------
        >>> import dask.dataframe as dd
        >>> import pandas as pd
        >>> from govstats.design import SurveyDesign
        >>> df = pd.DataFrame({"y": [1.0, 3.0], "x": [2.0, 2.0], "c": [1, 2]})
        >>> d = SurveyDesign(dd.from_pandas(df, npartitions=2), psu="c")
        >>> float(d.ratio("y", "x").estimate[0])
        1.0
        """
        from govstats.design import _dask_estimators

        return _dask_estimators.ratio(self, numerator, denominator, by=by, na_rm=na_rm, deff=deff)

    def glm(
        self,
        formula: str,
        family: Any = "gaussian",
        *,
        na_rm: bool = False,
        maxiter: int = 25,
        tol: float = 1e-8,
    ) -> GLMResult:
        """Design-based GLM by IRLS over partition sums (see :meth:`SurveyDesign.glm`).

        The formula is ``response ~ a + b + ...`` of numeric columns.

        Examples
        --------
        >>> import dask.dataframe as dd
        >>> import pandas as pd
        >>> from govstats.design import SurveyDesign
        >>> df = pd.DataFrame({"y": [1.0, 3.0, 5.0, 7.0, 9.5], "x": [0.0, 1.0, 2.0, 3.0, 4.0],
        ...                    "c": [1, 2, 3, 4, 5]})
        >>> fit = SurveyDesign(dd.from_pandas(df, npartitions=2), psu="c").glm("y ~ x")
        >>> round(float(fit.params["x"]), 3)
        2.1
        """
        from govstats.design import _dask_glm

        return _dask_glm.svyglm(self, formula, family, na_rm=na_rm, maxiter=maxiter, tol=tol)

    def to_replicates(
        self,
        method: str = "bootstrap",
        replicates: int | None = None,
        *,
        seed: int | np.random.Generator | None = None,
        fay_rho: float = 0.0,
        mse: bool = False,
    ) -> SurveyDesign:
        """Return a replicate-weight version (see :meth:`SurveyDesign.to_replicates`).

        No pass over the data: replicate factors are per PSU.

        Examples
        --------
        >>> import dask.dataframe as dd
        >>> import pandas as pd
        >>> from govstats.design import SurveyDesign
        >>> df = pd.DataFrame({"y": [1.0, 2.0, 3.0, 4.0], "h": [1, 1, 2, 2], "c": [1, 2, 3, 4]})
        >>> d = SurveyDesign(dd.from_pandas(df, npartitions=2), strata="h", psu="c")
        >>> d.to_replicates("jkn").replicates.n_replicates
        4
        """
        from govstats.design import _dask_estimators

        return _dask_estimators.to_replicates(
            self, method, replicates, seed=seed, fay_rho=fay_rho, mse=mse
        )

    def poststratify(self, variable: Any, population: Any) -> SurveyDesign:  # type: ignore[override]
        """Post-stratify to population counts (see ``calibration.poststratify``); one pass.

        Examples
        --------
        >>> import dask.dataframe as dd
        >>> import pandas as pd
        >>> from govstats.design import SurveyDesign
        >>> df = pd.DataFrame({"g": ["a", "a", "b", "b"], "y": [1.0, 2.0, 3.0, 5.0],
        ...                    "c": [1, 2, 3, 4]})
        >>> d = SurveyDesign(dd.from_pandas(df, npartitions=2), psu="c")
        >>> float(d.poststratify("g", {"a": 10, "b": 30}).total("y").estimate[0])
        135.0
        """
        from govstats.design import _dask_calibration

        return _dask_calibration.poststratify(self, variable, population)

    def rake(  # type: ignore[override]
        self,
        margins: Any,
        *,
        max_iter: int = 10,
        epsilon: float = 1.0,
        tol: float = 1e-6,
    ) -> SurveyDesign:
        """Rake to one-way margins (see ``calibration.rake``); one pass, then IPF on the client.

        Examples
        --------
        >>> import dask.dataframe as dd
        >>> import pandas as pd
        >>> from govstats.design import SurveyDesign
        >>> df = pd.DataFrame({"a": ["x", "x", "y", "y"], "b": ["u", "v", "u", "v"],
        ...                    "y": [1.0, 2.0, 3.0, 4.0], "c": [1, 2, 3, 4]})
        >>> d = SurveyDesign(dd.from_pandas(df, npartitions=2), psu="c")
        >>> r = d.rake({"a": {"x": 6, "y": 4}, "b": {"u": 5, "v": 5}})
        >>> round(float(r.total("y").estimate[0]), 6)
        23.0
        """
        from govstats.design import _dask_calibration

        return _dask_calibration.rake(self, margins, max_iter=max_iter, epsilon=epsilon, tol=tol)

    def __repr__(self) -> str:
        kind = "replicate" if self.replicates is not None else "linearization"
        assert self.table is not None
        return (
            f"SurveyDesign(dask, {kind}: {self.data.npartitions} partitions, "
            f"{self.table.n_rows} rows, {self.n_psu} PSUs, {self.n_strata} strata, df={self.df}, "
            f"lonely_psu={self.lonely_psu!r})"
        )
