"""The description table's urban-rural Rao-Scott test beside every proportion."""

from __future__ import annotations

import zipfile

import numpy as np
import pandas as pd
import pytest

from govstats.report.build import build_study
from govstats.report.compute.survey_description import urban_rural_tests
from govstats.report.inputs import load_survey
from govstats.report.sections.survey_description import _description_table, survey_description
from govstats.report.spec import parse_spec


@pytest.fixture(scope="module")
def survey():
    return load_survey(seed=9, n_persons=2000)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_each_proportion_carries_the_design_test(survey, lang) -> None:
    table = survey_description(survey, lang=lang).table("survey_description")
    design = survey.design()
    data = table.data.set_index(["variable", "group"])
    for variable in ("internet", "female"):
        test = design.chisq("urban", variable, "F", na_rm=True)
        assert test.method == "F"
        assert data.loc[(variable, "total"), "rao_scott_f"] == test.statistic
        assert data.loc[(variable, "total"), "rao_scott_p"] == test.p_value
    assert np.isnan(data.loc[("age", "total"), "rao_scott_f"])
    heading = "城乡差异 F" if lang == "zh" else "Urban-rural F"
    shown = table.display.set_index(table.display.columns[0])[heading]
    f_internet = design.chisq("urban", "internet").statistic
    assert f"{f_internet:,.2f}" in shown.tolist()
    assert "Rao" in table.note


def test_the_test_goes_with_a_suppressed_group() -> None:
    tidy = pd.DataFrame(
        {
            "variable": ["x"] * 3 + ["y"] * 3,
            "group": ["urban", "rural", "total"] * 2,
            "n": [50, 4, 54, 50, 40, 90],
            "estimate": [0.5, 0.4, 0.45, 0.2, 0.3, 0.25],
            "se": [0.05] * 6,
            "ci_low": [0.4] * 6,
            "ci_high": [0.6] * 6,
            "df": [10.0] * 6,
        }
    )
    tests = pd.DataFrame(
        {"variable": ["x", "y"], "statistic": [3.0, 5.0], "ndf": [1.0, 1.0],
         "ddf": [10.0, 10.0], "p_value": [0.11, 0.05], "method": ["F", "F"]}
    )  # fmt: skip
    table = _description_table(tidy, "en", 10, tests)
    data = table.data.set_index(["variable", "group"])
    assert data["rao_scott_f"].loc["x"].isna().all()
    assert (data["rao_scott_f"].loc["y"] == 5.0).all()
    assert table.display["Urban-rural F"].tolist() == ["", "5.00"]


def test_only_zero_one_columns_are_tested(survey) -> None:
    frame = urban_rural_tests(survey.design(), survey.data, ["internet", "edu_years", "female"])
    assert frame["variable"].tolist() == ["internet", "female"]


def test_pdf_and_word_show_it(tmp_path) -> None:
    spec = parse_spec({"lang": "zh", "formats": ["pdf", "docx"],
                       "sections": [{"kind": "description"}]})  # fmt: skip
    _, docx = build_study(spec, tmp_path / "d.pdf", progress=False)
    with zipfile.ZipFile(docx.path) as archive:
        body = archive.read("word/document.xml").decode("utf-8")
    assert "城乡差异 F" in body and "Rao–Scott" in body
