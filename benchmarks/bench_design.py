"""Timings of the design core on a large simulated stratified cluster sample.

1,000,000 rows, 100 strata x 50 PSUs (200 rows per PSU), unequal weights.
Prints govstats times next to (a) the point estimates alone with pandas/numpy
(the floor: no standard errors), (b) the same estimators in ``svy`` when it
is installed and (c) R ``survey`` (``svydesign``, ``svymean``, ``svyby``,
``svyglm``) when ``Rscript`` is on the PATH: the data are written once to a
temporary CSV, read by R outside the timings, and every call is timed inside R
with ``system.time`` (elapsed, best of ``--repeat``). R's point estimates and
standard errors are compared with govstats' as a check that both computed the
same thing. Also 200 Rao-Wu bootstrap replicates of a domain mean, with the
peak memory traced by ``tracemalloc``.

Run: ``python benchmarks/bench_design.py [--rows 1000000] [--repeat 3] [--no-r]``.
"""

from __future__ import annotations

import argparse
import os

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
    return frame


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--replicates", type=int, default=200)
    parser.add_argument("--no-r", action="store_true", help="skip the R survey column")
    args = parser.parse_args()

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


if __name__ == "__main__":
    main()
