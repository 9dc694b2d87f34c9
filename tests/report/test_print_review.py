"""What a reviewer checks on the printed report: fonts, language, captions, overlaps.

Both language versions are laid out once (reduced replicate count) and inspected page
by page: the fonts embedded, the text a reader copies, and where captions, images and
table rows fall.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pypdf
import pypdfium2 as pdfium
import pytest
from fontTools.ttLib import TTFont

from govstats.report import render_pdf, run_analyses
from govstats.report._fonts import PDF_FONTS, font_path
from govstats.report._labels import label
from govstats.report.build import _meta
from govstats.report.figures import MAX_SKIP_K, figure_svg, render, save_figure
from govstats.report.inputs import load_survey
from govstats.report.pdf import ReportMeta
from govstats.report.results import AnalysisResult

REPLICATES = 20  # reduced replicate count keeps the default run fast
SEED = 11
CJK = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f]+")
#: Chinese allowed in the English report: proper names only (none in the embedded data).
PROPER_NAMES: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Printed:
    sections: list[AnalysisResult]
    content: bytes
    pages: list[str]  # text of every page as a reader copies it
    figures: list[int]  # figures on every page (tagged structure elements)


def _flat(text: str) -> str:
    """Collapse white space; drop it next to a CJK character.

    A line break between two CJK characters is no space, and the PDF puts a quarter-em
    space between CJK and Latin text (CLREQ) that a reader copies as a space. The PDF
    sets a negative number's sign as U+2212, the display frames as "-".
    """
    text = " ".join(text.replace("\u2212", "-").split())
    cjk = CJK.pattern[1:-2]
    return re.sub(rf"(?<=[{cjk}]) | (?=[{cjk}])", "", text)


@pytest.fixture(scope="module")
def printed() -> dict[str, Printed]:
    survey = load_survey(seed=SEED)
    out = {}
    for lang in ("zh", "en"):
        sections = run_analyses(survey, lang=lang, replicates=REPLICATES, seed=SEED)
        meta = _meta(sections, survey, lang, SEED, REPLICATES, 10)
        content, n_pages = render_pdf(sections, meta, figure_svg)
        document = pdfium.PdfDocument(content)
        pages = [document[i].get_textpage().get_text_range() for i in range(n_pages)]
        out[lang] = Printed(sections, content, pages, _figures_per_page(content))
    return out


def _figures_per_page(content: bytes) -> list[int]:
    """Count the Figure elements of the tagged PDF's structure tree on every page."""
    reader = pypdf.PdfReader(io.BytesIO(content))
    number = {page.indirect_reference.idnum: i for i, page in enumerate(reader.pages)}
    counts = [0] * len(reader.pages)

    def walk(node: Any, page: int | None) -> None:
        node = node.get_object()
        if isinstance(node, list):
            for child in node:
                walk(child, page)
            return
        if not isinstance(node, dict):
            return
        if "/Pg" in node:
            page = number[node.raw_get("/Pg").idnum]
        if node.get("/S") == "/Figure":
            assert page is not None and node.get("/Alt")  # placed, and described for readers
            counts[page] += 1
        if "/K" in node:
            walk(node["/K"], page)

    walk(reader.trailer["/Root"]["/StructTreeRoot"], None)
    return counts


def _font_names(content: bytes) -> set[str]:
    names = set()
    for page in pypdf.PdfReader(io.BytesIO(content)).pages:
        for font in page["/Resources"]["/Font"].values():
            name = str(font.get_object()["/BaseFont"]).split("+")[-1]
            names.add(name.removesuffix("-Identity-H"))
    return names


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_pdf_embeds_only_the_proportional_noto_fonts(printed, lang) -> None:
    # a glyph neither face has would fall back to another font, and show up here
    assert _font_names(printed[lang].content) == {
        "NotoSerifCJKsc-Regular",
        "NotoSansCJKsc-Regular",
    }


@pytest.mark.parametrize("role", sorted(PDF_FONTS))
def test_pdf_fonts_have_proportional_latin_and_tabular_digits(role) -> None:
    with TTFont(str(font_path(role)), lazy=True) as font:
        cmap = font.getBestCmap()
        advance = {ch: int(font["hmtx"][cmap[ord(ch)]][0]) for ch in "0123456789im"}

    def width(ch: str) -> int:
        return advance[ch]

    assert width("i") < 0.5 * width("m")  # not a monospace look
    assert len({width(d) for d in "0123456789"}) == 1  # numbers align in table columns
    assert all(ord(ch) in cmap for ch in "城乡数字鸿沟—·→\u2212")


def _strings(section: AnalysisResult) -> list[str]:
    texts = [section.title, *section.paragraphs, *section.methods, *section.limitations]
    for table in section.tables:
        texts += [table.title, table.note, *map(str, table.display.columns)]
        texts += [str(v) for v in table.display.to_numpy().ravel()]
    for spec in section.figures:
        texts += [spec.title, spec.note, *map(str, spec.options.get("labels", {}).values())]
        for column in spec.data.columns:
            if not pd.api.types.is_numeric_dtype(spec.data[column]):
                texts += [str(v) for v in spec.data[column]]
    return texts


