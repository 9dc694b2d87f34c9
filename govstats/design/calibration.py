"""Calibration of survey weights: post-stratification, raking, GREG and bounded calibration.

Every function takes a :class:`~govstats.design.SurveyDesign` and returns a new one
whose analysis weights hit the population totals and whose ``calibration`` attribute
(a :class:`CalibrationInfo`) lets the linearization variance account for the
calibration exactly as R ``survey::svyrecvar`` does (:func:`residualize`). On a
replicate design every replicate is re-calibrated the same way, as R's methods for
``svyrep.design`` do.
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from govstats.design import _calibrate as _k
from govstats.design import _replicates as _replicates_kernels
from govstats.design.categorical import factorize_sorted, is_categorical
from govstats.design.model_matrix import build_model_matrix
from govstats.errors import ConvergenceError, DataError, DesignError, GovstatsWarning, ModelError

if TYPE_CHECKING:
    from govstats.design.replicates import Replicates
    from govstats.design.survey_design import SurveyDesign

__all__ = [
    "CalibrationInfo",
    "ConvergenceReport",
    "GregStep",
    "PostStratStep",
    "RakeStep",
    "calibrate",
    "poststratify",
    "rake",
    "recalibrate_replicates",
    "residualize",
]


@dataclass(frozen=True)
class ConvergenceReport:
    """How an iterative calibration ended.

    Attributes
    ----------
    method : str
        ``"rake"`` or the calibration function (``"linear"``, ``"raking"``, ``"logit"``).
    iterations : int
        Raking: sweeps counted as R counts them (sweeps before the converging one);
        calibration: Newton steps.
    max_change : float
        Raking: largest absolute change of a joint-table cell in the last sweep;
        calibration: largest relative misfit of a total.
    converged : bool
    """

    method: str
    iterations: int
    max_change: float
    converged: bool


@dataclass(frozen=True, eq=False)
class PostStratStep:
    """One post-stratification: cells, population counts, weights before and after."""

    variables: tuple[str, ...]
    levels: tuple[Any, ...]
    codes: np.ndarray
    population: np.ndarray
    old_weights: np.ndarray
    new_weights: np.ndarray


@dataclass(frozen=True, eq=False)
class RakeStep:
    """One raking: margins, their joint cells with the factors of the last sweep, sweeps made."""

    variables: tuple[str, ...]
    margin_codes: tuple[np.ndarray, ...]
    margin_levels: tuple[tuple[Any, ...], ...]
    populations: tuple[np.ndarray, ...]
    sweeps: int
    report: ConvergenceReport
    joint: _k.JointCells

    @property
    def margin_weights(self) -> tuple[np.ndarray, ...]:
        """Weights right after each margin's adjustment in the last sweep (R's ``raking``)."""
        return self.joint.margin_weights()


@dataclass(frozen=True, eq=False)
class GregStep:
    """One GREG / bounded calibration (R ``greg_calibration``).

    ``basis`` spans ``mm * sqrt(d)``; ``w = g * sqrt(d)``.
    """

    names: tuple[str, ...]
    mm: np.ndarray
    population: np.ndarray
    calfun: str
    bounds: tuple[float, float]
    tol: float
    max_iter: int
    basis: np.ndarray
    w: np.ndarray
    report: ConvergenceReport


Step = PostStratStep | RakeStep | GregStep


@dataclass(frozen=True, eq=False)
class CalibrationInfo:
    """Everything the variance and the replicates need to know about a calibration.

    Attributes
    ----------
    base_weights : ndarray, shape (n,)
        Weights before the first calibration step.
    steps : tuple
        The calibration steps in the order they were applied.
    """

    base_weights: np.ndarray
    steps: tuple[Step, ...] = field(default_factory=tuple)

    @property
    def reports(self) -> tuple[ConvergenceReport, ...]:
        """Convergence reports of the iterative steps (raking, bounded calibration)."""
        return tuple(s.report for s in self.steps if not isinstance(s, PostStratStep))

    def __repr__(self) -> str:
        kinds = ", ".join(type(s).__name__.removesuffix("Step").lower() for s in self.steps)
        return f"CalibrationInfo(steps=[{kinds}])"


# --------------------------------------------------------------------------- helpers


def _level_key(value: Any) -> str:
    """Level label used to match data values with population tables (1, 1.0 and "1" agree)."""
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    return str(value)


def _column(design: SurveyDesign, name: str, role: str) -> pd.Series:
    if name not in design.data.columns:
        raise DataError(
            f"{role} variable {name!r} is not a column of the data; available columns start "
            f"with {list(design.data.columns[:8])}. Fix the name or add the column"
        )
    col = design.data[name]
    if isinstance(col.dtype, np.dtype) and col.dtype.kind in "iub":
        return col  # numpy integers and booleans cannot hold a missing value
    missing = col.isna().to_numpy() & (design.weights_array != 0)
    if missing.any():
        raise DataError(
            f"{role} variable {name!r} is missing for {int(missing.sum())} rows; impute it or "
            "drop those rows before building the design"
        )
    return col


def _as_population(population: Any, name: str) -> dict[str, float]:
    """Turn a dict, Series or two-column frame of level totals into {level label: total}."""
    if isinstance(population, pd.DataFrame):
        if "Freq" not in population.columns or population.shape[1] != 2:
            raise DataError(
                f"population for {name!r} as a DataFrame needs the level column and 'Freq'; "
                f"got columns {list(population.columns)}"
            )
        other = next(c for c in population.columns if c != "Freq")
        items = list(zip(population[other], population["Freq"], strict=True))
    elif isinstance(population, pd.Series):
        items = list(population.items())
    elif isinstance(population, Mapping):
        items = list(population.items())
    else:
        raise DataError(
            f"population for {name!r} must be a dict, pandas Series or DataFrame of level "
            f"totals; got {type(population).__name__}"
        )
    out: dict[str, float] = {}
    for level, total in items:
        key = _level_key(level)
        try:
            value = float(total)
        except (TypeError, ValueError):
            raise DataError(
                f"population total for {name!r} level {level!r} is not a number: {total!r}"
            ) from None
        if not np.isfinite(value) or value < 0:
            raise DataError(
                f"population total for {name!r} level {level!r} must be finite and >= 0; "
                f"got {total!r}"
            )
        out[key] = out.get(key, 0.0) + value
    return out


def _row_keys(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Group code of every row and the level label of every group (one or more columns)."""
    column = frame.iloc[:, 0]
    if frame.shape[1] == 1 and isinstance(column.dtype, np.dtype) and column.dtype.kind in "iu":
        int_codes, int_uniques = factorize_sorted(column)  # integers: no NA, no hashing
        return int_codes, np.asarray([_level_key(v) for v in int_uniques], dtype=object)
    if frame.shape[1] == 1:
        codes, uniques = pd.factorize(column, use_na_sentinel=False)
        return np.asarray(codes, dtype=np.int64), np.asarray(
            [_level_key(v) for v in uniques], dtype=object
        )
    raw = frame.groupby(list(frame.columns), sort=False, dropna=False).ngroup().to_numpy()
    first = np.unique(raw, return_index=True)[1]
    labels = [
        _level_key(tuple(_level_key(v) for v in row))
        for row in frame.iloc[first].itertuples(index=False)
    ]
    return np.asarray(raw, dtype=np.int64), np.asarray(labels, dtype=object)


