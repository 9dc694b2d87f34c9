"""Benchmark: the divide chain with 2000 Rao-Wu bootstrap replicates.

k = 3 mediators, 6 covariates, simulated stratified cluster samples with 2,000
PSUs (100 strata x 20 PSUs) of n = 100,000 and n = 1,000,000 rows. Prints wall
time and peak memory of ``DivideChain(replicate_design, ...).fit()`` (building the
replicate design with ``to_replicates`` is timed on its own line),
and the ratio against a plain loop of statsmodels WLS fits over the same replicate
weights (run on a few replicates and scaled to 2000).

When R with lavaan is installed, the same chain (unweighted: lavaan's bootstrap
resamples rows and takes no sampling weights) is fitted with
``sem(..., se = "bootstrap", bootstrap = B)`` on the n = 100,000 sample; the time
of the fit without SEs plus B draws, measured inside R (reading the CSV and
starting R excluded), is scaled to the requested number of draws and compared
with govstats' time. Otherwise the lavaan column says it was skipped.

Run: ``python benchmarks/bench_chain.py [--sizes 100000 1000000] [--replicates 2000]
[--lavaan-draws 100]``
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd
import statsmodels.api as sm

import govstats as gs

N_STRATA, PSU_PER_STRATUM = 100, 20
COVARIATES = [f"c{i}" for i in range(6)]
MEDIATORS = ["info_access", "participation", "expression"]


def simulate(n: int, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n_psu = N_STRATA * PSU_PER_STRATUM
    psu = np.sort(rng.integers(0, n_psu, n))
    psu_effect = rng.normal(scale=0.3, size=n_psu)[psu]
    df = pd.DataFrame({"stratum": psu // PSU_PER_STRATUM, "county": psu})
    df["rural"] = (rng.random(n) < 0.4).astype(float)
    for c in COVARIATES:
        df[c] = rng.normal(size=n)
    cov = df[COVARIATES].to_numpy() @ np.linspace(0.05, 0.3, 6)
    m1 = -0.45 * df["rural"] + cov + psu_effect + rng.normal(size=n)
    m2 = -0.2 * df["rural"] + 0.35 * m1 + cov + rng.normal(size=n)
    m3 = -0.15 * df["rural"] + 0.25 * m1 + 0.4 * m2 + cov + rng.normal(size=n)
    y = -0.3 * df["rural"] + 0.15 * m1 + 0.2 * m2 + 0.3 * m3 + cov + rng.normal(size=n)
    df["info_access"], df["participation"], df["expression"], df["service"] = m1, m2, m3, y
    df["weight"] = rng.uniform(50, 150, n)
    return df


def make_design(df: pd.DataFrame):
    return gs.SurveyDesign(df, weights="weight", strata="stratum", psu="county")


def statsmodels_loop(df: pd.DataFrame, design, chain_res, n_loop: int, seed: int) -> float:
    """Seconds per replicate for four statsmodels WLS fits on replicate weights."""
    reps = design.to_replicates("bootstrap", replicates=n_loop, seed=seed).replicates
    base = np.asarray(design.weights_array)
    psu = np.asarray(design.psu_index)
    x_all = df[["rural", *MEDIATORS, *COVARIATES]]
    equations = [
        ("info_access", ["rural", *COVARIATES]),
        ("participation", ["rural", "info_access", *COVARIATES]),
        ("expression", ["rural", "info_access", "participation", *COVARIATES]),
        ("service", ["rural", *MEDIATORS, *COVARIATES]),
    ]
    start = time.perf_counter()
    for r in range(n_loop):
        w = base * reps.psu_factors[psu, r]
        for outcome, xs in equations:
            sm.WLS(df[outcome], sm.add_constant(x_all[xs]), weights=w).fit()
    return (time.perf_counter() - start) / n_loop


#: lavaan timing script: argv = csv, draws; prints "<seconds without SEs> <seconds with B draws>".
LAVAAN_SCRIPT = r"""
suppressPackageStartupMessages(library(lavaan))
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1])
draws <- as.integer(args[2])
C <- paste(c(%(covariates)s), collapse = " + ")
model <- paste0(
  "%(m1)s ~ rural + ", C, "\n",
  "%(m2)s ~ rural + %(m1)s + ", C, "\n",
  "%(m3)s ~ rural + %(m1)s + %(m2)s + ", C, "\n",
  "service ~ rural + %(m1)s + %(m2)s + %(m3)s + ", C, "\n")
