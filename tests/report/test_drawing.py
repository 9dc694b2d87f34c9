"""Figures drawn in a forked worker while the analyses run: same bytes, same errors."""

from __future__ import annotations

import pandas as pd
import pytest

from govstats.errors import ReportError
from govstats.report._drawing import FigureDrawer, default_jobs
from govstats.report.build import build_study
from govstats.report.figures import figure_png, figure_svg
from govstats.report.results import FigureSpec
from govstats.report.spec import parse_spec

forks = pytest.mark.skipif(default_jobs() < 2, reason="draws in a worker only where it forks")


def _forest(name: str, shift: float) -> FigureSpec:
    data = pd.DataFrame(
        {
            "label": ["a", "b"],
            "estimate": [shift, -shift],
            "ci_low": [shift - 1, -shift - 1],
            "ci_high": [shift + 1, -shift + 1],
        }
    )
    return FigureSpec(name, "forest", data, f"Effects {name}", "en")


@forks
def test_the_worker_draws_the_same_bytes_as_this_process(monkeypatch) -> None:
    from govstats.report import figures

    here: list[str] = []  # what this process draws (the forked worker records its own)
    svg = figures.figure_svg

    def recorded(spec: FigureSpec) -> bytes:
        here.append(spec.name)
        return svg(spec)

    monkeypatch.setattr(figures, "figure_svg", recorded)
    specs = [_forest(f"f{i}", 0.1 * i) for i in range(8)]
    with FigureDrawer(["svg", "png"], jobs=2) as drawer:
        drawer.submit(specs)
        drawer.finish()  # a long queue: this process draws its last figures
        drawn = [(drawer(s, "svg"), drawer(s, "png")) for s in specs]
    assert "f7" in here and "f0" not in here
    monkeypatch.undo()
    assert drawn == [(figure_svg(s), figure_png(s)) for s in specs]


@forks
def test_a_figure_that_fails_in_the_worker_fails_the_report() -> None:
    bad = FigureSpec("bad", "forest", pd.DataFrame({"label": ["a"]}), "Broken", "en")
    with FigureDrawer(["svg"], jobs=2) as drawer:
        drawer.submit([bad])
        with pytest.raises(ReportError, match="estimate"):
            drawer(bad, "svg")  # waits for the worker's attempt


@forks
def test_a_report_drawn_beside_its_analyses_is_the_report_drawn_after_them(tmp_path) -> None:
    spec = parse_spec({"lang": "en", "sections": [{"kind": "access_gap"}, {"kind": "census"}]})
    alone = build_study(spec, tmp_path / "one.pdf", progress=False, jobs=1)[0]
    beside = build_study(spec, tmp_path / "two.pdf", progress=False, jobs=2)[0]
    assert alone.n_figures == 2
    assert alone.path.read_bytes() == beside.path.read_bytes()


@pytest.mark.parametrize("jobs", [0, -1, 1.5, True])
def test_jobs_must_be_a_count_of_processes(tmp_path, jobs) -> None:
    spec = parse_spec({"lang": "en", "sections": [{"kind": "census"}]})
    with pytest.raises(ReportError, match="jobs must be a whole number"):
        build_study(spec, tmp_path / "r.pdf", progress=False, jobs=jobs)
    assert list(tmp_path.iterdir()) == []


@forks
def test_without_a_second_process_the_figures_are_drawn_here(monkeypatch) -> None:
    from govstats.report import _drawing

    class NoProcesses(_drawing.ProcessPoolExecutor):
        def submit(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            raise OSError("fork: Resource temporarily unavailable")

    monkeypatch.setattr(_drawing, "ProcessPoolExecutor", NoProcesses)
    spec = _forest("f", 0.3)
    with FigureDrawer(["svg"], jobs=2) as drawer:
        assert drawer._pool is None
        drawer.submit([spec])
        drawer.finish()
        assert drawer(spec, "svg") == figure_svg(spec)
