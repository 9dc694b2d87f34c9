"""What the report says must be what ran: CNNIC period, raking margins, province joins, codes."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from govstats.errors import GovstatsError, GovstatsWarning
from govstats.report import survey_description
from govstats.report.inputs import _warn_spikes, harmonise, load_survey, nine_code_spikes


@pytest.fixture(scope="module")
def survey():
    return load_survey(seed=11, n_persons=1500)


def test_a_wave_year_uses_the_nearest_cnnic_report_and_says_so(survey):
    wave = dataclasses.replace(survey, period="2017")
    result = survey_description(wave, lang="en")
    table = result.table("internet_vs_cnnic")
    total = table.data.set_index("group").loc["total", "cnnic_pct"]
    assert total == 55.8  # report 41, 2017-12 (total rate only)
    assert "report 41 (2017-12)" in table.note and "2017" in table.note
    assert any("2017-12" in str(c) for c in table.display.columns)


def test_raking_sentences_name_only_the_margins_used(survey):
    both = survey_description(survey, lang="en")
    assert "province and urban/rural" in both.table("internet_vs_cnnic").note
    no_province = dataclasses.replace(survey, data=survey.data.drop(columns="province_code"))
    for lang, province_word in (("en", "province"), ("zh", "分省")):
        result = survey_description(no_province, lang=lang)
        note = result.table("internet_vs_cnnic").note
        assert province_word not in note, note
        assert province_word not in " ".join(result.methods)
    assert (
        "urban/rural totals"
        in survey_description(no_province, lang="en").table("internet_vs_cnnic").note
    )


def test_float_province_codes_join_the_census_margins(survey):
    codes = survey.data["province_code"].astype(float)  # as Stata stores them: 11.0
    data = survey.data.drop(columns=["province_code", "province", "stratum"])
    data, notes = harmonise(data.assign(province=codes), "2021-12")
    assert data["province_code"].iloc[0] == survey.data["province_code"].iloc[0]
    assert any("province_code derived from province" in n for n in notes)
    design = {"weights": "weight", "psu": "county"}
    result = survey_description(
        dataclasses.replace(survey, data=data, design_columns=design), lang="en"
    )
    assert "province and urban/rural" in result.table("internet_vs_cnnic").note


def test_province_names_become_codes():
    data, _ = harmonise(pd.DataFrame({"province": ["上海市", "Beijing"], "urban": [1, 0]}), None)
    assert data["province_code"].tolist() == ["31", "11"]


def test_nine_code_spike_warns_and_a_real_value_does_not():
    frame = pd.DataFrame(
        {
            "income": [2e4, 3e4, 4e4] * 30 + [9999996.0] * 5,
            "age": [30.0, 40.0, 50.0] * 30 + [99.0] * 5,  # 99 is not a 9-repeated code
            "bonus": [999.0] + [10.0] * 94,  # a single 999 is no spike
        }
    )
    assert nine_code_spikes(frame) == [("income", 9999996, 5)]
    with pytest.warns(GovstatsWarning, match=r"income has 5 rows at 9999996"):
        notes = _warn_spikes(frame, "cgss.dta")
    assert len(notes) == 1


def test_seaborn_figures_of_the_constructs(survey):
    result = survey_description(survey, lang="en", figures=("distributions", "correlations"))
    kinds = {f.name: f for f in result.figures}
    assert kinds["construct_distributions"].kind == "distribution"
    heat = kinds["construct_correlations"].data
    assert len(heat) == 16 and set(heat["value"].round(12)[heat["row"] == heat["column"]]) == {1}
    # the weighted correlation is numpy's weighted covariance scaled, computed here again
    data = survey.data[["info_access", "service"]].dropna()
    w = survey.data.loc[data.index, "weight"].to_numpy()
    c = np.cov(data.to_numpy().T, aweights=w)
    pair = heat[(heat["row"] == "Information access") & (heat["column"] == "Service supply")]
    assert pair["value"].iloc[0] == pytest.approx(c[0, 1] / np.sqrt(c[0, 0] * c[1, 1]))
    with pytest.raises(GovstatsError, match="figures"):
        survey_description(survey, figures=("violins",))


def test_a_declared_top_code_is_not_a_spike_to_warn_about():
    income = [20000.0, 35000.0] * 10 + [9999996.0] * 4
    flagged = pd.DataFrame({"income": income, "income_topcoded": [v == 9999996.0 for v in income]})
    assert _warn_spikes(flagged, "f.dta") == ()
    with pytest.warns(GovstatsWarning, match="income has 4 rows at 9999996"):
        _warn_spikes(flagged.drop(columns="income_topcoded"), "f.dta")
