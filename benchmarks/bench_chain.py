"""Benchmark: the divide chain with 2000 Rao-Wu bootstrap replicates, beside its floor.

k = 3 mediators, 6 covariates, simulated stratified cluster samples with 2,000
PSUs (100 strata x 20 PSUs), rows sorted by PSU, n = 1e5, 1e6 and 1e7 rows.

Each workload runs in its own child process, which builds the data and the
replicate design (not timed), then times ``DivideChain(replicate_design,
...).fit()`` -- or the *floor*: a small numpy function computing the same numbers
the fastest honest way (column-major Z, one cross-product per PSU on the sorted
rows, ``F' S`` for every replicate, batched solves, effects, their replicate SEs
and percentile limits, and the cascade's means and gap SEs). The parent prints the
time and the rise of peak RSS over the RSS just before the workload (Linux
``VmHWM`` after resetting it through ``/proc/self/clear_refs``) for both, their
ratios, and the worst relative difference between the two sets of numbers.

``--peers`` adds the former comparison with a statsmodels WLS loop and, when R with
lavaan is installed, lavaan's bootstrap on the n = 100,000 sample (unweighted:
lavaan's bootstrap resamples rows and takes no sampling weights).

Run: ``python benchmarks/bench_chain.py [--sizes 100000 1000000 10000000]
[--replicates 2000] [--repeat 3] [--peers]``
"""

from __future__ import annotations

import argparse
import json
import os

# On a small shared machine OpenBLAS thread wake-ups dominate the small per-PSU
# products; one BLAS thread is the fair (and fastest) setting for both sides.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

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
    import statsmodels.api as sm

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


def floor_chain(df: pd.DataFrame, factors: np.ndarray, level: float = 0.95) -> dict[str, Any]:
    """The same numbers as the chain fit, the fastest way: the floor.

    Effects (7 specific indirect, total indirect, direct, total) with their
    bootstrap SEs and percentile limits, and the cascade (means by x and gap SEs).
    Rows are sorted by PSU (as the simulation makes them).
    """
    variables = ["rural", *COVARIATES, *MEDIATORS, "service"]
    n, q = len(df), len(variables) + 1
    z = np.empty((n, q), order="F")
    z[:, 0] = 1.0
    for j, c in enumerate(variables, start=1):
        z[:, j] = df[c].to_numpy()
    w = df["weight"].to_numpy()
    psu = df["county"].to_numpy()
    n_psu = factors.shape[0]
    bounds = np.searchsorted(psu, np.arange(n_psu + 1))
    s = np.empty((n_psu, q, q))
    for g in range(n_psu):
        a = z[bounds[g] : bounds[g + 1]]
        s[g] = (a * w[bounds[g] : bounds[g + 1], None]).T @ a
    flat = s.reshape(n_psu, q * q)
    cross = np.concatenate([flat.sum(axis=0)[None], factors.T @ flat])
    cross = cross.reshape(-1, q, q)
    cov = list(range(2, 8))
    m_col = [8, 9, 10]

    def solve(regs: list[int], resp: int) -> np.ndarray:
        idx = np.asarray(regs)
        return np.linalg.solve(cross[:, idx[:, None], idx], cross[:, idx, resp][..., None])[..., 0]

    b1 = solve([0, 1, *cov], m_col[0])
    b2 = solve([0, 1, m_col[0], *cov], m_col[1])
    b3 = solve([0, 1, m_col[0], m_col[1], *cov], m_col[2])
    by = solve([0, 1, *m_col, *cov], 11)
    a1, a2, a3 = b1[:, 1], b2[:, 1], b3[:, 1]
    d21, d31, d32 = b2[:, 2], b3[:, 2], b3[:, 3]
    y1, y2, y3, direct = by[:, 2], by[:, 3], by[:, 4], by[:, 1]
    specific = np.column_stack(
        [a1 * y1, a2 * y2, a3 * y3, a1 * d21 * y2, a1 * d31 * y3, a2 * d32 * y3,
         a1 * d21 * d32 * y3]
    )  # fmt: skip
    indirect = specific.sum(axis=1)
    eff = np.column_stack([specific, indirect, direct, indirect + direct])
    tail = (1 - level) / 2
    reps = eff[1:]
    # cascade: sum w y and sum w x y are entries of the cross-products (x is 0/1)
    size1, size_all = cross[:, 0, 1], cross[:, 0, 0]
    t1, t_all = cross[:, 1, [*m_col, 11]], cross[:, 0, [*m_col, 11]]
    gap = t1 / size1[:, None] - (t_all - t1) / (size_all - size1)[:, None]
    return {
        "effects": eff[0].tolist(),
        "effects_se": reps.std(axis=0, ddof=1).tolist(),
        "effects_low": np.quantile(reps, tail, axis=0).tolist(),
        "cascade_gap": gap[0].tolist(),
        "cascade_gap_se": gap[1:].std(axis=0, ddof=1).tolist(),
    }


EFFECT_ROWS = [
    "rural -> info_access -> service",
    "rural -> participation -> service",
    "rural -> expression -> service",
    "rural -> info_access -> participation -> service",
    "rural -> info_access -> expression -> service",
    "rural -> participation -> expression -> service",
    "rural -> info_access -> participation -> expression -> service",
    "indirect_total",
    "direct",
    "total",
]


