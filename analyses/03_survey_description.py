"""03 - Design-weighted survey description by urban/rural, internet use vs CNNIC, raking.

Writes tables (CSV, text, LaTeX, HTML, Word) and figures (PNG, SVG) to
reports/03_survey_description/.
The report (`govstats report`) calls the same function, so its numbers are these.
Usage: python analyses/03_survey_description.py [--lang en] [--seed N] [--replicates N]
"""

import argparse
from pathlib import Path

from govstats.report import run_analysis

OUT = Path(__file__).resolve().parents[1] / "reports" / Path(__file__).stem

if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lang", choices=["zh", "en"], default="zh")
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--replicates", type=int, default=200)
    parser.add_argument("--out-dir", type=Path, default=OUT)
    args = parser.parse_args()
    result = run_analysis(
        "03", args.out_dir, lang=args.lang, seed=args.seed, replicates=args.replicates
    )
    print(f"{result!r} -> {args.out_dir}")
