"""The robustness section: the engines' numbers, disclosure control, notes, PDF and Word."""

from __future__ import annotations

import dataclasses
import zipfile

import numpy as np
import pytest

from govstats.datasets.simulate import CausalTruth
from govstats.report.build import build_study
from govstats.report.inputs import load_survey
from govstats.report.robustness import robustness_numbers
from govstats.report.sections import SECTIONS, StudyContext
from govstats.report.sections.robustness import robustness_section
from govstats.report.spec import load_spec, parse_spec


@pytest.fixture(scope="module")
def survey():
    return load_survey(seed=5, n_persons=4000)


@pytest.fixture(scope="module")
def section(survey):
    return robustness_section(survey, lang="en", min_cell=10)


def test_tables_hold_the_engines_numbers(survey, section) -> None:
    numbers = robustness_numbers(survey.design())
    cols = ["estimate", "se", "ci_low", "ci_high"]
    iv = section.table("robustness_iv").data
    np.testing.assert_array_equal(iv[cols].to_numpy(), numbers.iv[cols].to_numpy())
    assert iv["first_stage_f"].iloc[1] == numbers.iv["first_stage_f"].iloc[1]
    weighting = section.table("robustness_weighting").data
    np.testing.assert_array_equal(weighting[cols].to_numpy(), numbers.weighting[cols].to_numpy())
    balance = section.table("robustness_balance").data
    np.testing.assert_array_equal(balance["smd"], numbers.balance["smd"])
    assert [f.kind for f in section.figures] == ["love_plot", "sensitivity"]


def test_the_simulated_truth_is_stated(section) -> None:
    truth = CausalTruth()
    text = " ".join(section.paragraphs)
    assert f"simulated truth is {truth.hours_effect:.3f}" in text
    assert f"average treatment effect is {truth.ate:.3f}" in text
    shown = section.table("robustness_iv").display
    assert shown.iloc[1, 4] != ""  # the first-stage F


def test_sensitivity_matches_the_chain(survey, section) -> None:
    from govstats.chain import DivideChain
    from govstats.report.compute.divide_chain import COVARIATES, MEDIATORS, OUTCOME, X

    chain = DivideChain(
        survey.design(),
        x=X,
        mediators=list(MEDIATORS),
        outcome=OUTCOME,
        covariates=list(COVARIATES),
        missing="listwise",
    )
    res = chain.fit(inference="linearization", progress=False)
    sens = res.sensitivity(link=MEDIATORS[:2], rho=np.round(np.linspace(-0.5, 0.5, 21), 2))
    table = section.table("robustness_sensitivity").data
    np.testing.assert_array_equal(table["estimate"], sens.thresholds["estimate"])
    (figure,) = [f for f in section.figures if f.kind == "sensitivity"]
    terms = figure.options["terms"]
    assert "total" not in terms and "direct" not in terms  # they do not move with rho
    reach = table[table["term"].isin(terms)].dropna(subset=["rho_interval_zero"])
    first = reach.loc[reach["rho_interval_zero"].abs().idxmin()]
    assert f"the interval of {first['term']} first covers 0" in section.paragraphs[-1]


def test_small_groups_are_suppressed(survey) -> None:
    treated = int((survey.data["broadband_home"] == 1).sum())
    hidden = robustness_section(survey, lang="zh", min_cell=treated + 1)
    weighting = hidden.table("robustness_weighting").data
    assert weighting["suppressed"].all() and weighting["estimate"].isna().all()
    assert hidden.table("robustness_balance").data["smd"].isna().all()
    assert "love_plot" not in [f.kind for f in hidden.figures]


def test_a_survey_without_the_columns_gets_a_note(survey) -> None:
    lean = dataclasses.replace(survey, data=survey.data.drop(columns=["z_broadband"]))
    result = robustness_section(lean, lang="en")
    assert "lacks the columns z_broadband" in result.paragraphs[0]
    assert "robustness_iv" not in [t.name for t in result.tables]
    assert result.available


def test_registered_runner(survey) -> None:
    context = StudyContext(survey, None, "en", 1, 10, 10)
    result = SECTIONS["robustness"](context, {})
    assert result.available and result.table("robustness_iv").data.shape[0] == 2


def test_the_specs_carry_it() -> None:
    assert "robustness" in [s.kind for s in load_spec("example").sections]
    assert "robustness" in [s.kind for s in load_spec("default").sections]


def test_pdf_and_word_build_with_it(tmp_path) -> None:
    spec = parse_spec({"lang": "zh", "formats": ["pdf", "docx"],
                       "sections": [{"kind": "robustness"}]})  # fmt: skip
    pdf, docx = build_study(spec, tmp_path / "r.pdf", progress=False)
    assert pdf.unavailable == () and pdf.n_figures == 2 and pdf.n_tables == 4
    with zipfile.ZipFile(docx.path) as archive:
        body = archive.read("word/document.xml").decode("utf-8")
    assert "工具变量" in body and "协变量平衡" in body
