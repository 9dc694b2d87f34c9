"""Bad files and codebooks that do not fit them: each gets a named, actionable error."""

from __future__ import annotations

import hashlib
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat
import pytest

from govstats.errors import CodebookError, DataError
from govstats.io import SurveyData, load_codebook, read_survey

CODEBOOK = """
[survey]
name = "test survey"
wave = "2017"
id = "pid"
missing = [98, 99]

[variables.pid]
source = "id"

[variables.trust]
source = "q1"
labels = { 1 = "非常不信任", 2 = "不信任", 3 = "一般", 4 = "信任", 5 = "非常信任" }

[variables.voted]
source = "q2"
labels = { 1 = "投了", 2 = "没投", 3 = "没有投票资格" }
binary = { 1 = 1, 2 = 0 }
not_eligible = [3]

[variables.income]
source = "inc"
missing = [9999997, 9999998, 9999999]
topcode = [9999996]
"""

LABELS = {
    "q1": {
        1: "非常不信任",
        2: "不信任",
        3: "一般",
        4: "信任",
        5: "非常信任",
        98: "不知道",
        99: "拒绝回答",
    },
    "q2": {1: "投了", 2: "没投", 3: "没有投票资格", 98: "不知道"},
}


def frame(**changes) -> pd.DataFrame:
    base = {
        "id": [1, 2, 3, 4, 5, 6],
        "q1": [1, 5, 98, 4, 99, 2],
        "q2": [1, 2, 3, 98, 1, 1],
        "inc": [20000, 9999996, 9999998, 35000, 0, 12000],
    }
    base.update(changes)
    return pd.DataFrame(base)


def write_dta(path: Path, data: pd.DataFrame, labels=None) -> Path:
    pyreadstat.write_dta(data, path, version=14, variable_value_labels=labels or LABELS)
    return path


def write_book(path: Path, text: str = CODEBOOK) -> Path:
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


@pytest.fixture
def book(tmp_path):
    return write_book(tmp_path / "book.toml")


def test_good_file_reads(tmp_path, book):
    survey = read_survey(write_dta(tmp_path / "ok.dta", frame()), codebook=book)
    assert isinstance(survey, SurveyData)
    np.testing.assert_array_equal(survey.data["trust"], [1, 5, np.nan, 4, np.nan, 2])
    # not eligible (3) and don't know (98) are both missing, never "no"
    np.testing.assert_array_equal(survey.data["voted"], [1, 0, np.nan, np.nan, 1, 1])
    assert survey.data["income_topcoded"].tolist() == [False, True, False, False, False, False]
    assert survey.data["income"].tolist()[:2] == [20000, 9999996]


def test_not_eligible_as_own_category(tmp_path):
    text = CODEBOOK.replace(
        "binary = { 1 = 1, 2 = 0 }\nnot_eligible = [3]",
        'categorical = true\nnot_eligible = [3]\nnot_eligible_as = "category"',
    )
    survey = read_survey(
        write_dta(tmp_path / "ok.dta", frame()), codebook=write_book(tmp_path / "b.toml", text)
    )
    voted = survey.data["voted"]
    assert list(voted.cat.categories) == ["投了", "没投", "没有投票资格"]
    assert voted.tolist()[:3] == ["投了", "没投", "没有投票资格"]
    assert pd.isna(voted[3])  # 98 don't know stays missing


def test_unknown_variable_in_codebook(tmp_path, book):
    path = write_dta(tmp_path / "f.dta", frame().rename(columns={"q1": "q1x"}))
    with pytest.raises(CodebookError, match=r"'trust'.*'q1'.*f\.dta.*close: \['q1x'\]"):
        read_survey(path, codebook=book)


def test_case_insensitive_match_is_reported_not_silent(tmp_path, book):
    path = write_dta(tmp_path / "f.dta", frame().rename(columns={"q1": "Q1"}))
    survey = read_survey(path, codebook=book)
    assert len(survey.warnings) == 1
    assert "'Q1'" in survey.warnings[0] and "case-insensitively" in survey.warnings[0]
    assert survey.data["trust"].notna().sum() == 4


