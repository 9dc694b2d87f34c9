"""Writing survey files: Stata ``.dta`` and SPSS ``.sav`` with labels and missing codes."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd

from govstats.errors import DataError

__all__ = ["write_survey"]


def write_survey(
    data: pd.DataFrame,
    path: str | Path,
    *,
    value_labels: Mapping[str, Mapping[int, str]] | None = None,
    variable_labels: Mapping[str, str] | None = None,
    missing_codes: Mapping[str, Sequence[int]] | None = None,
    file_label: str = "govstats 模拟调查",
    overwrite: bool = False,
) -> Path:
    """Write a survey file image as Stata (``.dta``, format 118, UTF-8) or SPSS (``.sav``).

    Parameters
    ----------
    data : pandas.DataFrame
        Raw names and numeric codes, as a survey producer releases them (for example
        ``simulate_survey(...).raw``).
    path : str or pathlib.Path
        Target file; the suffix chooses the format.
    value_labels : dict, optional
        ``{column: {code: label}}``. Default: ``data.attrs["value_labels"]``.
    variable_labels : dict, optional
        ``{column: label}``. Default: ``data.attrs["variable_labels"]``.
    missing_codes : dict, optional
        ``{column: [codes]}`` declared as SPSS user-missing values (up to three).
        Default: ``data.attrs["missing_codes"]``.
    file_label : str
        The file's label.
    overwrite : bool, default False
        Replace an existing file. Without it an existing file is an error.

    Returns
    -------
    pathlib.Path
        The written file.

    Raises
    ------
    DataError
        For an unknown suffix or an existing file when ``overwrite`` is False.

    Notes
    -----
    Stata has no numeric user-missing values, so in ``.dta`` files the missing codes
    are ordinary labelled codes, as in CGSS releases. The file is written to a
    temporary name and moved into place, so a failure leaves no half-written file.
    The input frame is not modified.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from govstats.datasets import simulate_survey
    >>> sim = simulate_survey(seed=1, n_persons=400)
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     out = write_survey(sim.raw, pathlib.Path(folder) / "sim.dta")
    ...     out.suffix
    '.dta'
    """
    import pyreadstat

    target = Path(path)
    suffix = target.suffix.lower()
    if suffix not in (".dta", ".sav"):
        raise DataError(f"cannot write {target.name!r}: use a .dta or .sav suffix")
    if target.exists() and not overwrite:
        raise DataError(f"{target} exists; pass overwrite=True to replace it")
    attrs = data.attrs
    values = value_labels if value_labels is not None else attrs.get("value_labels", {})
    variables = variable_labels if variable_labels is not None else attrs.get("variable_labels", {})
    missing = missing_codes if missing_codes is not None else attrs.get("missing_codes", {})
    labels: dict[str, dict[int | float, str]] = {
        k: dict(v.items()) for k, v in values.items() if k in data.columns
    }
    column_labels: dict[str, str | None] = {k: v for k, v in variables.items() if k in data.columns}
    frame = data.copy()
    frame.attrs = {}
    handle, temporary = tempfile.mkstemp(suffix=suffix, dir=target.parent)
    os.close(handle)
    try:
        if suffix == ".dta":
            pyreadstat.write_dta(
                frame,
                temporary,
                file_label=file_label,
                column_labels=column_labels,
                version=14,
                variable_value_labels=labels,
            )
        else:
            pyreadstat.write_sav(
                frame,
                temporary,
                file_label=file_label,
                column_labels=column_labels,
                variable_value_labels=labels,
                missing_ranges={k: list(v[:3]) for k, v in missing.items() if k in data.columns},
            )
        os.replace(temporary, target)
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)
    return target
