"""Unit tests of the calibration kernels (govstats.design._calibrate) on plain arrays."""

from __future__ import annotations

import numpy as np
import pytest

from govstats.design import _calibrate as ck
from govstats.errors import ConvergenceError

# identities that hold in exact arithmetic, checked in float64
EXACT = 1e-10


@pytest.fixture
def sample() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(3)
    n = 300
    a = rng.integers(0, 3, n)
    b = rng.integers(0, 2, n)
    x = rng.gamma(2.0, 5.0, n)
    w = rng.uniform(5, 15, n)
    return {"a": a, "b": b, "x": x, "w": w}


def test_poststratification_hits_cell_counts(sample: dict[str, np.ndarray]) -> None:
    pop = np.array([1000.0, 700.0, 300.0])
    new = ck.poststratify_weights(sample["a"], sample["w"], pop)
    np.testing.assert_allclose(np.bincount(sample["a"], weights=new), pop, rtol=EXACT)
    # a block of replicate weights is post-stratified column by column
    block = np.column_stack([sample["w"], 2 * sample["w"]])
    out = ck.poststratify_weights(sample["a"], block, pop)
    np.testing.assert_allclose(out[:, 0], new, rtol=EXACT)
    np.testing.assert_allclose(out[:, 1], new, rtol=EXACT)


def test_raking_hits_every_margin(sample: dict[str, np.ndarray]) -> None:
    pa = np.array([1000.0, 700.0, 300.0])
    pb = np.array([1200.0, 800.0])
    joint = sample["a"] * 2 + sample["b"]
    res = ck.rake_weights([sample["a"], sample["b"]], [pa, pb], sample["w"], joint, 6, 100, 1e-9)
    assert res.converged
    np.testing.assert_allclose(np.bincount(sample["a"], weights=res.weights), pa, rtol=1e-9)
    np.testing.assert_allclose(np.bincount(sample["b"], weights=res.weights), pb, rtol=EXACT)


def test_poststratification_equals_raking_on_one_margin(sample: dict[str, np.ndarray]) -> None:
    pop = np.array([1000.0, 700.0, 300.0])
    ps = ck.poststratify_weights(sample["a"], sample["w"], pop)
    rk = ck.rake_weights([sample["a"]], [pop], sample["w"], sample["a"], 3, 10, 1.0)
    np.testing.assert_allclose(rk.weights, ps, rtol=EXACT)


def test_raking_stops_at_max_iter_without_converging(sample: dict[str, np.ndarray]) -> None:
    joint = sample["a"] * 2 + sample["b"]
    pa, pb = np.array([1000.0, 700.0, 300.0]), np.array([1200.0, 800.0])
    res = ck.rake_weights([sample["a"], sample["b"]], [pa, pb], sample["w"], joint, 6, 1, 1e-12)
    assert not res.converged and res.iterations == 1 and res.max_change > 0


def test_linear_calibration_hits_totals_and_is_closed_form(sample: dict[str, np.ndarray]) -> None:
    mm = np.column_stack([np.ones_like(sample["x"]), sample["x"], sample["b"]])
    pop = np.array([2000.0, 21000.0, 800.0])
    g = ck.linear_greg(mm, sample["w"], pop)
    np.testing.assert_allclose(mm.T @ (sample["w"] * g), pop, rtol=EXACT)
    g_newton, iterations, _ = ck.grake(mm, sample["w"], "linear", (-np.inf, np.inf), pop, 1e-10, 50)
    np.testing.assert_allclose(g_newton, g, rtol=1e-9)
    assert iterations == 1  # a linear calibration function needs exactly one Newton step


@pytest.mark.parametrize("calfun", ["raking", "logit"])
def test_bounded_calibration_respects_bounds(sample: dict[str, np.ndarray], calfun: str) -> None:
    mm = np.column_stack([np.ones_like(sample["x"]), sample["x"]])
    pop = np.array([3000.0, 33000.0])  # sample totals are about 3069 and 31511
    g, _, misfit = ck.grake(mm, sample["w"], calfun, (0.7, 1.6), pop, 1e-9, 100)
    np.testing.assert_allclose(mm.T @ (sample["w"] * g), pop, rtol=1e-8)
    assert misfit < 1e-9
    if calfun == "logit":
        assert g.min() > 0.7 and g.max() < 1.6


