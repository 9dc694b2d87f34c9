"""Design-based estimation on a dask DataFrame larger than memory, and its cost at 1e7 rows.

Generates a stratified cluster sample as a parquet folder, written chunk by chunk
(float64 columns; ``--gb`` sets its size as float64 in memory, e.g. 36 for 1.5 x a
24 GB machine), then on a ``LocalCluster`` (``--workers`` processes, one thread each,
``--memory-limit`` each) times:

* building ``SurveyDesign(dd.read_parquet(folder), weights=, strata=, psu=)``;
* the design mean of ``y`` by 31 provinces (``mean(..., by="province")``);
* a 5-predictor design-based GLM (``glm("y ~ x1 + ... + x5")``);
* the divide chain (x -> m1 -> m2 -> m3 -> y, 5 covariates) with 200 Rao-Wu
  bootstrap replicates.

It reports seconds, rows per second per core, the client's peak RSS and each
worker's peak RSS against its memory limit. With ``--compare`` (sizes that fit in
memory, e.g. ``--rows 10000000``) the same estimators run in memory on the same
rows read with pandas and the ratio distributed / in-memory is printed, with the
largest relative difference of the estimates and standard errors.

Run: ``python benchmarks/bench_dask.py --rows 10000000 --compare`` or
``python benchmarks/bench_dask.py --gb 36 --dir FOLDER`` (the folder is deleted
afterwards unless ``--keep``).
"""

from __future__ import annotations

import argparse
import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import resource
import shutil
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

import govstats as gs

N_PROVINCES, STRATA_PER_PROVINCE, PSU_PER_STRATUM = 31, 4, 25
PREDICTORS = ["x1", "x2", "x3", "x4", "x5"]
COLUMNS = 16  # float64 columns written (see _chunk)


def _chunk(rng: np.random.Generator, rows: int) -> pa.Table:
    """One chunk of rows: design columns, 5 predictors, a binary x, 3 mediators, y."""
    n_strata = N_PROVINCES * STRATA_PER_PROVINCE
    stratum = rng.integers(0, n_strata, rows).astype(np.float64)
    psu = stratum * PSU_PER_STRATUM + rng.integers(0, PSU_PER_STRATUM, rows)
    province = np.floor(stratum / STRATA_PER_PROVINCE)
    x = rng.normal(size=(rows, 5))
    rural = (rng.uniform(size=rows) < 0.4).astype(np.float64)
    m1 = -0.5 * rural + 0.2 * x[:, 0] + rng.normal(size=rows)
    m2 = 0.4 * m1 - 0.2 * rural + rng.normal(size=rows)
    m3 = 0.3 * m2 + 0.1 * m1 + rng.normal(size=rows)
    y = 2 + 0.5 * m3 - 0.3 * rural + x @ np.array([1.0, 0.5, -0.5, 0.2, 0.1])
    y = y + 0.3 * np.sin(psu) + rng.normal(size=rows)
    columns = {
        "province": province,
        "stratum": stratum,
        "psu": psu,
        "weight": rng.uniform(50, 500, rows),
        **{name: x[:, j] for j, name in enumerate(PREDICTORS)},
        "rural": rural,
        "m1": m1,
        "m2": m2,
        "m3": m3,
        "y": y,
        "noise": rng.normal(size=rows),
    }
    return pa.table(columns)


def generate(folder: Path, rows: int, chunk_rows: int, seed: int) -> float:
    """Write ``rows`` rows in files of ``chunk_rows`` rows; return seconds taken."""
    start = time.perf_counter()
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    written, number = 0, 0
    while written < rows:
        n = min(chunk_rows, rows - written)
        pq.write_table(_chunk(rng, n), folder / f"part-{number:05d}.parquet", row_group_size=n)
        written += n
        number += 1
    return time.perf_counter() - start


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _timed(label: str, call: Any, rows: int, cores: int, times: dict[str, float]) -> Any:
    start = time.perf_counter()
    result = call()
    seconds = time.perf_counter() - start
    times[label] = seconds
    print(
        f"  {label:<28s} {seconds:9.2f} s   {rows / seconds / cores:14,.0f} rows/s/core   "
        f"client peak RSS {_peak_rss_mb():7.0f} MB",
        flush=True,
    )
    return result


def run_all(data: Any, rows: int, cores: int, replicates: int, label: str) -> dict[str, Any]:
    """Time the four computations on ``data`` (a dask or pandas frame)."""
    times: dict[str, float] = {}
    print(label, flush=True)
    design = _timed(
        "design (PSU table)",
        lambda: gs.SurveyDesign(data, weights="weight", strata="stratum", psu="psu"),
        rows, cores, times,
    )  # fmt: skip
    mean = _timed("mean by 31 provinces", lambda: design.mean("y", by="province"), rows, cores,
                  times)  # fmt: skip
    formula = "y ~ " + " + ".join(PREDICTORS)
    glm = _timed("glm, 5 predictors", lambda: design.glm(formula), rows, cores, times)
    chain = gs.DivideChain(
        design, x="rural", mediators=["m1", "m2", "m3"], outcome="y", covariates=PREDICTORS
    )
    fit = _timed(
        f"chain, {replicates} replicates",
        lambda: chain.fit(inference="replicate", replicates=replicates, seed=1, progress=False),
        rows, cores, times,
    )  # fmt: skip
    return {"times": times, "mean": mean, "glm": glm, "chain": fit}


