"""Ctrl-C that cannot be lost: a SIGINT handler that remembers the interrupt.

Python runs a signal handler between bytecodes of the main thread; when that is
inside a weakref callback or a ``__del__`` (matplotlib and tqdm use both), the
``KeyboardInterrupt`` it raises is printed as "Exception ignored" and the run goes
on. The handler here also records the interrupt, and the report checks the record
between steps and right before it replaces the PDF, so an interrupt always stops
the run and the previous PDF stays.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType


class InterruptFlag:
    """Whether SIGINT arrived while :func:`catch_interrupts` was active."""

    def __init__(self) -> None:
        self.pending = False

    def check(self) -> None:
        """Raise ``KeyboardInterrupt`` if an interrupt arrived (even one swallowed since)."""
        if self.pending:
            raise KeyboardInterrupt


@contextmanager
def catch_interrupts() -> Iterator[InterruptFlag]:
    """Record SIGINT for the duration of the block (main thread only; else a no-op).

    Examples
    --------
    >>> with catch_interrupts() as flag:
    ...     flag.check()  # nothing arrived
    >>> flag.pending
    False
    """
    flag = InterruptFlag()
    if threading.current_thread() is not threading.main_thread():
        yield flag
        return
    previous = signal.getsignal(signal.SIGINT)
    if previous is signal.SIG_IGN:  # started with interrupts ignored (nohup, &): keep that
        yield flag
        return

    def handler(signum: int, frame: FrameType | None) -> None:
        flag.pending = True
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, handler)
    try:
        yield flag
    finally:
        signal.signal(signal.SIGINT, previous)
