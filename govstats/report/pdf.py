"""Assemble the report PDF with fpdf2 (CJK font embedded) and write it atomically."""

from __future__ import annotations

import datetime as _dt
import io
import os
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from govstats.errors import ReportError
from govstats.report._fonts import add_pdf_font
from govstats.report._labels import label
from govstats.report.results import AnalysisResult
from govstats.report.tables import Table

__all__ = ["ReportMeta", "render_pdf", "write_atomic"]

FIXED_DATE = _dt.datetime(2000, 1, 1, tzinfo=_dt.UTC)
MARGIN = 18.0
BODY_SIZE = 9.5
LINE = 5.0


@dataclass(frozen=True)
class ReportMeta:
    """Title-page facts and the closing sections of a report.

    Parameters
    ----------
    lang : {"zh", "en"}
    sources : sequence of str
        Data sources, one per line.
    design : str
        The survey design used, in words.
    versions : sequence of (str, str)
        Package and dependency versions.
    seed : int
        Seed of every random step.
    inputs : sequence of (str, str)
        Input file names and their SHA-256.
    methods : sequence of str
        Methods paragraphs (generated from what ran).
    limitations : sequence of str
        Limitations paragraphs.
    """

    lang: str
    sources: Sequence[str] = ()
    design: str = ""
    versions: Sequence[tuple[str, str]] = ()
    seed: int | None = None
    inputs: Sequence[tuple[str, str]] = ()
    methods: Sequence[str] = ()
    limitations: Sequence[str] = field(default_factory=tuple)


def _new_pdf(lang: str) -> tuple[Any, str]:
    from fpdf import FPDF

    class _Report(FPDF):  # type: ignore[misc]
        def footer(self) -> None:
            self.set_y(-12)
            self.set_font(family, size=8)
            self.set_text_color(90, 90, 90)
            self.cell(0, 6, str(self.page_no()), align="C")
            self.set_text_color(0, 0, 0)

    pdf = _Report(format="A4", unit="mm")
    family = add_pdf_font(pdf)
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.set_auto_page_break(True, margin=18)
    pdf.set_creation_date(FIXED_DATE)
    pdf.set_title(label("title", lang))
    pdf.set_author("govstats")
    pdf.set_lang("zh-CN" if lang == "zh" else "en")
    return pdf, family


def _heading(pdf: Any, family: str, text: str, size: float = 14.0) -> None:
    if pdf.get_y() > pdf.h - 50:
        pdf.add_page()
    pdf.ln(2)
    pdf.set_font(family, size=size)
    pdf.multi_cell(0, size * 0.55, text, align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1.5)
    pdf.set_font(family, size=BODY_SIZE)


def _paragraph(pdf: Any, family: str, text: str, size: float = BODY_SIZE) -> None:
    pdf.set_font(family, size=size)
    pdf.multi_cell(0, LINE * size / BODY_SIZE, text, align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1.2)


def _table(pdf: Any, family: str, table: Table, number: str) -> None:
    """Three-line table: thick top rule, thin rule under the header, thick bottom rule."""
    header = [str(c) for c in table.display.columns]
    rows = [[str(v) for v in r] for r in table.display.itertuples(index=False)]
    width = pdf.w - 2 * MARGIN
    size = 8.5
    while True:
        pdf.set_font(family, size=size)
        widths = [
            max(pdf.get_string_width(cell) for cell in [header[j], *(r[j] for r in rows)]) + 3.0
            for j in range(len(header))
        ]
        if sum(widths) <= width or size <= 5.5:
            break
        size -= 0.5
    scale = min(1.0, width / sum(widths))
    extra = (width - sum(widths) * scale) / len(widths) if sum(widths) < width * 0.6 else 0.0
    widths = [w * scale + extra for w in widths]
    total = sum(widths)
    row_h = size * 0.5 + 1.2
    needed = (len(rows) + 1) * row_h + 14
    if pdf.get_y() + min(needed, pdf.h - 60) > pdf.h - 20:
        pdf.add_page()
    caption = f"{label('table', pdf_lang(pdf))} {number}  {table.title}"
    _paragraph(pdf, family, caption, size=9.0)

    def rule(thick: float) -> None:
        pdf.set_line_width(thick)
        pdf.line(MARGIN, pdf.get_y(), MARGIN + total, pdf.get_y())

    def header_row() -> None:
        rule(0.5)
        pdf.set_font(family, size=size)
        for j, cell in enumerate(header):
            pdf.cell(widths[j], row_h + 1, cell, align="L" if j == 0 else "C")
        pdf.ln(row_h + 1)
        rule(0.25)

    header_row()
    for row in rows:
        if pdf.get_y() + row_h > pdf.h - 20:
            rule(0.5)
            pdf.add_page()
            header_row()
        for j, cell in enumerate(row):
            pdf.cell(widths[j], row_h, cell, align="L" if j == 0 else "R")
        pdf.ln(row_h)
    rule(0.5)
    pdf.ln(1.0)
    if table.note:
        _paragraph(pdf, family, table.note, size=7.5)
    pdf.ln(2)


