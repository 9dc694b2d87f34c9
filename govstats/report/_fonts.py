"""Locate the bundled CJK fonts and register them with matplotlib and Typst.

The fonts come from the ``mplfonts`` distribution (a declared dependency), so a
fresh install renders Chinese text without any system font. Files are found
through the import system, without importing ``mplfonts`` itself (its import
changes matplotlib's global configuration).

Print typography follows Chinese journal practice: body text and tables in a
Song-style serif (Noto Serif CJK SC), headings, captions and figures in a
Hei-style sans (Noto Sans CJK SC). Both are OpenType CJK fonts with their own
proportional Latin glyphs, so English text and numbers do not take the
fixed-width Latin of SimHei. Neither ships a bold weight in ``mplfonts``, so
headings are emboldened by stroking the glyph outlines (see ``report.typ``).
The sans face is the serif's glyph fallback: it holds every character SimHei
has apart from private-use code points, and 1,700 the serif lacks.
"""

from __future__ import annotations

import importlib.util
from functools import cache
from pathlib import Path

from govstats.errors import ReportError

#: Font roles in the PDF: file inside ``mplfonts/fonts`` and the family name Typst reads.
PDF_FONTS: dict[str, tuple[str, str]] = {
    "serif": ("NotoSerifCJKsc-Regular.otf", "Noto Serif CJK SC"),
    "sans": ("NotoSansCJKsc-Regular.otf", "Noto Sans CJK SC"),
}
#: Figures use the sans face for every glyph (one typeface for Latin and CJK).
FIGURE_FONT = "NotoSansCJKsc-Regular.otf"


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
def figure_font_family() -> list[str]:
    """Register the figure font with matplotlib; return the ``font.family`` list to use.

    One family: matplotlib looks every text up in each listed family, and the sans
    CJK face already has the glyphs of Latin letters, digits and Chinese.
    """
    from matplotlib import font_manager

    path = _font_file(FIGURE_FONT)
    font_manager.fontManager.addfont(str(path))
    return [font_manager.FontProperties(fname=str(path)).get_name()]
