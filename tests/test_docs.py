"""The documentation: its tutorial runs, and the site builds with warnings as errors."""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
EXECUTED = ("getting-started.md", "tutorial.md")
_BLOCK = re.compile(r"^```python\n(.*?)^```", re.DOTALL | re.MULTILINE)


def python_blocks(page: str) -> list[str]:
    return _BLOCK.findall((DOCS / page).read_text(encoding="utf-8"))


@pytest.mark.parametrize("page", EXECUTED)
def test_page_code_runs(page, tmp_path, monkeypatch, capsys) -> None:
    blocks = python_blocks(page)
    assert len(blocks) >= 3, f"{page} lost its code"
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {"__name__": f"docs_{page}"}
    for i, block in enumerate(blocks):
        try:
            exec(compile(block, f"{page}[block {i}]", "exec"), namespace)
        except Exception as exc:  # pragma: no cover - the message names the block
            raise AssertionError(f"{page} block {i} failed: {exc!r}\n{block}") from exc
    assert capsys.readouterr().out  # every page prints what it computes


def test_tutorial_walks_the_whole_workflow() -> None:
    headings = re.findall(
        r"^## \d\. (\w+)", (DOCS / "tutorial.md").read_text(encoding="utf-8"), re.MULTILINE
    )
    assert headings == ["Read", "Design", "Describe", "Models", "The", "Robustness", "Report"]


def test_linked_pages_exist() -> None:
    config = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    for page in re.findall(r":\s+([\w/-]+\.md)", config):
        assert (DOCS / page).is_file(), page


@pytest.mark.skipif(
    importlib.util.find_spec("mkdocstrings") is None, reason="the docs extra is not installed"
)
def test_site_builds_strict(tmp_path) -> None:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-d", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert (tmp_path / "reference" / "report" / "index.html").is_file()
