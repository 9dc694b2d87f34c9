"""The measurement section: the engines' numbers, disclosure control, notes, PDF and Word."""

from __future__ import annotations

import dataclasses
import zipfile

import numpy as np
import pytest

import govstats as gs
from govstats.report.build import build_study
from govstats.report.compute.divide_chain import MEDIATORS, OUTCOME
from govstats.report.inputs import load_survey
from govstats.report.measurement import measurement_section as engine
from govstats.report.sections import SECTIONS, StudyContext
from govstats.report.sections.measurement import measurement_section
from govstats.report.spec import load_spec, parse_spec

SEED = 4


@pytest.fixture(scope="module")
def survey():
    return load_survey(seed=6, n_persons=2500)


@pytest.fixture(scope="module")
def section(survey):
    return measurement_section(survey, lang="en", seed=SEED)


@pytest.fixture(scope="module")
def numbers(survey):
    items = gs.datasets.simulate_items(survey.data, constructs=[*MEDIATORS, OUTCOME], seed=SEED)
    design = gs.SurveyDesign(items.data, **dict(survey.design_columns))
    return engine(design, items.measurement)


def test_tables_hold_the_engines_numbers(section, numbers) -> None:
    rel = section.table("measurement_reliability").data
    np.testing.assert_array_equal(rel["alpha"], numbers.reliability["alpha"])
    np.testing.assert_array_equal(rel["omega_se"], numbers.reliability["omega_se"])
    loads = section.table("measurement_loadings").data
    np.testing.assert_array_equal(loads["std_all"], numbers.loadings["std_all"])
    fit = section.table("measurement_fit").data.set_index("measure")["value"]
    assert fit["cfi"] == numbers.fit["cfi"] and fit["rmsea"] == numbers.fit["rmsea"]
    inv = section.table("measurement_invariance").data
    np.testing.assert_array_equal(inv["chisq"], numbers.invariance.table["chisq"])
    chains = section.table("measurement_chains").data.set_index("effect")
    np.testing.assert_array_equal(chains["latent"], numbers.chains["latent"])
    np.testing.assert_array_equal(chains["observed_se"], numbers.chains["observed_se"])


def test_findings_state_the_verdict_and_the_attenuation(section, numbers) -> None:
    text = " ".join(section.paragraphs)
    assert "Measurement invariance across rural" in text
    latent = numbers.chains.loc["indirect_total", "latent"]
    assert f"{latent:.3f} with latent constructs" in text


def test_small_groups_are_suppressed(survey) -> None:
    rural = int((survey.data["rural"] == 1).sum())
    hidden = measurement_section(survey, lang="zh", seed=SEED, min_cell=rural + 1)
    assert hidden.table("measurement_invariance").data["chisq"].isna().all()
    assert not any("测量不变性" in p for p in hidden.paragraphs)


def test_a_survey_file_without_items_gets_a_note(survey) -> None:
    real = dataclasses.replace(survey, simulated=False)
    result = measurement_section(real, lang="en")
    assert result.tables == () and "no items given" in result.paragraphs[0]
    lacking = measurement_section(real, lang="en", measurement={"info_access": ["q1", "q2"]})
    assert "lacks the items ['q1', 'q2']" in lacking.paragraphs[0]


def test_registered_runner_and_specs(survey) -> None:
    context = StudyContext(survey, None, "en", SEED, 10, 10)
    assert SECTIONS["measurement"](context, {}).available
    for name in ("default", "example"):
        assert "measurement" in [s.kind for s in load_spec(name).sections]


def test_pdf_and_word_build_with_it(tmp_path) -> None:
    spec = parse_spec({"lang": "zh", "formats": ["pdf", "docx"],
                       "sections": [{"kind": "measurement"}]})  # fmt: skip
    pdf, docx = build_study(spec, tmp_path / "m.pdf", progress=False)
    assert pdf.unavailable == () and pdf.n_tables == 5
    with zipfile.ZipFile(docx.path) as archive:
        body = archive.read("word/document.xml").decode("utf-8")
    assert "测量不变性" in body and "量表信度" in body
