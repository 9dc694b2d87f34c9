"""The report's sections: each turns its computed frames into tables, figure specs and text.

One module per section: :mod:`~govstats.report.sections.access_gap` (01),
:mod:`~govstats.report.sections.census` (02),
:mod:`~govstats.report.sections.survey_description` (03),
:mod:`~govstats.report.sections.divide_chain` (04), and for study specs
:mod:`~govstats.report.sections.models` (models, heterogeneity),
:mod:`~govstats.report.sections.gaps` and :mod:`~govstats.report.sections.maps`.
The numbers come from :mod:`govstats.report.compute`, the words from
:mod:`govstats.report.prose`. :data:`SECTIONS` maps a spec's section kind to its runner.
"""

from govstats.report.sections.registry import (
    SECTIONS,
    SectionRunner,
    StudyContext,
    not_in_this_version,
)

__all__ = ["SECTIONS", "SectionRunner", "StudyContext", "not_in_this_version"]
