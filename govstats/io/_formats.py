"""Reading survey files by format: header checks, Stata format versions, text encodings."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from govstats.errors import DataError

SUFFIXES = (".dta", ".sav", ".zsav", ".csv", ".parquet")

#: First bytes of common non-survey files, to say what a mislabelled file really is.
_SIGNATURES = {
    b"\x89PNG": "a PNG image",
    b"%PDF": "a PDF document",
    b"PK\x03\x04": "a ZIP archive (e.g. .xlsx or a zipped release: unzip it first)",
    b"\xff\xd8\xff": "a JPEG image",
    b"$FL2": "an SPSS .sav file",
    b"$FL3": "an SPSS .zsav file",
    b"PAR1": "a Parquet file",
    b"<stata_dta>": "a Stata .dta file",
}

#: Stata releases that store text without declaring an encoding (format < 118).
#: Chinese files of that age are GB2312/GBK/GB18030 (GB18030 decodes all three).
OLD_STATA_ENCODING = "GB18030"


@dataclass(frozen=True)
class FileRead:
    """A file's data and what its header said."""

    frame: pd.DataFrame
    format: str
    format_version: int | None
    encoding: str | None
    value_labels: dict[str, dict[float, str]] = field(default_factory=dict)
    variable_labels: dict[str, str] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    #: SPSS user-missing declarations, ``{variable: [(low, high), ...]}`` (inclusive).
    missing_ranges: dict[str, list[tuple[float, float]]] = field(default_factory=dict)


def _what_is(head: bytes) -> str:
    for signature, name in _SIGNATURES.items():
        if head.startswith(signature):
            return name
    return "an unrecognised file"


def stata_format(path: Path, head: bytes) -> int:
    """Format number of a .dta file (113-115 binary header, 117-119 XML-like header)."""
    if head.startswith(b"<stata_dta>"):
        match = re.search(rb"<release>(\d{3})</release>", head)
        if match:
            return int(match.group(1))
    elif head and 102 <= head[0] <= 115 and head[1:2] in (b"\x01", b"\x02"):
        return int(head[0])
    raise DataError(
        f"{path.name}: not a Stata .dta file (it looks like {_what_is(head)}); "
        "check that the file is the survey's Stata release and not renamed"
    )


def _labels(meta: object) -> tuple[dict[str, dict[float, str]], dict[str, str]]:
    value_labels = {
        str(var): {float(code): str(text) for code, text in labels.items()}
        for var, labels in (getattr(meta, "variable_value_labels", None) or {}).items()
    }
    variable_labels = {
        str(k): str(v)
        for k, v in (getattr(meta, "column_names_to_labels", None) or {}).items()
        if v is not None
    }
    return value_labels, variable_labels


def _pyreadstat_error(path: Path, kind: str, exc: Exception, encoding: str | None) -> DataError:
    hint = (
        "the file may be truncated or damaged (compare its size with the release) or not a "
        f"{kind} file"
    )
    if "encoding" in str(exc).lower() or "iconv" in str(exc).lower():
        hint = f"its text could not be decoded as {encoding or 'declared'}; pass encoding="
    return DataError(f"{path.name}: cannot be read as {kind} ({exc}); {hint}")


def read_file(path: Path, encoding: str | None) -> FileRead:
    """Read a survey file; never writes to it."""
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise DataError(f"{path.name}: unknown file type {suffix!r}; use one of {SUFFIXES}")
    with path.open("rb") as handle:
        head = handle.read(256)
    if not head:
        raise DataError(f"{path.name}: the file is empty")
    if suffix == ".dta":
        return _read_dta(path, head, encoding)
    if suffix in (".sav", ".zsav"):
        return _read_sav(path, head, encoding)
    if suffix == ".parquet":
        return _read_parquet(path, head)
    return _read_csv(path, encoding)


def _read_dta(path: Path, head: bytes, encoding: str | None) -> FileRead:
    import pyreadstat

    version = stata_format(path, head)
    notes: list[str] = []
    chosen = encoding
    if chosen is None and version < 118:
        chosen = OLD_STATA_ENCODING
        notes.append(
            f"{path.name} is Stata format {version} (before 118), which declares no text "
            f"encoding; labels decoded as {OLD_STATA_ENCODING} (pass encoding= to override)"
        )
    try:
        frame, meta = pyreadstat.read_dta(str(path), encoding=chosen, apply_value_formats=False)
    except Exception as exc:  # pyreadstat raises its own untyped errors
        raise _pyreadstat_error(path, f"Stata (format {version})", exc, chosen) from exc
    _check_dta_complete(path, version)
    value_labels, variable_labels = _labels(meta)
    dangling = sorted(
        f"{var} ({name})"
        for var, name in (getattr(meta, "variable_to_label", None) or {}).items()
        if name not in (getattr(meta, "value_labels", None) or {})
    )
    if dangling:
        notes.append(
            f"{path.name}: value-label sets named by {', '.join(dangling)} are not in the "
            "file; those variables are read without labels"
        )
    return FileRead(
        frame, "dta", version, chosen or "UTF-8", value_labels, variable_labels, tuple(notes)
    )


