"""Fairlie decomposition: brute force on small data, ordering averages, logit, bad input."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy.special import expit

import govstats as gs
from govstats.errors import DataError, ModelError

EXACT = 1e-12  # sums of float64 probabilities
LOGIT_TOL = 1e-6  # two Newton solvers stopped at their own tolerances


def _data(seed: int, n: int = 400, weights: bool = False) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rural = rng.integers(0, 2, n)
    edu = rng.normal(12 - 3 * rural, 2.5)
    age = rng.uniform(18, 80, n)
    female = rng.integers(0, 2, n)
    eta = -3 + 0.35 * edu - 0.03 * age + 0.3 * female - 0.4 * rural
    df = pd.DataFrame(
        {
            "internet": rng.binomial(1, expit(eta)),
            "rural": rural,
            "edu": edu,
            "age": age,
            "female": female,
        }
    )
    if weights:
        df["w"] = rng.integers(1, 4, n).astype(float)
    return df


def test_parts_add_up_and_match_a_direct_logit() -> None:
    df = _data(1)
    res = gs.gaps.fairlie(df, "internet ~ edu + age + female", by="rural", seed=2, replicates=0)
    contrib = res.to_frame().query("component == 'contribution'")["estimate"].sum()
    assert contrib == pytest.approx(res.get("explained"), abs=EXACT)
    assert res.get("explained") + res.get("unexplained") == pytest.approx(res.get("gap"), abs=EXACT)
    means = df.groupby("rural")["internet"].mean()
    assert res.get("gap") == pytest.approx(means[0] - means[1], abs=EXACT)
    # pooled logit with the group indicator (statsmodels), indicator dropped for prediction
    x = sm.add_constant(df[["edu", "age", "female", "rural"]])
    fit = sm.Logit(df["internet"], x).fit(disp=0, tol=1e-12)
    np.testing.assert_allclose(res.coefficients.to_numpy(), fit.params.to_numpy(), atol=LOGIT_TOL)
    p = expit(x.drop(columns="rural").to_numpy() @ fit.params.to_numpy()[:-1])
    direct = p[df["rural"] == 0].mean() - p[df["rural"] == 1].mean()
    assert res.get("explained") == pytest.approx(direct, abs=LOGIT_TOL)


def _brute_force(df: pd.DataFrame, cols: list[str], beta: np.ndarray) -> np.ndarray:
    """Fairlie by hand: equal-size groups, rank matching, every ordering, explicit loops."""
    a = df[df["rural"] == 0]
    b = df[df["rural"] == 1]
    xa = np.column_stack([np.ones(len(a)), a[cols].to_numpy()])
    xb = np.column_stack([np.ones(len(b)), b[cols].to_numpy()])
    xa = xa[np.argsort(expit(xa @ beta), kind="stable")]
    xb = xb[np.argsort(expit(xb @ beta), kind="stable")]
    total = np.zeros(len(cols))
    perms = list(itertools.permutations(range(len(cols))))
    for perm in perms:
        for i in range(len(xa)):
            row = xb[i].copy()
            for k in perm:
                before = expit(row @ beta)
                row[k + 1] = xa[i, k + 1]
                total[k] += (expit(row @ beta) - before) / len(xa)
    return total / len(perms)


def test_matches_brute_force_on_small_data() -> None:
    rng = np.random.default_rng(7)
    n = 40  # twenty rows per group
    df = pd.DataFrame(
        {
            "rural": np.repeat([0, 1], n // 2),
            "edu": rng.normal(10, 3, n),
            "age": rng.uniform(20, 70, n),
            "female": rng.integers(0, 2, n),
        }
    )
    df["internet"] = rng.binomial(1, expit(-2 + 0.2 * df["edu"] - 0.01 * df["age"]))
    res = gs.gaps.fairlie(
        df, "internet ~ edu + age + female", by="rural", orderings="all", replicates=0
    )
    beta = res.coefficients.to_numpy()[:-1]  # the group indicator is not switched
    expected = _brute_force(df, ["edu", "age", "female"], beta)
    got = res.to_frame().query("component == 'contribution'")["estimate"].to_numpy()
    np.testing.assert_allclose(got, expected, atol=EXACT)


def test_random_orderings_converge_to_the_all_orderings_average() -> None:
    df = _data(3, n=300)
    formula = "internet ~ edu + age + female"
    exact = gs.gaps.fairlie(df, formula, by="rural", orderings="all", replicates=0)
    exact_c = exact.to_frame().query("component == 'contribution'")["estimate"].to_numpy()

    def deviation(m: int) -> float:
        runs = [
            gs.gaps.fairlie(df, formula, by="rural", orderings=m, seed=s, replicates=0)
            .to_frame()
            .query("component == 'contribution'")["estimate"]
            .to_numpy()
            for s in range(6)
        ]
        return float(np.mean(np.abs(np.array(runs) - exact_c)))

    # the explained total never depends on the order; its split does, less so when
    # averaged: the Monte Carlo error falls like 1/sqrt(orderings) (here ~ 1/30)
    few, many = deviation(2), deviation(2000)
    assert few > 0
    assert many < few / 5
    big = gs.gaps.fairlie(df, formula, by="rural", orderings=4000, seed=1, replicates=0)
    big_c = big.to_frame().query("component == 'contribution'")["estimate"].to_numpy()
    mc_error = big.ordering_spread.to_numpy() / np.sqrt(4000)
    assert np.all(np.abs(big_c - exact_c) < 5 * mc_error + EXACT)
    # same seed, same answer
    again = gs.gaps.fairlie(df, formula, by="rural", orderings=4000, seed=1, replicates=0)
    pd.testing.assert_frame_equal(big.to_frame(), again.to_frame())


def test_frequency_weights_equal_duplicated_rows() -> None:
    df = _data(4, n=150, weights=True)
    dup = df.loc[df.index.repeat(df["w"].astype(int))].reset_index(drop=True)
    f = "internet ~ edu + age"
    a = gs.gaps.fairlie(df, f, by="rural", weights="w", orderings="all", replicates=0)
    b = gs.gaps.fairlie(dup, f, by="rural", orderings="all", replicates=0)
    np.testing.assert_allclose(a.to_frame()["estimate"], b.to_frame()["estimate"], atol=1e-9)


def test_replicate_standard_errors_are_bootstrap_sds() -> None:
    df = _data(5, n=300)
    res = gs.gaps.fairlie(df, "internet ~ edu + age", by="rural", seed=9, replicates=30)
    tab = res.to_frame()
    assert res.replicate_estimates is not None
    np.testing.assert_allclose(tab["se"], res.replicate_estimates.std(axis=0, ddof=1))
    rep = res.replicate_estimates
    np.testing.assert_allclose(rep[:, 5:].sum(axis=1), rep[:, 3], atol=EXACT)
    assert (tab.loc[tab["component"] == "gap", "se"] > 0).all()


def test_perfect_separation_names_the_column() -> None:
    df = _data(6, n=200)
    df["phone"] = (df.index % 3 != 0).astype(int)
    df.loc[df["phone"] == 0, "internet"] = 0
    with pytest.raises(ModelError, match=r"perfect separation.*phone = 0.*'internet'"):
        gs.gaps.fairlie(df, "internet ~ edu + phone", by="rural", replicates=0)


def test_bad_outcome_and_group() -> None:
    df = _data(7, n=100)
    with pytest.raises(DataError, match=r"'edu'.*binary"):
        gs.gaps.fairlie(df, "edu ~ age", by="rural", replicates=0)
    with pytest.raises(DataError, match=r"'female'.*exactly two groups|'age'.*exactly two"):
        gs.gaps.fairlie(df, "internet ~ edu", by="age", replicates=0)
    with pytest.raises(DataError, match=r"orderings"):
        gs.gaps.fairlie(df, "internet ~ edu", by="rural", orderings=0, replicates=0)