def test_english_report_has_no_chinese_outside_proper_names(printed) -> None:
    en = printed["en"]
    found = set(CJK.findall("\n".join(en.pages)))
    assert found <= PROPER_NAMES
    # the figures are images: check what they are drawn from
    for section in en.sections:
        assert [t for t in _strings(section) if CJK.search(t)] == []


def test_chinese_report_has_no_english_sentences(printed) -> None:
    text = _flat("\n".join(printed["zh"].pages))
    # simulator notes and inference labels are rendered in Chinese
    for english in ("Synthetic urban share", "Internet use follows", "is synthetic", "replicate ("):
        assert english not in text
    assert "合成城镇化率" in text and "设计重复权重" in text
    assert "age_group" not in text and f"按{label('age_group', 'zh')}" in text


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_figure_caption_sits_on_the_page_of_its_figure(printed, lang) -> None:
    report = printed[lang]
    pages = [_flat(p) for p in report.pages]
    specs = [spec for section in report.sections for spec in section.figures]
    captions_on: list[int] = []
    for number, spec in enumerate(specs, start=1):
        caption = _flat(f"{label('figure', lang)} {number} {spec.title}")
        hits = [i for i, page in enumerate(pages) if caption in page]
        assert len(hits) == 1, caption
        assert _flat(spec.note)[:40] in pages[hits[0]]
        captions_on.append(hits[0])
    # a page holds exactly as many figures as figure captions
    assert [captions_on.count(i) for i in range(len(pages))] == report.figures


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_table_captions_stay_with_header_and_first_row(printed, lang) -> None:
    report = printed[lang]
    pages = [_flat(p) for p in report.pages]
    tables = [table for section in report.sections for table in section.tables]
    for number, table in enumerate(tables, start=1):
        caption = _flat(f"{label('table', lang)} {number} {table.title}")
        hits = [i for i, page in enumerate(pages) if caption in page]
        assert len(hits) == 1, caption
        after = pages[hits[0]].split(caption, 1)[1]
        header = _flat(" ".join(map(str, table.display.columns)))
        first_row = _flat(" ".join(map(str, table.display.iloc[0])))
        assert after.lstrip().startswith(header), caption
        assert first_row in after, caption


def test_figures_in_the_pdf_have_no_title_but_saved_files_do(printed, tmp_path) -> None:
    spec = printed["en"].sections[0].figures[0]
    assert render(spec).get_suptitle() == ""
    assert render(spec, title=True).get_suptitle() == spec.title
    assert [p.suffix for p in save_figure(spec, tmp_path)] == [".png", ".svg"]


def _extents(fig: Any) -> tuple[Any, list[Any]]:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    return renderer, [ax for ax in fig.axes]


def test_path_diagram_labels_do_not_overlap(printed) -> None:
    for lang in ("zh", "en"):
        (spec,) = [s for s in printed[lang].sections[3].figures if s.kind == "path_diagram"]
        fig = render(spec)
        renderer, (ax,) = _extents(fig)
        boxes = [t.get_window_extent(renderer) for t in ax.texts]
        assert len(boxes) == len(spec.data) + len(spec.options["nodes"])
        for i, a in enumerate(boxes):
            for b in boxes[i + 1 :]:
                assert not a.overlaps(b), (lang, a, b)


@pytest.mark.parametrize(
    "name", ["access_gap", "internet_vs_cnnic", "chain_cascade", "chain_groups"]
)
def test_legends_cover_no_data_point(printed, name) -> None:
    specs = {s.name: s for section in printed["en"].sections for s in section.figures}
    fig = render(specs[name])
    renderer, axes = _extents(fig)
    checked = 0
    for ax in axes:
        legend = ax.get_legend()
        if legend is None:
            continue
        box = legend.get_window_extent(renderer)
        for line in ax.lines:
            xy = np.asarray(line.get_xydata(), dtype=float)
            xy = xy[np.isfinite(xy).all(axis=1)]
            points = ax.transData.transform(xy)
            inside = (
                (points[:, 0] > box.x0)
                & (points[:, 0] < box.x1)
                & (points[:, 1] > box.y0)
                & (points[:, 1] < box.y1)
            )
            if line.get_marker() not in (None, "None", ""):
                assert not inside.any(), (name, line.get_label())
            checked += 1
    assert checked > 0


