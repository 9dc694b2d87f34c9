"""Run the analyses and build the report: the functions behind ``govstats report``."""

from __future__ import annotations

import importlib.metadata
import platform
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from govstats.errors import GovstatsError, ReportError
from govstats.report import analyses
from govstats.report._interrupt import InterruptFlag, catch_interrupts
from govstats.report._labels import LANGS, translate_note
from govstats.report.inputs import (
    DEFAULT_MIN_CELL,
    DEFAULT_REPLICATES,
    DEFAULT_SEED,
    SurveyInput,
    file_sha256,
    load_survey,
)
from govstats.report.pdf import ReportMeta, render_pdf, write_atomic
from govstats.report.results import AnalysisResult
from govstats.report.tables import write_table

__all__ = [
    "DEFAULT_OUT",
    "DEFAULT_REPLICATES",
    "ReportOutcome",
    "build_report",
    "run_analyses",
    "run_analysis",
    "write_analysis",
]

DEFAULT_OUT = Path("reports") / "govstats-report.pdf"
EMBEDDED_FILES = ("cnnic_penetration.csv", "census2020_province.csv")
VERSIONED = ("govstats", "numpy", "pandas", "scipy", "statsmodels", "matplotlib", "fpdf2")
_UPSTREAM_MISSING = (ImportError, NotImplementedError)


@dataclass(frozen=True)
class ReportOutcome:
    """What :func:`build_report` wrote.

    Parameters
    ----------
    path : pathlib.Path
        The PDF.
    pages, n_figures, n_tables : int
        Counts in the PDF.
    seconds : float
        Wall time of the build.
    unavailable : tuple of str
        Names of sections left out because an upstream component is missing.
    """

    path: Path
    pages: int
    n_figures: int
    n_tables: int
    seconds: float
    unavailable: tuple[str, ...] = ()

    def __repr__(self) -> str:
        return (
            f"ReportOutcome({str(self.path)!r}, {self.pages} pages, {self.n_figures} figures, "
            f"{self.n_tables} tables, {self.seconds:.1f} s)"
        )


def _guarded(key: str, lang: str, run: Callable[[], AnalysisResult]) -> AnalysisResult:
    """Run one analysis; an upstream component that does not exist yields a 'not available' note.

    Errors about the input (``GovstatsError``) propagate: an unusable input stops the report.
    """
    try:
        return run()
    except GovstatsError:
        raise
    except _UPSTREAM_MISSING as exc:
        return analyses.not_available(key, lang, f"{type(exc).__name__}: {exc}")


def run_analyses(
    survey: SurveyInput | None,
    *,
    keys: Sequence[str] = ("01", "02", "03", "04"),
    lang: str = "zh",
    seed: int = DEFAULT_SEED,
    replicates: int = DEFAULT_REPLICATES,
    min_cell: int = DEFAULT_MIN_CELL,
    survey_error: str | None = None,
) -> list[AnalysisResult]:
    """Run the numbered analyses ``keys`` and return their results in order.

    Parameters
    ----------
    survey : SurveyInput or None
        The survey for analyses 03 and 04 (None: those sections are marked not available
        with ``survey_error`` as the reason).
    keys : sequence of str
        Which analyses ("01" to "04").
    lang, seed, replicates, min_cell
        Language, seed of every random step, number of design replicates of the chain,
        smallest publishable unweighted cell count.

    Examples
    --------
    >>> (census,) = run_analyses(None, keys=("02",), lang="en")
    >>> census.table("census_context").data.shape[0]
    31
    """
    if lang not in LANGS:
        raise ReportError(f"language {lang!r} is not supported; use one of {', '.join(LANGS)}")
    unknown = [k for k in keys if k not in analyses.ANALYSES]
    if unknown:
        raise ReportError(f"unknown analyses {unknown}; choose from {sorted(analyses.ANALYSES)}")
    results = []
    for key in keys:
        if key == "01":
            results.append(_guarded(key, lang, lambda: analyses.access_gap(lang=lang, seed=seed)))
        elif key == "02":
            results.append(_guarded(key, lang, lambda: analyses.census_context(lang=lang)))
        elif survey is None:
            reason = survey_error or "no survey"
            results.append(analyses.not_available(key, lang, reason))
        elif key == "03":
            results.append(
                _guarded(
                    key,
                    lang,
                    lambda: analyses.survey_description(
                        survey, lang=lang, min_cell=min_cell, seed=seed
                    ),
                )
            )
        else:
            results.append(
                _guarded(
                    key,
                    lang,
                    lambda: analyses.divide_chain(
                        survey, lang=lang, replicates=replicates, seed=seed, min_cell=min_cell
                    ),
                )
            )
    return results


