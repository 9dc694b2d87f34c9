"""The one model-matrix builder (formulaic) of design GLMs, calibration and decompositions.

Columns are named as formulaic names them (``Intercept``, ``stype[T.H]``,
``C(race)[T.2]``, ``ell:meals``); :func:`r_name` gives R's spelling of the same
column (``(Intercept)``, ``stypeH``, ``factor(race)2``) for output laid beside R
or Stata. Before the formula is evaluated, the columns it uses pass through the
categorical rule of :mod:`govstats.design.categorical` (bool columns numeric,
text and object columns ordered factors), so every family codes a variable the
same way. Column names that are not Python identifiers (``api.stu``, ``sch wide``)
are quoted for formulaic; write them as they are.

Examples
--------
>>> import pandas as pd
>>> df = pd.DataFrame({"y": [1.0, 2, 3, 4], "stype": ["E", "H", "M", "H"],
...                    "api.stu": [10.0, 20, 30, 40]})
>>> mm = build_model_matrix(df, "stype + api.stu")
>>> list(mm.names)
['Intercept', 'stype[T.H]', 'stype[T.M]', 'api.stu']
>>> list(mm.r_names)
['(Intercept)', 'stypeH', 'stypeM', 'api.stu']
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import formulaic
import numpy as np
import pandas as pd

from govstats.design._structure import check_columns
from govstats.design.categorical import as_numeric_frame
from govstats.errors import DataError, ModelError

__all__ = ["NAME_STYLES", "ModelMatrix", "build_model_matrix", "r_name", "rename"]

#: Spellings of term names a model result's ``to_frame(names=...)`` accepts.
NAME_STYLES = ("formulaic", "r")

_IDENTIFIER = re.compile(r"[A-Za-z_\u0080-\uffff][\w\u0080-\uffff]*")
_LEVEL = re.compile(r"^(.*?)\[(?:T\.)?(.*)\]$")
_FACTOR_CALL = re.compile(r"^C\(\s*([^,()]+?)\s*(?:,.*)?\)$")
_QUOTED = re.compile(r"""^Q\(\s*(['"])(.*)\1\s*\)$""")


@dataclass(frozen=True)
class ModelMatrix:
    """A model matrix with its column names in both spellings.

    Attributes
    ----------
    matrix : ndarray, shape (n, p)
        float64; rows with a missing value hold NaN (``na_action="ignore"``).
    names : tuple of str
        formulaic's column names.
    r_names : tuple of str
        R's names of the same columns (:func:`r_name`).
    terms : tuple of str
        Formula term of every column (``"Intercept"`` for the intercept).
    variables : tuple of str
        Data columns the formula reads.
    spec : formulaic.ModelSpec
        formulaic's record of the coding (contrasts, levels), for callers that
        need the factor structure.
    """

    matrix: np.ndarray
    names: tuple[str, ...]
    r_names: tuple[str, ...]
    terms: tuple[str, ...]
    variables: tuple[str, ...]
    spec: formulaic.ModelSpec

    @property
    def intercept(self) -> int | None:
        """Position of the intercept column, or None."""
        return self.terms.index("Intercept") if "Intercept" in self.terms else None


def quote_columns(formula: str, columns: list[str]) -> str:
    """Wrap column names that are not identifiers (``api.stu``) in backticks for formulaic.

    Names already quoted (backticks or ``Q("...")``) are left alone.

    Examples
    --------
    >>> quote_columns("api.stu ~ meals + log(api.stu)", ["api.stu", "meals"])
    '`api.stu` ~ meals + log(`api.stu`)'
    """
    odd = sorted((c for c in columns if not _IDENTIFIER.fullmatch(c)), key=len, reverse=True)
    if not odd:
        return formula
    # split off the parts already quoted so that they are not quoted twice
    pieces = re.split(r"(`[^`]*`|Q\(\s*(?:'[^']*'|\"[^\"]*\")\s*\))", formula)
    for i in range(0, len(pieces), 2):
        text = pieces[i]
        for name in odd:
            pattern = r"(?<![\w.`])" + re.escape(name) + r"(?![\w.`])"
            text = re.sub(pattern, lambda _m, n=name: f"`{n}`", text)
        pieces[i] = text
    return "".join(pieces)


def build_model_matrix(
    data: pd.DataFrame, formula: str, *, na_action: str = "ignore"
) -> ModelMatrix:
    """Evaluate the right-hand side of ``formula`` on ``data`` (treatment coding, as R).

    Parameters
    ----------
    data : pandas.DataFrame
        Not modified.
    formula : str
        ``"x + C(g) + a:b"``; a left-hand side and ``~`` are ignored. ``- 1`` or
        ``0`` drops the intercept.
    na_action : {"ignore", "raise"}
        formulaic's handling of missing values (``"ignore"``: NaN rows kept).

    Returns
    -------
    ModelMatrix

    Raises
    ------
    DataError
        A variable of the formula is not a column, or a column mixes numbers and text.
    ModelError
        formulaic cannot evaluate the formula.
    """
    rhs = formula.split("~", 1)[1] if "~" in formula else formula
    rhs = quote_columns(rhs, [str(c) for c in data.columns])
    try:
        parsed = formulaic.Formula(rhs)
        wanted = [str(v) for v in parsed.required_variables]
    except Exception as error:  # formulaic raises several parser error types
        raise ModelError(f"cannot parse the formula {formula!r}: {error}") from None
    # formulaic's required_variables splits quoted names at dots (`api.stu` -> api), so
    # quoted columns are found in the text
    quoted = {str(c) for c in data.columns if any(f"{q}{c}{q}" in rhs for q in "`'\"")}
    used = [str(c) for c in data.columns if str(c) in wanted or str(c) in quoted]
    frame = as_numeric_frame(data, used) if used else pd.DataFrame(index=data.index)
    try:
        matrix = formulaic.model_matrix(rhs, frame, na_action=na_action)
    except Exception as error:
        absent = [v for v in wanted if v not in data.columns and v not in quoted_parts(quoted)]
        absent = [v for v in absent if not _is_known_name(v)]
        if absent:
            check_columns(data, absent, "formula")
        raise ModelError(
            f"cannot build the model matrix for {formula!r}: {error}. Quote names with dots, "
            'spaces or other symbols as `name` or Q("name").'
        ) from error
    names = tuple(str(c) for c in matrix.columns)
    position = {name: k for k, name in enumerate(names)}
    terms = [""] * len(names)
    for structure in matrix.model_spec.structure:
        label = str(structure.term)
        for column in structure.columns:
            terms[position[str(column)]] = "Intercept" if label == "1" else label
    return ModelMatrix(
        matrix=np.asarray(matrix, dtype=np.float64),
        names=names,
        r_names=tuple(r_name(n) for n in names),
        terms=tuple(terms),
        variables=tuple(used),
        spec=matrix.model_spec,
    )


def quoted_parts(names: set[str]) -> set[str]:
    """Return the pieces formulaic reports for quoted names with dots (``api.stu`` -> ``api``)."""
    return {piece for name in names for piece in re.split(r"[.\s]", name)}


def _is_known_name(name: str) -> bool:
    """Names formulaic resolves outside the data (numpy functions, transforms)."""
    return name in {"np", "log", "exp", "sqrt", "center", "scale", "C", "I", "Q", "poly"}


def r_name(name: str) -> str:
    """R's name of a formulaic model-matrix column.

    ``Intercept`` -> ``(Intercept)``; ``stype[T.H]`` -> ``stypeH``;
    ``C(race)[T.2]`` -> ``factor(race)2``; ``I(x ** 2)`` -> ``I(x^2)``; quoting
    (backticks, ``Q("...")``) is dropped; interactions keep ``:``.

    Examples
    --------
    >>> [r_name(n) for n in ["Intercept", "stype[T.H]", "C(race)[T.2]", "x:z[T.b]"]]
    ['(Intercept)', 'stypeH', 'factor(race)2', 'x:zb']
    """
    if name in ("Intercept", "(Intercept)"):
        return "(Intercept)"
    parts = []
    for part in _split_interaction(name):
        level = ""
        match = _LEVEL.match(part)
        if match:
            part, level = match.group(1), match.group(2)
        part = re.sub(r"\s*\*\*\s*", "^", part.strip())
        factor = _FACTOR_CALL.match(part)
        if factor:
            part = f"factor({_unquote(factor.group(1))})"
        parts.append(_unquote(part) + level)
    return ":".join(parts)


def rename(names: list[str] | tuple[str, ...], style: str) -> list[str]:
    """Term names in the requested spelling (``"formulaic"`` keeps them, ``"r"``: R's).

    Examples
    --------
    >>> rename(["Intercept", "g[T.b]"], "r")
    ['(Intercept)', 'gb']
    """
    if style not in NAME_STYLES:
        raise DataError(f"names={style!r}; use one of {list(NAME_STYLES)}.")
    return list(names) if style == "formulaic" else [r_name(str(n)) for n in names]


def _unquote(text: str) -> str:
    text = text.strip()
    quoted = _QUOTED.match(text)
    if quoted:
        return quoted.group(2)
    return text.replace("`", "")


def _split_interaction(name: str) -> list[str]:
    """Split ``a:b[T.x]`` at the colons outside brackets, parentheses and quotes."""
    parts: list[str] = []
    current: list[str] = []
    depth, quote = 0, ""
    for char in name:
        if quote:
            quote = "" if char == quote else quote
        elif char in "`'\"":
            quote = char
        elif char in "([":
            depth += 1
        elif char in ")]":
            depth -= 1
        elif char == ":" and depth == 0:
            parts.append("".join(current))
            current = []
            continue
        current.append(char)
    parts.append("".join(current))
    return parts
