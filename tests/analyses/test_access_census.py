"""Analyses 01 (access gap) and 02 (census context) against the embedded tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from govstats.datasets import load_census, load_cnnic
from govstats.errors import ReportError
from govstats.report import access_gap, census_context, run_analysis


def test_access_gap_uses_only_published_pairs_and_exact_arithmetic() -> None:
    cnnic = load_cnnic()
    table = access_gap(cnnic, lang="en").table("access_gap").data
    both = cnnic.dropna(subset=["penetration_urban_pct", "penetration_rural_pct"])
    assert table["report_no"].tolist() == both["report_no"].tolist()
    np.testing.assert_array_equal(table["urban_pct"], both["penetration_urban_pct"])
    np.testing.assert_array_equal(table["rural_pct"], both["penetration_rural_pct"])
    np.testing.assert_allclose(table["gap_points"], table["urban_pct"] - table["rural_pct"])
    np.testing.assert_allclose(table["ratio"], table["urban_pct"] / table["rural_pct"])
    assert table["year"].is_monotonic_increasing


def test_access_gap_marks_series_breaks_in_table_and_note() -> None:
    cnnic = pd.DataFrame(
        {
            "report_no": [40, 41, 49],
            "period": pd.PeriodIndex(["2017-06", "2017-12", "2021-12"], freq="M"),
            "penetration_urban_pct": [69.4, 71.0, 81.3],
            "penetration_rural_pct": [34.0, 35.4, 57.6],
            "series_break": [False, False, True],
        }
    )
    result = access_gap(cnnic, lang="en")
    table = result.table("access_gap")
    assert table.data["series_break"].tolist() == [False, False, True]
    assert "2021-12" in table.note
    assert result.figures[0].data["series_break"].tolist() == [False, False, True]
    # three co-published periods are too few for the logistic fit: said, not faked
    assert [t.name for t in result.tables] == ["access_gap"]
    assert "could not be estimated" in result.paragraphs[-1]


def test_access_gap_refuses_a_table_without_the_rates() -> None:
    with pytest.raises(ReportError, match="penetration_urban_pct"):
        access_gap(pd.DataFrame({"report_no": [1], "period": ["2020-12"]}))


def test_census_context_shares_and_unpublished_cells() -> None:
    census = load_census()
    data = census_context(census, lang="zh").table("census_context").data
    assert len(data) == 31
    np.testing.assert_allclose(data["pop_share_pct"].sum(), 100.0)
    np.testing.assert_allclose(
        data["population_10k"].to_numpy(), census["population_total"].to_numpy() / 1e4
    )
    # unpublished urban shares stay missing and are never filled in
    assert data["urban_share_pct"].isna().sum() == census["urban_share_pct"].isna().sum() > 0
    display = census_context(census, lang="zh").table("census_context").display
    assert (display["城镇化率（%）"] == "—").sum() == census["urban_share_pct"].isna().sum()


@pytest.mark.parametrize("key", ["01", "02"])
def test_rerunning_an_analysis_gives_identical_outputs(tmp_path, key: str) -> None:
    run_analysis(key, tmp_path / "a")
    run_analysis(key, tmp_path / "b")
    files = sorted(p.name for p in (tmp_path / "a").iterdir())
    assert any(name.endswith(".csv") for name in files)
    assert any(name.endswith(".png") for name in files)
    for name in files:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def _script(name: str):
    from pathlib import Path

    return Path(__file__).resolve().parents[2] / "analyses" / name


@pytest.mark.parametrize(
    "name",
    [
        "02_census_context.py",
        pytest.param("01_access_gap.py", marks=pytest.mark.slow),
        pytest.param("03_survey_description.py", marks=pytest.mark.slow),
        pytest.param("04_divide_chain.py", marks=pytest.mark.slow),
    ],
)
def test_analysis_script_runs_on_its_own(tmp_path, name: str) -> None:
    import subprocess
    import sys

    out = tmp_path / "out"
    subprocess.run(
        [sys.executable, str(_script(name)), "--out-dir", str(out), "--replicates", "10"],
        check=True,
        capture_output=True,
        timeout=300,
    )
    assert any(p.suffix == ".csv" for p in out.iterdir())
    assert any(p.suffix == ".png" for p in out.iterdir())
    assert any(p.suffix == ".svg" for p in out.iterdir())
