"""Assemble the report PDF with fpdf2 (CJK fonts embedded) and write it atomically.

Layout follows journal practice: body and tables in a serif, headings and captions
in an emboldened sans; table captions above, figure captions (and notes) below;
a caption never sits on a different page from its table or figure.
"""

from __future__ import annotations

import datetime as _dt
import io
import os
import re
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from govstats.errors import ReportError
from govstats.report._fonts import add_pdf_fonts
from govstats.report._labels import label
from govstats.report.results import AnalysisResult, FigureSpec
from govstats.report.tables import Table

__all__ = ["ReportMeta", "render_pdf", "write_atomic"]

FIXED_DATE = _dt.datetime(2000, 1, 1, tzinfo=_dt.UTC)
MARGIN = 18.0
BOTTOM = 18.0
BODY_SIZE = 9.5
LINE = 5.0
TABLE_SIZE = 8.5
CAPTION_SIZE = 9.0
NOTE_SIZE = 7.5


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
    title, subtitle : str, optional
        The study's title (default: the package's report title).
    authors : sequence of str
        Printed under the title.
    headings : sequence of str
        Numbered headings of the sections, then of methods and limitations (default:
        each section's own title and the package's headings).
    """

    lang: str
    sources: Sequence[str] = ()
    design: str = ""
    versions: Sequence[tuple[str, str]] = ()
    seed: int | None = None
    inputs: Sequence[tuple[str, str]] = ()
    methods: Sequence[str] = ()
    limitations: Sequence[str] = field(default_factory=tuple)
    title: str | None = None
    subtitle: str | None = None
    authors: Sequence[str] = ()
    headings: Sequence[str] = ()


class _Fonts:
    """Family names of the two PDF typefaces (serif body, sans headings and captions)."""

    def __init__(self, families: dict[str, str]) -> None:
        self.serif = families["serif"]
        self.sans = families["sans"]


def _new_pdf(lang: str) -> tuple[Any, _Fonts]:
    from fpdf import FPDF

    class _Report(FPDF):
        def footer(self) -> None:
            self.set_y(-12)
            self.set_font(fonts.sans, size=8)
            self.set_text_color(90, 90, 90)
            self.cell(0, 6, str(self.page_no()), align="C")
            self.set_text_color(0, 0, 0)

    pdf = _Report(format="A4", unit="mm")
    fonts = _Fonts(add_pdf_fonts(pdf))
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.set_auto_page_break(True, margin=BOTTOM)
    pdf.set_creation_date(FIXED_DATE)
    pdf.set_title(label("title", lang))
    pdf.set_author("govstats")
    pdf.set_lang("zh-CN" if lang == "zh" else "en")
    return pdf, fonts


def _bold_text(pdf: Any, fonts: _Fonts, text: str, size: float, align: str = "L") -> None:
    """Sans text emboldened by stroking its outlines (the bundled fonts have no bold face)."""
    pdf.set_font(fonts.sans, size=size)
    with pdf.local_context(text_mode="FILL_STROKE", line_width=size * 0.012):
        pdf.multi_cell(0, size * 0.5, text, align=align, new_x="LMARGIN", new_y="NEXT")


def _space_left(pdf: Any) -> float:
    return float(pdf.h - BOTTOM - pdf.get_y())


def _heading(pdf: Any, fonts: _Fonts, text: str, size: float = 14.0) -> None:
    # a heading needs room for itself and a few lines of what it introduces
    if _space_left(pdf) < 30:
        pdf.add_page()
    pdf.ln(2)
    _bold_text(pdf, fonts, text, size)
    pdf.ln(1.5)
    pdf.set_font(fonts.serif, size=BODY_SIZE)


_CJK = "\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f"
_TOKENS = re.compile(rf"[{_CJK}]|[^\s{_CJK}]+|\s+")
# kinsoku: closing marks never start a line, opening marks never end one
_NO_START = set("，。、；：？！）》」』】”’%),.;:!?]}")
_NO_END = set("（《「『【“‘([{")


_MINUS = re.compile(r"(?<![\w.)\]])-(?=\d|\.\d)")


def _minus(text: str) -> str:
    """Typeset a negative number's sign as a minus (U+2212), as the figures do.

    Only a hyphen that starts a number is replaced: periods (2020-12), ranges
    (18-39), differences of groups (40-59 - 18-39) and formulas keep their hyphens.

    Examples
    --------
    >>> _minus("-0.254 [-0.287, -0.220]; 2020-12; 40-59 - 18-39; exp(-r (t - t0))")
    '−0.254 [−0.287, −0.220]; 2020-12; 40-59 - 18-39; exp(-r (t - t0))'
    """
    return _MINUS.sub("\u2212", text)


def _units(text: str) -> list[str]:
    """Unbreakable pieces: a Latin word or number, one CJK character, or a space run."""
    units: list[str] = []
    for token in _TOKENS.findall(text):
        glue = units and not token.isspace() and not units[-1].isspace()
        if glue and (token[0] in _NO_START or units[-1][-1] in _NO_END):
            units[-1] += token
        else:
            units.append(token)
    return units


def _break_lines(pdf: Any, text: str) -> str:
    """Break ``text`` into lines that fit the text width with the current font.

    fpdf2 breaks lines only at spaces, so a Chinese sentence (no spaces) moved to
    the next line whole and left ragged gaps. Here a line may break between any two
    CJK characters or at a space, but never inside a Latin word or number and never
    before a closing (or after an opening) punctuation mark.
    """
    width = pdf.epw - 2 * pdf.c_margin - 0.2
    lines: list[str] = []
    for paragraph in _minus(text).split("\n"):
        line, space = "", ""
        for unit in _units(paragraph):
            if unit.isspace():
                space = unit if line else ""
                continue
            candidate = line + space + unit
            if not line or pdf.get_string_width(candidate) <= width:
                line = candidate
            else:
                lines.append(line)
                line = unit
            space = ""
        lines.append(line)
    return "\n".join(lines)


def _text_height(pdf: Any, family: str, text: str, size: float) -> float:
    pdf.set_font(family, size=size)
    line = LINE * size / BODY_SIZE
    broken = _break_lines(pdf, text)
    height = pdf.multi_cell(0, line, broken, align="L", dry_run=True, output="HEIGHT")
    return float(height)


def _paragraph(
    pdf: Any, family: str, text: str, size: float = BODY_SIZE, after: float = 1.2
) -> None:
    pdf.set_font(family, size=size)
    pdf.multi_cell(
        0,
        LINE * size / BODY_SIZE,
        _break_lines(pdf, text),
        align="L",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.ln(after)


_NUMERIC = re.compile(r"^[\s\d.,%()\[\]*+\-−—x]*$")


def _numeric_column(cells: Sequence[str]) -> bool:
    """Tell whether a column holds numbers (estimates, SEs, intervals, counts, marks)."""
    return all(_NUMERIC.match(c) for c in cells) and any(
        any(ch.isdigit() for ch in c) for c in cells
    )


def _table_widths(
    pdf: Any, family: str, header: list[str], rows: list[list[str]]
) -> tuple[list[float], float]:
    """Column widths that fill the text width, and the font size that makes the table fit."""
    width = pdf.w - 2 * MARGIN
    size = TABLE_SIZE
    while True:
        pdf.set_font(family, size=size)
        natural = [
            max(pdf.get_string_width(cell) for cell in [header[j], *(r[j] for r in rows)]) + 3.0
            for j in range(len(header))
        ]
        if sum(natural) <= width or size <= 5.5:
            break
        size -= 0.5
    scale = min(1.0, width / sum(natural))
    extra = (width - sum(natural) * scale) / len(natural)
    return [w * scale + extra for w in natural], size


def _table(pdf: Any, fonts: _Fonts, table: Table, number: str) -> None:
    """Three-line table: thick top rule, thin rule under the header, thick bottom rule.

    The caption, the header and the first rows stay together; a table that fits on one
    page is never split, and its note stays under it.
    """
    header = [str(c) for c in table.display.columns]
    rows = [[_minus(str(v)) for v in r] for r in table.display.itertuples(index=False)]
    widths, size = _table_widths(pdf, fonts.serif, header, rows)
    numeric = [_numeric_column([r[j] for r in rows]) if rows else False for j in range(len(header))]
    align = ["L" if j == 0 or not numeric[j] else "R" for j in range(len(header))]
    row_h = size * 0.5 + 1.2
    caption = f"{label('table', pdf_lang(pdf))} {number}  {table.title}"
    caption_h = _text_height(pdf, fonts.sans, caption, CAPTION_SIZE) + 1.0
    note_h = _text_height(pdf, fonts.serif, table.note, NOTE_SIZE) + 3.0 if table.note else 3.0
    whole = caption_h + (len(rows) + 1) * row_h + 2.0 + note_h
    first_rows = caption_h + (min(len(rows), 3) + 1) * row_h + 2.0
    usable = pdf.h - BOTTOM - MARGIN
    if whole > _space_left(pdf) and (whole <= usable or first_rows > _space_left(pdf)):
        pdf.add_page()
    _paragraph(pdf, fonts.sans, caption, size=CAPTION_SIZE, after=1.0)
    total = sum(widths)

    def rule(thick: float) -> None:
        pdf.set_line_width(thick)
        pdf.line(MARGIN, pdf.get_y(), MARGIN + total, pdf.get_y())

    def header_row() -> None:
        rule(0.5)
        pdf.set_font(fonts.serif, size=size)
        for j, cell in enumerate(header):
            pdf.cell(widths[j], row_h + 1, cell, align=align[j])
        pdf.ln(row_h + 1)
        rule(0.25)

    header_row()
    for i, row in enumerate(rows):
        # the last row keeps the bottom rule and the note company on its page
        tail = note_h if i == len(rows) - 1 else 0.0
        if row_h + tail > _space_left(pdf):
            rule(0.5)
            pdf.add_page()
            header_row()
        for j, cell in enumerate(row):
            pdf.cell(widths[j], row_h, cell, align=align[j])
        pdf.ln(row_h)
    rule(0.5)
    pdf.ln(1.0)
    if table.note:
        _paragraph(pdf, fonts.serif, table.note, size=NOTE_SIZE)
    pdf.ln(2)


def pdf_lang(pdf: Any) -> str:
    """Language recorded on the document ("zh" or "en")."""
    return "zh" if str(getattr(pdf, "lang", "zh")).startswith("zh") else "en"


def _figure(pdf: Any, fonts: _Fonts, png: bytes, spec: FigureSpec, number: str) -> None:
    """Place the figure with its caption (and note) below; the three never part across pages."""
    from PIL import Image

    with Image.open(io.BytesIO(png)) as image:
        px_w, px_h = image.size
    width = pdf.w - 2 * MARGIN
    height = width * px_h / px_w
    caption = f"{label('figure', pdf_lang(pdf))} {number}  {spec.title}"
    below = 1.0 + _text_height(pdf, fonts.sans, caption, CAPTION_SIZE)
    if spec.note:
        below += _text_height(pdf, fonts.serif, spec.note, NOTE_SIZE)
    if height + below + 2.0 > _space_left(pdf):
        pdf.add_page()
    pdf.image(io.BytesIO(png), x=MARGIN, w=width, h=height)
    pdf.set_y(pdf.get_y() + 1)
    _paragraph(pdf, fonts.sans, caption, size=CAPTION_SIZE, after=0.5)
    if spec.note:
        _paragraph(pdf, fonts.serif, spec.note, size=NOTE_SIZE)
    pdf.ln(3)


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
    pdf, fonts = _new_pdf(lang)
    if meta.title:
        pdf.set_title(meta.title)
    if meta.authors:
        pdf.set_author(", ".join(meta.authors))
    pdf.add_page()
    pdf.ln(30)
    _bold_text(pdf, fonts, meta.title or label("title", lang), 20, align="C")
    pdf.ln(3)
    pdf.set_font(fonts.sans, size=11)
    subtitle = meta.subtitle or label("subtitle", lang)
    pdf.multi_cell(0, 7, subtitle, align="C", new_x="LMARGIN", new_y="NEXT")
    if meta.authors:
        names = ("，" if lang == "zh" else ", ").join(meta.authors)
        pdf.multi_cell(0, 7, names, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(12)
    _heading(pdf, fonts, label("sec_sources", lang), 11)
    for source in meta.sources:
        _paragraph(pdf, fonts.serif, "· " + source, size=8.5)
    _heading(pdf, fonts, label("sec_design", lang), 11)
    _paragraph(pdf, fonts.serif, meta.design, size=8.5)
    _paragraph(pdf, fonts.serif, f"{label('seed', lang)}: {meta.seed}", size=8.5)
    _heading(pdf, fonts, label("sec_versions", lang), 11)
    _paragraph(pdf, fonts.serif, "; ".join(f"{k} {v}" for k, v in meta.versions), size=8.0)
    _heading(pdf, fonts, label("sec_inputs", lang), 11)
    for name, digest in meta.inputs:
        _paragraph(pdf, fonts.serif, f"{name}: {digest}", size=7.0)

    titles = list(meta.headings) or [s.title for s in sections]
    table_no = figure_no = 0
    for i, section in enumerate(sections):
        pdf.add_page()
        _heading(pdf, fonts, titles[i])
        for text in section.paragraphs:
            _paragraph(pdf, fonts.serif, text)
        pdf.ln(1.5)
        for table in section.tables:
            table_no += 1
            _table(pdf, fonts, table, str(table_no))
        for spec in section.figures:
            figure_no += 1
            _figure(pdf, fonts, figure_png(spec), spec, str(figure_no))
            if progress is not None:
                progress(spec.name)
    pdf.add_page()
    closing = titles[len(sections) :]
    _heading(pdf, fonts, closing[0] if closing else label("sec_methods", lang))
    for text in meta.methods:
        _paragraph(pdf, fonts.serif, text)
    _heading(pdf, fonts, closing[1] if len(closing) > 1 else label("sec_limits", lang))
    for text in meta.limitations:
        _paragraph(pdf, fonts.serif, "· " + text)
    try:
        return bytes(pdf.output()), int(pdf.pages_count)
    finally:
        close_fonts(pdf)


def close_fonts(pdf: Any) -> None:
    """Close the font files of ``pdf`` (fpdf2 closes only the fonts a document used)."""
    for font in pdf.fonts.values():
        close = getattr(font, "close", None)
        if close is not None:
            close()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_atomic(
    content: bytes, target: str | Path, *, ready: Callable[[], None] | None = None
) -> Path:
    """Write ``content`` to a temporary file beside ``target``, then move it into place.

    A failure at any point leaves no partial file at ``target`` (and removes the
    temporary file). ``ready`` is called just before the move; if it raises (an
    interrupt that arrived meanwhile), ``target`` keeps its previous content.

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
        if ready is not None:
            ready()
        os.replace(tmp_name, path)
    except BaseException:
        if os.path.exists(tmp_name):
            os.unlink(tmp_name)
        raise
    return path