def test_code_outside_declared_labels(tmp_path, book):
    path = write_dta(tmp_path / "f.dta", frame(q1=[1, 7, 98, 4, 99, 2]))
    with pytest.raises(CodebookError, match=r"'trust'.*codes \[7\] in 1 rows outside"):
        read_survey(path, codebook=book)


def test_binary_mapping_must_cover_every_code(tmp_path, book):
    labels = {**LABELS, "q2": {**LABELS["q2"], 4: "记不清"}}
    text = CODEBOOK.replace(
        'labels = { 1 = "投了", 2 = "没投", 3 = "没有投票资格" }',
        'labels = { 1 = "投了", 2 = "没投", 3 = "没有投票资格", 4 = "记不清" }',
    )
    path = write_dta(tmp_path / "f.dta", frame(q2=[1, 2, 4, 98, 1, 1]), labels)
    with pytest.raises(CodebookError, match=r"'voted'.*codes \[4\].*binary mapping"):
        read_survey(path, codebook=write_book(tmp_path / "b.toml", text))


def test_file_labels_disagreeing_with_codebook(tmp_path, book):
    labels = {**LABELS, "q1": {**LABELS["q1"], 5: "很信任"}}
    path = write_dta(tmp_path / "f.dta", frame(), labels)
    with pytest.raises(CodebookError, match=r"'trust'.*code 5: file says '很信任'"):
        read_survey(path, codebook=book)


def test_string_in_numeric_item(tmp_path, book):
    path = tmp_path / "f.csv"
    frame(q1=["1", "5", "98", "four", "99", "2"]).to_csv(path, index=False)
    with pytest.raises(DataError, match=r"'trust'.*\['four'\] in 1 rows \(first rows \[3\]\)"):
        read_survey(path, codebook=book)


def test_duplicated_respondent_id(tmp_path, book):
    path = write_dta(tmp_path / "f.dta", frame(id=[1, 2, 3, 3, 5, 6]))
    with pytest.raises(
        DataError, match=r"'pid' is not unique: ids \['3'\] repeat \(rows \[2, 3\]\)"
    ):
        read_survey(path, codebook=book)


def test_truncated_file(tmp_path, book):
    whole = write_dta(tmp_path / "whole.dta", frame()).read_bytes()
    path = tmp_path / "half.dta"
    path.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(DataError, match=r"half\.dta.*truncated"):
        read_survey(path, codebook=book)


@pytest.mark.parametrize(
    ("content", "what"),
    [
        (b"\x89PNG\r\n\x1a\n" + bytes(300), "PNG image"),
        (bytes(np.random.default_rng(0).integers(0, 256, 500, dtype=np.uint8)), "unrecognised"),
    ],
)
def test_non_survey_file(tmp_path, book, content, what):
    path = tmp_path / "survey.dta"
    path.write_bytes(content)
    with pytest.raises(DataError, match=f"survey.dta: not a Stata .dta file.*{what}"):
        read_survey(path, codebook=book)
    sav = tmp_path / "survey.sav"
    sav.write_bytes(content)
    with pytest.raises(DataError, match="not an SPSS file"):
        read_survey(sav)


def test_empty_and_unknown_files(tmp_path):
    empty = tmp_path / "e.dta"
    empty.write_bytes(b"")
    with pytest.raises(DataError, match="empty"):
        read_survey(empty)
    other = tmp_path / "x.xlsx"
    other.write_bytes(b"PK\x03\x04")
    with pytest.raises(DataError, match="unknown file type"):
        read_survey(other)
    with pytest.raises(DataError, match="no such file"):
        read_survey(tmp_path / "absent.dta")


def test_failed_reads_leave_the_file_untouched(tmp_path, book):
    path = write_dta(tmp_path / "f.dta", frame(q1=[1, 7, 98, 4, 99, 2]))
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    with pytest.raises(CodebookError):
        read_survey(path, codebook=book)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before


