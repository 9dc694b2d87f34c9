"""Replicate and bootstrap fits of the chain, batched over replicates.

Every replicate reweights whole units (PSUs, or rows for the i.i.d. bootstrap), so
its packed cross-product is ``F[:, r] @ S_units``; a chunk of replicates is one
matrix product and one batched solve per equation. Nothing here loops over
replicates in Python.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from tqdm.auto import tqdm

from govstats.chain import _effects, _paths, _sampling
from govstats.design import inference
from govstats.design.inference import DEFAULT_REPLICATES
from govstats.errors import DesignError, ModelError

if TYPE_CHECKING:
    from govstats.design.replicates import Replicates

Equation = tuple[str, list[int], int]

#: Cap on the entries of one chunk of unit-by-replicate factors (2e6 float64 = 16 MB:
#: the draws, their counts and the factors of a chunk stay in cache-friendly sizes).
MAX_CHUNK_ENTRIES = 2_000_000
#: Jackknife deletions solved per batch.
JACKKNIFE_BATCH = 4096


@dataclass(frozen=True)
class ReplicatePlan:
    """Where the replicate factors come from and the constants of their variance.

    Attributes
    ----------
    chunks : iterator of (n_units, c) arrays
        Factors (or explicit replicate weights) for consecutive replicates.
    units : list of (n_units, pairs) arrays
        Per group, the cross-products the chunks multiply.
    jack_units : list of (n_psu, pairs) arrays
        Per group, the cross-products of the units the BCa jackknife deletes.
    jack_strata : (n_psu,) int array
    n_replicates : int
    scale, rscales, mse
        Replicate variance constants (R survey ``svrVar``).
    method : str
        "bootstrap", "jk1", "jkn", "brr", "fay" or "user".
    df : float
    label : str
        Inference label for results.
    """

    chunks: Iterator[np.ndarray]
    units: list[np.ndarray]
    jack_units: list[np.ndarray]
    jack_strata: np.ndarray
    n_replicates: int
    scale: float
    rscales: np.ndarray
    mse: bool
    method: str
    df: float
    label: str


def iid_plan(
    z: np.ndarray,
    sampling: _sampling.Sampling,
    groups: Sequence[tuple[str, np.ndarray]],
    n_rep: int,
    seed: int,
    allow_iid_bootstrap: bool,
) -> ReplicatePlan:
    """Plan the i.i.d. row bootstrap (refused on designed data unless allowed)."""
    found = [
        text
        for text, flag in (
            ("strata", sampling.has_strata),
            ("clusters (PSUs)", sampling.has_clusters),
            ("unequal weights", not sampling.equal_weights),
        )
        if flag
    ]
    if found and not allow_iid_bootstrap:
        raise ModelError(
            f"inference='bootstrap' resamples rows independently, but the data has "
            f"{', '.join(found)}; its intervals would ignore the sampling design. Use "
            "inference='replicate' (design bootstrap) or 'linearization', or pass "
            "allow_iid_bootstrap=True to ignore the design knowingly"
        )
    rows = np.flatnonzero(sampling.weights > 0)
    units = [_paths.row_crossproducts(z[rows]) * w[rows, None] for _, w in groups]
    return ReplicatePlan(
        chunks=inference.iid_counts(
            rows.size,
            n_rep,
            seed=seed,
            chunk=max(1, min(256, MAX_CHUNK_ENTRIES // max(rows.size, 1))),
        ),
        units=units,
        jack_units=units,
        jack_strata=np.zeros(rows.size, dtype=np.int64),
        n_replicates=n_rep,
        scale=1.0 / (n_rep - 1),
        rscales=np.ones(n_rep),
        mse=False,
        method="bootstrap",
        df=float(rows.size - 1),
        label="bootstrap",
    )


def design_plan(
    z: np.ndarray,
    sampling: _sampling.Sampling,
    groups: Sequence[tuple[str, np.ndarray]],
    psu_cross: list[np.ndarray],
    replicates: int | None,
    seed: int,
) -> ReplicatePlan:
    """Plan a design-replicate run: the design's replicates, or a new Rao-Wu bootstrap."""
    rep = sampling.replicates
    if rep is not None and replicates is not None:
        raise ModelError(
            f"the design already carries {rep.n_replicates} replicate weights; omit "
            "replicates= or build the design without them"
        )
    n_rep = DEFAULT_REPLICATES if replicates is None else replicates
    if rep is None and sampling.design is not None:
        rep = sampling.design.to_replicates("bootstrap", replicates=n_rep, seed=seed).replicates
    strata = sampling.psu_strata
    if rep is None:  # a DataFrame: every row its own PSU, one stratum
        chunk = max(1, min(512, MAX_CHUNK_ENTRIES // max(sampling.n_psu, 1)))
        _refuse_lonely(strata)
        return ReplicatePlan(
            chunks=inference.rao_wu_factors(strata, n_rep, seed=seed, chunk=chunk),
            units=psu_cross,
            jack_units=psu_cross,
            jack_strata=strata,
            n_replicates=n_rep,
            scale=1.0 / (n_rep - 1),
            rscales=np.ones(n_rep),
            mse=False,
            method="bootstrap",
            df=float(sampling.df),
            label="replicate (bootstrap)",
        )
    n_rep = int(rep.n_replicates)
    if rep.factors is None:
        chunks: Iterator[np.ndarray] = (wc for _, wc in rep.weight_chunks(sampling.weights))
        units = [_paths.row_crossproducts(z) * (w > 0)[:, None] for _, w in groups]
    else:
        if rep.cell_factors is None:
            factors = np.asarray(rep.psu_factors, dtype=float)
            chunks = (factors[:, i : i + 512] for i in range(0, n_rep, 512))
            units = psu_cross
        else:
            # re-calibrated replicates: cross-products per PSU within a calibration cell,
            # combined cell by cell into every replicate's cross-product (R, pairs); the
            # chunks then only pick replicates (identity columns)
            units = [
                rep.replicate_totals(_paths.psu_crossproducts(z, w, rep.unit_index, rep.n_units))
                for _, w in groups
            ]
            chunks = replicate_picks(n_rep)
    return replicates_plan(rep, chunks, units, psu_cross, strata)


def replicate_picks(n_rep: int) -> Iterator[np.ndarray]:
    """Chunks of identity columns: for units that already hold every replicate's total."""
    return (np.eye(n_rep)[:, i : i + 512] for i in range(0, n_rep, 512))


def replicates_plan(
    rep: Replicates,
    chunks: Iterator[np.ndarray],
    units: list[np.ndarray],
    jack_units: list[np.ndarray],
    jack_strata: np.ndarray,
) -> ReplicatePlan:
    """Plan a run of a design's replicates (scale, rscales, mse and df from ``rep``)."""
    return ReplicatePlan(
        chunks=chunks,
        units=units,
        jack_units=jack_units,
        jack_strata=jack_strata,
        n_replicates=int(rep.n_replicates),
        scale=float(rep.scale),
        rscales=np.asarray(rep.rscales, dtype=float),
        mse=bool(rep.mse),
        method=str(rep.method),
        df=float(rep.df),
        label=f"replicate ({rep.method})",
    )


def _refuse_lonely(psu_strata: np.ndarray) -> None:
    strata, counts = np.unique(psu_strata, return_counts=True)
    lonely = strata[counts < 2]
    if lonely.size:
        raise DesignError(
            f"strata {lonely.tolist()[:10]} have a single PSU; the Rao-Wu bootstrap needs at "
            "least 2 PSUs per stratum: merge those strata or use inference='linearization' "
            "with a lonely-PSU rule"
        )


def solve_batch(
    packed: np.ndarray, q: int, equations: Sequence[Equation], where: str
) -> np.ndarray:
    """(c, pairs) packed cross-products -> (c, P) stacked coefficients, or ModelError."""
    full = _paths.unpack(packed, q)
    try:
        beta = np.hstack(_paths.solve_equations(full, equations))
    except np.linalg.LinAlgError:
        beta = np.full((packed.shape[0], 1), np.nan)
    if not np.all(np.isfinite(beta)):
        raise ModelError(
            f"some replicate samples leave the chain unidentified{where} (too few PSUs "
            "with cases in a stratum); merge small groups or strata, or use "
            "inference='linearization'"
        )
    return beta


def run(
    plan: ReplicatePlan,
    q: int,
    equations: Sequence[Equation],
    emap: _effects.EffectMap,
    wheres: Sequence[str],
    progress: bool,
) -> tuple[np.ndarray, np.ndarray]:
    """Coefficient and effect draws, (R, G*P) and (R, G*E), for G groups."""
    n_groups = len(plan.units)
    p_total = int(emap.offsets[-1])
    n_eff = len(emap.factors) + 4
    coef = np.empty((plan.n_replicates, n_groups * p_total))
    eff = np.empty((plan.n_replicates, n_groups * n_eff))
    bar = tqdm(
        total=plan.n_replicates,
        desc="replicates",
        disable=not (progress and sys.stderr.isatty()),
        leave=False,
    )
    start = 0
    for factors in plan.chunks:
        c = factors.shape[1]
        for g, unit in enumerate(plan.units):
            beta = solve_batch(factors.T @ unit, q, equations, wheres[g])
            coef[start : start + c, g * p_total : (g + 1) * p_total] = beta
            eff[start : start + c, g * n_eff : (g + 1) * n_eff] = _effects.effects(beta, emap)
        start += c
        bar.update(c)
    bar.close()
    return coef, eff


def jackknife(
    plan: ReplicatePlan,
    q: int,
    equations: Sequence[Equation],
    emap: _effects.EffectMap,
    wheres: Sequence[str],
) -> tuple[np.ndarray, np.ndarray]:
    """Delete-one-unit jackknife values of coefficients and effects (BCa acceleration)."""
    coef_parts, eff_parts = [], []
    for unit, where in zip(plan.jack_units, wheres, strict=True):
        jack = _sampling.jackknife_crossproducts(unit, plan.jack_strata)
        coef = np.vstack(
            [
                solve_batch(jack[i : i + JACKKNIFE_BATCH], q, equations, where)
                for i in range(0, jack.shape[0], JACKKNIFE_BATCH)
            ]
        )
        coef_parts.append(coef)
        eff_parts.append(_effects.effects(coef, emap))
    return np.hstack(coef_parts), np.hstack(eff_parts)
