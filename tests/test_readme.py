"""The README's library example runs as written."""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_python_examples_run() -> None:
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    assert blocks, "README.md has no python example"
    for code in blocks:
        namespace: dict[str, object] = {"print": lambda *args, **kwargs: None}
        exec(compile(code, str(README), "exec"), namespace)
        result = namespace.get("result")
        if result is not None:
            effects = result.effects  # type: ignore[attr-defined]
            # the example's chain is the simulated one: its indirect effect is negative (rural)
            assert effects.loc["indirect_total", "estimate"] < 0