def _cells(
    design: SurveyDesign, name: str, population: Any, weights: np.ndarray
) -> tuple[np.ndarray, tuple[str, ...], np.ndarray]:
    """Codes of the data rows in the population cells, the levels and their totals."""
    column = _column(design, name, "post-stratification")
    raw, labels = _row_keys(column.to_frame())
    return _cells_from_keys(raw, labels, name, _as_population(population, name), weights)


def _cells_from_keys(
    raw: np.ndarray, labels: np.ndarray, name: str, pop: dict[str, float], weights: np.ndarray
) -> tuple[np.ndarray, tuple[str, ...], np.ndarray]:
    """Cells of the rows in the levels present in the data, and their population totals.

    The cells keep the data's level order (no pass over the rows to renumber them)
    unless rows outside the domain carry levels the population lacks; those rows are
    parked in cell 0.
    """
    everyone = bool((weights != 0).all())
    if everyone:  # the keys were read off the rows: every label occurs
        data_levels = {str(k) for k in labels}
    else:
        seen = np.bincount(
            np.where(weights != 0, raw, labels.shape[0]), minlength=labels.shape[0] + 1
        )
        data_levels = {str(k) for k in labels[np.flatnonzero(seen[: labels.shape[0]])]}
    absent = sorted(data_levels - {k for k, v in pop.items() if v > 0})
    if absent:
        raise DataError(
            f"levels {absent} of {name!r} occur in the data but have no (or a zero) total in "
            f"the population table (which has {sorted(pop)}); add their totals or recode the data"
        )
    empty = sorted(k for k, v in pop.items() if v > 0 and k not in data_levels)
    if empty:
        raise DataError(
            f"levels {empty} of {name!r} have population totals but no sampled rows; "
            "collapse them with a neighbouring level in both the data and the population"
        )
    keys = [str(k) for k in labels]
    if len(data_levels) == len(keys):  # every label is a cell: the row keys are the codes
        return raw, tuple(keys), np.array([pop[k] for k in keys])
    levels = tuple(k for k in pop if k in data_levels)
    index = {k: i for i, k in enumerate(levels)}
    # rows outside the domain (zero weight) may carry any level: park them in cell 0
    group_code = np.array([index.get(k, 0) for k in keys], dtype=np.int64)
    codes = group_code[raw] if raw.size else raw
    totals = np.array([pop[k] for k in levels])
    return codes, levels, totals


