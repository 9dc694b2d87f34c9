"""The divide chain on a distributed (dask) design: everything from per-PSU cross-products.

Every path equation of the chain, its linearization and every replicate refit are
functions of the per-PSU weighted cross-products ``S_p = sum_{i in p} w_i z_i z_i'``
of ``Z = [1, x, C..., M1..Mk, Y]`` (see :mod:`govstats.chain._paths`). One pass over
the partitions computes them (``design._kernel.psu_crossproducts``, additive
over row blocks); the client then solves the equations, forms the PSU totals of
the influence values ``S_p[regs, resp] - S_p[regs, regs] beta`` for the
linearization, or multiplies the replicate factors into ``S_p`` exactly as the
in-memory replicate run does. A light first pass finds the levels of categorical
covariates and which mediators are binary, so every partition codes ``Z`` alike.

Supported: linearization, replicate (the design's replicates or a new Rao-Wu
bootstrap), Monte Carlo and ``none``, overall and ``by=`` groups; the i.i.d. row
bootstrap raises :class:`~govstats.errors.ModelError`. A post-stratified or raked
design bins the cross-products by (PSU, calibration cell) unit: the linearization
residualizes the units' score sums for the calibration (R ``svyrecvar``, as the
design's own estimators do), and re-calibrated replicates weight every unit.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any, TypeGuard

import numpy as np
import pandas as pd

from govstats.chain import _effects, _paths, _replicate, _sampling
from govstats.chain._summarise import (
    Uncertainty,
    analytic_uncertainty,
    difference_table,
    effect_table,
)
from govstats.chain.results import ChainResult
from govstats.chain.spec import ChainSpec, specific_paths
from govstats.design import _replicates as _design_replicates
from govstats.design._dask_calibrated_replicates import CellReplicates, Units, calibration_units
from govstats.design._dask_calibration import residual_totals
from govstats.design._dask_estimators import (
    Pass,
    collected_levels,
    replicate_factors,
    rows_and_weights,
)
from govstats.design._dask_run import run_partitions
from govstats.design._kernel import psu_crossproducts
from govstats.design.categorical import is_categorical
from govstats.design.distributed import DistributedDesign
from govstats.design.inference import DEFAULT_REPLICATES, t_interval
from govstats.errors import DataError, DesignError, ModelError

if TYPE_CHECKING:
    from govstats.chain.divide_chain import DivideChain


def is_distributed(data: object) -> TypeGuard[DistributedDesign]:
    """Whether ``data`` is a design on a dask DataFrame."""
    return isinstance(data, DistributedDesign)


def build_spec(
    design: DistributedDesign,
    x: str,
    mediators: Any,
    outcome: str,
    covariates: Any,
) -> tuple[ChainSpec, dict[str, list[object]]]:
    """Validate the roles on the frame's schema and code covariates from one light pass."""
    meta: pd.DataFrame = design.data._meta  # type: ignore[assignment]
    covariates = [covariates] if isinstance(covariates, str) else list(covariates or ())
    categorical = [c for c in covariates if c in meta.columns and is_categorical(meta[c])]
    numeric = [c for c in covariates if c not in categorical]
    base = ChainSpec.build(meta, x, mediators, outcome, numeric)
    import dask

    checks = [design.data[c].dropna().isin([0, 1]).all() for c in (*base.mediators, outcome)]
    results = dask.compute(*checks)  # type: ignore[attr-defined, no-untyped-call]
    binary = tuple(c for c, ok in zip((*base.mediators, outcome), results, strict=True) if ok)
    found = collected_levels(design.data, categorical, observed=True)
    levels: dict[str, list[object]] = {}
    columns: list[str] = []
    reference: dict[str, object] = {}
    for c in covariates:
        if c not in found:
            columns.append(c)
            continue
        lev = found[c]
        if len(lev) < 2:
            raise ModelError(f"covariate {c!r} has a single level {lev}; drop it from covariates")
        levels[c] = lev
        reference[c] = lev[0]
        columns.extend(f"{c}[T.{v}]" for v in lev[1:])
    spec = ChainSpec(
        x=base.x,
        mediators=base.mediators,
        outcome=base.outcome,
        covariates=tuple(covariates),
        covariate_columns=tuple(columns),
        reference_levels=reference,
        binary=binary,
    )
    return spec, levels


