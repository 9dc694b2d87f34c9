"""The embedded tables, codebooks and the report template work from an installed wheel."""

from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]

CHECK = textwrap.dedent(
    """
    import importlib.resources, pathlib, sys
    import govstats
    from govstats.datasets import load_census, load_cnnic, load_national_series, simulate_survey
    from govstats.io import load_codebook, shipped_codebook

    site = pathlib.Path(sys.argv[1]).resolve()
    assert site in pathlib.Path(govstats.__file__).resolve().parents, govstats.__file__
    data = pathlib.Path(str(importlib.resources.files("govstats._data")))
    assert site in data.resolve().parents, data
    cnnic = load_cnnic()
    assert float(cnnic.loc[cnnic["report_no"] == 49, "penetration_rural_pct"].iloc[0]) == 57.6
    census = load_census("all")
    assert int(census.loc[census["is_national"], "population_total"].iloc[0]) == 1411778724
    assert len(load_national_series()) == 20
    assert (data / "SOURCES.md").is_file()
    assert load_codebook(shipped_codebook("simulated")).id == "person_id"
    assert len(simulate_survey(seed=1, n_persons=500).data) == 500
    from govstats.report import ReportMeta, render_pdf
    from govstats.report.figures import figure_svg
    content, pages = render_pdf([], ReportMeta(lang="en", seed=1), figure_svg)
    assert content.startswith(b"%PDF-") and pages == 2
    print("ok")
    """
)


@pytest.mark.slow
def test_tables_load_from_an_installed_wheel(tmp_path):
    source = tmp_path / "src"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(ROOT / "govstats", source / "govstats", ignore=ignore)
    shutil.copytree(ROOT / "data", source / "data", ignore=ignore)
    dist = tmp_path / "dist"
    built = subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--outdir", str(dist), str(source)],
        check=True,
        capture_output=True,
        text=True,
    )
    # setuptools' own warnings (an undeclared package, deprecated settings) are upper- or
    # title-case; the lower-case "warning: byte-compiling is disabled" is the environment's
    log = built.stdout + built.stderr
    assert "WARNING" not in log and "Warning" not in log, log
    wheel = next(dist.glob("govstats-*.whl"))
    env = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(env)], check=True, capture_output=True)
    python = env / "bin" / "python"
    subprocess.run(
        [str(python), "-m", "pip", "install", "--no-deps", "--no-index", "--quiet", str(wheel)],
        check=True,
        capture_output=True,
    )
    site = Path(
        subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
    )
    # Dependencies come from the test environment, appended after the fresh venv's own
    # site-packages so that govstats itself is imported from the wheel.
    (site / "_test_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    result = subprocess.run(
        [str(python), "-c", CHECK, str(site)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_the_version_has_one_place() -> None:
    import importlib.metadata
    import tomllib

    import govstats

    with open(ROOT / "pyproject.toml", "rb") as handle:
        declared = tomllib.load(handle)["project"]["version"]
    assert govstats.__version__ == declared == importlib.metadata.version("govstats")
    assert '__version__ = "' not in (ROOT / "govstats" / "__init__.py").read_text()
