from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import govstats as gs
from govstats.datasets import merge_context, nearest_cnnic_report, province_code
from govstats.errors import DataError, GovstatsError


@pytest.mark.parametrize(
    ("value", "code"),
    [
        (11, "11"),
        (11.0, "11"),
        (np.float64(44.0), "44"),
        ("11", "11"),
        ("11.0", "11"),
        (110000, "11"),
        ("440300", "44"),
        ("北京", "11"),
        ("北京市", "11"),
        ("广西壮族自治区", "45"),
        ("广西", "45"),
        ("宁夏回族自治区", "64"),
        ("新疆维吾尔自治区", "65"),
        ("内蒙古自治区", "15"),
        ("黑龙江省", "23"),
        ("Beijing", "11"),
        ("Inner Mongolia", "15"),
        ("Guangxi", "45"),
        ("Guangxi Zhuang Autonomous Region", "45"),
        ("Tibet", "54"),
        ("Xizang", "54"),
        ("shaanxi", "61"),
        ("Shanxi Province", "14"),
    ],
)
def test_province_code_reads_every_form(value, code):
    assert gs.datasets.province_code(value) == code


@pytest.mark.parametrize("bad", [99, 10, "1", "Atlantis", 11.5, True, "北平"])
def test_unknown_province_is_an_error_naming_it(bad):
    with pytest.raises(GovstatsError, match=repr(bad).replace(".", r"\.")):
        province_code(bad)


def test_province_code_keeps_shape_and_missing_values():
    series = pd.Series([11.0, np.nan, 31.0], index=[5, 6, 7], name="s41")
    out = province_code(series)
    assert out.index.tolist() == [5, 6, 7]
    assert out.tolist() == ["11", None, "31"]
    assert series.tolist()[0] == 11.0  # input untouched


def test_float_and_text_codes_join_the_census():
    floats = merge_context(pd.DataFrame({"province": [11.0, 44.0]}), ["population_total"])
    text = merge_context(pd.DataFrame({"province": ["11", "广东省"]}), ["population_total"])
    assert floats["population_total"].tolist() == text["population_total"].tolist()
    assert floats["population_total"].tolist() == [21_893_095, 126_012_510]
    assert (floats["census_period"] == "2020-11-01").all()


def test_merge_context_cnnic_with_its_period():
    people = pd.DataFrame({"province": [11, 45], "urban": [1, 0]})
    out = merge_context(
        people, ["urban_share_pct", "penetration_pct"], period="2020", urban="urban"
    )
    assert out["cnnic_period"].unique().tolist() == ["2020-12"]
    assert out["penetration_pct"].tolist() == [79.8, 55.9]
    assert math.isnan(out["urban_share_pct"].iloc[0])  # Beijing: not published, not filled
    assert "urban_share_pct" not in people  # input untouched


def test_merge_context_refuses_what_it_cannot_do():
    people = pd.DataFrame({"province": [11], "population_total": [1]})
    with pytest.raises(DataError, match="population_total"):
        merge_context(people, ["population_total"])
    with pytest.raises(DataError, match="unknown"):
        merge_context(people, ["gdp"])
    with pytest.raises(DataError, match="period"):
        merge_context(people, ["penetration_total_pct"])
    with pytest.raises(DataError, match="'province'"):
        merge_context(pd.DataFrame({"province": ["Atlantis"]}), ["urban_share_pct"])


def test_a_survey_year_maps_to_the_report_of_its_fieldwork():
    row = nearest_cnnic_report("2017")
    assert row["period"] == "2017-12" and int(row["report_no"]) == 41
    assert nearest_cnnic_report(2017)["period"] == "2017-12"
    assert nearest_cnnic_report("2021-12")["period"] == "2021-12"
    # 2019-09 is three months from both 2019-06 and 2019-12; 2019-12 is not published
    assert nearest_cnnic_report("2019-09")["period"] == "2019-06"
    with pytest.raises(DataError, match="period"):
        nearest_cnnic_report("spring")
