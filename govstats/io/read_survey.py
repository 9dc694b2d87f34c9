"""read_survey: survey files (.dta, .sav, .csv, .parquet) read through a codebook."""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from govstats.errors import CodebookError, DataError
from govstats.io._formats import FileRead, read_file
from govstats.io._scales import cronbach_alpha, scale_mean
from govstats.io.codebook import Codebook, ScaleSpec, VariableSpec, load_codebook

__all__ = ["SurveyData", "read_survey"]

_SCALE_REPORT_COLUMNS = [
    "scale", "n_items", "items", "min_valid", "n_scored", "n_missing", "alpha", "n_complete",
    "mean",
]  # fmt: skip


@dataclass(frozen=True)
class SurveyData:
    """A survey file read through a codebook.

    Attributes
    ----------
    data : pandas.DataFrame
        Analysis columns named by the codebook: missing codes are NaN, labelled
        variables are categoricals of their labels, binaries are 0/1, reverse-coded
        items are flipped, top-codes are kept with a ``<name>_topcoded`` flag,
        scales are appended.
    codes : pandas.DataFrame
        The raw values of the same variables under the analysis names, with every
        code (missing codes included) as found in the file.
    value_labels : dict
        ``{analysis name: {code: label}}`` as stored in the file.
    variable_labels : dict
        ``{analysis name: label}`` from the codebook, else from the file.
    design_columns : dict of str to str
        Declared design roles (``strata``, ``psu``, ``weights``, ``fpc``).
    metadata : dict
        File, format and version, encoding used, survey and wave, the design note,
        and Cronbach's alpha per scale (``"alpha"``).
    warnings : tuple of str
        Things the reader did that a user should know (case-insensitive name
        matches, encoding choices). Never Python warnings.
    codebook : Codebook
    """

    data: pd.DataFrame
    codes: pd.DataFrame
    value_labels: dict[str, dict[float, str]]
    variable_labels: dict[str, str]
    design_columns: dict[str, str]
    metadata: dict[str, Any]
    warnings: tuple[str, ...]
    codebook: Codebook = field(repr=False)
    _scale_report: pd.DataFrame = field(repr=False, default_factory=pd.DataFrame)

    def __repr__(self) -> str:
        return (
            f"SurveyData({self.metadata.get('file')!r}, survey={self.metadata.get('survey')!r}, "
            f"n_rows={len(self.data)}, columns={self.data.shape[1]}, "
            f"warnings={len(self.warnings)})"
        )

    def scale_report(self) -> pd.DataFrame:
        """Return one row per scale: items, ``min_valid``, rows scored, Cronbach's alpha, mean."""
        return self._scale_report.copy()

    def to_frame(self) -> pd.DataFrame:
        """Return the analysis columns (a copy of ``data``)."""
        return self.data.copy()


def read_survey(
    path: str | Path,
    codebook: Codebook | str | Path | None = None,
    encoding: str | None = None,
) -> SurveyData | pd.DataFrame:
    """Read a survey file, optionally through a codebook.

    Parameters
    ----------
    path : str or pathlib.Path
        A ``.dta`` (Stata), ``.sav``/``.zsav`` (SPSS), ``.csv`` or ``.parquet`` file.
        It is only read, never modified.
    codebook : Codebook, str or pathlib.Path, optional
        A codebook (or the path of a TOML codebook, format in ``docs/codebook.md``).
    encoding : str, optional
        Text encoding of labels and strings. By default Stata files of format 118+
        and SPSS files use the encoding they declare; Stata files older than format
        118 declare none and are decoded as GB18030 (covering GBK and GB2312, as
        Chinese releases saved by Stata 13 and older use); CSV is read as UTF-8,
        then GB18030.

    Returns
    -------
    SurveyData or pandas.DataFrame
        Without a codebook, the raw frame (codes, no labels applied) with
        ``attrs["value_labels"]``, ``attrs["variable_labels"]``, ``attrs["format"]``,
        ``attrs["format_version"]``, ``attrs["encoding"]`` and ``attrs["notes"]``.
        With one, a :class:`SurveyData`.

    Raises
    ------
    DataError
        Unreadable, truncated or non-survey file; a string in a numeric variable;
        duplicated or missing respondent ids.
    CodebookError
        A declared variable the file lacks; value labels in the file that disagree
        with the codebook; codes outside the declared labels, binary mapping or
        reverse range.

    Notes
    -----
    Missing codes are removed per variable (the variable's own list, else the
    wave default) before anything is computed, so they can never reach a mean;
    "not eligible" codes become missing or their own category as declared;
    top-codes stay values. A name found only case-insensitively is used and
    reported in ``warnings``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from govstats.datasets import simulate_survey
    >>> from govstats.io import read_survey, shipped_codebook, write_survey
    >>> sim = simulate_survey(seed=1, n_persons=1000)
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     file = write_survey(sim.raw, pathlib.Path(folder) / "sim.dta")
    ...     survey = read_survey(file, codebook=shipped_codebook("simulated"))
    >>> list(survey.data["hukou"].cat.categories)
    ['农业', '非农业']
    >>> survey.metadata["format_version"], survey.design_columns["psu"]
    (118, 'county')
    """
    file = Path(path)
    if not file.is_file():
        raise DataError(f"{file}: no such file; check the path")
    book = (
        codebook if isinstance(codebook, Codebook) or codebook is None else load_codebook(codebook)
    )
    chosen = encoding if encoding is not None else (book.encoding if book is not None else None)
    read = read_file(file, chosen)
    if book is None:
        frame = read.frame
        frame.attrs = {
            "source_file": file.name,
            "format": read.format,
            "format_version": read.format_version,
            "encoding": read.encoding,
            "value_labels": read.value_labels,
            "variable_labels": read.variable_labels,
            "notes": list(read.notes),
        }
        return frame
    return apply_codebook(file, read, book)


