"""Design estimators beside their numpy floor, at n = 1e5, 1e6 (and 1e7 on request).

A simulated stratified cluster sample: 100 strata x 50 PSUs, unequal weights,
31 provinces and 5 age groups (raking margins), 62 domains. Each workload runs in a
child process that builds the data and the design (not timed), then times govstats
and, in another child, the *floor*: a small numpy function computing the same
numbers the fastest honest way (one sort for a quantile and its Woodruff limits;
raking and its residuals on the joint table of the margins; domain means from
per-(PSU, domain) sums). Printed: time and rise of peak RSS over the RSS before the
workload (``VmHWM`` reset through ``/proc/self/clear_refs``) for both, the ratios,
and the worst relative difference of their numbers.

Workloads with a floor: ``quantile`` (median, Woodruff interval), ``raking`` (two
margins), ``se after raking`` (mean and SE on the raked design, ``deff=False``),
``31 domain means`` (``deff=False``), ``gaussian glm`` (5 predictors: coefficients and
design SEs; the floor solves the normal equations and sums scores per PSU). Memory
workloads (govstats only, RSS rise against the size of the data frame): the replicate
quantile interval (200 bootstrap
replicates), ``to_replicates(200)`` of a raked design and its mean, and a gaussian
GLM on a 200-replicate design.

``--peers`` adds the former comparison of design / mean / domain means / glm with
pandas point estimates, ``svy`` (when installed) and R ``survey`` (when ``Rscript``
is on the PATH), and 200 bootstrap replicates of a domain mean.

Run: ``python benchmarks/bench_design.py [--sizes 100000 1000000] [--repeat 3] [--peers]``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

# On a small shared machine OpenBLAS thread wake-ups dominate the small (PSUs x p)
# products of the variance; one BLAS thread is the fair setting. Override with
# OPENBLAS_NUM_THREADS in the environment.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import resource
import shutil
import subprocess
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import govstats as gs

N_STRATA, PSU_PER_STRATUM, N_DOMAINS = 100, 50, 62
PREDICTORS = ["x1", "x2", "x3", "x4", "x5"]


def simulate(rows: int, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n_psu = N_STRATA * PSU_PER_STRATUM
    psu = np.sort(rng.integers(0, n_psu, rows))
    psu[:n_psu] = np.arange(n_psu)  # every PSU sampled
    psu = np.sort(psu)
    stratum = psu // PSU_PER_STRATUM
    x = rng.normal(size=(rows, len(PREDICTORS)))
    y = 50 + x @ np.arange(1, 6) + rng.normal(0, 3, n_psu)[psu] + rng.normal(0, 10, rows)
    frame = pd.DataFrame(x, columns=PREDICTORS)
    frame["y"] = y
    frame["stratum"] = stratum
    frame["psu"] = psu
    frame["weight"] = rng.uniform(50, 500, rows)
    frame["domain"] = rng.integers(0, N_DOMAINS, rows)
    frame["province"] = rng.integers(0, N_PROVINCES, rows)
    frame["agegrp"] = rng.integers(0, N_AGE, rows)
    return frame


N_PROVINCES, N_AGE = 31, 5


def margins(frame: pd.DataFrame) -> dict[str, dict[int, float]]:
    """Population margins: sample totals of the weights, perturbed, with one grand total."""
    rng = np.random.default_rng(7)
    w = frame["weight"].to_numpy()
    prov = np.bincount(frame["province"], weights=w, minlength=N_PROVINCES)
    prov = prov * rng.uniform(0.9, 1.1, N_PROVINCES)
    age = np.bincount(frame["agegrp"], weights=w, minlength=N_AGE)
    age = age * rng.uniform(0.9, 1.1, N_AGE)
    age = age * prov.sum() / age.sum()
    return {
        "province": dict(enumerate(prov.tolist())),
        "agegrp": dict(enumerate(age.tolist())),
    }


def timed(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    best, out = np.inf, None
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - start)
    return best, out


def floor_tasks(frame: pd.DataFrame) -> dict[str, Callable[[], Any]]:
    w, y = frame["weight"].to_numpy(), frame["y"].to_numpy()

    def mean() -> float:
        return float((frame["weight"] * frame["y"]).sum() / frame["weight"].sum())

    def domains() -> pd.Series:
        wy = frame["weight"] * frame["y"]
        sums = pd.DataFrame({"wy": wy, "w": frame["weight"], "d": frame["domain"]})
        grouped = sums.groupby("d")[["wy", "w"]].sum()
        return grouped["wy"] / grouped["w"]

    def glm() -> np.ndarray:
        x = np.column_stack([np.ones(len(frame)), frame[PREDICTORS].to_numpy()])
        sw = np.sqrt(w)
        return np.linalg.lstsq(x * sw[:, None], y * sw, rcond=None)[0]

    return {"design": lambda: None, "mean": mean, "domain means": domains, "glm": glm}


def govstats_tasks(frame: pd.DataFrame) -> tuple[dict[str, Callable[[], Any]], Any]:
    holder: dict[str, Any] = {}

    def build() -> Any:
        holder["d"] = gs.SurveyDesign(frame, weights="weight", strata="stratum", psu="psu")
        return holder["d"]

    build()
    formula = "y ~ " + " + ".join(PREDICTORS)
    return {
        "design": build,
        "mean": lambda: holder["d"].mean("y"),
        "domain means": lambda: holder["d"].mean("y", by="domain"),
        "glm": lambda: holder["d"].glm(formula),
    }, holder


def svy_tasks(frame: pd.DataFrame) -> dict[str, Callable[[], Any]] | None:
    try:
        import polars as pl
        import svy
    except ImportError:
        return None
    data = pl.from_pandas(frame)
    holder: dict[str, Any] = {}

    def build() -> Any:
        design = svy.Design(stratum="stratum", psu="psu", wgt="weight")
        holder["s"] = svy.Sample(data, design)
        return holder["s"]

    build()
    return {
        "design": build,
        "mean": lambda: holder["s"].estimation.mean("y"),
        "domain means": lambda: holder["s"].estimation.mean("y", by="domain"),
        "glm": lambda: holder["s"].glm.fit(y="y", x=PREDICTORS, family="gaussian"),
    }


R_SCRIPT = r"""
suppressPackageStartupMessages(library(survey))
args <- commandArgs(trailingOnly = TRUE)
repeats <- as.integer(args[2])
df <- read.csv(args[1])
best <- function(expr) {
  e <- substitute(expr)
  min(sapply(seq_len(repeats), function(i) system.time(eval(e, globalenv()))[["elapsed"]]))
}
formula <- y ~ x1 + x2 + x3 + x4 + x5
t_design <- best(d <- svydesign(id = ~psu, strata = ~stratum, weights = ~weight, data = df))
t_mean <- best(m <- svymean(~y, d))
t_by <- best(b <- svyby(~y, ~domain, d, svymean))
t_glm <- best(g <- svyglm(formula, design = d))
cat("time design", t_design, "\n")
cat("time mean", t_mean, "\n")
cat("time domain_means", t_by, "\n")
cat("time glm", t_glm, "\n")
cat("value mean", format(coef(m), digits = 17), format(SE(m), digits = 17), "\n")
cat("value domain_se_max", format(max(SE(b)), digits = 17), "\n")
cat("value glm_se_x5", format(SE(g)[["x5"]], digits = 17), "\n")
"""


def r_timings(frame: pd.DataFrame, repeat: int) -> dict[str, float] | None:
    """Time the same four tasks in R ``survey`` (None, with a note, when R is not installed)."""
    rscript = shutil.which("Rscript")
    if rscript is None:
        print("(Rscript not found: the R survey column is skipped)")
        return None
    with tempfile.TemporaryDirectory() as tmp:
        csv = Path(tmp) / "bench.csv"
        script = Path(tmp) / "bench.R"
        frame.to_csv(csv, index=False)
        script.write_text(R_SCRIPT, encoding="utf-8")
        done = subprocess.run(
            [rscript, str(script), str(csv), str(repeat)],
            capture_output=True,
            text=True,
            check=False,
        )
    if done.returncode != 0:
        print(f"(R survey failed, column skipped: {done.stderr.strip()[-300:]})")
        return None
    out: dict[str, float] = {}
    for line in done.stdout.splitlines():
        kind, name, *values = line.split()
        for k, value in enumerate(values):
            out[f"{kind} {name}" + (f" {k}" if k else "")] = float(value)
    return out


def peers_main(args: argparse.Namespace) -> None:
    """The former comparison with pandas, svy and R survey (``--peers``)."""
    frame = simulate(args.rows)
    print(
        f"{len(frame):,} rows, {N_STRATA} strata x {PSU_PER_STRATUM} PSUs, "
        f"{N_DOMAINS} domains, best of {args.repeat}"
    )
    floor = floor_tasks(frame)
    ours, holder = govstats_tasks(frame)
    theirs = svy_tasks(frame)
    r_times = None if args.no_r else r_timings(frame, args.repeat)

    header = (
        f"{'task':<14}{'floor s':>10}{'govstats s':>12}{'ratio':>8}{'svy s':>10}{'svy/gs':>8}"
        f"{'R survey s':>12}{'R/gs':>8}"
    )
    print(header)
    print("-" * len(header))
    for task in ("design", "mean", "domain means", "glm"):
        t_floor, _ = timed(floor[task], args.repeat)
        t_ours, _ = timed(ours[task], args.repeat)
        ratio = f"{t_ours / t_floor:8.1f}" if task != "design" else f"{'':>8}"
        floor_text = f"{t_floor:10.3f}" if task != "design" else f"{'-':>10}"
        svy_text, svy_ratio = f"{'n/a':>10}", f"{'':>8}"
        if theirs is not None:
            try:
                t_svy, _ = timed(theirs[task], args.repeat)
                svy_text, svy_ratio = f"{t_svy:10.3f}", f"{t_svy / t_ours:8.1f}"
            except Exception as error:  # an estimator svy does not support
                svy_text = f"{'failed':>10}"
                print(f"  (svy {task}: {type(error).__name__}: {error})")
        r_text, r_ratio = f"{'n/a':>12}", f"{'':>8}"
        if r_times is not None:
            t_r = r_times[f"time {task.replace(' ', '_')}"]
            r_text, r_ratio = f"{t_r:12.3f}", f"{t_r / t_ours:8.1f}"
        print(f"{task:<14}{floor_text}{t_ours:12.3f}{ratio}{svy_text}{svy_ratio}{r_text}{r_ratio}")

    design = holder["d"]
    if r_times is not None:
        mean = design.mean("y")
        by = design.mean("y", by="domain")
        glm = design.glm("y ~ " + " + ".join(PREDICTORS))
        checks = [
            ("mean", float(mean.estimate[0]), r_times["value mean"]),
            ("se(mean)", float(mean.se[0]), r_times["value mean 1"]),
            ("max se(domain means)", float(np.max(by.se)), r_times["value domain_se_max"]),
            ("se(glm x5)", float(glm.se["x5"]), r_times["value glm_se_x5"]),
        ]
        worst = max(abs(ours_v / r_v - 1) for _, ours_v, r_v in checks)
        print(f"govstats vs R survey on this sample: worst relative difference {worst:.1e} over")
        print("  " + ", ".join(name for name, _, _ in checks))

    tracemalloc.start()
    start = time.perf_counter()
    replicated = design.to_replicates("bootstrap", args.replicates, seed=2024)
    result = replicated.mean("y", by="domain")
    elapsed = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    linear = design.mean("y", by="domain")
    ratio_se = np.median(result.se / linear.se)
    print(
        f"\n{args.replicates} bootstrap replicates, {N_DOMAINS} domain means: {elapsed:.3f} s, "
        f"peak traced memory {peak / 2**20:.0f} MiB "
        f"(process max RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB); "
        f"median SE ratio bootstrap/linearization {ratio_se:.3f}"
    )


# ---------------------------------------------------------------------- floors
def _strat_var(totals: np.ndarray) -> np.ndarray:
    """With-replacement stratified variance of PSU totals (n_psu, k); every stratum full."""
    t = totals.reshape(N_STRATA, PSU_PER_STRATUM, -1)
    centred = (t - t.mean(axis=1, keepdims=True)).reshape(N_STRATA * PSU_PER_STRATUM, -1)
    return centred.T @ centred * (PSU_PER_STRATUM / (PSU_PER_STRATUM - 1))


def _df() -> int:
    return N_STRATA * PSU_PER_STRATUM - N_STRATA


def floor_quantile(frame: pd.DataFrame, p: float = 0.5) -> list[float]:
    """Weighted median (R qrule 'math') and its Woodruff interval, one sort."""
    from scipy import stats

    y, w, psu = frame["y"].to_numpy(), frame["weight"].to_numpy(), frame["psu"].to_numpy()
    order = np.argsort(y, kind="stable")
    ys, cw = y[order], np.cumsum(w[order])
    total = cw[-1]

    def rule(prob: float) -> float:
        pos = max(int(np.searchsorted(cw, prob * total, side="right")) - 1, 0)
        nxt = min(pos + 1, ys.size - 1)
        return float(ys[pos] if prob - cw[pos] / total == 0 else ys[nxt])

    qhat = rule(p)
    below = y <= qhat
    m = w[below].sum() / total
    t = np.bincount(psu, weights=w * (below - m), minlength=N_STRATA * PSU_PER_STRATUM) / total
    se = float(np.sqrt(_strat_var(t[:, None])[0, 0]))
    crit = float(stats.t.ppf(0.975, _df()))
    return [qhat, rule(m - crit * se), rule(m + crit * se)]


def floor_rake(frame: pd.DataFrame, pops: dict[str, dict[int, float]]) -> dict[str, Any]:
    """Raking on the 31 x 5 joint table (R rake() stopping rule, epsilon = 1)."""
    w = frame["weight"].to_numpy()
    joint = frame["province"].to_numpy() * N_AGE + frame["agegrp"].to_numpy()
    n_joint = N_PROVINCES * N_AGE
    base = np.bincount(joint, weights=w, minlength=n_joint)
    cells = [np.arange(n_joint) // N_AGE, np.arange(n_joint) % N_AGE]
    targets = [
        np.array([pops["province"][k] for k in range(N_PROVINCES)]),
        np.array([pops["agegrp"][k] for k in range(N_AGE)]),
    ]
    factor, old = np.ones(n_joint), base.copy()
    after: list[np.ndarray] = []
    for _ in range(10):
        after = []
        for cell, pop in zip(cells, targets, strict=True):
            factor = factor * (pop / np.bincount(cell, weights=base * factor))[cell]
            after.append(factor)
        new = base * factor
        if np.max(np.abs(new - old)) < 1.0:
            break
        old = new
    return {"weights": w * factor[joint], "joint": joint, "after": after, "cells": cells}


def floor_se_after_rake(frame: pd.DataFrame, raked: dict[str, Any]) -> list[float]:
    """Mean of y on the raked weights and its SE (R's 10 residual sweeps, on joint cells)."""
    y, psu = frame["y"].to_numpy(), frame["psu"].to_numpy()
    w0, wr, joint = frame["weight"].to_numpy(), raked["weights"], raked["joint"]
    g1, g2 = raked["after"]
    c1, c2 = raked["cells"]
    n_joint = c1.size
    total = wr.sum()
    mean = float(wr @ y / total)
    x = wr * (y - mean) / total
    psw1 = w0 * g1[joint]
    v = np.bincount(joint, weights=x / psw1, minlength=n_joint)
    cnt = np.bincount(joint, minlength=n_joint).astype(float)
    s1, s2 = np.bincount(c1, weights=v), np.bincount(c2, weights=v * g1 / g2)
    n1, n2 = np.bincount(c1, weights=cnt), np.bincount(c2, weights=cnt)
    a1, a2 = np.zeros(N_PROVINCES), np.zeros(N_AGE)
    for _ in range(10):
        a1 = a1 + (s1 - np.bincount(c1, weights=cnt * (a1[c1] + g2 / g1 * a2[c2]))) / n1
        a2 = a2 + (s2 - np.bincount(c2, weights=cnt * (g1 / g2 * a1[c1] + a2[c2]))) / n2
    resid = x - psw1 * a1[frame["province"].to_numpy()] - wr * a2[frame["agegrp"].to_numpy()]
    t = np.bincount(psu, weights=resid, minlength=N_STRATA * PSU_PER_STRATUM)
    return [mean, float(np.sqrt(_strat_var(t[:, None])[0, 0]))]


def floor_domain_means(frame: pd.DataFrame) -> list[float]:
    """31 domain means and SEs from per-(PSU, domain) sums."""
    y, w = frame["y"].to_numpy(), frame["weight"].to_numpy()
    n_psu = N_STRATA * PSU_PER_STRATUM
    key = frame["psu"].to_numpy() * N_PROVINCES + frame["province"].to_numpy()
    ty = np.bincount(key, weights=w * y, minlength=n_psu * N_PROVINCES).reshape(n_psu, -1)
    tw = np.bincount(key, weights=w, minlength=n_psu * N_PROVINCES).reshape(n_psu, -1)
    big_w = tw.sum(axis=0)
    means = ty.sum(axis=0) / big_w
    v = _strat_var((ty - means * tw) / big_w)
    return [*means.tolist(), *np.sqrt(np.diag(v)).tolist()]


def floor_glm(frame: pd.DataFrame) -> list[float]:
    """Gaussian design GLM: normal equations, per-PSU score totals, stratified sandwich."""
    x = np.empty((len(frame), len(PREDICTORS) + 1), order="F")
    x[:, 0] = 1.0
    for j, c in enumerate(PREDICTORS, start=1):
        x[:, j] = frame[c].to_numpy()
    y, w = frame["y"].to_numpy(), frame["weight"].to_numpy()
    xw = x * w[:, None]
    bread = np.linalg.inv(xw.T @ x)
    coef = bread @ (xw.T @ y)
    scores = xw * (y - x @ coef)[:, None]
    psu = frame["psu"].to_numpy()
    totals = np.column_stack(
        [np.bincount(psu, weights=scores[:, j], minlength=N_STRATA * PSU_PER_STRATUM)
         for j in range(x.shape[1])]
    )  # fmt: skip
    cov = bread @ _strat_var(totals) @ bread
    return [*coef.tolist(), *np.sqrt(np.diag(cov)).tolist()]


# ---------------------------------------------------------------------- children
FORMULA = "y ~ " + " + ".join(PREDICTORS)
FLOOR_TASKS = ("quantile", "raking", "se after raking", "31 domain means", "gaussian glm")
MEMORY_TASKS = ("replicate quantile interval", "raked to_replicates(200) + mean", "replicate glm")


def _govstats_work(task: str, frame: pd.DataFrame) -> Callable[[], Any]:
    design = gs.SurveyDesign(frame, weights="weight", strata="stratum", psu="psu")
    pops = margins(frame)
    if task == "quantile":
        return lambda: _values(design.quantile("y", 0.5), quantile=True)
    if task == "raking":
        return lambda: design.rake(pops).weights_array
    if task == "se after raking":
        raked = design.rake(pops)
        return lambda: _values(raked.mean("y", deff=False))
    if task == "31 domain means":
        return lambda: _values(design.mean("y", by="province", deff=False))
    if task == "gaussian glm":
        return lambda: _values(design.glm(FORMULA))
    if task == "replicate quantile interval":
        rep = design.to_replicates("bootstrap", 200, seed=1)
        return lambda: _values(rep.quantile("y", 0.5, interval_type="quantile"), quantile=True)
    if task == "raked to_replicates(200) + mean":
        raked = design.rake(pops)
        return lambda: _values(raked.to_replicates("bootstrap", 200, seed=1).mean("y"))
    rep = design.to_replicates("bootstrap", 200, seed=1)
    return lambda: rep.glm(FORMULA).se.to_numpy().tolist()


def _values(res: Any, quantile: bool = False) -> list[float]:
    if quantile:
        return [float(res.estimate[0]), float(res.ci_low[0]), float(res.ci_high[0])]
    return [*np.asarray(res.estimate).tolist(), *np.asarray(res.se).tolist()]


def _floor_work(task: str, frame: pd.DataFrame) -> Callable[[], Any]:
    pops = margins(frame)
    if task == "quantile":
        return lambda: floor_quantile(frame)
    if task == "raking":
        return lambda: floor_rake(frame, pops)["weights"]
    if task == "se after raking":
        raked = floor_rake(frame, pops)
        return lambda: floor_se_after_rake(frame, raked)
    if task == "gaussian glm":
        return lambda: floor_glm(frame)
    return lambda: floor_domain_means(frame)


def _rss_now_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _peak_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(role: str, task: str, n: int, repeat: int) -> None:
    """Time one workload in this process; print time, RSS rise, data size and numbers."""
    import gc

    frame = simulate(n)
    data_mb = frame.memory_usage(deep=True).sum() / 2**20
    work = _floor_work(task, frame) if role == "floor" else _govstats_work(task, frame)
    best, rise, out = np.inf, 0.0, None
    for _ in range(repeat):
        out = None
        gc.collect()
        base = _rss_now_mb()
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        start = time.perf_counter()
        out = work()
        best = min(best, time.perf_counter() - start)
        rise = max(rise, _peak_mb() - base)
    values = np.asarray(out, dtype=float).ravel().tolist()
    print(json.dumps({"time": best, "rss_rise": rise, "data_mb": data_mb, "values": values}))


def run_child(role: str, task: str, n: int, repeat: int) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, __file__, "--child", role, task, str(n), str(repeat)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"{role} {task} at n = {n} failed:\n{done.stderr[-2000:]}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--tasks", nargs="+", default=[*FLOOR_TASKS, *MEMORY_TASKS])
    parser.add_argument("--peers", action="store_true", help="pandas, svy and R survey")
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows for --peers")
    parser.add_argument("--replicates", type=int, default=200, help="for --peers")
    parser.add_argument("--no-r", action="store_true", help="skip the R survey column")
    parser.add_argument("--child", nargs=4, metavar=("ROLE", "TASK", "N", "REPEAT"))
    args = parser.parse_args()
    if args.child:
        role, task, n, repeat = args.child
        child(role, task, int(n), int(repeat))
        return
    if args.peers:
        peers_main(args)
        return
    print(f"{N_STRATA} strata x {PSU_PER_STRATUM} PSUs, best of {args.repeat} (1 at n >= 1e7)")
    print(
        f"{'task':<34}{'n':>10}{'govstats s':>12}{'floor s':>10}{'ratio':>7}"
        f"{'RSS rise MB gs / floor (data)':>32}{'worst rel diff':>16}"
    )
    for n in args.sizes:
        repeat = args.repeat if n < 10_000_000 else 1
        for task in args.tasks:
            ours = run_child("govstats", task, n, repeat)
            if task in FLOOR_TASKS:
                floor = run_child("floor", task, n, repeat)
                a, b = np.asarray(ours["values"]), np.asarray(floor["values"])
                diff = float(np.max(np.abs(a - b) / np.maximum(np.abs(b), 1e-300)))
                print(
                    f"{task:<34}{n:>10}{ours['time']:>12.3f}{floor['time']:>10.3f}"
                    f"{ours['time'] / floor['time']:>7.2f}"
                    f"{ours['rss_rise']:>14.0f} / {floor['rss_rise']:<6.0f}"
                    f"({ours['data_mb']:.0f}){'':>4}{diff:>16.1e}",
                    flush=True,
                )
            else:
                print(
                    f"{task:<34}{n:>10}{ours['time']:>12.3f}{'-':>10}{'':>7}"
                    f"{ours['rss_rise']:>14.0f} / {'-':<6}({ours['data_mb']:.0f})",
                    flush=True,
                )


if __name__ == "__main__":
    main()