def _load_survey_guarded(
    survey: str | Path | None, codebook: str | Path | None, seed: int
) -> tuple[SurveyInput | None, str | None]:
    try:
        return load_survey(survey, codebook, seed=seed), None
    except GovstatsError:
        raise
    except _UPSTREAM_MISSING as exc:
        if survey is not None:
            raise ReportError(f"survey file {survey} could not be read: {exc}") from exc
        return None, f"{type(exc).__name__}: {exc}"


def write_analysis(result: AnalysisResult, folder: str | Path) -> list[Path]:
    """Write an analysis's tables (CSV + text, LaTeX, HTML, Word) and figures (PNG + SVG).

    A section that is not available writes only ``NOT_AVAILABLE.txt`` with the reason.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from govstats.report.analyses import not_available
    >>> with tempfile.TemporaryDirectory() as d:
    ...     [p.name for p in write_analysis(not_available("04", "en", "no chain"), d)]
    ['NOT_AVAILABLE.txt']
    """
    from govstats.report.figures import save_figure

    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    if not result.available:
        path = out / "NOT_AVAILABLE.txt"
        path.write_text("\n".join(result.paragraphs) + "\n", encoding="utf-8")
        return [path]
    for table in result.tables:
        written += write_table(table, out)
    for spec in result.figures:
        written += save_figure(spec, out)
    text = out / f"{result.name}.md"
    body = [f"# {result.title}", "", *result.paragraphs, "", *result.methods]
    text.write_text("\n\n".join(body) + "\n", encoding="utf-8")
    written.append(text)
    return written


def run_analysis(
    key: str,
    out_dir: str | Path,
    *,
    lang: str = "zh",
    seed: int = DEFAULT_SEED,
    replicates: int = DEFAULT_REPLICATES,
    min_cell: int = DEFAULT_MIN_CELL,
    survey: str | Path | None = None,
    codebook: str | Path | None = None,
) -> AnalysisResult:
    """Run analysis ``key`` ("01" to "04") and write its outputs to ``out_dir``.

    This is what each script in ``analyses/`` calls, with the report's defaults.
    """
    loaded: SurveyInput | None = None
    reason = None
    if key in ("03", "04"):
        loaded, reason = _load_survey_guarded(survey, codebook, seed)
    (result,) = run_analyses(
        loaded,
        keys=(key,),
        lang=lang,
        seed=seed,
        replicates=replicates,
        min_cell=min_cell,
        survey_error=reason,
    )
    write_analysis(result, out_dir)
    return result


def _versions() -> list[tuple[str, str]]:
    out = [("python", platform.python_version())]
    for name in VERSIONED:
        try:
            out.append((name, importlib.metadata.version(name)))
        except importlib.metadata.PackageNotFoundError:
            out.append((name, "not installed"))
    return out


def _input_hashes(survey: SurveyInput | None) -> list[tuple[str, str]]:
    data = resources.files("govstats._data")
    hashes = []
    for name in EMBEDDED_FILES:
        with resources.as_file(data / name) as path:
            hashes.append((name, file_sha256(path)))
    if survey is not None:
        hashes += [(Path(f).name, file_sha256(f)) for f in survey.files]
    return hashes


def _meta(
    sections: Sequence[AnalysisResult],
    survey: SurveyInput | None,
    lang: str,
    seed: int,
    replicates: int,
    min_cell: int,
) -> ReportMeta:
    zh = lang == "zh"
    sources = [
        "CNNIC《中国互联网络发展状况统计报告》第 20-56 次（城乡互联网普及率）"
        if zh
        else "CNNIC Statistical Reports on Internet Development, reports 20-56",
        "国家统计局第七次全国人口普查公报及各省公报（2020）"
        if zh
        else "NBS 7th population census communiqués and provincial communiqués (2020)",
    ]
    if survey is not None:
        sources.append(
            (f"模拟调查：{survey.label}" if zh else f"Simulated survey: {survey.label}")
            if survey.simulated
            else (f"调查数据文件：{survey.label}" if zh else f"Survey file: {survey.label}")
        )
        design_text = ", ".join(f"{k}={v}" for k, v in survey.design_columns.items())
        design = (
            f"SurveyDesign({design_text})；样本量 {len(survey.data)}。"
            if zh
            else f"SurveyDesign({design_text}); {len(survey.data)} respondents."
        )
    else:
        design = "无调查数据。" if zh else "No survey data."
    methods: list[str] = []
    for section in sections:
        methods += list(section.methods)
    methods.append(
        f"披露控制：未加权样本量少于 {min_cell} 的单元格不予发布；报告不含任何个体记录。"
        if zh
        else f"Disclosure control: cells with fewer than {min_cell} unweighted respondents are "
        "suppressed; the report contains no microdata row."
    )
    methods.append(
        f"所有随机步骤使用种子 {seed}；链条模型的设计重复权重数为 {replicates}。"
        if zh
        else f"Every random step uses seed {seed}; the chain uses {replicates} design replicates."
    )
    limitations: list[str] = []
    if survey is not None and survey.simulated:
        limitations.append(
            "本报告的调查部分基于模拟数据（simulate_survey），"
            "其抽样框来自人口普查、互联网使用率来自 "
            "CNNIC，链条参数为已知的设定值；结果用于演示方法，不代表真实人群。"
            if zh
            else "The survey sections use simulated data (simulate_survey): its frame comes from "
            "the census and its internet-use rates from CNNIC, and the chain parameters are "
            "known settings. The results demonstrate the methods and describe no real population."
        )
    if survey is not None:
        limitations += [translate_note(note, lang) for note in survey.notes]
    for section in sections:
        limitations += list(section.limitations)
        if not section.available:
            limitations += list(section.paragraphs)
    return ReportMeta(
        lang=lang,
        sources=sources,
        design=design,
        versions=_versions(),
        seed=seed,
        inputs=_input_hashes(survey),
        methods=methods,
        limitations=limitations,
    )


