"""Oaxaca–Blinder: statsmodels reference, adding-up, normalised categories, bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.oaxaca import OaxacaBlinder

import govstats as gs
from govstats.errors import DataError, ModelError

REF_TOL = 1e-9  # same least-squares problem solved by two linear-algebra routes
EXACT = 1e-10  # sums of a handful of float64 products


def _data(seed: int, n: int = 500) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rural = rng.integers(0, 2, n)
    edu = rng.normal(12 - 3 * rural, 2.5)
    age = rng.uniform(18, 80, n)
    occ = np.where(
        rng.uniform(size=n) < 0.3 + 0.3 * rural, "农民", rng.choice(["工人", "干部", "其他"], n)
    )
    service = (
        1.0
        + 0.4 * edu
        + 0.01 * age
        - 0.5 * rural
        + 0.3 * rural * edu / 10
        + np.select([occ == "干部", occ == "工人"], [1.0, 0.3], 0.0)
        + rng.normal(0, 1, n)
    )
    return pd.DataFrame(
        {
            "service": service,
            "rural": rural,
            "edu": edu,
            "age": age,
            "occ": occ,
            "w": rng.integers(1, 4, n).astype(float),
        }
    )


def _statsmodels(df: pd.DataFrame) -> OaxacaBlinder:
    dummies = pd.get_dummies(df["occ"], dtype=float).drop(columns="其他")
    exog = pd.concat([df[["rural", "edu", "age"]], dummies], axis=1)
    # statsmodels: first group = lower level (urban, rural = 0); swap=False keeps that order
    return OaxacaBlinder(df["service"], exog, "rural", hasconst=False, swap=False)


@pytest.mark.parametrize("seed", [1, 2])
def test_matches_statsmodels_threefold_and_twofold(seed: int) -> None:
    df = _data(seed)
    sm = _statsmodels(df)
    three = sm.three_fold().params
    cases = {
        "pooled": sm.two_fold(two_fold_type="pooled").params,
        "neumark": sm.two_fold(two_fold_type="nuemark").params,
        "reimers": sm.two_fold(two_fold_type="reimers").params,
        "cotton": sm.two_fold(two_fold_type="cotton").params,
        0.3: sm.two_fold(two_fold_type="self_submitted", submitted_weight=0.3).params,
        "group0": sm.two_fold(two_fold_type="self_submitted", submitted_weight=1.0).params,
        "group1": sm.two_fold(two_fold_type="self_submitted", submitted_weight=0.0).params,
    }
    for reference, (unexplained, explained, gap) in cases.items():
        res = gs.gaps.oaxaca(
            df, "service ~ edu + age + C(occ)", by="rural", reference=reference, replicates=0
        )
        assert res.get("gap") == pytest.approx(gap, rel=REF_TOL)
        assert res.get("explained") == pytest.approx(explained, rel=REF_TOL)
        assert res.get("unexplained") == pytest.approx(unexplained, rel=REF_TOL)
        assert res.get("endowments") == pytest.approx(three[0], rel=REF_TOL)
        assert res.get("coefficients") == pytest.approx(three[1], rel=REF_TOL)
        assert res.get("interaction") == pytest.approx(three[2], rel=REF_TOL)
    assert res.groups == (0, 1)
    assert res.get("gap") > 0  # urban minus rural


@pytest.mark.parametrize("reference", ["pooled", "group1", 0.7])
def test_detailed_contributions_add_up(reference: str | float) -> None:
    df = _data(3)
    res = gs.gaps.oaxaca(
        df, "service ~ edu + age + C(occ)", by="rural", reference=reference, replicates=0
    )
    tab = res.to_frame()
    for comp in ("explained", "unexplained", "endowments", "coefficients", "interaction"):
        detail = tab[(tab["component"] == comp) & (tab["term"] != "(total)")]
        assert detail["estimate"].sum() == pytest.approx(res.get(comp), abs=EXACT)
    assert res.get("explained") + res.get("unexplained") == pytest.approx(res.get("gap"), abs=EXACT)
    three = res.get("endowments") + res.get("coefficients") + res.get("interaction")
    assert three == pytest.approx(res.get("gap"), abs=EXACT)
    ybar = df.groupby("rural")["service"].mean()
    assert res.get("gap") == pytest.approx(ybar[0] - ybar[1], abs=EXACT)
    # reference level reported and given its own row under normalisation
    assert res.reference_levels == {"C(occ)": "其他"}
    assert "C(occ)[其他]" in set(tab["term"])


def _detail(res: gs.gaps.OaxacaResult) -> pd.Series:
    tab = res.to_frame()
    tab = tab[tab["term"] != "(total)"].copy()
    tab["level"] = tab["term"].str.extract(r"\[(.*)\]$")[0].fillna(tab["term"])
    return tab.set_index(["component", "level"])["estimate"].sort_index()


def test_normalised_detail_is_invariant_to_the_omitted_category() -> None:
    df = _data(4)
    base = gs.gaps.oaxaca(df, "service ~ edu + age + C(occ)", by="rural", replicates=0)
    recoded = df.assign(occ=pd.Categorical(df["occ"], categories=["干部", "工人", "农民", "其他"]))
    alt = gs.gaps.oaxaca(recoded, "service ~ edu + age + C(occ)", by="rural", replicates=0)
    alt2 = gs.gaps.oaxaca(
        df, "service ~ edu + age + C(occ, contr.treatment('工人'))", by="rural", replicates=0
    )
    assert alt.reference_levels == {"C(occ)": "干部"}
    pd.testing.assert_series_equal(_detail(base), _detail(alt), atol=EXACT, rtol=0)
    pd.testing.assert_series_equal(_detail(base), _detail(alt2), atol=EXACT, rtol=0)
    # without normalisation the per-category split depends on the omitted level
    raw = gs.gaps.oaxaca(
        df, "service ~ edu + age + C(occ)", by="rural", replicates=0, normalize=False
    )
    raw_alt = gs.gaps.oaxaca(
        recoded, "service ~ edu + age + C(occ)", by="rural", replicates=0, normalize=False
    )
    a = raw.to_frame().query("component == 'unexplained' and term == 'Intercept'")["estimate"]
    b = raw_alt.to_frame().query("component == 'unexplained' and term == 'Intercept'")["estimate"]
    assert abs(float(a.iloc[0]) - float(b.iloc[0])) > 1e-3
    assert raw.get("unexplained") == pytest.approx(raw_alt.get("unexplained"), abs=EXACT)


def test_frequency_weights_equal_duplicated_rows() -> None:
    df = _data(5, n=200)
    dup = df.loc[df.index.repeat(df["w"].astype(int))].reset_index(drop=True)
    a = gs.gaps.oaxaca(df, "service ~ edu + C(occ)", by="rural", weights="w", replicates=0)
    b = gs.gaps.oaxaca(dup, "service ~ edu + C(occ)", by="rural", replicates=0)
    np.testing.assert_allclose(a.to_frame()["estimate"], b.to_frame()["estimate"], atol=1e-9)


def test_replicate_standard_errors() -> None:
    df = _data(6, n=300)
    res = gs.gaps.oaxaca(df, "service ~ edu + age", by="rural", replicates=40, seed=5)
    assert res.replicate_estimates is not None
    tab = res.to_frame()
    np.testing.assert_allclose(tab["se"], res.replicate_estimates.std(axis=0, ddof=1), rtol=1e-12)
    # identities hold in every replicate, so the replicate gaps add up too
    cols = {c: i for i, c in enumerate(tab["component"] + "|" + tab["term"])}
    reps = res.replicate_estimates
    np.testing.assert_allclose(
        reps[:, cols["explained|(total)"]] + reps[:, cols["unexplained|(total)"]],
        reps[:, cols["gap|(total)"]],
        atol=EXACT,
    )
    gap_se = float(tab.loc[tab["component"] == "gap", "se"].iloc[0])
    # analytic SE of a difference of two independent means
    s = df.groupby("rural")["service"].agg(["var", "count"])
    analytic = np.sqrt((s["var"] / s["count"]).sum())
    assert gap_se == pytest.approx(analytic, rel=0.35)  # 40 replicates: SE of SE ~ 11 %
    same = gs.gaps.oaxaca(df, "service ~ edu + age", by="rural", replicates=40, seed=5)
    pd.testing.assert_frame_equal(tab, same.to_frame())


def test_bad_group_and_formula_inputs() -> None:
    df = _data(7, n=120)
    three = df.assign(rural=df["rural"] + (df.index % 7 == 0))
    with pytest.raises(DataError, match=r"'rural'.*exactly two groups.*found 3"):
        gs.gaps.oaxaca(three, "service ~ edu", by="rural", replicates=0)
    with pytest.raises(DataError, match=r"'rural' appears on the right"):
        gs.gaps.oaxaca(df, "service ~ edu + rural", by="rural", replicates=0)
    with pytest.raises(DataError, match=r"'edu'.*missing"):
        gs.gaps.oaxaca(
            df.assign(edu=df["edu"].where(df.index != 3)), "service ~ edu", by="rural", replicates=0
        )
    with pytest.raises(DataError, match=r"\['nope'\] not found"):
        gs.gaps.oaxaca(df, "service ~ nope", by="rural", replicates=0)
    with pytest.raises(DataError, match=r"reference must be one of"):
        gs.gaps.oaxaca(df, "service ~ edu", by="rural", reference="male", replicates=0)


def test_category_absent_in_one_group_names_the_column() -> None:
    df = _data(8, n=200)
    df.loc[df["rural"] == 1, "occ"] = np.where(
        df.loc[df["rural"] == 1, "occ"] == "干部", "工人", df.loc[df["rural"] == 1, "occ"]
    )
    with pytest.raises(ModelError, match=r"rural=.1.*干部.*merge rare categories"):
        gs.gaps.oaxaca(df, "service ~ edu + C(occ)", by="rural", replicates=0)


def test_negative_gap_keeps_our_group_order_while_statsmodels_swaps() -> None:
    df = _data(9)
    df["service"] = -df["service"]  # now rural (level 1) has the higher mean
    dummies = pd.get_dummies(df["occ"], dtype=float).drop(columns="其他")
    exog = pd.concat([df[["rural", "edu", "age"]], dummies], axis=1)
    swapped = OaxacaBlinder(df["service"], exog, "rural", hasconst=False, swap=True)
    sm_unexplained, sm_explained, sm_gap = swapped.two_fold(two_fold_type="pooled").params
    res = gs.gaps.oaxaca(df, "service ~ edu + age + C(occ)", by="rural", replicates=0)
    assert res.get("gap") < 0
    assert res.get("gap") == pytest.approx(-sm_gap, rel=REF_TOL)
    # the pooled reference does not depend on the order, so every part changes sign
    assert res.get("explained") == pytest.approx(-sm_explained, rel=REF_TOL)
    assert res.get("unexplained") == pytest.approx(-sm_unexplained, rel=REF_TOL)
