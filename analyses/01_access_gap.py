"""01 - CNNIC urban vs rural internet penetration: gap in points, ratio, diffusion lag.

Writes tables (CSV, text, LaTeX, HTML, Word) and figures (PNG, SVG) to reports/01_access_gap/.
The report (`govstats report`) calls the same function, so its numbers are these.
Usage: python analyses/01_access_gap.py [--lang en] [--seed N] [--replicates N] [--out-dir DIR]
(the same options as `govstats run 01 --help`).
"""

import sys

from govstats.cli import main

if __name__ == "__main__":
    main(["run", "01", *sys.argv[1:]])