def _resolve(file: Path, frame: pd.DataFrame, spec: VariableSpec, book: Codebook,
             warnings: list[str]) -> str:  # fmt: skip
    if spec.source in frame.columns:
        return spec.source
    folded = [c for c in frame.columns if str(c).lower() == spec.source.lower()]
    if len(folded) == 1:
        warnings.append(
            f"variable {spec.name!r}: source {spec.source!r} not found; using column "
            f"{folded[0]!r}, which matches only case-insensitively (fix the codebook if wrong)"
        )
        return str(folded[0])
    close = difflib.get_close_matches(spec.source, [str(c) for c in frame.columns], n=3)
    raise CodebookError(
        f"codebook {book.origin}: variable {spec.name!r} has source {spec.source!r}, but "
        f"{file.name} has no such column{f' (close: {close})' if close else ''}; fix the "
        "source name or use the codebook of this survey wave"
    )


def _numeric(file: Path, column: pd.Series, spec: VariableSpec) -> np.ndarray:
    if pd.api.types.is_bool_dtype(column) or pd.api.types.is_numeric_dtype(column):
        return column.to_numpy(dtype=float, na_value=np.nan)
    text = column.astype("string").str.strip()
    numbers = pd.to_numeric(text.where(text != ""), errors="coerce")
    bad = numbers.isna() & text.notna() & (text != "")
    if bool(bad.any()):
        rows = np.flatnonzero(bad.to_numpy())
        examples = sorted({str(v) for v in text[bad].head(20)})[:5]
        raise DataError(
            f"{file.name}: variable {spec.name!r} (column {spec.source!r}) should be numeric but "
            f"holds text {examples} in {rows.size} rows (first rows {rows[:5].tolist()}); "
            "fix the file or declare type = 'string' in the codebook"
        )
    return numbers.to_numpy(dtype=float, na_value=np.nan)


def _fmt(codes: Any) -> list[int | float]:
    return [int(c) if float(c).is_integer() else float(c) for c in sorted(codes)]


def _check_file_labels(
    book: Codebook, spec: VariableSpec, file_labels: Mapping[float, str] | None
) -> None:
    if spec.labels is None or not file_labels:
        return
    special = set(spec.missing) | set(spec.not_eligible) | set(spec.topcode)
    special |= set(spec.answers or {})
    differ = [
        (code, file_labels[code], text)
        for code, text in spec.labels.items()
        if code in file_labels and file_labels[code].strip() != text.strip()
    ]
    extra = [c for c in file_labels if c not in spec.labels and c not in special]
    if differ or extra:
        parts = [f"code {_fmt([c])[0]}: file says {f!r}, codebook says {d!r}" for c, f, d in differ]
        if extra:
            parts.append(f"file labels codes {_fmt(extra)} that the codebook does not declare")
        raise CodebookError(
            f"codebook {book.origin}: variable {spec.name!r} (source {spec.source!r}): value "
            f"labels disagree with the file ({'; '.join(parts)}); this is probably another wave "
            "or release: fix the codebook's labels"
        )


