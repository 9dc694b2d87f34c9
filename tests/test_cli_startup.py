"""Cold start of the command line: help must not pay for pandas, scipy or matplotlib."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from govstats import cli
from govstats.report import inputs

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("pandas", "scipy", "matplotlib", "numpy")


def test_cli_defaults_equal_the_report_defaults() -> None:
    assert cli.DEFAULT_SEED == inputs.DEFAULT_SEED
    assert cli.DEFAULT_REPLICATES == inputs.DEFAULT_REPLICATES
    assert cli.DEFAULT_MIN_CELL == inputs.DEFAULT_MIN_CELL


def test_help_imports_no_heavy_library() -> None:
    code = (
        "import sys\n"
        "from govstats.cli import main\n"
        "sys.argv = ['govstats', '--help']\n"
        "try:\n"
        "    main()\n"
        "except SystemExit:\n"
        "    pass\n"
        f"print('loaded:' + ','.join(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert "govstats report" in done.stdout
    assert done.stdout.strip().splitlines()[-1] == "loaded:"
