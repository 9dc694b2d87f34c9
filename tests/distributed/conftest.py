"""Fixtures of the dask tests: a two-process LocalCluster."""

from __future__ import annotations

import gc
import os
import warnings
from collections.abc import Iterator

import pytest

from tests.distributed._support import ROOT


@pytest.fixture(scope="module")
def cluster_client() -> Iterator[object]:
    """A LocalCluster with two worker processes and one thread each, shut down at the end.

    The workers import govstats from the same tree as the tests (PYTHONPATH).
    """
    from dask.distributed import Client, LocalCluster

    old = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = os.pathsep.join([str(ROOT), *([old] if old else [])])
    with warnings.catch_warnings():
        # distributed's own start-up notices (dashboard, spill directory), not govstats'
        warnings.filterwarnings("ignore", category=UserWarning, module="distributed")
        # and sockets distributed leaves to the garbage collector while it looks for free
        # ports (on a busy machine): collected here, under the filter
        warnings.filterwarnings("ignore", category=ResourceWarning)
        cluster = LocalCluster(
            n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None
        )
        client = Client(cluster)
        gc.collect()
    try:
        yield client
    finally:
        client.close()
        cluster.close()
        if old is None:
            os.environ.pop("PYTHONPATH", None)
        else:
            os.environ["PYTHONPATH"] = old