def _matrix(spec: ChainSpec, levels: dict[str, list[object]], part: pd.DataFrame) -> np.ndarray:
    """``ChainSpec.matrix`` with the covariate levels of the whole data set."""
    n = len(part)
    columns = [np.ones(n), part[spec.x].to_numpy(dtype=float, na_value=np.nan)]
    for c in spec.covariates:
        col = part[c]
        if c in levels:
            values = col.to_numpy(dtype=object)
            na = col.isna().to_numpy()
            for lev in levels[c][1:]:
                dummy = (values == lev).astype(float)
                dummy[na] = np.nan
                columns.append(dummy)
        else:
            columns.append(col.to_numpy(dtype=float, na_value=np.nan))
    columns.extend(part[m].to_numpy(dtype=float, na_value=np.nan) for m in spec.mediators)
    columns.append(part[spec.outcome].to_numpy(dtype=float, na_value=np.nan))
    return np.column_stack(columns)


def _chain_part(
    part: pd.DataFrame,
    number: int,
    layout: Any,
    psu_strata: np.ndarray,
    spec: ChainSpec,
    levels: dict[str, list[object]],
    n_psu: int,
    by: str | None,
    groups: list[object],
    cells: Any = None,
    units: Units | None = None,
) -> dict[str, Any]:
    """Per-group, per-PSU cross-products of ``Z`` over complete rows, and counts.

    A calibrated design bins by (PSU, cell) unit instead, with calibrated weights, and
    adds what the calibration residuals need: unweighted cross-products, the weight of
    every row and the zero-weight rows per unit.
    """
    psu, cell, w, w0 = rows_and_weights(part, layout, psu_strata, cells)
    bins, n_bins = (psu, n_psu) if units is None else (units.index(psu, cell), units.n_units)
    z = _matrix(spec, levels, part)
    incomplete = part[list(spec.used_columns)].isna().any(axis=1).to_numpy() & (w > 0)
    by_missing = np.zeros(len(part), dtype=bool)
    if by is None:
        group = np.zeros(len(part), dtype=np.int64)
    else:
        by_missing = part[by].isna().to_numpy() & (w > 0)
        group = np.asarray(pd.Index(groups).get_indexer(part[by].to_numpy()), np.int64)  # type: ignore[arg-type]
    use = (w > 0) & ~incomplete & ~by_missing
    z = np.where(use[:, None], z, 0.0)
    x = z[use, 1]
    n_groups = max(len(groups), 1)
    cross = np.stack(
        [psu_crossproducts(z, np.where(use & (group == g), w, 0.0), bins, n_bins)
         for g in range(n_groups)]
    )  # fmt: skip
    rows = np.stack(
        [np.bincount(bins[use & (group == g)], minlength=n_bins) for g in range(n_groups)]
    ).astype(np.float64)
    extra: dict[str, Any] = {}
    if units is not None:
        extra["unweighted"] = np.stack(
            [psu_crossproducts(z, (use & (group == g)).astype(np.float64), bins, n_bins)
             for g in range(n_groups)]
        )  # fmt: skip
        extra["weight"] = np.bincount(bins, weights=w, minlength=n_bins)
        extra["zero"] = np.bincount(bins, weights=(w0 == 0).astype(np.float64), minlength=n_bins)
    return {
        **extra,
        "cross": cross,
        "rows": rows,
        "incomplete": float((incomplete | by_missing).sum()),
        "by_missing": float(by_missing.sum()),
        "missing": part[list(spec.used_columns)].isna().to_numpy()[w > 0].sum(axis=0),
        "x": np.array([(x == 0).sum(), (x == 1).sum(), ((x != 0) & (x != 1)).sum()], float),
    }


def _by_levels(design: DistributedDesign, by: str) -> list[object]:
    """Levels of the ``by`` column as ``DivideChain._groups`` orders them."""
    meta: pd.DataFrame = design.data._meta  # type: ignore[assignment]
    if by not in meta.columns:
        raise DataError(f"by={by!r} is not a column of the data")
    return collected_levels(design.data, [by], observed=True)[by]


def _add(parts: list[dict[str, Any]]) -> dict[str, Any]:
    return {key: np.sum([p[key] for p in parts], axis=0) for key in parts[0]}


