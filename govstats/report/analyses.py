"""The numbered analyses behind the report; each returns tables and figure specs.

The scripts in ``analyses/`` and ``govstats report`` call these same functions, so a
number in the PDF is the number in the script's CSV. Each lives in its own section
module (:mod:`govstats.report.sections`), which lays out the numbers computed in
:mod:`govstats.report.compute` with the words of :mod:`govstats.report.prose`.

- :func:`access_gap` (01): CNNIC urban vs rural internet penetration, gap and lag.
- :func:`census_context` (02): 2020 census indicators by province.
- :func:`survey_description` (03): design-weighted description of the survey.
- :func:`divide_chain` (04): the divide chain with design replicates.
"""

from __future__ import annotations

from govstats.report._labels import label
from govstats.report.results import AnalysisResult
from govstats.report.sections.access_gap import access_gap
from govstats.report.sections.census import census_context
from govstats.report.sections.divide_chain import divide_chain
from govstats.report.sections.survey_description import survey_description

__all__ = [
    "ANALYSES",
    "access_gap",
    "census_context",
    "divide_chain",
    "not_available",
    "survey_description",
]

ANALYSES = {
    "01": "access_gap",
    "02": "census_context",
    "03": "survey_description",
    "04": "divide_chain",
}


def not_available(key: str, lang: str, reason: str) -> AnalysisResult:
    """Return a placeholder section saying why an analysis could not run (no numbers in it).

    Examples
    --------
    >>> not_available("04", "en", "no chain").available
    False
    """
    name = ANALYSES[key]
    heading = {"01": "sec_access", "02": "sec_census", "03": "sec_survey", "04": "sec_chain"}[key]
    text = f"{label('not_available', lang)}: {reason}"
    return AnalysisResult(key, name, label(heading, lang), paragraphs=(text,), available=False)
