"""The section registry: a plain dict from a spec's section kind to the function that runs it.

A runner takes the :class:`StudyContext` (survey, language, seed, replicates, disclosure
threshold) and the section's options from the spec, and returns an
:class:`~govstats.report.results.AnalysisResult`. Another module adds a kind with
``SECTIONS["robustness"] = my_runner``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from govstats.errors import GovstatsError
from govstats.report._labels import label
from govstats.report.inputs import SurveyInput
from govstats.report.prose import models as words
from govstats.report.results import AnalysisResult

__all__ = ["SECTIONS", "SectionRunner", "StudyContext", "not_in_this_version"]

_UPSTREAM_MISSING = (ImportError, NotImplementedError)


@dataclass(frozen=True)
class StudyContext:
    """What every section runner gets besides its own options.

    Examples
    --------
    >>> StudyContext(None, "no survey", "en", 1, 10, 10).lang
    'en'
    """

    survey: SurveyInput | None
    survey_error: str | None
    lang: str
    seed: int
    replicates: int
    min_cell: int


SectionRunner = Callable[[StudyContext, Mapping[str, Any]], AnalysisResult]


def not_in_this_version(kind: str, lang: str, reason: str = "") -> AnalysisResult:
    """Return a section saying its engine is not in this version (one line, no numbers).

    Examples
    --------
    >>> not_in_this_version("robustness", "en").paragraphs[0][:24]
    'The robustness section i'
    """
    text = words.not_available(kind, lang) + (f" ({reason})" if reason else "")
    return AnalysisResult("", kind, label(f"sec_{kind}", lang), paragraphs=(text,), available=False)


def _guard(kind: str, context: StudyContext, run: Callable[[], AnalysisResult]) -> AnalysisResult:
    try:
        return run()
    except GovstatsError:
        raise
    except _UPSTREAM_MISSING as exc:
        return not_in_this_version(kind, context.lang, f"{type(exc).__name__}: {exc}")


def _numbered(key: str) -> SectionRunner:
    def run(context: StudyContext, options: Mapping[str, Any]) -> AnalysisResult:
        from govstats.report import analyses

        def go() -> AnalysisResult:
            if key == "01":
                return analyses.access_gap(lang=context.lang, seed=context.seed)
            if key == "02":
                return analyses.census_context(lang=context.lang)
            survey = context.survey
            if survey is None:
                return analyses.not_available(
                    key, context.lang, context.survey_error or "no survey"
                )
            if key == "03":
                return analyses.survey_description(
                    survey,
                    lang=context.lang,
                    min_cell=context.min_cell,
                    seed=context.seed,
                    figures=tuple(options.get("figures", ())),
                )
            return analyses.divide_chain(
                survey,
                lang=context.lang,
                replicates=int(options.get("replicates", context.replicates)),
                seed=context.seed,
                min_cell=context.min_cell,
                by=str(options.get("by", "age_group")),
            )

        try:
            return go()
        except GovstatsError:
            raise
        except _UPSTREAM_MISSING as exc:
            return analyses.not_available(key, context.lang, f"{type(exc).__name__}: {exc}")

    return run


def _needs_survey(kind: str, context: StudyContext) -> AnalysisResult | None:
    if context.survey is None:
        return not_in_this_version(kind, context.lang, context.survey_error or "no survey")
    return _in_memory_only(kind, context)


def _in_memory_only(kind: str, context: StudyContext) -> AnalysisResult | None:
    """Sections that read rows one by one do not run on a partitioned (dask) survey."""
    if context.survey is None or not context.survey.partitioned:
        return None
    reason = (
        "该节需要内存中的调查数据；分区调查（parquet 文件夹）只计算描述与分化链"
        if context.lang == "zh"
        else "this section needs the survey in memory; a partitioned survey (parquet folder) "
        "gets the description and the divide chain"
    )
    return not_in_this_version(kind, context.lang, reason)


def _models(context: StudyContext, options: Mapping[str, Any]) -> AnalysisResult:
    from govstats.report.sections.models import models_section

    missing = _needs_survey("models", context)
    if missing is not None or context.survey is None:
        return missing or not_in_this_version("models", context.lang)
    survey = context.survey
    return _guard(
        "models",
        context,
        lambda: models_section(
            survey,
            options["models"],
            lang=context.lang,
            title=options.get("title"),
            fixed_effects=tuple(options.get("fixed_effects", ())),
        ),
    )


def _heterogeneity(context: StudyContext, options: Mapping[str, Any]) -> AnalysisResult:
    from govstats.report.sections.models import heterogeneity_section

    missing = _needs_survey("heterogeneity", context)
    if missing is not None or context.survey is None:
        return missing or not_in_this_version("heterogeneity", context.lang)
    survey = context.survey
    formula = str(options.get("formula", "service ~ rural + age + female + edu_years"))
    return _guard(
        "heterogeneity",
        context,
        lambda: heterogeneity_section(
            survey,
            formula,
            str(options["by"]),
            family=str(options.get("family", "gaussian")),
            lang=context.lang,
        ),
    )


def _gaps(context: StudyContext, options: Mapping[str, Any]) -> AnalysisResult:
    from govstats.report.sections.gaps import gaps_section

    missing = _needs_survey("gaps", context)
    if missing is not None or context.survey is None:
        return missing or not_in_this_version("gaps", context.lang)
    survey = context.survey
    formula = str(
        options.get("formula", "service ~ info_access + participation + expression + age")
    )
    return _guard(
        "gaps",
        context,
        lambda: gaps_section(
            survey,
            formula,
            str(options.get("by", "rural")),
            lang=context.lang,
            replicates=int(options.get("replicates", min(context.replicates, 200))),
            seed=context.seed,
        ),
    )


def _maps(context: StudyContext, options: Mapping[str, Any]) -> AnalysisResult:
    from govstats.report.sections.maps import maps_section

    partitioned = _in_memory_only("maps", context)
    if partitioned is not None:
        return partitioned
    return _guard(
        "maps",
        context,
        lambda: maps_section(
            context.survey,
            variable=str(options.get("variable", "internet")),
            lang=context.lang,
            min_cell=context.min_cell,
        ),
    )


def _robustness(context: StudyContext, options: Mapping[str, Any]) -> AnalysisResult:
    from govstats.report.sections.robustness import robustness_section

    missing = _needs_survey("robustness", context)
    if missing is not None or context.survey is None:
        return missing or not_in_this_version("robustness", context.lang)
    survey = context.survey
    return _guard(
        "robustness",
        context,
        lambda: robustness_section(survey, lang=context.lang, min_cell=context.min_cell),
    )


def _measurement(context: StudyContext, options: Mapping[str, Any]) -> AnalysisResult:
    from govstats.report.sections.measurement import measurement_section

    missing = _needs_survey("measurement", context)
    if missing is not None or context.survey is None:
        return missing or not_in_this_version("measurement", context.lang)
    survey = context.survey
    return _guard(
        "measurement",
        context,
        lambda: measurement_section(
            survey,
            lang=context.lang,
            min_cell=context.min_cell,
            seed=context.seed,
            measurement=options.get("measurement"),
        ),
    )


#: Section kind -> runner. The four numbered analyses keep their keys ("01"-"04").
SECTIONS: dict[str, SectionRunner] = {
    "access_gap": _numbered("01"),
    "census": _numbered("02"),
    "description": _numbered("03"),
    "chain": _numbered("04"),
    "maps": _maps,
    "models": _models,
    "heterogeneity": _heterogeneity,
    "gaps": _gaps,
    "robustness": _robustness,
    "measurement": _measurement,
}
