"""The parameter table (lavaan ``parameterEstimates`` layout) and fit measures of a fit."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from govstats.design.inference import t_interval
from govstats.sem import _fitmeasures as fm
from govstats.sem._baseline import (
    MeatFunction,
    baseline_fit,
    data_only,
    saturated_trace,
    scaling_factor,
)
from govstats.sem._data import Data
from govstats.sem._partable import ParTable
from govstats.sem._ram import Moments, RamModel
from govstats.sem._standardize import evaluate_defined, standardize

__all__ = ["fit_measures", "parameter_table"]


def parameter_table(pt: ParTable, ram: RamModel, names: Sequence[str], theta: np.ndarray,
           moments: Moments, base: np.ndarray, se_rows: np.ndarray, def_values: np.ndarray,
           def_se: np.ndarray, df: float, level: float,
           labels: Sequence[str]) -> pd.DataFrame:  # fmt: skip
    full_cov = [ram.implied(g, theta, moments)[3][0] for g in range(pt.n_groups)]
    std_lv, std_all = standardize(pt.lhs, pt.op, pt.rhs, pt.group, base, full_cov, names,
                                  set(pt.roles.lv))  # fmt: skip
    label = list(pt.label)
    lhs, op, rhs = list(pt.lhs), list(pt.op), list(pt.rhs)
    group = [int(g) + 1 for g in pt.group]
    est = list(base)
    se = list(se_rows)
    if pt.defined:
        lab_rows = {pt.label[i]: i for i in range(len(pt)) if pt.label[i]}
        std_def = []
        for source in (std_lv, std_all):
            vals = {lab: float(source[i]) for lab, i in lab_rows.items()}
            std_def.append(evaluate_defined(pt.defined, vals))
        for j, dfn in enumerate(pt.defined):
            lhs.append(dfn.name)
            op.append(":=")
            rhs.append(dfn.expression.replace("**", "^").replace(" ", ""))
            label.append(dfn.name)
            group.append(1 if len(labels) == 1 else 0)
            est.append(float(def_values[j]))
            se.append(float(def_se[j]))
        std_lv = np.concatenate([std_lv, std_def[0]])
        std_all = np.concatenate([std_all, std_def[1]])
    est_a = np.asarray(est)
    se_a = np.asarray(se)
    free_rows = np.concatenate([pt.free >= 0, np.ones(len(pt.defined), dtype=bool)])
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(free_rows & (se_a > 0), est_a / se_a, np.nan)
    if np.isfinite(df):
        p_value = 2 * stats.t.sf(np.abs(z), df)
    else:
        p_value = 2 * stats.norm.sf(np.abs(z))
    low, high = t_interval(est_a, se_a, df, level)
    term = [f"{a}{o}{b}" if o != "~1" else f"{a}~1" for a, o, b in zip(lhs, op, rhs, strict=True)]
    return pd.DataFrame({
        "lhs": lhs, "op": op, "rhs": rhs, "label": label, "group": group,
        "group_label": [labels[g - 1] if g > 0 else "" for g in group],
        "estimate": est_a, "se": se_a, "z": z, "p_value": p_value,
        "ci_low": low, "ci_high": high, "std_lv": std_lv, "std_all": std_all,
        "term": term, "df": np.full(len(lhs), df, dtype=np.float64),
    })  # fmt: skip


def fit_measures(pt: ParTable, ram: RamModel, theta: np.ndarray, moments: Moments,
                  f_min: float, n_total: float, n_moments: int, d: Data,
                  observed: np.ndarray | None, meat: np.ndarray | None,
                  meat_of: MeatFunction | None,
                  expected_bread: bool) -> dict[str, float]:  # fmt: skip

    chisq = 2 * n_total * f_min
    dof = float(n_moments - pt.n_free)
    g_count = pt.n_groups
    pvalue = float(stats.chi2.sf(chisq, dof)) if dof > 0 else np.nan
    out: dict[str, float] = {"npar": float(pt.n_free), "fmin": f_min, "chisq": chisq,
                             "df": dof, "pvalue": pvalue}  # fmt: skip
    # the same for every model of these variables on these data (and groups)
    shape = (tuple(pt.roles.ov), tuple(pt.roles.ov_x), pt.n_groups, pt.meanstructure)
    trace_h1 = (
        None
        if meat_of is None
        else data_only(("saturated", *shape), lambda: saturated_trace(pt, moments, d, meat_of))
    )
    base = data_only(("baseline", expected_bread, meat_of is None, *shape),
                     lambda: baseline_fit(pt, moments, d, meat_of, expected=expected_bread,
                                          trace_h1=trace_h1))  # fmt: skip
    out["baseline.chisq"], out["baseline.df"] = base["chisq"], base["df"]
    out["baseline.pvalue"] = float(stats.chi2.sf(base["chisq"], base["df"]))
    out["cfi"] = fm.cfi(chisq, dof, base["chisq"], base["df"])
    out["tli"] = fm.tli(chisq, dof, base["chisq"], base["df"])
    out["nnfi"] = out["tli"]
    out.update(fm.incremental(chisq, dof, base["chisq"], base["df"]))
    out["ntotal"] = n_total
    logl, logl_h1 = _loglik(pt, ram, theta, moments)
    out["logl"], out["unrestricted.logl"] = logl, logl_h1
    out["aic"] = -2 * logl + 2 * pt.n_free
    out["bic"] = -2 * logl + pt.n_free * np.log(n_total)
    out["bic2"] = -2 * logl + pt.n_free * np.log((n_total + 2) / 24)
    out["rmsea"] = fm.rmsea(chisq, dof, n_total, g_count)
    low, high = fm.rmsea_interval(chisq, dof, n_total, g_count)
    out["rmsea.ci.lower"], out["rmsea.ci.upper"] = low, high
    out["rmsea.ci.level"] = 0.90
    out["rmsea.pvalue"] = fm.rmsea_pvalue(chisq, dof, n_total, g_count, 0.05, close=True)
    out["rmsea.close.h0"] = 0.05
    out["rmsea.notclose.pvalue"] = fm.rmsea_pvalue(chisq, dof, n_total, g_count, 0.08, close=False)
    out["rmsea.notclose.h0"] = 0.08
    if meat_of is not None and observed is not None and meat is not None:
        # a saturated model (df = 0) has no scaling factor; lavaan keeps the unscaled chisq
        assert trace_h1 is not None
        c = scaling_factor(observed, meat, dof, trace_h1) if dof > 0 else np.nan
        scaled = chisq / c if dof > 0 else chisq
        out["chisq.scaled"], out["df.scaled"] = scaled, dof
        out["pvalue.scaled"] = float(stats.chi2.sf(scaled, dof)) if dof > 0 else np.nan
        out["chisq.scaling.factor"] = c
        out["baseline.chisq.scaled"] = base["chisq"] / base["scaling"]
        out["baseline.chisq.scaling.factor"] = base["scaling"]
        out["baseline.df.scaled"] = base["df"]
        out["baseline.pvalue.scaled"] = float(
            stats.chi2.sf(out["baseline.chisq.scaled"], base["df"])
        )
        out["cfi.scaled"] = fm.cfi(scaled, dof, out["baseline.chisq.scaled"], base["df"])
        out["tli.scaled"] = fm.tli(scaled, dof, out["baseline.chisq.scaled"], base["df"])
        out["nnfi.scaled"] = out["tli.scaled"]
        for key, value in fm.incremental(scaled, dof, out["baseline.chisq.scaled"],
                                         base["df"]).items():  # fmt: skip
            out[f"{key}.scaled"] = value
        if dof > 0:
            out["cfi.robust"] = fm.cfi(chisq, dof, base["chisq"], base["df"], c, base["scaling"])
            out["tli.robust"] = fm.tli(chisq, dof, base["chisq"], base["df"], c, base["scaling"])
            out["rmsea.scaled"] = fm.rmsea(chisq, c * dof, n_total, g_count)
            low, high = fm.rmsea_interval(chisq, c * dof, n_total, g_count)
            out["rmsea.ci.lower.scaled"], out["rmsea.ci.upper.scaled"] = low, high
            out["rmsea.pvalue.scaled"] = fm.rmsea_pvalue(chisq, c * dof, n_total, g_count,
                                                         0.05, close=True)  # fmt: skip
        else:
            out["cfi.robust"] = out["tli.robust"] = out["rmsea.scaled"] = np.nan
        out["rmsea.robust"] = fm.rmsea(chisq, dof, n_total, g_count, c_hat=c)
    srmr = 0.0
    for g in range(g_count):
        sigma, mu, *_ = ram.implied(g, theta, moments)
        share = moments.n[0, g] / n_total
        srmr += share * fm.srmr(moments.cov[0, g], sigma[0], moments.mean[0, g], mu[0],
                                pt.meanstructure)  # fmt: skip
    out["srmr"] = srmr
    return out


def _loglik(
    pt: ParTable, ram: RamModel, theta: np.ndarray, moments: Moments
) -> tuple[float, float]:
    logl = logl_h1 = 0.0
    ov = list(pt.roles.ov)
    x_idx = [ov.index(v) for v in pt.roles.ov_x]
    for g in range(pt.n_groups):
        sigma, mu, *_ = ram.implied(g, theta, moments)
        cov = moments.cov[0, g]
        n = moments.n[0, g]
        p = cov.shape[0]
        inv = np.linalg.inv(sigma[0])
        dev = moments.mean[0, g] - (mu[0] if pt.meanstructure else moments.mean[0, g])
        logl += -n / 2 * (p * np.log(2 * np.pi) + np.linalg.slogdet(sigma[0])[1]
                          + np.trace(cov @ inv) + dev @ inv @ dev)  # fmt: skip
        logl_h1 += -n / 2 * (p * np.log(2 * np.pi) + np.linalg.slogdet(cov)[1] + p)
        if len(x_idx):
            # fixed.x: the likelihood is conditional on the covariates (lavaan subtracts
            # their saturated marginal log-likelihood)
            cxx = cov[np.ix_(x_idx, x_idx)]
            logl_x = -n / 2 * (len(x_idx) * (np.log(2 * np.pi) + 1) + np.linalg.slogdet(cxx)[1])
            logl -= logl_x
            logl_h1 -= logl_x
    return float(logl), float(logl_h1)
