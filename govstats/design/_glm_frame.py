"""The response and model matrix of a design GLM, and its family (shared by fits and tests)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from statsmodels.genmod import families
from statsmodels.genmod.families import Family

from govstats.design._irls import family_kind
from govstats.design._structure import check_columns
from govstats.design.categorical import factor_levels, is_categorical
from govstats.design.model_matrix import build_model_matrix
from govstats.errors import ModelError

if TYPE_CHECKING:
    from govstats.design.survey_design import SurveyDesign

_FAMILIES = {
    "gaussian": families.Gaussian,
    "binomial": families.Binomial,
    "quasibinomial": families.Binomial,
    "poisson": families.Poisson,
    "quasipoisson": families.Poisson,
}
_QUOTED = re.compile(r"""Q\(\s*(['"])(.*?)\1\s*\)""")


def resolve_family(family: str | Family) -> tuple[Family, str]:
    if isinstance(family, str):
        key = family.lower()
        if key not in _FAMILIES:
            raise ModelError(f"family {family!r} is not supported; use one of {sorted(_FAMILIES)}.")
        return _FAMILIES[key](), family_kind(_FAMILIES[key]())
    return family, family_kind(family)


def _unquote(text: str) -> str:
    return _QUOTED.sub(lambda m: f"`{m.group(2)}`", text).strip()


_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*")


def _expression_response(data: pd.DataFrame, text: str) -> np.ndarray:
    """Evaluate a response expression such as R's ``I(api00 > 700)`` or ``log(income)``.

    Rows where a column the expression reads is missing stay missing (a comparison
    with NaN would otherwise read as False).
    """
    expr = text[2:-1] if text.startswith("I(") and text.endswith(")") else text
    expr = expr.replace("^", "**")
    used = [c for c in dict.fromkeys(_IDENT.findall(expr)) if c in data.columns]
    if not used:
        check_columns(data, [text], "response")
    try:
        env = {"log": np.log, "exp": np.exp, "sqrt": np.sqrt, "abs": np.abs}
        env.update({c: data[c].to_numpy(dtype=np.float64, na_value=np.nan) for c in used})
        # a formula is code, as formulaic treats it; no builtins reach the expression
        values = eval(compile(expr, "<response>", "eval"), {"__builtins__": {}}, env)
    except Exception as error:
        raise ModelError(
            f"cannot evaluate the response {text!r}: {error}. Use a column, I(comparison) or "
            "arithmetic of numeric columns."
        ) from None
    y = np.asarray(values, dtype=np.float64).reshape(-1)
    if y.shape != (len(data),):
        raise ModelError(f"the response {text!r} does not give one value per row.")
    missing = data[used].isna().any(axis=1).to_numpy()
    return np.where(missing, np.nan, y)


def _response(data: pd.DataFrame, lhs: str, kind: str) -> np.ndarray:
    name = lhs.strip().strip("`")
    if name not in data.columns and any(ch in name for ch in "()<>=!+-*/^"):
        return _expression_response(data, name)
    check_columns(data, [name], "response")
    series = data[name]
    if is_categorical(series):
        levels = factor_levels(series)
        if len(levels) != 2 or kind != "binomial":
            raise ModelError(
                f"response {name!r} is categorical with {len(levels)} levels; a binomial model "
                "needs exactly two (the first level is coded 0), other families need numbers."
            )
        y = (series.to_numpy(dtype=object) == levels[1]).astype(np.float64)
        y[pd.isna(series).to_numpy()] = np.nan
        return np.asarray(y)
    return series.to_numpy(dtype=np.float64, na_value=np.nan)


def _plain_columns(data: pd.DataFrame, rhs: str) -> list[str] | None:
    """Column names when ``rhs`` is only ``a + b + ...`` of numeric columns (no formula work)."""
    terms = [t.strip() for t in rhs.split("+")]
    names = [t[1:-1] if len(t) > 1 and t[0] == t[-1] == "`" else t for t in terms]
    if not names or any("`" in n or n not in data.columns for n in names):
        return None
    if len(set(names)) != len(names):
        return None
    for name in names:
        series = data[name]
        if not pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series):
            return None
    return names


def design_matrix(
    design: SurveyDesign, formula: str, kind: str
) -> tuple[np.ndarray, np.ndarray, list[str], list[str]]:
    if "~" not in formula:
        raise ModelError(f"formula {formula!r} has no '~'; write 'response ~ predictors'.")
    lhs, rhs = _unquote(formula).split("~", 1)
    y = _response(design.data, lhs, kind)
    simple = _plain_columns(design.data, rhs)
    if simple is not None:
        columns = [design.data[c].to_numpy(dtype=np.float64, na_value=np.nan) for c in simple]
        x = np.column_stack([np.ones(len(design.data)), *columns])
        bad = np.isnan(y)
        for column in columns:  # column by column: no (n, p) boolean temporary
            bad |= np.isnan(column)
        return x, np.where(bad, np.nan, y), ["Intercept", *simple], [lhs.strip("` "), *simple]
    mm = build_model_matrix(design.data, rhs)
    predictors = sorted(mm.variables)
    raw_missing = design.data[predictors].isna().any(axis=1).to_numpy() if predictors else False
    bad = np.isnan(y) | np.isnan(mm.matrix).any(axis=1) | raw_missing
    return (
        mm.matrix,
        np.where(bad, np.nan, y),
        list(mm.names),
        [lhs.strip().strip("`"), *predictors],
    )
