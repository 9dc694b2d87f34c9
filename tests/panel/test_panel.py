"""gs.panel: fixed effects (PanelOLS), staggered DID, and the panel simulator."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from govstats.datasets import simulate_panel
from govstats.errors import DataError, ModelError
from govstats.panel import did, fe


def _balanced(n: int = 60, periods: int = 4, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({"i": np.repeat(np.arange(n), periods), "t": np.tile(np.arange(periods), n)})
    df["x"] = rng.normal(size=len(df)) + np.repeat(rng.normal(size=n), periods)
    df["g"] = df["i"] % 12
    df["y"] = 1.5 * df["x"] + np.repeat(rng.normal(size=n), periods) + 0.3 * df["t"]
    df["y"] += rng.normal(size=len(df))
    df["z"] = np.repeat(rng.normal(size=n), periods)
    return df


def test_one_way_fe_equals_the_within_estimator_with_a_cluster_sandwich() -> None:
    df = _balanced()
    fit = fe(df, "y ~ x", "i", "t", cluster="g", time_effects=False)
    xd = df["x"] - df.groupby("i")["x"].transform("mean")
    yd = df["y"] - df.groupby("i")["y"].transform("mean")
    beta = float(xd @ yd / (xd @ xd))
    np.testing.assert_allclose(fit.params["x"], beta, rtol=1e-10)
    e = yd - beta * xd
    scores = (xd * e).groupby(df["g"]).sum().to_numpy()
    g = 12
    v = (scores @ scores) / (xd @ xd) ** 2 * g / (g - 1)
    np.testing.assert_allclose(fit.se["x"], np.sqrt(v), rtol=1e-8)
    assert fit.df == g - 1
    assert list(fit.to_frame().columns) == [
        "term", "estimate", "se", "ci_low", "ci_high", "df", "t", "p_value"
    ]  # fmt: skip


def test_no_within_entity_variation_names_the_variable() -> None:
    df = _balanced()
    with pytest.raises(DataError, match="'z' has no within-entity variation"):
        fe(df, "y ~ x + z", "i", "t")
    with pytest.raises(DataError, match="'t2' varies only over 't'"):
        fe(df.assign(t2=df["t"] ** 2), "y ~ x + t2", "i", "t")


def test_bad_panels() -> None:
    df = _balanced()
    with pytest.raises(DataError, match="repeat"):
        fe(pd.concat([df, df.head(1)]), "y ~ x", "i", "t")
    with pytest.raises(DataError, match="nothere"):
        fe(df, "y ~ x", "i", "t", weights="nothere")
    sim = simulate_panel(n_counties=20, persons_per_county=5, seed=3)
    with pytest.raises(ModelError, match="control"):
        did(sim.data, "info_access", "person", "year", "first_treated", control="later")
    bad = sim.data.assign(first_treated=np.where(sim.data["year"] == 2014, 2016.0,
                                                 sim.data["first_treated"]))  # fmt: skip
    with pytest.raises(DataError, match="changes within entity"):
        did(bad, "info_access", "person", "year", "first_treated")


def test_simulator_is_seeded_and_has_attrition_and_longitudinal_weights() -> None:
    a = simulate_panel(n_counties=20, persons_per_county=5, seed=9)
    b = simulate_panel(n_counties=20, persons_per_county=5, seed=9)
    pd.testing.assert_frame_equal(a.data, b.data)
    counts = a.data.groupby("year")["person"].nunique()
    assert counts.is_monotonic_decreasing and counts.iloc[-1] < counts.iloc[0]
    last = a.data[a.data["year"] == 2022]
    assert (last["weight"] > last["base_weight"]).all()
    assert a.seed == 9


def test_did_recovers_the_rollout_effect_and_static_twfe_is_biased() -> None:
    sim = simulate_panel(seed=5)
    res = did(sim.data, "info_access", "person", "year", "first_treated",
              weights="weight", cluster="county")  # fmt: skip
    truth = sim.truth["att_simple"]
    assert abs(res.att - truth) < 3 * res.att_se
    assert res.twfe.params["treated"] < truth - 2 * res.twfe.se["treated"]
    dyn = res.dynamic.set_index("term")
    for e, tau in sim.truth["att_by_event"].items():
        if f"event[{e}]" in dyn.index:
            row = dyn.loc[f"event[{e}]"]
            assert abs(row["estimate"] - tau) < 3.5 * row["se"]
    pre = dyn.loc[[t for t in dyn.index if "-" in t]]
    assert (pre["estimate"].abs() < 3.5 * pre["se"]).all()
    es = res.event_study.set_index("term")
    assert (
        abs(es.loc["event[0]", "estimate"] - sim.truth["att_by_event"][0])
        < 3 * es.loc["event[0]", "se"]
    )
    notyet = did(sim.data, "info_access", "person", "year", "first_treated",
                 weights="weight", cluster="county", control="notyet")  # fmt: skip
    assert abs(notyet.att - truth) < 3 * notyet.att_se


@pytest.mark.slow
def test_did_interval_coverage_over_repeated_panels() -> None:
    hits, runs = 0, 60
    for seed in range(runs):
        sim = simulate_panel(n_counties=60, persons_per_county=10, seed=1000 + seed)
        res = did(sim.data, "info_access", "person", "year", "first_treated",
                  weights="weight", cluster="county")  # fmt: skip
        low, high = res.to_frame().loc[0, ["ci_low", "ci_high"]]
        hits += low <= sim.truth["att_simple"] <= high
    assert 0.85 <= hits / runs <= 1.0


def test_did_accepts_an_absorbing_treatment_indicator() -> None:
    sim = simulate_panel(n_counties=30, persons_per_county=8, seed=7)
    # persons who left before their county's rollout never show a 1: keep the stayers
    waves = sim.data.groupby("person")["year"].transform("size")
    sim = replace(sim, data=sim.data[waves == 5])
    by_cohort = did(sim.data, "info_access", "person", "year", "first_treated",
                    weights="weight", cluster="county")  # fmt: skip
    by_indicator = did(sim.data, "info_access", "person", "year", "broadband",
                       weights="weight", cluster="county")  # fmt: skip
    assert by_indicator.att == pytest.approx(by_cohort.att, rel=1e-12)
    flipped = sim.data.assign(broadband=np.where(sim.data["year"] == 2022, 0,
                                                 sim.data["broadband"]))  # fmt: skip
    with pytest.raises(DataError, match="absorbing"):
        did(flipped, "info_access", "person", "year", "broadband")
