"""The numbers of each report section as tidy frames: no language, no layout, no plotting.

One module per section (``access_gap``, ``census``, ``survey_description``,
``divide_chain``, ``models``) plus the raking arithmetic (``raking``). The section
modules in :mod:`govstats.report.sections` lay these frames out as tables and figure
specs, with the words from :mod:`govstats.report.prose`.
"""