def govstats_chain(rep_design: Any) -> dict[str, Any]:
    chain = gs.DivideChain(
        rep_design, x="rural", mediators=MEDIATORS, outcome="service", covariates=COVARIATES
    )
    res = chain.fit(inference="replicate", progress=False)
    eff = res.effects.loc[EFFECT_ROWS]
    gap = res.cascade[res.cascade["group"] == "gap"]
    return {
        "effects": eff["estimate"].tolist(),
        "effects_se": eff["se"].tolist(),
        "effects_low": eff["ci_low"].tolist(),
        "cascade_gap": gap["estimate"].tolist(),
        "cascade_gap_se": gap["se"].tolist(),
    }


def _rss_now_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _reset_peak() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


def _peak_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(role: str, n: int, replicates: int, repeat: int) -> None:
    """Run one workload in this process and print its time, RSS rise and numbers as JSON."""
    import gc

    df = simulate(n)
    design = make_design(df)
    rep_design = design.to_replicates("bootstrap", replicates=replicates, seed=1)
    factors = np.asarray(rep_design.replicates.psu_factors)
    if role == "floor":
        work = lambda: floor_chain(df, factors)  # noqa: E731
    else:
        work = lambda: govstats_chain(rep_design)  # noqa: E731
    best, rise, out = np.inf, 0.0, None
    for _ in range(repeat):
        gc.collect()
        base = _rss_now_mb()
        _reset_peak()
        start = time.perf_counter()
        out = work()
        best = min(best, time.perf_counter() - start)
        rise = max(rise, _peak_mb() - base)
        del out
        out = None
    out = work() if out is None else out
    print(json.dumps({"time": best, "rss_rise": rise, "values": out}))


def run_child(role: str, n: int, replicates: int, repeat: int) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, __file__, "--child", role, str(n), str(replicates), str(repeat)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"{role} at n = {n} failed:\n{done.stderr[-2000:]}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def worst_difference(a: dict[str, Any], b: dict[str, Any]) -> float:
    worst = 0.0
    for key in a:
        x, y = np.asarray(a[key]), np.asarray(b[key])
        worst = max(worst, float(np.max(np.abs(x - y) / np.maximum(np.abs(y), 1e-12))))
    return worst


def peers(args: argparse.Namespace) -> None:
    """The former comparison: a statsmodels WLS loop and lavaan's bootstrap."""
    has_lavaan = lavaan_available()
    for n in args.sizes:
        if n > args.lavaan_max_n:
            continue
        df = simulate(n)
        design = make_design(df)
        rep_design = design.to_replicates("bootstrap", replicates=args.replicates, seed=1)
        start = time.perf_counter()
        res = gs.DivideChain(
            rep_design, x="rural", mediators=MEDIATORS, outcome="service", covariates=COVARIATES
        ).fit(inference="replicate", progress=False)
        wall = time.perf_counter() - start
        loop = statsmodels_loop(df, design, res, args.loop, seed=2) * args.replicates
        line = f"  n = {n}: govstats {wall:.2f} s, statsmodels loop {loop:.1f} s"
        if has_lavaan:
            lavaan_s, per_draw = lavaan_bootstrap(df, args.lavaan_draws, args.replicates)
            line += f", lavaan {lavaan_s:.1f} s ({per_draw:.3f} s per draw, i.i.d. rows)"
        print(line)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000, 10_000_000])
    parser.add_argument("--replicates", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3, help="best of, for n <= 1e6")
    parser.add_argument("--peers", action="store_true", help="also statsmodels and lavaan")
    parser.add_argument("--loop", type=int, default=5, help="replicates in the statsmodels loop")
    parser.add_argument(
        "--lavaan-draws", type=int, default=100, help="bootstrap draws timed in lavaan"
    )
    parser.add_argument(
        "--lavaan-max-n", type=int, default=100_000, help="largest n also fitted in lavaan"
    )
    parser.add_argument("--child", nargs=4, metavar=("ROLE", "N", "R", "REPEAT"))
    args = parser.parse_args()
    if args.child:
        role, n, reps, repeat = args.child
        child(role, int(n), int(reps), int(repeat))
        return
    print(f"cores: {os.cpu_count()}, replicates: {args.replicates}, k = 3, 6 covariates, 2000 PSUs")
    print(
        f"{'n':>10} {'govstats s':>11} {'floor s':>8} {'ratio':>6} "
        f"{'RSS rise MB gs / floor':>23} {'ratio':>6} {'worst rel diff':>15}"
    )
    for n in args.sizes:
        repeat = args.repeat if n <= 1_000_000 else min(args.repeat, 2)
        floor = run_child("floor", n, args.replicates, repeat)
        ours = run_child("govstats", n, args.replicates, repeat)
        diff = worst_difference(ours["values"], floor["values"])
        print(
            f"{n:>10} {ours['time']:>11.3f} {floor['time']:>8.3f} "
            f"{ours['time'] / floor['time']:>6.2f} "
            f"{ours['rss_rise']:>11.0f} / {floor['rss_rise']:<9.0f} "
            f"{ours['rss_rise'] / max(floor['rss_rise'], 1.0):>6.2f} {diff:>15.1e}",
            flush=True,
        )
    if args.peers:
        peers(args)


if __name__ == "__main__":
    main()
