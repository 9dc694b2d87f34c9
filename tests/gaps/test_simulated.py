"""End-to-end runs on the simulated survey (slow: builds the sample and replicate designs)."""

from __future__ import annotations

import numpy as np
import pytest

import govstats as gs

pytestmark = pytest.mark.slow

EXACT = 1e-9  # identities summed over a few dozen float64 terms


@pytest.fixture(scope="module")
def design() -> gs.SurveyDesign:
    sim = gs.datasets.simulate_survey(seed=2024)
    dc = sim.design_columns
    return gs.SurveyDesign(
        sim.data, weights=dc["weights"], strata=dc["strata"], psu=dc["psu"], fpc=dc["fpc"]
    ).to_replicates("bootstrap", replicates=60, seed=1)


def test_oaxaca_on_the_simulated_survey(design) -> None:
    res = gs.gaps.oaxaca(
        design, "service ~ age + female + edu_years + log_income + C(occupation)", by="rural"
    )
    tab = res.to_frame()
    assert res.get("gap") > 0  # urban residents receive more services
    assert res.get("explained") + res.get("unexplained") == pytest.approx(res.get("gap"), abs=EXACT)
    for comp in ("explained", "unexplained"):
        detail = tab[(tab["component"] == comp) & (tab["term"] != "(total)")]
        assert detail["estimate"].sum() == pytest.approx(res.get(comp), abs=EXACT)
    agg = tab[tab["term"] == "(total)"]
    assert np.isfinite(agg["se"]).all() and (agg["se"] > 0).all()


def test_fairlie_on_the_simulated_survey(design) -> None:
    res = gs.gaps.fairlie(design, "internet ~ age + edu_years + log_income", by="rural", seed=3)
    assert 0 < res.get("gap") < 1
    contrib = res.to_frame().query("component == 'contribution'")["estimate"].sum()
    assert contrib == pytest.approx(res.get("explained"), abs=EXACT)
    assert (res.to_frame()["se"].iloc[2:] > 0).all()


def test_inequality_on_the_simulated_survey(design) -> None:
    th = gs.gaps.theil(design, "income", by="rural").to_frame().set_index(["index", "component"])
    for idx in ("T", "L"):
        parts = th.loc[(idx, "within"), "estimate"] + th.loc[(idx, "between"), "estimate"]
        assert parts == pytest.approx(th.loc[(idx, "total"), "estimate"], abs=EXACT)
    gi = gs.gaps.gini(design, "income", by="rural").to_frame().set_index("component")
    parts = gi.loc[["within", "net_between", "transvariation"], "estimate"].sum()
    assert parts == pytest.approx(gi.loc["total", "estimate"], abs=EXACT)
    assert 0 < gi.loc["total", "estimate"] < 1
