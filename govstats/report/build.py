"""Run the analyses and build the report: the functions behind ``govstats report``."""

from __future__ import annotations

import contextlib
import importlib.metadata
import platform
import re
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path
from typing import Any

from govstats.errors import GovstatsError, GovstatsWarning, ReportError
from govstats.io import folder_manifest
from govstats.report import analyses
from govstats.report._drawing import FigureDrawer, default_jobs
from govstats.report._interrupt import InterruptFlag, catch_interrupts
from govstats.report._labels import LANGS, label, translate_note
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
from govstats.report.sections import SECTIONS, StudyContext
from govstats.report.spec import FORMATS, StudySpec, load_spec
from govstats.report.tables import write_table

__all__ = [
    "DEFAULT_OUT",
    "DEFAULT_REPLICATES",
    "ReportOutcome",
    "build_report",
    "build_study",
    "numbered_headings",
    "run_analyses",
    "run_analysis",
    "write_analysis",
]

DEFAULT_OUT = Path("reports") / "govstats-report.pdf"
EMBEDDED_FILES = ("cnnic_penetration.csv", "census2020_province.csv")
VERSIONED = ("govstats", "numpy", "pandas", "scipy", "statsmodels", "matplotlib", "typst")
_UPSTREAM_MISSING = (ImportError, NotImplementedError)


@dataclass(frozen=True)
class ReportOutcome:
    """What :func:`build_report` wrote.

    Parameters
    ----------
    path : pathlib.Path
        The PDF or Word file.
    pages, n_figures, n_tables : int
        Counts in the report (pages: 0 for Word, which paginates when opened).
    seconds : float
        Wall time of the build.
    unavailable : tuple of str
        Names of sections left out because an upstream component is missing.
    format : str
        "pdf" or "docx".
    """

    path: Path
    pages: int
    n_figures: int
    n_tables: int
    seconds: float
    unavailable: tuple[str, ...] = ()
    format: str = "pdf"

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
        if survey.folder is not None:  # names and sizes: hashing every byte takes minutes
            hashes.append((f"{survey.folder.name}/ (manifest)", folder_manifest(survey.folder)))
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
            f"SurveyDesign({design_text})；样本量 {survey.n_rows()}。"
            if zh
            else f"SurveyDesign({design_text}); {survey.n_rows()} respondents."
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


_ZH_NUMBERS = "一二三四五六七八九十"
_NUMBERED = re.compile(r"^(?:[一二三四五六七八九十]+、|\d+\.\s)")


def _zh_number(n: int) -> str:
    if n <= 10:
        return _ZH_NUMBERS[n - 1]
    tens, ones = divmod(n, 10)
    return (
        ("" if tens == 1 else _ZH_NUMBERS[tens - 1])
        + "十"
        + (_ZH_NUMBERS[ones - 1] if ones else "")
    )


def numbered_headings(titles: Sequence[str], lang: str) -> list[str]:
    """Give the section titles their numbers, then the methods and limitations headings.

    Examples
    --------
    >>> numbered_headings(["二、人口普查背景", "回归模型"], "zh")
    ['一、人口普查背景', '二、回归模型', '三、方法说明', '四、局限性说明']
    >>> numbered_headings(["Maps"], "en")
    ['1. Maps', '2. Methods', '3. Limitations']
    """
    plain = [
        _NUMBERED.sub("", t)
        for t in [*titles, label("sec_methods", lang), label("sec_limits", lang)]
    ]
    if lang == "zh":
        return [f"{_zh_number(i)}、{t}" for i, t in enumerate(plain, start=1)]
    return [f"{i}. {t}" for i, t in enumerate(plain, start=1)]


def _resolve_spec(spec: StudySpec | str | Path | None) -> StudySpec:
    if spec is None:
        return load_spec("default")
    if isinstance(spec, StudySpec):
        return spec
    return load_spec(spec)


@contextlib.contextmanager
def _warning_notes() -> Iterator[list[str]]:
    """Turn every GovstatsWarning raised inside the block into a note of the report.

    A warning is a finding about the input or a fit (an undeclared code, a weak
    instrument); the report states it under its limitations instead of stopping. Other
    warnings pass on as they came.
    """
    notes: list[str] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", GovstatsWarning)
        try:
            yield notes
        finally:
            others = []
            for item in caught:
                if issubclass(item.category, GovstatsWarning):
                    if str(item.message) not in notes:
                        notes.append(str(item.message))
                else:
                    others.append(item)
    for item in others:
        warnings.warn_explicit(item.message, item.category, item.filename, item.lineno)


