"""Theil and Gini: exact decompositions, closed-form extremes, weights as frequencies."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import govstats as gs
from govstats.errors import DataError, GovstatsError
from govstats.gaps._common import IIDBootstrap

EXACT = 1e-12  # sums of a few float64 terms


def _frame(seed: int, n: int = 300) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rural = rng.integers(0, 2, n)
    income = np.exp(rng.normal(10 - 0.6 * rural, 0.7))
    return pd.DataFrame(
        {"income": income, "rural": rural, "w": rng.integers(1, 5, n).astype(float)}
    )


def _est(res: gs.gaps.InequalityResult, **where: object) -> float:
    tab = res.to_frame()
    mask = np.ones(len(tab), dtype=bool)
    for k, v in where.items():
        mask &= (tab[k] == v).to_numpy()
    assert mask.sum() == 1
    return float(tab.loc[mask, "estimate"].iloc[0])


def _gini_direct(y: np.ndarray, w: np.ndarray) -> float:
    diff = np.abs(y[:, None] - y[None, :])
    return float(w @ diff @ w / (2 * w.sum() ** 2 * (w @ y / w.sum())))


def _theil_direct(y: np.ndarray, w: np.ndarray) -> tuple[float, float]:
    mu = w @ y / w.sum()
    t = float(w @ (y / mu * np.log(y / mu)) / w.sum())
    ell = float(w @ np.log(mu / y) / w.sum())
    return t, ell


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_decompositions_add_up_exactly(seed: int) -> None:
    df = _frame(seed)
    th = gs.gaps.theil(df, "income", by="rural", weights="w", replicates=0)
    for idx in ("T", "L"):
        total = _est(th, index=idx, component="total")
        parts = _est(th, index=idx, component="within") + _est(th, index=idx, component="between")
        assert parts == pytest.approx(total, abs=EXACT)
    gi = gs.gaps.gini(df, "income", by="rural", weights="w", replicates=0)
    parts = sum(_est(gi, component=c) for c in ("within", "net_between", "transvariation"))
    assert parts == pytest.approx(_est(gi, component="total"), abs=EXACT)


def test_direct_formulas_match() -> None:
    df = _frame(4, n=120)
    y, w = df["income"].to_numpy(), df["w"].to_numpy()
    th = gs.gaps.theil(df, "income", weights="w", replicates=0)
    t, ell = _theil_direct(y, w)
    assert _est(th, index="T", component="total") == pytest.approx(t, rel=1e-12)
    assert _est(th, index="L", component="total") == pytest.approx(ell, rel=1e-12)
    gi = gs.gaps.gini(df, "income", weights="w", replicates=0)
    assert _est(gi, component="total") == pytest.approx(_gini_direct(y, w), rel=1e-12)
    # within-group Gini of each group, Dagum's G_jj
    gb = gs.gaps.gini(df, "income", by="rural", weights="w", replicates=0)
    for g in (0, 1):
        m = df["rural"].to_numpy() == g
        assert _est(gb, component="group", rural=g) == pytest.approx(
            _gini_direct(y[m], w[m]), rel=1e-12
        )


def test_equal_incomes_give_zero() -> None:
    df = pd.DataFrame({"income": np.full(10, 3.5), "rural": [0, 1] * 5})
    th = gs.gaps.theil(df, "income", by="rural", replicates=0)
    assert np.allclose(th.to_frame()["estimate"], 0.0, atol=EXACT)
    gi = gs.gaps.gini(df, "income", by="rural", replicates=0)
    tab = gi.to_frame()
    assert np.allclose(tab.loc[tab["component"] != "affluence", "estimate"], 0.0, atol=EXACT)


@pytest.mark.parametrize("n", [2, 7, 50])
def test_one_person_has_everything_is_the_maximum(n: int) -> None:
    income = np.zeros(n)
    income[n // 2] = 1000.0
    df = pd.DataFrame({"income": income})
    th = gs.gaps.theil(df, "income", measure="T", replicates=0)
    assert _est(th, index="T", component="total") == pytest.approx(np.log(n), rel=1e-12)
    gi = gs.gaps.gini(df, "income", replicates=0)
    assert _est(gi, component="total") == pytest.approx((n - 1) / n, rel=1e-12)


def test_frequency_weights_equal_duplicated_rows() -> None:
    df = _frame(5, n=80)
    dup = df.loc[df.index.repeat(df["w"].astype(int))].reset_index(drop=True)
    for fn in (gs.gaps.theil, gs.gaps.gini):
        weighted = fn(df, "income", by="rural", weights="w", replicates=0).to_frame()
        expanded = fn(dup, "income", by="rural", replicates=0).to_frame()
        np.testing.assert_allclose(weighted["estimate"], expanded["estimate"], rtol=1e-10)


def test_replicate_estimates_equal_direct_reweighted_computation() -> None:
    df = _frame(6, n=150)
    res = gs.gaps.gini(df, "income", by="rural", weights="w", replicates=8, seed=11)
    boot = IIDBootstrap.draw(len(df), 8, 11)
    assert res.replicate_estimates is not None
    for r in (0, 5):
        rw = df.assign(rw=df["w"] * boot.counts[r])
        direct = gs.gaps.gini(rw, "income", by="rural", weights="rw", replicates=0)
        np.testing.assert_allclose(
            res.replicate_estimates[r], direct.to_frame()["estimate"], rtol=1e-10
        )
    tab = res.to_frame()
    sd = res.replicate_estimates.std(axis=0, ddof=1)
    np.testing.assert_allclose(tab["se"], sd, rtol=1e-10)
    assert (tab["ci_low"] <= tab["estimate"]).all() and (tab["estimate"] <= tab["ci_high"]).all()
    assert (tab["df"] == len(df) - 1).all()


def test_same_seed_same_standard_errors() -> None:
    df = _frame(7)
    a = gs.gaps.theil(df, "income", by="rural", replicates=20, seed=3).to_frame()
    b = gs.gaps.theil(df, "income", by="rural", replicates=20, seed=3).to_frame()
    pd.testing.assert_frame_equal(a, b)


def test_theil_l_rejects_zero_incomes_and_names_the_column() -> None:
    df = pd.DataFrame({"income": [0.0, 1, 2, 3], "rural": [0, 0, 1, 1]})
    with pytest.raises(DataError, match=r"'income'.*zero or negative.*measure='T'"):
        gs.gaps.theil(df, "income", by="rural", replicates=0)
    # T alone accepts zeros
    gs.gaps.theil(df, "income", by="rural", measure="T", replicates=0)
    with pytest.raises(GovstatsError, match=r"'income'.*negative"):
        gs.gaps.gini(df.assign(income=[-1.0, 1, 2, 3]), "income", replicates=0)


def test_by_with_one_level_is_rejected() -> None:
    df = pd.DataFrame({"income": [1.0, 2, 3], "rural": [1, 1, 1]})
    with pytest.raises(DataError, match=r"'rural'.*at least two groups"):
        gs.gaps.gini(df, "income", by="rural", replicates=0)


def test_missing_values_are_an_error() -> None:
    df = pd.DataFrame({"income": [1.0, np.nan, 3], "rural": [0, 1, 1]})
    with pytest.raises(DataError, match=r"'income'.*missing"):
        gs.gaps.theil(df, "income", by="rural", replicates=0)


@settings(max_examples=40, deadline=None)
@given(
    incomes=st.lists(st.floats(0.01, 1e6), min_size=4, max_size=40),
    data=st.data(),
)
def test_property_splits_add_up(incomes: list[float], data: st.DataObject) -> None:
    n = len(incomes)
    groups = data.draw(st.lists(st.integers(0, 2), min_size=n, max_size=n))
    assume(len(set(groups)) >= 2)
    weights = data.draw(st.lists(st.floats(0.1, 10), min_size=n, max_size=n))
    df = pd.DataFrame({"income": incomes, "g": groups, "w": weights})
    th = gs.gaps.theil(df, "income", by="g", weights="w", replicates=0)
    for idx in ("T", "L"):
        total = _est(th, index=idx, component="total")
        parts = _est(th, index=idx, component="within") + _est(th, index=idx, component="between")
        assert parts == pytest.approx(total, rel=1e-9, abs=1e-12)
        assert total >= -1e-12
    gi = gs.gaps.gini(df, "income", by="g", weights="w", replicates=0)
    total = _est(gi, component="total")
    parts = sum(_est(gi, component=c) for c in ("within", "net_between", "transvariation"))
    assert parts == pytest.approx(total, rel=1e-9, abs=1e-12)
    assert 0 <= total < 1
