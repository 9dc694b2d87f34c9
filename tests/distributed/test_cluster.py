"""The dask path on a LocalCluster with two worker processes, and its failure modes."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import govstats as gs
from govstats.errors import DataError, DesignError
from tests.distributed._support import (
    assert_chains_equal,
    assert_estimates_equal,
    assert_frames_equal,
    make_survey,
    partitioned,
)

dd = pytest.importorskip("dask.dataframe")

DESIGN = {"weights": "w", "strata": "stratum", "psu": "psu"}


@pytest.fixture(scope="module")
def pair(cluster_client):
    frame, ddf = partitioned(make_survey(), "shuffled-7")
    return gs.SurveyDesign(ddf, **DESIGN), gs.SurveyDesign(frame, **DESIGN)


def test_estimators_on_a_cluster_equal_in_memory(pair):
    dist, mem = pair
    assert_estimates_equal(dist.mean("y", by="region"), mem.mean("y", by="region"))
    assert_estimates_equal(dist.proportion("sex"), mem.proportion("sex"))
    assert_estimates_equal(dist.ratio("y", "x2"), mem.ratio("y", "x2"))
    got, want = dist.glm("b ~ x1 + x2", "binomial"), mem.glm("b ~ x1 + x2", "binomial")
    assert_frames_equal(got.to_frame(), want.to_frame())


def test_replicates_and_calibration_on_a_cluster_equal_in_memory(pair):
    dist, mem = pair
    rd = dist.to_replicates("bootstrap", replicates=50, seed=9)
    rm = mem.to_replicates("bootstrap", replicates=50, seed=9)
    assert_estimates_equal(rd.total("y", by="sex"), rm.total("y", by="sex"))
    margins = {
        "region": {"east": 4e4, "west": 3.5e4, "north": 3e4},
        "sex": {"f": 5.2e4, "m": 5.3e4},
    }
    assert_estimates_equal(dist.rake(margins).mean("y"), mem.rake(margins).mean("y"))


def test_chain_on_a_cluster_equals_in_memory(pair):
    dist, mem = pair
    spec = {"x": "rural", "mediators": ["m1", "m2"], "outcome": "service", "covariates": ["x2"]}
    for inference in ("linearization", "replicate"):
        got = gs.DivideChain(dist, **spec).fit(
            inference=inference, replicates=50, seed=4, progress=False
        )
        want = gs.DivideChain(mem, **spec).fit(
            inference=inference, replicates=50, seed=4, progress=False
        )
        assert_chains_equal(got, want)


def _parts(frame: pd.DataFrame, n: int) -> list[pd.DataFrame]:
    return [frame.iloc[i::n].reset_index(drop=True) for i in range(n)]


def test_psu_column_missing_in_some_partitions_is_a_clear_error():
    parts = _parts(make_survey(), 4)
    parts[1] = parts[1].drop(columns="psu")
    parts[3] = parts[3].drop(columns="psu")
    ddf = dd.from_map(lambda part: part, parts, meta=parts[0].iloc[:0], enforce_metadata=False)
    with pytest.raises(
        DataError, match=r"'psu'.*missing in 2 of 4 partitions \(partitions \[1, 3\]\)"
    ):
        gs.SurveyDesign(ddf, **DESIGN)


def test_weights_with_nulls_in_one_partition_are_a_clear_error():
    parts = _parts(make_survey(), 4)
    parts[2].loc[[3, 8, 9], "w"] = np.nan
    ddf = dd.from_map(lambda part: part, parts)
    with pytest.raises(DesignError, match=r"'w' has 3 missing values in partitions \[2\]"):
        gs.SurveyDesign(ddf, **DESIGN)


def test_nulls_in_an_analysis_column_need_na_rm():
    parts = _parts(make_survey(), 4)
    parts[0].loc[[1, 2], "y"] = np.nan
    design = gs.SurveyDesign(dd.from_map(lambda part: part, parts), **DESIGN)
    with pytest.raises(DataError, match=r"'y' \(2 missing\).*na_rm=True"):
        design.mean("y")


def _dying_reader(part: pd.DataFrame, marker: str, always: bool) -> pd.DataFrame:
    """Return the partition, killing the worker process the first time (or every time)."""
    path = Path(marker)
    if always or not path.exists():
        path.touch()
        os._exit(1)
    return part


def test_a_worker_dying_mid_computation_is_recomputed(cluster_client, tmp_path):
    frame = make_survey()
    parts = _parts(frame, 4)
    mem = gs.SurveyDesign(pd.concat(parts, ignore_index=True), **DESIGN)
    dist = gs.SurveyDesign(dd.from_map(lambda part: part, parts), **DESIGN)
    marker = str(tmp_path / "died")
    # only partition 2 kills its worker, once, during the estimator's pass
    readers = [
        dd.from_map(
            lambda p, m=marker, k=k: _dying_reader(p, m, False) if k == 2 else p,
            [part],
            meta=part.iloc[:0],
        )
        for k, part in enumerate(parts)
    ]
    dying = gs.SurveyDesign(dd.concat(readers), **DESIGN)
    assert Path(marker).exists()  # the design pass already lost a worker and recovered
    Path(marker).unlink()
    got = dying.mean("y", by="region")
    assert Path(marker).exists()
    assert_estimates_equal(got, mem.mean("y", by="region"))
    assert_estimates_equal(dist.mean("y", by="region"), mem.mean("y", by="region"))


def test_a_worker_that_always_dies_gives_an_error_and_no_numbers(cluster_client, tmp_path):
    parts = _parts(make_survey(), 3)
    marker = str(tmp_path / "died")
    readers = [
        dd.from_map(
            lambda p, m=marker, k=k: _dying_reader(p, m, True) if k == 1 else p,
            [part],
            meta=part.iloc[:0],
        )
        for k, part in enumerate(parts)
    ]
    with pytest.raises(DesignError, match="worker"):
        gs.SurveyDesign(dd.concat(readers), **DESIGN)