def build_report(
    out: str | Path = DEFAULT_OUT,
    *,
    lang: str = "zh",
    survey: str | Path | None = None,
    codebook: str | Path | None = None,
    replicates: int = DEFAULT_REPLICATES,
    seed: int = DEFAULT_SEED,
    min_cell: int = DEFAULT_MIN_CELL,
    progress: bool = True,
) -> ReportOutcome:
    """Build the PDF report and write it atomically to ``out``.

    Parameters
    ----------
    out : path
        Target PDF (default ``reports/govstats-report.pdf``); written only if every
        step succeeds.
    lang : {"zh", "en"}
    survey, codebook : path, optional
        The user's survey file and its codebook; default: the embedded simulated survey.
    replicates : int
        Design replicates (Rao-Wu bootstrap) for the divide chain.
    seed : int
        Seed of the simulation and of every replicate draw.
    min_cell : int
        Disclosure control: smallest publishable unweighted cell count.
    progress : bool
        Show a progress bar on standard error.

    Returns
    -------
    ReportOutcome

    Raises
    ------
    ReportError
        If an input is unusable (no PDF is written then).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> with tempfile.TemporaryDirectory() as d:
    ...     outcome = build_report(pathlib.Path(d) / "r.pdf", replicates=10, progress=False)
    ...     outcome.pages > 5, outcome.unavailable
    (True, ())
    """
    from tqdm import tqdm

    if replicates < 2:
        raise ReportError(f"--replicates must be at least 2, got {replicates}")
    if lang not in LANGS:
        raise ReportError(f"language {lang!r} is not supported; use one of {', '.join(LANGS)}")
    steps = ["survey", "01", "02", "03", "04", "figures", "pdf"]
    bar = tqdm(total=len(steps), disable=not progress, desc="govstats report", unit="step")
    with catch_interrupts() as interrupt:
        try:
            return _build(bar, interrupt, out, lang, survey, codebook, replicates, seed, min_cell)
        finally:
            bar.close()


def _build(
    bar: Any,
    interrupt: InterruptFlag,
    out: str | Path,
    lang: str,
    survey: str | Path | None,
    codebook: str | Path | None,
    replicates: int,
    seed: int,
    min_cell: int,
) -> ReportOutcome:
    """Run every step of :func:`build_report`; an interrupt stops it before the PDF moves."""
    from govstats.report.figures import figure_png

    start = time.perf_counter()
    bar.set_postfix_str("survey")
    loaded, reason = _load_survey_guarded(survey, codebook, seed)
    bar.update(1)
    sections = []
    for key in ("01", "02", "03", "04"):
        interrupt.check()
        bar.set_postfix_str(analyses.ANALYSES[key])
        sections += run_analyses(
            loaded,
            keys=(key,),
            lang=lang,
            seed=seed,
            replicates=replicates,
            min_cell=min_cell,
            survey_error=reason,
        )
        bar.update(1)
    interrupt.check()
    bar.set_postfix_str("figures")
    meta = _meta(sections, loaded, lang, seed, replicates, min_cell)
    content, pages = render_pdf(sections, meta, figure_png)
    bar.update(1)
    bar.set_postfix_str("pdf")
    path = write_atomic(content, out, ready=interrupt.check)
    bar.update(1)
    return ReportOutcome(
        path=path,
        pages=pages,
        n_figures=sum(len(s.figures) for s in sections),
        n_tables=sum(len(s.tables) for s in sections),
        seconds=time.perf_counter() - start,
        unavailable=tuple(s.name for s in sections if not s.available),
    )
