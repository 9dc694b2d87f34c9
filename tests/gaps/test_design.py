"""The gaps estimators on SurveyDesign objects: weights, replicate SEs, domains."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.special import expit

import govstats as gs

EXACT = 1e-10  # same arithmetic on the same weights


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    rng = np.random.default_rng(42)
    rows = []
    for h in range(6):
        for c in range(8):
            n = 15
            rural = int(rng.uniform() < 0.4 + 0.05 * h)
            edu = rng.normal(12 - 3 * rural, 2.5, n) + rng.normal(0, 1)
            income = np.exp(rng.normal(9.5 - 0.5 * rural + 0.05 * edu, 0.6))
            service = 0.3 * edu - 0.5 * rural + rng.normal(0, 1, n)
            internet = rng.binomial(1, expit(-3 + 0.3 * edu - 0.3 * rural))
            rows.append(
                pd.DataFrame(
                    {
                        "stratum": h,
                        "county": h * 100 + c,
                        "weight": rng.uniform(50, 150, n),
                        "rural": rural,
                        "edu": edu,
                        "income": income,
                        "service": service,
                        "internet": internet,
                        "female": rng.integers(0, 2, n),
                    }
                )
            )
    return pd.concat(rows, ignore_index=True)


@pytest.fixture(scope="module")
def design(frame: pd.DataFrame) -> gs.SurveyDesign:
    return gs.SurveyDesign(frame, weights="weight", strata="stratum", psu="county")


def test_point_estimates_use_the_design_weights(frame: pd.DataFrame, design) -> None:
    calls = [
        lambda d, **k: gs.gaps.theil(d, "income", by="rural", **k),
        lambda d, **k: gs.gaps.gini(d, "income", by="rural", **k),
        lambda d, **k: gs.gaps.oaxaca(d, "service ~ edu + female", by="rural", **k),
        lambda d, **k: gs.gaps.fairlie(
            d, "internet ~ edu + female", by="rural", orderings="all", **k
        ),
    ]
    for call in calls:
        by_design = call(design, replicates=0).to_frame()
        by_frame = call(frame, weights="weight", replicates=0).to_frame()
        np.testing.assert_allclose(by_design["estimate"], by_frame["estimate"], atol=EXACT)


def test_replicate_ses_follow_the_design_replicates(design) -> None:
    rep = design.to_replicates("bootstrap", replicates=40, seed=7)
    res = gs.gaps.theil(rep, "income", by="rural")
    same = gs.gaps.theil(design, "income", by="rural", replicates=40, seed=7)
    pd.testing.assert_frame_equal(res.to_frame(), same.to_frame())
    # every replicate estimate is the direct estimate under that replicate's weights
    reps = rep.replicates
    first = next(iter(reps.weight_chunks(rep.weights_array, 64)))[1]
    for r in (0, 13):
        direct = gs.gaps.theil(
            rep.data.assign(rw=first[:, r]), "income", by="rural", weights="rw", replicates=0
        )
        np.testing.assert_allclose(
            res.replicate_estimates[r], direct.to_frame()["estimate"], rtol=1e-10
        )
    full = res.to_frame()["estimate"].to_numpy()
    expected = np.sqrt(np.diag(reps.vcov(res.replicate_estimates, full)))
    np.testing.assert_allclose(res.to_frame()["se"], expected, rtol=1e-12)
    assert (res.to_frame()["df"] == reps.df).all()


def test_jackknife_design_is_used_as_given(design) -> None:
    jk = design.to_replicates("jkn")
    res = gs.gaps.oaxaca(jk, "service ~ edu", by="rural")
    assert res.replicate_estimates is not None
    assert res.replicate_estimates.shape[0] == jk.replicates.n_replicates
    assert "jkn" in res.variance_method
    tab = res.to_frame()
    assert (tab.loc[tab["component"] == "gap", "se"] > 0).all()


def test_domain_estimates_keep_the_design(frame: pd.DataFrame, design) -> None:
    mask = frame["stratum"] < 4
    sub = design.subset(mask)
    res = gs.gaps.gini(sub, "income", by="rural", replicates=20, seed=3)
    direct = gs.gaps.gini(frame[mask], "income", by="rural", weights="weight", replicates=0)
    np.testing.assert_allclose(
        res.to_frame()["estimate"], direct.to_frame()["estimate"], atol=EXACT
    )
    assert res.n_obs == int(mask.sum())
    # values outside the domain (zero, missing) play no part, even for Theil L's logs
    blanked = frame.assign(income=frame["income"].where(mask, np.nan))
    blanked.loc[~mask & (frame["rural"] == 1), "income"] = 0.0
    sub2 = gs.SurveyDesign(blanked, weights="weight", strata="stratum", psu="county").subset(mask)
    th = gs.gaps.theil(sub2, "income", by="rural", replicates=20, seed=3).to_frame()
    th_direct = gs.gaps.theil(frame[mask], "income", by="rural", weights="weight", replicates=0)
    np.testing.assert_allclose(th["estimate"], th_direct.to_frame()["estimate"], atol=EXACT)
    assert np.isfinite(th["se"]).all()


def test_weights_argument_with_a_design_is_an_error(design) -> None:
    with pytest.raises(gs.DesignError, match="weights="):
        gs.gaps.theil(design, "income", weights="weight")
