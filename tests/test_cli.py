"""The govstats command line: help texts, listings, errors without tracebacks."""

from __future__ import annotations

import subprocess
import sys

import pytest
from click.testing import CliRunner

from govstats.cli import main
from govstats.io import write_survey


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ([], "govstats report"),
        (["report"], "--min-cell"),
        (["report"], "--codebook"),
        (["run"], "numbered analysis"),
        (["analyses"], "numbered analyses"),
        (["datasets"], "embedded tables"),
    ],
)
def test_help_texts_explain_themselves(args: list[str], expected: str) -> None:
    result = CliRunner().invoke(main, [*args, "--help"])
    assert result.exit_code == 0
    assert expected in result.output


def test_analyses_lists_the_four_numbered_analyses() -> None:
    result = CliRunner().invoke(main, ["analyses"])
    assert result.exit_code == 0
    keys = [line.split()[0] for line in result.output.splitlines()]
    assert keys == ["01", "02", "03", "04"]


def test_datasets_lists_the_embedded_tables() -> None:
    result = CliRunner().invoke(main, ["datasets"])
    assert result.exit_code == 0
    assert "cnnic_penetration.csv" in result.output and "36 CNNIC reports" in result.output


def test_run_writes_the_analysis_folder(tmp_path) -> None:
    result = CliRunner().invoke(main, ["run", "02", "--out-dir", str(tmp_path / "o")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "o" / "census_context.csv").is_file()


def _one_line_error(result) -> str:
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    lines = [line for line in result.stderr.splitlines() if line.startswith("govstats: error")]
    assert len(lines) == 1
    return lines[0]


def test_unreadable_survey_gives_one_line_error_and_no_pdf(tmp_path) -> None:
    survey = tmp_path / "broken.dta"
    survey.write_bytes(b"\x89PNG\r\n\x1a\n not a stata file at all")
    codebook = tmp_path / "codebook.toml"
    codebook.write_text('[survey]\nname = "x"\n', encoding="utf-8")
    out = tmp_path / "out" / "report.pdf"
    result = CliRunner().invoke(
        main,
        [
            "report",
            "--out",
            str(out),
            "--survey",
            str(survey),
            "--codebook",
            str(codebook),
            "--quiet",
        ],
    )
    line = _one_line_error(result)
    assert "broken.dta" in line
    assert not out.exists()
    assert not out.parent.exists() or list(out.parent.iterdir()) == []


def test_missing_codebook_is_a_one_line_error(tmp_path) -> None:
    survey = tmp_path / "s.csv"
    survey.write_text("a\n1\n", encoding="utf-8")
    result = CliRunner().invoke(
        main, ["report", "--out", str(tmp_path / "r.pdf"), "--survey", str(survey), "--quiet"]
    )
    assert "codebook" in _one_line_error(result)
    assert not (tmp_path / "r.pdf").exists()


def test_bad_option_values_are_refused_by_click(tmp_path) -> None:
    result = CliRunner().invoke(main, ["report", "--replicates", "1"])
    assert result.exit_code == 2
    result = CliRunner().invoke(main, ["report", "--lang", "fr"])
    assert result.exit_code == 2


@pytest.mark.slow
def test_report_on_a_user_survey_file_via_the_cli(tmp_path) -> None:
    from importlib import resources

    import pypdfium2 as pdfium

    import govstats as gs

    sim = gs.datasets.simulate_survey(seed=3, n_persons=2000)
    survey = tmp_path / "survey.sav"
    write_survey(sim.raw, survey)
    out = tmp_path / "user.pdf"
    codebook = resources.files("govstats.io") / "codebooks" / "simulated.toml"
    with resources.as_file(codebook) as cb:
        result = CliRunner().invoke(
            main,
            [
                "report",
                "--out",
                str(out),
                "--survey",
                str(survey),
                "--codebook",
                str(cb),
                "--replicates",
                "10",
                "--lang",
                "en",
                "--quiet",
            ],
        )
    assert result.exit_code == 0, result.output
    document = pdfium.PdfDocument(str(out))
    text = " ".join(document[i].get_textpage().get_text_range() for i in range(len(document)))
    assert "Survey file: survey.sav" in text
    assert "4. The divide chain" in text


def test_unexpected_failure_is_still_one_line(tmp_path, monkeypatch) -> None:
    import govstats.report.build as build

    def boom(*args, **kwargs):
        raise KeyError("province_code")

    monkeypatch.setattr(build, "render_pdf", boom)
    out = tmp_path / "r.pdf"
    result = CliRunner().invoke(main, ["report", "--out", str(out), "--replicates", "5", "--quiet"])
    assert "KeyError" in _one_line_error(result)
    assert not out.exists()


def _program(*args: str, setup: str = "") -> subprocess.CompletedProcess[str]:
    code = f"import sys; {setup}\nsys.argv = ['govstats', *{list(args)!r}]\n"
    code += "from govstats.cli import program\nprogram()\n"
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)


def test_the_program_runs_exit_handlers_and_flushes_before_it_ends() -> None:
    done = _program("analyses", setup="import atexit; atexit.register(print, 'handlers ran')")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("01") and done.stdout.rstrip().endswith("handlers ran")


def test_the_program_keeps_the_exit_status_of_a_failure(tmp_path) -> None:
    done = _program("report", "--survey", str(tmp_path / "missing.sav"))
    assert done.returncode == 1
    assert done.stderr.startswith("govstats: error: survey file") and done.stdout == ""
