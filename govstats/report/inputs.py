"""What a report runs on: the survey (simulated or the user's own file) and its provenance."""

from __future__ import annotations

import hashlib
import re
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from govstats.design import is_dask_frame
from govstats.errors import GovstatsError, GovstatsWarning, ReportError

__all__ = [
    "DEFAULT_MIN_CELL",
    "DEFAULT_REPLICATES",
    "DEFAULT_SEED",
    "SurveyInput",
    "file_sha256",
    "harmonise",
    "load_survey",
    "nine_code_spikes",
]

DEFAULT_SEED = 2024
# Rao–Wu replicates of the report's divide chain: enough for stable 95% percentile limits.
DEFAULT_REPLICATES = 1000
# Disclosure control: cells with fewer unweighted respondents are suppressed.
DEFAULT_MIN_CELL = 10
DEFAULT_PERIOD = "2021-12"
DESIGN_KEYS = ("weights", "strata", "psu", "fpc")


@dataclass(frozen=True)
class SurveyInput:
    """A survey ready for the analyses, with where it came from.

    Parameters
    ----------
    data : pandas.DataFrame or dask.dataframe.DataFrame
        One row per respondent with the construct columns (never printed in a report);
        a dask DataFrame for a folder of parquet files, which is never collected.
    design_columns : mapping
        Keyword arguments of :class:`govstats.SurveyDesign` (``weights``, ``strata``,
        ``psu``, ``fpc``) naming columns of ``data``.
    period : str or None
        Reference month ("YYYY-MM") used to pick the CNNIC figure to compare with.
    simulated : bool
        True for the embedded simulated survey (the report then adds a limitations note).
    label : str
        How the report names the survey.
    seed : int or None
        Seed of the simulation.
    files : tuple of pathlib.Path
        Input files whose SHA-256 goes on the title page.
    notes : tuple of str
        Notes from the simulator or the reader (synthetic values used, warnings).
    truth : object
        The simulator's chain truth, if any.
    labels : mapping
        Variable labels from the codebook or the file (used by regression tables).
    folder : pathlib.Path or None
        The parquet folder of a partitioned survey (its name and size manifest goes on
        the title page instead of a hash of every byte).

    Examples
    --------
    >>> import pandas as pd
    >>> SurveyInput(pd.DataFrame({"w": [1.0]}), {"weights": "w"}, None, False, "demo")
    SurveyInput('demo', 1 rows, simulated=False)
    """

    data: pd.DataFrame
    design_columns: Mapping[str, Any]
    period: str | None
    simulated: bool
    label: str
    seed: int | None = None
    files: tuple[Path, ...] = ()
    notes: tuple[str, ...] = ()
    truth: Any = field(default=None, repr=False)
    labels: Mapping[str, str] = field(default_factory=dict, repr=False)
    folder: Path | None = None

    def __repr__(self) -> str:
        if self.partitioned:
            return f"SurveyInput({self.label!r}, {self.data.npartitions} partitions)"
        return f"SurveyInput({self.label!r}, {len(self.data)} rows, simulated={self.simulated})"

    @property
    def partitioned(self) -> bool:
        """True when ``data`` is a dask DataFrame (a parquet folder): computed by partitions."""
        return is_dask_frame(self.data)

    def n_rows(self) -> int:
        """Respondents (rows) of the survey; one counting pass for a partitioned survey."""
        if self.partitioned:
            rows: Any = self.data.shape[0]  # a lazy dask scalar
            return int(rows.compute())
        return len(self.data)

    def design(self) -> Any:
        """Build the :class:`govstats.SurveyDesign` of this survey."""
        from govstats.design import SurveyDesign

        return SurveyDesign(self.data, **dict(self.design_columns))


