"""Design-based standard errors of govstats.sem.fit: linearization and replicate refits."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import govstats as gs
from govstats.errors import DesignError

REFERENCE = Path(__file__).parents[1] / "reference"
CASES = json.loads((REFERENCE / "sem_cases.json").read_text())["cases"]
HS3 = CASES["cfa_hs_ml"]["model"]


@pytest.fixture(scope="module")
def hs() -> pd.DataFrame:
    return pd.read_csv(REFERENCE / "data" / "holzinger_swineford.csv")


@pytest.mark.parametrize("name", ["cfa_hs_weighted_cluster", "latent_chain_weighted"])
def test_linearization_equals_lavaan_cluster_robust(hs: pd.DataFrame, name: str) -> None:
    # one stratum, PSU = cluster, with-replacement: svyrecvar's n/(n-1) is lavaan's
    # nC/(nC-1) and the centred PSU score totals are lavaan's (they sum to zero at the
    # optimum); the bread scales with the weights, so normalising them changes nothing
    case = CASES[name]
    design = gs.SurveyDesign(hs, weights="w", psu="clus")
    result = gs.sem.fit(case["model"], design, se="design", meanstructure=True)
    ref = pd.DataFrame(case["parameters"])
    merged = ref.merge(result.to_frame(), on=["lhs", "op", "rhs"], suffixes=("_ref", ""))
    assert len(merged) == len(ref)
    np.testing.assert_allclose(merged["se"], merged["se_ref"], rtol=1e-4, atol=1e-7)
    # the scaled test with the design's first-order information is lavaan's cluster one
    for name in ("chisq.scaled", "chisq.scaling.factor", "cfi.robust", "rmsea.robust"):
        assert result.fit[name] == pytest.approx(case["fit"][name], rel=1e-5)
    assert result.df == design.df
    assert result.method == "linearization"


def test_design_without_meanstructure_same_covariance_ses(hs: pd.DataFrame) -> None:
    design = gs.SurveyDesign(hs, weights="w", psu="clus")
    with_means = gs.sem.fit(HS3, design, se="design", meanstructure=True).to_frame()
    without = gs.sem.fit(HS3, design, se="design").to_frame()
    np.testing.assert_allclose(
        without["se"], with_means.loc[with_means["op"] != "~1", "se"], rtol=1e-8
    )


def test_replicate_estimates_are_refits_under_replicate_weights(hs: pd.DataFrame) -> None:
    design = gs.SurveyDesign(hs, weights="w", psu="clus").to_replicates("jk1")
    result = gs.sem.fit(HS3, design)
    weights = design.replicates.full_row_weights(design.weights_array)
    for r in (0, 17, 60):
        frame = hs.assign(w_r=weights[:, r])
        direct = gs.sem.fit(HS3, frame[frame["w_r"] > 0], weights="w_r")
        np.testing.assert_allclose(result.replicate_estimates[r], direct.estimate, atol=1e-6)


def test_jackknife_close_to_linearization(hs: pd.DataFrame) -> None:
    design = gs.SurveyDesign(hs, weights="w", psu="clus")
    lin = gs.sem.fit(HS3, design).to_frame()
    rep = gs.sem.fit(HS3, design.to_replicates("jk1")).to_frame()
    free = lin["se"] > 0
    ratio = rep.loc[free, "se"] / lin.loc[free, "se"]
    assert ratio.between(0.85, 1.2).all(), ratio


def test_bootstrap_records_seed_and_draws(hs: pd.DataFrame) -> None:
    design = gs.SurveyDesign(hs, weights="w", psu="clus").to_replicates("bootstrap", 50, seed=11)
    result = gs.sem.fit(HS3, design)
    assert result.seed == 11
    assert result.replicate_estimates.shape[0] == 50
    again = gs.sem.fit(HS3, design)
    np.testing.assert_array_equal(result.se, again.se)


def test_stratified_design_intervals_use_design_df(hs: pd.DataFrame) -> None:
    frame = hs.assign(stratum=np.minimum((hs["clus"] - 1) // 10, 5))
    design = gs.SurveyDesign(frame, weights="w", psu="clus", strata="stratum", nest=True)
    result = gs.sem.fit(HS3, design)
    table = result.to_frame()
    assert (table["df"] == design.df).all()
    row = table.iloc[1]
    from scipy import stats

    crit = stats.t.ppf(0.975, design.df)
    assert row["ci_high"] == pytest.approx(row["estimate"] + crit * row["se"])


def test_design_se_needs_a_design(hs: pd.DataFrame) -> None:
    with pytest.raises(DesignError, match="SurveyDesign"):
        gs.sem.fit(HS3, hs, se="design")
    with pytest.raises(DesignError, match="replicate design"):
        gs.sem.fit(HS3, gs.SurveyDesign(hs, weights="w", psu="clus"), se="replicate")
    with pytest.raises(DesignError, match="carries its own"):
        gs.sem.fit(HS3, gs.SurveyDesign(hs, weights="w", psu="clus"), weights="w")


def test_jackknife_equals_lavaan_refits(hs: pd.DataFrame) -> None:
    # every replicate refitted by lavaan (generate_sem.R): the per-PSU moment path gives
    # the same replicate estimates, so the same JK1 standard errors; lavaan's stopping
    # error (~1e-6 per refit) against replicate deviations of ~1e-2 allows 1e-3
    ref = json.loads((REFERENCE / "sem_cases.json").read_text())["jackknife"]
    design = gs.SurveyDesign(hs, weights="w", psu="clus").to_replicates("jk1")
    frame = gs.sem.fit(ref["model"], design).to_frame().set_index("term")
    np.testing.assert_allclose(frame.loc[ref["names"], "estimate"], ref["estimate"], rtol=1e-5)
    np.testing.assert_allclose(frame.loc[ref["names"], "se"], ref["se"], rtol=1e-3)
