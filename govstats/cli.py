"""The ``govstats`` command line: the report, the numbered analyses and the embedded tables."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from govstats.errors import GovstatsError
from govstats.report.inputs import DEFAULT_MIN_CELL, DEFAULT_REPLICATES, DEFAULT_SEED

__all__ = ["main"]

_ANALYSIS_HELP = {
    "01": "access_gap: CNNIC urban vs rural internet penetration, gap and diffusion lag",
    "02": "census_context: 2020 census population, age structure, urban share by province",
    "03": "survey_description: design-weighted survey description, internet use vs CNNIC, raking",
    "04": "divide_chain: serial mediation with design replicates, indirect effects, age groups",
}


def _fail(message: str) -> None:
    """Print a one-line error and exit with status 1 (no traceback)."""
    click.echo(f"govstats: error: {' '.join(str(message).split())}", err=True)
    sys.exit(1)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="govstats")
def main() -> None:
    r"""Survey statistics for China's urban-rural digital divide.

    \b
    govstats report      build the PDF report (figures, tables, methods)
    govstats run 04      run one numbered analysis and write its tables/figures
    govstats analyses    list the numbered analyses
    govstats datasets    list the embedded tables and their sources
    """


@main.command()
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("reports") / "govstats-report.pdf",
    show_default=True,
    help="Where to write the PDF (written to a temporary file first, then moved into place).",
)
@click.option(
    "--lang",
    type=click.Choice(["zh", "en"]),
    default="zh",
    show_default=True,
    help="Language of labels, captions and text.",
)
@click.option(
    "--survey",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Your survey file (.dta/.sav/.csv/.parquet); default: the embedded simulated survey.",
)
@click.option(
    "--codebook",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="TOML codebook of --survey (variables, missing codes, design).",
)
@click.option(
    "--replicates",
    type=click.IntRange(min=2),
    default=DEFAULT_REPLICATES,
    show_default=True,
    help="Design replicates (Rao-Wu bootstrap) for the divide chain's intervals.",
)
@click.option(
    "--seed", type=int, default=DEFAULT_SEED, show_default=True, help="Seed of random steps."
)
@click.option(
    "--min-cell",
    type=click.IntRange(min=1),
    default=DEFAULT_MIN_CELL,
    show_default=True,
    help="Disclosure control: suppress cells with fewer unweighted respondents than this.",
)
@click.option("--quiet", is_flag=True, help="No progress bar; print only the output path.")
def report(
    out: Path,
    lang: str,
    survey: Path | None,
    codebook: Path | None,
    replicates: int,
    seed: int,
    min_cell: int,
    quiet: bool,
) -> None:
    """Build the PDF report from the embedded data (or your survey with its codebook).

    The report holds the access-gap series, the census context, the design-weighted
    survey description and the divide chain, with a methods section generated from what
    ran. If an input is unusable the command prints one error line and writes no PDF.
    """
    from govstats.report.build import build_report

    try:
        outcome = build_report(
            out,
            lang=lang,
            survey=survey,
            codebook=codebook,
            replicates=replicates,
            seed=seed,
            min_cell=min_cell,
            progress=not quiet,
        )
    except (GovstatsError, OSError) as exc:
        _fail(str(exc))
        return
    except Exception as exc:  # keep the promise of one line and no half-written PDF
        _fail(f"unexpected {type(exc).__name__} while building the report: {exc}")
        return
    if quiet:
        click.echo(str(outcome.path))
    else:
        click.echo(
            f"wrote {outcome.path} ({outcome.pages} pages, {outcome.n_figures} figures, "
            f"{outcome.n_tables} tables, {outcome.seconds:.1f} s)"
        )
        for name in outcome.unavailable:
            click.echo(f"note: section {name} is not available in this build", err=True)


@main.command("analyses")
def list_analyses() -> None:
    """List the numbered analyses that `govstats run` and the report use."""
    for key, text in _ANALYSIS_HELP.items():
        click.echo(f"{key}  {text}")


@main.command()
@click.argument("number", type=click.Choice(sorted(_ANALYSIS_HELP)))
@click.option(
    "--out-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Output folder (default reports/<NN_name>/).",
)
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True)
@click.option(
    "--seed", type=int, default=DEFAULT_SEED, show_default=True, help="Seed of random steps."
)
@click.option(
    "--replicates", type=click.IntRange(min=2), default=DEFAULT_REPLICATES, show_default=True
)
@click.option("--min-cell", type=click.IntRange(min=1), default=DEFAULT_MIN_CELL, show_default=True)
@click.option("--survey", type=click.Path(dir_okay=False, path_type=Path), default=None)
@click.option("--codebook", type=click.Path(dir_okay=False, path_type=Path), default=None)
def run(number: str, out_dir: Path | None, **options: Any) -> None:
    """Run one numbered analysis (01-04) and write its CSV/formatted tables and figures.

    The numbers are the same as in the report: both call the same functions.
    """
    from govstats.report.analyses import ANALYSES
    from govstats.report.build import run_analysis

    folder = out_dir or Path("reports") / f"{number}_{ANALYSES[number]}"
    try:
        result = run_analysis(number, folder, **options)
    except (GovstatsError, OSError) as exc:
        _fail(str(exc))
        return
    state = "" if result.available else " (not available: see NOT_AVAILABLE.txt)"
    click.echo(f"wrote {folder}{state}")


@main.command()
def datasets() -> None:
    """List the embedded tables, their loaders and their coverage."""
    from govstats.datasets import load_census, load_cnnic

    try:
        cnnic = load_cnnic()
        census = load_census(geography="province", year=2020)
    except GovstatsError as exc:
        _fail(str(exc))
        return
    periods = cnnic["period"].astype(str)
    click.echo(
        f"cnnic_penetration.csv    load_cnnic()      {len(cnnic)} CNNIC reports, "
        f"{periods.iloc[0]} to {periods.iloc[-1]}; urban rate in "
        f"{int(cnnic['penetration_urban_pct'].notna().sum())}, rural rate in "
        f"{int(cnnic['penetration_rural_pct'].notna().sum())}"
    )
    click.echo(
        f"census2020_province.csv  load_census()     {len(census)} provinces (2020 census); "
        f"urban share published for {int(census['urban_share_pct'].notna().sum())}"
    )
    click.echo("census2010_province.csv  load_census(year=2010)  partial 2010 census table")
    click.echo("national_series.csv      load_national_series()  national indicators by year")
    click.echo("Sources and caveats: data/SOURCES.md (shipped as govstats._data/SOURCES.md).")
