"""Three-line tables: formatting, disclosure control and export (CSV, LaTeX, HTML, Word).

A :class:`Table` carries two frames: ``data`` holds the numbers (what the CSV
file holds, full precision) and ``display`` holds the formatted strings that the
PDF, LaTeX, HTML and Word versions show. Both come from the same analysis call, so
the printed table and the CSV cannot drift apart.
"""

from __future__ import annotations

import html
import io
import math
import re
import zipfile
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import special

from govstats.errors import ReportError

__all__ = [
    "MISSING_MARK",
    "SIGNIFICANCE_NOTE",
    "SUPPRESSED_MARK",
    "Table",
    "add_docx_table",
    "fixed_zip_dates",
    "fmt_number",
    "significance_mark",
    "suppress_dependent_cells",
    "suppress_small_cells",
    "to_docx",
    "to_html",
    "to_latex",
    "to_text",
    "write_table",
]

SUPPRESSED_MARK = "x"
MISSING_MARK = "—"
SIGNIFICANCE_NOTE = {
    "zh": "* p<0.05，** p<0.01，*** p<0.001（基于设计自由度的双侧 t 检验）。",
    "en": "* p<0.05, ** p<0.01, *** p<0.001 (two-sided t test on the design degrees of freedom).",
}
SUPPRESSION_NOTE = {
    "zh": "x：未加权样本量少于 {k} 的单元格已按披露控制规则隐去。",
    "en": "x: cell suppressed for disclosure control (fewer than {k} unweighted respondents).",
}


@dataclass(frozen=True)
class Table:
    """A publishable table.

    Parameters
    ----------
    name : str
        File stem used when the table is written (``<name>.csv`` and so on).
    title : str
        Caption shown above the table.
    data : pandas.DataFrame
        Tidy numeric content; written to CSV at full precision.
    display : pandas.DataFrame
        Formatted strings, one column per printed column; what the PDF shows.
    note : str
        Note printed below the bottom rule (sources, significance marks, suppression).

    Examples
    --------
    >>> import pandas as pd
    >>> t = Table("demo", "Demo", pd.DataFrame({"a": [1.0]}), pd.DataFrame({"A": ["1.00"]}))
    >>> t
    Table('demo', 1 rows x 1 columns)
    """

    name: str
    title: str
    data: pd.DataFrame
    display: pd.DataFrame
    note: str = ""

    def __post_init__(self) -> None:
        if not self.name or any(ch in self.name for ch in "/\\ "):
            raise ReportError(f"table name {self.name!r} must be a plain file stem without spaces")

    def __repr__(self) -> str:
        rows, cols = self.display.shape
        return f"Table({self.name!r}, {rows} rows x {cols} columns)"


def fmt_number(value: object, digits: int = 2, *, thousands: bool = False) -> str:
    """Format one number for display; missing values print as an em dash.

    Examples
    --------
    >>> fmt_number(57.6, 1), fmt_number(float("nan")), fmt_number(1234567.0, 0, thousands=True)
    ('57.6', '—', '1,234,567')
    """
    if value is None:
        return MISSING_MARK
    try:
        x = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return str(value)
    if math.isnan(x):
        return MISSING_MARK
    text = f"{x:,.{digits}f}" if thousands else f"{x:.{digits}f}"
    if text.lstrip("-").strip("0.,") == "":
        text = text.lstrip("-")  # no "-0.00"
    return text


def significance_mark(estimate: float, se: float, df: float) -> str:
    """Stars for a two-sided t test of ``estimate = 0`` with ``df`` degrees of freedom.

    Examples
    --------
    >>> significance_mark(2.0, 1.0, 1e6), significance_mark(4.0, 1.0, 1e6)
    ('*', '***')
    >>> significance_mark(0.1, 1.0, 30)
    ''

    """
    if not all(np.isfinite([estimate, se, df])) or se <= 0 or df <= 0:
        return ""
    # scipy.special, not scipy.stats: the figure worker imports this module, and fast
    p = 2.0 * special.stdtr(df, -abs(estimate / se))
    if p < 0.001:
        return "***"
    if p < 0.01:
        return "**"
    if p < 0.05:
        return "*"
    return ""


