"""Entropy weights, TOPSIS and coupling coordination: hand-computed cases and properties."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import govstats as gs
from govstats.errors import DataError

TIGHT = 1e-12  # closed forms evaluated in float64


def _plogp_entropy(p: list[float]) -> float:
    """-(1/ln n) sum p ln p over the non-zero shares, written out by hand."""
    return -sum(v * np.log(v) for v in p if v > 0) / np.log(len(p))


def test_entropy_weights_hand_computed() -> None:
    df = pd.DataFrame({"broadband": [10.0, 20, 30, 40], "gap": [5.0, 4, 1, 2]})
    res = gs.gaps.entropy_weights(df, ["broadband", "gap"], direction={"gap": "-"})
    # min-max: broadband -> 0, 1/3, 2/3, 1 (sum 2); gap reversed -> 0, 1/4, 1, 3/4 (sum 2)
    e1 = _plogp_entropy([0, 1 / 6, 1 / 3, 1 / 2])
    e2 = _plogp_entropy([0, 1 / 8, 1 / 2, 3 / 8])
    w1 = (1 - e1) / ((1 - e1) + (1 - e2))
    assert res.entropy["broadband"] == pytest.approx(e1, abs=TIGHT)
    assert res.entropy["gap"] == pytest.approx(e2, abs=TIGHT)
    assert res.weights["broadband"] == pytest.approx(w1, abs=TIGHT)
    assert res.weights.sum() == pytest.approx(1.0, abs=TIGHT)
    expected = [0.0, w1 / 3 + (1 - w1) / 4, 2 * w1 / 3 + (1 - w1), w1 + 3 * (1 - w1) / 4]
    np.testing.assert_allclose(res.index.to_numpy(), expected, atol=TIGHT)
    assert list(res.to_frame().columns) == [
        "variable",
        "direction",
        "entropy",
        "divergence",
        "weight",
    ]


@pytest.mark.parametrize("seed", range(5))
def test_entropy_index_monotone_in_declared_direction(seed: int) -> None:
    rng = np.random.default_rng(seed)
    df = pd.DataFrame(rng.uniform(1, 10, size=(30, 4)), columns=list("abcd"))
    direction = {"b": "-", "d": "-"}
    # unit 0 dominates unit 1: at least as good on every indicator in its direction
    df.loc[0] = [df["a"].max() + 1, df["b"].min() - 0.5, df["c"].max() + 1, df["d"].min() - 0.5]
    res = gs.gaps.entropy_weights(df, list("abcd"), direction=direction)
    assert res.weights.sum() == pytest.approx(1.0, abs=TIGHT)
    assert (res.weights > 0).all()
    assert res.index.iloc[0] == pytest.approx(1.0, abs=TIGHT)  # best on everything
    assert res.index.idxmax() == 0
    # declared direction orients the normalised scores
    z = res.normalised
    assert np.all(np.diff(z["a"].to_numpy()[np.argsort(df["a"].to_numpy())]) >= 0)
    assert np.all(np.diff(z["b"].to_numpy()[np.argsort(df["b"].to_numpy())]) <= 0)


def test_constant_indicator_is_rejected_with_its_name() -> None:
    df = pd.DataFrame({"a": [1.0, 2, 3], "flat": [4.0, 4, 4]})
    with pytest.raises(DataError, match=r"'flat'.*constant.*drop"):
        gs.gaps.entropy_weights(df, ["a", "flat"])


def test_bad_direction_and_missing_values() -> None:
    df = pd.DataFrame({"a": [1.0, 2, 3], "b": [4.0, np.nan, 1]})
    with pytest.raises(DataError, match=r"'b'.*missing"):
        gs.gaps.entropy_weights(df, ["a", "b"])
    with pytest.raises(DataError, match=r"direction of 'a'"):
        gs.gaps.entropy_weights(df.fillna(0), ["a", "b"], direction={"a": "up"})


def test_topsis_hand_computed() -> None:
    df = pd.DataFrame({"a": [1.0, 2, 3], "b": [2.0, 1, 3]}, index=["u1", "u2", "u3"])
    res = gs.gaps.topsis(df, ["a", "b"], weights=[0.5, 0.5])
    tab = res.to_frame()
    # both benefit columns: u3 is the ideal; u1, u2 are 0.5/(0.5 + sqrt(1.25))
    c = 0.5 / (0.5 + np.sqrt(1.25))
    np.testing.assert_allclose(tab["closeness"], [c, c, 1.0], atol=TIGHT)
    assert tab["rank"].tolist() == [2, 2, 1]
    # b as a cost column (distances in units of 1/sqrt(14))
    res = gs.gaps.topsis(df, ["a", "b"], weights={"a": 1, "b": 1}, direction={"b": "-"})
    np.testing.assert_allclose(res.to_frame()["closeness"], [c, 1 - c, 0.5], atol=TIGHT)
    assert res.weights.sum() == pytest.approx(1.0)


@pytest.mark.parametrize("seed", range(5))
def test_topsis_dominance(seed: int) -> None:
    rng = np.random.default_rng(seed)
    df = pd.DataFrame(rng.uniform(1, 10, size=(20, 3)), columns=list("xyz"))
    ew = gs.gaps.entropy_weights(df, list("xyz"), direction={"y": "-"})
    better = df.iloc[5].copy()
    better[["x", "z"]] += 0.5
    better["y"] -= 0.5
    df.loc[99] = better
    res = gs.gaps.topsis(df, list("xyz"), weights=ew)  # directions taken from ew
    close = res.to_frame()["closeness"]
    assert close[99] >= close[5]
    assert ((close >= 0) & (close <= 1)).all()


def test_coupling_closed_form_and_bands() -> None:
    u1 = np.array([0.8, 0.3, 0.5, 0.0, 1.0])
    u2 = np.array([0.6, 0.1, 0.5, 0.4, 1.0])
    res = gs.gaps.coupling_coordination(pd.Series(u1), pd.Series(u2))
    tab = res.to_frame()
    c = 2 * np.sqrt(u1 * u2) / (u1 + u2)
    t = (u1 + u2) / 2
    np.testing.assert_allclose(tab["C"], c, atol=TIGHT)
    np.testing.assert_allclose(tab["D"], np.sqrt(c * t), atol=TIGHT)
    assert tab.loc[2, "C"] == pytest.approx(1.0)  # equal systems couple perfectly
    assert tab["grade"].tolist() == [9, 5, 8, 1, 10]
    assert tab["band"].tolist() == ["良好协调", "濒临失调", "中级协调", "极度失调", "优质协调"]
    weighted = gs.gaps.coupling_coordination(u1, u2, weight_a=0.7).to_frame()
    np.testing.assert_allclose(weighted["T"], 0.7 * u1 + 0.3 * u2, atol=TIGHT)


def test_band_edges() -> None:
    bands = gs.gaps.COORDINATION_BANDS
    assert len(bands) == 10
    assert [b[0] for b in bands] == pytest.approx([k / 10 for k in range(10)])
    # D = 0.5 exactly (u1 = u2 = 0.25, C = 1) opens the sixth band
    tab = gs.gaps.coupling_coordination([0.25], [0.25]).to_frame()
    assert tab["grade"].iloc[0] == 6 and tab["band"].iloc[0] == "勉强协调"


def test_coupling_rejects_out_of_range_and_zero() -> None:
    with pytest.raises(DataError, match=r"index_b.*outside \[0, 1\]"):
        gs.gaps.coupling_coordination([0.2, 0.4], [0.1, 1.4])
    with pytest.raises(DataError, match=r"both 0"):
        gs.gaps.coupling_coordination([0.0, 0.4], [0.0, 0.5])
