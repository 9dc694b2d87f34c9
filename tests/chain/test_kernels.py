"""Properties of the array kernels (hypothesis) and small API behaviours."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import govstats as gs
from govstats.chain import _effects, _paths, _sampling
from govstats.chain.spec import specific_paths
from govstats.design import inference
from govstats.errors import ModelError

from .conftest import make_chain_data


def _emap(k: int, n_cov: int) -> _effects.EffectMap:
    sizes = [2 + j + n_cov for j in range(k)] + [2 + k + n_cov]
    return _effects.EffectMap.from_sizes(sizes, specific_paths(k))


@settings(max_examples=40, deadline=None)
@given(k=st.integers(1, 6), n_cov=st.integers(0, 3), seed=st.integers(0, 2**32 - 1))
def test_effect_identities_and_exact_gradient(k: int, n_cov: int, seed: int) -> None:
    emap = _emap(k, n_cov)
    coef = np.random.default_rng(seed).normal(size=int(emap.offsets[-1]))
    eff = _effects.effects(coef[None], emap)[0]
    n_specific = 2**k - 1
    assert eff[n_specific] == pytest.approx(eff[:n_specific].sum(), rel=1e-12, abs=1e-14)
    assert eff[n_specific + 2] == pytest.approx(eff[n_specific] + eff[n_specific + 1], rel=1e-12)
    grad = _effects.effect_gradients(coef, emap)
    step = 1e-6
    for p in range(coef.size):
        up, down = coef.copy(), coef.copy()
        up[p] += step
        down[p] -= step
        numeric = (_effects.effects(up[None], emap)[0] - _effects.effects(down[None], emap)[0]) / (
            2 * step
        )
        # Effects are polynomials (degree <= k + 1) in the paths: central differences
        # are exact up to O(step^2) and rounding.
        np.testing.assert_allclose(grad[: n_specific + 3, p], numeric[: n_specific + 3], atol=1e-6)


@settings(max_examples=25, deadline=None)
@given(n_psu=st.integers(2, 30), seed=st.integers(0, 2**32 - 1))
def test_batched_crossproducts_equal_direct_replicate_weights(n_psu: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    n, q = 5 * n_psu, 4
    z = rng.normal(size=(n, q))
    w = rng.uniform(0.5, 2, n)
    psu = rng.integers(0, n_psu, n)
    psu[:n_psu] = np.arange(n_psu)
    factors = rng.uniform(0, 2, size=(n_psu, 3))
    batched = factors.T @ _paths.psu_crossproducts(z, w, psu, n_psu)
    rows, cols = _paths.pair_index(q)
    for r in range(3):
        wr = w * factors[psu, r]
        direct = (z * wr[:, None]).T @ z
        np.testing.assert_allclose(batched[r], direct[rows, cols], rtol=1e-10, atol=1e-10)


def test_jackknife_crossproducts_equal_jkn_reweighting() -> None:
    rng = np.random.default_rng(3)
    psu_strata = np.array([0, 0, 0, 1, 1, 2])
    cross = rng.normal(size=(6, 5))
    jack = _sampling.jackknife_crossproducts(cross, psu_strata)
    assert jack.shape == (5, 5)  # the single PSU of stratum 2 is not deleted
    n_h = np.array([3, 3, 3, 2, 2, 1])
    for i in range(5):
        f = np.ones(6)
        same = psu_strata == psu_strata[i]
        f[same] = n_h[i] / (n_h[i] - 1)
        f[i] = 0.0
        np.testing.assert_allclose(jack[i], f @ cross, rtol=1e-12)


def test_rao_wu_factors_keep_stratum_totals() -> None:
    psu_strata = np.repeat(np.arange(4), [2, 3, 5, 4])
    factors = next(inference.rao_wu_factors(psu_strata, 50, seed=1))
    for h in range(4):
        n_h = (psu_strata == h).sum()
        # n_h - 1 draws, each worth n_h / (n_h - 1): factors sum to n_h in every stratum.
        np.testing.assert_allclose(factors[psu_strata == h].sum(axis=0), n_h)


def test_six_mediators_and_too_many() -> None:
    df = make_chain_data(n=300, k=6, seed=2)
    mediators = [f"m{j}" for j in range(1, 7)]
    res = gs.DivideChain(df, "rural", mediators, "y").fit(inference="linearization")
    assert len(res.effects) == 63 + 4
    df["m7"] = df["m1"] + np.random.default_rng(0).normal(size=len(df))
    with pytest.raises(ModelError, match="1 to 6 mediators"):
        gs.DivideChain(df, "rural", [*mediators, "m7"], "y")


def test_continuous_x_has_no_cascade() -> None:
    df = make_chain_data(n=200, k=1, seed=2)
    df["exposure"] = df["rural"] + np.random.default_rng(1).normal(size=len(df))
    chain = gs.DivideChain(df, "exposure", ["m1"], "y")
    assert chain.fit(inference="linearization").cascade is None
    with pytest.raises(ModelError, match="'exposure' is not binary"):
        chain.cascade()


def test_replicate_count_with_replicate_design_is_refused() -> None:
    sim = gs.datasets.simulate_survey(seed=4, n_persons=800)
    design = gs.SurveyDesign(sim.data, weights="weight", strata="stratum", psu="county")
    reps = design.to_replicates("jkn")
    chain = gs.DivideChain(reps, "rural", ["info_access"], "service")
    with pytest.raises(ModelError, match="already carries"):
        chain.fit(replicates=100)
    with pytest.raises(ModelError, match=r"ci='percentile' is not available.*\['wald'\]"):
        chain.fit(ci="percentile")
