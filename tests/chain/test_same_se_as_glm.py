"""The chain and design.glm take replicate variances from the one kernel: identical SEs.

Both fit the outcome equation of a one-mediator chain, ``service ~ rural +
info_access``, by weighted least squares under every replicate weight and combine
the replicate coefficients with ``inference.replicate_vcov`` (R ``svrVar``). Any
second copy of the variance formula (another centring, another scale) would show
as a difference far above rounding, so the tolerance is 1e-13 relative: a
difference of 1e-12 fails.
"""

from __future__ import annotations

import numpy as np
import pytest

import govstats as gs
from govstats.design import from_replicate_weights

#: Two fits of the same normal equations summed in another order agree to ~1e-15.
SAME = 1e-13
TERMS = ["Intercept", "rural", "info_access"]


@pytest.fixture(scope="module")
def base() -> gs.SurveyDesign:
    sim = gs.datasets.simulate_survey(seed=5, n_persons=1500)
    return gs.SurveyDesign(sim.data, weights="weight", strata="stratum", psu="county")


def _user(base: gs.SurveyDesign, zero_first: bool) -> gs.SurveyDesign:
    jk = base.to_replicates("jkn")
    assert jk.replicates is not None
    matrix = jk.replicates.full_row_weights(jk.weights_array)
    rscales = np.asarray(jk.replicates.rscales, dtype=float).copy()
    if zero_first:
        # a replicate with rscale 0 must not move R's centre (the mean of the others)
        rscales[0] = 0.0
    return from_replicate_weights(
        base.data, "weight", matrix, method="jkn", scale=float(jk.replicates.scale),
        rscales=rscales,
    )  # fmt: skip


@pytest.mark.parametrize("kind", ["user", "user-zero-rscale", "jkn", "bootstrap"])
def test_chain_and_glm_give_the_same_se(base: gs.SurveyDesign, kind: str) -> None:
    if kind.startswith("user"):
        design = _user(base, zero_first=kind.endswith("rscale"))
    elif kind == "jkn":
        design = base.to_replicates("jkn")
    else:
        design = base.to_replicates("bootstrap", 200, seed=11)
    fit = design.glm("service ~ rural + info_access")
    chain = gs.DivideChain(design, x="rural", mediators=["info_access"], outcome="service")
    res = chain.fit(inference="replicate", progress=False)
    paths = res.paths[res.paths["equation"] == "service"].set_index("term").loc[TERMS]
    np.testing.assert_allclose(paths["estimate"], fit.params[TERMS], rtol=SAME, atol=0)
    np.testing.assert_allclose(paths["se"], fit.se[TERMS], rtol=SAME, atol=0)
    assert res.seed == fit.seed == design.replicates.seed
