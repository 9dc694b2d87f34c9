"""SEMResult layout: lavaan's parameterEstimates columns, intervals, text and HTML forms."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import govstats as gs

DATA = Path(__file__).parents[1] / "reference" / "data" / "holzinger_swineford.csv"
HS3 = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"


@pytest.fixture(scope="module")
def hs() -> pd.DataFrame:
    return pd.read_csv(DATA)


def test_columns_single_group(hs: pd.DataFrame) -> None:
    frame = gs.sem.fit(HS3, hs).to_frame()
    assert list(frame.columns) == [
        "lhs", "op", "rhs", "label", "estimate", "se", "z", "p_value", "ci_low", "ci_high",
        "std_lv", "std_all", "term", "df",
    ]  # fmt: skip
    assert frame["df"].dtype == np.float64
    assert frame.loc[1, "term"] == "visual=~x2"


def test_columns_multi_group(hs: pd.DataFrame) -> None:
    frame = gs.sem.fit(HS3, hs, group="school").to_frame()
    assert list(frame.columns[4:6]) == ["group", "group_label"]
    assert set(frame["group"]) == {1, 2}
    assert frame.loc[frame["group"] == 1, "group_label"].iloc[0] == "Pasteur"


def test_normal_intervals_and_p_values(hs: pd.DataFrame) -> None:
    res = gs.sem.fit(HS3, hs, level=0.9)
    row = res.to_frame().iloc[1]
    crit = stats.norm.ppf(0.95)
    assert row["ci_low"] == pytest.approx(row["estimate"] - crit * row["se"])
    assert row["z"] == pytest.approx(row["estimate"] / row["se"])
    assert row["p_value"] == pytest.approx(2 * stats.norm.sf(abs(row["z"])))
    assert res.conf_level == 0.9
    fixed = res.to_frame().iloc[0]
    assert fixed["se"] == 0 and np.isnan(fixed["z"])


def test_text_forms(hs: pd.DataFrame) -> None:
    res = gs.sem.fit(HS3, hs, weights="w")
    assert "chisq" in repr(res) and "robust" in repr(res)
    text = res.summary()
    assert "CFI" in text and "visual" in text
    assert res._repr_html_().startswith("<table")
    assert res.fit_measures()["df"] == 24


def test_input_not_modified(hs: pd.DataFrame) -> None:
    before = hs.copy()
    gs.sem.fit(HS3, hs, weights="w", cluster="clus")
    pd.testing.assert_frame_equal(hs, before)
