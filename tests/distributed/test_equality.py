"""The dask path gives the in-memory results (1e-9 relative) in every partitioning.

Default scheduler here; ``test_cluster.py`` repeats the core cases on a LocalCluster.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import govstats as gs
from govstats.design.distributed import DistributedDesign
from tests.distributed._support import (
    PARTITIONINGS,
    assert_chains_equal,
    assert_estimates_equal,
    assert_frames_equal,
    make_survey,
    partitioned,
)

dd = pytest.importorskip("dask.dataframe")

DESIGN = {"weights": "w", "strata": "stratum", "psu": "psu"}
POP = {"east": 40000.0, "west": 35000.0, "north": 30000.0}
MARGINS = {"region": POP, "sex": {"f": 52000.0, "m": 53000.0}}


@pytest.fixture(scope="module", params=PARTITIONINGS)
def pair(request: pytest.FixtureRequest) -> tuple[gs.SurveyDesign, gs.SurveyDesign]:
    frame, ddf = partitioned(make_survey(), request.param)
    return gs.SurveyDesign(ddf, **DESIGN), gs.SurveyDesign(frame, **DESIGN)


def test_dask_frame_gives_a_distributed_design(pair):
    dist, mem = pair
    assert isinstance(dist, DistributedDesign)
    assert isinstance(dist, gs.SurveyDesign)
    assert (dist.n_psu, dist.n_strata, dist.df) == (mem.n_psu, mem.n_strata, mem.df)


@pytest.mark.parametrize(
    "call",
    [
        lambda d: d.mean(["y", "x1"]),
        lambda d: d.mean("y", by="region"),
        lambda d: d.mean(["y", "b"], by=["region", "sex"], deff="replace"),
        lambda d: d.total(["y", "count"], by="sex"),
        lambda d: d.proportion("region"),
        lambda d: d.proportion("region", by="sex"),
        lambda d: d.ratio(["y", "count"], "x2", by="region"),
    ],
    ids=["mean", "mean-by", "mean-by2", "total-by", "proportion", "proportion-by", "ratio-by"],
)
def test_linear_estimators_equal_in_memory(pair, call):
    dist, mem = pair
    assert_estimates_equal(call(dist), call(mem))


@pytest.mark.parametrize("method", ["bootstrap", "jkn"])
def test_replicate_estimators_equal_in_memory(pair, method):
    dist, mem = pair
    rd = dist.to_replicates(method, replicates=40, seed=7)
    rm = mem.to_replicates(method, replicates=40, seed=7)
    assert rd.df == rm.df
    assert_estimates_equal(rd.mean("y", by="region"), rm.mean("y", by="region"))
    assert_estimates_equal(rd.ratio("y", "x2"), rm.ratio("y", "x2"))
    assert_frames_equal(rd.glm("y ~ x1 + x2").to_frame(), rm.glm("y ~ x1 + x2").to_frame())


@pytest.mark.parametrize(
    ("formula", "family"),
    [("y ~ x1 + x2", "gaussian"), ("b ~ x1 + x2", "binomial"), ("count ~ x1", "poisson")],
)
def test_glm_equals_in_memory(pair, formula, family):
    dist, mem = pair
    got, want = dist.glm(formula, family), mem.glm(formula, family)
    assert_frames_equal(got.to_frame(), want.to_frame())
    assert (got.df, got.n_obs, got.iterations) == (want.df, want.n_obs, want.iterations)
    assert got.dispersion == pytest.approx(want.dispersion, rel=1e-9)


def test_poststratified_estimates_equal_in_memory(pair):
    dist, mem = pair
    pd_, pm = dist.poststratify("region", POP), mem.poststratify("region", POP)
    assert_estimates_equal(pd_.mean(["y", "x1"], by="sex"), pm.mean(["y", "x1"], by="sex"))
    assert_estimates_equal(pd_.total("y"), pm.total("y"))
    assert_frames_equal(pd_.glm("y ~ x1 + x2").to_frame(), pm.glm("y ~ x1 + x2").to_frame())


def test_raked_estimates_equal_in_memory(pair):
    dist, mem = pair
    rd, rm = dist.rake(MARGINS), mem.rake(MARGINS)
    assert_estimates_equal(rd.mean("y"), rm.mean("y"))
    assert_estimates_equal(rd.ratio("y", "x2", by="sex"), rm.ratio("y", "x2", by="sex"))
    assert_estimates_equal(rd.proportion("region"), rm.proportion("region"))
    assert_frames_equal(
        rd.glm("b ~ x1", "binomial").to_frame(), rm.glm("b ~ x1", "binomial").to_frame()
    )


@pytest.mark.parametrize("method", ["bootstrap", "jkn", "brr"])
@pytest.mark.parametrize("replicates_first", [False, True])
def test_replicates_of_calibrated_designs_equal_in_memory(pair, method, replicates_first):
    """R re-calibrates every replicate: raked then replicated, or replicated then raked."""
    dist, mem = pair

    def build(design):
        if replicates_first:
            return design.to_replicates(method, 30, seed=4).rake(MARGINS)
        return design.rake(MARGINS).to_replicates(method, 30, seed=4)

    rd, rm = build(dist), build(mem)
    assert rd.replicates.df == rm.replicates.df
    assert_estimates_equal(rd.mean(["y", "x1"], by="sex"), rm.mean(["y", "x1"], by="sex"))
    assert_estimates_equal(rd.total("b", by="age"), rm.total("b", by="age"))
    assert_estimates_equal(rd.ratio("y", "x2"), rm.ratio("y", "x2"))
    assert_frames_equal(rd.glm("y ~ x1 + x2").to_frame(), rm.glm("y ~ x1 + x2").to_frame())
    pd_ = dist.poststratify("region", POP).to_replicates(method, 30, seed=4)
    pm = mem.poststratify("region", POP).to_replicates(method, 30, seed=4)
    assert_estimates_equal(pd_.mean("y", by="sex"), pm.mean("y", by="sex"))


@pytest.mark.parametrize("calibrate", ["rake", "poststratify"])
@pytest.mark.parametrize("inference", ["linearization", "replicate"])
def test_divide_chain_on_calibrated_designs_equals_in_memory(pair, calibrate, inference):
    """Calibration residuals (linearization) and re-calibrated replicates, overall and by."""
    dist, mem = pair

    def fit(design, by=None):
        calibrated = (
            design.rake(MARGINS) if calibrate == "rake" else design.poststratify("region", POP)
        )
        chain = gs.DivideChain(calibrated, x="rural", mediators=["m1", "m2"], outcome="service",
                               covariates=["x1"])  # fmt: skip
        reps = 30 if inference == "replicate" else None
        return chain.fit(inference=inference, replicates=reps, seed=8, by=by, progress=False)

    assert_chains_equal(fit(dist), fit(mem))
    assert_chains_equal(fit(dist, by="sex"), fit(mem, by="sex"))
    # a calibrated design that carries its replicates (df: their rank, as R's degf)
    got, want = (
        gs.DivideChain(d.rake(MARGINS).to_replicates("jkn"), x="rural", mediators=["m1"],
                       outcome="service").fit(inference=inference, progress=False)
        for d in (dist, mem)
    )  # fmt: skip
    assert_chains_equal(got, want)


def test_chain_on_calibrated_design_with_missing_rows_equals_in_memory():
    """Complete cases as a domain; a new bootstrap is re-calibrated for that domain."""
    frame = make_survey()
    frame.loc[frame.index % 37 == 0, "m1"] = np.nan
    frame.loc[frame.index % 53 == 0, "service"] = np.nan
    frame, ddf = partitioned(frame, "uneven")
    cases = [
        (lambda d: d.rake(MARGINS), "linearization"),
        (lambda d: d.rake(MARGINS), "replicate"),
        (lambda d: d.rake(MARGINS).to_replicates("jkn"), "replicate"),
        (lambda d: d.to_replicates("bootstrap", 30, seed=2).poststratify("region", POP),
         "replicate"),
    ]  # fmt: skip
    for make, inference in cases:
        got, want = (
            gs.DivideChain(make(gs.SurveyDesign(data, **DESIGN)), x="rural",
                           mediators=["m1", "m2"], outcome="service", missing="listwise")
            .fit(inference=inference, seed=5, progress=False)
            for data in (ddf, frame)
        )  # fmt: skip
        assert got.n_dropped == want.n_dropped > 0
        assert_chains_equal(got, want)


@pytest.mark.parametrize("inference", ["linearization", "replicate", "montecarlo"])
def test_divide_chain_equals_in_memory(pair, inference):
    dist, mem = pair
    spec = {
        "x": "rural",
        "mediators": ["m1", "m2"],
        "outcome": "service",
        "covariates": ["x2", "region"],
    }
    got = gs.DivideChain(dist, **spec).fit(
        inference=inference, replicates=60, seed=3, progress=False
    )
    want = gs.DivideChain(mem, **spec).fit(
        inference=inference, replicates=60, seed=3, progress=False
    )
    assert_chains_equal(got, want)


def test_chain_on_design_replicates_equals_in_memory(pair):
    dist, mem = pair
    spec = {"x": "rural", "mediators": ["m1"], "outcome": "service"}
    got = gs.DivideChain(dist.to_replicates("jkn"), **spec).fit()
    want = gs.DivideChain(mem.to_replicates("jkn"), **spec).fit()
    assert_chains_equal(got, want)


@pytest.mark.parametrize(
    "design",
    [
        {"strata": "stratum", "psu": "psu", "fpc": "fpc"},
        {"weights": "w", "strata": "stratum", "psu": "psu", "fpc": "fpc", "lonely_psu": "adjust"},
        {"weights": "w", "psu": "psu"},
    ],
    ids=["fpc-weights", "fpc-adjust", "unstratified"],
)
def test_other_designs_equal_in_memory(design):
    frame, ddf = partitioned(make_survey(), "shuffled-7")
    dist, mem = gs.SurveyDesign(ddf, **design), gs.SurveyDesign(frame, **design)
    assert_estimates_equal(dist.mean("y", by="region"), mem.mean("y", by="region"))
    assert_estimates_equal(dist.total("b"), mem.total("b"))
    rd = dist.to_replicates("jk1" if "strata" not in design else "jkn")
    rm = mem.to_replicates("jk1" if "strata" not in design else "jkn")
    assert_estimates_equal(rd.mean("y"), rm.mean("y"))


def test_nested_psu_ids_equal_in_memory():
    frame = make_survey()
    frame["local"] = frame["psu"] % 10  # ids repeat across strata
    frame, ddf = partitioned(frame, "shuffled-7")
    design = {"weights": "w", "strata": "stratum", "psu": "local", "nest": True}
    dist, mem = gs.SurveyDesign(ddf, **design), gs.SurveyDesign(frame, **design)
    assert dist.n_psu == mem.n_psu
    assert_estimates_equal(dist.mean("y", by="sex"), mem.mean("y", by="sex"))
    boot_d = dist.to_replicates("bootstrap", replicates=30, seed=1)
    boot_m = mem.to_replicates("bootstrap", replicates=30, seed=1)
    assert_estimates_equal(boot_d.total("y"), boot_m.total("y"))


def test_missing_values_with_na_rm_equal_in_memory():
    frame = make_survey()
    frame.loc[frame.index[::97], "y"] = float("nan")
    frame.loc[frame.index[::89], "region"] = None
    frame, ddf = partitioned(frame, "shuffled-7")
    dist, mem = gs.SurveyDesign(ddf, **DESIGN), gs.SurveyDesign(frame, **DESIGN)
    assert_estimates_equal(
        dist.mean(["y", "x1"], by="region", na_rm=True),
        mem.mean(["y", "x1"], by="region", na_rm=True),
    )
    got, want = dist.glm("y ~ x1", na_rm=True), mem.glm("y ~ x1", na_rm=True)
    assert_frames_equal(got.to_frame(), want.to_frame())
    assert got.n_obs == want.n_obs
    spec = {"x": "rural", "mediators": ["m1"], "outcome": "y"}
    chain_d = gs.DivideChain(dist, **spec, missing="listwise")
    chain_m = gs.DivideChain(mem, **spec, missing="listwise")
    assert_chains_equal(
        chain_d.fit(inference="replicate", replicates=30, seed=2, progress=False),
        chain_m.fit(inference="replicate", replicates=30, seed=2, progress=False),
    )


def test_categorical_columns_keep_their_declared_levels():
    frame = make_survey()
    frame["region"] = pd.Categorical(frame["region"], categories=["west", "north", "east"])
    frame, ddf = partitioned(frame, "shuffled-7")
    dist, mem = gs.SurveyDesign(ddf, **DESIGN), gs.SurveyDesign(frame, **DESIGN)
    assert_estimates_equal(dist.mean("region"), mem.mean("region"))
    assert_estimates_equal(dist.total("y", by="region"), mem.total("y", by="region"))


def test_unsupported_estimators_raise_instead_of_collecting(pair):
    dist, _ = pair
    for call in (
        lambda: dist.quantile("y"),
        lambda: dist.var("y"),
        lambda: dist.subset(None),
        lambda: dist.calibrate({"x1": 1.0}, formula="~x1"),
        lambda: dist.ratio("y", "x2", deff=True),
    ):
        with pytest.raises(gs.DesignError, match="dask"):
            call()


def test_import_govstats_does_not_import_dask():
    import subprocess
    import sys

    code = (
        "import sys, govstats as gs; gs.SurveyDesign; gs.DivideChain; "
        "import govstats.design.distributed; assert 'dask' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize("inference", ["linearization", "replicate"])
def test_divide_chain_by_groups_equals_in_memory(pair, inference):
    dist, mem = pair
    spec = {"x": "rural", "mediators": ["m1", "m2"], "outcome": "service", "covariates": ["x2"]}
    got = gs.DivideChain(dist, **spec).fit(
        inference=inference, replicates=40, seed=5, by="sex", progress=False
    )
    want = gs.DivideChain(mem, **spec).fit(
        inference=inference, replicates=40, seed=5, by="sex", progress=False
    )
    assert_chains_equal(got, want)
    assert_frames_equal(got.differences.reset_index(), want.differences.reset_index())
    assert got.groups == want.groups


def test_partitions_cut_into_row_blocks_give_the_same_results(monkeypatch):
    from govstats.design import _dask_run

    monkeypatch.setattr(_dask_run, "BLOCK_ROWS", 97)
    frame, ddf = partitioned(make_survey(), "sorted-3")
    dist, mem = gs.SurveyDesign(ddf, **DESIGN), gs.SurveyDesign(frame, **DESIGN)
    assert_estimates_equal(dist.mean(["y", "b"], by="region"), mem.mean(["y", "b"], by="region"))
    got, want = dist.glm("b ~ x1 + x2", "binomial"), mem.glm("b ~ x1 + x2", "binomial")
    assert_frames_equal(got.to_frame(), want.to_frame())
    spec = {"x": "rural", "mediators": ["m1"], "outcome": "service"}
    assert_chains_equal(
        gs.DivideChain(dist, **spec).fit(inference="linearization"),
        gs.DivideChain(mem, **spec).fit(inference="linearization"),
    )


@pytest.mark.parametrize(("method", "family"), [("bootstrap", "binomial"), ("jkn", "poisson")])
def test_replicate_refits_of_nonlinear_glms_equal_in_memory(pair, method, family):
    dist, mem = pair
    formula = "b ~ x1 + x2" if family == "binomial" else "count ~ x1"
    got = dist.to_replicates(method, replicates=20, seed=3).glm(formula, family)
    want = mem.to_replicates(method, replicates=20, seed=3).glm(formula, family)
    assert_frames_equal(got.to_frame(), want.to_frame())
    np.testing.assert_allclose(got.replicate_estimates, want.replicate_estimates, rtol=1e-9)
    assert got.dispersion == pytest.approx(want.dispersion, rel=1e-9)


def test_a_filtered_frame_with_empty_partitions_equals_in_memory():
    frame = make_survey().sort_values("stratum").reset_index(drop=True)
    ddf = dd.from_pandas(frame, npartitions=8, sort=False)
    ddf = ddf[ddf["stratum"] != 0]
    assert 0 in ddf.map_partitions(len).compute().tolist()
    kept = frame[frame["stratum"] != 0].reset_index(drop=True)
    dist, mem = gs.SurveyDesign(ddf, **DESIGN), gs.SurveyDesign(kept, **DESIGN)
    assert_estimates_equal(dist.mean("y", by="region"), mem.mean("y", by="region"))
    got, want = dist.glm("b ~ x1", "binomial"), mem.glm("b ~ x1", "binomial")
    assert_frames_equal(got.to_frame(), want.to_frame())
    spec = {"x": "rural", "mediators": ["m1"], "outcome": "service"}
    assert_chains_equal(
        gs.DivideChain(dist, **spec).fit(replicates=20, seed=1, progress=False),
        gs.DivideChain(mem, **spec).fit(replicates=20, seed=1, progress=False),
    )


def test_level_deff_and_seeds_follow_the_in_memory_vocabulary(pair):
    dist, mem = pair
    for call in (
        lambda d: d.mean("y", by="region", level=0.9),
        lambda d: d.total(["y", "x1"], deff=True, level=0.8),
        lambda d: d.proportion("region", level=0.99),
        lambda d: d.ratio("y", "x2", by="sex", level=0.9),
    ):
        assert_estimates_equal(call(dist), call(mem))
    # the default number of bootstrap replicates and the seed drawn from a Generator
    rd = dist.to_replicates(seed=np.random.default_rng(12))
    rm = mem.to_replicates(seed=np.random.default_rng(12))
    assert rd.replicates.seed == rm.replicates.seed is not None
    assert rd.replicates.n_replicates == rm.replicates.n_replicates
    np.testing.assert_array_equal(rd.replicates.factors, rm.replicates.factors)
    assert_estimates_equal(rd.mean("y"), rm.mean("y"))
    # without a seed, the one drawn is recorded and reproduces the replicates
    fresh = dist.to_replicates(replicates=20)
    again = mem.to_replicates(replicates=20, seed=fresh.replicates.seed)
    np.testing.assert_array_equal(fresh.replicates.factors, again.replicates.factors)


def test_glm_result_fields_equal_in_memory(pair):
    dist, mem = pair
    rd = dist.to_replicates("bootstrap", replicates=20, seed=8)
    rm = mem.to_replicates("bootstrap", replicates=20, seed=8)
    got = rd.glm("y ~ x1 + x2", level=0.9, max_iter=30)
    want = rm.glm("y ~ x1 + x2", level=0.9, max_iter=30)
    assert list(got.params.index) == list(want.params.index)
    assert (got.seed, got.conf_level, got.method) == (want.seed, want.conf_level, want.method)
    assert got.design is rd
    assert_frames_equal(got.to_frame(names="r"), want.to_frame(names="r"))
    np.testing.assert_allclose(got.replicate_estimates, want.replicate_estimates, rtol=1e-9)


def test_chain_montecarlo_records_the_seed_as_in_memory(pair):
    dist, mem = pair
    spec = {"x": "rural", "mediators": ["m1", "m2"], "outcome": "service"}
    got = gs.DivideChain(dist, **spec).fit(
        inference="montecarlo", replicates=50, seed=np.random.default_rng(3), level=0.9
    )
    want = gs.DivideChain(mem, **spec).fit(
        inference="montecarlo", replicates=50, seed=np.random.default_rng(3), level=0.9
    )
    assert got.seed == want.seed is not None
    assert_chains_equal(got, want)


def test_rake_uses_the_in_memory_argument_names(pair):
    dist, mem = pair
    got = dist.rake(MARGINS, max_iter=20, tol=1e-6, margin_rtol=1e-5).mean("y", by="region")
    want = mem.rake(MARGINS, max_iter=20, tol=1e-6, margin_rtol=1e-5).mean("y", by="region")
    assert_estimates_equal(got, want)
    with pytest.raises(gs.GovstatsError, match="margin_rtol"):
        dist.rake({"region": POP, "sex": {"f": 1.0, "m": 1.0}})
