"""Analyses 03 (survey description) and 04 (divide chain) on the simulated survey."""

from __future__ import annotations

from importlib import resources

import numpy as np
import pandas as pd
import pytest

import govstats as gs
from govstats.io import write_survey
from govstats.report import divide_chain, load_survey, run_analysis, survey_description
from govstats.report.inputs import harmonise
from govstats.report.tables import SUPPRESSED_MARK

SEED = 5
N_PERSONS = 3000


@pytest.fixture(scope="module")
def survey():
    return load_survey(seed=SEED, n_persons=N_PERSONS)


@pytest.fixture(scope="module")
def description(survey):
    return survey_description(survey, lang="en")


def test_description_matches_direct_weighted_means(survey, description) -> None:
    data = survey.data
    tidy = description.table("survey_description").data.set_index(["variable", "group"])
    w = data["weight"].to_numpy()
    for variable in ("internet", "service", "edu_years"):
        x = data[variable].to_numpy(dtype=float)
        for group, mask in (("urban", data["urban"] == 1), ("rural", data["urban"] == 0)):
            m = mask.to_numpy()
            expected = np.sum(w[m] * x[m]) / np.sum(w[m])
            np.testing.assert_allclose(
                tidy.loc[(variable, group), "estimate"], expected, rtol=1e-12
            )
            assert tidy.loc[(variable, group), "n"] == m.sum()
        np.testing.assert_allclose(
            tidy.loc[(variable, "total"), "estimate"], np.sum(w * x) / np.sum(w), rtol=1e-12
        )


def test_description_has_design_ses_and_t_intervals(description) -> None:
    tidy = description.table("survey_description").data
    assert (tidy["se"] > 0).all()
    assert (tidy["ci_low"] < tidy["estimate"]).all() and (tidy["estimate"] < tidy["ci_high"]).all()


def test_raking_hits_the_rescaled_census_urban_share(survey, description) -> None:
    compare = description.table("internet_vs_cnnic").data.set_index("group")
    # survey internet use is in percent and sits beside the CNNIC figure for the period
    assert compare.loc["total", "survey_pct"] == pytest.approx(
        100
        * description.table("survey_description")
        .data.query("variable == 'internet' and group == 'total'")["estimate"]
        .iloc[0]
    )
    urban_margin = gs.datasets.census_margins("urban")
    share = float(urban_margin["urban"] / urban_margin.sum())
    total_raked = compare.loc["total", "raked_pct"]
    implied = (
        share * compare.loc["urban", "raked_pct"] + (1 - share) * compare.loc["rural", "raked_pct"]
    )
    np.testing.assert_allclose(total_raked, implied, rtol=1e-6)


def test_disclosure_control_suppresses_small_cells(survey) -> None:
    n_rural = int((survey.data["urban"] == 0).sum())
    n_urban = int((survey.data["urban"] == 1).sum())
    assert n_rural < n_urban
    result = survey_description(survey, lang="en", min_cell=n_rural + 1)
    table = result.table("survey_description")
    tidy = table.data
    assert tidy.loc[tidy["group"] == "rural", "suppressed"].all()
    assert tidy.loc[tidy["group"] == "rural", "estimate"].isna().all()
    assert not tidy.loc[tidy["group"] == "urban", "suppressed"].any()
    assert (table.display["Rural"] == SUPPRESSED_MARK).all()
    assert (table.display["Urban"] != SUPPRESSED_MARK).all()
    assert "fewer than" in table.note


def test_divide_chain_tables_and_figures(survey) -> None:
    result = divide_chain(survey, lang="en", replicates=20, seed=SEED)
    names = [t.name for t in result.tables]
    assert names == [
        "chain_paths",
        "chain_effects",
        "chain_cascade",
        "chain_groups",
        "chain_group_differences",
    ]
    assert [f.kind for f in result.figures] == [
        "cascade",
        "path_diagram",
        "forest",
        "group_comparison",
    ]
    effects = result.table("chain_effects").data.set_index("effect")
    np.testing.assert_allclose(
        effects.loc["indirect_total", "estimate"] / effects.loc["total", "estimate"],
        effects.loc["proportion_mediated", "estimate"],
    )
    groups = result.table("chain_groups").data
    assert sorted(groups["age_group"].unique()) == ["18-39", "40-59", "60+"]
    cascade = result.table("chain_cascade").data.set_index(["link", "group"])
    for link in ("info_access", "participation", "expression", "service"):
        np.testing.assert_allclose(
            cascade.loc[(link, "gap"), "estimate"],
            cascade.loc[(link, "rural"), "estimate"] - cascade.loc[(link, "urban"), "estimate"],
        )


def test_chain_group_suppression(survey) -> None:
    result = divide_chain(survey, lang="en", replicates=20, seed=SEED, min_cell=10**6)
    groups = result.table("chain_groups")
    assert groups.data["suppressed"].all()
    assert (groups.display.iloc[:, 1:] == SUPPRESSED_MARK).all().all()


def test_rerunning_chain_analysis_gives_identical_csvs(tmp_path) -> None:
    for name in ("a", "b"):
        run_analysis("04", tmp_path / name, replicates=10, seed=SEED)
    csvs = sorted(p.name for p in (tmp_path / "a").glob("*.csv"))
    assert len(csvs) == 5
    for name in csvs:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_harmonise_derives_standard_columns() -> None:
    raw = pd.DataFrame(
        {
            "urban": [1, 0, 1],
            "birth_year": [2000, 1970, 1940],
            "income": [1000.0, 0.0, 50.0],
            "stratum": ["11", "13", "44"],
        }
    )
    out, notes = harmonise(raw, "2021-12")
    assert out["rural"].tolist() == [0, 1, 0]
    assert out["age"].tolist() == [21, 51, 81]
    assert [str(v) for v in out["age_group"]] == ["18-39", "40-59", "60+"]
    np.testing.assert_allclose(out["log_income"].to_numpy()[[0, 2]], np.log([1000.0, 50.0]))
    assert np.isnan(out["log_income"].iloc[1])  # log of a zero income is missing, not -inf
    assert out["province_code"].tolist() == ["11", "13", "44"]
    assert len(notes) == 5
    assert "rural" not in raw  # input untouched


def test_report_on_a_user_survey_file(tmp_path) -> None:
    sim = gs.datasets.simulate_survey(seed=SEED, n_persons=1500)
    path = tmp_path / "survey.dta"
    write_survey(sim.raw, path)
    codebook = resources.files("govstats.io") / "codebooks" / "simulated.toml"
    with resources.as_file(codebook) as cb:
        loaded = load_survey(path, cb)
        result = survey_description(loaded, lang="en")
    assert not loaded.simulated and loaded.period == "2021-12"
    assert {"rural", "age", "age_group", "log_income"} <= set(loaded.data.columns)
    tidy = result.table("survey_description").data
    assert tidy["n"].max() <= 1500