def _psu_influence(
    s_psu: np.ndarray, full: np.ndarray, coefs: list[np.ndarray], equations: Any
) -> np.ndarray:
    """PSU totals of ``_paths.influence``: ``(S_p[regs, resp] - S_p[regs, regs] b) A^{-1}``."""
    return _apply_bread(_unit_scores(s_psu, coefs, equations), full, equations)


def _apply_bread(scores: np.ndarray, full: np.ndarray, equations: Any) -> np.ndarray:
    """Multiply every equation's block of score sums ``(n, K)`` by its ``A^{-1}``."""
    blocks, start = [], 0
    for _, regs, _ in equations:
        idx = np.asarray(regs)
        blocks.append(scores[:, start : start + idx.size] @ np.linalg.inv(full[np.ix_(idx, idx)]))
        start += idx.size
    return np.hstack(blocks)


def setup(
    chain: DivideChain,
    design: DistributedDesign,
    x: str,
    mediators: Any,
    outcome: str,
    covariates: Any,
    weights: str | None,
    missing: str,
) -> None:
    """Initialise ``chain`` for a distributed design (validation only; no estimation)."""
    if weights is not None:
        raise DesignError(
            f"weights={weights!r} was given with a SurveyDesign; the design's weights "
            "are used -- drop the weights argument or pass a DataFrame"
        )
    if missing not in ("error", "listwise"):
        raise DataError(f"missing={missing!r}; use 'error' or 'listwise'")
    spec, levels = build_spec(design, x, mediators, outcome, covariates)
    chain.spec = spec
    chain.data = design.data
    chain.design = design
    chain.weights = None
    chain.missing = missing
    chain._levels = levels


