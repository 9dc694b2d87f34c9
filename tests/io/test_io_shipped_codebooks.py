"""Shipped CGSS/CFPS codebooks on synthetic files laid out like the real releases.

Each wave's file has the real raw names, Chinese value labels, the wave's missing codes,
top-codes, year codes and not-eligible codes. The expectations below are written from
the survey notes (which code means what), not from the codebooks, so a codebook that
mishandles a trap fails here.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from govstats.design import SurveyDesign
from govstats.errors import CodebookError
from govstats.io import SurveyData, load_codebook, read_survey, shipped_codebook
from govstats.io.codebook import Codebook
from tests.io._synthetic import build_frame, write_dta, write_old_gbk_dta

N_ROWS = 600
SHIPPED = ("cgss2015", "cgss2017", "cgss2018", "cgss2021", "cfps2018", "cfps2020")

EDUCATION = {
    1: "没有受过任何教育", 2: "私塾、扫盲班", 3: "小学", 4: "初中", 5: "职业高中", 6: "普通高中",
    7: "中专", 8: "技校", 9: "大学专科(成人高等教育)", 10: "大学专科(正规高等教育)",
    11: "大学本科(成人高等教育)", 12: "大学本科(正规高等教育)", 13: "研究生及以上", 14: "其他",
}  # fmt: skip
HUKOU_2015 = {
    1: "农业户口", 2: "非农业户口", 3: "蓝印户口", 4: "居民户口(以前是农业户口)",
    5: "居民户口(以前是非农业户口)", 6: "军籍", 7: "没有户口", 8: "其他",
}  # fmt: skip
HUKOU_2017 = {
    1: "农业户口", 2: "非农业户口", 3: "居民户口(以前是农业户口)",
    4: "居民户口(以前是非农业户口)", 5: "军籍", 6: "没有户口", 7: "其他",
}  # fmt: skip
SOURCE = {1: "报纸", 2: "杂志", 3: "广播", 4: "电视", 5: "互联网", 6: "手机定制消息"}
PROVINCE = {1: "上海市", 2: "云南省", 3: "内蒙古自治区"}

CGSS_2015_CODES = {-1: "不适用", -2: "不知道", -3: "拒绝回答", -8: "无法回答", 14: "其他"}
CGSS_CODES = {
    98: "不知道", 99: "拒绝回答", 8: "无法选择", 9: "拒绝回答", 14: "其他", 9998: "不知道",
    9999: "拒绝回答", 9996: "短期居住", 9997: "从出生起一直住在这里", 9999996: "9999996及以上",
    9999997: "不适用", 9999998: "不知道", 9999999: "拒绝回答",
}  # fmt: skip
CFPS_CODES = {
    -10: "无法判断", -9: "缺失", -8: "不适用", -7: "无法匹配", -3: "其他缺失", -2: "拒绝回答",
    -1: "不知道", 79: "没听懂", 0: "没数据", 9: "不必读书",
}  # fmt: skip
BIRTH_YEARS = np.arange(1940, 2000)

#: Codes that are missing on every item of the wave, from the survey notes (ids, weights and
#: cluster ids aside).
WAVE_MISSING = {
    "cgss2015": {-1, -2, -3, -8},
    "cgss2017": {98, 99, 9998, 9999, 9_999_997, 9_999_998, 9_999_999},
    "cgss2018": {98, 99, 9998, 9999, 9_999_997, 9_999_998, 9_999_999},
    "cgss2021": {98, 99, 9998, 9999, 9_999_997, 9_999_998, 9_999_999},
    "cfps2018": {-10, -9, -8, -7, -3, -2, -1},
    "cfps2020": {-10, -9, -8, -7, -3, -2, -1},
}
#: Item-specific codes that are not answers on the scale of the item (survey notes).
ITEM_SPECIAL = {
    "a29": {8, 9}, "c52": {8}, "a611": {7}, "a612": {7}, "a613": {7}, "a614": {7},
    "A61_1": {7}, "A61_2": {7}, "A61_3": {7}, "A61_4": {7}, "a44": {3}, "A44": {3},
    "a7a": {14}, "A7a": {14}, "H5": {4}, "qn1101": {79}, "qa301": {5, 79},
    "cfps2018edu": {0, 9}, "cfps2020edu": {0, 9},
}  # fmt: skip
#: Items recorded without special codes (CGSS 2021 H5 aside from 4, P21_1).
NO_SPECIAL_CODES = {"P21_1"}
YEAR_ANSWERS = {9996, 9997}
TOP_CODE = 9_999_996
NOT_ITEMS = {"id", "pid", "weight", "weight_raking", "community", "county", "module_random"}


#: Codes each wave's file carries on its trap variables, from the survey notes: injected
#: into the synthetic files whatever the codebook says.
TRAPS = {
    "cgss2015": {
        "a301": {9996, 9997, -2, -3}, "a8a": {9_999_996, -1, -2, -3}, "a62": {9_999_996, -3},
        "a44": {3, -2, -3}, "a611": {-1, -2, -3}, "a7a": {14, -3}, "a18": {-3},
        "b151": {-2, -3, -8}, "b161": {-2, -3}, "b171": {-2, -3, -8}, "a285": {-2, -8},
    },
    "cgss2017": {
        "a31": {9996, 9997, 9998, 9999}, "c37": {9997, 9998}, "a44": {3, 98, 99},
        "a8a": {9_999_996, 9_999_997, 9_999_998, 9_999_999}, "a62": {9_999_996, 9_999_999},
        "a29": {8, 9, 98}, "c52": {8, 98}, "a611": {7, 98, 99}, "a612": {7}, "a7a": {14, 98},
        "a285": {98, 99}, "c433": {98},
    },
    "cgss2018": {
        "a31": {9996, 9997, 9998, 9999}, "a44": {3, 98, 99}, "a8a": {9_999_996, 9_999_998},
        "a62": {9_999_996}, "a29": {98, 99}, "a611": {7, 98, 99}, "a285": {98},
    },
    "cgss2021": {
        "A3_1": {9996, 9997, 9998, 9999}, "A44": {3, 98, 99}, "A8a": {9_999_996, 9_999_999},
        "A62": {9_999_996}, "A61_1": {7, 98, 99}, "H5": {4}, "D20": {98}, "A28_5": {98},
    },
    "cfps2018": {
        "qn1101": {79, -8, -1}, "qa301": {5, 79, -8}, "gender": {-9}, "qn1001": {-1, -2},
        "cfps2018edu": {0, 9, -8}, "urban18": {-9}, "qn10025": {-1, -8},
    },
    "cfps2020": {
        "qn1101": {79, -8, -1}, "qa301": {5, 79, -8}, "gender": {-9}, "qn1001": {-1, -2},
        "cfps2020edu": {0, 9, -8}, "urban20": {-9}, "emp_income": {-8, -9},
    },
}  # fmt: skip


def wave_setup(name: str) -> dict:
    communities = [f"村居{k:03d}" for k in range(1, 41)]
    provinces = ["北京市", "上海市", "云南省", "甘肃省"]
    rng = np.random.default_rng(11)
    if name == "cgss2015":
        return {
            "file_labels": {"s41": PROVINCE, "a7a": EDUCATION, "a18": HUKOU_2015},
            "code_labels": CGSS_2015_CODES,
            "plain": {"s45": rng.integers(1, 41, N_ROWS), "s43": rng.integers(1, 13, N_ROWS)},
            "complete": frozenset({"s1", "s41"}),
            "pools": {"a301": BIRTH_YEARS},
        }
    if name.startswith("cgss"):
        upper = name == "cgss2021"
        labels = {"a7a": EDUCATION, "a18": HUKOU_2017, "a29": SOURCE}
        if upper:
            labels = {"A7a": EDUCATION, "A18": HUKOU_2017, "A29": SOURCE}
        if name == "cgss2017":
            labels["s41"] = PROVINCE
        return {
            "file_labels": labels,
            "code_labels": CGSS_CODES,
            "strings": {"provinces": provinces, "community_i": communities},
            "complete": frozenset({"isurban", "s41", "type"}),
            "pools": {"A3_1" if upper else "a31": BIRTH_YEARS},
        }
    year = name[-2:]
    return {
        "file_labels": {},
        "code_labels": CFPS_CODES,
        "plain": {f"countyid{year}": rng.integers(100, 140, N_ROWS)},
        "complete": frozenset({f"rswt_natcs{year}n"}),
        "pools": {"ibirthy": BIRTH_YEARS, f"provcd{year}": np.array([11, 31, 53, 62])},
    }


def synthetic(name: str, seed: int = 5) -> tuple[pd.DataFrame, dict[str, dict[float, str]]]:
    setup = wave_setup(name)
    return build_frame(
        load_codebook(shipped_codebook(name)),
        N_ROWS,
        seed,
        setup["file_labels"],
        setup["code_labels"],
        setup.get("strings", {}),
        plain=setup.get("plain"),
        complete=setup.get("complete", frozenset()),
        pools=setup.get("pools"),
        inject=TRAPS[name],
    )


@pytest.fixture(scope="module")
def waves(tmp_path_factory) -> dict[str, tuple[pd.DataFrame, SurveyData, Codebook]]:
    folder = tmp_path_factory.mktemp("waves")
    out = {}
    for name in SHIPPED:
        frame, labels = synthetic(name)
        path = write_dta(folder / f"{name}.dta", frame, labels)
        book = load_codebook(shipped_codebook(name))
        survey = read_survey(path, codebook=book)
        assert isinstance(survey, SurveyData)
        out[name] = (frame, survey, book)
    return out


# ---- listing and loading ------------------------------------------------------------------


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_codebook_loads_and_states_the_approximation(name):
    book = load_codebook(shipped_codebook(name))
    assert book.survey == name[:4].upper()
    assert book.wave == name[4:]
    assert book.design is not None
    assert book.design.strata is None and book.design.fpc is None
    assert book.design.weights == "weight"
    assert book.design.note is not None and book.design.note.startswith("Approximation")
    assert "no strata" in book.design.note
    assert {"info_access", "service"} <= set(book.scales)


def test_unknown_codebook_lists_the_shipped_ones():
    with pytest.raises(CodebookError) as info:
        shipped_codebook("cgss2019")
    for name in (*SHIPPED, "simulated"):
        assert repr(name) in str(info.value)


@pytest.mark.parametrize(
    ("name", "psu", "absent"),
    [
        ("cgss2015", "community", ["expression"]),
        ("cgss2017", None, []),
        ("cgss2018", "community", ["expression"]),
        ("cgss2021", "community", []),
        ("cfps2018", "county", ["participation", "expression"]),
        ("cfps2020", "county", ["participation", "expression"]),
    ],
)
def test_design_and_constructs_per_wave(name, psu, absent):
    """CGSS 2017 releases province only; constructs without items in a wave are absent."""
    book = load_codebook(shipped_codebook(name))
    assert book.design is not None and book.design.psu == psu
    for construct in absent:
        assert construct not in book.scales
    text = shipped_codebook(name).read_text(encoding="utf-8")
    assert "Not in this wave, so left out" in text


# ---- traps shared by every wave -----------------------------------------------------------


def special_codes(name: str, source: str) -> set[float]:
    codes = set(WAVE_MISSING[name]) | ITEM_SPECIAL.get(source, set())
    return codes


@pytest.mark.parametrize("name", SHIPPED)
def test_missing_codes_never_reach_a_mean(waves, name):
    frame, survey, book = waves[name]
    complete = wave_setup(name).get("complete", frozenset())
    checked = 0
    for column, spec in book.variables.items():
        if column in NOT_ITEMS or spec.type == "string" or spec.source in complete:
            continue
        raw = frame[spec.source].to_numpy(dtype=float)
        special = special_codes(name, spec.source)
        hit = np.isin(raw, list(special))
        assert hit.any() != (spec.source in NO_SPECIAL_CODES), column
        values = survey.data[column]
        assert values[hit].isna().all(), column
        if spec.categorical or spec.binary or spec.recode or spec.reverse:
            continue
        answers = np.isin(raw, list(YEAR_ANSWERS)) if spec.answers else np.zeros_like(hit)
        keep = ~hit & ~answers
        assert float(values.mean()) == pytest.approx(float(raw[keep].mean()), rel=1e-12)
        assert not np.isin(values.dropna(), list(special)).any()
        checked += 1
    assert checked >= 3


@pytest.mark.parametrize("name", [n for n in SHIPPED if n.startswith("cgss")])
def test_income_top_code_stays_a_flagged_value(waves, name):
    frame, survey, _book = waves[name]
    upper = name == "cgss2021"
    sources = {"income": "A8a", "household_income": "A62"} if upper else {}
    for column, source in (("income", "a8a"), ("household_income", "a62")):
        source = sources.get(column, source)
        raw = frame[source].to_numpy(dtype=float)
        top = raw == TOP_CODE
        assert top.any()
        np.testing.assert_array_equal(survey.data[f"{column}_topcoded"].to_numpy(), top)
        assert (survey.data[column][top] == TOP_CODE).all()
        # A blanket ">= 9999996 is missing" rule would lose these respondents.
        assert survey.data[column].notna().sum() == (~np.isin(raw, list(WAVE_MISSING[name]))).sum()


@pytest.mark.parametrize("name", [n for n in SHIPPED if n.startswith("cgss")])
def test_year_code_9997_stays_an_answer(waves, name):
    frame, survey, _book = waves[name]
    source = {"cgss2015": "a301", "cgss2021": "A3_1"}.get(name, "a31")
    raw = frame[source].to_numpy(dtype=float)
    answer = survey.data["birth_year_answer"]
    assert (answer[raw == 9997] == "year code 9997 (since birth)").all()
    assert (answer[raw == 9996] == "year code 9996 (short stay)").all()
    assert answer[~np.isin(raw, [9996, 9997])].isna().all()
    # Not a year either: it never enters a mean of years (nor the age derived from it).
    assert survey.data["birth_year"][np.isin(raw, [9996, 9997])].isna().all()
    assert survey.data["birth_year"].max() < 2000
    missing = np.isin(raw, list(WAVE_MISSING[name]))
    assert missing.any() and answer[missing].isna().all()


@pytest.mark.parametrize("name", [n for n in SHIPPED if n.startswith("cgss")])
def test_not_eligible_to_vote_is_not_no(waves, name):
    frame, survey, _book = waves[name]
    raw = frame["A44" if name == "cgss2021" else "a44"].to_numpy(dtype=float)
    voted = survey.data["voted"]
    assert (raw == 3).any()
    assert voted[raw == 3].isna().all()
    yes, no = (raw == 1).sum(), (raw == 2).sum()
    assert float(voted.mean()) == pytest.approx(yes / (yes + no), rel=1e-12)
    naive = yes / (yes + no + (raw == 3).sum())  # 3 没有投票资格 read as "no"
    assert abs(float(voted.mean()) - naive) > 0.01


@pytest.mark.parametrize("name", ["cgss2017", "cgss2018", "cgss2021"])
def test_social_insurance_not_applicable_is_not_no(waves, name):
    frame, survey, _book = waves[name]
    raw = frame["A61_1" if name == "cgss2021" else "a611"].to_numpy(dtype=float)
    insured = survey.data["medical_insurance"]
    assert (raw == 7).any() and insured[raw == 7].isna().all()
    np.testing.assert_array_equal(insured[raw == 1], 1.0)
    np.testing.assert_array_equal(insured[raw == 2], 0.0)


@pytest.mark.parametrize(
    ("name", "column", "source", "best_raw", "best_out"),
    [
        ("cgss2015", "gov_satisfaction_medical", "b151", 1, 5),  # 1 非常满意
        ("cgss2015", "service_adequacy", "b171", 5, 5),  # 5 非常满意: not reversed
        ("cgss2017", "internet_leisure", "a3012", 1, 5),  # 1 每天
        ("cgss2017", "party_activity", "c52", 1, 5),  # 1 weekly or more
        ("cgss2021", "health_satisfaction", "D20", 1, 7),  # 1 完全满意
        ("cfps2018", "gov_evaluation", "qn1101", 1, 5),  # 1 有很大成绩
        ("cfps2020", "gov_evaluation", "qn1101", 1, 5),
    ],
)
def test_items_come_out_in_the_declared_direction(waves, name, column, source, best_raw, best_out):
    frame, survey, _book = waves[name]
    raw = frame[source].to_numpy(dtype=float)
    values = survey.data[column]
    assert (values[raw == best_raw] == best_out).all() and (raw == best_raw).any()
    valid = ~np.isin(raw, list(special_codes(name, source)))
    top = 7 if source == "D20" else 5
    flipped = best_raw != best_out
    expected = (1 + top - raw[valid]) if flipped else raw[valid]
    np.testing.assert_array_equal(values[valid], expected)


def test_cgss2015_higher_is_more_satisfied_on_both_batteries(waves):
    frame, survey, _book = waves["cgss2015"]
    # A respondent "very satisfied" on b151 (code 1) and on b171 (code 5) scores 5 on both.
    both = (frame["b151"] == 1) & (frame["b171"] == 5)
    assert both.any()
    assert (survey.data.loc[both, "gov_satisfaction_medical"] == 5).all()
    assert (survey.data.loc[both, "service_adequacy"] == 5).all()


def test_cgss2017_information_source_uses_8_and_9(waves):
    frame, survey, _book = waves["cgss2017"]
    raw = frame["a29"].to_numpy(dtype=float)
    assert np.isin(raw, [8, 9]).any()
    assert survey.data["info_source"][np.isin(raw, [8, 9, 98, 99])].isna().all()
    assert list(survey.data["info_source"].cat.categories) == list(SOURCE.values())


def test_cgss2015_hukou_has_eight_codes_and_2017_seven(tmp_path, waves):
    frame, survey, _book = waves["cgss2015"]
    assert (frame["a18"] == 8).any()
    assert list(survey.data["hukou"].cat.categories) == list(HUKOU_2015.values())
    frame17, labels17 = synthetic("cgss2017")
    frame17.loc[0, "a18"] = 8
    path = write_dta(tmp_path / "bad.dta", frame17, labels17)
    with pytest.raises(CodebookError, match=r"'hukou'.*\[8\].*1-7"):
        read_survey(path, codebook=shipped_codebook("cgss2017"))


def test_cfps_no_codes_and_legacy_labels(waves):
    frame, survey, _book = waves["cfps2018"]
    trust = survey.data["general_trust"]
    raw = frame["qn1001"].to_numpy(dtype=float)
    np.testing.assert_array_equal(trust[raw == 5], 0.0)  # 5 越小心越好 is the "no"
    np.testing.assert_array_equal(trust[raw == 1], 1.0)
    gender = frame["gender"].to_numpy(dtype=float)
    np.testing.assert_array_equal(survey.data["female"][np.isin(gender, [0, 5])], 1.0)
    np.testing.assert_array_equal(survey.data["female"][gender == 1], 0.0)
    hukou = frame["qa301"].to_numpy(dtype=float)
    assert survey.data["agricultural_hukou"][np.isin(hukou, [5, 79])].isna().all()


@pytest.mark.parametrize("name", SHIPPED)
def test_design_builds_from_the_codebook(waves, name):
    _frame, survey, _book = waves[name]
    design = SurveyDesign(survey.data, **survey.design_columns)
    psu = survey.design_columns.get("psu")
    n_clusters = survey.data[psu].nunique() if psu else len(survey.data)
    assert design.n_psu == n_clusters
    assert design.df == n_clusters - 1
    result = design.mean(["service"], na_rm=True)
    assert np.isfinite(result.to_frame()["se"]).all()


# ---- files as users get them --------------------------------------------------------------


def test_cgss2015_stata12_gbk_and_stata14_read_alike(tmp_path, waves):
    frame, survey14, _book = waves["cgss2015"]
    _, labels = synthetic("cgss2015")
    old = write_old_gbk_dta(tmp_path / "CGSS2015_12.dta", frame, labels)
    assert old.read_bytes()[0] == 115
    survey12 = read_survey(old, codebook=shipped_codebook("cgss2015"))
    assert survey12.metadata["format_version"] == 115
    assert survey12.metadata["encoding"] == "GB18030"
    assert survey14.metadata["format_version"] == 118
    assert any("format 115" in w for w in survey12.warnings)
    assert survey12.value_labels["urban"][1.0] == "城市"
    assert survey12.value_labels["voted"][3.0] == "没有投票资格"
    assert list(survey12.data["hukou"].cat.categories) == list(HUKOU_2015.values())
    pd.testing.assert_frame_equal(survey12.data, survey14.data)


def test_cgss2021_lower_case_names_are_read_and_reported(tmp_path, waves):
    frame, survey, book = waves["cgss2021"]
    _, labels = synthetic("cgss2021")
    lower = frame.rename(columns=str.lower)
    path = write_dta(
        tmp_path / "cgss2021_recode.dta", lower, {k.lower(): v for k, v in labels.items()}
    )
    got = read_survey(path, codebook=book)
    upper = {v.source for v in book.variables.values() if v.source != v.source.lower()}
    reported = [w for w in got.warnings if "only case-insensitively" in w]
    assert len(reported) == sum(1 for v in book.variables.values() if v.source in upper)
    assert any("'A28_5'" in w and "'a28_5'" in w for w in reported)
    pd.testing.assert_frame_equal(got.data, survey.data)


@pytest.mark.parametrize("name", ["cfps2018", "cfps2020"])
def test_cfps_sas_export_with_upper_case_names(tmp_path, waves, name):
    frame, survey, book = waves[name]
    path = tmp_path / f"{name}_sas.csv"
    frame.rename(columns=str.upper).to_csv(path, index=False)
    got = read_survey(path, codebook=book)
    reported = [w for w in got.warnings if "only case-insensitively" in w]
    assert len(reported) == len(book.variables)
    pd.testing.assert_frame_equal(got.data, survey.data, check_dtype=False)


def test_label_text_of_another_wave_stops_the_read(tmp_path):
    frame, labels = synthetic("cgss2017")
    labels["a611"] = {1: "参加了", 2: "没有参加", 7: "不适用"}  # the 2015 wording
    path = write_dta(tmp_path / "mixed.dta", frame, labels)
    with pytest.raises(CodebookError, match=r"'medical_insurance'.*参加了"):
        read_survey(path, codebook=shipped_codebook("cgss2017"))


def test_an_undeclared_special_code_stops_the_read(tmp_path):
    frame, labels = synthetic("cgss2017")
    frame.loc[3, "a31"] = 9995
    path = write_dta(tmp_path / "odd.dta", frame, labels)
    with pytest.raises(CodebookError, match=r"'birth_year'.*\[9995\].*1900-2017"):
        read_survey(path, codebook=shipped_codebook("cgss2017"))


# ---- the report on a CGSS 2017 file -------------------------------------------------------


@pytest.mark.parametrize("name", ["cgss2017", "cgss2021"])
def test_report_runs_on_cgss_files(tmp_path, name):
    """`govstats report --survey --codebook` end to end: constructs, derived columns, note."""
    import pypdfium2 as pdfium
    from click.testing import CliRunner

    from govstats.cli import main

    frame, labels = synthetic(name, seed=8)
    survey = write_dta(tmp_path / f"{name}.dta", frame, labels)
    out = tmp_path / f"{name}.pdf"
    codebook = str(shipped_codebook(name))
    args = ["report", "--out", str(out), "--survey", str(survey), "--codebook", codebook,
            "--replicates", "10", "--lang", "en", "--quiet"]  # fmt: skip
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    document = pdfium.PdfDocument(str(out))
    try:
        pages = [document[i].get_textpage().get_text_range() for i in range(len(document))]
    finally:
        document.close()
    text = " ".join(" ".join(pages).split())
    year = name[4:]
    assert f"Survey file: {name}.dta" in text
    assert "4. The divide chain" in text
    assert ("SurveyDesign(weights=weight)" if year == "2017" else "psu=community") in text
    assert f"Approximation: the public CGSS {year} file" in text
    assert f"age derived as {year} - birth_year" in text
    assert "rural derived as 1 - urban" in text


def test_report_names_the_construct_a_wave_lacks(tmp_path):
    from click.testing import CliRunner

    from govstats.cli import main

    frame, labels = synthetic("cgss2018")
    survey = write_dta(tmp_path / "cgss2018.dta", frame, labels)
    out = tmp_path / "cgss2018.pdf"
    codebook = str(shipped_codebook("cgss2018"))
    args = ["report", "--out", str(out), "--survey", str(survey), "--codebook", codebook,
            "--replicates", "10", "--quiet"]  # fmt: skip
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1
    assert "lacks columns ['expression'] needed for the chain" in result.output
    assert not out.exists()
