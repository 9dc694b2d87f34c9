"""Ctrl-C stops `govstats report`, keeps the previous PDF and exits with status 130."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import weakref
from pathlib import Path

import pytest

from govstats.report._interrupt import catch_interrupts
from govstats.report.pdf import write_atomic

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_an_interrupt_swallowed_in_a_weakref_callback_is_not_lost() -> None:
    class Thing:
        pass

    with catch_interrupts() as flag:
        thing = Thing()
        weakref.finalize(thing, os.kill, os.getpid(), signal.SIGINT)
        try:
            del thing  # the handler's KeyboardInterrupt is raised in the callback and ignored
            for _ in range(1000):  # give the handler a chance to run
                time.sleep(0.001)
        except KeyboardInterrupt:
            pass  # not swallowed this time: the flag is set all the same
        assert flag.pending
        with pytest.raises(KeyboardInterrupt):
            flag.check()
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_a_pending_interrupt_keeps_the_previous_file(tmp_path: Path) -> None:
    target = tmp_path / "r.pdf"
    target.write_bytes(b"old report")

    def interrupted() -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        write_atomic(b"new report", target, ready=interrupted)
    assert target.read_bytes() == b"old report"
    assert [p.name for p in tmp_path.iterdir()] == ["r.pdf"]  # no temporary file left


@pytest.mark.slow
def test_ctrl_c_during_govstats_report_exits_130_and_keeps_the_old_pdf(tmp_path: Path) -> None:
    out = tmp_path / "report.pdf"
    out.write_bytes(b"%PDF previous report")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-c", "from govstats.cli import main; main()"]
    args = ["report", "--out", str(out), "--replicates", "200", "--lang", "en"]
    process = subprocess.Popen(
        [*command, *args],
        cwd=tmp_path,
        env=env,
        stderr=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    assert process.stderr is not None
    seen = b""
    deadline = time.monotonic() + 120
    while b"access_gap" not in seen and time.monotonic() < deadline:  # analysis 01 started
        chunk = os.read(process.stderr.fileno(), 4096)
        if not chunk:
            break
        seen += chunk
    assert b"access_gap" in seen, seen.decode(errors="replace")
    process.send_signal(signal.SIGINT)
    _, rest = process.communicate(timeout=120)
    message = (seen + rest).decode(errors="replace")
    assert process.returncode == 130, message
    assert "interrupted" in message
    assert out.read_bytes() == b"%PDF previous report"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.pdf"]
