"""The embedded tables: pinned published values, flags, and refusal of damaged copies."""

from __future__ import annotations

import math
from importlib.resources import files
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from govstats.datasets import census_margins, load_census, load_cnnic, load_national_series
from govstats.errors import DataError

# The checkout's own tables (an editable install may resolve govstats._data elsewhere).
CHECKOUT_DATA = Path(__file__).resolve().parents[2] / "data"
CENSUS_2010 = CHECKOUT_DATA / "census2010_province.csv"
CENSUS_2020 = CHECKOUT_DATA / "census2020_province.csv"

NATIONAL_2020 = 1_411_778_724
PROVINCES_2020 = 1_409_778_724
URBAN_2020 = 901_991_162


def shipped(name: str) -> Path:
    return Path(str(files("govstats._data").joinpath(name)))


# ---- CNNIC ---------------------------------------------------------------------------


def test_cnnic_pins_published_values():
    cnnic = load_cnnic().set_index("report_no")
    assert cnnic.loc[49, "penetration_rural_pct"] == 57.6
    assert cnnic.loc[48, "penetration_rural_pct"] == 59.2
    assert cnnic.loc[47, "penetration_urban_pct"] == 79.8
    assert cnnic.loc[49, "netizens_total_10k"] == 103200
    assert cnnic.loc[54, "netizens_total_10k"] == 109967
    assert cnnic.loc[45, "period"] == pd.Period("2020-03", freq="M")
    assert len(cnnic) == 36
    assert 22 not in cnnic.index


def test_cnnic_coverage_counts_match_sources_md():
    cnnic = load_cnnic()
    assert cnnic["netizens_total_10k"].notna().sum() == 36
    assert cnnic["penetration_total_pct"].notna().sum() == 34
    assert cnnic["netizens_rural_10k"].notna().sum() == 18
    assert cnnic["penetration_rural_pct"].notna().sum() == 15
    assert cnnic["penetration_urban_pct"].notna().sum() == 9
    assert cnnic["mobile_netizens_10k"].notna().sum() == 25


def test_cnnic_missing_stays_missing_not_zero():
    cnnic = load_cnnic().set_index("report_no")
    assert math.isnan(cnnic.loc[27, "penetration_total_pct"])
    values = cnnic.drop(columns=["rural_series_segment"]).select_dtypes("number")
    assert (values != 0).all().all()


def test_cnnic_flags():
    cnnic = load_cnnic()
    assert cnnic.loc[cnnic["series_break"], "report_no"].tolist() == [49, 54]
    segment = cnnic.set_index("report_no")["rural_series_segment"]
    assert (segment.loc[:48] == 0).all()
    assert (segment.loc[49:53] == 1).all()
    assert (segment.loc[54:] == 2).all()
    rural_report = cnnic.loc[cnnic["from_rural_report"]]
    assert rural_report["period"].dt.year.isin([2007, 2009]).all()
    assert rural_report["source_note"].str.contains("rural").all()
    assert "caveats" in cnnic.attrs and "CNNIC" in cnnic.attrs["source"]


def test_cnnic_tidy_holds_exactly_the_published_cells():
    wide = load_cnnic()
    tidy = load_cnnic(tidy=True)
    value_columns = [
        "netizens_total_10k",
        "penetration_total_pct",
        "netizens_rural_10k",
        "penetration_rural_pct",
        "penetration_urban_pct",
        "mobile_netizens_10k",
    ]
    assert len(tidy) == int(wide[value_columns].notna().sum().sum())
    assert tidy["value"].notna().all()
    row = tidy[(tidy["report_no"] == 49) & (tidy["area"] == "rural")]
    assert row.set_index("indicator")["value"]["penetration_pct"] == 57.6
    assert set(tidy["area"]) == {"total", "urban", "rural"}


# ---- census ----------------------------------------------------------------------------


def test_census_national_total_and_province_sum():
    everything = load_census("all")
    national = everything[everything["is_national"]].iloc[0]
    provinces = load_census("province")
    assert int(national["population_total"]) == NATIONAL_2020
    assert int(national["urban_population"]) == URBAN_2020
    assert national["urban_share_pct"] == 63.89
    assert len(provinces) == 31
    assert int(provinces["population_total"].sum()) + 2_000_000 == NATIONAL_2020
    assert provinces["province_code"].is_unique


def test_census_keeps_unpublished_urban_shares_missing():
    provinces = load_census(path=CENSUS_2020).set_index("province_code")
    assert provinces["urban_share_pct"].notna().sum() == 17
    assert math.isnan(provinces.loc["11", "urban_share_pct"])  # Beijing: not found
    assert provinces.loc["33", "urban_share_pct"] == 72.17
    assert provinces.loc["46", "urban_share_pct"] == 60.27  # share without a count
    assert math.isnan(provinces.loc["46", "urban_population"])


