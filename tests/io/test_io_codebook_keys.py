"""The codebook keys added for real survey waves: recode, answers and range."""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd
import pyreadstat
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from govstats.errors import CodebookError
from govstats.io import load_codebook, read_survey, shipped_codebook, shipped_codebooks

BOOK = """
[survey]
name = "keys"
missing = [98, 99]

[variables.edu_years]
source = "edu"
recode = { 1 = 0, 2 = 6, 3 = 9.5 }

[variables.moved_in]
source = "year"
missing = [9998, 9999]
answers = { 9997 = "since birth" }
range = { min = 1900, max = 2020 }
"""


def book_file(tmp_path, text=BOOK):
    path = tmp_path / "keys.toml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def data_file(tmp_path, edu, year):
    path = tmp_path / "keys.dta"
    frame = pd.DataFrame({"edu": edu, "year": year}, dtype=float)
    pyreadstat.write_dta(frame, str(path), version=14)
    return path


def test_every_shipped_codebook_is_listed_and_valid():
    names = shipped_codebooks()
    assert names == sorted(names) and len(names) == 7
    for name in names:
        assert load_codebook(shipped_codebook(name)).variables


def test_recode_answers_and_range(tmp_path):
    path = data_file(tmp_path, [1, 2, 3, 98, 2], [1990, 9997, 9998, 2001, 9997])
    survey = read_survey(path, codebook=book_file(tmp_path))
    np.testing.assert_array_equal(survey.data["edu_years"], [0, 6, 9.5, np.nan, 6])
    np.testing.assert_array_equal(survey.data["moved_in"], [1990, np.nan, np.nan, 2001, np.nan])
    answer = survey.data["moved_in_answer"]
    assert answer.isna().tolist() == [True, False, True, True, False]
    assert answer[1] == "since birth"
    assert float(survey.data["moved_in"].mean()) == 1995.5


@pytest.mark.parametrize(
    ("edu", "year", "message"),
    [
        ([1, 4], [1990, 1990], r"'edu_years'.*\[4\].*recode mapping"),
        ([1, 1], [1990, 9996], r"'moved_in'.*\[9996\].*valid range 1900-2020"),
    ],
)
def test_undeclared_codes_stop_the_read(tmp_path, edu, year, message):
    with pytest.raises(CodebookError, match=message):
        read_survey(data_file(tmp_path, edu, year), codebook=book_file(tmp_path))


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("recode = { 1 = 0, 2 = 6, 3 = 9.5 }", 'recode = { 1 = "none" }', "map every code to a"),
        ("max = 2020", "max = 1800", "range min 1900 must be below max 1800"),
        ("missing = [9998, 9999]", "missing = [9997]", "both answers and missing"),
        ("recode = { 1 = 0, 2 = 6, 3 = 9.5 }", "recode = { 1 = 0 }\nbinary = { 1 = 1, 2 = 0 }",
         "at most one of categorical, reverse, binary and recode"),
    ],
)  # fmt: skip
def test_bad_keys_are_named(tmp_path, old, new, message):
    assert old in BOOK
    with pytest.raises(CodebookError, match=message):
        load_codebook(book_file(tmp_path, BOOK.replace(old, new, 1)))


@settings(max_examples=30, deadline=None)
@given(
    years=st.lists(
        st.one_of(st.integers(1900, 2020), st.sampled_from([9997, 9998, 9999])),
        min_size=1,
        max_size=30,
    )
)
def test_year_mean_is_the_mean_of_real_years(tmp_path_factory, years):
    """Whatever mix of years, answers and missing codes: only real years reach the mean."""
    folder = tmp_path_factory.mktemp("years")
    path = data_file(folder, [1] * len(years), years)
    survey = read_survey(path, codebook=book_file(folder))
    real = [y for y in years if y < 9000]
    got = survey.data["moved_in"]
    assert got.notna().sum() == len(real)
    if real:
        assert float(got.mean()) == pytest.approx(float(np.mean(real)), rel=1e-12)
    assert int(survey.data["moved_in_answer"].notna().sum()) == years.count(9997)
