"""Unit tests of the replicate-factor kernels (govstats.design._replicates) on plain arrays."""

from __future__ import annotations

import numpy as np
import pytest

from govstats.design import _replicates as rk
from govstats.design.inference import replicate_vcov
from govstats.errors import DesignError, GovstatsWarning

# identities that hold in exact arithmetic, checked in float64
EXACT = 1e-12


def _stratified(n_per_stratum: list[int]) -> tuple[np.ndarray, np.ndarray, list[str]]:
    strata = np.repeat(np.arange(len(n_per_stratum)), n_per_stratum)
    order = np.arange(strata.shape[0])
    return strata, order, [f"s{h}" for h in range(len(n_per_stratum))]


def test_jk1_factors_delete_one_psu_and_rescale() -> None:
    fs = rk.jk1_factors(np.array([2, 0, 1, 3]))
    n = 4
    # every replicate deletes exactly one PSU and scales the others by n/(n-1)
    assert np.all((fs.factors == 0).sum(axis=0) == 1)
    np.testing.assert_allclose(fs.factors.sum(axis=0), n, rtol=EXACT)
    # replicate r deletes the PSU of appearance rank r
    assert fs.factors[1, 0] == 0 and fs.factors[2, 1] == 0 and fs.factors[0, 2] == 0
    assert fs.scale == pytest.approx((n - 1) / n, rel=EXACT)


def test_jk1_scale_folds_the_fpc() -> None:
    fs = rk.jk1_factors(np.arange(15), fpc_fraction=15 / 757)
    assert fs.scale == pytest.approx(14 / 15 * (1 - 15 / 757), rel=EXACT)


def test_jkn_factors_stay_within_stratum() -> None:
    strata, order, labels = _stratified([3, 2, 4])
    fs = rk.jkn_factors(strata, order, np.array([0.1, 0.0, 0.5]), labels)
    assert fs.factors.shape == (9, 9)
    for r in range(9):
        deleted = np.flatnonzero(fs.factors[:, r] == 0)
        assert deleted.size == 1
        h = strata[deleted[0]]
        n_h = np.sum(strata == h)
        # the deleted stratum keeps its weighted size; others are untouched
        assert fs.factors[strata == h, r].sum() == pytest.approx(n_h, rel=EXACT)
        assert np.all(fs.factors[strata != h, r] == 1.0)
        expected = (n_h - 1) / n_h * (1 - [0.1, 0.0, 0.5][h])
        assert fs.rscales[r] == pytest.approx(expected, rel=EXACT)
    assert fs.scale == 1.0


def test_jkn_variance_of_total_equals_stratified_srs_formula_with_fpc() -> None:
    """JKn of a stratified SRS total reproduces sum_h N_h^2 (1 - f_h) s_h^2 / n_h exactly."""
    rng = np.random.default_rng(11)
    n_h = np.array([5, 8, 3])
    big_n = np.array([50.0, 40.0, 30.0])
    strata = np.repeat(np.arange(3), n_h)
    y = rng.normal(10, 3, size=strata.shape[0])
    w = (big_n / n_h)[strata]
    fs = rk.jkn_factors(strata, np.arange(strata.shape[0]), n_h / big_n, ["a", "b", "c"])
    theta = fs.factors.T @ (w * y)
    v_rep = replicate_vcov(theta, np.array([w @ y]), fs.scale, fs.rscales, mse=False)[0, 0]
    v_srs = sum(
        big_n[h] ** 2 * (1 - n_h[h] / big_n[h]) * np.var(y[strata == h], ddof=1) / n_h[h]
        for h in range(3)
    )
    assert v_rep == pytest.approx(v_srs, rel=1e-10)


def test_jkn_lonely_psu_rules() -> None:
    strata, order, labels = _stratified([3, 1, 2])
    with pytest.raises(DesignError, match="'s1'"):
        rk.jkn_factors(strata, order, np.zeros(3), labels, "fail")
    removed = rk.jkn_factors(strata, order, np.zeros(3), labels, "remove")
    assert removed.factors.shape[1] == 5 and removed.scale == 1.0
    averaged = rk.jkn_factors(strata, order, np.zeros(3), labels, "average")
    assert averaged.scale == pytest.approx(6 / 5, rel=EXACT)
    adjusted = rk.jkn_factors(strata, order, np.zeros(3), labels, "adjust")
    col = adjusted.factors[:, 3]  # the lonely stratum's replicate comes after stratum s0
    assert col[3] == 0 and np.allclose(np.delete(col, 3), 3 / 2)
    assert adjusted.rscales[3] == pytest.approx(2 / 3, rel=EXACT)


def test_hadamard_matrices_are_orthogonal() -> None:
    for n in (1, 3, 4, 7, 8, 11, 15, 19, 30, 45):
        h = rk.hadamard(n)
        assert h.shape[0] > n and h.shape[0] == h.shape[1]
        pm = 2 * h - 1
        np.testing.assert_array_equal(pm @ pm.T, h.shape[0] * np.eye(h.shape[0]))


