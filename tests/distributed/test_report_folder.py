"""The report on a folder of parquet files: computed by partitions, equal to the file in memory."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import govstats as gs
from govstats.cli import main
from govstats.errors import ReportError
from govstats.report.compute.divide_chain import compute_divide_chain
from govstats.report.compute.survey_description import compute_survey_description
from govstats.report.inputs import load_survey

pytest.importorskip("dask.dataframe")

CODEBOOK = Path(str(resources.files("govstats.io") / "codebooks" / "simulated.toml"))
NUMBERS = ["n", "estimate", "se", "ci_low", "ci_high", "df"]


def _single_and_parts(
    frame: pd.DataFrame, root: Path, folder_name: str, parts: int, shuffle: bool
) -> tuple[Path, Path]:
    """``frame`` as one parquet file and as a folder of ``parts`` files (rows shuffled)."""
    single = root / "single.parquet"
    frame.to_parquet(single)
    folder = root / folder_name
    folder.mkdir()
    order = np.random.default_rng(1).permutation(len(frame)) if shuffle else np.arange(len(frame))
    for i, rows in enumerate(np.array_split(order, parts)):
        frame.iloc[rows].to_parquet(folder / f"part.{i}.parquet")
    return single, folder


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The same simulated survey (raw codes) as one parquet file and 4 shuffled parts."""
    raw = gs.datasets.simulate_survey(seed=5, n_persons=1500).raw
    return _single_and_parts(raw, tmp_path_factory.mktemp("survey"), "survey_parts", 4, True)


def test_a_folder_loads_as_a_partitioned_survey(files: tuple[Path, Path]) -> None:
    single, folder = files
    survey = load_survey(folder, CODEBOOK)
    assert survey.partitioned and survey.data.npartitions == 4
    assert survey.n_rows() == load_survey(single, CODEBOOK).n_rows() == 1500
    assert "4 parquet files" in survey.label
    # value labels travel in the parquet files' pandas metadata
    assert set(survey.data["province"].cat.categories) >= {"北京", "广东"}


def test_description_by_partitions_equals_the_file_in_memory(files: tuple[Path, Path]) -> None:
    single, folder = files
    memory = compute_survey_description(load_survey(single, CODEBOOK))
    parts = compute_survey_description(load_survey(folder, CODEBOOK))
    assert parts.n == memory.n == 1500
    assert parts.margins_used == memory.margins_used
    pd.testing.assert_frame_equal(
        parts.described[["variable", "group"]], memory.described[["variable", "group"]]
    )
    np.testing.assert_allclose(
        parts.described[NUMBERS].to_numpy(float), memory.described[NUMBERS].to_numpy(float),
        rtol=1e-9,
    )  # fmt: skip
    numeric = memory.compare.select_dtypes("number").columns
    np.testing.assert_allclose(
        parts.compare[numeric].to_numpy(float), memory.compare[numeric].to_numpy(float), rtol=1e-9
    )
    assert len(memory.tests) > 0 and parts.tests.empty  # svychisq is in memory only


def test_divide_chain_by_partitions_equals_the_file_in_memory(files: tuple[Path, Path]) -> None:
    single, folder = files
    memory = compute_divide_chain(load_survey(single, CODEBOOK), replicates=20, seed=3)
    parts = compute_divide_chain(load_survey(folder, CODEBOOK), replicates=20, seed=3)
    for a, b in ((parts.result.effects, memory.result.effects),
                 (parts.by_result.effects, memory.by_result.effects)):  # fmt: skip
        assert list(a.index) == list(b.index)
        np.testing.assert_allclose(a.to_numpy(float), b.to_numpy(float), rtol=1e-9, atol=1e-12)
    assert parts.cascade["n"].tolist() == memory.cascade["n"].tolist()
    assert parts.groups["n"].tolist() == memory.groups["n"].tolist()
    assert parts.raw_gap == pytest.approx(memory.raw_gap, rel=1e-9)


@pytest.mark.slow
def test_report_command_on_a_parquet_folder(files: tuple[Path, Path], tmp_path: Path) -> None:
    import pypdfium2 as pdfium

    _, folder = files
    out = tmp_path / "folder.pdf"
    args = ["report", "--survey", str(folder), "--codebook", str(CODEBOOK), "--out", str(out)]
    result = CliRunner().invoke(main, [*args, "--replicates", "10", "--lang", "en", "--quiet"])
    assert result.exit_code == 0, result.output
    document = pdfium.PdfDocument(str(out))
    text = "".join(document[i].get_textpage().get_text_range() for i in range(len(document)))
    document.close()
    assert "survey_parts/ (4 parquet files)" in text and "(manifest)" in text
    assert "The divide chain" in text and "1500 respondents" in text
    assert "partitioned survey (parquet folder)" in text  # sections that need rows say so


def test_a_folder_without_parquet_files_is_a_report_error(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(ReportError, match=r"no \.parquet files"):
        load_survey(empty, CODEBOOK)


@pytest.fixture(scope="module")
def layout_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A survey already in the analysis layout: one parquet file and a folder of 3 parts."""
    data = gs.datasets.simulate_survey(seed=6, n_persons=1500).data
    root = tmp_path_factory.mktemp("layout")
    return _single_and_parts(data, root, "analysis_parts.parquet", 3, False)


def test_a_folder_in_the_analysis_layout_needs_no_codebook(layout_files) -> None:
    single, folder = layout_files
    parts, memory = load_survey(folder), load_survey(single)
    assert parts.partitioned and not memory.partitioned
    assert parts.design_columns == memory.design_columns == {
        "weights": "weight", "strata": "stratum", "psu": "county", "fpc": "fpc_county"
    }  # fmt: skip
    got, want = compute_survey_description(parts), compute_survey_description(memory)
    np.testing.assert_allclose(
        got.described[NUMBERS].to_numpy(float), want.described[NUMBERS].to_numpy(float),
        rtol=1e-9,
    )  # fmt: skip
    chain_got = compute_divide_chain(parts, replicates=20, seed=2).result.effects
    chain_want = compute_divide_chain(memory, replicates=20, seed=2).result.effects
    np.testing.assert_allclose(chain_got.to_numpy(float), chain_want.to_numpy(float), rtol=1e-9)


def test_a_folder_without_layout_or_codebook_is_refused(files: tuple[Path, Path]) -> None:
    _, folder = files  # raw codes: the codebook maps them
    with pytest.raises(ReportError, match="a codebook is required"):
        load_survey(folder)


@pytest.mark.slow
def test_report_command_on_an_analysis_layout_folder(layout_files, tmp_path: Path) -> None:
    _, folder = layout_files
    out = tmp_path / "layout.pdf"
    args = ["report", "--survey", f"{folder}/", "--out", str(out), "--replicates", "10"]
    result = CliRunner().invoke(main, [*args, "--quiet"])
    assert result.exit_code == 0, result.output
    assert out.stat().st_size > 10_000
