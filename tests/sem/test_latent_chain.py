"""gs.sem.latent_chain: identities with the observed-score chain, replicates, recovery."""

from __future__ import annotations

import numpy as np
import pytest

import govstats as gs
from govstats.errors import GovstatsError, ModelError

MEDIATORS = ["info_access", "participation", "expression"]


@pytest.fixture(scope="module")
def survey() -> gs.datasets.SimulatedSurvey:
    return gs.datasets.simulate_survey(seed=1, n_persons=2000)


@pytest.fixture(scope="module")
def design(survey: gs.datasets.SimulatedSurvey) -> gs.SurveyDesign:
    return gs.SurveyDesign(survey.data, **survey.design_columns)


def test_without_measurement_equals_the_observed_chain(design: gs.SurveyDesign) -> None:
    # a saturated recursive path model: ML with fixed.x is OLS equation by equation,
    # and the design sandwich's path block is the regressions' linearization
    observed = gs.DivideChain(
        design, x="rural", mediators=MEDIATORS, outcome="service", covariates=["age", "female"]
    ).fit(inference="linearization")
    latent = gs.sem.latent_chain(
        design, x="rural", mediators=MEDIATORS, outcome="service", measurement={},
        covariates=["age", "female"],
    )  # fmt: skip
    assert list(latent.effects.index) == list(observed.effects.index)
    np.testing.assert_allclose(latent.effects["estimate"], observed.effects["estimate"],
                               rtol=1e-9, atol=1e-12)  # fmt: skip
    np.testing.assert_allclose(latent.effects["se"], observed.effects["se"], rtol=1e-7)
    assert latent.df == observed.df


def test_effect_identities(design: gs.SurveyDesign, survey: gs.datasets.SimulatedSurvey) -> None:
    items = gs.datasets.simulate_items(survey.data, seed=3)
    items_design = gs.SurveyDesign(items.data, **survey.design_columns)
    res = gs.sem.latent_chain(
        items_design, x="rural", mediators=MEDIATORS, outcome="service",
        measurement=items.measurement, covariates=["age"],
    )  # fmt: skip
    e = res.effects["estimate"]
    specific = e.iloc[:7].sum()
    assert e["indirect_total"] == pytest.approx(specific, rel=1e-12)
    assert e["total"] == pytest.approx(e["indirect_total"] + e["direct"], rel=1e-12)
    assert e["proportion_mediated"] == pytest.approx(e["indirect_total"] / e["total"])
    paths = res.paths["estimate"]
    a1 = paths["info_access ~ rural"]
    b = paths["service ~ info_access"]
    assert e["rural -> info_access -> service"] == pytest.approx(a1 * b, rel=1e-12)
    frame = res.to_frame()
    assert list(frame.columns) == ["kind", "variable", "estimate", "se", "ci_low", "ci_high", "df"]


def test_replicate_inference_records_seed(survey: gs.datasets.SimulatedSurvey) -> None:
    items = gs.datasets.simulate_items(survey.data, seed=3)
    items_design = gs.SurveyDesign(items.data, **survey.design_columns)
    measured = {k: items.measurement[k] for k in (*MEDIATORS[:2], "service")}
    kwargs = dict(x="rural", mediators=MEDIATORS[:2], outcome="service", measurement=measured)
    rep = gs.sem.latent_chain(items_design, inference="replicate", replicates=60, seed=9, **kwargs)
    lin = gs.sem.latent_chain(items_design, **kwargs)
    assert rep.seed == 9
    assert rep.replicate_estimates.shape == (60, len(rep.effects))
    np.testing.assert_allclose(rep.effects["estimate"], lin.effects["estimate"], rtol=1e-10)
    ratio = rep.effects["se"] / lin.effects["se"]
    assert ratio.between(0.6, 1.6).all(), ratio


def test_latent_removes_attenuation(survey: gs.datasets.SimulatedSurvey) -> None:
    # item means are attenuated measures: their chain understates the first path
    items = gs.datasets.simulate_items(survey.data, item_error=1.0, seed=5)
    data = items.data.copy()
    for construct, names in items.measurement.items():
        data[f"{construct}_score"] = data[names].mean(axis=1)
    design = gs.SurveyDesign(data, **survey.design_columns)
    latent = gs.sem.latent_chain(
        design, x="rural", mediators=["info_access"], outcome="participation",
        measurement={k: items.measurement[k] for k in ("info_access", "participation")},
    )  # fmt: skip
    scores = gs.sem.latent_chain(
        design, x="rural", mediators=["info_access_score"], outcome="participation_score",
        measurement={},
    )  # fmt: skip
    truth = 0.35  # participation ~ info_access in the simulator's chain
    slope_latent = latent.paths.loc["participation ~ info_access", "estimate"]
    slope_scores = scores.paths.loc["participation_score ~ info_access_score", "estimate"]
    assert abs(slope_latent - truth) < abs(slope_scores - truth)


def test_bad_arguments(design: gs.SurveyDesign) -> None:
    with pytest.raises(ModelError, match="not x, a mediator"):
        gs.sem.latent_chain(design, x="rural", mediators=["info_access"], outcome="service",
                            measurement={"other": ["a", "b"]})  # fmt: skip
    with pytest.raises(GovstatsError, match="inference"):
        gs.sem.latent_chain(design, x="rural", mediators=["info_access"], outcome="service",
                            measurement={}, inference="magic")  # fmt: skip
    with pytest.raises(GovstatsError, match="SurveyDesign"):
        gs.sem.latent_chain([1, 2], x="rural", mediators=["m"], outcome="y",
                            measurement={})  # fmt: skip


@pytest.mark.slow
def test_recovery_and_coverage_of_latent_paths() -> None:
    truth = gs.datasets.simulate_survey(seed=0, n_persons=400).truth
    target = truth.effects
    hits = np.zeros(len(target) - 1)
    n_sims = 40
    for s in range(n_sims):
        survey = gs.datasets.simulate_survey(seed=100 + s, n_persons=3000)
        items = gs.datasets.simulate_items(survey.data, seed=200 + s)
        design = gs.SurveyDesign(items.data, **survey.design_columns)
        res = gs.sem.latent_chain(
            design, x="rural", mediators=MEDIATORS, outcome="service",
            measurement=items.measurement, covariates=list(truth.covariates),
        )  # fmt: skip
        eff = res.effects.loc[target.index[:-1]]
        hits += (
            (eff["ci_low"] <= target.iloc[:-1]) & (target.iloc[:-1] <= eff["ci_high"])
        ).to_numpy()
    coverage = hits / n_sims
    assert (coverage >= 0.8).all(), coverage
