"""govstats.report.robustness: the section's numbers on the simulated survey, and its figures."""

from __future__ import annotations

import pytest

import govstats as gs
from govstats.report.robustness import love_plot, robustness_numbers, sensitivity_curve


@pytest.fixture(scope="module")
def sim():
    return gs.datasets.simulate_survey(seed=2024, n_persons=8000)


@pytest.fixture(scope="module")
def design(sim):
    return gs.SurveyDesign(sim.data, weights="weight", strata="stratum", psu="county")


def test_numbers_show_what_each_method_recovers(sim, design) -> None:
    out = robustness_numbers(design)
    truth = sim.causal_truth
    iv = out.iv.set_index("method")
    assert iv.loc["IV-2SLS", "ci_low"] <= truth.hours_effect <= iv.loc["IV-2SLS", "ci_high"]
    assert iv.loc["least squares", "ci_low"] > truth.hours_effect
    assert iv.loc["IV-2SLS", "first_stage_f"] > 10
    weighting = out.weighting.set_index("method")
    for method in ("IPW", "AIPW"):
        row = weighting.loc[method]
        assert row["ci_low"] <= truth.ate <= row["ci_high"]
    assert weighting.loc["least squares", "ci_high"] < truth.ate
    after = out.balance[out.balance["stage"] == "after"]
    assert (after["smd"].abs() < 0.1).all()


def test_figures(design) -> None:
    out = robustness_numbers(design)
    fig = love_plot(out.balance, lang="zh")
    assert len(fig.axes) == 1
    res = gs.DivideChain(design, x="rural", mediators=["info_access", "participation"],
                         outcome="service").fit(inference="linearization")  # fmt: skip
    sens = res.sensitivity(link=("info_access", "participation"))
    curve = sensitivity_curve(sens)
    labels = [t.get_text() for t in curve.axes[0].get_legend().get_texts()]
    assert "rural -> info_access -> participation -> service" in labels
