"""Schema checks for the embedded CSV tables.

A loader declares one :class:`ColumnSpec` per column; :func:`read_checked_csv`
reads every cell as text and converts it column by column, so that a damaged
cell is reported with the file, the column, the CSV line and the offending text
instead of surfacing later as a silent NaN or a wrong dtype.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from govstats.errors import DataError

Kind = Literal["int", "float", "str"]

# GB/T 2260 two-digit codes of the 31 provincial-level units of mainland China.
PROVINCE_CODES: tuple[str, ...] = (
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
    "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65",
)  # fmt: skip
NATIONAL_CODE = "00"


@dataclass(frozen=True)
class ColumnSpec:
    """What one column of an embedded table must hold.

    Parameters
    ----------
    name : str
        Column name in the CSV header.
    kind : {"int", "float", "str"}
        Type every filled cell must convert to.
    required : bool
        Whether every row must have a value (an empty cell means "not found").
    minimum, maximum : float, optional
        Inclusive bounds for numeric cells.
    positive : bool
        Numeric cells must be strictly greater than zero (counts).
    pattern : str, optional
        Regular expression every text cell must match in full.
    """

    name: str
    kind: Kind
    required: bool = True
    minimum: float | None = None
    maximum: float | None = None
    positive: bool = False
    pattern: str | None = None


def _line(row: int) -> int:
    """CSV line number of data row ``row`` (the header is line 1)."""
    return row + 2


def fail(path: Path, message: str) -> DataError:
    """Build the error every damaged table raises, naming the file and the fix."""
    return DataError(
        f"{path.name}: {message}. The embedded table looks damaged; restore it from the "
        "package distribution (or fix the named cell) and try again."
    )


def _convert(raw: pd.Series, spec: ColumnSpec, path: Path) -> pd.Series:
    text = raw.str.strip()
    empty = text == ""
    if spec.required and bool(empty.any()):
        row = int(np.flatnonzero(empty.to_numpy())[0])
        raise fail(path, f"column {spec.name!r} is empty on line {_line(row)} but is required")
    if spec.kind == "str":
        out = text.where(~empty, None).astype(object)
        if spec.pattern is not None:
            bad = ~empty & ~text.str.fullmatch(spec.pattern)
            if bool(bad.any()):
                row = int(np.flatnonzero(bad.to_numpy())[0])
                raise fail(
                    path,
                    f"column {spec.name!r} has {text.iloc[row]!r} on line {_line(row)}, "
                    f"which does not match the pattern {spec.pattern}",
                )
        return out
    numbers = pd.to_numeric(text.where(~empty, None), errors="coerce")
    unparsable = ~empty & numbers.isna()
    if bool(unparsable.any()):
        row = int(np.flatnonzero(unparsable.to_numpy())[0])
        raise fail(
            path,
            f"column {spec.name!r} has the non-numeric value {text.iloc[row]!r} on line "
            f"{_line(row)}",
        )
    values = numbers.to_numpy(dtype=float)
    filled = ~empty.to_numpy()
    checks: list[tuple[np.ndarray, str]] = []
    if spec.kind == "int":
        checks.append((filled & (np.round(values) != values), "is not a whole number"))
    if spec.positive:
        checks.append((filled & (values <= 0), "is not greater than zero"))
    if spec.minimum is not None:
        checks.append((filled & (values < spec.minimum), f"is below {spec.minimum:g}"))
    if spec.maximum is not None:
        checks.append((filled & (values > spec.maximum), f"is above {spec.maximum:g}"))
    for mask, what in checks:
        if bool(mask.any()):
            row = int(np.flatnonzero(mask)[0])
            raise fail(
                path,
                f"column {spec.name!r} has {text.iloc[row]!r} on line {_line(row)}, which {what}",
            )
    if spec.kind == "int" and spec.required:
        return pd.Series(values.astype(np.int64), index=raw.index, name=spec.name)
    if spec.kind == "int":
        return numbers.astype("Int64").rename(spec.name)
    return pd.Series(values, index=raw.index, name=spec.name, dtype="float64")


def read_checked_csv(path: Path, columns: Sequence[ColumnSpec]) -> pd.DataFrame:
    """Read an embedded CSV and validate it against ``columns``.

    Parameters
    ----------
    path : pathlib.Path
        The CSV file.
    columns : sequence of ColumnSpec
        The expected columns, in order.

    Returns
    -------
    pandas.DataFrame
        Required integer columns as ``int64``, optional ones as nullable ``Int64``,
        float columns as ``float64`` (empty cells are NaN, never zero), text
        columns as ``object``.

    Raises
    ------
    DataError
        If the file cannot be read, a column is missing or extra, or a cell breaks
        its column's rule; the message names the file, column and line.
    """
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, na_filter=False)
    except (OSError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise fail(path, f"cannot be read as UTF-8 CSV ({exc})") from exc
    expected = [c.name for c in columns]
    missing = [c for c in expected if c not in raw.columns]
    extra = [c for c in raw.columns if c not in expected]
    if missing or extra:
        raise fail(
            path,
            f"expected columns {expected}; missing {missing}, unexpected {extra}",
        )
    if raw.empty:
        raise fail(path, "has a header but no rows")
    out = {spec.name: _convert(raw[spec.name].astype(str), spec, path) for spec in columns}
    return pd.DataFrame(out)


def check_unique(frame: pd.DataFrame, keys: Sequence[str], path: Path) -> None:
    """Raise if the ``keys`` columns do not identify rows uniquely."""
    dup = frame.duplicated(list(keys), keep=False).to_numpy()
    if dup.any():
        rows = [_line(int(i)) for i in np.flatnonzero(dup)]
        raise fail(path, f"rows on lines {rows} repeat the key {list(keys)}")


def check_pattern(values: pd.Series, pattern: str) -> np.ndarray:
    """Boolean mask of the entries that do not match ``pattern`` in full."""
    regex = re.compile(pattern)
    return np.array([regex.fullmatch(str(v)) is None for v in values], dtype=bool)