def fit(
    chain: DivideChain,
    inference: str,
    replicates: int | None,
    ci: str | None,
    level: float,
    seed: int,
    by_columns: tuple[str, ...],
    progress: bool,
) -> ChainResult:
    """``DivideChain.fit`` for a distributed design (one pass of per-PSU cross-products).

    ``inference``, ``level``, ``replicates`` and the resolved ``seed`` were checked by
    ``DivideChain.fit``.
    """
    design: DistributedDesign = chain.design  # type: ignore[assignment]
    if len(by_columns) > 1:
        raise ModelError(
            f"by={list(by_columns)} (several columns) is not supported on a dask design yet; "
            "combine them into one column first"
        )
    by = by_columns[0] if by_columns else None
    if inference == "model":
        raise ModelError(
            "inference='model' gives textbook SEs that ignore strata, clusters and "
            "weights as sampling weights; use 'linearization' or 'replicate' on a design"
        )
    if inference == "bootstrap":
        raise ModelError(
            "inference='bootstrap' (i.i.d. rows) is not available on a dask design; use "
            "inference='replicate' (design bootstrap) or 'linearization'"
        )
    spec = chain.spec
    if by is not None and by in spec.used_columns:
        raise ModelError(
            f"by={by!r} is also x, a mediator, the outcome or a covariate; within each "
            "group it would be constant -- drop it from the chain or group by another column"
        )
    table = design.table
    assert table is not None
    q = len(spec.columns)
    groups = [] if by is None else _by_levels(design, by)
    if by is not None and len(groups) < 2:
        raise ModelError(f"by={by!r} has a single level {groups}; nothing to compare")
    cells = getattr(design.calibration, "cells", None)
    units: Units | None = None
    if cells is not None:  # calibrated: sums per (PSU, cell) unit, for the residuals
        units = cells.replicate if cells.replicate is not None else calibration_units(design)
    sums = run_partitions(
        design.data, _chain_part, table.layout, table.psu_strata, spec,
        chain._levels, design.n_psu, by, groups, cells, units, combine=_add,
        columns=[*table.layout.columns, *spec.used_columns, *([by] if by else []),
                 *(cells.variables if cells is not None else ())],
    )  # fmt: skip
    unit_sums: dict[str, Any] = {}
    if units is not None:
        unit_sums = {key: sums[key] for key in ("cross", "unweighted", "weight", "zero")}
        sums = {**sums, "cross": units.to_psu(sums["cross"], axis=1),
                "rows": units.to_psu(sums["rows"], axis=1)}  # fmt: skip
    n_dropped = int(sums["incomplete"])
    if sums["by_missing"] and chain.missing == "error":
        raise DataError(
            f"by column {by!r} has {int(sums['by_missing'])} missing values; fix them or "
            "pass missing='listwise'"
        )
    if n_dropped and chain.missing == "error":
        named = {c: int(v) for c, v in zip(spec.used_columns, sums["missing"], strict=True) if v}
        raise DataError(
            f"{n_dropped} of {table.n_rows} rows have missing values (per column: {named}); "
            "impute them or pass missing='listwise' to drop them"
        )
    equations = spec.equations()
    sizes = [len(regs) for _, regs, _ in equations]
    emap = _effects.EffectMap.from_sizes(sizes, specific_paths(spec.k))
    labels = [str(g) for g in groups] or [""]
    wheres = [f" in group {by}={lab!r}" if by else "" for lab in labels]
    s_groups, fulls, coef_groups = [], [], []
    for g, label in enumerate(labels):
        s_psu_g = _paths.unpack(sums["cross"][g], q)
        full_g = s_psu_g.sum(axis=0)
        n_g = int(sums["rows"][g].sum())
        # counts only: a per-row array here would be as long as the whole dataset
        chain._check(full_g, n_g, max(sizes), label, None)
        n_psu_g = int((sums["rows"][g] > 0).sum())
        if by and n_psu_g <= max(sizes):
            raise ModelError(
                f"group {by}={label!r} has members in only {n_psu_g} PSUs, fewer than the "
                f"{max(sizes) + 1} a chain with {max(sizes)} parameters needs for design-based "
                f"variances; merge groups of {by!r} or fit without by="
            )
        beta = _paths.solve_equations(full_g[None], equations)
        s_groups.append(s_psu_g)
        fulls.append(full_g)
        coef_groups.append([b[0] for b in beta])
    theta = np.concatenate([np.concatenate(c) for c in coef_groups])
    eff = np.concatenate([_effects.effects(np.concatenate(c)[None], emap)[0] for c in coef_groups])
    n_rows = int(sums["rows"].sum())
    s_psu = np.sum(s_groups, axis=0)
    present = sums["rows"].sum(axis=0) > 0
    df_lin = float(present.sum() - np.unique(table.psu_strata[present]).size)
    if design.replicates is not None and not n_dropped:
        df_lin = float(design.df)  # as in memory: a replicate design's own df (R's degf)
    rng = np.random.default_rng(seed)
    seed_out: int | None = None
    if inference == "none":
        ci_used = "wald"
        coef_unc = eff_unc = Uncertainty("none", "wald", level, df_lin)
    elif inference in ("linearization", "montecarlo"):
        if units is None:
            z = np.hstack(
                [_psu_influence(s, f, c, equations)
                 for s, f, c in zip(s_groups, fulls, coef_groups, strict=True)]
            )  # fmt: skip
        else:
            z = _calibrated_influence(design, units, unit_sums, fulls, coef_groups, equations, q)
        vcov = design.vcov_psu_totals(z, present=present)
        coef_unc, eff_unc = analytic_uncertainty(
            inference,
            ci,
            level,
            df_lin,
            vcov,
            [np.concatenate(c) for c in coef_groups],
            emap,
            rng,
            theta,
            replicates,
        )
        if inference == "montecarlo":
            seed_out = seed
        ci_used = eff_unc.ci
    else:
        rep = design.replicates
        asked = replicates
        if units is not None:
            rep_design: Any = design
            if rep is None:  # as in memory: a Rao-Wu bootstrap, re-calibrated
                n_rep = replicates or DEFAULT_REPLICATES
                rep_design = design.to_replicates("bootstrap", replicates=n_rep, seed=seed)
                asked = None
            elif asked is not None:
                raise ModelError(
                    f"the design already carries {rep.n_replicates} replicate weights; omit "
                    "replicates= or build the design without them"
                )
            rep = rep_design.replicates
        elif rep is not None:
            replicate_factors(design)  # raises unless the replicates are factors per PSU
        if rep is None:
            # as in memory: a Rao-Wu bootstrap of the design (of its complete rows' domain)
            n_rep = replicates or DEFAULT_REPLICATES
            rep = design.to_replicates("bootstrap", replicates=n_rep, seed=seed).replicates
            assert rep is not None and rep.factors is not None
            if n_dropped:
                rep = replace(rep, df=_design_replicates.rank_df(rep.factors[present]))
            asked = None
        seed_out = seed if design.replicates is None else design.replicates.seed
        sampling = _sampling.Sampling(
            weights=np.ones(0), psu_index=np.arange(design.n_psu), strata_index=table.psu_strata,
            n_psu=design.n_psu, df=int(df_lin), has_strata=design.strata is not None,
            has_clusters=True, vcov_totals=design.vcov_totals, replicates=rep, design=design,
        )  # fmt: skip
        if units is None:
            plan = _replicate.design_plan(
                None,  # type: ignore[arg-type]
                sampling,
                [(lab, np.ones(0)) for lab in labels],
                list(sums["cross"]),
                asked,
                seed,
            )
        else:
            scale = None
            if design.replicates is None and n_dropped:
                scale = _domain_recalibration(design, units, unit_sums["cross"], q)
            plan = _unit_plan(
                rep_design, rep, unit_sums["cross"], list(sums["cross"]), table, scale
            )
        ci_used = chain._replicate_ci(ci, plan)
        coef_draws, eff_draws = _replicate.run(plan, q, equations, emap, wheres, progress)
        jack_coef = jack_eff = None
        if ci_used == "bca":
            jack_coef, jack_eff = _replicate.jackknife(plan, q, equations, emap, wheres)
        common = (plan.scale, plan.rscales, plan.mse)
        coef_unc = Uncertainty(
            plan.label, ci_used, level, plan.df, coef_draws, jack_coef, None, *common
        )
        eff_unc = Uncertainty(
            plan.label, ci_used, level, plan.df, eff_draws, jack_eff, None, *common
        )
    no_bca: list[str] = []
    group_labels = tuple(labels) if by else ()
    paths = chain._paths_frame(theta, coef_unc, group_labels, by, no_bca)
    effects = effect_table(eff, eff_unc, spec.effect_names(), group_labels, by, no_bca)
    differences = None
    if by:
        differences = difference_table(eff, eff_unc, spec.effect_names(), group_labels, by, no_bca)
    cascade = None
    if sums["x"][2] == 0 and sums["x"][0] > 0 and sums["x"][1] > 0:
        cascade = cascade_table(s_psu, design, spec, level, present, units, unit_sums)
    residual_sd, outcome_sd = _spreads(fulls, coef_groups, equations, spec.outcome_column)
    return ChainResult(
        spec=spec,
        paths=paths,
        effects=effects,
        differences=differences,
        cascade=cascade,
        method=eff_unc.method,
        ci=ci_used,
        conf_level=level,
        df=eff_unc.df,
        n_obs=n_rows,
        n_dropped=n_dropped,
        seed=seed_out,
        notes=chain._notes(n_dropped, by, no_bca),
        groups=group_labels,
        by=by,
        effect_theta=eff,
        effect_uncertainty=eff_unc,
        path_theta=theta,
        path_uncertainty=coef_unc,
        residual_sd=residual_sd,
        outcome_sd=outcome_sd,
    )


