"""govstats.report: study specs, regression tables, figures, maps and the PDF/Word report.

This is the only layer (with the CLI) that imports matplotlib; figures are drawn with
the Agg backend and the CJK font shipped by ``mplfonts``.

Examples
--------
>>> from govstats.report import access_gap
>>> result = access_gap(lang="en")
>>> result.table("access_gap").data.columns.tolist()[:4]
['report_no', 'period', 'year', 'urban_pct']
"""

from __future__ import annotations

from govstats.report.analyses import (
    ANALYSES,
    access_gap,
    census_context,
    divide_chain,
    survey_description,
)
from govstats.report.build import (
    DEFAULT_OUT,
    ReportOutcome,
    build_report,
    build_study,
    run_analyses,
    run_analysis,
    write_analysis,
)
from govstats.report.inputs import SurveyInput, file_sha256, load_survey
from govstats.report.pdf import ReportMeta, render_pdf, write_atomic
from govstats.report.regression import RegressionModel, regression_table
from govstats.report.results import AnalysisResult, FigureSpec
from govstats.report.sections import SECTIONS
from govstats.report.spec import SectionSpec, StudySpec, load_spec, parse_spec
from govstats.report.tables import (
    Table,
    fmt_number,
    significance_mark,
    suppress_small_cells,
    to_docx,
    to_html,
    to_latex,
    to_text,
    write_table,
)

__all__ = [
    "ANALYSES",
    "DEFAULT_OUT",
    "SECTIONS",
    "AnalysisResult",
    "FigureSpec",
    "RegressionModel",
    "ReportMeta",
    "ReportOutcome",
    "SectionSpec",
    "StudySpec",
    "SurveyInput",
    "Table",
    "access_gap",
    "build_report",
    "build_study",
    "census_context",
    "divide_chain",
    "file_sha256",
    "fmt_number",
    "load_spec",
    "load_survey",
    "parse_spec",
    "regression_table",
    "render_pdf",
    "run_analyses",
    "run_analysis",
    "significance_mark",
    "suppress_small_cells",
    "survey_description",
    "to_docx",
    "to_html",
    "to_latex",
    "to_text",
    "write_analysis",
    "write_atomic",
    "write_table",
]
