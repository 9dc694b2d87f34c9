"""Design-based GLMs (R ``svyglm``) on a distributed design: IRLS over partition sums.

A checking pass counts rows, missing values and the weight scale. Every IRLS step
is then one pass that, at the current coefficients, returns the weighted
least-squares sums ``X'WX`` and ``X'Wz`` for the next step, the deviance, and --
in case this step turns out to be the last -- the per-(PSU, cell) sums of the
score contributions ``x_i ww_i (y_i - mu_i) / mu'_i`` and the moments of the
Pearson residuals. The client solves the small normal equations, applies R's
``glm.fit`` stopping rule and step halving, and feeds the score totals to the
same design variance as in memory. Linear models converge after one step (and
one refinement of the solution from the exact residuals); their replicate
refits come from per-PSU cross-products, as in memory.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from govstats.design import _partition
from govstats.design._dask_estimators import (
    Pass,
    psu_score_totals,
    replicate_factors,
    rows_and_weights,
)
from govstats.design._dask_run import run_jobs, run_partitions
from govstats.design._glm_frame import _plain_columns, _unquote
from govstats.design._glm_frame import resolve_family as _family
from govstats.design._irls import _start_mu, _valid, deviance
from govstats.design._kernel import psu_crossproducts
from govstats.design.glm import GLMResult
from govstats.design.inference import DEFAULT_LEVEL, check_level
from govstats.errors import ConvergenceError, DataError, DesignError, ModelError

if TYPE_CHECKING:
    from statsmodels.genmod.families import Family

    from govstats.design._dask_calibrated_replicates import CellReplicates
    from govstats.design._psu_table import Layout
    from govstats.design.distributed import DistributedDesign

_RANK_TOL = 1e-11  # as _irls._QR_TOL, on the scaled normal equations


@dataclass(frozen=True)
class Model:
    """What every partition needs for one GLM pass (small, picklable)."""

    layout: Layout
    psu_strata: np.ndarray
    cells: Any
    response: str
    predictors: tuple[str, ...]
    family: Any
    kind: str
    na_rm: bool
    scale: float
    unweighted: bool

    def columns(self, part: pd.DataFrame) -> dict[str, Any]:
        """Rows of one partition: PSU, cell, weights, the columns of X, y, complete rows."""
        psu, cell, w, _ = rows_and_weights(part, self.layout, self.psu_strata, self.cells)
        y = part[self.response].to_numpy(dtype=np.float64, na_value=np.nan)
        cols = [part[c].to_numpy(dtype=np.float64, na_value=np.nan) for c in self.predictors]
        bad = np.isnan(y)
        for col in cols:
            bad |= np.isnan(col)
        active = w != 0
        use = active & ~bad if self.na_rm else active
        return {"psu": psu, "cell": cell, "w": w, "xs": [np.ones(len(part)), *cols], "y": y,
                "bad": bad, "active": active, "use": use}  # fmt: skip

    def arrays(self, part: pd.DataFrame) -> dict[str, Any]:
        """:meth:`columns` with X as one (n, p) matrix."""
        a = self.columns(part)
        a["x"] = np.column_stack(a["xs"])
        return a


def check_part(
    part: pd.DataFrame, number: int, model: Model, a: dict[str, Any] | None = None
) -> np.ndarray:
    """Count, in one partition, rows, missing per column, weights and response range."""
    a = model.columns(part) if a is None else a
    active, use, y, w = a["active"], a["use"], a["y"], a["w"]
    per_column = [
        part[c].isna().to_numpy()[active].sum() for c in (model.response, *model.predictors)
    ]
    yu = y[use & ~a["bad"]]
    return np.array(
        [
            active.sum(),
            (a["bad"] & active).sum(),
            w[active].sum(),
            use.sum(),
            w[use].sum(),
            (yu < 0).sum(),
            (yu > 1).sum(),
            *per_column,
        ],
        dtype=np.float64,
    )


def step_part(
    part: pd.DataFrame, number: int, model: Model, coef: np.ndarray | None, prev: np.ndarray | None
) -> dict[str, Any]:
    """One IRLS pass at ``coef`` (``None``: R's starting values).

    Returns the deviance, a validity count, the next step's ``X'WX`` and ``X'Wz``,
    the score sums with the working weights of ``prev`` (``None``: the starting
    values) and the Pearson moments at ``coef``.
    """
    a = model.arrays(part)
    use = a["use"]
    x, y, w = a["x"][use], a["y"][use], a["w"][use]
    prior = w / model.scale
    fam, link = model.family, model.family.link
    if coef is None:
        mu = _start_mu(model.kind, y, prior)
        eta = link(mu)
    else:
        eta = x @ coef
        mu = link.inverse(eta)
    valid = _valid(model.kind, mu) if len(mu) else True
    out: dict[str, Any] = {"valid": float(not valid), "dev": 0.0}
    p = x.shape[1]
    if not valid:
        out.update(A=np.zeros((p, p)), b=np.zeros(p), bins=None, moments=np.zeros(3))
        return out
    out["dev"] = deviance(model.kind, y, mu, prior)
    mu_eta = link.inverse_deriv(eta)
    var = fam.variance(mu)
    z = eta + (y - mu) / mu_eta
    ww = prior * mu_eta**2 / var
    out["A"] = (x * ww[:, None]).T @ x
    out["b"] = (x * ww[:, None]).T @ z
    if prev is None and coef is None:
        out["bins"] = None
        out["moments"] = np.zeros(3)
        return out
    if prev is None:
        mu_p = _start_mu(model.kind, y, prior)
        eta_p = link(mu_p)
    else:
        eta_p = x @ prev
        mu_p = link.inverse(eta_p)
    ww_prev = prior * link.inverse_deriv(eta_p) ** 2 / fam.variance(mu_p)
    scores = x * (ww_prev * (y - mu) / mu_eta)[:, None]
    pearson = (y - mu) / np.sqrt(var)
    out["moments"] = np.array(
        [np.sum(w * pearson), np.sum(w * pearson**2), np.sum(prior * pearson**2)]
    )
    # bins over all rows (weights of every (PSU, cell) enter calibration residuals)
    n = len(part)
    full = np.zeros((n, p))
    full[use] = scores
    columns = [np.ones(n)[:, None], a["w"][:, None], full]
    if model.unweighted:
        unw = np.zeros((n, p))
        with np.errstate(divide="ignore", invalid="ignore"):
            unw[use] = scores / w[:, None]
        columns.append(unw)
    columns.append((a["w"] == 0).astype(np.float64)[:, None])
    domain = np.where(use, 0, -1).astype(np.int64)
    out["bins"] = _partition.bin_sums(a["psu"], a["cell"], domain, [()], np.hstack(columns))
    return out


def cross_part(
    part: pd.DataFrame, number: int, model: Model, bins: int | CellReplicates
) -> dict[str, np.ndarray]:
    """Count rows and sum packed cross-products of ``[X, y]`` (analysis weights) per PSU.

    ``bins`` is the number of PSUs, or the (PSU, cell) units of re-calibrated replicates
    (then the sums are per unit).
    """
    a = model.columns(part)
    use = a["use"]
    z = np.column_stack([np.where(use, col, 0.0) for col in (*a["xs"], a["y"])])
    if isinstance(bins, int):
        codes, n_bins = a["psu"], bins
    else:
        codes, n_bins = bins.index(a["psu"], a["cell"]), bins.n_units
    cross = psu_crossproducts(z, np.where(use, a["w"], 0.0), codes, n_bins)
    return {"counts": check_part(part, number, model, a), "cross": cross}


def _add_dicts(parts: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    return {key: np.sum([p[key] for p in parts], axis=0) for key in parts[0]}


def _add_steps(parts: list[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "valid": sum(p["valid"] for p in parts),
        "dev": sum(p["dev"] for p in parts),
    }
    out["A"] = np.sum([p["A"] for p in parts], axis=0)
    out["b"] = np.sum([p["b"] for p in parts], axis=0)
    out["moments"] = np.sum([p["moments"] for p in parts], axis=0)
    bins = [p["bins"] for p in parts if p["bins"] is not None]
    out["bins"] = _partition.merge(bins) if bins else None
    return out


def _add_arrays(parts: list[np.ndarray]) -> np.ndarray:
    return np.asarray(np.sum(parts, axis=0))


def _parse(design: DistributedDesign, formula: str, kind: str) -> tuple[str, list[str]]:
    if "~" not in formula:
        raise ModelError(f"formula {formula!r} has no '~'; write 'response ~ predictors'.")
    lhs, rhs = _unquote(formula).split("~", 1)
    meta: pd.DataFrame = design.data._meta  # type: ignore[assignment]
    response = lhs.strip().strip("`")
    if response not in meta.columns:
        raise DataError(f"response column {response!r} is not in the data; check the spelling.")
    dtype = meta[response].dtype
    if not pd.api.types.is_numeric_dtype(dtype) or isinstance(dtype, pd.CategoricalDtype):
        raise ModelError(
            f"response {response!r} has dtype {dtype}; on a dask DataFrame the response must be "
            "numeric (code a two-level response as 0/1)."
        )
    simple = _plain_columns(meta, rhs)
    if simple is None:
        raise ModelError(
            f"on a dask DataFrame the formula's right-hand side must be numeric columns joined by "
            f"'+' (got {rhs.strip()!r}); add dummy or transformed columns to the frame first."
        )
    return response, simple


def _solve(a: np.ndarray, b: np.ndarray, names: list[str]) -> np.ndarray:
    scale = np.sqrt(np.diag(a))
    if (scale <= 0).any():
        raise ModelError(
            f"model matrix is rank deficient: {[names[i] for i in np.flatnonzero(scale <= 0)]} are "
            "constant zero in the estimation rows; drop them."
        )
    scaled = a / np.outer(scale, scale)
    eig = np.linalg.eigvalsh(scaled)
    if eig[0] <= _RANK_TOL**2 * eig[-1] * 1e6:
        raise ModelError(
            "model matrix is rank deficient: some terms are constant or collinear with the other "
            "terms in the estimation rows; drop or combine them."
        )
    return np.asarray(np.linalg.solve(scaled, b / scale) / scale)


def svyglm(
    design: DistributedDesign,
    formula: str,
    family: str | Family = "gaussian",
    *,
    na_rm: bool = False,
    max_iter: int = 25,
    tol: float = 1e-8,
    level: float = DEFAULT_LEVEL,
) -> GLMResult:
    """Fit a design-based GLM over partition sums (``glm.svyglm`` for a dask design).

    Coefficients are named as in memory (formulaic names: ``"Intercept"``, ``"x"``);
    the result's ``design`` is the dask design.
    """
    level = check_level(level)
    fam, kind = _family(family)
    response, predictors = _parse(design, formula, kind)
    names = ["Intercept", *predictors]
    table = design.table
    assert table is not None
    cells = getattr(design.calibration, "cells", None)
    model = Model(table.layout, table.psu_strata, cells, response, tuple(predictors), fam, kind,
                  na_rm, 1.0, cells is not None and cells.kind == "rake")  # fmt: skip
    read = [*table.layout.columns, response, *predictors]
    read += list(cells.variables) if cells is not None else []
    data = design.data[list(dict.fromkeys(read))]
    exact = kind == "gaussian" and type(fam.link).__name__ == "Identity"
    start = cross = None
    units = cells.replicate if cells is not None and design.replicates is not None else None
    if exact:  # a linear model: per-PSU (or unit) cross-products give fit and replicates
        bins = design.n_psu if units is None else units
        first = run_partitions(data, cross_part, model, bins, combine=_add_dicts)
        counts, cross = first["counts"], first["cross"]
    elif kind == "binomial":  # R's binomial starting values depend on the weight scale
        counts = run_partitions(data, check_part, model, combine=_add_arrays)
    else:  # prior weights enter the first step linearly: one pass for checks and step
        counts, start = run_jobs(data, [(check_part, (model,), _add_arrays),
                                        (step_part, (model, None, None), _add_steps)])  # fmt: skip
    n_active, n_bad, w_active, n_use, w_use = counts[:5]
    if n_bad and not na_rm:
        used = [response, *predictors]
        shown = ", ".join(
            f"{c!r} ({int(v)} missing)" for c, v in zip(used, counts[7:], strict=True) if v
        )
        raise DataError(
            f"missing values in the model variables {shown or used} in {int(n_bad)} rows; "
            "pass na_rm=True to fit on the complete rows (as a domain), or impute them first."
        )
    if kind == "binomial" and (counts[5] or counts[6]):
        raise ModelError("a binomial response must lie in [0, 1] (or be a two-level factor).")
    if kind == "poisson" and counts[5]:
        raise ModelError("a poisson response must be >= 0.")
    if n_use == 0:
        raise DesignError("no complete rows to fit the model on.")
    weight_scale = float(w_active / n_active)
    model = Model(table.layout, table.psu_strata, cells, response, tuple(predictors), fam, kind,
                  na_rm, weight_scale, model.unweighted)  # fmt: skip
    if exact:
        assert cross is not None
        fitted = _linear_fit(design, data, model, cross, names, formula, n_use, w_use)
        return replace(fitted, conf_level=level, design=design)
    if start is None:
        step = run_partitions(data, step_part, model, None, None, combine=_add_steps)
    else:
        step = {**start, "dev": start["dev"] / weight_scale, "A": start["A"] / weight_scale,
                "b": start["b"] / weight_scale}  # fmt: skip
    if step["valid"]:
        raise ConvergenceError("the GLM's starting values are outside the valid range of the mean.")
    dev_old = step["dev"]
    coef_old: np.ndarray | None = None
    iterations = 0
    final = None
    for iteration in range(1, max_iter + 1):
        a_mat, b_vec = step["A"], step["b"]
        coef = _solve(a_mat, b_vec, names)
        nxt = run_partitions(data, step_part, model, coef, coef_old, combine=_add_steps)
        halvings = 0
        while nxt["valid"] or not np.isfinite(nxt["dev"]):
            if coef_old is None or halvings > 30:
                raise ConvergenceError(
                    "the GLM fit left the valid range of the mean and could not step back; "
                    "check the response coding and for separation."
                )
            coef = (coef + coef_old) / 2
            nxt = run_partitions(data, step_part, model, coef, coef_old, combine=_add_steps)
            halvings += 1
        dev = nxt["dev"]
        if exact:
            # one refinement from the exact residuals, as _irls._wls does
            coef = coef + _solve(a_mat, _residual_sums(nxt, len(names)), names)
        if exact or abs(dev - dev_old) / (abs(dev) + 0.1) < tol:
            final = (coef, a_mat, nxt)
            iterations = iteration
            break
        dev_old, coef_old, step = dev, coef, nxt
    if final is None:
        raise ConvergenceError(
            f"the GLM fit did not converge in {max_iter} iterations (relative deviance change "
            f"still >= {tol}); raise max_iter or check for separation / extreme weights."
        )
    coef, a_mat, last = final
    bread = np.linalg.inv(a_mat)
    p = len(names)
    replicate_estimates = None
    if design.replicates is not None and not exact:
        from govstats.design._dask_glm_replicates import replicate_coefs

        bins = last["bins"]
        inside = bins.keys[:, 2] == 0
        psu_rows = np.bincount(bins.keys[inside, 0], bins.sums[inside, 0], design.n_psu)
        psu_weights = np.bincount(bins.keys[inside, 0], bins.sums[inside, 1], design.n_psu)
        replicate_estimates = replicate_coefs(
            design, data, model, coef, psu_rows, psu_weights, max_iter, tol
        )
        cov = design.replicates.vcov(replicate_estimates, coef)
        df = design.df + 1 - p
        dispersion = float(last["moments"][2])
    elif design.replicates is not None:
        cross = run_partitions(data, cross_part, model, design.n_psu, combine=_add_dicts)["cross"]
        q = p + 1
        rows, cols = np.triu_indices(q)
        factors = replicate_factors(design)
        packed = factors.T @ cross
        full = np.empty((packed.shape[0], q, q))
        full[:, rows, cols] = packed
        full[:, cols, rows] = packed
        replicate_estimates = np.linalg.solve(full[:, :p, :p], full[:, :p, p][:, :, None])[:, :, 0]
        cov = design.replicates.vcov(replicate_estimates, coef)
        df = design.df + 1 - p
        dispersion = float(last["moments"][2])
    else:
        cov, df = _linear_cov(design, last["bins"], bread, p)
        df = df + 1 - p
        m1, m2 = last["moments"][:2]
        n = int(n_use)
        centre = m1 / w_use
        ss = m2 - w_use * centre**2
        dispersion = float(ss / w_use * n / max(n - 1, 1) * (w_use / n_use) / weight_scale)
    return GLMResult(
        params=pd.Series(coef, index=names),
        cov=pd.DataFrame(cov, index=names, columns=names),
        df=int(df),
        family=kind,
        link=type(fam.link).__name__.lower(),
        dispersion=dispersion,
        n_obs=int(n_use),
        formula=formula,
        method=design.method,
        iterations=iterations,
        replicate_estimates=replicate_estimates,
        seed=None if design.replicates is None else design.replicates.seed,
        conf_level=level,
        design=design,
    )


def linear_part(part: pd.DataFrame, number: int, model: Model, coef: np.ndarray) -> dict[str, Any]:
    """Exact residuals of a linear model at ``coef``: score sums per (PSU, cell) and moments."""
    a = model.columns(part)
    use = a["use"]
    xs = [np.where(use, col, 0.0) for col in a["xs"]]
    fitted = sum(c * b for c, b in zip(xs, coef, strict=True))
    r = np.where(use, a["y"] - fitted, 0.0)
    w = a["w"]
    wr = np.where(use, w * r, 0.0)
    columns = [np.ones(len(part)), w, *(col * wr for col in xs)]
    if model.unweighted:
        columns.extend(col * r for col in xs)
    columns.append((w == 0).astype(np.float64))
    domain = np.where(use, 0, -1).astype(np.int64)
    return {
        "bins": _partition.bin_sums(a["psu"], a["cell"], domain, [()], columns),
        "moments": np.array([wr.sum(), (wr * r).sum()]),
    }


def _add_linear(parts: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "bins": _partition.merge([p["bins"] for p in parts]),
        "moments": np.sum([p["moments"] for p in parts], axis=0),
    }


def _linear_fit(
    design: DistributedDesign,
    data: Any,
    model: Model,
    cross: np.ndarray,
    names: list[str],
    formula: str,
    n_use: float,
    w_use: float,
) -> GLMResult:
    """Fit a linear model from per-PSU cross-products, refined once from exact residuals.

    As ``_irls`` for the identity link: one weighted least-squares step (with one
    refinement from the residuals, as ``_irls._wls``); the sandwich uses the score
    sums at that step, replicate refits the per-PSU cross-products.
    """
    p = len(names)
    q = p + 1
    rows, cols = np.triu_indices(q)
    total = np.empty((q, q))
    total[rows, cols] = cross.sum(axis=0)
    total[cols, rows] = cross.sum(axis=0)
    a_mat, b_vec = total[:p, :p], total[:p, p]
    coef = _solve(a_mat, b_vec, names)
    last = run_partitions(data, linear_part, model, coef, combine=_add_linear)
    inside = last["bins"].keys[:, 2] >= 0
    coef = coef + _solve(a_mat, last["bins"].sums[inside, 2 : 2 + p].sum(axis=0), names)
    bread = np.linalg.inv(a_mat)
    m1, m2 = last["moments"]
    replicate_estimates = None
    if design.replicates is not None:
        units = None if model.cells is None else model.cells.replicate
        if units is None:
            factors = replicate_factors(design)
        else:  # re-calibrated replicates: the cross-products are per (PSU, cell) unit
            assert design.replicates.psu_factors is not None
            factors = units.unit_factors(design.replicates.psu_factors)
        packed = factors.T @ cross
        full = np.empty((packed.shape[0], q, q))
        full[:, rows, cols] = packed
        full[:, cols, rows] = packed
        replicate_estimates = np.linalg.solve(full[:, :p, :p], full[:, :p, p][:, :, None])[:, :, 0]
        cov = design.replicates.vcov(replicate_estimates, coef)
        df = design.df + 1 - p
        dispersion = float(m2 / model.scale)
    else:
        cov, df = _linear_cov(design, last["bins"], bread, p)
        df = df + 1 - p
        n = int(n_use)
        centre = m1 / w_use
        ss = m2 - w_use * centre**2
        dispersion = float(ss / w_use * n / max(n - 1, 1) * (w_use / n_use) / model.scale)
    return GLMResult(
        params=pd.Series(coef, index=names),
        cov=pd.DataFrame(cov, index=names, columns=names),
        df=int(df),
        family="gaussian",
        link="identity",
        dispersion=dispersion,
        n_obs=int(n_use),
        formula=formula,
        method=design.method,
        iterations=1,
        replicate_estimates=replicate_estimates,
        seed=None if design.replicates is None else design.replicates.seed,
    )


def _residual_sums(nxt: dict[str, Any], p: int) -> np.ndarray:
    """``X'W(y - X coef)`` of a linear model: the score sums of the pass at ``coef``."""
    bins = nxt["bins"]
    inside = bins.keys[:, 2] >= 0
    return np.asarray(bins.sums[inside, 2 : 2 + p].sum(axis=0))


def _linear_cov(
    design: DistributedDesign, bins: _partition.BinSums, bread: np.ndarray, p: int
) -> tuple[np.ndarray, int]:
    """Sandwich covariance from the per-(PSU, cell) score sums, and the design df of the fit."""
    cells = getattr(design.calibration, "cells", None)
    n_cell = 1 if cells is None else cells.n_cells
    full = _partition.dense(bins, design.n_psu, n_cell, [()])
    j = 2 + p
    unweighted = None
    if cells is not None and cells.kind == "rake":
        unweighted = full[..., j : j + p]
        j += p
    pas = Pass(full[..., 0], full[..., 1], full[..., j], full[..., 2 : 2 + p], None, None, [()])
    z = psu_score_totals(design, pas, pas.wv, unweighted) @ bread
    present = pas.counts[:, :, 0].sum(axis=1) > 0
    cov = design.vcov_psu_totals(z, present=present)
    n_strata = np.unique(design.table.psu_strata[present]).size  # type: ignore[union-attr]
    return np.asarray(cov), int(present.sum() - n_strata)
