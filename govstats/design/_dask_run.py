"""Running partition functions over a dask DataFrame: one pass, tree-summed on the workers.

dask is imported here only when a pass runs (``import govstats`` never imports it).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from govstats.errors import DesignError

__all__ = ["BLOCK_ROWS", "in_blocks", "is_dask_frame", "run_jobs", "run_partitions"]


def is_dask_frame(data: object) -> bool:
    """Whether ``data`` is a dask DataFrame (checked without importing dask)."""
    module = type(data).__module__.split(".")[0]
    return module == "dask" and hasattr(data, "npartitions") and hasattr(data, "to_delayed")


def _dask() -> Any:
    try:
        import dask
    except ImportError as error:  # pragma: no cover - only without the extra
        raise DesignError(
            "a dask DataFrame was passed but dask is not installed; install the extra with "
            "pip install 'govstats[dask]'"
        ) from error
    return dask


def run_partitions(
    ddf: Any, function: Any, *args: Any, combine: Any = None, columns: Any = None
) -> Any:
    """Apply ``function(partition, number, *args)`` to every partition and gather the results.

    With ``combine`` the results are added in groups on the workers (a tree
    reduction) and only the total reaches the client. ``columns`` restricts the
    partitions to the columns the function reads (pushed down into parquet reads).
    The active scheduler is used (a ``distributed.Client`` if one exists); a failed
    task raises on the client and no partial result is returned.
    """
    return run_jobs(ddf, [(function, args, combine)], columns=columns)[0]


#: Rows a partition function handles at once: large partitions are cut into blocks of
#: this size and their (additive) results combined, so a worker's temporaries stay
#: small whatever the partition size.
BLOCK_ROWS = 262_144


def in_blocks(part: pd.DataFrame, number: int, function: Any, combine: Any, *args: Any) -> Any:
    """Apply ``function`` to blocks of at most :data:`BLOCK_ROWS` rows and combine the results."""
    if len(part) <= BLOCK_ROWS:
        return function(part, number, *args)
    blocks = range(0, len(part), BLOCK_ROWS)
    return combine([function(part.iloc[i : i + BLOCK_ROWS], number, *args) for i in blocks])


def run_jobs(
    ddf: Any, jobs: Sequence[tuple[Any, tuple[Any, ...], Any]], columns: Any = None
) -> list[Any]:
    """Run several ``(function, args, combine)`` jobs over the same partitions in one pass.

    The partitions are read once and shared by the jobs (one ``dask.compute``).
    """
    dask = _dask()
    if columns is not None:
        ddf = ddf[list(dict.fromkeys(columns))]
    parts = ddf.to_delayed()
    outputs = []
    for function, args, combine in jobs:
        if combine is None:
            call = dask.delayed(function, pure=True)
            tasks = [call(part, number, *args) for number, part in enumerate(parts)]
        else:
            call = dask.delayed(in_blocks, pure=True)
            tasks = [
                call(part, number, function, combine, *args) for number, part in enumerate(parts)
            ]
        if combine is not None:
            add = dask.delayed(combine, pure=True)
            while len(tasks) > 1:
                tasks = [add(tasks[i : i + 8]) for i in range(0, len(tasks), 8)]
            outputs.append(tasks[0])
        else:
            outputs.append(dask.delayed(list)(tasks))
    try:
        return list(dask.compute(*outputs))
    except Exception as error:
        if type(error).__name__ != "KilledWorker":
            raise
        raise DesignError(
            f"dask workers died while computing partition sums ({error}); the scheduler gave "
            "up after retrying, so no result was produced. Check the workers' memory limit "
            "and logs, or use smaller partitions."
        ) from error