def _convert(
    file: Path,
    book: Codebook,
    spec: VariableSpec,
    raw: np.ndarray,
    file_labels: Mapping[float, str] | None,
) -> tuple[Any, dict[str, Any]]:
    """Return the analysis values and the companion columns (top-code flag, answers)."""
    missing = np.isin(raw, spec.missing) | np.isnan(raw)
    not_eligible = np.isin(raw, spec.not_eligible)
    if spec.not_eligible_as == "missing":
        missing |= not_eligible
        not_eligible = np.zeros_like(missing)
    answered = np.isin(raw, list(spec.answers)) if spec.answers else np.zeros_like(missing)
    valid = ~missing & ~not_eligible & ~answered
    extra: dict[str, Any] = {}
    flag = np.isin(raw, spec.topcode) if spec.topcode else None
    if flag is not None:
        extra[f"{spec.name}_topcoded"] = flag
    if spec.answers:
        extra[f"{spec.name}_answer"] = _answer_column(raw, answered, spec.answers)
    where = (
        f"codebook {book.origin}: variable {spec.name!r} (source {spec.source!r}) in {file.name}"
    )
    if spec.range is not None:
        low, high = spec.range
        outside = valid & ~np.isin(raw, spec.topcode) & ((raw < low) | (raw > high))
        if outside.any():
            raise CodebookError(
                f"{where} has values {_fmt(set(raw[outside]))[:10]} in {int(outside.sum())} "
                f"rows outside the valid range {low:g}-{high:g}; declare them (missing, "
                "not_eligible, topcode or answers) or check the wave"
            )
    if spec.labels is not None:
        allowed = set(spec.labels) | set(spec.topcode)
        outside = valid & ~np.isin(raw, list(allowed))
        if outside.any():
            raise CodebookError(
                f"{where} has codes {_fmt(set(raw[outside]))[:10]} in {int(outside.sum())} rows "
                f"outside the declared labels {_fmt(spec.labels)}; declare them (as labels or "
                "missing codes) or check the wave"
            )
    mapping = spec.binary if spec.binary is not None else spec.recode
    if mapping is not None:
        kind = "binary" if spec.binary is not None else "recode"
        outside = valid & ~np.isin(raw, list(mapping))
        if outside.any():
            raise CodebookError(
                f"{where} has codes {_fmt(set(raw[outside]))[:10]} that the {kind} mapping "
                f"{ {_fmt([k])[0]: v for k, v in mapping.items()} } does not cover; map "
                "them or declare them missing / not eligible"
            )
        mapped = np.full(raw.shape, np.nan)
        for code, value in mapping.items():
            mapped[valid & (raw == code)] = value
        return mapped, extra
    if spec.reverse is not None:
        low, high = spec.reverse
        outside = valid & ((raw < low) | (raw > high))
        if outside.any():
            raise CodebookError(
                f"{where} has values {_fmt(set(raw[outside]))[:10]} outside the reverse range "
                f"{low:g}-{high:g}; declare them missing or fix min/max"
            )
        return np.where(valid, low + high - raw, np.nan), extra
    if spec.categorical:
        return _categorical(where, spec, raw, valid, not_eligible, file_labels), extra
    return np.where(valid, raw, np.nan), extra


def _answer_column(raw: np.ndarray, answered: np.ndarray, answers: Mapping[float, str]) -> Any:
    order = sorted(answers)
    position = {code: i for i, code in enumerate(order)}
    located = pd.Series(raw).map(position).to_numpy(dtype=float)
    index = np.where(answered & ~np.isnan(located), located, -1).astype(np.int64)
    return pd.Categorical.from_codes(index, categories=pd.Index([answers[c] for c in order]))


def _categorical(
    where: str,
    spec: VariableSpec,
    raw: np.ndarray,
    valid: np.ndarray,
    not_eligible: np.ndarray,
    file_labels: Mapping[float, str] | None,
) -> Any:
    labels = dict(spec.labels or file_labels or {})
    if not labels:
        raise CodebookError(
            f"{where} is declared categorical but neither the codebook nor the file has "
            "value labels; add labels = {...} to the codebook"
        )
    keep = valid | not_eligible
    unlabelled = keep & ~np.isin(raw, list(labels))
    if unlabelled.any():
        raise CodebookError(
            f"{where} has codes {_fmt(set(raw[unlabelled]))[:10]} without a value label; "
            "add labels for them or declare them missing"
        )
    order = sorted(c for c in labels if c not in spec.not_eligible and c not in spec.missing)
    order += [c for c in sorted(labels) if c in spec.not_eligible and keep[raw == c].any()]
    categories = [labels[c] for c in order]
    if len(set(categories)) != len(categories):
        raise CodebookError(f"{where}: two codes share one label; labels must be distinct")
    position = {code: i for i, code in enumerate(order)}
    located = pd.Series(raw).map(position).to_numpy(dtype=float)
    category_index = np.where(keep & ~np.isnan(located), located, -1).astype(np.int64)
    return pd.Categorical.from_codes(
        category_index, categories=pd.Index(categories), ordered=spec.ordered
    )


