"""A folder of parquet files read through a codebook, lazily, one partition at a time.

``read_survey_folder(folder, codebook)`` is :func:`~govstats.io.read_survey` for data that
do not fit in memory: the folder (``dd.read_parquet``) becomes a dask DataFrame whose
every partition goes through the same codebook conversion as a single file -- missing
codes to NaN, labels to categoricals, binaries to 0/1, reverse codes, top-code flags,
scale scores. Nothing is read until a computation asks for it, and then each worker
converts its own partitions.

Every partition must come out with the same columns and types, or dask cannot stack
them: numbers are held as float64 (a missing code turns an integer column into floats
in one partition only) and categoricals carry the codebook's full label set.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from govstats.errors import DataError
from govstats.io._formats import FileRead, labels_from_attrs
from govstats.io.codebook import Codebook, load_codebook
from govstats.io.read_survey import apply_codebook

__all__ = ["SurveyFolder", "folder_manifest", "read_survey_folder"]


@dataclass(frozen=True)
class SurveyFolder:
    """A partitioned survey read through a codebook.

    Attributes
    ----------
    data : dask.dataframe.DataFrame
        The analysis columns (as :attr:`SurveyData.data` of a single file), lazily.
    design_columns : dict of str to str
        Declared design roles (``strata``, ``psu``, ``weights``, ``fpc``).
    variable_labels : dict
        ``{analysis name: label}`` from the codebook.
    files : tuple of pathlib.Path
        The parquet files of the folder, in the order dask reads them.
    metadata : dict
        Folder, number of files and partitions, survey and wave, design note.
    warnings : tuple of str
        What the conversion of the first partition reported (every partition is
        converted by the same rules).
    codebook : Codebook
    """

    data: Any
    design_columns: dict[str, str]
    variable_labels: dict[str, str]
    files: tuple[Path, ...]
    metadata: dict[str, Any]
    warnings: tuple[str, ...]
    codebook: Codebook = field(repr=False)

    def __repr__(self) -> str:
        return (
            f"SurveyFolder({self.metadata.get('folder')!r}, files={len(self.files)}, "
            f"partitions={self.data.npartitions}, columns={len(self.data.columns)})"
        )


def _parquet_files(folder: Path) -> tuple[Path, ...]:
    files = tuple(sorted(p for p in folder.rglob("*.parquet") if p.is_file()))
    if not files:
        raise DataError(
            f"{folder}: no .parquet files in this folder; write the survey with "
            "DataFrame.to_parquet(folder) or dask's to_parquet"
        )
    return files


def folder_manifest(folder: str | Path) -> str:
    """Hex SHA-256 of the folder's parquet file names and sizes (a fingerprint, not of bytes).

    Hashing every byte of a dataset larger than memory would take minutes; the names
    and sizes identify a written dataset and change when a file is rewritten with
    other content of another size.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> with tempfile.TemporaryDirectory() as d:
    ...     _ = (pathlib.Path(d) / "part.0.parquet").write_bytes(b"PAR1")
    ...     len(folder_manifest(d))
    64
    """
    root = Path(folder)
    digest = hashlib.sha256()
    for path in _parquet_files(root):
        digest.update(f"{path.relative_to(root).as_posix()}\t{path.stat().st_size}\n".encode())
    return digest.hexdigest()


def _file_read(part: pd.DataFrame, labels: tuple[dict[str, Any], dict[str, str]]) -> FileRead:
    frame = part.reset_index(drop=True)
    frame.attrs = {}
    return FileRead(frame, "parquet", None, None, labels[0], labels[1])


def _convert(
    part: pd.DataFrame, book: Codebook, folder: Path, labels: tuple[dict[str, Any], dict[str, str]]
) -> pd.DataFrame:
    return apply_codebook(folder, _file_read(part, labels), book, check_id=False).data


def _stable_types(frame: pd.DataFrame) -> dict[str, Any]:
    """Column types every partition is cast to: numbers as float64, the rest as found."""
    types: dict[str, Any] = {}
    for name, dtype in frame.dtypes.items():
        numeric = isinstance(dtype, np.dtype) and dtype.kind in "iufb"
        types[str(name)] = np.dtype("float64") if numeric else dtype
    return types


def _convert_stable(
    part: pd.DataFrame,
    book: Codebook,
    folder: Path,
    labels: tuple[dict[str, Any], dict[str, str]],
    types: Mapping[str, Any],
) -> pd.DataFrame:
    return _convert(part, book, folder, labels).astype(dict(types))


def read_survey_folder(folder: str | Path, codebook: Codebook | str | Path) -> SurveyFolder:
    """Read a folder of parquet files through a codebook, as a lazy dask DataFrame.

    Parameters
    ----------
    folder : str or pathlib.Path
        A folder of ``.parquet`` files with the same columns (``dd.read_parquet``
        reads it; ``DataFrame.to_parquet`` or ``ddf.to_parquet`` write one).
    codebook : Codebook, str or pathlib.Path
        The codebook of the files (the same as for one file).

    Returns
    -------
    SurveyFolder
        ``data`` is a dask DataFrame; ``gs.SurveyDesign(folder.data,
        **folder.design_columns)`` is a design computed from partition sums.

    Raises
    ------
    DataError
        Not a folder, no parquet files in it, or a file that is not parquet.
    CodebookError
        As :func:`read_survey`, found on the first partition when the folder is read
        and on any other partition when a computation reaches it.

    Notes
    -----
    Respondent ids are checked for duplicates within each partition only (a check
    across partitions would be a shuffle of the whole dataset). Cronbach's alpha of
    scales is not computed (it needs every row's items at once).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from govstats.datasets import simulate_survey
    >>> from govstats.io import shipped_codebook
    >>> sim = simulate_survey(seed=1, n_persons=600)
    >>> with tempfile.TemporaryDirectory() as d:
    ...     for i, part in enumerate((sim.raw.iloc[:300], sim.raw.iloc[300:])):
    ...         part.to_parquet(pathlib.Path(d) / f"part.{i}.parquet")
    ...     survey = read_survey_folder(d, shipped_codebook("simulated"))
    ...     n = int(survey.data["weight"].count().compute())
    >>> survey.data.npartitions, n, survey.design_columns["psu"]
    (2, 600, 'county')
    """
    import dask.dataframe as dd

    root = Path(folder)
    if not root.is_dir():
        raise DataError(f"{root}: not a folder; pass a folder of .parquet files")
    files = _parquet_files(root)
    book = codebook if isinstance(codebook, Codebook) else load_codebook(codebook)
    try:
        raw = dd.read_parquet([str(p) for p in files])
        head = raw.get_partition(0).head(1000, compute=True)
    except Exception as exc:  # pyarrow raises several unrelated types
        raise DataError(f"{root}: cannot be read as a parquet dataset ({exc})") from exc
    # value labels travel in pandas' attrs metadata of the files (DataFrame.to_parquet)
    labels = labels_from_attrs(head.attrs)
    first = apply_codebook(root, _file_read(head, labels), book)
    types = _stable_types(first.data)
    meta = first.data.iloc[:0].astype(types)
    data = raw.map_partitions(_convert_stable, book, root, labels, types, meta=meta)
    metadata: dict[str, Any] = {
        "folder": root.name,
        "files": len(files),
        "partitions": data.npartitions,
        "format": "parquet",
        "survey": book.survey,
        "wave": book.wave,
        "release": book.release,
        "codebook": book.origin,
        "design_note": book.design.note if book.design is not None else None,
    }
    return SurveyFolder(
        data=data,
        design_columns=book.design.columns() if book.design is not None else {},
        variable_labels=dict(first.variable_labels),
        files=files,
        metadata=metadata,
        warnings=first.warnings,
        codebook=book,
    )
