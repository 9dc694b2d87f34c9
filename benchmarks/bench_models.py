"""Benchmark: proportional-odds model and Rao–Scott test beside R ``survey`` in the same run.

A stratified cluster sample (100 strata x 50 PSUs, weights uniform on [50, 150]) with a
5-level ordinal outcome, two covariates and two categorical variables (3 x 4 table).
Times ``SurveyDesign.olr("y ~ x1 + x2")`` and ``SurveyDesign.chisq("a", "b")`` and the
same calls in R (``svyolr``, ``svychisq`` on ``svydesign(id=~psu, strata=~stratum,
weights=~w, nest=TRUE)``), timed inside R with ``system.time`` (reading the CSV and
starting R excluded), and prints the ratios R / govstats and the largest relative
difference of the coefficients, so that speed is never bought with different numbers.

Run: ``python benchmarks/bench_models.py [--sizes 100000 1000000] [--calls olr chisq]``
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from govstats.design import SurveyDesign

N_STRATA, PSU_PER_STRATUM = 100, 50

R_SCRIPT = r"""
suppressPackageStartupMessages(library(survey))
d <- read.csv("{csv}")
d$y <- factor(d$y)
des <- svydesign(id = ~psu, strata = ~stratum, weights = ~w, nest = TRUE, data = d)
if ({olr}) {
  t_olr <- system.time(m <- svyolr(y ~ x1 + x2, des))[["elapsed"]]
  cat("olr", t_olr, sprintf("%.17g", coef(m)), "\n")
}
t_chisq <- system.time(r <- svychisq(~a + b, des))[["elapsed"]]
cat("chisq", t_chisq, sprintf("%.17g", r$statistic), "\n")
"""


def simulate(n: int, seed: int = 1) -> pd.DataFrame:
    """Return a stratified cluster sample with an ordinal outcome and a 3 x 4 table."""
    rng = np.random.default_rng(seed)
    n_psu = N_STRATA * PSU_PER_STRATUM
    psu = np.sort(rng.integers(0, n_psu, n))
    effect = rng.normal(scale=0.4, size=n_psu)[psu]
    x1, x2 = rng.normal(size=n), rng.normal(size=n)
    latent = 0.8 * x1 - 0.5 * x2 + effect + rng.logistic(size=n)
    y = 1 + np.searchsorted([-2.0, -0.5, 0.5, 2.0], latent)
    a = rng.choice(["u", "v", "w"], size=n)
    shift = (a == "u") * 0.3 + effect
    b = np.searchsorted([-1.0, 0.0, 1.0], shift + rng.normal(size=n))
    return pd.DataFrame(
        {
            "stratum": psu // PSU_PER_STRATUM,
            "psu": psu % PSU_PER_STRATUM,
            "w": rng.uniform(50, 150, n),
            "x1": x1,
            "x2": x2,
            "y": y,
            "a": a,
            "b": np.array(["b1", "b2", "b3", "b4"])[b],
        }
    )


def run_r(df: pd.DataFrame, olr: bool) -> dict[str, tuple[float, np.ndarray]] | None:
    """Time the same calls in R; None when Rscript is not installed."""
    if shutil.which("Rscript") is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        csv = Path(tmp) / "sample.csv"
        df.to_csv(csv, index=False)
        script = Path(tmp) / "bench.R"
        script.write_text(
            R_SCRIPT.replace("{csv}", str(csv)).replace("{olr}", "TRUE" if olr else "FALSE")
        )
        out = subprocess.run(
            ["Rscript", str(script)], capture_output=True, text=True, check=True
        ).stdout
    result = {}
    for line in out.splitlines():
        name, seconds, *values = line.split()
        result[name] = (float(seconds), np.array([float(v) for v in values]))
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--calls", nargs="+", default=["olr", "chisq"], choices=["olr", "chisq"])
    args = parser.parse_args()
    head = ("n", "call", "govstats s", "R s", "R/govstats", "max rel diff")
    print(f"{head[0]:>9} {head[1]:<6} {head[2]:>11} {head[3]:>8} {head[4]:>11} {head[5]:>13}")
    for n in args.sizes:
        df = simulate(n)
        design = SurveyDesign(df, weights="w", strata="stratum", psu="psu", nest=True)
        ours = {}
        if "olr" in args.calls:
            start = time.perf_counter()
            fit = design.olr("y ~ x1 + x2")
            ours["olr"] = (time.perf_counter() - start, fit.estimate)
        if "chisq" in args.calls:
            start = time.perf_counter()
            test = design.chisq("a", "b")
            ours["chisq"] = (time.perf_counter() - start, np.array([test.statistic]))
        r = run_r(df, "olr" in args.calls)
        for name, (seconds, values) in ours.items():
            if r is None:
                print(f"{n:>9} {name:<6} {seconds:>11.2f} {'(no R)':>8}")
                continue
            r_seconds, r_values = r[name]
            diff = float(np.max(np.abs(values - r_values) / np.abs(r_values)))
            print(
                f"{n:>9} {name:<6} {seconds:>11.2f} {r_seconds:>8.2f} "
                f"{r_seconds / seconds:>11.1f} {diff:>13.2e}"
            )


if __name__ == "__main__":
    main()
