"""The report's sections: each turns its computed frames into tables, figure specs and text.

One module per section: :mod:`~govstats.report.sections.access_gap` (01),
:mod:`~govstats.report.sections.census` (02),
:mod:`~govstats.report.sections.survey_description` (03),
:mod:`~govstats.report.sections.divide_chain` (04). The numbers come from
:mod:`govstats.report.compute`, the words from :mod:`govstats.report.prose`.
"""
