"""04 - The divide chain with design replicates: paths, indirect effects, share, age groups.

Writes tables (CSV, text, LaTeX, HTML, Word) and figures (PNG, SVG) to reports/04_divide_chain/.
The report (`govstats report`) calls the same function, so its numbers are these.
Usage: python analyses/04_divide_chain.py [--lang en] [--seed N] [--replicates N] [--out-dir DIR]
(the same options as `govstats run 04 --help`).
"""

import sys

from govstats.cli import main

if __name__ == "__main__":
    main(["run", "04", *sys.argv[1:]])
