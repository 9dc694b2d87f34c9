"""Replicate and calibrated designs through the public API: identities, recalibration, errors."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pandas as pd
import pytest

from govstats.design import from_replicate_weights
from govstats.design import replicates as rep_module
from govstats.design.calibration import CalibrationInfo
from govstats.design.replicates import Replicates
from govstats.design.survey_design import SurveyDesign
from govstats.errors import ConvergenceError, DataError, DesignError, GovstatsError
from tests.reference.cases import read_data, survey_cases

# identities that hold in exact arithmetic, checked in float64
EXACT = 1e-10
POP_STYPE = {"E": 4421, "H": 755, "M": 1018}
POP_SCHWIDE = {"No": 1072, "Yes": 5122}


@pytest.fixture(scope="module")
def apistrat() -> pd.DataFrame:
    return read_data("apistrat.csv")


@pytest.fixture(scope="module")
def apiclus1() -> pd.DataFrame:
    return read_data("apiclus1.csv")


@pytest.fixture(scope="module")
def dstrat(apistrat: pd.DataFrame) -> SurveyDesign:
    return SurveyDesign(apistrat, weights="pw", strata="stype", fpc="fpc")


@pytest.fixture(scope="module")
def dclus1(apiclus1: pd.DataFrame) -> SurveyDesign:
    return SurveyDesign(apiclus1, weights="pw", psu="dnum", fpc="fpc")


# ------------------------------------------------------------------ replicate designs


def test_jkn_total_equals_linearization_with_fpc(dstrat: SurveyDesign) -> None:
    """For a stratified SRS total, JKn with fpc is algebraically the linearization variance."""
    lin = dstrat.total("enroll")
    jkn = dstrat.to_replicates("jkn").total("enroll")
    np.testing.assert_allclose(jkn.estimate, lin.estimate, rtol=EXACT)
    np.testing.assert_allclose(jkn.se, lin.se, rtol=EXACT)


def test_jk1_total_equals_one_stage_linearization(dclus1: SurveyDesign) -> None:
    """One-stage cluster total: JK1 (fpc folded into the scale) equals linearization exactly."""
    lin = dclus1.total("enroll")
    jk1 = dclus1.to_replicates("jk1").total("enroll")
    np.testing.assert_allclose(jk1.se, lin.se, rtol=EXACT)


def test_replicate_weights_are_constant_within_psu(dclus1: SurveyDesign) -> None:
    rep = dclus1.to_replicates("bootstrap", 30, seed=4)
    reps = rep.replicates
    assert reps is not None and reps.psu_factors is not None and reps.row_weights is None
    w = reps.full_row_weights(rep.weights_array)
    factors = w / rep.weights_array[:, None]
    for k in range(rep.n_psu):
        rows = factors[rep.psu_index == k]
        np.testing.assert_array_equal(rows, np.broadcast_to(rows[0], rows.shape))
    assert reps.scale == pytest.approx(1 / 29, rel=EXACT)


def test_bootstrap_is_reproducible_from_its_seed(dstrat: SurveyDesign) -> None:
    a = dstrat.to_replicates("bootstrap", 40, seed=123).mean("api00")
    b = dstrat.to_replicates("bootstrap", 40, seed=123).mean("api00")
    c = dstrat.to_replicates("bootstrap", 40, seed=np.random.default_rng(123)).mean("api00")
    d = dstrat.to_replicates("bootstrap", 40, seed=124).mean("api00")
    np.testing.assert_array_equal(a.se, b.se)
    # a Generator is asked for one integer seed, which is recorded and reproduces the run
    assert isinstance(c.seed, int)
    again = dstrat.to_replicates("bootstrap", 40, seed=c.seed).mean("api00")
    np.testing.assert_array_equal(again.se, c.se)
    assert a.se[0] != d.se[0]
    assert a.seed == 123
    assert dstrat.to_replicates("bootstrap", 40, seed=123).replicates.seed == 123  # type: ignore[union-attr]


def test_bootstrap_se_close_to_linearization(dstrat: SurveyDesign) -> None:
    """Rao-Wu with m_h = n_h - 1 is unbiased for the with-replacement variance of a total.

    dstrat has fpc, so compare with the no-fpc linearization; with R = 2000 replicates
    the relative Monte Carlo error of a variance is about sqrt(2/R) = 3%, of an SE 1.6%.
    """
    nofpc = SurveyDesign(dstrat.data, weights="pw", strata="stype")
    lin = nofpc.total("enroll").se[0]
    boot = nofpc.to_replicates("bootstrap", 2000, seed=77).total("enroll").se[0]
    assert boot == pytest.approx(lin, rel=0.05)


def test_user_replicate_weights_reproduce_r_brr() -> None:
    case = next(c for c in survey_cases() if c["case_id"] == "S-rep-BRR-scd-mean")
    data = read_data("scd.csv")
    stored = np.asarray(case["design"]["replicate"]["replicate_weights"]["data"], dtype=float)
    design = from_replicate_weights(data, None, stored, method="brr", scale=0.25)
    res = design.mean(["arrests", "alive"])
    np.testing.assert_allclose(res.se, list(case["se"].values()), rtol=1e-9)
    assert design.df == 3


def test_from_replicate_weights_by_column_names() -> None:
    data = read_data("scd.csv")
    case = next(c for c in survey_cases() if c["case_id"] == "S-rep-Fay-scd-mean")
    stored = np.asarray(case["design"]["replicate"]["replicate_weights"]["data"], dtype=float)
    cols = [f"rw{r}" for r in range(stored.shape[1])]
    frame = data.assign(**{c: stored[:, r] for r, c in enumerate(cols)})
    design = from_replicate_weights(frame, None, cols, method="fay", scale=1 / (4 * 0.7**2))
    np.testing.assert_allclose(design.mean("arrests").se, case["se"]["arrests"], rtol=1e-9)
    with pytest.raises(DataError, match="rw9"):
        from_replicate_weights(frame, None, [*cols, "rw9"], scale=0.25)


def test_replicate_totals_never_build_an_n_by_r_matrix() -> None:
    """1e6 rows x 200 replicates: PSU factors are 5000 x 200; a totals pass stays O(n)."""
    rng = np.random.default_rng(0)
    n, n_psu, n_rep = 1_000_000, 5000, 200
    psu = rng.integers(0, n_psu, n)
    reps = Replicates(
        "bootstrap",
        1 / 199,
        np.ones(n_rep),
        False,
        psu,
        rng.uniform(0, 2, (n_psu, n_rep)),
        None,
        1,
        199,
    )
    w = rng.uniform(1, 3, n)
    y = rng.normal(size=(n, 2))
    tracemalloc.start()
    totals = reps.weighted_totals(w, y)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert totals.shape == (n_rep, 2)
    assert peak < 0.05 * n * n_rep * 8  # far below the 1.6 GB of an n x R matrix
    np.testing.assert_allclose(totals[3], (w * reps.psu_factors[psu, 3]) @ y, rtol=1e-9)  # type: ignore[index]


def test_lonely_stratum_replicates_name_the_stratum() -> None:
    data = read_data("apistrat_lonely.csv")
    design = SurveyDesign(data, weights="pw", strata="stype")
    with pytest.raises(DesignError, match="'M'"):
        design.to_replicates("jkn")
    with pytest.raises(DesignError, match="'M'"):
        design.to_replicates("bootstrap", 10, seed=1)


def test_jk1_refuses_stratified_design(dstrat: SurveyDesign) -> None:
    with pytest.raises(DesignError, match="jkn"):
        dstrat.to_replicates("jk1")


def test_bootstrap_without_seed_records_the_seed_it_drew(dstrat: SurveyDesign) -> None:
    first = rep_module.to_replicates(dstrat, "bootstrap", 10)
    seed = first.replicates.seed
    assert isinstance(seed, int)
    again = rep_module.to_replicates(dstrat, "bootstrap", 10, seed=seed)
    np.testing.assert_array_equal(first.replicates.psu_factors, again.replicates.psu_factors)
    assert first.total("enroll").seed == seed


# ------------------------------------------------------------------ calibration


def test_calibration_hits_the_margins(dclus1: SurveyDesign) -> None:
    raked = dclus1.rake(
        {"stype": POP_STYPE, "sch.wide": pd.Series(POP_SCHWIDE)}, max_iter=100, tol=1e-12
    )
    for var, pop in (("stype", POP_STYPE), ("sch.wide", POP_SCHWIDE)):
        got = pd.Series(raked.weights_array).groupby(raked.data[var].to_numpy()).sum()
        np.testing.assert_allclose(got[list(pop)].to_numpy(), list(pop.values()), rtol=1e-9)
    assert isinstance(raked.calibration, CalibrationInfo)
    report = raked.calibration.reports[-1]
    assert report.converged and report.max_change < 1e-12 * 6194 + 1e-9
    cal = dclus1.calibrate(
        {"(Intercept)": 6194, "stypeH": 755, "stypeM": 1018, "api99": 3914069},
        formula="~stype+api99",
    )
    assert float(cal.weights_array @ cal.data["api99"]) == pytest.approx(3914069, rel=1e-10)


def test_poststratification_equals_raking_on_one_margin(dclus1: SurveyDesign) -> None:
    ps = dclus1.poststratify("stype", POP_STYPE)
    rk = dclus1.rake({"stype": POP_STYPE})
    np.testing.assert_allclose(rk.weights_array, ps.weights_array, rtol=EXACT)
    np.testing.assert_allclose(rk.mean("api00").se, ps.mean("api00").se, rtol=1e-9)


def test_margins_without_formula_equal_the_treatment_coded_model(dclus1: SurveyDesign) -> None:
    """Linear calibration depends only on the span of the calibration variables."""
    by_formula = dclus1.calibrate(
        {"(Intercept)": 6194, "stypeH": 755, "stypeM": 1018, "api99": 3914069},
        formula="~stype+api99",
    )
    by_margin = dclus1.calibrate({"stype": POP_STYPE, "api99": 3914069})
    np.testing.assert_allclose(by_margin.weights_array, by_formula.weights_array, rtol=1e-9)
    np.testing.assert_allclose(by_margin.mean("api00").se, by_formula.mean("api00").se, rtol=1e-8)


def test_bounded_calibration_keeps_g_in_bounds(dclus1: SurveyDesign) -> None:
    totals = {"(Intercept)": 6194, "stypeH": 755, "stypeM": 1018, "api99": 3914069}
    for method in ("logit", "raking", "linear"):
        cal = dclus1.calibrate(totals, formula="~stype+api99", method=method, bounds=(0.5, 2.0))
        g = cal.weights_array / dclus1.weights_array
        assert g.min() >= 0.5 - 1e-9 and g.max() <= 2.0 + 1e-9
        assert float(cal.weights_array @ cal.data["api99"]) == pytest.approx(3914069, rel=1e-6)


def _fixed_weight_replicates(calibrated: SurveyDesign, method: str) -> SurveyDesign:
    """The wrong way: replicate factors applied to calibrated weights, no re-calibration."""
    plain = calibrated.with_weights(calibrated.weights_array, calibration=None, replicates=None)
    return plain.to_replicates(method)


CALIBRATIONS = {
    "poststratify": lambda d: d.poststratify("sch.wide", POP_SCHWIDE),
    "rake": lambda d: d.rake({"stype": POP_STYPE, "sch.wide": POP_SCHWIDE}),
    "greg": lambda d: d.calibrate(
        {"(Intercept)": 6194, "stypeH": 755, "stypeM": 1018, "api99": 3914069},
        formula="~stype+api99",
    ),
}


@pytest.mark.parametrize("dataset", ["apistrat", "apisrs"])
@pytest.mark.parametrize("kind", list(CALIBRATIONS))
def test_recalibrated_replicates_agree_with_linearization(dataset: str, kind: str) -> None:
    """Re-calibrated jackknife SEs track the linearized calibrated SE; fixed weights do not.

    Jackknife and linearization variances of a smooth estimator agree to first order; the
    second-order gap is O(1/n) relative, about 1% with 200 PSUs, so allow 3%. Treating the
    calibrated weights as fixed drops the variance reduction of the calibration: at least
    twice as far from the linearized SE, and for the api99 GREG over three times as large.
    """
    if dataset == "apistrat":
        design = SurveyDesign(read_data("apistrat.csv"), weights="pw", strata="stype", fpc="fpc")
        method = "jkn"
    else:
        design = SurveyDesign(read_data("apisrs.csv"), weights="pw", fpc="fpc")
        method = "jk1"
    cal = CALIBRATIONS[kind](design)
    lin = cal.mean("api00").se[0]
    rep = cal.to_replicates(method)
    assert rep.replicates is not None
    # post-stratification and raking keep per-unit factors; GREG explicit weights
    assert (rep.replicates.row_weights is None) == (kind != "greg")
    np.testing.assert_allclose(rep.weights_array, cal.weights_array, rtol=EXACT)
    recal = rep.mean("api00").se[0]
    fixed = _fixed_weight_replicates(cal, method).mean("api00").se[0]
    assert recal == pytest.approx(lin, rel=0.03)
    assert abs(fixed - lin) > 2 * abs(recal - lin)
    if kind == "greg":
        assert fixed > 3 * lin


def test_calibrating_a_replicate_design_equals_replicating_a_calibrated_one(
    dclus1: SurveyDesign,
) -> None:
    """R: postStratify(as.svrepdesign(d)) re-post-stratifies every replicate."""
    a = dclus1.to_replicates("jk1").poststratify("stype", POP_STYPE)
    b = dclus1.poststratify("stype", POP_STYPE).to_replicates("jk1")
    ra, rb = a.replicates, b.replicates
    assert ra is not None and rb is not None
    np.testing.assert_allclose(
        ra.full_row_weights(a.weights_array), rb.full_row_weights(b.weights_array), rtol=EXACT
    )
    np.testing.assert_allclose(a.mean("api00").se, b.mean("api00").se, rtol=EXACT)


# ------------------------------------------------------------------ bad input


def test_margins_that_disagree_are_refused(dclus1: SurveyDesign) -> None:
    with pytest.raises(DataError, match=r"stype.*sch\.wide"):
        dclus1.rake({"stype": POP_STYPE, "sch.wide": {"No": 1000, "Yes": 5122}})


def test_level_in_data_absent_from_population(dclus1: SurveyDesign) -> None:
    with pytest.raises(DataError, match=r"'M'.*stype"):
        dclus1.poststratify("stype", {"E": 4421, "H": 755})


def test_level_in_population_absent_from_data(dclus1: SurveyDesign) -> None:
    with pytest.raises(DataError, match=r"'X'.*stype"):
        dclus1.poststratify("stype", {**POP_STYPE, "X": 10})


def test_missing_calibration_variable(dclus1: SurveyDesign) -> None:
    with pytest.raises(DataError, match="api98"):
        dclus1.calibrate({"(Intercept)": 6194, "api98": 1.0}, formula="~api98")
    with pytest.raises(DataError, match="urban"):
        dclus1.rake({"urban": {"yes": 1}})


def test_totals_that_do_not_match_the_model(dclus1: SurveyDesign) -> None:
    with pytest.raises(DataError, match="stypeM"):
        dclus1.calibrate(
            {"(Intercept)": 6194, "stypeH": 755, "api99": 3914069}, formula="~stype+api99"
        )


def test_unattainable_bounds(dclus1: SurveyDesign) -> None:
    with pytest.raises(ConvergenceError, match="bounds"):
        dclus1.calibrate(
            {"(Intercept)": 10 * 6194, "api99": 10 * 3914069}, formula="~api99", bounds=(0.8, 1.25)
        )


def test_raking_that_does_not_converge(dclus1: SurveyDesign) -> None:
    with pytest.raises(ConvergenceError, match="max_iter"):
        dclus1.rake({"stype": POP_STYPE, "sch.wide": POP_SCHWIDE}, max_iter=1, tol=1e-12)


def test_errors_are_govstats_errors(dclus1: SurveyDesign) -> None:
    with pytest.raises(GovstatsError):
        dclus1.calibrate({"x": 1}, method="probit")


def test_greg_on_the_full_cross_equals_poststratification_on_the_cells(
    dclus1: SurveyDesign,
) -> None:
    """Linear calibration on stype*sch.wide is post-stratification on the 6 cells.

    Weights and the linearized SE agree: R's greg residual on cell indicators reduces to
    the post-stratum-mean residual.
    """
    pop = read_data("apipop.csv")
    cells = pop.groupby(["stype", "sch.wide"]).size().rename("Freq").reset_index()
    ps = dclus1.poststratify(["stype", "sch.wide"], cells)
    counts = {(r.stype, r["sch.wide"]): r.Freq for _, r in cells.iterrows()}
    totals = {
        "(Intercept)": len(pop),
        "stypeH": sum(v for (s, _), v in counts.items() if s == "H"),
        "stypeM": sum(v for (s, _), v in counts.items() if s == "M"),
        "sch.wideYes": sum(v for (_, w), v in counts.items() if w == "Yes"),
        "stypeH:sch.wideYes": counts[("H", "Yes")],
        "stypeM:sch.wideYes": counts[("M", "Yes")],
    }
    greg = dclus1.calibrate(totals, formula="~stype*sch.wide")
    np.testing.assert_allclose(greg.weights_array, ps.weights_array, rtol=1e-9)
    np.testing.assert_allclose(greg.total("enroll").se, ps.total("enroll").se, rtol=1e-9)
    np.testing.assert_allclose(greg.mean("api00").se, ps.mean("api00").se, rtol=1e-9)
