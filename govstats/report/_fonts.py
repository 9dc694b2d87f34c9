"""Locate the bundled CJK font and register it with matplotlib and fpdf2.

The font comes from the ``mplfonts`` distribution (a declared dependency), so a
fresh install renders Chinese text without any system font. The file is found
through the import system, without importing ``mplfonts`` itself (its import
changes matplotlib's global configuration).
"""

from __future__ import annotations

import importlib.util
from functools import cache
from pathlib import Path
from typing import Any

from govstats.errors import ReportError

FONT_FILE = "SimHei.ttf"
FONT_FAMILY = "SimHei"


@cache
def cjk_font_path() -> Path:
    """Path of the TrueType CJK font shipped by ``mplfonts``.

    Returns
    -------
    pathlib.Path
        The ``SimHei.ttf`` file inside the installed ``mplfonts`` package.

    Raises
    ------
    ReportError
        If ``mplfonts`` is not installed or no longer ships the font.
    """
    spec = importlib.util.find_spec("mplfonts")
    locations = list(spec.submodule_search_locations or []) if spec else []
    for location in locations:
        candidate = Path(location) / "fonts" / FONT_FILE
        if candidate.is_file():
            return candidate
    raise ReportError(
        f"the CJK font {FONT_FILE} was not found in the 'mplfonts' package; "
        "reinstall govstats with its dependencies (pip install 'mplfonts>=0.0.8')"
    )


@cache
def register_matplotlib_font() -> str:
    """Add the CJK font to matplotlib's font manager and return its family name."""
    from matplotlib import font_manager

    path = cjk_font_path()
    font_manager.fontManager.addfont(str(path))
    return font_manager.FontProperties(fname=str(path)).get_name()


def add_pdf_font(pdf: Any) -> str:
    """Register the CJK font with an ``fpdf.FPDF`` document; return the family to use."""
    pdf.add_font(FONT_FAMILY, "", str(cjk_font_path()))
    return FONT_FAMILY
