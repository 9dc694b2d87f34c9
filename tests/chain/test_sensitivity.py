"""ChainResult.sensitivity: Imai-Keele-Yamamoto rho for the serial chain, and E-values."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import govstats as gs
from govstats.chain.sensitivity import e_value
from govstats.errors import ModelError


def _one_mediator(n: int = 4000, seed: int = 0, confounded: float = 0.0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.binomial(1, 0.5, size=n).astype(float)
    u = rng.normal(size=n) * confounded
    m = 0.6 * x + u + rng.normal(size=n)
    y = 0.3 * x + 0.5 * m + u + rng.normal(size=n)
    return pd.DataFrame({"x": x, "m": m, "y": y, "w": rng.uniform(1, 3, size=n),
                         "psu": np.arange(n) // 20, "h": np.arange(n) % 4})  # fmt: skip


def _wls_resid(y: np.ndarray, x: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    xw = x * w[:, None]
    beta = np.linalg.solve(xw.T @ x, xw.T @ y)
    return beta, y - x @ beta


def test_single_mediator_matches_the_imai_keele_yamamoto_formula() -> None:
    df = _one_mediator()
    res = gs.DivideChain(df, x="x", mediators=["m"], outcome="y", weights="w").fit(
        inference="linearization"
    )
    grid = [-0.6, -0.2, 0.0, 0.25, 0.5]
    sens = res.sensitivity(link=("m", "y"), rho=grid)
    # IKY (2010) Theorem 2 from the three weighted regressions, written independently
    w = df["w"].to_numpy()
    ones = np.ones(len(df))
    xm = np.column_stack([ones, df["x"]])
    beta2, e2 = _wls_resid(df["m"].to_numpy(), xm, w)
    _, e1 = _wls_resid(df["y"].to_numpy(), xm, w)
    s1 = np.sqrt(np.sum(w * e1**2) / w.sum())
    s2 = np.sqrt(np.sum(w * e2**2) / w.sum())
    rho_t = np.sum(w * e1 * e2) / w.sum() / (s1 * s2)
    curve = sens.curves[sens.curves["term"] == "x -> m -> y"].set_index("rho")["estimate"]
    for r in grid:
        acme = beta2[1] * s1 / s2 * (rho_t - r * np.sqrt((1 - rho_t**2) / (1 - r**2)))
        assert curve.loc[r] == pytest.approx(acme, rel=1e-9)
    row = sens.thresholds.set_index("term").loc["x -> m -> y"]
    # IKY: the ACME is zero at rho = rho~
    assert row["rho_estimate_zero"] == pytest.approx(rho_t, rel=1e-9)


def test_rho_zero_reproduces_the_fit_and_the_total_effect_never_moves() -> None:
    sim = gs.datasets.simulate_survey(seed=3, n_persons=2500)
    design = gs.SurveyDesign(sim.data, weights="weight", strata="stratum", psu="county")
    chain = gs.DivideChain(design, x="rural",
                           mediators=["info_access", "participation", "expression"],
                           outcome="service", covariates=["age", "edu_years"])  # fmt: skip
    res = chain.fit(inference="linearization")
    sens = res.sensitivity(link="participation -> service")
    at0 = sens.curves[sens.curves["rho"] == 0].set_index("term")
    for term in at0.index:
        assert at0.loc[term, "estimate"] == pytest.approx(res.effects.loc[term, "estimate"])
        assert at0.loc[term, "se"] == pytest.approx(res.effects.loc[term, "se"], rel=1e-4)
    total = sens.curves[sens.curves["term"] == "total"]["estimate"]
    np.testing.assert_allclose(total, res.effects.loc["total", "estimate"], rtol=1e-10)
    # effects not through the link (and not sharing the later equation) do not move
    untouched = sens.curves[sens.curves["term"] == "rural -> info_access -> expression -> service"]
    assert untouched["estimate"].nunique() == 1
    moved = sens.curves[sens.curves["term"] == "rural -> participation -> service"]
    assert moved["estimate"].nunique() > 1


def test_a_known_confounder_is_undone_at_its_rho() -> None:
    # u enters both equations with variance 1, errors of variance 1: rho = 1 / 2
    df = _one_mediator(n=20000, seed=4, confounded=1.0)
    res = gs.DivideChain(df, x="x", mediators=["m"], outcome="y").fit(inference="linearization")
    assert res.effects.loc["x -> m -> y", "estimate"] > 0.5  # biased upwards (truth 0.3)
    sens = res.sensitivity(link=("m", "y"), rho=[0.5])
    at = sens.curves[(sens.curves["rho"] == 0.5)].set_index("term")
    assert at.loc["x -> m -> y", "estimate"] == pytest.approx(0.6 * 0.5, abs=0.03)
    assert at.loc["direct", "estimate"] == pytest.approx(0.3, abs=0.05)


def test_replicate_intervals_and_the_rho_where_the_interval_covers_zero() -> None:
    df = _one_mediator(n=3000, seed=5)
    design = gs.SurveyDesign(df, weights="w", strata="h", psu="psu", nest=True)
    res = gs.DivideChain(design, x="x", mediators=["m"], outcome="y").fit(
        inference="replicate", replicates=200, seed=1, progress=False
    )
    sens = res.sensitivity(link=("m", "y"))
    assert sens.method == res.method
    row = sens.thresholds.set_index("term").loc["x -> m -> y"]
    r = row["rho_interval_zero"]
    assert 0 < r < row["rho_estimate_zero"]
    inside = res.sensitivity(link=("m", "y"), rho=[r, r - 1e-4]).curves.set_index(["term", "rho"])
    assert inside.loc[("x -> m -> y", r), "ci_low"] <= 0
    assert inside.loc[("x -> m -> y", r - 1e-4), "ci_low"] > 0
    curve = sens.curves[sens.curves["term"] == "x -> m -> y"].set_index("rho")
    smaller = curve[(curve.index >= 0) & (curve.index < r)]
    assert (smaller["ci_low"] > 0).all()
    assert list(sens.to_frame().columns) == [
        "term", "estimate", "se", "ci_low", "ci_high", "df", "rho"
    ]  # fmt: skip


def test_e_values() -> None:
    np.testing.assert_allclose(e_value(np.array([2.0, 0.5, 1.0])), [2 + np.sqrt(2)] * 2 + [1.0])
    df = _one_mediator(n=3000, seed=6)
    res = gs.DivideChain(df, x="x", mediators=["m"], outcome="y").fit(inference="linearization")
    ev = res.sensitivity(link=("m", "y"), rho=[0.1]).evalues.set_index("term")
    sd_y = df["y"].std(ddof=0)
    d = res.effects.loc["total", "estimate"] / sd_y
    rr = np.exp(0.91 * d)
    assert ev.loc["total", "e_value"] == pytest.approx(rr + np.sqrt(rr * (rr - 1)), rel=1e-8)
    assert 1 <= ev.loc["total", "e_value_ci"] <= ev.loc["total", "e_value"]


def test_bad_links_and_rho() -> None:
    df = _one_mediator(n=500)
    res = gs.DivideChain(df, x="x", mediators=["m"], outcome="y").fit(inference="linearization")
    with pytest.raises(ModelError, match="not a mediator"):
        res.sensitivity(link=("y", "m"))
    with pytest.raises(ModelError, match="between -1 and 1"):
        res.sensitivity(link=("m", "y"), rho=[1.0])
    with pytest.raises(ModelError, match="name a mediator"):
        res.sensitivity(link="m")


def test_sensitivity_at_the_simulators_true_rho_recovers_the_chain() -> None:
    sim = gs.datasets.simulate_survey(seed=5, chain_confounding=0.8)
    truth = sim.truth
    assert 0.3 < truth.link_rho < 0.5
    design = gs.SurveyDesign(sim.data, weights="weight", strata="stratum", psu="county")
    res = gs.DivideChain(design, x="rural",
                         mediators=["info_access", "participation", "expression"],
                         outcome="service",
                         covariates=["age", "female", "edu_years", "log_income"]).fit(
        inference="linearization"
    )  # fmt: skip
    link = "rural -> info_access -> service"
    naive = res.effects.loc[link]
    assert naive["ci_high"] < truth.effects[link]  # confounding makes it far too negative
    sens = res.sensitivity(link=("info_access", "service"), rho=[truth.link_rho])
    at = sens.curves[sens.curves["rho"] == truth.link_rho].set_index("term")
    for term in (link, "indirect_total", "direct", "total"):
        assert abs(at.loc[term, "estimate"] - truth.effects[term]) < 3 * at.loc[term, "se"]


def test_default_simulation_has_no_chain_confounding() -> None:
    sim = gs.datasets.simulate_survey(seed=1, n_persons=1000)
    assert sim.truth.link_rho == 0.0
    assert sim.truth.residual_sd["info_access"] == 1.0