set.seed(1)
t0 <- system.time(fit0 <- sem(model, data = d, se = "none"))[["elapsed"]]
t1 <- suppressWarnings(system.time(
  fit1 <- sem(model, data = d, se = "bootstrap", bootstrap = draws))[["elapsed"]])
stopifnot(lavInspect(fit1, "converged"))
cat(t0, t1, "\n")
"""


def lavaan_available() -> bool:
    if shutil.which("Rscript") is None:
        return False
    probe = subprocess.run(["Rscript", "-e", "library(lavaan)"], capture_output=True, check=False)
    return probe.returncode == 0


def lavaan_bootstrap(df: pd.DataFrame, draws: int, target: int) -> tuple[float, float]:
    """lavaan's bootstrap time scaled to ``target`` draws, and its seconds per draw."""
    script = LAVAAN_SCRIPT % {
        "covariates": ", ".join(f'"{c}"' for c in COVARIATES),
        "m1": MEDIATORS[0],
        "m2": MEDIATORS[1],
        "m3": MEDIATORS[2],
    }
    with tempfile.TemporaryDirectory() as tmp:
        csv = Path(tmp) / "chain.csv"
        df[["rural", *COVARIATES, *MEDIATORS, "service"]].to_csv(csv, index=False)
        code = Path(tmp) / "bench.R"
        code.write_text(script, encoding="utf-8")
        out = subprocess.run(
            ["Rscript", str(code), str(csv), str(draws)],
            capture_output=True,
            text=True,
            check=False,
        )
    if out.returncode != 0:
        raise RuntimeError(f"the lavaan timing script failed:\n{out.stderr}")
    fit_only, with_draws = (float(v) for v in out.stdout.split())
    per_draw = (with_draws - fit_only) / draws
    return fit_only + target * per_draw, per_draw


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--replicates", type=int, default=2000)
    parser.add_argument("--loop", type=int, default=5, help="replicates in the statsmodels loop")
    parser.add_argument(
        "--lavaan-draws", type=int, default=100, help="bootstrap draws timed in lavaan"
    )
    parser.add_argument(
        "--lavaan-max-n", type=int, default=100_000, help="largest n also fitted in lavaan"
    )
    args = parser.parse_args()
    print(f"cores: {os.cpu_count()}, replicates: {args.replicates}, k = 3, 6 covariates")
    has_lavaan = lavaan_available()
    header = f"{'n':>10} {'govstats s':>11} {'peak MB':>8} {'statsmodels s':>14} {'ratio':>7}"
    if has_lavaan:
        header += f" {'lavaan s':>10} {'ratio':>7}"
    else:
        header += "  lavaan: skipped (R/lavaan not installed)"
    print(header)
    notes = []
    for n in args.sizes:
        df = simulate(n)
        design = make_design(df)
        start = time.perf_counter()
        rep_design = design.to_replicates("bootstrap", replicates=args.replicates, seed=1)
        build = time.perf_counter() - start
        chain = gs.DivideChain(
            rep_design, x="rural", mediators=MEDIATORS, outcome="service", covariates=COVARIATES
        )
        tracemalloc.start()
        start = time.perf_counter()
        res = chain.fit(inference="replicate", progress=False)
        wall = time.perf_counter() - start
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        loop = statsmodels_loop(df, design, res, args.loop, seed=2) * args.replicates
        row = f"{n:>10} {wall:>11.2f} {peak / 2**20:>8.0f} {loop:>14.1f} {loop / wall:>7.0f}"
        if has_lavaan and n <= args.lavaan_max_n:
            lavaan_s, per_draw = lavaan_bootstrap(df, args.lavaan_draws, args.replicates)
            row += f" {lavaan_s:>10.1f} {lavaan_s / wall:>7.0f}"
            notes.append(
                f"  lavaan n = {n}: {args.lavaan_draws} bootstrap draws timed, "
                f"{per_draw:.3f} s per draw, scaled to {args.replicates} (i.i.d. rows, "
                "unweighted; govstats resamples PSUs within strata with weights)"
            )
        elif has_lavaan:
            row += f" {'-':>10} {'-':>7}"
        print(row)
        print(f"  building the {args.replicates}-replicate design (to_replicates): {build:.2f} s")
        print(
            "  indirect_total "
            f"{res.effects.loc['indirect_total', 'estimate']:.4f} "
            f"(se {res.effects.loc['indirect_total', 'se']:.4f})"
        )
    for note in notes:
        print(note)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"process peak RSS (whole script, incl. data and statsmodels): {rss:.0f} MB")


if __name__ == "__main__":
    main()
