"""03 - Design-weighted survey description by urban/rural, internet use vs CNNIC, raking.

Writes tables (CSV, text, LaTeX, HTML, Word) and figures (PNG, SVG) to
reports/03_survey_description/.
The report (`govstats report`) calls the same function, so its numbers are these.
Usage: python analyses/03_survey_description.py [--lang en] [--seed N] [--replicates N]
[--out-dir DIR]
(the same options as `govstats run 03 --help`).
"""

import sys

from govstats.cli import main

if __name__ == "__main__":
    main(["run", "03", *sys.argv[1:]])