def file_sha256(path: str | Path) -> str:
    """Hex SHA-256 digest of a file's bytes.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = pathlib.Path(d) / "a.txt"
    ...     _ = p.write_bytes(b"abc")
    ...     file_sha256(p)[:16]
    'ba7816bf8f01cfea'
    """
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def load_survey(
    survey: str | Path | None = None,
    codebook: str | Path | None = None,
    *,
    seed: int = DEFAULT_SEED,
    n_persons: int = 8000,
    period: str = DEFAULT_PERIOD,
) -> SurveyInput:
    """Load the survey a report runs on.

    Parameters
    ----------
    survey : path, optional
        A survey file (.dta, .sav, .csv, .parquet). Without it the embedded simulated
        survey is drawn with ``seed``.
    codebook : path, optional
        The TOML codebook of ``survey`` (required with ``survey``); its design section
        names the weight, strata, PSU and fpc columns.
    seed, n_persons, period
        Arguments of :func:`govstats.datasets.simulate_survey` for the default survey.

    Returns
    -------
    SurveyInput

    Raises
    ------
    ReportError
        If the file cannot be read or the codebook declares no design; the message names
        the file and the problem.
    """
    if survey is None:
        if codebook is not None:
            raise ReportError("--codebook was given without --survey; pass both or neither")
        from govstats.datasets import simulate_survey

        sim = simulate_survey(seed=seed, n_persons=n_persons, period=period)
        return SurveyInput(
            data=sim.data,
            design_columns=dict(sim.design_columns),
            period=period,
            simulated=True,
            label=f"simulate_survey(seed={seed}, n_persons={n_persons}, period={period!r})",
            seed=seed,
            notes=tuple(getattr(sim, "notes", ()) or ()),
            truth=getattr(sim, "truth", None),
        )
    path = Path(survey)
    if codebook is None and not in_analysis_layout(path):
        raise ReportError(
            f"survey file {path.name}: a codebook is required (--codebook FILE) to map its "
            "variables to the constructs and to declare the design (a file already in the "
            f"analysis layout, with the columns {sorted(LAYOUT_DESIGN.values())}, needs none)"
        )
    if path.is_dir():
        return _load_folder(path, None if codebook is None else Path(codebook))
    if codebook is None:
        return _load_layout_file(path)
    if not path.is_file():
        raise ReportError(f"survey file {path} does not exist or is not a file")
    if not Path(codebook).is_file():
        raise ReportError(f"codebook {codebook} does not exist or is not a file")
    try:
        from govstats.io import read_survey

        read = read_survey(path, codebook)
    except GovstatsError as exc:
        raise ReportError(f"survey file {path.name} is unusable: {exc}") from exc
    except Exception as exc:  # a reader failure of any kind means an unusable input
        raise ReportError(
            f"survey file {path.name} could not be read ({type(exc).__name__}: {exc}); "
            "check that it is a .dta, .sav, .csv or .parquet survey file matching the codebook"
        ) from exc
    data, design, wave_period, notes = _unpack_read(read)
    data, derived = harmonise(data, wave_period)
    notes = (*notes, *derived, *_warn_spikes(data, path.name))
    if not design:
        raise ReportError(
            f"codebook {Path(codebook).name} declares no design (weights, strata, psu, fpc); "
            "add a [design] section so the report can estimate design-based standard errors"
        )
    return SurveyInput(
        data=data,
        design_columns=design,
        period=wave_period,
        simulated=False,
        label=path.name,
        files=(path, Path(codebook)),
        notes=notes,
        labels=_variable_labels(read),
    )


#: A survey already in the analysis layout -- the columns of
#: ``gs.datasets.simulate_survey().data`` -- is read without a codebook, with these design
#: columns (``fpc_county`` where present).
LAYOUT_DESIGN = {"weights": "weight", "strata": "stratum", "psu": "county", "fpc": "fpc_county"}


def survey_columns(path: str | Path) -> list[str] | None:
    r"""Return the columns of a parquet file or folder or a CSV file, without the rows.

    None for other formats (their names come through a codebook) or unreadable input.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = pathlib.Path(d) / "s.csv"
    ...     _ = p.write_text("weight,stratum\n1,2\n", encoding="utf-8")
    ...     survey_columns(p)
    ['weight', 'stratum']
    """
    target = Path(path)
    try:
        if target.is_dir() or target.suffix.lower() == ".parquet":
            import pyarrow.parquet as pq

            files = [target] if target.is_file() else sorted(target.rglob("*.parquet"))
            return list(pq.read_schema(files[0]).names) if files else None
        if target.suffix.lower() == ".csv":
            return [str(c) for c in pd.read_csv(target, nrows=0).columns]
    except Exception:  # an unreadable file is reported by the reader itself
        return None
    return None


def in_analysis_layout(path: str | Path) -> bool:
    """Whether a survey file or folder already holds the analysis layout's design columns."""
    names = survey_columns(path)
    needed = [LAYOUT_DESIGN[k] for k in ("weights", "strata", "psu")]
    return names is not None and all(c in names for c in needed)


def _layout_design(columns: Any) -> dict[str, str]:
    return {k: v for k, v in LAYOUT_DESIGN.items() if v in columns}


def _load_layout_file(path: Path) -> SurveyInput:
    """Read a parquet or CSV file in the analysis layout as it is (no codebook)."""
    try:
        from govstats.io import read_survey

        frame = read_survey(path)
    except GovstatsError as exc:
        raise ReportError(f"survey file {path.name} is unusable: {exc}") from exc
    assert isinstance(frame, pd.DataFrame)
    data, derived = harmonise(frame, None)
    return SurveyInput(
        data=data,
        design_columns=_layout_design(data.columns),
        period=None,
        simulated=False,
        label=path.name,
        files=(path,),
        notes=(*derived, *_warn_spikes(data, path.name)),
    )


