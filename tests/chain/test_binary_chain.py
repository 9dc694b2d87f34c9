"""The divide chain with a binary outcome: natural effects on the probability scale."""

from __future__ import annotations

import numpy as np
import pytest

import govstats as gs
from govstats.chain import DivideChain, binary_chain
from govstats.errors import DataError

MEDIATORS = ["info_access", "participation", "expression"]
COVARIATES = ["age", "female", "edu_years", "log_income"]


@pytest.fixture(scope="module")
def survey() -> gs.SurveyDesign:
    sim = gs.datasets.simulate_survey(seed=2024, n_persons=2000)
    data = sim.data.assign(good=(sim.data["service"] > sim.data["service"].median()) * 1.0)
    return gs.SurveyDesign(data, weights="weight", strata="stratum", psu="county")


def test_linear_outcome_gives_the_chain_effects(survey: gs.SurveyDesign) -> None:
    chain = DivideChain(survey, "rural", MEDIATORS, "service", COVARIATES)
    linear = chain.fit(inference="none").effects
    natural = binary_chain(
        survey, "rural", MEDIATORS, "service", COVARIATES, family="gaussian", replicates=20, seed=1
    )
    for name, row in (("total", "total"), ("direct", "direct"), ("indirect", "indirect_total")):
        got = natural.estimate[["total", "direct", "indirect"].index(name)]
        assert got == pytest.approx(float(linear.loc[row, "estimate"]), rel=1e-9)
    assert natural.scale == "outcome"


def test_logit_effects_add_up_and_reproduce(survey: gs.SurveyDesign) -> None:
    chain = DivideChain(survey, "rural", MEDIATORS, "good", COVARIATES)
    one = chain.natural_effects(replicates=30, seed=5)
    two = chain.natural_effects(replicates=30, seed=one.seed)
    total, direct, indirect, share = one.estimate
    assert total == pytest.approx(direct + indirect, abs=1e-14)
    assert share == pytest.approx(indirect / total, rel=1e-12)
    np.testing.assert_array_equal(one.replicate_estimates, two.replicate_estimates)
    frame = one.to_frame()
    assert frame["scale"].tolist() == ["probability"] * 3 + ["ratio"]
    assert (frame["ci_low"] <= frame["estimate"]).all()
    assert one.ci == "percentile"


def test_jackknife_design_uses_its_own_replicates(survey: gs.SurveyDesign) -> None:
    jk = survey.to_replicates("jkn")
    res = binary_chain(jk, "rural", MEDIATORS[:1], "good", COVARIATES)
    assert res.method == "jkn"
    assert res.ci == "t"
    assert res.replicate_estimates.shape == (jk.replicates.n_replicates, 4)
    assert np.isfinite(res.se).all()
    with pytest.raises(DataError, match="replicates="):
        binary_chain(jk, "rural", MEDIATORS[:1], "good", replicates=10)


def test_outcome_must_be_binary(survey: gs.SurveyDesign) -> None:
    with pytest.raises(DataError, match="0/1"):
        binary_chain(survey, "rural", MEDIATORS[:1], "service", replicates=10, seed=1)
