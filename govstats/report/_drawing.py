"""Draw the report's figures while its analyses run.

Drawing a figure is a few tenths of a second of matplotlib, and a report has a dozen;
the analyses that produce them take as long again. Where the platform forks (Linux)
and has a second CPU, a worker process forked from the report draws each figure as
soon as its section is done, while the next section computes; when the analyses are
over, this process draws the figures the worker has not started (from the last one
back), so both CPUs finish together. The worker inherits the loaded modules and data
by fork, so nothing is imported or read twice. Elsewhere the figures are drawn here,
on demand. Either way each figure is drawn once per image format, by the same
function, so the bytes are identical.
"""

from __future__ import annotations

import os
import signal
import sys
import warnings
from collections.abc import Iterable
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any

__all__ = ["FigureDrawer", "default_jobs"]


def default_jobs() -> int:
    """Return 2 where a forked worker can draw beside the analyses, else 1."""
    return 2 if sys.platform.startswith("linux") and (os.cpu_count() or 1) > 1 else 1


def _draw(spec: Any, fmt: str) -> bytes:
    from govstats.report.figures import figure_png, figure_svg

    return (figure_svg if fmt == "svg" else figure_png)(spec)


def _start_worker() -> None:
    # Ctrl-C reaches the whole process group: the report decides, the worker only draws
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    import matplotlib.figure  # noqa: F401  (half a second, before the first figure is due)

    from govstats.report._fonts import figure_font_family

    figure_font_family()


class FigureDrawer:
    """Figures of a report by spec and format, drawn in a worker or here.

    Parameters
    ----------
    formats : iterable of {"svg", "png"}
        Image formats every submitted figure is needed in.
    jobs : int
        2: draw in a forked worker beside this process; 1: draw here when asked.

    Examples
    --------
    >>> import pandas as pd
    >>> from govstats.report.results import FigureSpec
    >>> data = pd.DataFrame({"label": ["a"], "estimate": [0.1], "ci_low": [0.0], "ci_high": [0.2]})
    >>> spec = FigureSpec("f", "forest", data, "Effects", "en")
    >>> with FigureDrawer(["svg"], jobs=1) as drawer:
    ...     drawer.submit([spec])
    ...     drawer(spec, "svg")[:5]
    b'<?xml'
    """

    def __init__(self, formats: Iterable[str], jobs: int) -> None:
        self.formats = tuple(formats)
        self._pending: dict[tuple[int, str], Future[bytes]] = {}
        self._drawn: dict[tuple[int, str], bytes] = {}
        self._specs: dict[int, Any] = {}
        self._pool: ProcessPoolExecutor | None = None
        self._blas: Any = None
        if jobs > 1 and default_jobs() > 1:
            self._start_pool()

    def _start_pool(self) -> None:
        import multiprocessing

        from threadpoolctl import threadpool_limits

        # two processes on two CPUs: a second BLAS thread (spinning while it waits)
        # would take the worker's CPU; the report's matrices are small
        self._blas = threadpool_limits(limits=1, user_api="blas")
        self._pool = ProcessPoolExecutor(
            max_workers=1,
            mp_context=multiprocessing.get_context("fork"),
            initializer=_start_worker,
        )
        try:
            with warnings.catch_warnings():
                # Python 3.12+ warns on any fork of a process with threads (here BLAS's
                # idle pool): the worker only draws with matplotlib and takes no lock
                # those threads could hold (numpy re-initialises BLAS after a fork)
                warnings.filterwarnings("ignore", ".*fork", DeprecationWarning)
                self._pool.submit(int)  # fork now: the worker imports matplotlib meanwhile
        except OSError:  # no process to be had (a limit on processes): draw here
            self.close()

    def __enter__(self) -> FigureDrawer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def submit(self, specs: Iterable[Any]) -> None:
        """Queue ``specs`` for the worker (no-op when drawing here)."""
        for spec in specs:
            self._specs[id(spec)] = spec
            if self._pool is None:
                continue
            for fmt in self.formats:
                key = (id(spec), fmt)
                if key not in self._pending and key not in self._drawn:
                    self._pending[key] = self._pool.submit(_draw, spec, fmt)

    def finish(self) -> None:
        """Draw here part of what the worker has not started (last first); wait for the rest.

        This process has not drawn yet: its first figure costs about four of the
        worker's (matplotlib's import and the font), so it takes ``j = (q - 3) // 2`` of
        ``q`` queued figures, where ``4 + (j - 1)`` equals the worker's ``q - j``: none
        of a queue shorter than five.
        """
        queued = [k for k, f in self._pending.items() if not (f.running() or f.done())]
        here = max(0, (len(queued) - 3) // 2)
        for key in reversed(queued[len(queued) - here :]):
            if self._pending[key].cancel():
                del self._pending[key]
                self._drawn[key] = _draw(self._specs[key[0]], key[1])
        for key, future in list(self._pending.items()):
            self._drawn[key] = future.result()
            del self._pending[key]

    def __call__(self, spec: Any, fmt: str) -> bytes:
        """Return the figure in ``fmt``, drawing it here if nobody has."""
        key = (id(spec), fmt)
        if key in self._pending:
            self._drawn[key] = self._pending.pop(key).result()
        if key not in self._drawn:
            self._specs[id(spec)] = spec
            self._drawn[key] = _draw(spec, fmt)
        return self._drawn[key]

    def close(self) -> None:
        """Stop the worker (cancelling what it has not started)."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
        if self._blas is not None:
            self._blas.restore_original_limits()
            self._blas = None