def _load_folder(folder: Path, codebook: Path | None) -> SurveyInput:
    """Open a folder of parquet files as a partitioned survey (dask); nothing is read yet.

    With a codebook every partition goes through it; without one the folder must be in
    the analysis layout (:data:`LAYOUT_DESIGN`).
    """
    if codebook is not None and not codebook.is_file():
        raise ReportError(f"codebook {codebook} does not exist or is not a file")
    try:
        if codebook is not None:
            from govstats.io import read_survey_folder

            read = read_survey_folder(folder, codebook)
            raw, n_files, meta = read.data, len(read.files), read.metadata
            design = {k: v for k, v in read.design_columns.items() if k in DESIGN_KEYS and v}
            notes: tuple[str, ...] = tuple(read.warnings)
            labels = dict(read.variable_labels)
        else:
            import dask.dataframe as dd

            files = sorted(folder.rglob("*.parquet"))
            raw = dd.read_parquet([str(f) for f in files])
            n_files, meta, notes, labels = len(files), {}, (), {}
            design = _layout_design(raw.columns)
    except ImportError as exc:
        raise ReportError(
            f"survey folder {folder.name} is read with dask, which is not installed; "
            "install the extra: pip install 'govstats[dask]'"
        ) from exc
    except GovstatsError as exc:
        raise ReportError(f"survey folder {folder.name} is unusable: {exc}") from exc
    period = str(meta.get("wave")) if meta.get("wave") else None
    sample, derived = harmonise(raw.get_partition(0).head(1000), period)
    types = sample.dtypes.to_dict()
    data = raw.map_partitions(
        _harmonised_partition, period, types, meta=sample.iloc[:0].astype(types)
    )
    if not design:
        raise ReportError(
            f"codebook {codebook.name if codebook else ''} declares no design (weights, "
            "strata, psu, fpc); add a [design] section so the report can estimate "
            "design-based standard errors"
        )
    notes = (*notes, *derived)
    if meta.get("design_note"):
        notes = (*notes, str(meta["design_note"]))
    return SurveyInput(
        data=data,
        design_columns=design,
        period=period,
        simulated=False,
        label=f"{folder.name}/ ({n_files} parquet files)",
        files=() if codebook is None else (codebook,),
        notes=notes,
        labels=labels,
        folder=folder,
    )


def _harmonised_partition(part: pd.DataFrame, period: str | None, types: Any) -> pd.DataFrame:
    """One partition through :func:`harmonise`, with the column types of every other one."""
    return harmonise(part, period)[0].astype(types)


def _variable_labels(read: Any) -> dict[str, str]:
    """Variable labels the reader found (codebook first, then the file)."""
    found = getattr(read, "variable_labels", None)
    if not isinstance(found, Mapping):
        return {}
    return {str(k): str(v) for k, v in found.items() if v}


AGE_BINS = (17, 39, 59, 200)
AGE_LABELS = ("18-39", "40-59", "60+")


def harmonise(data: pd.DataFrame, period: str | None) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """Derive the standard analysis columns a survey file may lack; say what was derived.

    ``rural`` = 1 - ``urban``; ``age`` = survey year - ``birth_year``; ``age_group``
    (18-39, 40-59, 60+); ``log_income`` = log(``income``) for positive incomes;
    ``province_code`` from a two-digit ``stratum``. Existing columns are never changed.

    Examples
    --------
    >>> import pandas as pd
    >>> out, notes = harmonise(pd.DataFrame({"urban": [1, 0], "birth_year": [1990, 1950]}),
    ...                        "2021-12")
    >>> out["rural"].tolist(), out["age"].tolist(), [str(g) for g in out["age_group"]]
    ([0, 1], [31, 71], ['18-39', '60+'])
    """
    import numpy as np

    out = data.copy()
    notes: list[str] = []
    if "rural" not in out and "urban" in out:
        out["rural"] = 1 - out["urban"]
        notes.append("rural derived as 1 - urban")
    if "age" not in out and "birth_year" in out and period:
        year = int(str(period)[:4])
        out["age"] = year - out["birth_year"]
        notes.append(f"age derived as {year} - birth_year")
    if "age_group" not in out and "age" in out:
        out["age_group"] = pd.cut(
            out["age"], bins=list(AGE_BINS), labels=list(AGE_LABELS), ordered=True
        )
        notes.append("age_group derived from age (18-39, 40-59, 60+)")
    if "log_income" not in out and "income" in out:
        income = out["income"].astype(float)
        out["log_income"] = np.log(income.where(income > 0))
        notes.append("log_income derived as log(income) for positive incomes")
    out, province_notes = _province_codes(out)
    notes += province_notes
    return out, tuple(notes)


