"""i.i.d. bootstrap against a loop reference, hand-computed BCa, replicate and MC checks."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

import govstats as gs
from govstats.errors import ModelError

from .conftest import make_chain_data

#: The batched and loop implementations solve the same normal equations.
LOOP_RTOL = 1e-9


def _effects_loop(df, mediators, idx):
    """Reference: refit every equation by least squares on the resampled rows."""
    d = df.iloc[idx]
    coef = {}
    for j, m in enumerate(mediators):
        x = np.column_stack([np.ones(len(d)), d["rural"], *(d[p] for p in mediators[:j])])
        coef[m] = np.linalg.lstsq(x, d[m].to_numpy(), rcond=None)[0]
    x = np.column_stack([np.ones(len(d)), d["rural"], *(d[p] for p in mediators)])
    coef["y"] = np.linalg.lstsq(x, d["y"].to_numpy(), rcond=None)[0]
    a = [coef[m][1] for m in mediators]
    b = coef["y"][2:]
    if len(mediators) == 1:
        return np.array([a[0] * b[0]])
    d21 = coef[mediators[1]][2]
    return np.array([a[0] * b[0], a[1] * b[1], a[0] * d21 * b[1]])


def test_iid_bootstrap_equals_loop_reference() -> None:
    df = make_chain_data(n=120, k=2, seed=21)
    n_rep, seed = 60, 123
    res = gs.DivideChain(df, "rural", ["m1", "m2"], "y").fit(
        inference="bootstrap", replicates=n_rep, seed=seed, progress=False
    )
    rng = np.random.default_rng(seed)
    loop = np.array(
        [_effects_loop(df, ["m1", "m2"], rng.integers(0, len(df), len(df))) for _ in range(n_rep)]
    )
    draws = res.replicate_estimates.iloc[:, :3].to_numpy()
    np.testing.assert_allclose(draws, loop, rtol=LOOP_RTOL)
    se = loop.std(axis=0, ddof=1)
    np.testing.assert_allclose(res.effects["se"].iloc[:3].to_numpy(), se, rtol=LOOP_RTOL)
    low = np.quantile(loop, 0.025, axis=0)
    np.testing.assert_allclose(res.effects["ci_low"].iloc[:3].to_numpy(), low, rtol=LOOP_RTOL)


def test_bca_equals_hand_computation() -> None:
    df = make_chain_data(n=60, k=1, seed=7)
    n_rep, seed, level = 400, 9, 0.9
    res = gs.DivideChain(df, "rural", ["m1"], "y").fit(
        inference="bootstrap", replicates=n_rep, seed=seed, ci="bca", level=level, progress=False
    )
    theta = _effects_loop(df, ["m1"], np.arange(len(df)))[0]
    rng = np.random.default_rng(seed)
    boot = np.array(
        [_effects_loop(df, ["m1"], rng.integers(0, len(df), len(df)))[0] for _ in range(n_rep)]
    )
    jack = np.array(
        [_effects_loop(df, ["m1"], np.delete(np.arange(len(df)), i))[0] for i in range(len(df))]
    )
    z0 = stats.norm.ppf((np.sum(boot < theta) + 0.5 * np.sum(boot == theta)) / n_rep)
    dev = jack.mean() - jack
    acc = np.sum(dev**3) / (6 * np.sum(dev**2) ** 1.5)
    z = stats.norm.ppf([(1 - level) / 2, (1 + level) / 2])
    probs = stats.norm.cdf(z0 + (z0 + z) / (1 - acc * (z0 + z)))
    expected = np.quantile(boot, probs)
    row = res.effects.loc["rural -> m1 -> y"]
    assert row["ci_low"] == pytest.approx(expected[0], rel=LOOP_RTOL)
    assert row["ci_high"] == pytest.approx(expected[1], rel=LOOP_RTOL)
    assert acc != 0 and z0 != 0  # both corrections are really applied


def test_same_seed_same_draws_and_no_global_state() -> None:
    df = make_chain_data(n=200, k=2, seed=1)
    chain = gs.DivideChain(df, "rural", ["m1", "m2"], "y")
    a = chain.fit(inference="replicate", replicates=50, seed=3, progress=False)
    b = chain.fit(inference="replicate", replicates=50, seed=3, progress=False)
    np.testing.assert_array_equal(a.replicate_estimates, b.replicate_estimates)
    c = chain.fit(inference="montecarlo", replicates=50, seed=np.random.default_rng(3))
    assert c.n_replicates == 50


def test_replicate_and_montecarlo_se_agree_with_linearization() -> None:
    """Bootstrap SEs estimate the linearization SE with relative error ~ 1/sqrt(2R)."""
    df = make_chain_data(n=1000, k=2, seed=12, weighted=True)
    chain = gs.DivideChain(df, "rural", ["m1", "m2"], "y", ["age"], weights="w")
    lin = chain.fit(inference="linearization").effects["se"].iloc[:4]
    n_rep = 800
    tol = 5 / np.sqrt(2 * n_rep)
    for inference in ("replicate", "montecarlo"):
        res = chain.fit(inference=inference, replicates=n_rep, seed=4, progress=False)
        np.testing.assert_allclose(res.effects["se"].iloc[:4], lin, rtol=tol)


def test_iid_bootstrap_refuses_weighted_data_unless_allowed() -> None:
    df = make_chain_data(n=200, k=1, seed=2, weighted=True)
    chain = gs.DivideChain(df, "rural", ["m1"], "y", weights="w")
    with pytest.raises(ModelError, match=r"unequal weights.*allow_iid_bootstrap=True"):
        chain.fit(inference="bootstrap", replicates=20, seed=1)
    res = chain.fit(inference="bootstrap", replicates=20, seed=1, allow_iid_bootstrap=True)
    assert res.method == "bootstrap"


def test_bca_with_too_few_replicates_is_refused() -> None:
    df = make_chain_data(n=100, k=1, seed=2)
    with pytest.raises(ModelError, match=r"bca.*at least 200 replicates"):
        gs.DivideChain(df, "rural", ["m1"], "y").fit(
            inference="replicate", replicates=50, ci="bca", seed=1
        )


def test_by_group_replicate_differences_use_the_same_replicates() -> None:
    df = make_chain_data(n=600, k=2, seed=13)
    res = gs.DivideChain(df, "rural", ["m1", "m2"], "y").fit(
        inference="replicate", replicates=100, seed=2, by="region", progress=False
    )
    draws = res.replicate_estimates
    diff = draws["west"] - draws["east"]
    se = diff.std(ddof=1)
    got = res.differences.loc["west - east", "se"]
    np.testing.assert_allclose(got.to_numpy(), se.to_numpy(), rtol=1e-10)
    contrast = res.contrast("rural -> m1 -> y", "rural -> m2 -> y", domain="east")
    assert contrast["se"].iloc[0] > 0


def test_bca_without_interval_is_stated_not_silent() -> None:
    """A ratio with a near-zero denominator can have no BCa interval: NaN plus a note."""
    df = make_chain_data(n=60, k=1, seed=5)
    res = gs.DivideChain(df, "rural", ["m1"], "y").fit(
        inference="bootstrap", replicates=400, seed=9, ci="bca", level=0.9, progress=False
    )
    row = res.effects.loc["proportion_mediated"]
    assert np.isnan(row["ci_low"]) and np.isnan(row["ci_high"])
    assert any("no BCa interval for ['proportion_mediated']" in note for note in res.notes)
    assert np.isfinite(res.effects.drop(index="proportion_mediated")[["ci_low", "ci_high"]]).all(
        axis=None
    )
    with pytest.raises(ModelError, match="no BCa interval"):
        res.contrast("indirect_total", "proportion_mediated")