def _max_rel(a: np.ndarray, b: np.ndarray) -> float:
    a, b = np.asarray(a, float), np.asarray(b, float)
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(b), 1e-300)))


def compare(dist: dict[str, Any], mem: dict[str, Any]) -> None:
    """Print time ratios and the largest relative differences of the results."""
    print("distributed / in-memory")
    for key, seconds in dist["times"].items():
        print(f"  {key:<28s} {seconds / mem['times'][key]:6.2f} x")
    total = sum(dist["times"].values()) / sum(mem["times"].values())
    print(f"  {'all four':<28s} {total:6.2f} x")
    diffs = {
        "mean estimate": _max_rel(dist["mean"].estimate, mem["mean"].estimate),
        "mean se": _max_rel(dist["mean"].se, mem["mean"].se),
        "glm coef": _max_rel(dist["glm"].estimate, mem["glm"].estimate),
        "glm se": _max_rel(dist["glm"].se, mem["glm"].se),
        "chain effects": _max_rel(
            dist["chain"].effects["estimate"], mem["chain"].effects["estimate"]
        ),
        "chain se": _max_rel(dist["chain"].effects["se"], mem["chain"].effects["se"]),
    }
    print("largest relative difference: " + ", ".join(f"{k} {v:.1e}" for k, v in diffs.items()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--rows", type=int, default=10_000_000)
    size.add_argument("--gb", type=float, help="size as float64 columns in memory (GB)")
    parser.add_argument("--dir", type=Path, default=None, help="parquet folder (default: temp)")
    parser.add_argument("--chunk-rows", type=int, default=2_000_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--memory-limit", default="4GB")
    parser.add_argument("--replicates", type=int, default=200)
    parser.add_argument("--compare", action="store_true", help="also run in memory")
    parser.add_argument("--keep", action="store_true", help="keep the parquet folder")
    parser.add_argument("--seed", type=int, default=2024)
    args = parser.parse_args()
    rows = int(args.gb * 1e9 / (8 * COLUMNS)) if args.gb else args.rows
    root = args.dir or Path(tempfile.mkdtemp(prefix="govstats-dask-"))
    folder = root / "survey.parquet"
    print(f"rows {rows:,} ({rows * 8 * COLUMNS / 1e9:.1f} GB as float64), folder {folder}")
    try:
        if not folder.exists():
            seconds = generate(folder, rows, args.chunk_rows, args.seed)
            on_disk = sum(p.stat().st_size for p in folder.iterdir()) / 1e9
            print(f"generated in {seconds:.0f} s, {on_disk:.1f} GB on disk", flush=True)
        dist = _run_cluster(folder, rows, args)
        if args.compare:
            start = time.perf_counter()
            frame = pd.read_parquet(folder)
            print(f"in memory: read {len(frame):,} rows in {time.perf_counter() - start:.1f} s")
            mem = run_all(frame, rows, 1, args.replicates, "in memory (one process)")
            compare(dist, mem)
    finally:
        if not args.keep and args.dir is None:
            shutil.rmtree(root, ignore_errors=True)
        elif not args.keep:
            shutil.rmtree(folder, ignore_errors=True)


def _warm_up() -> None:
    import govstats.chain._distributed
    import govstats.design._dask_calibration
    import govstats.design._dask_glm  # noqa: F401


def _run_cluster(folder: Path, rows: int, args: argparse.Namespace) -> dict[str, Any]:
    import dask
    import dask.dataframe as dd
    from dask.distributed import Client, LocalCluster

    # dask's nanny sets MALLOC_TRIM_THRESHOLD_, which pins glibc's mmap threshold at its
    # 128 kB default: every temporary column of a block is then mmap'd and page-faulted
    # (about 2x slower kernels). A 64 MB mmap threshold keeps them on the heap.
    dask.config.set({"distributed.nanny.pre-spawn-environ.MALLOC_MMAP_THRESHOLD_": 1 << 26})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cluster = LocalCluster(
            n_workers=args.workers,
            threads_per_worker=1,
            processes=True,
            memory_limit=args.memory_limit,
            dashboard_address=None,
        )
    client = Client(cluster)
    try:
        # workers import govstats once (as the in-memory process already has)
        start = time.perf_counter()
        client.run(_warm_up)
        print(f"workers imported govstats in {time.perf_counter() - start:.1f} s", flush=True)
        ddf = dd.read_parquet(folder)
        # the first touch of the files (parquet readers start, page cache) is timed apart,
        # as the in-memory side's read_parquet is
        start = time.perf_counter()
        n_read = int(ddf["psu"].count().compute())
        print(f"first read of the folder ({n_read:,} rows): {time.perf_counter() - start:.1f} s")
        label = (
            f"dask: {ddf.npartitions} partitions, {args.workers} workers x 1 thread, "
            f"memory limit {args.memory_limit} each"
        )
        out = run_all(ddf, rows, args.workers, args.replicates, label)
        peaks = client.run(lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
        limits = {w: info["memory_limit"] / 2**20 for w, info in
                  client.scheduler_info()["workers"].items()}  # fmt: skip
        for worker, peak in peaks.items():
            print(f"  worker {worker}: peak RSS {peak:.0f} MB of limit {limits[worker]:.0f} MB")
        print(f"  client peak RSS {_peak_rss_mb():.0f} MB")
        return out
    finally:
        client.close()
        cluster.close()


if __name__ == "__main__":
    main()