def test_raking_calfun_equals_iterative_raking(sample: dict[str, np.ndarray]) -> None:
    """Exponential calibration on two full sets of dummies is raking (Deville-Sarndal)."""
    da = (sample["a"][:, None] == np.arange(3)).astype(float)
    db = (sample["b"][:, None] == np.arange(2)).astype(float)
    mm = np.column_stack([da, db[:, 1:]])
    pa, pb = np.array([1000.0, 700.0, 300.0]), np.array([1200.0, 800.0])
    pop = np.concatenate([pa, pb[1:]])
    g, _, _ = ck.grake(mm, sample["w"], "raking", (-np.inf, np.inf), pop, 1e-12, 100)
    joint = sample["a"] * 2 + sample["b"]
    res = ck.rake_weights([sample["a"], sample["b"]], [pa, pb], sample["w"], joint, 6, 500, 1e-10)
    np.testing.assert_allclose(sample["w"] * g, res.weights, rtol=1e-8)


def test_unattainable_bounds_raise(sample: dict[str, np.ndarray]) -> None:
    mm = np.column_stack([np.ones_like(sample["x"])])
    pop = np.array([10.0 * sample["w"].sum()])  # needs g = 10 everywhere
    with pytest.raises(ConvergenceError, match="bounds"):
        ck.grake(mm, sample["w"], "linear", (0.5, 2.0), pop, 1e-7, 50)


def test_greg_residuals_are_orthogonal_and_kill_calibration_variables(
    sample: dict[str, np.ndarray],
) -> None:
    mm = np.column_stack([np.ones_like(sample["x"]), sample["x"]])
    w = sample["w"]
    pop = np.array([2000.0, 21000.0])
    g = ck.linear_greg(mm, w, pop)
    basis = ck.qr_basis(mm * np.sqrt(w)[:, None])
    wg = g * np.sqrt(w)
    # a calibration variable's weighted scores are fully explained: zero residual
    scores = (w * g * sample["x"])[:, None]
    np.testing.assert_allclose(ck.resid_greg(scores, basis, wg), 0.0, atol=1e-8)
    y = np.random.default_rng(1).normal(size=(w.shape[0], 2))
    res = ck.resid_greg(y, basis, wg)
    np.testing.assert_allclose(basis.T @ (res / wg[:, None]), 0.0, atol=1e-8)


def test_poststrat_residuals_remove_cell_means(sample: dict[str, np.ndarray]) -> None:
    pop = np.array([1000.0, 700.0, 300.0])
    new = ck.poststratify_weights(sample["a"], sample["w"], pop)
    # the count of a cell is fixed by post-stratification: no variance left
    scores = (new * (sample["a"] == 1))[:, None]
    np.testing.assert_allclose(
        ck.resid_poststrat(scores, sample["a"], 3, new, sample["w"]), 0.0, atol=1e-9
    )


def test_raking_residuals_kill_the_margins(sample: dict[str, np.ndarray]) -> None:
    pa, pb = np.array([1000.0, 700.0, 300.0]), np.array([1200.0, 800.0])
    joint = sample["a"] * 2 + sample["b"]
    res = ck.rake_weights([sample["a"], sample["b"]], [pa, pb], sample["w"], joint, 6, 100, 1e-9)
    margins = [(sample["a"], 3, res.margin_weights[0]), (sample["b"], 2, res.margin_weights[1])]
    scores = (res.weights * (sample["b"] == 1))[:, None]
    np.testing.assert_allclose(ck.resid_raking(scores, margins), 0.0, atol=1e-6)


def test_raking_residuals_from_joint_cells_equal_the_row_sweeps(
    sample: dict[str, np.ndarray],
) -> None:
    pa, pb = np.array([1000.0, 700.0, 300.0]), np.array([1200.0, 800.0])
    joint = sample["a"] * 2 + sample["b"]
    res = ck.rake_weights([sample["a"], sample["b"]], [pa, pb], sample["w"], joint, 6, 100, 1e-9)
    margins = [(sample["a"], 3, res.margin_weights[0]), (sample["b"], 2, res.margin_weights[1])]
    rng = np.random.default_rng(3)
    scores = res.weights[:, None] * rng.normal(size=(sample["w"].shape[0], 2))
    np.testing.assert_allclose(
        ck.resid_raking_cells(scores, [3, 2], res.joint),
        ck.resid_raking(scores, margins),
        rtol=1e-10,
        atol=1e-10,
    )
    # the achieved margins come from the joint-cell totals
    np.testing.assert_allclose(
        np.bincount(joint, weights=res.weights, minlength=6), res.cell_totals
    )