def _printed_lines(text: str, lang: str) -> list[str]:
    """Lines of ``text`` as laid out in a report's methods section."""
    content, pages = render_pdf([], ReportMeta(lang=lang, methods=[text], seed=1), figure_svg)
    page = pdfium.PdfDocument(content)[pages - 1].get_textpage().get_text_range()
    lines = page.replace("\r\n", "\n").split("\n")
    return lines[1:-2]  # without the headings and the page number


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_line_breaks_respect_words_and_punctuation(lang) -> None:
    text = (
        "本报告的调查部分基于模拟数据（simulate_survey），其抽样框来自人口普查、互联网使用率来自 "
        "CNNIC，链条参数为已知的设定值；间接效应合计 -0.254 [-0.287, -0.220]，占总效应的 44.1%。"
    ) * 3 + " Rural residents report 0.911 lower service supply than urban residents."
    lines = [line.replace("\u2212", "-").strip() for line in _printed_lines(text, lang)]
    assert len(lines) > 3
    words = set(re.findall(r"[A-Za-z0-9_.%\-\[\],]+", text))
    for line in lines:
        assert line[0] not in "，。、；：）%" and line[-1] not in "（["
        for token in re.findall(r"[A-Za-z0-9_.%\-\[\],]+", line):
            assert token in words  # no Latin word or number split across lines
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")


def test_explicit_newlines_start_new_lines() -> None:
    assert _printed_lines("first line\nsecond line", "en") == ["first line", "second line"]


@pytest.mark.parametrize("role", sorted(PDF_FONTS))
def test_every_label_note_and_translation_has_glyphs_in_the_pdf_fonts(role) -> None:
    from govstats.report import _labels
    from govstats.report.tables import MISSING_MARK, SIGNIFICANCE_NOTE, SUPPRESSION_NOTE

    texts = [t for pair in _labels._LABELS.values() for t in pair]
    texts += [MISSING_MARK, *SIGNIFICANCE_NOTE.values(), *SUPPRESSION_NOTE.values()]
    texts += [template for _, template in _labels._NOTE_PATTERNS]
    with TTFont(str(font_path(role)), lazy=True) as font:
        cmap = font.getBestCmap()
        missing = sorted({ch for text in texts for ch in text if ord(ch) not in cmap} - {"\n"})
    assert missing == []


@pytest.mark.parametrize("k", [1, 2, 3, 4, 6])
def test_path_diagram_of_any_chain_length_has_no_overlapping_labels(k) -> None:
    from govstats.report.results import FigureSpec

    nodes = ["x", *[f"m{j}" for j in range(1, k + 1)], "y"]
    rows = [
        (source, target, -0.123 * (i + 1), "**")
        for i, target in enumerate(nodes[1:])
        for source in nodes[: nodes.index(target)]
    ]
    data = pd.DataFrame(rows, columns=["source", "target", "estimate", "mark"])
    names = {n: f"Construct {n}" for n in nodes}
    spec = FigureSpec("p", "path_diagram", data, "t", "en", {"nodes": nodes, "labels": names})
    renderer, (ax,) = _extents(render(spec))
    boxes = [t.get_window_extent(renderer) for t in ax.texts]
    drawn = len(rows) if k <= MAX_SKIP_K else k + 2  # long chains: the chain and x -> y only
    assert len(boxes) == drawn + len(nodes)
    frame = ax.get_window_extent(renderer)
    for i, a in enumerate(boxes):
        assert frame.x0 <= a.x0 and a.x1 <= frame.x1 and frame.y0 <= a.y0 and a.y1 <= frame.y1
        for b in boxes[i + 1 :]:
            assert not a.overlaps(b), (a, b)
    # names fit inside their boxes; coefficients sit on no box
    node_boxes = [
        p.get_window_extent(renderer) for p in ax.patches if type(p).__name__ == ("FancyBboxPatch")
    ]
    assert len(node_boxes) == len(nodes)
    names_at = boxes[: len(nodes)]
    for name, node in zip(names_at, node_boxes, strict=True):
        assert node.x0 < name.x0 and name.x1 < node.x1
    for label_box in boxes[len(nodes) :]:
        assert not any(label_box.overlaps(node) for node in node_boxes), label_box


def test_text_that_looks_like_markup_is_printed_as_it_is() -> None:
    text = "#set page(width: 1cm) $x^2$ *not bold* _not italic_ `code` <label> @ref \\ 50% ~ [a]"
    assert _printed_lines(text, "en") == [text]


def test_a_long_table_repeats_its_header_and_keeps_its_caption_on_the_first_page() -> None:
    from govstats.report.results import AnalysisResult
    from govstats.report.tables import Table

    rows = pd.DataFrame({"Variable": [f"var {i}" for i in range(120)], "Estimate": ["0.100"] * 120})
    table = Table("long", "A long table", rows, rows, note="The note.")
    section = AnalysisResult("x", "x", "Section", tables=(table,), paragraphs=("Text. " * 300,))
    content, n_pages = render_pdf([section], ReportMeta(lang="en", seed=1), figure_svg)
    document = pdfium.PdfDocument(content)
    pages = [_flat(document[i].get_textpage().get_text_range()) for i in range(n_pages)]
    holding = [i for i, page in enumerate(pages) if "var " in page]
    assert len(holding) >= 3  # the table spans pages
    first = pages[holding[0]]
    assert first.split("Table 1 A long table", 1)[1].lstrip().startswith("Variable Estimate var 0")
    for i in holding[1:]:
        assert pages[i].startswith("Variable Estimate var ")  # the header, again
    assert "The note." in pages[holding[-1]] and "var 119" in pages[holding[-1]]