def _run_study(
    spec: StudySpec,
    progress: bool,
    extra_steps: Sequence[str],
    interrupt: InterruptFlag,
    on_section: Callable[[AnalysisResult], None] = lambda _: None,
) -> tuple[list[AnalysisResult], SurveyInput | None, Any, list[str]]:
    with _warning_notes() as caught:
        sections, loaded, bar = _run_sections(spec, progress, extra_steps, interrupt, on_section)
    known = set(loaded.notes) if loaded is not None else set()
    return sections, loaded, bar, [n for n in caught if n not in known]


def _run_sections(
    spec: StudySpec,
    progress: bool,
    extra_steps: Sequence[str],
    interrupt: InterruptFlag,
    on_section: Callable[[AnalysisResult], None],
) -> tuple[list[AnalysisResult], SurveyInput | None, Any]:
    from tqdm import tqdm

    steps = ["survey", *(s.kind for s in spec.sections), *extra_steps]
    bar = tqdm(total=len(steps), disable=not progress, desc="govstats report", unit="step")
    try:
        bar.set_postfix_str("survey")
        loaded, reason = _load_survey_guarded(spec.data, spec.codebook, spec.seed)
        bar.update(1)
        context = StudyContext(loaded, reason, spec.lang, spec.seed, spec.replicates, spec.min_cell)
        sections = []
        for section in spec.sections:
            interrupt.check()  # an interrupt swallowed by a callback still stops the run
            bar.set_postfix_str(section.kind)
            runner = SECTIONS.get(section.kind)
            if runner is None:
                raise ReportError(
                    f"section kind {section.kind!r} has no runner; known: {sorted(SECTIONS)}"
                )
            sections.append(runner(context, section.options))
            on_section(sections[-1])
            bar.update(1)
    except BaseException:
        bar.close()
        raise
    return sections, loaded, bar


#: Image format of the figures in each report format (vector in the PDF; Word takes PNG).
IMAGE_FORMATS = {"pdf": "svg", "docx": "png"}


def _render(
    sections: Sequence[AnalysisResult],
    meta: ReportMeta,
    format: str,
    figure: Callable[[Any, str], bytes],
) -> tuple[bytes, int]:
    if format == "docx":
        from govstats.report.docx import render_docx

        return render_docx(sections, meta, lambda spec: figure(spec, "png")), 0
    return render_pdf(sections, meta, lambda spec: figure(spec, "svg"))


def build_study(
    spec: StudySpec | str | Path | None = None,
    out: str | Path | None = None,
    *,
    formats: Sequence[str] | None = None,
    progress: bool = True,
    jobs: int | None = None,
) -> list[ReportOutcome]:
    """Run a study spec once and write its report in every format it asks for.

    Parameters
    ----------
    spec : StudySpec, path or shipped name, optional
        Default: the shipped ``default`` spec (the package's report).
    out : path, optional
        Output file; its suffix is replaced for each format. Default:
        ``reports/<spec name>.<format>`` (``reports/govstats-report.pdf`` for the default).
    formats : sequence of {"pdf", "docx"}, optional
        Default: the spec's ``formats``.
    progress : bool
        Show a progress bar on standard error.
    jobs : int, optional
        Processes drawing the figures: 2 draws them in a forked worker while the analyses
        run (default where the platform forks and has two CPUs), 1 draws them afterwards
        in this process. The report's bytes are the same either way.

    Returns
    -------
    list of ReportOutcome
        One per format, in order.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from govstats.report.spec import parse_spec
    >>> spec = parse_spec({"lang": "en", "formats": ["pdf", "docx"],
    ...                    "sections": [{"kind": "census"}]})
    >>> with tempfile.TemporaryDirectory() as d:
    ...     done = build_study(spec, pathlib.Path(d) / "study.pdf", progress=False)
    ...     [o.path.name for o in done], done[0].unavailable
    (['study.pdf', 'study.docx'], ())
    """
    study = _resolve_spec(spec)
    wanted = tuple(formats or study.formats)
    bad = [f for f in wanted if f not in FORMATS]
    if bad:
        raise ReportError(f"format {bad} unknown; use one of {list(FORMATS)}")
    if study.lang not in LANGS:
        raise ReportError(f"language {study.lang!r} is not supported; use one of {LANGS}")
    if out is None:
        stem = (
            "govstats-report"
            if spec is None or study.origin.startswith("default")
            else (Path(study.origin.split(" ")[0]).stem)
        )
        base = DEFAULT_OUT.with_name(f"{stem}.pdf")
    else:
        base = Path(out)
    if jobs is not None and (isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1):
        raise ReportError(f"jobs must be a whole number of processes, 1 or more; got {jobs!r}")
    images = [IMAGE_FORMATS[f] for f in wanted]
    with catch_interrupts() as interrupt, FigureDrawer(images, jobs or default_jobs()) as figure:
        start = time.perf_counter()
        sections, loaded, bar, warned = _run_study(
            study, progress, ["figures", *wanted], interrupt, lambda s: figure.submit(s.figures)
        )
        outcomes = []
        try:
            interrupt.check()
            bar.set_postfix_str("figures")
            meta = _meta(sections, loaded, study.lang, study.seed, study.replicates, study.min_cell)
            meta = replace(
                meta,
                limitations=[*meta.limitations, *(translate_note(n, study.lang) for n in warned)],
                title=study.title,
                subtitle=study.subtitle,
                authors=tuple(study.authors),
                headings=tuple(numbered_headings([s.title for s in sections], study.lang)),
            )
            figure.finish()
            bar.update(1)
            for format in wanted:
                bar.set_postfix_str(format)
                content, pages = _render(sections, meta, format, figure)
                target = base.with_suffix(f".{format}") if len(wanted) > 1 or out is None else base
                path = write_atomic(content, target, ready=interrupt.check)
                outcomes.append(
                    ReportOutcome(
                        path=path,
                        pages=pages,
                        n_figures=sum(len(s.figures) for s in sections),
                        n_tables=sum(len(s.tables) for s in sections),
                        seconds=time.perf_counter() - start,
                        unavailable=tuple(s.name for s in sections if not s.available),
                        format=format,
                    )
                )
                bar.update(1)
        finally:
            bar.close()
    return outcomes


