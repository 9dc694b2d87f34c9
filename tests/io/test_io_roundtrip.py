"""The simulated survey written to .dta/.sav and read back through the shipped codebook."""

from __future__ import annotations

import hashlib
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from govstats.datasets import simulate_survey
from govstats.datasets._raw_items import ITEMS
from govstats.errors import CodebookError, DataError
from govstats.io import SurveyData, load_codebook, read_survey, shipped_codebook, write_survey

MIN_VALID = {"info_access": 3, "participation": 3, "expression": 2, "service": 3}
MISSING = (98, 99, -8)


@pytest.fixture(scope="module")
def sim():
    return simulate_survey(seed=2024, n_persons=3000)


@pytest.fixture(scope="module", params=["dta", "sav"])
def written(sim, tmp_path_factory, request):
    path = tmp_path_factory.mktemp("files") / f"simulated.{request.param}"
    write_survey(sim.raw, path)
    return path


@pytest.fixture(scope="module")
def survey(written):
    result = read_survey(written, codebook=shipped_codebook("simulated"))
    assert isinstance(result, SurveyData)
    return result


def expected_scale(raw: pd.DataFrame, construct: str) -> np.ndarray:
    """Scale score from the raw codes, computed independently of govstats.io."""
    columns = []
    for name, _label, _scale, reverse in ITEMS[construct]:
        values = raw[name].to_numpy(dtype=float)
        values[np.isin(values, MISSING)] = np.nan
        columns.append(6 - values if reverse else values)
    matrix = np.column_stack(columns)
    valid = np.isfinite(matrix).sum(axis=1)
    score = np.nanmean(np.where(valid[:, None] > 0, matrix, 0.0), axis=1)
    return np.where(valid >= MIN_VALID[construct], score, np.nan)


@pytest.mark.parametrize("construct", list(ITEMS))
def test_constructs_equal_scale_scores_from_raw_items(sim, survey, construct):
    expected = expected_scale(sim.raw, construct)
    got = survey.data[construct].to_numpy()
    np.testing.assert_array_equal(np.isnan(got), np.isnan(expected))
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-12)


def test_scale_scores_track_the_latent_constructs(sim, survey):
    for construct in ITEMS:
        both = survey.data[construct].notna()
        r = np.corrcoef(survey.data.loc[both, construct], sim.data.loc[both, construct])[0, 1]
        assert r > 0.75, construct


def test_chinese_value_labels_round_trip(sim, survey):
    assert list(survey.data["hukou"].cat.categories) == ["农业", "非农业"]
    assert survey.value_labels["hukou"] == {float(k): v for k, v in sim.value_labels["a18"].items()}
    assert survey.value_labels["participation_2"][-8.0] == "不适用"
    assert set(survey.data["province"].cat.categories) == set(sim.data["province"])
    assert (survey.data["province"].astype(str) == sim.data["province"]).all()
    assert survey.variable_labels["income"] == "个人去年全年总收入(元)"
    assert survey.data["education"].cat.ordered


def test_design_and_covariates_come_back(sim, survey):
    data = survey.data
    np.testing.assert_array_equal(data["person_id"], sim.data["person_id"])
    np.testing.assert_allclose(data["weight"], sim.data["weight"], rtol=1e-15)
    np.testing.assert_array_equal(data["urban"], sim.data["urban"])
    assert data["stratum"].tolist() == sim.data["stratum"].tolist()
    np.testing.assert_array_equal(data["female"], sim.data["female"])
    np.testing.assert_array_equal(data["internet"], sim.data["internet"])
    assert survey.design_columns == {
        "strata": "stratum", "psu": "county", "weights": "weight", "fpc": "fpc_county"
    }  # fmt: skip
    assert "approximation" in survey.metadata["design_note"]
    assert survey.warnings == ()


def test_income_top_code_is_a_flagged_value_and_missing_codes_are_missing(sim, survey):
    raw = sim.raw["a8a"].to_numpy()
    income = survey.data["income"].to_numpy()
    top = raw == 9_999_996
    assert top.any()
    np.testing.assert_array_equal(survey.data["income_topcoded"].to_numpy(), top)
    assert (income[top] == 9_999_996).all()
    coded = np.isin(raw, [9_999_997, 9_999_998, 9_999_999])
    assert np.isnan(income[coded]).all()
    assert not np.isnan(income[~coded]).any()


def test_missing_codes_never_reach_a_mean(sim, survey):
    raw = sim.raw["c22"].to_numpy(dtype=float)
    naive = raw.mean()
    clean = raw[~np.isin(raw, MISSING)].mean()
    got = float(survey.data["participation_2"].mean())
    assert got == pytest.approx(clean, rel=1e-12)
    assert abs(got - naive) > 1.0
    assert survey.codes["participation_2"].mean() == pytest.approx(naive)


def test_scale_report_and_alpha(survey):
    report = survey.scale_report()
    assert list(report["scale"]) == list(ITEMS)
    assert (report["alpha"].between(0.6, 0.95)).all()
    assert report.set_index("scale")["n_items"].to_dict() == {k: len(v) for k, v in ITEMS.items()}
    assert survey.metadata["alpha"]["service"] == report.set_index("scale")["alpha"]["service"]
    scored = report.set_index("scale")["n_scored"]
    assert (scored == survey.data[list(ITEMS)].notna().sum()).all()


def test_input_file_is_never_modified(sim, written):
    before = hashlib.sha256(written.read_bytes()).hexdigest()
    read_survey(written, codebook=shipped_codebook("simulated"))
    read_survey(written)
    assert hashlib.sha256(written.read_bytes()).hexdigest() == before


def test_without_codebook_returns_codes_and_labels(sim, written):
    frame = read_survey(written)
    assert isinstance(frame, pd.DataFrame)
    np.testing.assert_array_equal(frame["c22"].to_numpy(), sim.raw["c22"].to_numpy())
    assert frame.attrs["value_labels"]["isurban"] == {1.0: "城", 2.0: "乡"}


def test_write_never_overwrites_silently(sim, written):
    with pytest.raises(DataError, match="exists"):
        write_survey(sim.raw, written)


def test_csv_and_parquet_read_through_the_codebook(sim, tmp_path):
    full = load_codebook(shipped_codebook("simulated"))
    plain = tmp_path / "plain.csv"
    sim.raw.to_csv(plain, index=False)
    with pytest.raises(CodebookError, match=r"'province'.*nor the file has value labels"):
        read_survey(plain, codebook=full)
    # CSV and Parquet carry no value labels: drop the one variable labelled only in the file.
    book = replace(full, variables={k: v for k, v in full.variables.items() if k != "province"})
    for suffix in ("csv", "parquet"):
        path = tmp_path / f"sim.{suffix}"
        if suffix == "csv":
            sim.raw.to_csv(path, index=False)
        else:
            sim.raw.to_parquet(path)
        survey = read_survey(path, codebook=book)
        np.testing.assert_allclose(
            survey.data["service"].to_numpy(), expected_scale(sim.raw, "service"), atol=1e-12
        )
        assert list(survey.data["hukou"].cat.categories) == ["农业", "非农业"]
