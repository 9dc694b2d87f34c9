"""Three-line tables: formatting, significance marks, disclosure control and exports."""

from __future__ import annotations

import math

import docx
import numpy as np
import pandas as pd
import pytest
from scipy import stats

from govstats.errors import ReportError
from govstats.report.tables import (
    MISSING_MARK,
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


def _table() -> Table:
    data = pd.DataFrame({"variable": ["信息获取", "b_var"], "estimate": [0.123456, -2.5]})
    display = pd.DataFrame({"变量": ["信息获取", "b_var"], "估计值": ["0.123***", "-2.500"]})
    return Table("demo", "演示表 & 50%", data, display, "注：* p<0.05")


def test_fmt_number_rounds_and_marks_missing() -> None:
    assert fmt_number(57.649, 1) == "57.6"
    assert fmt_number(-0.0004, 3) == "0.000"
    assert fmt_number(float("nan")) == MISSING_MARK
    assert fmt_number(None) == MISSING_MARK
    assert fmt_number(1411778724, 0, thousands=True) == "1,411,778,724"


@pytest.mark.parametrize(
    ("p_target", "expected"), [(0.2, ""), (0.04, "*"), (0.004, "**"), (0.0004, "***")]
)
def test_significance_mark_follows_t_p_value(p_target: float, expected: str) -> None:
    df = 120
    t_value = stats.t.isf(p_target / 2, df)  # |t| giving the two-sided p-value p_target
    assert significance_mark(t_value * 0.5, 0.5, df) == expected
    assert significance_mark(-t_value * 0.5, 0.5, df) == expected


def test_significance_mark_without_valid_se_is_blank() -> None:
    assert significance_mark(1.0, 0.0, 10) == ""
    assert significance_mark(1.0, math.nan, 10) == ""


def test_suppress_small_cells_blanks_exactly_the_small_rows() -> None:
    frame = pd.DataFrame({"n": [9, 10, 200], "estimate": [1.0, 2.0, 3.0], "se": [0.1, 0.2, 0.3]})
    out = suppress_small_cells(frame, "n", ["estimate", "se"], min_cell=10)
    assert out["suppressed"].tolist() == [True, False, False]
    assert np.isnan(out.loc[0, "estimate"]) and np.isnan(out.loc[0, "se"])
    assert out.loc[1:, "estimate"].tolist() == [2.0, 3.0]
    assert frame.loc[0, "estimate"] == 1.0  # input untouched


def test_suppress_small_cells_rejects_bad_arguments() -> None:
    frame = pd.DataFrame({"n": [5], "estimate": [1.0]})
    with pytest.raises(ReportError, match="min_cell"):
        suppress_small_cells(frame, "n", ["estimate"], 0)
    with pytest.raises(ReportError, match="se"):
        suppress_small_cells(frame, "n", ["se"], 10)


def test_latex_is_booktabs_and_escaped() -> None:
    tex = to_latex(_table())
    assert tex.index(r"\toprule") < tex.index(r"\midrule") < tex.index(r"\bottomrule")
    assert r"50\%" in tex and r"\&" in tex and r"b\_var" in tex
    assert r"0.123\textsuperscript{***}" in tex
    assert tex.count(r"\\") == 3  # header + two rows


def test_html_has_three_rules_and_escapes() -> None:
    html = to_html(_table())
    n_header = 2
    assert html.count("solid #000") == 2 + n_header  # table top and bottom, under each header
    assert "&amp;" in html and "<caption>" in html


def test_text_has_header_and_rows() -> None:
    text = to_text(_table())
    lines = text.splitlines()
    assert lines[0] == "演示表 & 50%"
    assert any(line.startswith("信息获取") for line in lines)


def test_docx_round_trip(tmp_path) -> None:
    path = to_docx(_table(), tmp_path / "t.docx")
    document = docx.Document(str(path))
    (grid,) = document.tables
    assert [c.text for c in grid.rows[0].cells] == ["变量", "估计值"]
    assert grid.rows[1].cells[1].text == "0.123***"
    assert document.paragraphs[0].text == "演示表 & 50%"


def test_write_table_csv_is_byte_identical(tmp_path) -> None:
    first = write_table(_table(), tmp_path / "a")
    second = write_table(_table(), tmp_path / "b")
    assert [p.name for p in first] == ["demo.csv", "demo.txt", "demo.tex", "demo.html", "demo.docx"]
    for a, b in zip(first, second, strict=True):
        assert a.read_bytes() == b.read_bytes()
    back = pd.read_csv(first[0])
    assert back["estimate"].tolist() == [0.123456, -2.5]


def test_table_name_must_be_a_file_stem() -> None:
    with pytest.raises(ReportError, match="file stem"):
        Table("a b", "t", pd.DataFrame(), pd.DataFrame())
