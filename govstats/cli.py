"""The ``govstats`` command line: the report, the numbered analyses and the embedded tables."""

from __future__ import annotations

import atexit
import os
import sys
import threading
from pathlib import Path
from typing import Any, NoReturn

import click

from govstats.errors import GovstatsError

# The report's defaults, repeated here so that ``govstats --help`` starts without
# importing the report (pandas, scipy, matplotlib); a test holds them equal to
# govstats.report.inputs.
DEFAULT_SEED = 2024
DEFAULT_REPLICATES = 1000
DEFAULT_MIN_CELL = 10

__all__ = ["main", "program"]

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
    govstats report      build the report, PDF or Word (--spec study.toml, --format docx)
    govstats spec        print a shipped study spec to start your own from
    govstats run 04      run one numbered analysis and write its tables/figures
    govstats analyses    list the numbered analyses
    govstats datasets    list the embedded tables and their sources
    """


def program() -> NoReturn:
    """Run the command line as the ``govstats`` program, then end the process at once.

    A report run holds pandas, scipy, statsmodels and matplotlib; the interpreter's
    orderly teardown of them takes half a second and has nothing left to do. So after a
    successful command whose only remaining threads are daemons, the exit handlers run,
    the streams are flushed and the process ends; otherwise it exits as usual.
    """
    try:
        main()
        code: object = 0
    except SystemExit as exc:
        code = exc.code
    others = [t for t in threading.enumerate() if t is not threading.main_thread()]
    if code not in (0, None) or any(not t.daemon for t in others):
        sys.exit(code)  # type: ignore[arg-type]
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        stream.flush()
    os._exit(0)


@main.command()
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Where to write the report (default reports/govstats-report.pdf, or "
    "reports/<spec name>.<format> with --spec); written to a temporary file first, then "
    "moved into place.",
)
@click.option(
    "--format",
    "formats",
    type=click.Choice(["pdf", "docx"]),
    multiple=True,
    help="pdf or docx (Word); repeat for both. Default: the spec's formats (pdf).",
)
@click.option(
    "--spec",
    type=str,
    default=None,
    help="Study spec (TOML: title, authors, data, codebook, sections), or a shipped one: "
    "default, example.",
)
@click.option(
    "--lang",
    type=click.Choice(["zh", "en"]),
    default=None,
    help="Language of labels, captions and text [default: the spec's; zh].",
)
@click.option(
    "--survey",
    type=click.Path(path_type=Path),
    default=None,
    help="Your survey file (.dta/.sav/.csv/.parquet), or a folder of parquet files (read "
    "with dask by partitions, never into memory); default: the embedded simulated survey.",
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
    default=None,
    help="Design replicates (Rao-Wu bootstrap) for the divide chain's intervals "
    f"[default: the spec's; {DEFAULT_REPLICATES}].",
)
@click.option(
    "--seed", type=int, default=None, help=f"Seed of random steps [default: {DEFAULT_SEED}]."
)
@click.option(
    "--min-cell",
    type=click.IntRange(min=1),
    default=None,
    help="Disclosure control: suppress cells with fewer unweighted respondents than this "
    f"[default: {DEFAULT_MIN_CELL}].",
)
@click.option(
    "--jobs",
    type=click.IntRange(min=1),
    default=None,
    help="Processes: 2 draws the figures in a second process while the analyses run "
    "(default where the system forks and has two CPUs); 1 uses one process. The report "
    "is the same either way.",
)
@click.option("--quiet", is_flag=True, help="No progress bar; print only the output path.")
def report(
    out: Path | None,
    formats: tuple[str, ...],
    spec: str | None,
    lang: str | None,
    survey: Path | None,
    codebook: Path | None,
    replicates: int | None,
    seed: int | None,
    min_cell: int | None,
    jobs: int | None,
    quiet: bool,
) -> None:
    """Build the report (PDF or Word) from a study spec, the embedded data or your survey.

    Without --spec the report holds the access-gap series, the census context, the
    design-weighted survey description and the divide chain (the shipped ``default``
    spec), with a methods section generated from what ran. A spec names its own title,
    authors, data and sections (models, heterogeneity, gaps, maps ...); the options
    given here override it. If an input is unusable the command prints one error line
    and writes nothing.
    """
    from govstats.report.build import build_study

    try:
        outcomes = build_study(
            _study(
                spec,
                survey,
                codebook,
                lang=lang,
                replicates=replicates,
                seed=seed,
                min_cell=min_cell,
            ),
            out,
            formats=formats or None,
            progress=not quiet,
            jobs=jobs,
        )
    except (GovstatsError, OSError) as exc:
        _fail(str(exc))
        return
    except KeyboardInterrupt:
        click.echo("govstats: interrupted; no report written (a previous one is kept)", err=True)
        sys.exit(130)
    except Exception as exc:  # keep the promise of one line and no half-written file
        _fail(f"unexpected {type(exc).__name__} while building the report: {exc}")
        return
    for outcome in outcomes:
        if quiet:
            click.echo(str(outcome.path))
            continue
        pages = f"{outcome.pages} pages, " if outcome.pages else ""
        click.echo(
            f"wrote {outcome.path} ({pages}{outcome.n_figures} figures, "
            f"{outcome.n_tables} tables, {outcome.seconds:.1f} s)"
        )
    if not quiet and outcomes:
        for name in outcomes[0].unavailable:
            click.echo(f"note: section {name} is not available in this build", err=True)


def _study(spec: str | None, survey: Path | None, codebook: Path | None, **overrides: Any) -> Any:
    """Return the spec to run: ``spec`` (or the shipped default) with the options given."""
    from govstats.errors import ReportError
    from govstats.report.spec import load_spec

    if codebook is not None and survey is None:
        raise ReportError("--codebook was given without --survey; pass both or neither")
    if survey is not None:
        from govstats.report.inputs import LAYOUT_DESIGN, in_analysis_layout

        if not survey.is_file() and not survey.is_dir():
            raise ReportError(f"survey file {survey} does not exist")
        if codebook is None and not in_analysis_layout(survey):
            raise ReportError(
                f"survey file {survey.name}: a codebook is required (--codebook FILE) to map "
                "its variables to the constructs and to declare the design (a file already "
                f"in the analysis layout, with the columns {sorted(LAYOUT_DESIGN.values())}, "
                "needs none)"
            )
        if codebook is not None and not codebook.is_file():
            raise ReportError(f"codebook {codebook} does not exist or is not a file")
    study = load_spec(spec or "default")
    return study.with_overrides(data=survey, codebook=codebook, **overrides)


@main.command("spec")
@click.argument("name", type=click.Choice(["example", "default"]), default="example")
def print_spec(name: str) -> None:
    """Print a shipped study spec (TOML); save it beside your data and edit it.

    ``govstats spec > study.toml`` then ``govstats report --spec study.toml``.
    """
    from importlib import resources

    text = resources.files("govstats.report.specs").joinpath(f"{name}.toml").read_text("utf-8")
    click.echo(text, nl=False)


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
@click.option(
    "--survey",
    type=click.Path(path_type=Path),
    default=None,
    help="A survey file, or a folder of parquet files (read by partitions with dask).",
)
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
    except KeyboardInterrupt:
        click.echo(f"govstats: interrupted; {folder} may be incomplete", err=True)
        sys.exit(130)
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
    click.echo("census2010_province.csv  load_census(year=2010)  2010 census: 31 provincial totals")
    click.echo("national_series.csv      load_national_series()  national indicators by year")
    click.echo("Sources and caveats: data/SOURCES.md (shipped as govstats._data/SOURCES.md).")
