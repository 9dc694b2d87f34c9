"""Benchmark: the divide chain with 2000 Rao-Wu bootstrap replicates.

k = 3 mediators, 6 covariates, simulated stratified cluster samples with 2,000
PSUs (100 strata x 20 PSUs) of n = 100,000 and n = 1,000,000 rows. Prints wall
time and peak memory of ``DivideChain(replicate_design, ...).fit()`` (building the
replicate design with ``to_replicates`` is timed on its own line),
and the ratio against a plain loop of statsmodels WLS fits over the same replicate
weights (run on a few replicates and scaled to 2000). lavaan is compared only when
R with lavaan is installed.

Run: ``python benchmarks/bench_chain.py [--sizes 100000 1000000] [--replicates 2000]``
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import time
import tracemalloc

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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--replicates", type=int, default=2000)
    parser.add_argument("--loop", type=int, default=5, help="replicates in the statsmodels loop")
    args = parser.parse_args()
    print(f"cores: {os.cpu_count()}, replicates: {args.replicates}, k = 3, 6 covariates")
    has_lavaan = shutil.which("Rscript") is not None and (
        subprocess.run(
            ["Rscript", "-e", "library(lavaan)"], capture_output=True, check=False
        ).returncode
        == 0
    )
    header = f"{'n':>10} {'govstats s':>11} {'peak MB':>8} {'statsmodels s':>14} {'ratio':>7}"
    print(header + ("  lavaan" if has_lavaan else "  lavaan: skipped (R/lavaan not installed)"))
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
        print(f"{n:>10} {wall:>11.2f} {peak / 2**20:>8.0f} {loop:>14.1f} {loop / wall:>7.0f}")
        print(f"  building the {args.replicates}-replicate design (to_replicates): {build:.2f} s")
        print(
            "  indirect_total "
            f"{res.effects.loc['indirect_total', 'estimate']:.4f} "
            f"(se {res.effects.loc['indirect_total', 'se']:.4f})"
        )
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"process peak RSS (whole script, incl. data and statsmodels): {rss:.0f} MB")


if __name__ == "__main__":
    main()
