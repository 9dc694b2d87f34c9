"""The whole report as a Word document: title page, sections, figures, three-line tables.

Chinese journals take Word. The document declares its fonts for Latin and East Asian
text (``w:eastAsia``), numbers its pages in the footer, puts table captions above and
figure captions (with notes) below, and has fixed dates so identical inputs give
identical bytes.
"""

from __future__ import annotations

import datetime as _dt
import io
from collections.abc import Callable, Sequence
from typing import Any

from govstats.report._labels import label
from govstats.report.pdf import ReportMeta
from govstats.report.results import AnalysisResult, FigureSpec
from govstats.report.tables import add_docx_table, fixed_zip_dates

__all__ = ["EAST_ASIA_FONTS", "render_docx"]

#: Fonts declared for East Asian text: body (serif) and headings (sans), as Chinese
#: journals ask (宋体 / 黑体); Word substitutes an installed CJK font if absent.
EAST_ASIA_FONTS = {"body": "SimSun", "heading": "SimHei"}
LATIN_FONTS = {"body": "Times New Roman", "heading": "Arial"}
FIXED_DATE = _dt.datetime(2000, 1, 1, tzinfo=_dt.UTC)


def _set_fonts(style: Any, latin: str, east_asia: str) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    style.font.name = latin
    rpr = style.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.append(fonts)
    for key in ("w:ascii", "w:hAnsi", "w:cs"):
        fonts.set(qn(key), latin)
    fonts.set(qn("w:eastAsia"), east_asia)


def _page_number(section: Any) -> None:
    """Put a centred PAGE field in the footer."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    paragraph = section.footer.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = paragraph.add_run()
    for kind, text in (("begin", None), (None, "PAGE"), ("end", None)):
        if kind is None:
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = text
        else:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
        run._r.append(element)


def _new_document(lang: str) -> Any:
    import docx
    from docx.shared import Cm, Pt

    document = docx.Document()
    props = document.core_properties
    props.created = props.modified = props.last_printed = FIXED_DATE
    props.author = "govstats"
    props.language = "zh-CN" if lang == "zh" else "en"
    styles = document.styles
    _set_fonts(styles["Normal"], LATIN_FONTS["body"], EAST_ASIA_FONTS["body"])
    styles["Normal"].font.size = Pt(10.5)
    for name in ("Title", "Heading 1", "Heading 2", "Caption"):
        _set_fonts(styles[name], LATIN_FONTS["heading"], EAST_ASIA_FONTS["heading"])
    section = document.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21.0)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(2.2))
    _page_number(section)
    return document


def _figure(document: Any, png: bytes, spec: FigureSpec, caption: str) -> None:
    from docx.shared import Cm, Pt

    document.add_picture(io.BytesIO(png), width=Cm(16.0))
    document.paragraphs[-1].paragraph_format.keep_with_next = True
    head = document.add_paragraph(caption, style="Caption")
    if spec.note:
        head.paragraph_format.keep_with_next = True
        note = document.add_paragraph(spec.note)
        for run in note.runs:
            run.font.size = Pt(8)


def render_docx(
    sections: Sequence[AnalysisResult],
    meta: ReportMeta,
    figure_png: Callable[[Any], bytes],
    *,
    headings: Sequence[str] | None = None,
) -> bytes:
    """Lay out the report as a .docx: the same sections, tables and figures as the PDF.

    Parameters
    ----------
    sections : sequence of AnalysisResult
    meta : ReportMeta
        Title-page facts, methods and limitations.
    figure_png : callable
        Maps a FigureSpec to PNG bytes.
    headings : sequence of str, optional
        Section headings in order (default: each section's title), then the methods
        and limitations headings.

    Returns
    -------
    bytes
        The document (fixed dates: identical inputs give identical bytes).

    Examples
    --------
    >>> from govstats.report.analyses import not_available
    >>> from govstats.report.pdf import ReportMeta
    >>> content = render_docx([not_available("04", "en", "demo")], ReportMeta("en"), bytes)
    >>> content[:2]
    b'PK'
    """
    lang = meta.lang
    document = _new_document(lang)
    document.core_properties.title = meta.title or label("title", lang)
    if meta.authors:
        document.core_properties.author = ", ".join(meta.authors)
    document.add_paragraph(meta.title or label("title", lang), style="Title")
    document.add_paragraph(meta.subtitle or label("subtitle", lang))
    if meta.authors:
        document.add_paragraph("，".join(meta.authors) if lang == "zh" else ", ".join(meta.authors))
    document.add_heading(label("sec_sources", lang), level=2)
    for source in meta.sources:
        document.add_paragraph(source, style="List Bullet")
    document.add_heading(label("sec_design", lang), level=2)
    document.add_paragraph(meta.design)
    document.add_paragraph(f"{label('seed', lang)}: {meta.seed}")
    document.add_heading(label("sec_versions", lang), level=2)
    document.add_paragraph("; ".join(f"{k} {v}" for k, v in meta.versions))
    document.add_heading(label("sec_inputs", lang), level=2)
    for name, digest in meta.inputs:
        document.add_paragraph(f"{name}: {digest}")
    titles = list(headings or meta.headings or [s.title for s in sections])
    table_no = figure_no = 0
    for i, section in enumerate(sections):
        document.add_page_break()
        document.add_heading(titles[i], level=1)
        for text in section.paragraphs:
            document.add_paragraph(text)
        for table in section.tables:
            table_no += 1
            add_docx_table(document, table, f"{label('table', lang)} {table_no}  {table.title}")
        for spec in section.figures:
            figure_no += 1
            caption = f"{label('figure', lang)} {figure_no}  {spec.title}"
            _figure(document, figure_png(spec), spec, caption)
    document.add_page_break()
    more = titles[len(sections) :]
    document.add_heading(more[0] if more else label("sec_methods", lang), level=1)
    for text in meta.methods:
        document.add_paragraph(text)
    document.add_heading(more[1] if len(more) > 1 else label("sec_limits", lang), level=1)
    for text in meta.limitations:
        document.add_paragraph(text, style="List Bullet")
    buffer = io.BytesIO()
    document.save(buffer)
    return fixed_zip_dates(buffer.getvalue())