def _check_dta_complete(path: Path, version: int) -> None:
    """Refuse a format 117+ file that does not end with its closing tag (truncated).

    The value labels are the last section of a .dta file: a cut file still reads,
    with the labels of some or all variables silently gone.
    """
    if version < 117:
        return
    closing = b"</stata_dta>"
    with path.open("rb") as handle:
        handle.seek(0, 2)
        size = handle.tell()
        handle.seek(max(size - 64, 0))
        tail = handle.read().rstrip()
    if not tail.endswith(closing):
        raise DataError(
            f"{path.name}: the Stata file is truncated (it does not end with {closing.decode()}, "
            f"{size:,} bytes read): its last section, the value labels, is cut off or gone. "
            "Download or copy the file again and compare its size with the release."
        )


def _read_sav(path: Path, head: bytes, encoding: str | None) -> FileRead:
    import pyreadstat

    if not head.startswith((b"$FL2", b"$FL3")):
        raise DataError(
            f"{path.name}: not an SPSS file (it looks like {_what_is(head)}); check the file"
        )
    try:
        frame, meta = pyreadstat.read_sav(
            str(path), encoding=encoding, apply_value_formats=False, user_missing=True
        )
    except Exception as exc:  # pyreadstat raises its own untyped errors
        raise _pyreadstat_error(path, "SPSS", exc, encoding) from exc
    value_labels, variable_labels = _labels(meta)
    ranges = {
        str(var): [(float(r["lo"]), float(r["hi"])) for r in declared]
        for var, declared in (getattr(meta, "missing_ranges", None) or {}).items()
        if all(isinstance(r.get("lo"), int | float) for r in declared)
    }
    return FileRead(
        frame,
        "sav",
        None,
        encoding or getattr(meta, "file_encoding", None),
        value_labels,
        variable_labels,
        missing_ranges=ranges,
    )


def _read_parquet(path: Path, head: bytes) -> FileRead:
    if not head.startswith(b"PAR1"):
        raise DataError(f"{path.name}: not a Parquet file (it looks like {_what_is(head)})")
    try:
        frame = pd.read_parquet(path)
    except Exception as exc:  # pyarrow raises several unrelated types
        raise DataError(
            f"{path.name}: cannot be read as Parquet ({exc}); is it truncated?"
        ) from exc
    value_labels, variable_labels = labels_from_attrs(frame.attrs)
    frame.attrs = {}
    return FileRead(frame, "parquet", None, None, value_labels, variable_labels)


def labels_from_attrs(
    attrs: Mapping[Any, Any],
) -> tuple[dict[str, dict[float, str]], dict[str, str]]:
    """Return the value and variable labels a parquet file carries in pandas' ``attrs``.

    ``DataFrame.to_parquet`` keeps ``df.attrs`` (JSON, so codes come back as text);
    a frame with ``attrs["value_labels"] = {column: {code: label}}`` written to parquet
    is read with its labels, as a Stata or SPSS file would be.

    Examples
    --------
    >>> attrs = {"value_labels": {"s41": {"11": "北京"}}, "variable_labels": {"s41": "省"}}
    >>> labels_from_attrs(attrs)
    ({'s41': {11.0: '北京'}}, {'s41': '省'})
    """
    values: dict[str, dict[float, str]] = {}
    found = attrs.get("value_labels")
    if isinstance(found, Mapping):
        for column, labels in found.items():
            if isinstance(labels, Mapping):
                try:
                    values[str(column)] = {float(k): str(v) for k, v in labels.items()}
                except (TypeError, ValueError):
                    continue  # codes that are not numbers are not value labels
    names = attrs.get("variable_labels")
    variables = (
        {str(k): str(v) for k, v in names.items() if v} if isinstance(names, Mapping) else {}
    )
    return values, variables


def _read_csv(path: Path, encoding: str | None) -> FileRead:
    notes: list[str] = []
    chosen = encoding or "utf-8"
    try:
        frame = pd.read_csv(path, encoding=chosen, low_memory=False)
    except UnicodeDecodeError as exc:
        if encoding is not None:
            raise DataError(
                f"{path.name}: cannot be decoded as {encoding} ({exc}); check encoding="
            ) from exc
        chosen = OLD_STATA_ENCODING
        try:
            frame = pd.read_csv(path, encoding=chosen, low_memory=False)
        except UnicodeDecodeError as exc2:
            raise DataError(
                f"{path.name}: not UTF-8 and not GB18030 text; pass encoding= explicitly"
            ) from exc2
        notes.append(f"{path.name} is not UTF-8; decoded as {OLD_STATA_ENCODING}")
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise DataError(f"{path.name}: cannot be read as CSV ({exc})") from exc
    return FileRead(frame, "csv", None, chosen, notes=tuple(notes))