def _info(design: SurveyDesign) -> CalibrationInfo:
    current = design.calibration
    if current is None:
        return CalibrationInfo(np.asarray(design.weights_array, dtype=float).copy(), ())
    if not isinstance(current, CalibrationInfo):
        raise DesignError(f"the design's calibration has an unknown type {type(current).__name__}")
    return current


def _finish(design: SurveyDesign, weights: np.ndarray, step: Step) -> SurveyDesign:
    info = _info(design)
    new_info = CalibrationInfo(info.base_weights, (*info.steps, step))
    reps = design.replicates
    if reps is not None:
        reps = _recalibrate_block(reps, design.weights_array, (step,), final_weights=weights)
    return design.with_weights(weights, calibration=new_info, replicates=reps)


# --------------------------------------------------------------------------- public API


#: Population counts of the levels of a variable: ``{level: count}``, a Series indexed
#: by level, or a frame with the level column(s) and ``Freq`` (R's convention).
LevelTotals = Mapping[object, float] | pd.Series | pd.DataFrame
#: Calibration totals: ``{column or model-matrix name: total}`` (numeric variables) or
#: ``{variable: LevelTotals}`` (categorical ones), or a Series of totals.
PopulationTotals = Mapping[str, float | LevelTotals] | pd.Series


def poststratify(
    design: SurveyDesign, variable: str | Sequence[str], population: LevelTotals
) -> SurveyDesign:
    """Post-stratify the weights to known population counts, as R ``postStratify``.

    Parameters
    ----------
    design : SurveyDesign
    variable : str or list of str
        Post-stratification variable(s); several variables are crossed (their
        population is then a DataFrame with those columns and ``Freq``, or a dict /
        Series keyed by tuples).
    population : dict, pandas Series or DataFrame
        Population count of every level (e.g. from a census table).

    Returns
    -------
    SurveyDesign
        Weights ``w_i N_c / N_hat_c`` in cell ``c``; the variance subtracts the
        post-stratum means (R ``svyrecvar``).

    Raises
    ------
    DataError
        A level in the data is absent from the population, a populated level has no
        sampled rows, the variable is missing or has missing values.

    References
    ----------
    Lumley, T. (2010) Complex Surveys, ch. 7. R: ``postStratify(design, ~stype, pop)``.

    Examples
    --------
    >>> import pandas as pd
    >>> from govstats.design import SurveyDesign
    >>> df = pd.DataFrame({"g": ["a", "a", "b"], "y": [1.0, 2.0, 3.0], "w": [1.0, 1.0, 1.0]})
    >>> ps = poststratify(SurveyDesign(df, weights="w"), "g", {"a": 10, "b": 5})
    >>> ps.weights_array.tolist()
    [5.0, 5.0, 5.0]
    """
    names = (variable,) if isinstance(variable, str) else tuple(variable)
    weights = np.asarray(design.weights_array, dtype=float)
    if len(names) == 1:
        codes, levels, totals = _cells(design, names[0], population, weights)
    else:
        cross = " x ".join(names)
        for n in names:
            _column(design, n, "post-stratification")
        if isinstance(population, pd.DataFrame):
            rows = population[[*names, "Freq"]].itertuples(index=False)
            items = [(tuple(row[:-1]), row[-1]) for row in rows]
        else:
            items = list(dict(population).items())
        pop_map: dict[str, float] = {}
        for level, total in items:
            key = _level_key(tuple(_level_key(v) for v in level))
            pop_map[key] = pop_map.get(key, 0.0) + float(total)
        raw, labels = _row_keys(design.data[list(names)])
        codes, levels, totals = _cells_from_keys(raw, labels, cross, pop_map, weights)
    new_w = _k.poststratify_weights(codes, weights, totals)
    step = PostStratStep(names, levels, codes, totals, weights, new_w)
    return _finish(design, new_w, step)