# ---- codebook format errors ------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('source = "q1"', 'sorce = "q1"', r"\[variables.trust\].*unknown keys \['sorce'\]"),
        ('topcode = [9999996]', 'topcode = [9999996]\nreverse = { min = 5, max = 1 }',
         "reverse min 5 must be below max 1"),
        ("binary = { 1 = 1, 2 = 0 }", "binary = { 1 = 1, 2 = 2 }", "map every code to 0 or 1"),
        ('id = "pid"', 'id = "respondent"', "id = 'respondent' is not declared"),
        ('missing = [98, 99]', 'missing = ["dk"]', "'dk' is not a numeric code"),
        ('topcode = [9999996]', 'topcode = [9999998]', "both top-codes and missing codes"),
    ],
)  # fmt: skip
def test_codebook_format_errors(tmp_path, old, new, message):
    assert old in CODEBOOK
    path = write_book(tmp_path / "bad.toml", CODEBOOK.replace(old, new, 1))
    with pytest.raises(CodebookError, match=message) as info:
        load_codebook(path)
    assert "bad.toml" in str(info.value)


def test_codebook_scale_errors(tmp_path):
    scale = '\n[scales.trust_scale]\nitems = ["trust", "missing_item"]\nmin_valid = 1\n'
    with pytest.raises(CodebookError, match="'missing_item' is not declared"):
        load_codebook(write_book(tmp_path / "a.toml", CODEBOOK + scale))
    scale = '\n[scales.trust_scale]\nitems = ["trust", "income"]\nmin_valid = 3\n'
    with pytest.raises(CodebookError, match="min_valid must be an integer from 1 to 2"):
        load_codebook(write_book(tmp_path / "b.toml", CODEBOOK + scale))


def test_codebook_not_toml(tmp_path):
    with pytest.raises(CodebookError, match="not valid TOML"):
        load_codebook(write_book(tmp_path / "c.toml", "[survey\nname="))


def test_documented_codebook_examples_are_valid():
    import re
    import tomllib

    from govstats.io.codebook import parse_codebook

    docs = Path(__file__).parents[2] / "docs" / "codebook.md"
    blocks = re.findall(r"```toml\n(.*?)```", docs.read_text(encoding="utf-8"), re.S)
    assert len(blocks) == 2
    books = [parse_codebook(tomllib.loads(block), origin="docs") for block in blocks]
    assert books[0].scales["info_access"].items[-1] == "info_access_4r"
    assert books[1].variables["income"].topcode == (9_999_996.0,)


def test_spss_user_missing_not_in_codebook_is_missing_and_reported(tmp_path, book):
    path = tmp_path / "f.sav"
    data = frame(inc=[20000, 9999996, 9999998, 35000, 88888, 12000])
    pyreadstat.write_sav(data, path, variable_value_labels=LABELS, missing_ranges={"inc": [88888]})
    survey = read_survey(path, codebook=book)
    income = survey.data["income"]
    assert np.isnan(income[4]) and np.isnan(income[2])
    assert income[0] == 20000 and income[1] == 9999996
    assert survey.codes["income"][4] == 88888
    assert any("[88888] as user-missing" in w for w in survey.warnings)


@pytest.mark.parametrize("cut", [15, 60, 380])
def test_file_cut_inside_its_value_labels_is_refused(tmp_path, book, cut):
    """The data read whole, but the labels at the end of the file are cut off."""
    whole = write_dta(tmp_path / "whole.dta", frame()).read_bytes()
    assert whole.rstrip().endswith(b"</stata_dta>")
    path = tmp_path / "cut.dta"
    path.write_bytes(whole[:-cut])
    with pytest.raises(DataError, match=r"cut\.dta: the Stata file is truncated.*value labels"):
        read_survey(path, codebook=book)


@pytest.mark.parametrize(
    ("old", "new", "code", "where"),
    [
        ("not_eligible = [3]", "not_eligible = [2]", "2", "binary"),
        ("missing = [98, 99]", "missing = [1, 98, 99]", "1", "binary"),
        (
            "missing = [9999997, 9999998, 9999999]",
            "missing = [9999997, 9999998, 9999999]\nrange = { min = 0, max = 9999998 }",
            "9999997",
            "range",
        ),
    ],
)
def test_code_that_is_both_a_value_and_missing_is_refused(tmp_path, old, new, code, where):
    text = CODEBOOK.replace(old, new)
    assert text != CODEBOOK
    with pytest.raises(
        CodebookError, match=rf"code {code} is both a .* valid value \(in {where}\)"
    ):
        load_codebook(write_book(tmp_path / "b.toml", text))
