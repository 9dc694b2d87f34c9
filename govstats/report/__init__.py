"""govstats.report: study specs, regression tables, figures, maps and the PDF/Word report.

This is the only layer (with the CLI) that imports matplotlib; figures are drawn with
the Agg backend and the CJK font shipped by ``mplfonts``. Names load on first use, so
that a module of the report (the figure worker's, say) imports only what it needs.

Examples
--------
>>> from govstats.report import access_gap
>>> result = access_gap(lang="en")
>>> result.table("access_gap").data.columns.tolist()[:4]
['report_no', 'period', 'year', 'urban_pct']
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_LAZY = {
    "ANALYSES": "govstats.report.analyses",
    "access_gap": "govstats.report.analyses",
    "census_context": "govstats.report.analyses",
    "divide_chain": "govstats.report.analyses",
    "survey_description": "govstats.report.analyses",
    "DEFAULT_OUT": "govstats.report.build",
    "ReportOutcome": "govstats.report.build",
    "build_report": "govstats.report.build",
    "build_study": "govstats.report.build",
    "run_analyses": "govstats.report.build",
    "run_analysis": "govstats.report.build",
    "write_analysis": "govstats.report.build",
    "SurveyInput": "govstats.report.inputs",
    "file_sha256": "govstats.report.inputs",
    "load_survey": "govstats.report.inputs",
    "ReportMeta": "govstats.report.pdf",
    "render_pdf": "govstats.report.pdf",
    "write_atomic": "govstats.report.pdf",
    "RegressionModel": "govstats.report.regression",
    "regression_table": "govstats.report.regression",
    "AnalysisResult": "govstats.report.results",
    "FigureSpec": "govstats.report.results",
    "SECTIONS": "govstats.report.sections",
    "SectionSpec": "govstats.report.spec",
    "StudySpec": "govstats.report.spec",
    "load_spec": "govstats.report.spec",
    "parse_spec": "govstats.report.spec",
    "Table": "govstats.report.tables",
    "fmt_number": "govstats.report.tables",
    "significance_mark": "govstats.report.tables",
    "suppress_small_cells": "govstats.report.tables",
    "to_docx": "govstats.report.tables",
    "to_html": "govstats.report.tables",
    "to_latex": "govstats.report.tables",
    "to_text": "govstats.report.tables",
    "write_table": "govstats.report.tables",
}

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

if TYPE_CHECKING:
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


def __getattr__(name: str) -> Any:
    try:
        module = importlib.import_module(_LAZY[name])
    except KeyError:
        raise AttributeError(f"module 'govstats.report' has no attribute {name!r}") from None
    return getattr(module, name)


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
