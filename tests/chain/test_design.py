"""The chain on SurveyDesign objects: agreement with design.glm and replicate loops."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import govstats as gs
from govstats.errors import ModelError

#: Two implementations of the same sandwich / replicate formulas agree to rounding.
DESIGN_RTOL = 1e-9

MEDIATORS = ["info_access", "participation", "expression"]
COVARIATES = ["age", "female", "edu_years", "log_income"]


@pytest.fixture(scope="module")
def sim():
    return gs.datasets.simulate_survey(seed=11, n_persons=2000)


@pytest.fixture(scope="module")
def design(sim):
    return gs.SurveyDesign(sim.data, weights="weight", strata="stratum", psu="county")


def _chain(design, **kwargs):
    return gs.DivideChain(
        design, x="rural", mediators=MEDIATORS, outcome="service", covariates=COVARIATES, **kwargs
    )


def test_per_equation_se_equals_design_glm(design) -> None:
    res = _chain(design).fit(inference="linearization")
    terms = {
        "info_access": ["rural"],
        "participation": ["rural", "info_access"],
        "expression": ["rural", "info_access", "participation"],
        "service": ["rural", *MEDIATORS],
    }
    for outcome, xs in terms.items():
        glm = design.glm(f"{outcome} ~ {' + '.join([*xs, *COVARIATES])}").to_frame()
        glm = glm.set_index("term")
        ours = res.paths[res.paths["equation"] == outcome].set_index("term")
        np.testing.assert_allclose(
            ours.loc[glm.index, "estimate"], glm["estimate"], rtol=DESIGN_RTOL
        )
        np.testing.assert_allclose(ours.loc[glm.index, "se"], glm["se"], rtol=DESIGN_RTOL)
    assert res.df == design.df


@pytest.mark.parametrize("method", ["bootstrap", "jkn"])
def test_replicate_se_equals_loop_over_replicate_weights(design, method) -> None:
    reps = design.to_replicates(method, replicates=40 if method == "bootstrap" else None, seed=5)
    res = _chain(reps).fit(progress=False)
    rep = reps.replicates
    x = reps.data[["rural", *MEDIATORS, *COVARIATES]].to_numpy(float)
    x = np.column_stack([np.ones(len(x)), x])
    y = reps.data["service"].to_numpy(float)
    draws = []
    for _, weights in rep.weight_chunks(reps.weights_array):
        for r in range(weights.shape[1]):
            root = np.sqrt(weights[:, r])
            beta = np.linalg.lstsq(x * root[:, None], y * root, rcond=None)[0]
            draws.append(beta[4])  # const, rural, info_access, participation, expression
    draws = np.asarray(draws)
    full = res.paths.set_index(["equation", "term"]).loc[("service", "expression")]
    centre = full["estimate"] if rep.mse else draws.mean()
    se = np.sqrt(rep.scale * np.sum(rep.rscales * (draws - centre) ** 2))
    assert full["se"] == pytest.approx(se, rel=DESIGN_RTOL)
    assert res.df == rep.df
    assert res.method == f"replicate ({method})"


def test_listwise_on_design_is_a_domain(sim, design) -> None:
    data = sim.data.copy()
    data.loc[data.index[:25], "participation"] = np.nan
    with_missing = gs.SurveyDesign(data, weights="weight", strata="stratum", psu="county")
    res = _chain(with_missing, missing="listwise").fit(inference="linearization")
    complete = design.subset(data["participation"].notna().to_numpy())
    ref = _chain(complete).fit(inference="linearization")
    assert res.n_dropped == 25
    assert res.df == complete.df
    np.testing.assert_allclose(res.effects["estimate"], ref.effects["estimate"], rtol=1e-10)
    np.testing.assert_allclose(res.effects["se"], ref.effects["se"], rtol=1e-10)


def test_cascade_gap_se_equals_design_glm(design) -> None:
    cascade = _chain(design).cascade()
    for link in [*MEDIATORS, "service"]:
        glm = design.glm(f"{link} ~ rural").to_frame().set_index("term")
        row = cascade[(cascade["link"] == link) & (cascade["group"] == "gap")].iloc[0]
        assert row["estimate"] == pytest.approx(glm.loc["rural", "estimate"], rel=DESIGN_RTOL)
        assert row["se"] == pytest.approx(glm.loc["rural", "se"], rel=DESIGN_RTOL)


def test_iid_bootstrap_refused_on_clustered_design(design) -> None:
    with pytest.raises(ModelError, match=r"strata, clusters \(PSUs\).*allow_iid_bootstrap"):
        _chain(design).fit(inference="bootstrap", replicates=10, seed=1)


def test_by_group_with_too_few_psus(sim) -> None:
    data = sim.data.copy()
    counties = data["county"].unique()[:3]
    data["pilot"] = np.where(data["county"].isin(counties), "pilot", "rest")
    design = gs.SurveyDesign(data, weights="weight", strata="stratum", psu="county")
    with pytest.raises(ModelError, match=r"group pilot='pilot' has members in only 3 PSUs"):
        _chain(design).fit(inference="replicate", replicates=20, by="pilot", seed=1)


def test_by_group_replicate_and_linearization_agree(design) -> None:
    chain = _chain(design)
    lin = chain.fit(inference="linearization", by="age_group")
    rep = chain.fit(inference="replicate", replicates=400, by="age_group", seed=3, progress=False)
    pd.testing.assert_series_equal(lin.differences["estimate"], rep.differences["estimate"])
    ratio = rep.differences["se"] / lin.differences["se"]
    # Rao-Wu and linearization estimate the same variance; with 400 replicates the
    # SE ratio has a sampling spread of about 1/sqrt(800) plus finite-PSU differences.
    assert ratio.drop("proportion_mediated", level="effect").between(0.8, 1.25).all()


def test_cascade_on_replicate_design_equals_replicate_loop(design) -> None:
    reps = design.to_replicates("jkn")
    cascade = _chain(reps).cascade().set_index(["link", "group"])
    rep = reps.replicates
    data = reps.data
    rural = data["rural"].to_numpy() == 1
    y = data["participation"].to_numpy()
    gaps = []
    for _, weights in rep.weight_chunks(reps.weights_array):
        for r in range(weights.shape[1]):
            w = weights[:, r]
            gaps.append(
                np.average(y[rural], weights=w[rural]) - np.average(y[~rural], weights=w[~rural])
            )
    gaps = np.asarray(gaps)
    full = cascade.loc[("participation", "gap")]
    centre = full["estimate"] if rep.mse else gaps.mean()
    se = np.sqrt(rep.scale * np.sum(rep.rscales * (gaps - centre) ** 2))
    assert full["se"] == pytest.approx(se, rel=DESIGN_RTOL)
    assert full["df"] == rep.df


def test_explicit_replicate_weights_equal_psu_factors(design) -> None:
    """Row replicate weights (user / re-calibrated) give the same draws as PSU factors."""
    import dataclasses

    boot = design.to_replicates("bootstrap", replicates=200, seed=8)
    rep = boot.replicates
    rows = boot.weights_array[:, None] * rep.psu_factors[rep.psu_index]
    explicit = dataclasses.replace(rep, psu_factors=None, row_weights=rows, method="bootstrap")
    by_rows = boot.with_weights(boot.weights_array, replicates=explicit)
    fits = [_chain(d).fit(ci="bca", by="age_group", progress=False) for d in (boot, by_rows)]
    np.testing.assert_allclose(
        fits[0].replicate_estimates.to_numpy(), fits[1].replicate_estimates.to_numpy(), rtol=1e-9
    )
    pd.testing.assert_frame_equal(fits[0].effects, fits[1].effects, rtol=1e-9)
    pd.testing.assert_frame_equal(fits[0].differences, fits[1].differences, rtol=1e-9)


def test_missing_values_outside_a_domain_are_ignored(sim) -> None:
    data = sim.data.copy()
    urban_rows = data.index[data["urban"] == 1][:10]
    data.loc[urban_rows, "expression"] = np.nan
    design = gs.SurveyDesign(data, weights="weight", strata="stratum", psu="county")
    rural_only = design.subset((data["urban"] == 0).to_numpy())
    res = gs.DivideChain(
        rural_only, x="female", mediators=["info_access"], outcome="expression"
    ).fit(inference="linearization")
    assert res.n_dropped == 0
    assert res.n_obs == int((data["urban"] == 0).sum())


def test_calibrated_design_se_equals_design_glm(sim, design) -> None:
    """Post-stratified weights: the chain's linearization uses the calibration residuals."""
    data = sim.data
    population = {
        g: 1.1 * float(data.loc[data["age_group"] == g, "weight"].sum())
        for g in data["age_group"].cat.categories
    }
    calibrated = design.poststratify("age_group", population)
    res = _chain(calibrated).fit(inference="linearization")
    glm = calibrated.glm(
        "participation ~ rural + info_access + " + " + ".join(COVARIATES)
    ).to_frame()
    glm = glm.set_index("term")
    ours = res.paths[res.paths["equation"] == "participation"].set_index("term")
    np.testing.assert_allclose(ours.loc[glm.index, "se"], glm["se"], rtol=DESIGN_RTOL)
    plain = _chain(design).fit(inference="linearization")
    assert not np.allclose(plain.paths["se"], res.paths["se"])  # calibration matters
