"""Study specs: one TOML file gives a whole report, in PDF and in Word."""

from __future__ import annotations

import dataclasses
import zipfile

import pypdfium2
import pytest
from click.testing import CliRunner

from govstats.cli import main
from govstats.errors import ReportError
from govstats.report.build import build_study, numbered_headings
from govstats.report.sections import SECTIONS, StudyContext, not_in_this_version
from govstats.report.spec import SECTION_KINDS, SectionSpec, load_spec, parse_spec

STUDY = """
title = "Services and the divide"
authors = ["Wang Fang", "Li Lei"]
lang = "en"
replicates = 20
formats = ["pdf", "docx"]

[[sections]]
kind = "census"

[[sections]]
kind = "models"
title = "Service supply"
models = [
  { formula = "service ~ rural + age + female", family = "gaussian", label = "OLS" },
  { formula = "internet ~ rural + age", family = "binomial", label = "Logit" },
  { formula = "service ~ rural + C(province_code)", label = "FE" },
]
fixed_effects = ["province_code"]

[[sections]]
kind = "heterogeneity"
by = "age_group"
formula = "service ~ rural + female"

[[sections]]
kind = "robustness"

[[sections]]
kind = "measurement"
"""


def _pdf_text(path) -> str:
    document = pypdfium2.PdfDocument(str(path))
    try:
        return " ".join(document[i].get_textpage().get_text_range() for i in range(len(document)))
    finally:
        document.close()


def _docx_xml(path, member: str = "word/document.xml") -> str:
    with zipfile.ZipFile(path) as archive:
        return archive.read(member).decode("utf-8")


def test_every_kind_has_a_runner_in_a_plain_dict() -> None:
    assert isinstance(SECTIONS, dict)
    assert set(SECTION_KINDS) == set(SECTIONS)
    context = StudyContext(None, "no survey", "en", 1, 10, 10)
    result = SECTIONS["robustness"](context, {})
    assert not result.available and "not available in this version" in result.paragraphs[0]
    assert not SECTIONS["models"](context, {"models": []}).available


def test_default_report_is_a_shipped_spec() -> None:
    spec = load_spec("default")
    kinds = ["access_gap", "census", "description", "chain", "robustness", "measurement"]
    assert [s.kind for s in spec.sections] == kinds
    assert (spec.lang, spec.seed, spec.replicates, spec.min_cell) == ("zh", 2024, 1000, 10)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"sections": [{"kind": "tables"}]}, "kind 'tables' is unknown"),
        ({"sections": []}, "at least one"),
        ({"lang": "fr", "sections": [{"kind": "census"}]}, "lang"),
        ({"colour": 1, "sections": [{"kind": "census"}]}, "unknown keys"),
        ({"sections": [{"kind": "models", "models": [{"formula": "y x"}]}]}, "'~'"),
        ({"sections": [{"kind": "heterogeneity"}]}, "by ="),
        ({"data": "a.dta", "sections": [{"kind": "census"}]}, "data and codebook"),
        ({"formats": ["odt"], "sections": [{"kind": "census"}]}, "formats"),
    ],
)
def test_bad_specs_name_the_key(raw, message) -> None:
    with pytest.raises(ReportError, match=message):
        parse_spec(raw, origin="study.toml")


def test_paths_are_relative_to_the_spec(tmp_path) -> None:
    path = tmp_path / "study.toml"
    path.write_text(
        'data = "s.dta"\ncodebook = "s.toml"\n[[sections]]\nkind = "census"\n', encoding="utf-8"
    )
    spec = load_spec(path)
    assert spec.data == tmp_path / "s.dta" and spec.codebook == tmp_path / "s.toml"


def test_headings_are_numbered_in_print_order() -> None:
    assert numbered_headings(["四、数字鸿沟链条"], "zh")[0] == "一、数字鸿沟链条"
    assert numbered_headings(["a"] * 11, "zh")[10] == "十一、a"


