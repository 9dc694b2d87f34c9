"""The report end to end: the PDF holds the title, every heading and the CSVs' key numbers."""

from __future__ import annotations

import io
import os
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pypdf
import pypdfium2 as pdfium
import pytest

from govstats.report import build_report, fmt_number, run_analysis
from govstats.report._labels import label
from govstats.report.build import numbered_headings
from govstats.report.figures import FIGURE_SIZES, figure_svg

REPLICATES = 20  # reduced replicate count keeps the default run fast
SEED = 11
HEADINGS = ("sec_access", "sec_census", "sec_survey", "sec_chain", "sec_methods", "sec_limits")


def pdf_text(source: Path | bytes) -> str:
    """Text of every page, as a reader copying from the PDF gets it.

    pdfium reads the CID-keyed CFF fonts' encoding CMap; pypdf looks their widths up by
    character code and so splits every word into letters.
    """
    document = pdfium.PdfDocument(source if isinstance(source, bytes) else str(source))
    return "\n".join(document[i].get_textpage().get_text_range() for i in range(len(document)))


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, Path]:
    root = tmp_path_factory.mktemp("report")
    outcome = build_report(
        root / "out" / "govstats-report.pdf", replicates=REPLICATES, seed=SEED, progress=False
    )
    assert outcome.unavailable == ()
    text = pdf_text(outcome.path)
    for key in ("01", "02", "03", "04"):
        run_analysis(key, root / key, replicates=REPLICATES, seed=SEED)
    return outcome.path, text, root


def _flat(text: str) -> str:
    # the PDF sets a negative number's sign as U+2212; the CSVs and fmt_number use "-"
    return " ".join(text.replace("\u2212", "-").split())


def test_pdf_has_chinese_title_and_every_heading(built) -> None:
    _, text, _ = built
    assert label("title", "zh") in text
    titles = [label(key, "zh") for key in HEADINGS[:4]] + [
        label("sec_robustness", "zh"),
        label("sec_measurement", "zh"),
    ]
    for heading in numbered_headings(titles, "zh"):
        assert heading in text


def test_pdf_title_page_lists_seed_versions_and_hashes(built) -> None:
    _, text, _ = built
    flat = _flat(text)
    assert f"随机种子: {SEED}" in flat
    assert "numpy" in flat and "typst" in flat
    assert "cnnic_penetration.csv:" in flat
    assert "模拟数据" in flat  # limitations note for the simulated survey


def test_pdf_numbers_come_from_the_analysis_csvs(built) -> None:
    _, text, root = built
    flat = _flat(text)
    gap = pd.read_csv(root / "01" / "access_gap.csv")
    last = gap.iloc[-1]
    assert fmt_number(last["gap_points"], 1) in flat and fmt_number(last["ratio"], 2) in flat
    lag = pd.read_csv(root / "01" / "diffusion_lag.csv").set_index("term")
    assert fmt_number(lag.loc["lag_years", "estimate"], 3) in flat
    census = pd.read_csv(root / "02" / "census_context.csv", dtype={"province_code": str})
    biggest = census.sort_values("population_10k").iloc[-1]
    assert fmt_number(biggest["population_10k"], 1) in flat
    desc = pd.read_csv(root / "03" / "survey_description.csv")
    internet = desc[(desc["variable"] == "internet") & (desc["group"] == "rural")].iloc[0]
    assert fmt_number(internet["estimate"], 3) in flat
    effects = pd.read_csv(root / "04" / "chain_effects.csv").set_index("effect")
    for name in ("indirect_total", "direct", "total"):
        row = effects.loc[name]
        assert fmt_number(row["estimate"], 3) in flat
        assert f"({fmt_number(row['se'], 3)})" in flat
    share = effects.loc["proportion_mediated", "estimate"]
    assert f"{fmt_number(100 * share, 1)}%" in flat


def test_chain_csv_identities(built) -> None:
    _, _, root = built
    effects = pd.read_csv(root / "04" / "chain_effects.csv").set_index("effect")
    specific = [e for e in effects.index if e.count("->") >= 2]
    assert len(specific) == 7  # 2^3 - 1 specific indirect effects
    np.testing.assert_allclose(
        effects.loc[specific, "estimate"].sum(), effects.loc["indirect_total", "estimate"]
    )
    np.testing.assert_allclose(
        effects.loc["direct", "estimate"] + effects.loc["indirect_total", "estimate"],
        effects.loc["total", "estimate"],
    )


def test_pdf_contains_no_microdata(built) -> None:
    path, text, _ = built
    from govstats.datasets import simulate_survey

    data = simulate_survey(seed=SEED).data
    ids = data["person_id"].astype(str)
    # a person id of six or more digits would be unmistakable in the text
    long_ids = [i for i in ids if len(i) >= 6][:200]
    assert not any(i in text for i in long_ids)
    assert path.stat().st_size > 50_000


