"""Load the R reference cases committed under ``tests/reference/``.

The JSON files are copied unchanged from the project's shared reference folder;
their ``data_file`` entries (``shared/reference/data/<name>.csv``) are resolved to
``tests/reference/data/<name>.csv`` here. A missing file fails, it never skips.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd

REFERENCE = Path(__file__).parent
DATA = REFERENCE / "data"


@cache
def load_cases(filename: str) -> dict[str, Any]:
    """The whole reference JSON document ``filename`` (e.g. ``survey_cases.json``)."""
    with open(REFERENCE / filename, encoding="utf-8") as handle:
        return json.load(handle)


def survey_cases() -> list[dict[str, Any]]:
    """Every case of ``survey_cases.json`` (R ``survey`` 4.1-1)."""
    return list(load_cases("survey_cases.json")["cases"])


def chain_cases() -> list[dict[str, Any]]:
    """Every case of ``chain_cases.json`` (lavaan 0.6-14)."""
    return list(load_cases("chain_cases.json")["cases"])


def read_data(data_file: str) -> pd.DataFrame:
    """Read a reference CSV named in a case, as R wrote it (factors as labels).

    ``cds`` identifiers are kept as strings; every other column is parsed as usual.
    """
    path = DATA / Path(data_file).name
    if not path.exists():
        raise FileNotFoundError(
            f"reference data {path} is missing; copy it from shared/reference/data"
        )
    return pd.read_csv(path, dtype={"cds": str})


def case_frame(case: dict[str, Any]) -> pd.DataFrame:
    """The data frame a case's design was built on."""
    return read_data(case["design"]["data_file"])