def test_a_study_writes_pdf_and_word(tmp_path) -> None:
    path = tmp_path / "study.toml"
    path.write_text(STUDY, encoding="utf-8")
    outcomes = build_study(path, tmp_path / "out" / "study.pdf", progress=False)
    assert [o.path.suffix for o in outcomes] == [".pdf", ".docx"]
    assert outcomes[0].unavailable == ()
    text = _pdf_text(outcomes[0].path)
    for expected in (
        "Services and the divide",
        "Wang Fang",
        "2. Service supply",
        "OLS",
        "Pseudo R²",
        "Province FE",
        "3. Heterogeneity",
        "4. Robustness",
        "First-stage F",
        "5. Measurement",
        "Measurement invariance",
        "6. Methods",
    ):
        assert expected in text, expected
    body = _docx_xml(outcomes[1].path)
    assert "Services and the divide" in body and "Service supply" in body
    assert "age_group = 18-39" in body and "<w:tbl>" in body
    assert "<w:drawing>" in body  # the census figure
    styles = _docx_xml(outcomes[1].path, "word/styles.xml")
    assert 'w:eastAsia="SimSun"' in styles and 'w:eastAsia="SimHei"' in styles
    footer = next(
        _docx_xml(outcomes[1].path, name)
        for name in zipfile.ZipFile(outcomes[1].path).namelist()
        if name.startswith("word/footer")
    )
    assert "PAGE" in footer


def test_cli_writes_word_from_the_default_spec(tmp_path) -> None:
    out = tmp_path / "r.docx"
    result = CliRunner().invoke(
        main, ["report", "--format", "docx", "--out", str(out), "--replicates", "5", "--quiet"]
    )
    assert result.exit_code == 0, result.output
    assert result.output.strip() == str(out)
    body = _docx_xml(out)
    assert "数字鸿沟链条" in body and "方法说明" in body


def test_cli_refuses_a_format_the_out_file_contradicts(tmp_path) -> None:
    result = CliRunner().invoke(
        main, ["report", "--spec", "nonexistent.toml", "--out", str(tmp_path / "r.pdf")]
    )
    assert result.exit_code == 1 and "nonexistent.toml" in result.output


def test_printed_spec_round_trips(tmp_path) -> None:
    result = CliRunner().invoke(main, ["spec"])
    assert result.exit_code == 0
    path = tmp_path / "study.toml"
    path.write_text(result.output, encoding="utf-8")
    assert load_spec(path).sections == load_spec("example").sections


def test_not_in_this_version_names_the_kind() -> None:
    assert "测量" in not_in_this_version("measurement", "zh").title


@pytest.mark.slow
def test_shipped_example_spec_writes_both(tmp_path) -> None:
    spec = load_spec("example").with_overrides(replicates=20)
    outcomes = build_study(spec, tmp_path / "example.pdf", progress=False)
    assert [o.path.name for o in outcomes] == ["example.pdf", "example.docx"]
    text = _pdf_text(outcomes[0].path)
    assert "cnmaps" in text and "Gap decomposition" in text


def test_cli_runs_a_spec_file_in_both_formats(tmp_path) -> None:
    spec = tmp_path / "mine.toml"
    spec.write_text(
        'title = "Mine"\nlang = "en"\n[[sections]]\nkind = "census"\n'
        '[[sections]]\nkind = "measurement"\n',
        encoding="utf-8",
    )
    out = tmp_path / "mine.pdf"
    result = CliRunner().invoke(
        main,
        [
            "report",
            "--spec",
            str(spec),
            "--format",
            "pdf",
            "--format",
            "docx",
            "--out",
            str(out),
            "--quiet",
        ],
    )
    assert result.exit_code == 0, result.output
    assert result.output.split() == [str(out), str(out.with_suffix(".docx"))]
    assert "1. 2020 census" in _pdf_text(out) or "1. Census context" in _pdf_text(out)


def test_a_warning_is_a_note_of_the_report_not_a_crash(tmp_path, monkeypatch) -> None:
    import warnings

    from govstats.errors import GovstatsWarning
    from govstats.report.sections import registry

    def warns(context, options):
        warnings.warn("a finding the reader must see", GovstatsWarning, stacklevel=2)
        return not_in_this_version("warns", context.lang)

    monkeypatch.setitem(registry.SECTIONS, "warns", warns)
    spec = dataclasses.replace(
        parse_spec({"lang": "en", "sections": [{"kind": "census"}]}),
        sections=(SectionSpec("warns", {}),),
    )
    (outcome,) = build_study(spec, tmp_path / "w.docx", formats=["docx"], progress=False)
    assert "a finding the reader must see" in _docx_xml(outcome.path)
