"""Small layout helpers shared by the survey sections (cells, intervals, row look-up)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from govstats.report.tables import MISSING_MARK, SUPPRESSED_MARK, fmt_number

VALUE_COLUMNS = ["estimate", "se", "ci_low", "ci_high"]


def by_group(frame: pd.DataFrame, key: str) -> dict[str, dict[str, Any]]:
    """Rows of ``frame`` keyed by the string value of column ``key``."""
    records = frame.set_index(key).to_dict("index")
    return {str(k): {str(c): v for c, v in row.items()} for k, row in records.items()}


def cell(value: float, digits: int, suppressed: bool, *, paren: bool = False) -> str:
    """One printed number; the suppression mark when the cell is withheld."""
    if suppressed:
        return SUPPRESSED_MARK
    text = fmt_number(value, digits, thousands=digits == 0)
    return f"({text})" if paren and text != MISSING_MARK else text


def interval(low: float, high: float, digits: int = 3) -> str:
    """``[low, high]`` with ``digits`` decimals."""
    return f"[{fmt_number(low, digits)}, {fmt_number(high, digits)}]"
