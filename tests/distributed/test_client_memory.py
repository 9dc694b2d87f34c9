"""The client holds no per-row array: its allocations do not grow with the rows."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pandas as pd
import pytest

import govstats as gs

dd = pytest.importorskip("dask.dataframe")
dask = pytest.importorskip("dask")

ROWS = 2_000_000


@pytest.fixture(scope="module")
def many_rows() -> object:
    """2e6 rows in 200 partitions of 10,000: a per-row float array would be 16 MB."""
    rng = np.random.default_rng(0)
    stratum = rng.integers(0, 20, ROWS)
    x = (rng.uniform(size=ROWS) < 0.4).astype(float)
    m = 0.5 * x + rng.normal(size=ROWS)
    frame = pd.DataFrame(
        {
            "s": stratum,
            "p": stratum * 10 + rng.integers(0, 10, ROWS),
            "w": rng.uniform(1, 3, ROWS),
            "x": x,
            "m": m,
            "y": m + rng.normal(size=ROWS),
            "c": rng.normal(size=ROWS),
        }
    )
    return dd.from_pandas(frame, npartitions=200)


@pytest.mark.slow
def test_the_chain_on_dask_allocates_less_than_one_row_array(many_rows: object) -> None:
    with dask.config.set(scheduler="sync"):  # partition work runs here, one at a time
        design = gs.SurveyDesign(many_rows, weights="w", strata="s", psu="p")
        chain = gs.DivideChain(design, x="x", mediators=["m"], outcome="y", covariates=["c"])
        chain.fit(inference="linearization")  # imports and caches outside the measurement
        tracemalloc.start()
        try:
            chain.fit(inference="linearization")
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    # partitions are 10,000 rows; the whole dataset as one float column would be 16 MB
    assert peak < 8 * ROWS / 2, f"peak {peak / 1e6:.1f} MB"
