"""Designs the dask path cannot take raise clear errors before any estimate."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

import govstats as gs
from govstats.errors import DataError, DesignError, ModelError
from tests.distributed._support import make_survey, partitioned

dd = pytest.importorskip("dask.dataframe")


@pytest.fixture(scope="module")
def ddf():
    return partitioned(make_survey(600), "shuffled-7")[1]


def test_a_design_needs_a_psu_column(ddf):
    with pytest.raises(DesignError, match="needs psu="):
        gs.SurveyDesign(ddf, weights="w", strata="stratum")


def test_fpc_beyond_the_first_stage_is_refused(ddf):
    with pytest.raises(DesignError, match="first-stage fpc"):
        gs.SurveyDesign(ddf, strata="stratum", psu=["psu", "age"], fpc=["fpc", "fpc"])


def test_an_absent_design_column_is_named(ddf):
    with pytest.raises(DataError, match="psu column 'cluster' is not in the data"):
        gs.SurveyDesign(ddf, weights="w", psu="cluster")


def test_psu_ids_repeating_across_strata_need_nest(ddf):
    frame = make_survey(600)
    frame["local"] = frame["psu"] % 10
    local = dd.from_pandas(frame, npartitions=3)
    with pytest.raises(DesignError, match="nest=True"):
        gs.SurveyDesign(local, weights="w", strata="stratum", psu="local")


def test_negative_weights_are_refused():
    frame = make_survey(600)
    frame.loc[[4, 400], "w"] = -1.0
    with pytest.raises(DesignError, match="2 negative values"):
        gs.SurveyDesign(dd.from_pandas(frame, npartitions=3), weights="w", psu="psu")


def test_a_text_column_has_no_mean(ddf):
    design = gs.SurveyDesign(ddf, weights="w", strata="stratum", psu="psu")
    with pytest.raises(DataError, match="proportion"):
        design.mean("region")


def test_a_glm_formula_must_be_numeric_columns(ddf):
    design = gs.SurveyDesign(ddf, weights="w", strata="stratum", psu="psu")
    with pytest.raises(ModelError, match="numeric columns joined by"):
        design.glm("y ~ C(region)")


def test_calibration_levels_must_match_the_population(ddf):
    design = gs.SurveyDesign(ddf, weights="w", strata="stratum", psu="psu")
    with pytest.raises(DataError, match=r"no \(or a zero\) total"):
        design.poststratify("region", {"east": 10.0, "west": 20.0})
    with pytest.raises(DesignError, match="one post-stratification"):
        design.poststratify("sex", {"f": 1.0, "m": 1.0}).rake({"region": {"east": 1.0}})


def test_models_on_recalibrated_replicates_are_refused(ddf):
    """Nonlinear GLMs refit with per-PSU factors: they refuse per-cell re-calibrated
    replicates."""
    design = gs.SurveyDesign(ddf, weights="w", strata="stratum", psu="psu")
    margins = {"sex": {"f": 1.0, "m": 1.0}, "region": {"east": 1.0, "west": 0.5, "north": 0.5}}
    for calibrated in (
        design.poststratify("sex", {"f": 1.0, "m": 1.0}).to_replicates("jkn"),
        design.to_replicates("bootstrap", replicates=20, seed=1).rake(margins),
    ):
        with pytest.raises(DesignError, match="re-calibrated replicates"):
            calibrated.glm("b ~ x1", "binomial")


def test_replicates_that_are_not_psu_factors_are_refused(ddf):
    """Cell-adjusted replicates (psu_factors None) raise rather than dropping the cells."""
    design = gs.SurveyDesign(ddf, weights="w", strata="stratum", psu="psu").to_replicates("jkn")
    reps = design.replicates
    n_rep = reps.n_replicates
    cells = replace(
        reps,
        psu_factors=None,
        cell_psu_factors=reps.psu_factors,
        cell_index=np.zeros(0, dtype=np.int64),
        cell_factors=np.ones((2, n_rep)),
    )
    odd = design._new(replicates=cells)
    chain = gs.DivideChain(odd, x="rural", mediators=["m1"], outcome="service")
    for call in (
        lambda: odd.mean("y"),
        lambda: odd.ratio("y", "x2"),
        lambda: odd.glm("y ~ x1"),
        lambda: odd.glm("b ~ x1", "binomial"),
        lambda: chain.fit(progress=False),
    ):
        with pytest.raises(DesignError, match="not factors per PSU"):
            call()


def test_the_chain_refuses_the_iid_bootstrap(ddf):
    design = gs.SurveyDesign(ddf, weights="w", strata="stratum", psu="psu")
    chain = gs.DivideChain(design, x="rural", mediators=["m1"], outcome="service")
    with pytest.raises(ModelError, match=r"i\.i\.d\."):
        chain.fit(inference="bootstrap")


def test_the_cascade_needs_a_binary_x(ddf):
    design = gs.SurveyDesign(ddf, weights="w", strata="stratum", psu="psu")
    assert len(gs.DivideChain(design, x="rural", mediators=["m1"], outcome="y").cascade()) == 6
    with pytest.raises(ModelError, match="not binary"):
        gs.DivideChain(design, x="x1", mediators=["m1"], outcome="y").cascade()
