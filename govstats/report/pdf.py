"""Assemble the report PDF with Typst (CJK fonts embedded) and write it atomically.

The layout lives in the template ``report.typ`` beside this module; this module only
turns the analysis results into the JSON document the template reads, so no text of a
study is ever parsed as markup. Typst breaks lines between any two CJK characters but
never before a closing mark (or after an opening one), never inside a Latin word or
number, keeps captions with their tables and figures, and subsets the fonts — in a
fraction of a second. Figures are embedded as vector graphics (SVG).
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import re
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from govstats.errors import ReportError
from govstats.report._fonts import PDF_FONTS, font_path
from govstats.report._labels import label
from govstats.report.results import AnalysisResult, FigureSpec
from govstats.report.tables import Table

__all__ = ["ReportMeta", "render_pdf", "write_atomic"]

FIXED_DATE = _dt.datetime(2000, 1, 1, tzinfo=_dt.UTC)


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


_NUMERIC = re.compile(r"^[\s\d.,%()\[\]*+\-−—x]*$")


def _numeric_column(cells: Sequence[str]) -> bool:
    """Tell whether a column holds numbers (estimates, SEs, intervals, counts, marks)."""
    return all(_NUMERIC.match(c) for c in cells) and any(
        any(ch.isdigit() for ch in c) for c in cells
    )


def _table(table: Table, number: int, lang: str) -> dict[str, Any]:
    header = [str(c) for c in table.display.columns]
    rows = [[_minus(str(v)) for v in r] for r in table.display.itertuples(index=False)]
    numeric = [bool(rows) and _numeric_column([r[j] for r in rows]) for j in range(len(header))]
    return {
        "caption": _minus(f"{label('table', lang)} {number}  {table.title}"),
        "header": header,
        "rows": rows,
        "align": ["right" if j and numeric[j] else "left" for j in range(len(header))],
        "note": _minus(table.note),
    }


#: Raster images the PDF takes beside SVG, by their first bytes.
_RASTER = {b"\x89PNG\r\n\x1a\n": "png", b"\xff\xd8\xff": "jpg"}


def _figure(
    image: bytes, spec: FigureSpec, number: int, lang: str, files: dict[str, bytes]
) -> dict[str, Any]:
    """Caption, note and image of a figure; a raster image goes to ``files`` by name."""
    entry = {
        "caption": _minus(f"{label('figure', lang)} {number}  {spec.title}"),
        "note": _minus(spec.note),
        "alt": spec.title,
    }
    raster = next((fmt for magic, fmt in _RASTER.items() if image.startswith(magic)), None)
    if raster is not None:
        name = f"figure-{number}.{raster}"
        files[name] = image
        return {**entry, "file": f"/{name}"}
    if not image.lstrip()[:200].lstrip(b"\xef\xbb\xbf").startswith((b"<?xml", b"<svg")):
        raise ReportError(
            f"the figure {spec.name!r} is neither SVG nor PNG/JPEG; pass "
            "govstats.report.figures.figure_svg as the figure function"
        )
    return {**entry, "image": image.decode("utf-8")}


def _document(
    sections: Sequence[AnalysisResult],
    meta: ReportMeta,
    figure_image: Callable[[Any], bytes],
    progress: Callable[[str], None] | None,
    files: dict[str, bytes],
) -> dict[str, Any]:
    """Build the JSON document ``report.typ`` lays out, every string in print form."""
    lang = meta.lang

    def part(key: str, size: float, lines: Sequence[str]) -> dict[str, Any]:
        return {"heading": label(key, lang), "size": size, "lines": [_minus(t) for t in lines]}

    front = [
        part("sec_sources", 8.5, [f"· {s}" for s in meta.sources]),
        part("sec_design", 8.5, [meta.design, f"{label('seed', lang)}: {meta.seed}"]),
        part("sec_versions", 8.0, ["; ".join(f"{k} {v}" for k, v in meta.versions)]),
        part("sec_inputs", 7.0, [f"{name}: {digest}" for name, digest in meta.inputs]),
    ]
    titles = list(meta.headings) or [s.title for s in sections]
    table_no = figure_no = 0
    body = []
    for i, section in enumerate(sections):
        tables = []
        for table in section.tables:
            table_no += 1
            tables.append(_table(table, table_no, lang))
        figures = []
        for spec in section.figures:
            figure_no += 1
            figures.append(_figure(figure_image(spec), spec, figure_no, lang, files))
            if progress is not None:
                progress(spec.name)
        body.append(
            {
                "heading": titles[i],
                "paragraphs": [_minus(p) for p in section.paragraphs],
                "tables": tables,
                "figures": figures,
            }
        )
    closing = titles[len(sections) :]
    ends = [
        (closing[0] if closing else label("sec_methods", lang), list(meta.methods)),
        (
            closing[1] if len(closing) > 1 else label("sec_limits", lang),
            [f"· {t}" for t in meta.limitations],
        ),
    ]
    return {
        "lang": lang,
        "title": meta.title or label("title", lang),
        "subtitle": meta.subtitle or label("subtitle", lang),
        "authors": list(meta.authors) or ["govstats"],
        "author_line": ("，" if lang == "zh" else ", ").join(meta.authors),
        "front": front,
        "sections": body,
        "closing": [{"heading": h, "paragraphs": [_minus(p) for p in texts]} for h, texts in ends],
    }


@cache
def _fonts() -> Any:
    """Return the fonts of ``mplfonts`` for Typst (it reads folders; a font loads when used)."""
    import typst

    folders = sorted({str(font_path(role).parent) for role in PDF_FONTS})
    return typst.Fonts(include_system_fonts=False, include_embedded_fonts=True, font_paths=folders)


def _template() -> bytes:
    return resources.files("govstats.report").joinpath("report.typ").read_bytes()


def render_pdf(
    sections: Sequence[AnalysisResult],
    meta: ReportMeta,
    figure_image: Callable[[Any], bytes],
    progress: Callable[[str], None] | None = None,
) -> tuple[bytes, int]:
    """Lay out the title page, the analysis sections, methods and limitations; return bytes.

    Parameters
    ----------
    sections : sequence of AnalysisResult
        In print order; unavailable sections print their reason and no numbers.
    meta : ReportMeta
    figure_image : callable
        Maps a :class:`~govstats.report.results.FigureSpec` to SVG bytes
        (:func:`govstats.report.figures.figure_svg`: vector figures) or PNG bytes
        (:func:`govstats.report.figures.figure_png`).
    progress : callable, optional
        Called with a short description after each figure is drawn.

    Returns
    -------
    bytes
        The PDF document (fixed creation date, so identical inputs give identical bytes).
    int
        Number of pages.

    Examples
    --------
    >>> from govstats.report.figures import figure_svg
    >>> meta = ReportMeta(lang="en", sources=["CNNIC"], design="none", seed=1)
    >>> content, pages = render_pdf([], meta, figure_svg)
    >>> content[:5], pages
    (b'%PDF-', 2)
    """
    import typst

    files: dict[str, bytes] = {}
    document = _document(sections, meta, figure_image, progress, files)
    with tempfile.TemporaryDirectory(prefix="govstats-") as root:
        for name, data in files.items():  # raster figures are read from files
            Path(root, name).write_bytes(data)
        try:
            content, _ = typst.compile_with_warnings(
                _template(),
                format="pdf",
                root=root,
                font_paths=_fonts(),
                ignore_system_fonts=True,
                sys_inputs={"report": json.dumps(document, ensure_ascii=False)},
                timestamp=FIXED_DATE,
            )
        except typst.TypstError as exc:
            raise ReportError(f"the PDF could not be laid out: {exc.message}") from exc
    if not isinstance(content, bytes):
        raise ReportError("the PDF could not be laid out: Typst returned no document")
    return content, _page_count(content)


_PAGE = re.compile(rb"/Type\s*/Page(?![a-zA-Z])")


def _page_count(content: bytes) -> int:
    """Pages of a PDF Typst wrote (its page objects are never compressed)."""
    return len(_PAGE.findall(content))


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