def test_brr_half_samples_are_balanced() -> None:
    strata, order, labels = _stratified([2] * 6)
    fs = rk.brr_factors(strata, order, labels)
    assert fs.factors.shape == (12, 8)
    # exactly one PSU of each pair in every half-sample, factor 2
    pair_sums = fs.factors[0::2] + fs.factors[1::2]
    np.testing.assert_array_equal(pair_sums, 2.0)
    assert set(np.unique(fs.factors)) == {0.0, 2.0}
    # full orthogonal balance: every pair of strata is crossed equally often
    signs = fs.factors[0::2] - 1.0
    np.testing.assert_array_equal(signs @ signs.T, 8 * np.eye(6))
    assert fs.scale == pytest.approx(1 / 8, rel=EXACT)


def test_fay_factors_and_scale() -> None:
    strata, order, labels = _stratified([2, 2, 2])
    fs = rk.brr_factors(strata, order, labels, fay_rho=0.3)
    assert set(np.round(np.unique(fs.factors), 12)) == {0.3, 1.7}
    assert fs.scale == pytest.approx(1 / (4 * 0.7**2), rel=EXACT)


def test_brr_splits_large_strata_and_rejects_single_psu() -> None:
    strata, order, labels = _stratified([4, 2])
    fs = rk.brr_factors(strata, order, labels)
    np.testing.assert_array_equal(fs.factors[[0, 2, 4]] + fs.factors[[1, 3, 5]], 2.0)
    strata, order, labels = _stratified([2, 1])
    with pytest.raises(DesignError, match="'s1'"):
        rk.brr_factors(strata, order, labels)


def test_rao_wu_bootstrap_structure_and_reproducibility() -> None:
    strata, _, labels = _stratified([4, 6, 2])
    a = rk.rao_wu_factors(strata, labels, 200, 2024)
    b = rk.rao_wu_factors(strata, labels, 200, 2024)
    np.testing.assert_array_equal(a.factors, b.factors)  # bit-identical for the same seed
    c = rk.rao_wu_factors(strata, labels, 200, 2025)
    assert not np.array_equal(a.factors, c.factors)
    for h, n_h in enumerate([4, 6, 2]):
        block = a.factors[strata == h]
        # n_h - 1 draws, each worth n_h/(n_h-1): the stratum total of factors is n_h
        np.testing.assert_allclose(block.sum(axis=0), n_h, rtol=EXACT)
        counts = block * (n_h - 1) / n_h
        np.testing.assert_allclose(counts, np.round(counts), atol=EXACT)
    assert a.scale == pytest.approx(1 / 199, rel=EXACT)


def test_rao_wu_bootstrap_variance_of_total_is_unbiased_for_srswr() -> None:
    """E[bootstrap variance] = sum_h N_h^2 s_h^2 / n_h (with replacement) for a total."""
    rng = np.random.default_rng(5)
    n_h = np.array([6, 10])
    strata = np.repeat(np.arange(2), n_h)
    y = rng.normal(0, 1, size=strata.shape[0])
    w = np.ones_like(y) * 7.0
    fs = rk.rao_wu_factors(strata, ["a", "b"], 20000, 9)
    theta = fs.factors.T @ (w * y)
    v_boot = replicate_vcov(theta, np.array([w @ y]), fs.scale, fs.rscales, False)[0, 0]
    v_wr = sum(49 * n_h[h] * np.var(y[strata == h], ddof=1) for h in range(2))
    # 20000 replicates: the relative Monte Carlo error of a variance is about sqrt(2/R) = 1%
    assert v_boot == pytest.approx(v_wr, rel=0.05)


def test_rao_wu_refuses_lonely_psu() -> None:
    strata, _, labels = _stratified([3, 1])
    with pytest.raises(DesignError, match="'s1'"):
        rk.rao_wu_factors(strata, labels, 10, 1)
    ok = rk.rao_wu_factors(strata, labels, 10, 1, lonely_psu="certainty")
    np.testing.assert_array_equal(ok.factors[3], 1.0)


def test_replicate_vcov_centres_and_mse() -> None:
    theta = np.array([[1.0, 2.0], [3.0, 2.0], [2.0, 5.0]])
    full = np.array([2.5, 3.0])
    v = replicate_vcov(theta, full, 0.5, np.ones(3), mse=False)
    dev = theta - theta.mean(axis=0)
    np.testing.assert_allclose(v, 0.5 * dev.T @ dev, rtol=EXACT)
    v_mse = replicate_vcov(theta, full, 0.5, np.ones(3), mse=True)
    dev = theta - full
    np.testing.assert_allclose(v_mse, 0.5 * dev.T @ dev, rtol=EXACT)
    with pytest.warns(GovstatsWarning, match="1 of 3 replicates"):
        v_na = replicate_vcov(np.array([1.0, np.nan, 3.0]), np.array([1.0]), 1.0, np.ones(3), False)
    np.testing.assert_allclose(v_na, [[2.0]], rtol=EXACT)


def test_psu_totals_and_rank_df() -> None:
    psu = np.array([0, 1, 0, 2, 1])
    vals = np.arange(10.0).reshape(5, 2)
    np.testing.assert_array_equal(rk.psu_totals(psu, 3, vals), [[4, 6], [10, 12], [6, 7]])
    strata, order, labels = _stratified([3, 3])
    fs = rk.jkn_factors(strata, order, np.zeros(2), labels)
    # R's degf: rank of the replicate weights minus one = PSUs - strata
    assert rk.rank_df(fs.factors) == 4
