"""Time a design-based SEM: a 4-factor, 12-item CFA with 1000 bootstrap replicates, n = 10,000.

Run: ``python benchmarks/bench_sem.py [--lavaan]``. Prints the time of the
full-sample fit, of the linearization SEs, and of the 1000 replicate refits (from
per-PSU moment sums, Newton steps with the full-sample Hessian over all replicates
at once), and the floor: one numpy pass that forms the replicate moment matrices
alone. With ``--lavaan`` (and ``Rscript`` on the PATH) lavaan's own bootstrap of
the same model (unweighted: lavaan has no weighted bootstrap) is timed on 50 draws
(data written to a temporary CSV outside the timing) and scaled to 1000.
"""

from __future__ import annotations

import os

# On a small shared machine OpenBLAS thread wake-ups dominate the small products;
# one BLAS thread is the fair setting (as bench_design.py). Override with
# OPENBLAS_NUM_THREADS in the environment.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np
import pandas as pd

import govstats as gs

N, N_STRATA, PSU_PER_STRATUM, REPLICATES = 10_000, 20, 10, 1000
MODEL = """
info =~ i1 + i2 + i3
part =~ p1 + p2 + p3
expr =~ e1 + e2 + e3
serv =~ s1 + s2 + s3
"""


def simulate(seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    phi = 0.4 + 0.6 * np.eye(4)
    factors = rng.multivariate_normal(np.zeros(4), phi, size=N)
    loadings = np.array([1.0, 0.8, 0.7])
    cols = {}
    for f, prefix in enumerate("ipes"):
        for j in range(3):
            cols[f"{prefix}{j + 1}"] = loadings[j] * factors[:, f] + rng.normal(0, 0.6, N)
    frame = pd.DataFrame(cols)
    frame["stratum"] = rng.integers(0, N_STRATA, N)
    frame["psu"] = frame["stratum"] * PSU_PER_STRATUM + rng.integers(0, PSU_PER_STRATUM, N)
    frame["weight"] = rng.uniform(0.5, 3.0, N)
    return frame


def main() -> None:
    frame = simulate()
    design = gs.SurveyDesign(frame, weights="weight", strata="stratum", psu="psu", nest=True)
    t0 = time.perf_counter()
    gs.sem.fit(MODEL, frame, weights="weight", se="standard")
    t_fit = time.perf_counter() - t0
    t0 = time.perf_counter()
    gs.sem.fit(MODEL, design, se="design")
    t_lin = time.perf_counter() - t0
    reps = design.to_replicates("bootstrap", REPLICATES, seed=1)
    t0 = time.perf_counter()
    result = gs.sem.fit(MODEL, reps, se="replicate")
    t_rep = time.perf_counter() - t0
    t0 = time.perf_counter()
    x = frame[[c for c in frame.columns if c[0] in "ipes" and c[1:].isdigit()]].to_numpy()
    iu = np.triu_indices(x.shape[1])
    dev = x - x.mean(axis=0)
    values = np.hstack([np.ones((N, 1)), dev, (dev[:, :, None] * dev[:, None, :])[:, *iu]])
    reps.replicates.weighted_totals(reps.weights_array, values)
    t_floor = time.perf_counter() - t0
    print(f"n = {N}, 4 factors x 3 items, {REPLICATES} bootstrap replicates, "
          f"{design.n_psu} PSUs")  # fmt: skip
    print(f"full-sample fit (weights, expected-information SEs): {t_fit:8.3f} s")
    print(f"fit + linearization SEs:                            {t_lin:8.3f} s")
    print(f"fit + {REPLICATES} replicate refits:                   {t_rep:8.3f} s")
    print(f"floor: replicate moment totals only:                {t_floor:8.3f} s")
    print(f"replicate SE of the first free loading: {result.se[result.se > 0][0]:.4f}")
    if "--lavaan" in sys.argv and shutil.which("Rscript"):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "items.csv")
            frame.to_csv(path, index=False)
            script = (
                "suppressMessages(library(lavaan)); d <- read.csv(commandArgs(TRUE)[1]); "
                f"m <- {MODEL!r}; "
                "t <- system.time(cfa(m, d, se = 'bootstrap', "
                "bootstrap = 50))[['elapsed']]; cat(t)"
            )
            out = subprocess.run(["Rscript", "-e", script, path], capture_output=True,
                                 text=True, check=True)  # fmt: skip
        seconds = float(out.stdout.strip().split()[-1])
        print(f"lavaan se='bootstrap', 50 draws: {seconds:8.3f} s "
              f"(x20 for 1000: {20 * seconds:.0f} s)")  # fmt: skip


if __name__ == "__main__":
    main()
