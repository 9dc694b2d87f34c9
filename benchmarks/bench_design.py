"""Timings of the design core on a large simulated stratified cluster sample.

1,000,000 rows, 100 strata x 50 PSUs (200 rows per PSU), unequal weights.
Prints govstats times next to (a) the point estimates alone with pandas/numpy
(the floor: no standard errors) and (b) the same estimators in ``svy`` when it
is installed. Also 200 Rao-Wu bootstrap replicates of a domain mean, with the
peak memory traced by ``tracemalloc``.

Run: ``python benchmarks/bench_design.py [--rows 1000000] [--repeat 3]``.
"""

from __future__ import annotations

import argparse
import os

# On a small shared machine OpenBLAS thread wake-ups dominate the small (PSUs x p)
# products of the variance; one BLAS thread is the fair setting. Override with
# OPENBLAS_NUM_THREADS in the environment.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import resource
import time
import tracemalloc
from collections.abc import Callable
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--replicates", type=int, default=200)
    args = parser.parse_args()

    frame = simulate(args.rows)
    print(
        f"{len(frame):,} rows, {N_STRATA} strata x {PSU_PER_STRATUM} PSUs, "
        f"{N_DOMAINS} domains, best of {args.repeat}"
    )
    floor = floor_tasks(frame)
    ours, holder = govstats_tasks(frame)
    theirs = svy_tasks(frame)

    header = f"{'task':<14}{'floor s':>10}{'govstats s':>12}{'ratio':>8}{'svy s':>10}{'svy/gs':>8}"
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
        print(f"{task:<14}{floor_text}{t_ours:12.3f}{ratio}{svy_text}{svy_ratio}")

    design = holder["d"]
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