def _province_codes(out: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """Give the survey a text ``province_code`` (GB/T 2260) the census tables join on.

    An existing ``province_code`` (11, 11.0, "11", a name) is normalised; otherwise one
    is derived from ``province`` (codes or names) or from two-digit ``stratum`` codes.
    A column that holds no province values is left alone, with a note saying so.
    """
    from govstats.datasets import province_code

    for source in ("province_code", "province", "stratum"):
        if source not in out:
            continue
        try:
            codes = province_code(out[source])
        except GovstatsError as exc:
            if source == "stratum":
                continue
            return out, [f"{source} not used as a province: {exc}"]
        if codes.isna().all():
            continue
        out["province_code"] = codes
        if source == "province_code":
            return out, []
        return out, [f"province_code derived from {source} (GB/T 2260 codes)"]
    return out, []


_NINES = re.compile(r"9{2,}[6-9]")


def nine_code_spikes(data: pd.DataFrame, *, min_share: float = 0.005) -> list[tuple[str, int, int]]:
    """Find numeric columns with a spike at a 9-repeated code (996, 9999996, 99999999 ...).

    Such codes are the top-codes and missing codes of Chinese survey files (CGSS income
    9999996-9999999); left undeclared in the codebook they enter means at face value.

    Parameters
    ----------
    data : pandas.DataFrame
    min_share : float
        Smallest share of a column's non-missing values at one code that counts as a spike
        (and at least 3 rows).

    Returns
    -------
    list of (column, code, rows)

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"income": [20000.0, 35000.0, 9999996.0, 9999996.0, 9999996.0]})
    >>> nine_code_spikes(df)
    [('income', 9999996, 3)]
    """
    import numpy as np

    found = []
    for column in data.columns:
        series = data[column]
        if not pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series):
            continue
        values = series.dropna().to_numpy(dtype=float)
        if values.size == 0:
            continue
        whole = values[(values == np.round(values)) & (values >= 96)]
        if whole.size == 0:
            continue
        codes, counts = np.unique(whole, return_counts=True)
        for code, count in zip(codes, counts, strict=True):
            if _NINES.fullmatch(str(int(code))) and count >= max(3, min_share * values.size):
                found.append((str(column), int(code), int(count)))
    return found


def _warn_spikes(data: pd.DataFrame, file: str) -> tuple[str, ...]:
    """Warn (and return notes) for every undeclared 9-code spike in a user's file.

    A code the codebook declares as a top-code stays in the data as a value, flagged in
    ``<column>_topcoded`` by the reader; it is not a spike to warn about.
    """
    notes = []
    for column, code, count in nine_code_spikes(data):
        flag = f"{column}_topcoded"
        if flag in data and bool(data.loc[data[column] == code, flag].astype(bool).all()):
            continue  # a top-code the codebook declares: a value, flagged by the reader
        text = (
            f"{file}: {column} has {count} rows at {code}, a 9-repeated code the codebook "
            "does not declare; it enters means at face value. Declare it under missing, "
            "not_eligible or topcode in the codebook if it is not a real value."
        )
        warnings.warn(text, GovstatsWarning, stacklevel=3)
        notes.append(text)
    return tuple(notes)


def _unpack_read(read: Any) -> tuple[pd.DataFrame, dict[str, Any], str | None, tuple[str, ...]]:
    """Return data, design keywords, period and notes from what ``read_survey`` returned."""
    data = read if isinstance(read, pd.DataFrame) else getattr(read, "data", None)
    if not isinstance(data, pd.DataFrame):
        raise ReportError("read_survey returned no data frame; cannot build the report")
    meta: dict[str, Any] = {}
    for source in (getattr(read, "metadata", None), getattr(read, "codebook", None), read):
        if isinstance(source, Mapping):
            meta.update(source)
    design_source: Any = getattr(read, "design_columns", None) or getattr(read, "design", None)
    if design_source is None:
        design_source = meta.get("design")
    design: dict[str, Any] = {}
    if isinstance(design_source, Mapping):
        design = {k: v for k, v in design_source.items() if k in DESIGN_KEYS and v}
    elif design_source is not None:
        design = {
            k: getattr(design_source, k) for k in DESIGN_KEYS if getattr(design_source, k, None)
        }
    period = meta.get("period") or meta.get("wave") or getattr(read, "period", None)
    raw_notes = getattr(read, "warnings", ()) or ()
    notes = tuple(str(n) for n in raw_notes) if isinstance(raw_notes, Sequence) else ()
    if meta.get("design_note"):
        notes = (*notes, str(meta["design_note"]))
    return data, design, (str(period) if period else None), notes