def build_report(
    out: str | Path = DEFAULT_OUT,
    *,
    lang: str | None = None,
    survey: str | Path | None = None,
    codebook: str | Path | None = None,
    replicates: int | None = None,
    seed: int | None = None,
    min_cell: int | None = None,
    progress: bool = True,
    spec: StudySpec | str | Path | None = None,
    format: str | None = None,
    jobs: int | None = None,
) -> ReportOutcome:
    """Build the report (PDF or Word) and write it atomically to ``out``.

    Parameters
    ----------
    out : path
        Target file (default ``reports/govstats-report.pdf``); written only if every
        step succeeds.
    lang : {"zh", "en"}, optional
        Default: the spec's language (``zh`` for the default report).
    survey, codebook : path, optional
        The user's survey file and its codebook; default: the spec's, or the embedded
        simulated survey.
    replicates : int, optional
        Design replicates (Rao-Wu bootstrap) for the divide chain (default 1000).
    seed : int, optional
        Seed of the simulation and of every replicate draw (default 2024).
    min_cell : int, optional
        Disclosure control: smallest publishable unweighted cell count (default 10).
    progress : bool
        Show a progress bar on standard error.
    spec : StudySpec, path or shipped name, optional
        The study spec (default: the shipped ``default`` spec); the arguments above
        override it.
    format : {"pdf", "docx"}, optional
        Default: from the suffix of ``out`` (``.docx`` gives Word), else PDF.
    jobs : int, optional
        Processes drawing the figures, as in :func:`build_study`.

    Returns
    -------
    ReportOutcome

    Raises
    ------
    ReportError
        If an input is unusable (nothing is written then).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> with tempfile.TemporaryDirectory() as d:
    ...     outcome = build_report(pathlib.Path(d) / "r.pdf", replicates=10, progress=False)
    ...     outcome.pages > 5, outcome.unavailable
    (True, ())
    """
    if replicates is not None and replicates < 2:
        raise ReportError(f"--replicates must be at least 2, got {replicates}")
    if lang is not None and lang not in LANGS:
        raise ReportError(f"language {lang!r} is not supported; use one of {', '.join(LANGS)}")
    target = Path(out)
    suffix = target.suffix.lower().lstrip(".")
    chosen = format or (suffix if suffix in FORMATS else "pdf")
    if chosen not in FORMATS:
        raise ReportError(f"--format {chosen!r} unknown; use pdf or docx")
    if format is not None and suffix in FORMATS and suffix != format:
        raise ReportError(f"--out {target.name} does not end in .{format}; match --format")
    if (survey is None) != (codebook is None) and survey is None:
        raise ReportError("--codebook was given without --survey; pass both or neither")
    study = _resolve_spec(spec).with_overrides(
        lang=lang,
        data=None if survey is None else Path(survey),
        codebook=None if codebook is None else Path(codebook),
        replicates=replicates,
        seed=seed,
        min_cell=min_cell,
    )
    (outcome,) = build_study(study, target, formats=(chosen,), progress=progress, jobs=jobs)
    return outcome