def test_figures_are_vector_graphics_of_their_declared_size() -> None:
    from govstats.report import run_analyses

    section = run_analyses(None, keys=("01",), lang="en")[0]
    svg = figure_svg(section.figures[0]).decode()
    size = re.search(r'<svg[^>]* width="([\d.]+)pt" height="([\d.]+)pt"', svg)
    assert size is not None
    width, height = FIGURE_SIZES[section.figures[0].kind]
    assert (float(size[1]), float(size[2])) == (width * 72, height * 72)


def test_failed_build_leaves_no_file(tmp_path) -> None:
    from govstats.errors import ReportError

    target = tmp_path / "r.pdf"
    with pytest.raises(ReportError):
        build_report(
            target, survey=tmp_path / "missing.sav", codebook=tmp_path / "c.toml", progress=False
        )
    assert list(tmp_path.iterdir()) == []


def test_write_atomic_replaces_only_on_success(tmp_path) -> None:
    from govstats.report import write_atomic

    target = tmp_path / "a.pdf"
    write_atomic(b"first", target)
    write_atomic(b"second", target)
    assert target.read_bytes() == b"second"
    mask = os.umask(0)
    os.umask(mask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~mask
    assert [p.name for p in tmp_path.iterdir()] == ["a.pdf"]


@pytest.mark.slow
def test_every_page_renders_and_none_is_blank(built) -> None:
    import pypdfium2 as pdfium

    path, _, _ = built
    document = pdfium.PdfDocument(str(path))
    assert len(document) >= 8
    for index in range(len(document)):
        page = document[index]
        width, height = page.get_size()
        assert (round(width), round(height)) == (595, 842)  # A4 in points
        pixels = np.asarray(page.render(scale=0.5).to_pil().convert("L"))
        assert (pixels < 200).mean() > 0.003, f"page {index + 1} is blank"


@pytest.mark.slow
def test_report_bytes_are_identical_across_runs(tmp_path) -> None:
    a = build_report(tmp_path / "a.pdf", replicates=REPLICATES, seed=SEED, progress=False)
    b = build_report(tmp_path / "b.pdf", replicates=REPLICATES, seed=SEED, progress=False)
    assert a.path.read_bytes() == b.path.read_bytes()


def test_english_pdf_and_unavailable_section(tmp_path) -> None:
    from govstats.report import ReportMeta, render_pdf, run_analyses

    sections = run_analyses(None, keys=("02", "03"), lang="en", survey_error="no survey given")
    assert [s.available for s in sections] == [True, False]
    assert sections[1].tables == () and sections[1].figures == ()
    meta = ReportMeta(lang="en", sources=["source A"], design="none", seed=3)
    content, pages = render_pdf(sections, meta, figure_svg)
    text = pdf_text(content)
    assert len(pypdf.PdfReader(io.BytesIO(content)).pages) == pages
    flat = _flat(text)
    assert label("title", "en") in flat
    for key in ("sec_census", "sec_survey", "sec_methods", "sec_limits"):
        assert label(key, "en") in flat
    assert "This section is not available: no survey given" in flat


def test_png_figures_are_placed_as_images_too() -> None:
    from govstats.errors import ReportError
    from govstats.report import ReportMeta, render_pdf, run_analyses
    from govstats.report.figures import DPI, figure_png

    sections = run_analyses(None, keys=("02",), lang="en")
    meta = ReportMeta(lang="en", seed=3)
    content, _ = render_pdf(sections, meta, figure_png)
    images = [
        im.image.size for page in pypdf.PdfReader(io.BytesIO(content)).pages for im in page.images
    ]
    width, height = FIGURE_SIZES[sections[0].figures[0].kind]
    assert images == [(round(width * DPI), round(height * DPI))]
    assert "Figure 1" in pdf_text(content)
    with pytest.raises(ReportError, match="neither SVG nor PNG"):
        render_pdf(sections, meta, lambda spec: b"GIF89a")


def test_figure_text_is_text_a_reader_can_search() -> None:
    from govstats.report import ReportMeta, render_pdf, run_analyses

    sections = run_analyses(None, keys=("01",), lang="en")
    content, _ = render_pdf(sections, ReportMeta(lang="en", seed=3), figure_svg)
    # the legend of the access-gap figure, set in the figure font (no outlines)
    assert label("fitted_curve", "en") in " ".join(pdf_text(content).split())
    assert not any(len(page.images) for page in pypdf.PdfReader(io.BytesIO(content)).pages)
