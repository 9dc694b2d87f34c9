"""Effect identities, closed forms and agreement with independent WLS fits."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

import govstats as gs
from govstats.chain.spec import effect_names, specific_paths

from .conftest import make_chain_data

#: Identities are sums and products of the same float64 numbers.
IDENTITY_RTOL = 1e-12
#: Independent least-squares solvers agree to rounding.
SOLVER_RTOL = 1e-9


def _wls(df: pd.DataFrame, y: str, xs: list[str], w: str | None = None):
    x = sm.add_constant(df[xs].astype(float))
    weights = df[w] if w else np.ones(len(df))
    return sm.WLS(df[y], x, weights=weights).fit()


@pytest.mark.parametrize("k", [1, 2, 3, 4])
def test_specific_effects_sum_to_indirect_and_total(k: int) -> None:
    df = make_chain_data(n=300, k=k, seed=k)
    mediators = [f"m{j + 1}" for j in range(k)]
    res = gs.DivideChain(df, "rural", mediators, "y", ["age"]).fit(inference="none")
    eff = res.effects["estimate"]
    n_specific = 2**k - 1
    assert len(eff) == n_specific + 4
    assert eff.iloc[:n_specific].sum() == pytest.approx(eff["indirect_total"], rel=IDENTITY_RTOL)
    assert eff["total"] == pytest.approx(eff["direct"] + eff["indirect_total"], rel=IDENTITY_RTOL)
    assert eff["proportion_mediated"] == pytest.approx(
        eff["indirect_total"] / eff["total"], rel=IDENTITY_RTOL
    )


def test_total_effect_equals_regression_of_y_on_x_and_covariates() -> None:
    """In a saturated linear chain the total effect is the reduced-form x coefficient."""
    df = make_chain_data(n=500, k=3, seed=3, weighted=True)
    res = gs.DivideChain(df, "rural", ["m1", "m2", "m3"], "y", ["age"], weights="w").fit(
        inference="none"
    )
    reduced = _wls(df, "y", ["rural", "age"], "w").params["rural"]
    assert res.effects.loc["total", "estimate"] == pytest.approx(reduced, rel=SOLVER_RTOL)


def test_k1_is_simple_mediation_a_times_b() -> None:
    df = make_chain_data(n=400, k=1, seed=11)
    res = gs.DivideChain(df, "rural", ["m1"], "y", ["age"]).fit(inference="none")
    a = _wls(df, "m1", ["rural", "age"]).params["rural"]
    fit_y = _wls(df, "y", ["rural", "m1", "age"])
    eff = res.effects["estimate"]
    assert eff["rural -> m1 -> y"] == pytest.approx(a * fit_y.params["m1"], rel=SOLVER_RTOL)
    assert eff["direct"] == pytest.approx(fit_y.params["rural"], rel=SOLVER_RTOL)


def test_paths_equal_statsmodels_wls_with_dummy_coded_covariate() -> None:
    df = make_chain_data(n=500, k=2, seed=5, weighted=True)
    res = gs.DivideChain(df, "rural", ["m1", "m2"], "y", ["age", "occupation"], weights="w").fit(
        inference="none"
    )
    dummies = pd.get_dummies(df["occupation"], prefix="occupation", prefix_sep="[T.", dtype=float)
    dummies.columns = [f"{c}]" for c in dummies.columns]
    data = pd.concat([df, dummies.drop(columns="occupation[T.clerk]")], axis=1)
    covs = ["age", "occupation[T.farmer]", "occupation[T.worker]"]
    for eq, xs in {"m1": ["rural"], "m2": ["rural", "m1"], "y": ["rural", "m1", "m2"]}.items():
        ref = _wls(data, eq, [*xs, *covs], "w").params
        got = res.paths[res.paths["equation"] == eq].set_index("term")["estimate"]
        got.index = got.index.str.replace("Intercept", "const", regex=False)
        np.testing.assert_allclose(got[ref.index].to_numpy(), ref.to_numpy(), rtol=SOLVER_RTOL)
    assert any("reference level 'clerk'" in note for note in res.notes)


def test_linearization_se_equals_hc0_sandwich_times_n_over_n_minus_1() -> None:
    """A DataFrame is svydesign(id=~1, weights=~w): SE^2 = n/(n-1) * HC0 (statsmodels)."""
    df = make_chain_data(n=300, k=2, seed=9, weighted=True)
    res = gs.DivideChain(df, "rural", ["m1", "m2"], "y", ["age"], weights="w").fit(
        inference="linearization"
    )
    n = len(df)
    ref = _wls(df, "y", ["rural", "m1", "m2", "age"], "w").get_robustcov_results("HC0")
    se = pd.Series(ref.bse, index=ref.model.exog_names) * np.sqrt(n / (n - 1))
    got = res.paths[res.paths["equation"] == "y"].set_index("term")["se"]
    assert got["m2"] == pytest.approx(se["m2"], rel=SOLVER_RTOL)
    assert got["rural"] == pytest.approx(se["rural"], rel=SOLVER_RTOL)


def test_delta_method_matches_numerical_gradient() -> None:
    df = make_chain_data(n=300, k=3, seed=2)
    res = gs.DivideChain(df, "rural", ["m1", "m2", "m3"], "y", ["age"]).fit(
        inference="linearization"
    )
    v = res.vcov("paths")
    a1, d21, b2 = "m1 ~ rural", "m2 ~ m1", "y ~ m2"
    est = res.paths.assign(name=res.paths["equation"] + " ~ " + res.paths["term"]).set_index(
        "name"
    )["estimate"]
    g = pd.Series(0.0, index=v.index)
    g[a1], g[d21], g[b2] = est[d21] * est[b2], est[a1] * est[b2], est[a1] * est[d21]
    se = float(np.sqrt(g @ v @ g))
    assert res.effects.loc["rural -> m1 -> m2 -> y", "se"] == pytest.approx(se, rel=1e-10)


def test_contrast_is_the_difference_with_its_own_se() -> None:
    df = make_chain_data(n=300, k=2, seed=4)
    res = gs.DivideChain(df, "rural", ["m1", "m2"], "y").fit(inference="linearization")
    a, b = "rural -> m1 -> y", "rural -> m2 -> y"
    out = res.contrast(a, b)
    eff = res.effects["estimate"]
    assert out["estimate"].iloc[0] == pytest.approx(eff[a] - eff[b], rel=IDENTITY_RTOL)
    v = res.vcov("effects")
    var = v.loc[a, a] + v.loc[b, b] - 2 * v.loc[a, b]
    assert out["se"].iloc[0] == pytest.approx(np.sqrt(var), rel=1e-10)


def test_by_group_equals_separate_fits_and_differences() -> None:
    df = make_chain_data(n=600, k=2, seed=8, weighted=True)
    chain = gs.DivideChain(df, "rural", ["m1", "m2"], "y", ["age"], weights="w")
    res = chain.fit(inference="linearization", by="region")
    for g in ("east", "west"):
        alone = gs.DivideChain(df[df.region == g], "rural", ["m1", "m2"], "y", ["age"], weights="w")
        expected = alone.fit(inference="none").effects["estimate"]
        np.testing.assert_allclose(
            res.effects.loc[g, "estimate"].to_numpy(), expected.to_numpy(), rtol=SOLVER_RTOL
        )
    diff = res.differences.loc["west - east", "estimate"]
    np.testing.assert_allclose(
        diff.to_numpy(),
        (res.effects.loc["west", "estimate"] - res.effects.loc["east", "estimate"]).to_numpy(),
        rtol=IDENTITY_RTOL,
    )
    # Independent halves: the difference's variance is the sum of the group variances
    # up to the n/(n-1) factor of the whole sample versus each half.
    se = res.differences.loc["west - east", "se"]
    se_sum = np.sqrt(res.effects.loc["west", "se"] ** 2 + res.effects.loc["east", "se"] ** 2)
    np.testing.assert_allclose(se.to_numpy(), se_sum.to_numpy(), rtol=1e-12)


def test_effect_names_and_order() -> None:
    assert specific_paths(3) == [(0,), (1,), (2,), (0, 1), (0, 2), (1, 2), (0, 1, 2)]
    names = effect_names("rural", ["info", "part"], "service")
    assert names[:3] == [
        "rural -> info -> service",
        "rural -> part -> service",
        "rural -> info -> part -> service",
    ]


def test_to_process_numbers_paths_with_a_key() -> None:
    df = make_chain_data(n=200, k=3, seed=1)
    res = gs.DivideChain(df, "rural", ["m1", "m2", "m3"], "y").fit(inference="linearization")
    table = res.to_process()
    assert list(table.index) == ["TOTAL", *(f"Ind{i}" for i in range(1, 8))]
    assert table.loc["Ind2", "key"] == "rural -> m1 -> m2 -> y"
    assert table.loc["Ind4", "key"] == "rural -> m1 -> m2 -> m3 -> y"
    assert table.loc["Ind2", "Effect"] == res.effects.loc["rural -> m1 -> m2 -> y", "estimate"]
    frame = res.to_frame()
    assert {"term", "estimate", "se", "ci_low", "ci_high", "df"} <= set(frame.columns)
    assert "indirect_total" in res.summary() and "ChainResult(k=3" in repr(res)


def test_binary_mediator_is_stated_as_linear_probability() -> None:
    df = make_chain_data(n=300, k=2, seed=3)
    df["m1"] = (df["m1"] > 0).astype(int)
    res = gs.DivideChain(df, "rural", ["m1", "m2"], "y").fit(inference="none")
    assert any("'m1' is binary" in note and "linear probability" in note for note in res.notes)


def test_cascade_means_and_gap() -> None:
    df = make_chain_data(n=400, k=2, seed=6, weighted=True)
    chain = gs.DivideChain(df, "rural", ["m1", "m2"], "y", ["age"], weights="w")
    cascade = chain.cascade()
    for link in ("m1", "m2", "y"):
        rows = cascade[cascade["link"] == link].set_index("group")
        for x in (0, 1):
            sub = df[df.rural == x]
            expected = np.average(sub[link], weights=sub["w"])
            assert rows.loc[f"rural = {x}", "estimate"] == pytest.approx(expected, rel=1e-12)
        gap = rows.loc["gap", "estimate"]
        assert gap == pytest.approx(
            rows.loc["rural = 1", "estimate"] - rows.loc["rural = 0", "estimate"], rel=1e-12
        )
        # The gap is the x coefficient of a WLS of the link on x alone; its design SE
        # is the HC0 sandwich times n/(n-1).
        ref = _wls(df, link, ["rural"], "w").get_robustcov_results("HC0")
        n = len(df)
        assert rows.loc["gap", "se"] == pytest.approx(ref.bse[1] * np.sqrt(n / (n - 1)), rel=1e-9)
    res = chain.fit(inference="linearization")
    pd.testing.assert_frame_equal(res.cascade, cascade)
