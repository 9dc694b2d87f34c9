"""02 - The 2020 census by province: population, age structure, urban share where published.

Writes tables (CSV, text, LaTeX, HTML, Word) and figures (PNG, SVG) to reports/02_census_context/.
The report (`govstats report`) calls the same function, so its numbers are these.
Usage: python analyses/02_census_context.py [--lang en] [--seed N] [--replicates N] [--out-dir DIR]
(the same options as `govstats run 02 --help`).
"""

import sys

from govstats.cli import main

if __name__ == "__main__":
    main(["run", "02", *sys.argv[1:]])