def _file_missing(
    file: Path,
    spec: VariableSpec,
    raw: np.ndarray,
    ranges: list[tuple[float, float]] | None,
    warnings: list[str],
) -> np.ndarray:
    """Honour user-missing values the file itself declares (SPSS) but the codebook omits."""
    if not ranges:
        return raw
    declared = np.zeros(raw.shape, dtype=bool)
    for low, high in ranges:
        declared |= (raw >= low) & (raw <= high)
    known = np.isin(raw, spec.missing) | np.isin(raw, spec.not_eligible)
    extra = declared & ~known
    if not extra.any():
        return raw
    warnings.append(
        f"variable {spec.name!r}: {file.name} declares {_fmt(set(raw[extra]))[:10]} as "
        f"user-missing ({int(extra.sum())} rows) but the codebook does not; treated as missing "
        "(declare them under missing or not_eligible to silence this)"
    )
    return np.where(extra, np.nan, raw)


def _check_id(file: Path, book: Codebook, values: pd.Series) -> None:
    if values.isna().any():
        rows = np.flatnonzero(values.isna().to_numpy())[:5].tolist()
        raise DataError(
            f"{file.name}: respondent id {book.id!r} is missing in rows {rows}; every row needs "
            "an id"
        )
    duplicated = values.duplicated(keep=False)
    if bool(duplicated.any()):
        ids = [str(_fmt([v])[0]) if isinstance(v, float) else str(v) for v in values[duplicated]]
        ids = sorted(set(ids))[:5]
        rows = np.flatnonzero(duplicated.to_numpy())[:6].tolist()
        raise DataError(
            f"{file.name}: respondent id {book.id!r} is not unique: ids {ids} repeat (rows "
            f"{rows}); remove duplicated records or choose the right id variable"
        )


def _scales(
    data: pd.DataFrame, scales: Mapping[str, ScaleSpec]
) -> tuple[dict[str, np.ndarray], pd.DataFrame]:
    scores: dict[str, np.ndarray] = {}
    rows = []
    for name, scale in scales.items():
        matrix = data[list(scale.items)].to_numpy(dtype=float)
        score, _n_valid = scale_mean(matrix, scale.min_valid)
        alpha, n_complete = cronbach_alpha(matrix)
        scores[name] = score
        scored = int(np.isfinite(score).sum())
        rows.append(
            {
                "scale": name,
                "n_items": len(scale.items),
                "items": ", ".join(scale.items),
                "min_valid": scale.min_valid,
                "n_scored": scored,
                "n_missing": int(score.size - scored),
                "alpha": alpha,
                "n_complete": n_complete,
                "mean": float(np.nanmean(score)) if scored else float("nan"),
            }
        )
    return scores, pd.DataFrame(rows, columns=_SCALE_REPORT_COLUMNS)


def apply_codebook(
    file: Path, read: FileRead, book: Codebook, *, check_id: bool = True
) -> SurveyData:
    """Convert what a reader found through ``book`` (``check_id``: refuse duplicate ids)."""
    frame = read.frame
    warnings: list[str] = list(read.notes)
    columns: dict[str, Any] = {}
    codes: dict[str, Any] = {}
    value_labels: dict[str, dict[float, str]] = {}
    variable_labels: dict[str, str] = {}
    for name, spec in book.variables.items():
        source = _resolve(file, frame, spec, book, warnings)
        file_labels = read.value_labels.get(source)
        if file_labels:
            value_labels[name] = dict(file_labels)
        label = spec.label or read.variable_labels.get(source)
        if label:
            variable_labels[name] = label
        if spec.type == "string":
            columns[name] = frame[source].to_numpy()
            codes[name] = frame[source].to_numpy()
            continue
        raw = _numeric(file, frame[source], spec)
        codes[name] = raw
        raw = _file_missing(file, spec, raw, read.missing_ranges.get(source), warnings)
        _check_file_labels(book, spec, file_labels)
        values, extra = _convert(file, book, spec, raw, file_labels)
        columns[name] = values
        columns.update(extra)
    data = pd.DataFrame(columns, index=pd.RangeIndex(len(frame)))
    if check_id and book.id is not None:
        _check_id(file, book, data[book.id])
    scores, report = _scales(data, book.scales)
    for name, score in scores.items():
        data[name] = score
    design = book.design.columns() if book.design is not None else {}
    metadata: dict[str, Any] = {
        "file": file.name,
        "format": read.format,
        "format_version": read.format_version,
        "encoding": read.encoding,
        "n_rows": len(data),
        "survey": book.survey,
        "wave": book.wave,
        "release": book.release,
        "codebook": book.origin,
        "design_note": book.design.note if book.design is not None else None,
        "alpha": dict(zip(report["scale"], report["alpha"], strict=True)),
    }
    return SurveyData(
        data=data,
        codes=pd.DataFrame(codes, index=data.index),
        value_labels=value_labels,
        variable_labels=variable_labels,
        design_columns=design,
        metadata=metadata,
        warnings=tuple(warnings),
        codebook=book,
        _scale_report=report,
    )