def _spreads(
    fulls: list[np.ndarray],
    coef_groups: list[list[np.ndarray]],
    equations: list[tuple[str, list[int], int]],
    outcome_column: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Weighted residual SD of every equation and SD of the outcome, per group (as in memory)."""
    residual, outcome = [], []
    for full, coefs in zip(fulls, coef_groups, strict=True):
        total = full[0, 0]
        sds = []
        for (_, regs, response), b in zip(equations, coefs, strict=True):
            rss = full[response, response] - b @ full[regs, response]
            sds.append(np.sqrt(max(rss, 0.0) / total))
        residual.append(sds)
        mean = full[0, outcome_column] / total
        outcome.append(np.sqrt(max(full[outcome_column, outcome_column] / total - mean**2, 0.0)))
    return np.asarray(residual), np.asarray(outcome)


def _cascade_sums(cross: np.ndarray, cols: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """Totals of ``w d_g y`` (per link and group) and of ``w d_g`` from cross-products.

    ``d_g`` marks x = 0 and x = 1; x is binary, so ``x^2 = x``. Rows of ``cross`` are
    PSUs or units; columns of the first result are (link0: x=0, x=1), (link1: ...), ...
    """
    one = cross[:, 1, cols]
    both = cross[:, 0, cols]
    num = np.stack([both - one, one], axis=2).reshape(cross.shape[0], 2 * len(cols))
    den = np.stack([cross[:, 0, 0] - cross[:, 0, 1], cross[:, 0, 1]], axis=1)
    return num, den


def cascade_table(
    s_psu: np.ndarray,
    design: DistributedDesign,
    spec: ChainSpec,
    level: float,
    present: np.ndarray,
    units: Units | None = None,
    unit_sums: dict[str, Any] | None = None,
) -> pd.DataFrame:
    """``cascade.cascade_table`` from per-PSU cross-products (x is binary, so x^2 = x).

    A calibrated design passes its per-unit sums: the scores are then residualized
    for the calibration, and re-calibrated replicates weight every unit.
    """
    cols = [spec.mediator_column(j) for j in range(spec.k)] + [spec.outcome_column]
    links = [*spec.mediators, spec.outcome]
    num, den = _cascade_sums(s_psu, cols)
    sizes = den.sum(axis=0)
    means = (num.sum(axis=0) / np.tile(sizes, len(cols))).reshape(len(cols), 2)
    rep = design.replicates
    q = len(spec.columns)

    def unit_cross(key: str) -> np.ndarray:
        assert unit_sums is not None
        return _paths.unpack(np.sum(unit_sums[key], axis=0), q)  # every group's rows

    if rep is not None:
        if units is None:
            factors = replicate_factors(design).T
            rn, rd = factors @ num, factors @ den
        else:
            assert isinstance(units, CellReplicates) and rep.psu_factors is not None
            factors = units.unit_factors(rep.psu_factors).T
            unum, uden = _cascade_sums(unit_cross("cross"), cols)
            rn, rd = factors @ unum, factors @ uden
        vcov = rep.vcov(rn / np.tile(rd, len(cols)), means.ravel())
        df = float(rep.df)
    else:
        centre = means.ravel()[None, :]
        scale = np.tile(sizes, len(cols))
        if units is None:
            scores = (num - np.tile(den, len(cols)) * centre) / scale
        else:
            assert unit_sums is not None
            wnum, wden = _cascade_sums(unit_cross("cross"), cols)
            unum, uden = _cascade_sums(unit_cross("unweighted"), cols)
            weighted = ((wnum - np.tile(wden, len(cols)) * centre) / scale)[:, None, :]
            unweighted = ((unum - np.tile(uden, len(cols)) * centre) / scale)[:, None, :]
            scores = _residualized(
                design, units, weighted, unweighted, unit_sums["weight"], unit_sums["zero"]
            )[:, 0, :]
        vcov = design.vcov_psu_totals(scores, present=present)
        df = float(present.sum() - np.unique(design.strata_index[present]).size)
    rows = []
    for i, link in enumerate(links):
        a, b = 2 * i, 2 * i + 1
        for label, est, var in (
            (f"{spec.x} = 0", means[i, 0], vcov[a, a]),
            (f"{spec.x} = 1", means[i, 1], vcov[b, b]),
            ("gap", means[i, 1] - means[i, 0], vcov[a, a] + vcov[b, b] - 2 * vcov[a, b]),
        ):
            rows.append((link, label, est, float(np.sqrt(max(var, 0.0)))))
    frame = pd.DataFrame(rows, columns=["link", "group", "estimate", "se"])
    low, high = t_interval(frame["estimate"].to_numpy(), frame["se"].to_numpy(), df, level)
    frame["ci_low"], frame["ci_high"], frame["df"] = low, high, df
    return frame


def _unit_scores(cross: np.ndarray, coefs: list[np.ndarray], equations: Any) -> np.ndarray:
    """(U, K) score sums per unit of every equation: ``S_u[regs, resp] - S_u[regs, regs] b``."""
    blocks = []
    for beta, (_, regs, resp) in zip(coefs, equations, strict=True):
        idx = np.asarray(regs)
        blocks.append(cross[:, idx, resp] - cross[:, idx[:, None], idx[None, :]] @ beta)
    return np.hstack(blocks)


def _residualized(
    design: DistributedDesign,
    units: Units,
    weighted: np.ndarray,
    unweighted: np.ndarray,
    weight: np.ndarray,
    zero: np.ndarray,
) -> np.ndarray:
    """PSU totals ``(n_psu, D, K)`` of calibration residuals of per-unit ``(U, D, K)`` scores.

    The unit sums are laid out as an estimator pass (``_dask_estimators.Pass``) and go
    through the calibration residuals of R ``svyrecvar`` (``_dask_calibration``).
    """
    cells: Any = design.calibration
    assert cells is not None
    n_cells = cells.n_cells
    slots = np.zeros((units.n_units, weighted.shape[1] + 1))
    pas = Pass(
        units.dense(slots, n_cells),
        units.dense(np.column_stack([weight, slots[:, 1:]]), n_cells),
        units.dense(np.column_stack([zero, slots[:, 1:]]), n_cells),
        units.dense(weighted, n_cells),
        None,
        None,
        [()] * weighted.shape[1],
    )
    return residual_totals(design, pas, pas.wv, units.dense(unweighted, n_cells))


def _calibrated_influence(
    design: DistributedDesign,
    units: Units,
    unit_sums: dict[str, Any],
    fulls: list[np.ndarray],
    coef_groups: list[list[np.ndarray]],
    equations: Any,
    q: int,
) -> np.ndarray:
    """PSU totals of the influence values of a calibrated design, group after group.

    The score sums of every (PSU, cell) unit (weighted, and unweighted for raking) are
    residualized for the calibration, then multiplied by each equation's ``A^{-1}``.
    """
    weighted = np.stack(
        [_unit_scores(_paths.unpack(c, q), b, equations)
         for c, b in zip(unit_sums["cross"], coef_groups, strict=True)], axis=1,
    )  # fmt: skip
    unweighted = np.stack(
        [_unit_scores(_paths.unpack(c, q), b, equations)
         for c, b in zip(unit_sums["unweighted"], coef_groups, strict=True)], axis=1,
    )  # fmt: skip
    totals = _residualized(
        design, units, weighted, unweighted, unit_sums["weight"], unit_sums["zero"]
    )
    return np.hstack(
        [_apply_bread(totals[:, g, :], full, equations) for g, full in enumerate(fulls)]
    )


def _unit_plan(
    rep_design: DistributedDesign,
    rep: Any,
    unit_cross: np.ndarray,
    psu_cross: list[np.ndarray],
    table: Any,
    cell_scale: np.ndarray | None = None,
) -> _replicate.ReplicatePlan:
    """Replicate plan of re-calibrated replicates: every replicate's cross-products.

    As in memory: the units' factors (PSU factor times the cell's re-calibration)
    combine the per-unit cross-products into ``(R, pairs)`` totals; the chunks then
    only pick replicates.
    """
    cells: Any = rep_design.calibration
    assert cells is not None and cells.replicate is not None
    factors = cells.replicate.unit_factors(rep.psu_factors)  # (U, R)
    if cell_scale is not None:
        factors = factors * cell_scale[cells.replicate.unit_cell, None]
    units = [factors.T @ cross for cross in unit_cross]
    picks = _replicate.replicate_picks(int(rep.n_replicates))
    return _replicate.replicates_plan(rep, picks, units, psu_cross, table.psu_strata)


def _domain_recalibration(
    design: DistributedDesign, units: Units, unit_cross: np.ndarray, q: int
) -> np.ndarray:
    """Per-cell factor of replicates drawn for the complete rows, as in memory.

    In memory the chain draws the bootstrap of the complete-row domain (``subset``),
    whose re-calibration undoes the full-sample calibration with the calibrated
    totals of the complete rows: every cell's replicate weights are scaled by its
    calibrated total over that of its complete rows.
    """
    cells: Any = design.calibration
    used = _paths.unpack(np.sum(unit_cross, axis=0), q)[:, 0, 0]  # weight of complete rows
    complete = np.bincount(units.unit_cell, weights=used, minlength=cells.n_cells)
    calibrated = cells.base_totals * cells.factor
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.asarray(np.where(complete > 0, calibrated / complete, 0.0))