def test_census_2010_has_every_province():
    census = load_census("all", year=2010, path=CENSUS_2010)
    assert len(census) == 32
    national = int(census.loc[census["is_national"], "population_total"].iloc[0])
    assert national == 1_339_724_852
    provinces = census_margins("province", year=2010, path=CENSUS_2010)
    # NBS communique No.2: 2,300,000 military and 4,649,985 of undetermined residence
    assert int(provinces.sum()) + 2_300_000 + 4_649_985 == national
    assert provinces["22"] == 27_462_297  # Jilin, NBS's figure (not the revised base)
    assert provinces["13"] == 71_854_202  # Hebei, NBS's figure


def test_census_2020_additions_keep_the_unfound_empty():
    provinces = load_census(path=CENSUS_2020).set_index("province_code")
    assert provinces.loc["32", "age_65plus_pct"] == 16.20
    assert provinces.loc["35", "urban_share_pct"] == 68.75
    assert math.isnan(provinces.loc["35", "age_65plus_pct"])  # single source: not moved
    assert math.isnan(provinces.loc["50", "urban_share_pct"])
    assert "163.com" in provinces.loc["32", "source_url"]


def test_census_margins():
    province = census_margins("province")
    assert int(province.sum()) == PROVINCES_2020
    assert province["44"] == 126_012_510
    urban = census_margins("urban")
    assert urban["urban"] == URBAN_2020
    assert urban["urban"] + urban["rural"] == NATIONAL_2020
    both = census_margins(["province", "urban"])
    assert set(both) == {"province", "urban"}
    with pytest.raises(DataError, match="unknown"):
        census_margins("county")


def test_national_series():
    series = load_national_series().set_index(["year", "indicator"])["value"]
    assert series[(2020, "urbanization_rate_census")] == 63.89
    assert series[(2021, "disposable_income_per_capita_rural")] == 18931
    assert len(series) == 20


# ---- damaged copies ---------------------------------------------------------------------


def damaged(tmp_path: Path, name: str, old: str, new: str) -> Path:
    text = shipped(name).read_text(encoding="utf-8")
    assert old in text
    target = tmp_path / name
    target.write_text(text.replace(old, new, 1), encoding="utf-8")
    return target


@pytest.mark.parametrize(
    ("name", "old", "new", "loader", "message"),
    [
        ("cnnic_penetration.csv", "103200,73.0,28400,57.6", "103200,73.0,28400,157.6",
         load_cnnic, "penetration_rural_pct.*above 100"),
        ("cnnic_penetration.csv", "103200,73.0,28400,57.6", "103200,73.0,28400,5x.6",
         load_cnnic, "non-numeric"),
        ("cnnic_penetration.csv", "49,2021-12,103200", "49,2021-12,-103200",
         load_cnnic, "netizens_total_10k.*not greater than zero"),
        ("cnnic_penetration.csv", "49,2021-12", "47,2021-12", load_cnnic, "report_no"),
        ("census2020_province.csv", "44,广东,Guangdong,126012510", "44,广东,Guangdong,126012511",
         load_census, "sum to 1,411,778,725"),
        ("census2020_province.csv", "13,河北", "99,河北", load_census, "GB/T 2260"),
        ("census2020_province.csv", "44816486,60.07", "44816486,61.07", load_census,
         "urban_share_pct disagrees.*13"),
        ("national_series.csv", "2020,urbanization_rate_census,63.89",
         "2020,urbanization_rate_census,163.89", load_national_series, "exceeds 100"),
    ],
)  # fmt: skip
def test_damaged_table_is_refused(tmp_path, name, old, new, loader, message):
    path = damaged(tmp_path, name, old, new)
    with pytest.raises(DataError, match=message) as info:
        loader(path=path)
    assert name in str(info.value)


def test_missing_column_is_refused(tmp_path):
    frame = pd.read_csv(shipped("cnnic_penetration.csv"), dtype=str)
    path = tmp_path / "cnnic_penetration.csv"
    frame.drop(columns="penetration_urban_pct").to_csv(path, index=False)
    with pytest.raises(DataError, match="penetration_urban_pct"):
        load_cnnic(path=path)


def test_error_names_the_line(tmp_path):
    path = damaged(
        tmp_path, "cnnic_penetration.csv", "103200,73.0,28400,57.6", "103200,73.0,28400,x"
    )
    with pytest.raises(DataError, match="line 30"):
        load_cnnic(path=path)


def test_loaders_do_not_interpolate():
    cnnic = load_cnnic()
    rural = cnnic["penetration_rural_pct"].to_numpy()
    raw = pd.read_csv(shipped("cnnic_penetration.csv"))["penetration_rural_pct"].to_numpy()
    np.testing.assert_array_equal(np.isnan(rural), np.isnan(raw))