def rake(
    design: SurveyDesign,
    margins: Mapping[str, LevelTotals],
    *,
    max_iter: int = 10,
    tol: float = 1.0,
    margin_rtol: float = 1e-6,
) -> SurveyDesign:
    """Rake the weights to several one-way margins, as R ``rake()``.

    Parameters
    ----------
    design : SurveyDesign
    margins : dict
        ``{variable: population totals}``, each a dict or pandas Series of level totals
        (e.g. straight from a census table).
    max_iter : int, default 10
        Maximum sweeps (R ``control$maxit``).
    tol : float, default 1
        Convergence criterion, R's ``control$epsilon``: stop when no cell of the
        weighted joint table of the margin variables changes by ``tol`` or more in a
        sweep; ``tol < 1`` is relative to the sum of the weights.
    margin_rtol : float, default 1e-6
        Relative tolerance for the grand totals of the margins to agree.

    Returns
    -------
    SurveyDesign
        Raked weights; ``design.calibration.reports`` holds the convergence report.
        The variance makes R's 10 fixed projection sweeps.

    Raises
    ------
    DataError
        Margin totals disagree, or a level is absent from data or population.
    ConvergenceError
        Not converged after ``max_iter`` sweeps.

    Examples
    --------
    >>> import pandas as pd
    >>> from govstats.design import SurveyDesign
    >>> df = pd.DataFrame({"a": ["x", "x", "y", "y"], "b": ["u", "v", "u", "v"], "w": [1.0] * 4})
    >>> r = rake(SurveyDesign(df, weights="w"), {"a": {"x": 6, "y": 4}, "b": {"u": 5, "v": 5}})
    >>> round(float(r.weights_array.sum()), 6)
    10.0
    """
    if not margins:
        raise DataError("rake() needs at least one margin: {variable: {level: total}}")
    weights = np.asarray(design.weights_array, dtype=float)
    names = tuple(margins)
    parsed = [_cells(design, n, margins[n], weights) for n in names]
    grand = np.array([p[2].sum() for p in parsed])
    if np.max(np.abs(grand - grand[0])) > margin_rtol * np.max(np.abs(grand)):
        listing = ", ".join(f"{n}: {g:.10g}" for n, g in zip(names, grand, strict=True))
        raise DataError(
            f"the margins do not add up to the same population total ({listing}); raking "
            "cannot satisfy all of them. Use margins from the same source or rescale them, or "
            "raise margin_rtol= if the gap is rounding"
        )
    joint = parsed[0][0]
    n_joint = len(parsed[0][1])
    sizes = [len(levels) for _, levels, _ in parsed]
    mixed_radix = True
    for codes, levels, _ in parsed[1:]:
        joint = joint * len(levels) + codes
        n_joint *= len(levels)
        if n_joint > 4 * joint.shape[0] + 1024:  # sparse: number the combinations present
            joint = pd.factorize(joint)[0].astype(np.int64)
            n_joint = int(joint.max()) + 1
            mixed_radix = False
    cells = None
    if mixed_radix:  # the cell of every margin follows from the joint cell's digits
        strides = np.cumprod([1, *sizes[::-1]])[::-1][1:]
        cells = [(np.arange(n_joint) // st) % sz for st, sz in zip(strides, sizes, strict=True)]
    eps = tol * float(weights.sum()) if tol < 1 else float(tol)
    res = _k.rake_weights(
        [p[0] for p in parsed],
        [p[2] for p in parsed],
        weights,
        joint,
        n_joint,
        max_iter,
        eps,
        cells,
    )
    report = ConvergenceReport("rake", res.iterations, res.max_change, res.converged)
    if not res.converged:
        raise ConvergenceError(
            f"raking on {list(names)} did not converge in {max_iter} sweeps (largest change of a "
            f"cell {res.max_change:.4g}, tol {eps:.4g}); increase max_iter, loosen tol, "
            "or collapse sparse levels"
        )
    _check_margins_met(names, parsed, res, eps)
    sweeps = res.iterations + 1
    step = RakeStep(
        names,
        tuple(p[0] for p in parsed),
        tuple(p[1] for p in parsed),
        tuple(p[2] for p in parsed),
        sweeps,
        report,
        res.joint,
    )
    return _finish(design, res.weights, step)


def _check_margins_met(
    names: Sequence[str],
    parsed: Sequence[tuple[np.ndarray, Sequence[Any], np.ndarray]],
    res: _k.RakeResult,
    eps: float,
) -> None:
    """Refuse a raking that stopped changing while still missing a margin.

    R's stopping rule looks only at the change of the joint table between sweeps;
    margins that contradict each other in the sample (an empty cell of their joint
    table) make it stop with the last margin met and the others missed. The margins
    achieved are sums of the raked joint-cell totals, not another pass over the rows.
    """
    grand = float(res.cell_totals.sum())
    allowed = min(eps, 1e-3 * abs(grand))
    cells = res.joint.margin_cells
    for name, (_, levels, population), cell in zip(names, parsed, cells, strict=True):
        achieved = np.bincount(cell, weights=res.cell_totals, minlength=len(population))
        miss = np.abs(achieved - population)
        worst = int(np.argmax(miss))
        if miss[worst] > allowed:
            raise ConvergenceError(
                f"raking stopped changing the weights but misses margin {name!r}: level "
                f"{levels[worst]!r} totals {achieved[worst]:.6g} against the population's "
                f"{population[worst]:.6g}. The margins contradict each other in this sample "
                "(some combination of their levels has no rows); collapse levels or check "
                "the margins."
            )


def _warn_negative(weights: np.ndarray) -> None:
    """Warn when calibration made weights negative (R accepts them without a word)."""
    negative = weights < 0
    if negative.any():
        warnings.warn(
            f"calibration made {int(negative.sum())} weights negative (smallest "
            f"{float(weights.min()):.4g}): the totals are met, but negative weights give "
            "negative counts in small domains and cannot fit a GLM. Pass bounds, e.g. "
            "bounds=(0, float('inf')) or bounds=(0.5, 3), to keep them positive.",
            GovstatsWarning,
            stacklevel=3,
        )


def _model_matrix(design: SurveyDesign, formula: str) -> tuple[np.ndarray, list[str], list[str]]:
    """Calibration model matrix from the one builder; R's and formulaic's column names."""
    mm = build_model_matrix(design.data, formula)
    for name in mm.variables:
        _column(design, name, "calibration")  # present and complete where weighted
    if not mm.names:
        raise DataError(f"calibration formula {formula!r} has no terms")
    return np.where(np.isnan(mm.matrix), 0.0, mm.matrix), list(mm.r_names), list(mm.names)


def _margin_model(
    design: SurveyDesign, totals: Mapping[str, Any]
) -> tuple[np.ndarray, list[str], np.ndarray]:
    """Model matrix and totals when no formula is given: one entry per variable."""
    cols: list[np.ndarray] = []
    names: list[str] = []
    pop: list[float] = []
    n = len(design.data)
    for key, value in totals.items():
        if key in ("(Intercept)", "Intercept"):
            cols.append(np.ones(n))
            names.append("(Intercept)")
            pop.append(float(value))
            continue
        col = _column(design, key, "calibration")
        if isinstance(value, (Mapping, pd.Series, pd.DataFrame)):
            level_totals = _as_population(value, key)
            raw, group_labels = _row_keys(design.data[[key]])
            labels = group_labels[raw]
            absent = sorted(set(group_labels.tolist()) - set(level_totals))
            if absent:
                raise DataError(
                    f"levels {absent} of {key!r} occur in the data but not in the population "
                    "totals; add their totals or recode the data"
                )
            for level, total in level_totals.items():
                cols.append((labels == level).astype(float))
                names.append(f"{key}{level}")
                pop.append(total)
        else:
            if is_categorical(col):
                raise DataError(
                    f"calibration variable {key!r} is categorical; give its population totals "
                    "as a dict or Series of level totals"
                )
            cols.append(pd.to_numeric(col).to_numpy(dtype=float))
            names.append(key)
            pop.append(float(value))
    return np.column_stack(cols), names, np.asarray(pop)


def calibrate(
    design: SurveyDesign,
    population_totals: PopulationTotals,
    *,
    formula: str | None = None,
    method: str = "linear",
    bounds: tuple[float, float] | None = None,
    max_iter: int = 50,
    tol: float = 1e-7,
) -> SurveyDesign:
    """Calibrate the weights to population totals (GREG, raking or logit), as R ``calibrate``.

    Parameters
    ----------
    design : SurveyDesign
    population_totals : dict or pandas Series
        With ``formula``: a total per model-matrix column, named as R names them
        (``"(Intercept)"``, ``"stypeH"``, ``"api99"``). Without: ``{variable: total}``
        for numeric variables, ``{variable: {level: total}}`` for categorical ones,
        optionally ``"(Intercept)"``.
    formula : str, optional
        Main-effects formula such as ``"~stype + api99"`` (R treatment coding).
    method : {"linear", "raking", "logit"}
        R's ``calfun``.
    bounds : (float, float), optional
        Bounds on the calibration factors ``g``; required for ``"logit"``.
    max_iter : int, default 50
        Newton iterations (R ``maxit``).
    tol : float, default 1e-7
        Convergence criterion, R's ``epsilon``: stop when every calibrated total
        ``T`` is within ``tol * (1 + |T|)`` of its population total.

    Returns
    -------
    SurveyDesign
        Calibrated weights ``d g``. The variance uses the residuals of the
        ``sqrt(d)``-weighted projection on the calibration variables (R
        ``greg_calibration``).

    Raises
    ------
    DataError
        A calibration variable is missing or a total is missing / unexpected.
    ConvergenceError
        The bounds cannot be met or the iteration does not converge.

    Notes
    -----
    Without bounds the linear method is the closed-form GREG
    ``g = 1 + x'(sum d x x')^{-1}(X - X_hat)``; otherwise Newton steps solve
    ``sum d F(x'eta) x = X``.

    References
    ----------
    Deville, J.-C. and Särndal, C.-E. (1992) Calibration estimators in survey sampling.
    JASA 87, 376-382. R: ``calibrate(design, ~stype + api99, pop, calfun="linear")``.

    Examples
    --------
    >>> import pandas as pd
    >>> from govstats.design import SurveyDesign
    >>> df = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0], "w": [2.0] * 4})
    >>> cal = calibrate(SurveyDesign(df, weights="w"), {"(Intercept)": 10, "x": 30}, formula="~x")
    >>> round(float((cal.weights_array * df["x"]).sum()), 8)
    30.0
    """
    if method not in ("linear", "raking", "logit"):
        raise DataError(
            f"unknown calibration method {method!r}; choose 'linear', 'raking' or 'logit'"
        )
    if formula is not None:
        mm, names, spelled = _model_matrix(design, formula)
        given = {str(k): v for k, v in dict(population_totals).items()}
        # a total may be named as R names the column (stypeH) or as formulaic (stype[T.H])
        keys = [r if r in given else f for r, f in zip(names, spelled, strict=True)]
        missing = [n for n, k in zip(names, keys, strict=True) if k not in given]
        extra = [k for k in given if k not in keys]
        if missing or extra:
            raise DataError(
                f"population totals do not match the calibration model {names}: missing "
                f"{missing}, unexpected {extra}. Name totals as the model columns (R's names "
                f"{names} or formulaic's {spelled})"
            )
        pop = np.array([float(given[k]) for k in keys])
    else:
        mm, names, pop = _margin_model(design, dict(population_totals))
    unusable = [n for n, v in zip(names, pop, strict=True) if not np.isfinite(v)]
    if unusable:
        raise DataError(
            f"population totals of {unusable} are missing or infinite; give a finite total "
            "for every calibration variable (or drop the variable from the model)"
        )
    weights = np.asarray(design.weights_array, dtype=float)
    sample_total = mm.T @ weights
    drop = (sample_total == 0) & (pop == 0) & np.all(mm == 0, axis=0)
    if drop.any():
        mm, pop = mm[:, ~drop], pop[~drop]
        names = [n for n, d in zip(names, drop, strict=True) if not d]
    lo, hi = (-np.inf, np.inf) if bounds is None else (float(bounds[0]), float(bounds[1]))
    if not lo < 1.0 < hi:
        raise DataError(f"calibration bounds must satisfy lower < 1 < upper; got {bounds}")
    if method == "logit" and not (np.isfinite(lo) and np.isfinite(hi)):
        raise DataError("logit calibration needs finite bounds, e.g. bounds=(0.5, 2.0)")
    whalf = np.sqrt(weights)
    if method == "linear" and np.isinf(lo) and np.isinf(hi):
        basis_mm = _k.qr_basis(mm)
        ones = np.ones(mm.shape[0])
        if np.max(np.abs(ones - basis_mm @ (basis_mm.T @ ones))) > 1e-7:
            raise ModelError(
                "linear calibration needs a constant in the model (an intercept or a full set "
                "of levels of one categorical variable); add '(Intercept)' to the totals"
            )
        try:
            g = _k.linear_greg(mm, weights, pop)
        except np.linalg.LinAlgError:
            raise ModelError(
                f"calibration variables {names} are collinear in the sample; drop redundant totals"
            ) from None
        report = ConvergenceReport(
            "linear", 1, float(np.max(np.abs(mm.T @ (weights * g) - pop) / (1 + np.abs(pop)))), True
        )
    else:
        g, iterations, misfit = _k.grake(mm, weights, method, (lo, hi), pop, tol, max_iter)
        report = ConvergenceReport(method, iterations, misfit, True)
    _warn_negative(weights * g)
    basis = _k.qr_basis(mm * whalf[:, None])
    step = GregStep(
        tuple(names), mm, pop, method, (lo, hi), tol, max_iter, basis, g * whalf, report
    )
    return _finish(design, weights * g, step)


# --------------------------------------------------------------------------- variance


def residualize(calibration: CalibrationInfo, weighted_scores: np.ndarray) -> np.ndarray:
    """Residuals of weighted scores after calibration, as R ``svyrecvar``'s postStrata branch.

    Parameters
    ----------
    calibration : CalibrationInfo
        ``design.calibration``.
    weighted_scores : ndarray, shape (n,) or (n, p)
        Influence values already multiplied by the analysis weights (zero outside a domain).

    Returns
    -------
    ndarray, same shape
        Steps are undone in the order they were applied: post-stratification subtracts
        ``new_w * (old-weighted cell mean of x / new_w)``; raking makes 10 sweeps of
        ``x - psw * ave(x / psw, margin)``; GREG takes ``qr.resid(qr(mm sqrt(d)), x / w) * w``.
    """
    x = np.asarray(weighted_scores, dtype=float)
    one_d = x.ndim == 1
    out = x[:, None] if one_d else x
    for step in calibration.steps:
        if isinstance(step, PostStratStep):
            out = _k.resid_poststrat(
                out, step.codes, step.population.shape[0], step.new_weights, step.old_weights
            )
        elif isinstance(step, RakeStep):
            n_cells = [pop.shape[0] for pop in step.populations]
            out = _k.resid_raking_cells(out, n_cells, step.joint)
        else:
            out = _k.resid_greg(out, step.basis, step.w)
    return out[:, 0] if one_d else out


# --------------------------------------------------------------------------- replicates


def _apply_steps(block: np.ndarray, steps: Sequence[Step]) -> np.ndarray:
    """Re-run calibration steps on an ``(n, c)`` block of replicate weights."""
    w = block
    for step in steps:
        if isinstance(step, PostStratStep):
            w = _k.poststratify_weights(step.codes, w, step.population)
        elif isinstance(step, RakeStep):
            w = _k.rake_sweeps(step.margin_codes, step.populations, w, step.sweeps)
        elif step.calfun == "linear" and np.isinf(step.bounds[0]) and np.isinf(step.bounds[1]):
            w = w * _k.linear_greg(step.mm, w, step.population)
        else:
            out = np.empty_like(w)
            for j in range(w.shape[1]):
                g, _, _ = _k.grake(
                    step.mm,
                    w[:, j],
                    step.calfun,
                    step.bounds,
                    step.population,
                    step.tol,
                    step.max_iter,
                )
                out[:, j] = w[:, j] * g
            w = out
    return w


def _cell_margins(steps: Sequence[Step]) -> list[tuple[np.ndarray, int]] | None:
    """(row codes, number of cells) of every margin of cell-wise steps; None with a GREG step."""
    margins: list[tuple[np.ndarray, int]] = []
    for step in steps:
        if isinstance(step, PostStratStep):
            margins.append((step.codes, step.population.shape[0]))
        elif isinstance(step, RakeStep):
            margins.extend(
                (codes, pop.shape[0])
                for codes, pop in zip(step.margin_codes, step.populations, strict=True)
            )
        else:
            return None
    return margins


def _recalibrate_cells(
    reps: Replicates,
    start_weights: np.ndarray,
    final_weights: np.ndarray,
    steps: Sequence[Step],
    margins: list[tuple[np.ndarray, int]],
) -> Replicates | None:
    """Re-calibrate cell-wise steps on the table of joint cells, per replicate.

    Post-stratification and raking multiply every row of a joint calibration cell
    (one cell of the cross-classification of every margin) by the same factor. So the
    steps are re-run on the (cells, R) table of replicate start totals
    ``T[J, r] = sum_psu F[psu, r] M[J, psu]`` (``M``: start totals per cell and PSU),
    and the design keeps the PSU factors plus one adjustment per cell and replicate
    (``cell_factors``), never an (n, R) weight matrix. None when the (cells x PSUs)
    table would be too large (the caller then builds row weights).
    """
    assert reps.factors is not None
    n = start_weights.shape[0]
    joint = np.zeros(n, dtype=np.int64)
    n_joint = 1
    extra = []
    if reps.cell_index is not None and reps.cell_factors is not None:
        extra = [(reps.cell_index, reps.cell_factors.shape[0])]  # an earlier calibration
    for codes, n_cells in [*extra, *margins]:
        joint = joint * n_cells + codes
        n_joint *= n_cells
        if n_joint > 1 << 40:
            joint, _ = _replicates_kernels.dense_codes(joint)
            n_joint = int(joint.max()) + 1
    joint, _ = _replicates_kernels.dense_codes(joint)
    n_joint = int(joint.max()) + 1
    n_psu = reps.factors.shape[0]
    if n_joint * n_psu > 50_000_000:
        return None
    cells_of_joint = _k.margin_cells_of_joint([c for c, _ in [*extra, *margins]], joint, n_joint)
    table = np.bincount(
        joint * n_psu + reps.psu_index, weights=start_weights, minlength=n_joint * n_psu
    ).reshape(n_joint, n_psu)
    start_table = table @ reps.factors  # (n_joint, R)
    if extra:
        assert reps.cell_factors is not None
        start_table *= reps.cell_factors[cells_of_joint[0]]
    calibrated = start_table
    position = len(extra)
    for step in steps:
        if isinstance(step, PostStratStep):
            calibrated = _k.poststratify_weights(
                cells_of_joint[position], calibrated, step.population
            )
            position += 1
        else:
            assert isinstance(step, RakeStep)
            used = cells_of_joint[position : position + len(step.margin_codes)]
            calibrated = _k.rake_sweeps(used, step.populations, calibrated, step.sweeps)
            position += len(step.margin_codes)
    start_cells = np.bincount(joint, weights=start_weights, minlength=n_joint)
    final_cells = np.bincount(joint, weights=final_weights, minlength=n_joint)
    with np.errstate(divide="ignore", invalid="ignore"):
        # replicate weight / full-sample weight in every cell: the re-calibration of
        # the replicate over that of the full sample (and any earlier adjustment)
        adjust = np.where(start_table > 0, calibrated / start_table, 0.0)
        if extra:
            assert reps.cell_factors is not None
            adjust *= reps.cell_factors[cells_of_joint[0]]
        full = np.where(final_cells > 0, start_cells / final_cells, 0.0)
    cell_factors = adjust * full[:, None]
    out = dataclasses.replace(
        reps,
        psu_factors=None,
        row_weights=None,
        cell_index=joint,
        cell_factors=cell_factors,
        cell_psu_factors=reps.factors,
    )
    # R recomputes degf() as the rank of the new replicate weights, over the units
    # (PSU x cell) that keep a row of positive start weight
    _, unit_psu, unit_cell = out._units
    keep = np.bincount(out.unit_index, weights=start_weights, minlength=out.n_units) > 0
    df = _replicates_kernels.product_rank_df(
        reps.factors, cell_factors, unit_psu[keep], unit_cell[keep]
    )
    return replace(out, df=df)


def _recalibrate_block(
    reps: Replicates,
    start_weights: np.ndarray,
    steps: Sequence[Step],
    chunk: int = 64,
    final_weights: np.ndarray | None = None,
) -> Replicates:
    margins = _cell_margins(steps)
    if margins is not None and reps.factors is not None and final_weights is not None:
        cells = _recalibrate_cells(reps, start_weights, final_weights, steps, margins)
        if cells is not None:
            return cells
    blocks = [_apply_steps(w, steps) for _, w in reps.weight_chunks(start_weights, chunk)]
    row_weights = np.hstack(blocks)
    df = reps.df
    if any(not isinstance(step, GregStep) for step in steps):
        # R's postStratify()/rake() on a replicate design recompute degf() as the rank of
        # the new replicate weights (calibrate() keeps the old one). The rank is that of
        # the distinct rows of replicate factors (a row's weight only scales its row).
        used = start_weights > 0
        factors = row_weights[used] / start_weights[used, None]
        df = _replicates_kernels.rank_df(_distinct_rows(factors))
    return dataclasses.replace(reps, psu_factors=None, row_weights=row_weights, df=df)


def _distinct_rows(factors: np.ndarray) -> np.ndarray:
    """One row per distinct row of replicate factors (equal up to rounding), for ranks.

    Rows of a PSU and calibration cell share their factors, so a large sample has few
    distinct rows; they are found from a fixed projection rounded to 10 significant
    digits (no sort of the whole matrix).
    """
    direction = 1.0 + np.arange(factors.shape[1]) / factors.shape[1]
    key = factors @ direction
    scale = np.max(np.abs(key)) if key.size else 1.0
    _, first = np.unique(np.round(key / (scale or 1.0), 10), return_index=True)
    return factors[np.sort(first)]


def recalibrate_replicates(design: SurveyDesign, reps: Replicates) -> Replicates:
    """Re-calibrate every replicate of a calibrated design (R: calibration on ``svyrep.design``).

    The replicate factors are applied to the weights before calibration, then every
    calibration step is repeated on each replicate (post-stratification, the same
    number of raking sweeps, GREG / bounded calibration). Post-stratification and
    raking keep per-unit factors (unit = PSU within a joint calibration cell, see
    ``Replicates.psu_index``); a GREG step gives explicit ``row_weights`` ``(n, R)``.
    """
    info = _info(design)
    return _recalibrate_block(
        reps, info.base_weights, info.steps, final_weights=np.asarray(design.weights_array)
    )