def suppress_small_cells(
    frame: pd.DataFrame, count_column: str, value_columns: Sequence[str], min_cell: int
) -> pd.DataFrame:
    """Blank the values of every row based on fewer than ``min_cell`` unweighted respondents.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per published cell, with its unweighted count in ``count_column``.
    count_column : str
        Column holding the unweighted number of respondents behind each row.
    value_columns : sequence of str
        Columns set to NaN in suppressed rows.
    min_cell : int
        Smallest publishable count (rows with ``count < min_cell`` are suppressed).

    Returns
    -------
    pandas.DataFrame
        A copy with the values blanked and a boolean ``suppressed`` column.

    Examples
    --------
    >>> import pandas as pd
    >>> f = pd.DataFrame({"n": [3, 50], "estimate": [0.5, 0.7]})
    >>> suppress_small_cells(f, "n", ["estimate"], 10)["estimate"].tolist()
    [nan, 0.7]
    """
    if min_cell < 1:
        raise ReportError(f"min_cell must be a positive count, got {min_cell}")
    missing = [c for c in [count_column, *value_columns] if c not in frame.columns]
    if missing:
        raise ReportError(f"cannot apply disclosure control: columns {missing} not in the table")
    out = frame.copy()
    small = out[count_column].to_numpy(dtype=float) < min_cell
    out["suppressed"] = small
    for column in value_columns:
        out[column] = out[column].astype(float).where(~small)
    return out


def suppress_dependent_cells(
    frame: pd.DataFrame,
    sources: Sequence[Collection[object]],
    suppressed: Collection[object],
    value_columns: Sequence[str],
) -> pd.DataFrame:
    """Complementary suppression: blank every row computed from a suppressed cell.

    A difference, sum or share that uses a suppressed cell gives it back by
    subtraction from the cells that are published; so every published number
    derived from a suppressed cell is suppressed with it.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per published number.
    sources : sequence of collections, one per row
        The cells (e.g. groups) each row is computed from.
    suppressed : collection
        The cells suppressed by :func:`suppress_small_cells`.
    value_columns : sequence of str
        Columns set to NaN in the rows that depend on a suppressed cell.

    Returns
    -------
    pandas.DataFrame
        A copy with those values blanked and a boolean ``suppressed`` column (or'ed
        with an existing one).

    Examples
    --------
    >>> import pandas as pd
    >>> f = pd.DataFrame({"estimate": [0.1, 0.2]})
    >>> out = suppress_dependent_cells(f, [("b", "a"), ("c", "a")], {"b"}, ["estimate"])
    >>> out["estimate"].tolist(), out["suppressed"].tolist()
    ([nan, 0.2], [True, False])
    """
    if len(sources) != len(frame):
        raise ReportError(
            f"disclosure control needs the source cells of every row: {len(sources)} given "
            f"for {len(frame)} rows"
        )
    hidden = set(suppressed)
    depends = np.array([bool(hidden.intersection(cells)) for cells in sources], dtype=bool)
    out = frame.copy()
    if "suppressed" in out.columns:
        depends |= out["suppressed"].to_numpy(dtype=bool)
    out["suppressed"] = depends
    for column in value_columns:
        out[column] = out[column].astype(float).where(~depends)
    return out


