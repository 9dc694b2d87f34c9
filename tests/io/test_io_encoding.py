"""Old Stata files (format < 118) with GBK labels are decoded as GB18030, not latin-1."""

from __future__ import annotations

import textwrap

import pandas as pd
import pyreadstat
import pytest

from govstats.errors import DataError
from govstats.io import read_survey
from govstats.io._formats import stata_format


@pytest.fixture
def old_file(tmp_path):
    path = tmp_path / "cgss_12.dta"
    data = pd.DataFrame({"id": [1, 2, 3, 4], "urban": [1, 2, 98, 1]})
    pyreadstat.write_dta(
        data,
        path,
        version=12,
        variable_value_labels={"urban": {1: "QQ01", 2: "QQ02", 98: "QQ03QQ03"}},
        column_labels={"urban": "QQ04QQ04"},
    )
    content = path.read_bytes()
    assert content[0] == 115  # format 115 = Stata 12
    for placeholder, text in {
        b"QQ03QQ03": "不知道啊",
        b"QQ04QQ04": "城乡类型",
        b"QQ01": "城镇",
        b"QQ02": "乡村",
    }.items():
        encoded = text.encode("gbk")
        assert len(encoded) == len(placeholder) and content.count(placeholder) == 1
        content = content.replace(placeholder, encoded)
    path.write_bytes(content)
    return path


def test_format_version_is_detected(old_file, tmp_path):
    assert stata_format(old_file, old_file.read_bytes()[:256]) == 115
    new = tmp_path / "new.dta"
    pyreadstat.write_dta(pd.DataFrame({"a": [1]}), new, version=14)
    assert stata_format(new, new.read_bytes()[:256]) == 118


def test_old_stata_labels_decode_as_gb18030(old_file):
    frame = read_survey(old_file)
    assert frame.attrs["format_version"] == 115
    assert frame.attrs["encoding"] == "GB18030"
    assert frame.attrs["value_labels"]["urban"] == {1.0: "城镇", 2.0: "乡村", 98.0: "不知道啊"}
    assert frame.attrs["variable_labels"]["urban"] == "城乡类型"
    assert "format 115" in frame.attrs["notes"][0]


def test_encoding_argument_overrides(old_file):
    frame = read_survey(old_file, encoding="latin1")
    label = frame.attrs["value_labels"]["urban"][1.0]
    assert label != "城镇"
    assert label.encode("latin1").decode("gbk") == "城镇"  # the garbling pandas users see


def test_old_file_through_a_codebook(old_file, tmp_path):
    book = tmp_path / "old.toml"
    book.write_text(
        textwrap.dedent(
            """
            [survey]
            name = "old release"
            missing = [98]

            [variables.residence]
            source = "urban"
            categorical = true
            labels = { 1 = "城镇", 2 = "乡村" }
            """
        ),
        encoding="utf-8",
    )
    survey = read_survey(old_file, codebook=book)
    assert survey.data["residence"].tolist()[:2] == ["城镇", "乡村"]
    assert pd.isna(survey.data["residence"][2])
    assert any("GB18030" in w for w in survey.warnings)


def test_undecodable_labels_name_the_fix(tmp_path):
    path = tmp_path / "bad.dta"
    pyreadstat.write_dta(
        pd.DataFrame({"x": [1]}), path, version=12, variable_value_labels={"x": {1: "QQ"}}
    )
    path.write_bytes(path.read_bytes().replace(b"QQ", b"\xff\xff"))
    with pytest.raises(DataError, match=r"bad\.dta.*decoded as GB18030; pass encoding="):
        read_survey(path)
