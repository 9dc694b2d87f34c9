"""The CJK font, glyph coverage of every label, and figure rendering."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from govstats.report._fonts import PDF_FONTS, figure_font_family, font_path
from govstats.report.figures import DPI, FIGURE_SIZES, figure_png, save_figure
from govstats.report.results import FigureSpec


def test_fonts_are_found_in_the_installed_package() -> None:
    for role in PDF_FONTS:
        assert font_path(role).stat().st_size > 1_000_000
    assert figure_font_family() == ["Noto Sans CJK SC"]


def _spec(kind: str) -> FigureSpec:
    frames = {
        "access_gap": pd.DataFrame(
            {
                "year": [2010.5, 2015.5],
                "urban_pct": [50.0, 70.0],
                "rural_pct": [20.0, 40.0],
                "gap_points": [30.0, 30.0],
                "series_break": [False, True],
            }
        ),
        "census": pd.DataFrame(
            {
                "province": ["北京", "河北"],
                "population_10k": [2189.3, 7461.0],
                "urban_share_pct": [np.nan, 60.07],
            }
        ),
        "internet_compare": pd.DataFrame(
            {
                "group": ["城镇", "城镇"],
                "source": ["调查", "CNNIC"],
                "estimate": [80.0, 79.8],
                "ci_low": [78.0, 79.8],
                "ci_high": [82.0, 79.8],
            }
        ),
        "cascade": pd.DataFrame(
            {
                "link": ["信息获取", "信息获取"],
                "group": ["城镇", "农村"],
                "estimate": [0.4, -0.5],
                "ci_low": [0.3, -0.6],
                "ci_high": [0.5, -0.4],
            }
        ),
        "path_diagram": pd.DataFrame(
            {
                "source": ["rural", "m1", "rural"],
                "target": ["m1", "y", "y"],
                "estimate": [-0.4, 0.3, -0.1],
                "mark": ["***", "**", ""],
            }
        ),
        "forest": pd.DataFrame(
            {
                "label": ["农村 → 信息获取 → 服务供给", "总效应"],
                "estimate": [-0.06, -0.5],
                "ci_low": [-0.08, -0.6],
                "ci_high": [-0.04, -0.4],
            }
        ),
        "group_comparison": pd.DataFrame(
            {
                "group": ["18-39", "60+"],
                "effect": ["总效应", "总效应"],
                "estimate": [-0.5, -0.6],
                "ci_low": [-0.6, -0.7],
                "ci_high": [-0.4, -0.5],
            }
        ),
        "choropleth": pd.DataFrame(
            {
                "province_code": ["11", "44", "11", "44"],
                "panel": ["城镇化率", "城镇化率", "标准误", "标准误"],
                "value": [np.nan, 74.2, 1.5, 2.5],
            }
        ),
        "distribution": pd.DataFrame(
            {
                "value": np.r_[np.linspace(-1, 1, 20), np.linspace(-2, 0.5, 20)],
                "group": ["城镇"] * 20 + ["农村"] * 20,
                "facet": ["信息获取"] * 40,
                "weight": np.linspace(1.0, 2.0, 40),
            }
        ),
        "heatmap": pd.DataFrame(
            {
                "row": ["a", "a", "b", "b"],
                "column": ["a", "b", "a", "b"],
                "value": [1.0, 0.4, 0.4, 1.0],
            }
        ),
        "love_plot": pd.DataFrame(
            {
                "variable": ["a", "a", "b", "b"],
                "stage": ["before", "after"] * 2,
                "smd": [0.5, 0.02, -0.3, 0.01],
            }
        ),
        "sensitivity": pd.DataFrame(
            {
                "term": ["t"] * 3,
                "rho": [-0.2, 0.0, 0.2],
                "estimate": [0.1, 0.0, -0.1],
                "ci_low": [0.0, -0.1, -0.2],
                "ci_high": [0.2, 0.1, 0.0],
            }
        ),
    }
    options = {
        "path_diagram": {"nodes": ["rural", "m1", "y"], "labels": {"rural": "农村"}},
        "sensitivity": {"link": ("m1", "m2"), "terms": ["t"]},
    }
    return FigureSpec(f"fig_{kind}", kind, frames[kind], "标题 Title", "zh", options.get(kind, {}))


@pytest.mark.parametrize("kind", sorted(FIGURE_SIZES))
def test_figure_png_has_the_declared_size(kind: str) -> None:
    png = figure_png(_spec(kind))
    with Image.open(io.BytesIO(png)) as image:
        width, height = image.size
        pixels = np.asarray(image.convert("L"))
    w_in, h_in = FIGURE_SIZES[kind]
    assert (width, height) == (round(w_in * DPI), round(h_in * DPI))
    assert (pixels < 128).mean() > 0.002  # something dark was drawn


def test_saved_figures_are_identical_across_runs(tmp_path) -> None:
    spec = _spec("forest")
    first = save_figure(spec, tmp_path / "a")
    second = save_figure(spec, tmp_path / "b")
    assert [p.suffix for p in first] == [".png", ".svg"]
    for a, b in zip(first, second, strict=True):
        assert a.read_bytes() == b.read_bytes()
    assert "<svg" in first[1].read_text(encoding="utf-8")


def test_figure_missing_columns_is_a_report_error() -> None:
    from govstats.errors import ReportError

    spec = FigureSpec("bad", "forest", pd.DataFrame({"label": ["a"]}), "t", "en")
    with pytest.raises(ReportError, match="estimate"):
        figure_png(spec)
