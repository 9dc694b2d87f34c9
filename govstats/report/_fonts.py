"""Locate the bundled CJK fonts and register them with matplotlib and fpdf2.

The fonts come from the ``mplfonts`` distribution (a declared dependency), so a
fresh install renders Chinese text without any system font. Files are found
through the import system, without importing ``mplfonts`` itself (its import
changes matplotlib's global configuration).

Print typography follows Chinese journal practice: body text and tables in a
Song-style serif (Noto Serif CJK SC), headings, captions and figures in a
Hei-style sans (Noto Sans CJK SC). Both are OpenType CJK fonts with their own
proportional Latin glyphs, so English text and numbers do not take the
fixed-width Latin of SimHei. Neither ships a bold weight in ``mplfonts``, so
headings are emboldened by stroking the glyph outlines (see ``pdf.py``).
SimHei (TrueType) stays registered as the glyph fallback.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
from functools import cache
from pathlib import Path
from typing import Any

from govstats.errors import ReportError

FONT_FILE = "SimHei.ttf"
FONT_FAMILY = "SimHei"
#: Font roles in the PDF: file inside ``mplfonts/fonts`` and the family name given to fpdf2.
PDF_FONTS: dict[str, tuple[str, str]] = {
    "serif": ("NotoSerifCJKsc-Regular.otf", "NotoSerifCJKsc"),
    "sans": ("NotoSansCJKsc-Regular.otf", "NotoSansCJKsc"),
}
#: Figures use the sans face for every glyph (one typeface for Latin and CJK).
FIGURE_FONT = "NotoSansCJKsc-Regular.otf"
#: fpdf2 embeds CID-keyed CFF fonts (the Noto CJK ``.otf`` files) correctly from this version.
MIN_FPDF2 = (2, 8, 6)


def _font_file(name: str) -> Path:
    spec = importlib.util.find_spec("mplfonts")
    locations = list(spec.submodule_search_locations or []) if spec else []
    for location in locations:
        candidate = Path(location) / "fonts" / name
        if candidate.is_file():
            return candidate
    raise ReportError(
        f"the font {name} was not found in the 'mplfonts' package; "
        "reinstall govstats with its dependencies (pip install 'mplfonts>=0.0.8')"
    )


@cache
def cjk_font_path() -> Path:
    """Path of the TrueType CJK font shipped by ``mplfonts`` (the glyph fallback).

    Returns
    -------
    pathlib.Path
        The ``SimHei.ttf`` file inside the installed ``mplfonts`` package.

    Raises
    ------
    ReportError
        If ``mplfonts`` is not installed or no longer ships the font.
    """
    return _font_file(FONT_FILE)


@cache
def font_path(role: str) -> Path:
    """Path of the PDF font for ``role`` ("serif" or "sans").

    Examples
    --------
    >>> font_path("serif").name
    'NotoSerifCJKsc-Regular.otf'
    """
    if role not in PDF_FONTS:
        raise ReportError(f"font role {role!r} unknown; use one of {sorted(PDF_FONTS)}")
    return _font_file(PDF_FONTS[role][0])


@cache
def register_matplotlib_font() -> str:
    """Add the TrueType fallback font to matplotlib's font manager; return its family name."""
    from matplotlib import font_manager

    path = cjk_font_path()
    font_manager.fontManager.addfont(str(path))
    return font_manager.FontProperties(fname=str(path)).get_name()


@cache
def figure_font_family() -> list[str]:
    """Register the figure fonts with matplotlib; return the ``font.family`` list to use.

    The sans CJK face comes first, so Latin letters, digits and Chinese share one
    proportional typeface; SimHei is the fallback for any glyph it lacks.
    """
    from matplotlib import font_manager

    path = _font_file(FIGURE_FONT)
    font_manager.fontManager.addfont(str(path))
    primary = font_manager.FontProperties(fname=str(path)).get_name()
    return [primary, register_matplotlib_font()]


def _check_fpdf2() -> None:
    version = importlib.metadata.version("fpdf2")
    parts = tuple(int(p) for p in version.split(".")[:3] if p.isdigit())
    if parts < MIN_FPDF2:
        wanted = ".".join(map(str, MIN_FPDF2))
        raise ReportError(
            f"fpdf2 {version} cannot embed the report's OpenType CJK fonts; "
            f"upgrade it (pip install 'fpdf2>={wanted}')"
        )


def add_pdf_fonts(pdf: Any) -> dict[str, str]:
    """Register the serif and sans fonts (and the fallback) with an ``fpdf.FPDF`` document.

    Returns
    -------
    dict
        Family name to pass to ``set_font`` for each role ("serif", "sans").
    """
    _check_fpdf2()
    families = {}
    for role, (_, family) in PDF_FONTS.items():
        pdf.add_font(family, "", str(font_path(role)))
        families[role] = family
    pdf.add_font(FONT_FAMILY, "", str(cjk_font_path()))
    pdf.set_fallback_fonts([FONT_FAMILY])
    _keep_font_bounds(pdf)
    return families


def _keep_font_bounds(pdf: Any) -> None:
    """Subset once, without recomputing every glyph's bounding box at output.

    fpdf2 subsets each font when the PDF is written and fontTools would recompute
    the bounding box of every kept CFF glyph by executing its charstring (half of the
    output time of the report). The descriptor's FontBBox is taken from the whole
    font when it is added, so the subset keeps the (enclosing) bounds of the full font.
    """
    for font in getattr(pdf, "fonts", {}).values():
        ttfont = getattr(font, "ttfont", None)
        if ttfont is not None:
            ttfont.recalcBBoxes = False


def add_pdf_font(pdf: Any) -> str:
    """Register the fonts with an ``fpdf.FPDF`` document; return the body (serif) family."""
    return add_pdf_fonts(pdf)["serif"]