def pdf_lang(pdf: Any) -> str:
    """Language recorded on the document ("zh" or "en")."""
    return "zh" if str(getattr(pdf, "lang", "zh")).startswith("zh") else "en"


def _figure(pdf: Any, family: str, png: bytes, caption: str, number: str) -> None:
    from PIL import Image

    with Image.open(io.BytesIO(png)) as image:
        px_w, px_h = image.size
    width = pdf.w - 2 * MARGIN
    height = width * px_h / px_w
    if pdf.get_y() + height + 10 > pdf.h - 20:
        pdf.add_page()
    pdf.image(io.BytesIO(png), x=MARGIN, w=width, h=height)
    pdf.set_y(pdf.get_y() + 1)
    _paragraph(pdf, family, f"{label('figure', pdf_lang(pdf))} {number}  {caption}", size=8.5)
    pdf.ln(2)


def render_pdf(
    sections: Sequence[AnalysisResult],
    meta: ReportMeta,
    figure_png: Callable[[Any], bytes],
    progress: Callable[[str], None] | None = None,
) -> tuple[bytes, int]:
    """Lay out the title page, the analysis sections, methods and limitations; return bytes.

    Parameters
    ----------
    sections : sequence of AnalysisResult
        In print order; unavailable sections print their reason and no numbers.
    meta : ReportMeta
    figure_png : callable
        Maps a :class:`~govstats.report.results.FigureSpec` to PNG bytes.
    progress : callable, optional
        Called with a short description after each figure is drawn.

    Returns
    -------
    bytes
        The PDF document (fixed creation date, so identical inputs give identical bytes).
    int
        Number of pages.
    """
    lang = meta.lang
    pdf, family = _new_pdf(lang)
    pdf.add_page()
    pdf.ln(30)
    pdf.set_font(family, size=20)
    pdf.multi_cell(0, 11, label("title", lang), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(family, size=11)
    pdf.multi_cell(0, 7, label("subtitle", lang), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(12)
    _heading(pdf, family, label("sec_sources", lang), 11)
    for source in meta.sources:
        _paragraph(pdf, family, "· " + source, size=8.5)
    _heading(pdf, family, label("sec_design", lang), 11)
    _paragraph(pdf, family, meta.design, size=8.5)
    _paragraph(pdf, family, f"{label('seed', lang)}: {meta.seed}", size=8.5)
    _heading(pdf, family, label("sec_versions", lang), 11)
    _paragraph(pdf, family, "; ".join(f"{k} {v}" for k, v in meta.versions), size=8.0)
    _heading(pdf, family, label("sec_inputs", lang), 11)
    for name, digest in meta.inputs:
        _paragraph(pdf, family, f"{name}: {digest}", size=7.0)

    table_no = figure_no = 0
    for section in sections:
        pdf.add_page()
        _heading(pdf, family, section.title)
        for text in section.paragraphs:
            _paragraph(pdf, family, text)
        for table in section.tables:
            table_no += 1
            _table(pdf, family, table, str(table_no))
        for spec in section.figures:
            figure_no += 1
            _figure(pdf, family, figure_png(spec), spec.title, str(figure_no))
            if progress is not None:
                progress(spec.name)
    pdf.add_page()
    _heading(pdf, family, label("sec_methods", lang))
    for text in meta.methods:
        _paragraph(pdf, family, text)
    _heading(pdf, family, label("sec_limits", lang))
    for text in meta.limitations:
        _paragraph(pdf, family, "· " + text)
    return bytes(pdf.output()), int(pdf.pages_count)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_atomic(content: bytes, target: str | Path) -> Path:
    """Write ``content`` to a temporary file beside ``target``, then move it into place.

    A failure at any point leaves no partial file at ``target`` (and removes the
    temporary file).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> with tempfile.TemporaryDirectory() as d:
    ...     path = write_atomic(b"%PDF-1.4", pathlib.Path(d) / "r.pdf")
    ...     path.read_bytes(), sorted(p.name for p in path.parent.iterdir())
    (b'%PDF-1.4', ['r.pdf'])
    """
    path = Path(target)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ReportError(f"cannot create the output folder {path.parent}: {exc}") from exc
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp_name, 0o666 & ~_umask())  # mkstemp makes 0600; give the usual mode
        os.replace(tmp_name, path)
    except BaseException:
        if os.path.exists(tmp_name):
            os.unlink(tmp_name)
        raise
    return path