def to_text(table: Table) -> str:
    """Plain-text rendering with three rules (top, below the header, bottom)."""
    cells = [list(map(str, table.display.columns))]
    cells += [[str(v) for v in row] for row in table.display.itertuples(index=False)]
    widths = [max(len(row[j]) for row in cells) for j in range(len(cells[0]))]
    rule = "-" * (sum(widths) + 2 * (len(widths) - 1))
    lines = [table.title, "=" * len(rule)]
    lines.append("  ".join(c.ljust(w) for c, w in zip(cells[0], widths, strict=True)))
    lines.append(rule)
    for row in cells[1:]:
        lines.append("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)))
    lines.append("=" * len(rule))
    if table.note:
        lines.append(table.note)
    return "\n".join(lines) + "\n"


def _latex_escape(text: str) -> str:
    out = text
    for ch, rep in (
        ("\\", r"\textbackslash{}"),
        ("&", r"\&"),
        ("%", r"\%"),
        ("$", r"\$"),
        ("#", r"\#"),
        ("_", r"\_"),
        ("{", r"\{"),
        ("}", r"\}"),
    ):
        out = out.replace(ch, rep)
    return re.sub(r"(\*+)", r"\\textsuperscript{\1}", out)


def to_latex(table: Table) -> str:
    r"""LaTeX ``table`` in booktabs style (``\toprule``, ``\midrule``, ``\bottomrule``)."""
    ncol = table.display.shape[1]
    spec = "l" + "r" * (ncol - 1)
    lines = [
        r"\begin{table}[htbp]",
        r"\centering",
        rf"\caption{{{_latex_escape(table.title)}}}",
        rf"\begin{{tabular}}{{{spec}}}",
        r"\toprule",
        " & ".join(_latex_escape(str(c)) for c in table.display.columns) + r" \\",
        r"\midrule",
    ]
    for row in table.display.itertuples(index=False):
        lines.append(" & ".join(_latex_escape(str(v)) for v in row) + r" \\")
    lines.append(r"\bottomrule")
    lines.append(r"\end{tabular}")
    if table.note:
        lines.append(rf"\par\smallskip\footnotesize {_latex_escape(table.note)}")
    lines.append(r"\end{table}")
    return "\n".join(lines) + "\n"


def to_html(table: Table) -> str:
    """HTML ``<table>`` in three-line style (inline CSS, no external files)."""
    rule = "border-top:2px solid #000"
    head = "".join(
        f'<th style="border-bottom:1px solid #000;padding:2px 8px">{html.escape(str(c))}</th>'
        for c in table.display.columns
    )
    body = []
    for row in table.display.itertuples(index=False):
        tds = "".join(f'<td style="padding:2px 8px">{html.escape(str(v))}</td>' for v in row)
        body.append(f"<tr>{tds}</tr>")
    parts = [
        f'<table style="border-collapse:collapse;{rule};border-bottom:2px solid #000">',
        f"<caption>{html.escape(table.title)}</caption>",
        f"<thead><tr>{head}</tr></thead>",
        "<tbody>" + "".join(body) + "</tbody>",
        "</table>",
    ]
    if table.note:
        parts.append(f'<p style="font-size:small">{html.escape(table.note)}</p>')
    return "\n".join(parts) + "\n"


def _set_cell_border(cell: object, **edges: str) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    tc_pr = cell._tc.get_or_add_tcPr()  # type: ignore[attr-defined]
    borders = OxmlElement("w:tcBorders")
    for edge, size in edges.items():
        element = OxmlElement(f"w:{edge}")
        element.set(qn("w:val"), "single")
        element.set(qn("w:sz"), size)
        element.set(qn("w:space"), "0")
        element.set(qn("w:color"), "000000")
        borders.append(element)
    tc_pr.append(borders)


def add_docx_table(document: object, table: Table, caption: str | None = None) -> None:
    """Append ``table`` to a python-docx ``document``: caption, three-line grid, note.

    The caption goes above (``caption`` or the table's title), the note below; the top
    and bottom rules are thick, the rule under the header thin.
    """
    from docx.shared import Pt

    doc: Any = document
    head = doc.add_paragraph(caption or table.title)
    head.paragraph_format.keep_with_next = True
    if "Caption" in [s.name for s in doc.styles]:
        head.style = doc.styles["Caption"]
    nrow, ncol = table.display.shape
    grid = doc.add_table(rows=nrow + 1, cols=ncol)
    for j, column in enumerate(table.display.columns):
        cell = grid.cell(0, j)
        cell.text = str(column)
        _set_cell_border(cell, top="12", bottom="6")
    for i, row in enumerate(table.display.itertuples(index=False), start=1):
        for j, value in enumerate(row):
            cell = grid.cell(i, j)
            cell.text = str(value)
            if i == nrow:
                _set_cell_border(cell, bottom="12")
    for row in grid.rows:
        for cell in row.cells:
            for paragraph in cell.paragraphs:
                for run in paragraph.runs:
                    run.font.size = Pt(9)
    if table.note:
        note = doc.add_paragraph(table.note)
        for run in note.runs:
            run.font.size = Pt(8)


def to_docx(table: Table, path: str | Path) -> Path:
    """Write the table as a Word document (three-line borders, caption, note)."""
    import datetime as _dt

    import docx

    document = docx.Document()
    fixed = _dt.datetime(2000, 1, 1, tzinfo=_dt.UTC)
    document.core_properties.created = fixed
    document.core_properties.modified = fixed
    document.core_properties.last_printed = fixed
    add_docx_table(document, table)
    buffer = io.BytesIO()
    document.save(buffer)
    target = Path(path)
    target.write_bytes(fixed_zip_dates(buffer.getvalue()))
    return target


def fixed_zip_dates(content: bytes) -> bytes:
    """Rewrite a zip (a .docx) with fixed entry dates so identical tables give identical bytes."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(content)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for item in source.infolist():
            info = zipfile.ZipInfo(item.filename, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = item.external_attr
            target.writestr(info, source.read(item.filename))
    return out.getvalue()


def write_table(table: Table, folder: str | Path) -> list[Path]:
    """Write ``<name>.csv`` (numbers) and ``.txt``, ``.tex``, ``.html``, ``.docx`` (formatted).

    CSV and text files are byte-identical across runs with the same inputs.
    """
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    csv_path = out / f"{table.name}.csv"
    table.data.to_csv(csv_path, index=False, lineterminator="\n", float_format="%.10g")
    written.append(csv_path)
    texts = {".txt": to_text(table), ".tex": to_latex(table), ".html": to_html(table)}
    for suffix, text in texts.items():
        path = out / f"{table.name}{suffix}"
        path.write_text(text, encoding="utf-8")
        written.append(path)
    written.append(to_docx(table, out / f"{table.name}.docx"))
    return written
