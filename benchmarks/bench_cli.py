"""Wall time of the command line as a user meets it: ``govstats --help`` and the report.

Each command runs as its own process (imports included), warm: one unmeasured run first
fills the OS file cache and Python's bytecode cache. The report is the default one (the
embedded data, 1000 design replicates, 9 figures, PDF). Beside the wall time it gives
the CPU time of the process and its children (a figure worker runs beside the analyses),
and the report's time inside ``build_study``.

Run: ``python benchmarks/bench_cli.py [--repeat 5]``
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _program() -> list[str]:
    found = shutil.which("govstats", path=str(Path(sys.executable).parent))
    return (
        [found] if found else [sys.executable, "-c", "from govstats.cli import program; program()"]
    )


def _timed(args: list[str]) -> tuple[float, float, str]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(args, capture_output=True, text=True, check=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, done.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="measured runs of each command")
    args = parser.parse_args()
    program = _program()
    with tempfile.TemporaryDirectory() as folder:
        out = os.path.join(folder, "report.pdf")
        commands = {
            "govstats --help": [*program, "--help"],
            "govstats report": [*program, "report", "--out", out],
        }
        print(f"{'command':<18} {'median s':>9} {'best s':>7} {'cpu s':>6}  inside build_study")
        for name, command in commands.items():
            _timed(command)  # warm the caches
            runs = [_timed(command) for _ in range(args.repeat)]
            walls = [r[0] for r in runs]
            inside = ""
            if "report" in name:
                # "wrote ... (12 pages, 9 figures, 19 tables, 3.1 s)"
                inside = " / ".join(r[2].rsplit(", ", 1)[-1].rstrip(")\n") for r in runs)
            print(
                f"{name:<18} {statistics.median(walls):9.2f} {min(walls):7.2f} "
                f"{statistics.median(r[1] for r in runs):6.2f}  {inside}"
            )


if __name__ == "__main__":
    main()
