"""Design-based tests: Rao–Scott and Wald tests of a two-way table, t tests, Wald tests of terms.

The counterparts of R ``svychisq``, ``svyttest`` and ``regTermTest``. Every test is a
function of design-based estimates (cell proportions or totals, model coefficients)
and their design covariance, so it holds for linearization, replicate and calibrated
designs alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeAlias, cast

import numpy as np
import pandas as pd
from scipy import stats

from govstats.design._formula import canonical_term, model_rhs, split_formula
from govstats.design._glm_frame import design_matrix as _design_matrix
from govstats.design._glm_frame import resolve_family as _family
from govstats.design._irls import deviance, irls
from govstats.design._structure import check_columns
from govstats.design.categorical import factor_levels, is_categorical
from govstats.design.inference import check_level, t_interval
from govstats.design.model_matrix import rename
from govstats.errors import DataError, ModelError

if TYPE_CHECKING:
    from govstats.design.glm import GLMResult
    from govstats.design.olr import OLRResult
    from govstats.design.survey_design import SurveyDesign

#: Values of the tested coefficients under the null hypothesis (default zero).
NullValues: TypeAlias = float | Sequence[float] | np.ndarray | None

__all__ = ["ChisqTest", "TTest", "WaldTest", "svychisq", "svyttest", "wald_test"]

STATISTICS = ("F", "Chisq", "Wald", "adjWald")


@dataclass(frozen=True)
class ChisqTest:
    """A test of independence in a two-way table (R ``svychisq``).

    Attributes
    ----------
    statistic : float
        ``F`` for ``"F"``, ``"Wald"`` and ``"adjWald"``; Pearson's ``X^2`` (of the
        weighted table scaled to the sample size, as R) for ``"Chisq"``.
    ndf, ddf : float or None
        Numerator and denominator degrees of freedom of the F reference (None for "Chisq").
    df : float or None
        Degrees of freedom of the chi-square reference ("Chisq" only).
    p_value : float
    method : str
        Which statistic (``"F"``, ``"Chisq"``, ``"Wald"``, ``"adjWald"``).
    pearson : float
        Pearson's ``X^2`` of the weighted table scaled to the sample size.
    design_effects : ndarray
        Eigenvalues of R's ``Delta`` matrix (generalised design effects; Rao–Scott only).
    estimate : float
        The statistic (as in :meth:`to_frame`); ``se`` and ``conf_level`` are NaN (a
        test has no interval).

    Examples
    --------
    >>> import pandas as pd
    >>> from govstats.design import SurveyDesign
    >>> df = pd.DataFrame({"a": ["x", "y", "x", "y", "x", "x"], "b": [0, 1, 1, 1, 0, 0]})
    >>> test = SurveyDesign(df).chisq("a", "b")
    >>> test.method, test.to_frame()["term"].tolist()
    ('F', ['independence'])
    """

    statistic: float
    ndf: float | None
    ddf: float | None
    df: float | None
    p_value: float
    method: str
    pearson: float
    design_effects: np.ndarray

    @property
    def estimate(self) -> float:
        """The statistic."""
        return self.statistic

    @property
    def se(self) -> float:
        """NaN: a test statistic has no standard error."""
        return float("nan")

    @property
    def conf_level(self) -> float:
        """NaN: a test has no interval."""
        return float("nan")

    def to_frame(self, *, names: str = "formulaic") -> pd.DataFrame:
        """Return one row: ``term, estimate`` (the statistic), NaN ``se`` and limits, ``df``.

        Then ``statistic, ndf, ddf, p_value, method``; ``df`` is the chi-square df
        ("Chisq"; NaN otherwise), ``ndf``/``ddf`` those of the F reference.
        """
        return pd.DataFrame(
            [
                {
                    "term": "independence",
                    "estimate": self.statistic,
                    "se": np.nan,
                    "ci_low": np.nan,
                    "ci_high": np.nan,
                    "df": np.nan if self.df is None else float(self.df),
                    "statistic": self.statistic,
                    "ndf": np.nan if self.ndf is None else float(self.ndf),
                    "ddf": np.nan if self.ddf is None else float(self.ddf),
                    "p_value": self.p_value,
                    "method": self.method,
                }
            ]
        )

    def summary(self) -> str:
        """Return the test as text (R ``svychisq`` prints the same numbers)."""
        return f"Design-based test of independence: {self!r}"

    def _repr_html_(self) -> str:
        return self.to_frame().to_html(index=False)

    def __repr__(self) -> str:
        dfs = (
            f"df={self.df:g}" if self.df is not None else f"ndf={self.ndf:.4g}, ddf={self.ddf:.4g}"
        )
        return (
            f"ChisqTest({self.method}: statistic={self.statistic:.6g}, {dfs}, p={self.p_value:.4g})"
        )


@dataclass(frozen=True)
class TTest:
    """A design-based t test (R ``svyttest``).

    Attributes
    ----------
    estimate : float
        Difference of the means (second group minus first; for a 0/1 or 1/2 group:
        the higher code minus the lower), or the mean in a one-sample test.
    se, statistic, df, p_value : float
        Standard error, ``t = estimate / se``, degrees of freedom (the model's
        residual df; one sample: design df - 1) and the two-sided p value.
    ci_low, ci_high : float
        t interval at ``conf_level``.
    conf_level : float

    Examples
    --------
    >>> import pandas as pd
    >>> from govstats.design import SurveyDesign
    >>> df = pd.DataFrame({"y": [1.0, 2, 3, 4, 5, 7], "g": [0, 0, 0, 1, 1, 1]})
    >>> test = SurveyDesign(df).ttest("y", by="g")
    >>> round(test.estimate, 4), test.to_frame()["term"].tolist()
    (3.3333, ['difference'])
    """

    estimate: float
    se: float
    statistic: float
    df: float
    p_value: float
    ci_low: float
    ci_high: float
    conf_level: float = 0.95

    def to_frame(self, *, names: str = "formulaic") -> pd.DataFrame:
        """Return one row: ``term, estimate, se, ci_low, ci_high, df, t, p_value``.

        ``names`` is accepted as by every model table (the row is the difference).
        """
        return pd.DataFrame(
            [
                {
                    "term": "difference",
                    "estimate": self.estimate,
                    "se": self.se,
                    "ci_low": self.ci_low,
                    "ci_high": self.ci_high,
                    "df": float(self.df),
                    "t": self.statistic,
                    "p_value": self.p_value,
                }
            ]
        )

    def summary(self) -> str:
        """Return the test as text."""
        return (
            f"Design-based t test: difference {self.estimate:.6g} (se {self.se:.6g}), "
            f"t = {self.statistic:.4g}, df = {self.df:g}, p = {self.p_value:.4g}; "
            f"{self.conf_level:.0%} interval [{self.ci_low:.6g}, {self.ci_high:.6g}]"
        )

    def _repr_html_(self) -> str:
        return self.to_frame().to_html(index=False)


@dataclass(frozen=True)
class WaldTest:
    """A Wald test that a set of model coefficients are zero (R ``regTermTest``).

    Attributes
    ----------
    F : float
        ``beta' V^{-1} beta / df``.
    chisq : float
        ``beta' V^{-1} beta``.
    df, ddf : float
        Numerator df (number of coefficients tested) and denominator df (the
        model's residual df).
    p_value : float
    terms : tuple of str
    coefficients : tuple of str
        The coefficients tested.
    estimate : float
        ``F`` (as in :meth:`to_frame`); ``se`` and ``conf_level`` are NaN (a test has
        no interval).

    Examples
    --------
    >>> import pandas as pd
    >>> from govstats.design import SurveyDesign
    >>> df = pd.DataFrame({"y": [1.0, 2.0, 2.5, 4.0, 3.0, 5.5], "x": [0.0, 1, 2, 3, 4, 5]})
    >>> test = SurveyDesign(df).glm("y ~ x").wald_test("x")
    >>> test.to_frame()[["term", "estimate", "df", "ddf"]].round(4).values.tolist()
    [['x', 28.9917, 1.0, 4.0]]
    """

    F: float
    chisq: float
    df: float
    ddf: float
    p_value: float
    terms: tuple[str, ...]
    coefficients: tuple[str, ...]

    @property
    def estimate(self) -> float:
        """The F statistic."""
        return self.F

    @property
    def se(self) -> float:
        """NaN: a test statistic has no standard error."""
        return float("nan")

    @property
    def conf_level(self) -> float:
        """NaN: a test has no interval."""
        return float("nan")

    def to_frame(self, *, names: str = "formulaic") -> pd.DataFrame:
        """Return one row: ``term`` (the terms tested), ``estimate`` (F), NaN ``se`` and limits.

        Then ``df`` (numerator), ``ddf``, ``F``, ``chisq``, ``p_value``. ``names`` is
        accepted as by every model table (terms are spelled as in the formula).
        """
        return pd.DataFrame(
            [
                {
                    "term": " + ".join(self.terms),
                    "estimate": self.F,
                    "se": np.nan,
                    "ci_low": np.nan,
                    "ci_high": np.nan,
                    "df": float(self.df),
                    "ddf": float(self.ddf),
                    "F": self.F,
                    "chisq": self.chisq,
                    "p_value": self.p_value,
                }
            ]
        )

    def summary(self) -> str:
        """Return the test as text (R ``regTermTest``)."""
        return (
            f"Wald test for {', '.join(self.terms)}: F = {self.F:.6g} on {self.df:g} and "
            f"{self.ddf:g} df, p = {self.p_value:.4g}"
        )

    def _repr_html_(self) -> str:
        return self.to_frame().to_html(index=False)


# ---------------------------------------------------------------- estimates with covariance
def totals_and_vcov(
    design: SurveyDesign, values: np.ndarray, used: np.ndarray, *, mean: bool
) -> tuple[np.ndarray, np.ndarray]:
    """Weighted totals (or means) of ``values`` over the rows ``used``, and their covariance.

    Linearization designs: the influence values ``w z`` (means: ``w (z - m) / W``)
    go to R's ``svyrecvar`` with the rows outside ``used`` as a domain; replicate
    designs recompute the totals under every replicate weight (R ``svrVar``).
    """
    w = np.where(used, design.weights_array, 0.0)
    z = np.where(used[:, None], values, 0.0)
    totals = w @ z
    if design.replicates is not None:
        reps = design.replicates
        rep_totals = reps.weighted_totals(w, z)
        if mean:
            rep_w = reps.weighted_totals(w, np.ones(w.shape[0]))
            return totals / w.sum(), reps.vcov(rep_totals / rep_w[:, None], totals / w.sum())
        return totals, reps.vcov(rep_totals, totals)
    inner = design.with_weights(w)
    if mean:
        centre = totals / w.sum()
        influence = np.where(used[:, None], (z - centre) * (w / w.sum())[:, None], 0.0)
        return centre, inner.vcov_totals(influence)
    return totals, inner.vcov_totals(z * w[:, None])


def cell_totals(
    design: SurveyDesign, cell: np.ndarray, k: int, used: np.ndarray
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
    """Weighted totals of ``k`` cells, with their linearization covariance or replicates.

    Returns ``(totals (k,), vcov (k, k) or None, replicate totals (R, k) or None)``.
    One-stage uncalibrated designs and replicate designs with PSU factors work from
    per-PSU cell totals (a bincount), never an ``n x k`` indicator matrix.
    """
    w = np.where(used, design.weights_array, 0.0)
    reps = design.replicates
    aggregate = design.can_aggregate if reps is None else reps.psu_factors is not None
    if aggregate:
        key = design.psu_index[used] * k + cell[used]
        per_psu = np.bincount(key, weights=w[used], minlength=design.n_psu * k).reshape(
            design.n_psu, k
        )
        totals = per_psu.sum(axis=0)
        if reps is None:
            return totals, design.vcov_psu_totals(per_psu, present=used), None
        assert reps.psu_factors is not None
        return totals, None, np.asarray(reps.psu_factors.T @ per_psu)
    indicators = np.zeros((len(cell), k))
    indicators[np.flatnonzero(used), cell[used]] = 1.0
    if reps is None:
        totals, v = totals_and_vcov(design, indicators, used, mean=False)
        return totals, v, None
    return w @ indicators, None, np.asarray(reps.weighted_totals(w, indicators))


def _finish(
    design: SurveyDesign,
    transform: np.ndarray | None,
    totals: np.ndarray,
    vcov: np.ndarray | None,
    replicate_totals: np.ndarray | None,
    *,
    mean: bool,
) -> tuple[np.ndarray, np.ndarray]:
    """Cell proportions (``mean``) or linear transforms of the totals, with covariance."""
    if mean:
        n_hat = totals.sum()
        p = totals / n_hat
        if replicate_totals is None:
            assert vcov is not None
            jac = (np.eye(totals.size) - p[:, None]) / n_hat
            return p, jac @ vcov @ jac.T
        reps = design.replicates
        assert reps is not None
        ratios = replicate_totals / replicate_totals.sum(axis=1, keepdims=True)
        return p, reps.vcov(ratios, p)
    assert transform is not None
    est = transform @ totals
    if replicate_totals is None:
        assert vcov is not None
        return est, transform @ vcov @ transform.T
    reps = design.replicates
    assert reps is not None
    return est, reps.vcov(replicate_totals @ transform.T, est)


def _codes(design: SurveyDesign, name: str, active: np.ndarray) -> tuple[np.ndarray, list[object]]:
    series = design.data[name]
    present = series[active]
    if is_categorical(series):
        levels = (
            factor_levels(present)
            if not isinstance(series.dtype, pd.CategoricalDtype)
            else [v for v in factor_levels(series) if (present == v).any()]
        )
    else:
        levels = sorted(pd.unique(present.dropna()).tolist())
    if isinstance(series.dtype, pd.CategoricalDtype):
        codes = pd.Categorical(series.astype(object), categories=levels).codes.astype(np.int64)
    else:
        codes = pd.Categorical(series, categories=levels).codes.astype(np.int64)
    return codes, levels


def svychisq(
    design: SurveyDesign,
    row: str,
    col: str,
    statistic: str = "F",
    *,
    na_rm: bool = False,
) -> ChisqTest:
    """Test independence of two categorical variables in a complex sample (R ``svychisq``).

    Parameters
    ----------
    design : SurveyDesign
        Linearization, replicate or calibrated design (a subset design tests the domain).
    row, col : str
        The two variables (factors; numbers are taken as categories).
    statistic : {"F", "Chisq", "Wald", "adjWald"}
        ``"F"``: Rao–Scott second-order correction, Pearson's ``X^2`` divided by
        the mean generalised design effect on an F with ``d0`` and ``d0 * nu``
        df (R's default). ``"Chisq"``: first-order correction, ``X^2 / mean(delta)``
        on chi-square with ``(r-1)(c-1)`` df. ``"Wald"``: the Koch–Freeman–Freeman
        Wald test of the ``(r-1)(c-1)`` interaction contrasts of the cell totals
        divided by their number, on F with ``nu`` denominator df; ``"adjWald"`` its
        Fellegi adjustment ``F (nu - k + 1) / (k nu)`` on ``nu - k + 1`` df.
    na_rm : bool, default False
        Leave rows with a missing value out (as a domain; R's ``na.rm=TRUE``).

    Returns
    -------
    ChisqTest

    Notes
    -----
    With cell proportions ``p`` and their design covariance ``V``, ``C`` the
    interaction contrasts orthogonalised against the main effects,
    ``Delta = (C' D^-1 C / N)^-1 C' D^-1 V D^-1 C`` (``D = diag(p)``) and
    ``d0 = tr(Delta)^2 / tr(Delta^2)``. ``nu`` is R's: PSUs minus strata of the
    design (replicate designs: the rank of the replicate weights minus one);
    ``N`` the number of rows R's design object holds.

    References
    ----------
    Rao, J. N. K. and Scott, A. J. (1984). On chi-squared tests for multiway
    contingency tables with cell proportions estimated from survey data. *Annals
    of Statistics* 12, 46-60. R: ``svychisq(~row + col, design, statistic="F")``.

    Examples
    --------
    >>> import pandas as pd
    >>> from govstats.design import SurveyDesign
    >>> df = pd.DataFrame({"a": ["x", "y"] * 10, "b": ["u"] * 7 + ["v"] * 13})
    >>> test = SurveyDesign(df).chisq("a", "b")
    >>> round(test.statistic, 4), test.method
    (0.2088, 'F')
    """
    if statistic not in STATISTICS:
        raise DataError(f"statistic={statistic!r} is not one of {', '.join(STATISTICS)}.")
    check_columns(design.data, [row, col], "table")
    if row == col:
        raise DataError(f"row and col are both {row!r}; a table needs two different variables.")
    active = design.weights_array != 0
    r_codes, r_levels = _codes(design, row, active)
    c_codes, c_levels = _codes(design, col, active)
    missing = active & ((r_codes < 0) | (c_codes < 0))
    if missing.any() and not na_rm:
        raise DataError(
            f"{int(missing.sum())} rows have a missing {row!r} or {col!r}; pass na_rm=True to "
            "leave them out (as a domain, R's na.rm=TRUE)."
        )
    nr, nc = len(r_levels), len(c_levels)
    if nr < 2 or nc < 2:
        raise DataError(
            f"{row!r} has {nr} and {col!r} has {nc} levels in the design; a test of "
            "independence needs at least two of each."
        )
    used = active & ~missing
    if design.replicates is None and design.calibration is not None:
        # R's subset() of a calibrated design keeps every row (weight zero)
        n_rows = float(len(design.data))
        nu = float(design.n_psu - design.n_strata)
    else:
        n_rows = float(active.sum())
        nu = float(design.df)
    cell = np.where(used, r_codes + nr * c_codes, -1)  # rows fastest, as R's interaction()
    totals, v_totals, rep_totals = cell_totals(design, cell, nr * nc, used)
    table = totals.reshape(nc, nr).T
    table = table / table.sum() * n_rows
    expected = np.outer(table.sum(axis=1), table.sum(axis=0)) / table.sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        pearson = float(np.sum((table - expected) ** 2 / expected))
    k = (nr - 1) * (nc - 1)
    if statistic in ("Wald", "adjWald"):
        return _wald_table(design, totals, v_totals, rep_totals, nr, nc, nu, statistic, pearson)
    p, v = _finish(design, None, totals, v_totals, rep_totals, mean=True)
    grid_r = np.tile(np.arange(nr), nc)
    grid_c = np.repeat(np.arange(nc), nr)
    x1 = np.column_stack(
        [np.ones(nr * nc)]
        + [(grid_r == i).astype(float) for i in range(1, nr)]
        + [(grid_c == j).astype(float) for j in range(1, nc)]
    )
    x12 = np.column_stack(
        [((grid_r == i) & (grid_c == j)).astype(float) for j in range(1, nc) for i in range(1, nr)]
    )
    q, _ = np.linalg.qr(x1)
    cmat = x12 - q @ (q.T @ x12)
    inv_p = np.where(p == 0, 0.0, 1.0 / np.where(p == 0, 1.0, p))
    denom = (cmat.T * (inv_p / n_rows)) @ cmat
    scaled = cmat * inv_p[:, None]
    numr = scaled.T @ v @ scaled
    delta = np.linalg.solve(denom, numr)
    trace = float(np.trace(delta))
    eigen = np.sort(np.linalg.eigvals(delta).real)[::-1]
    if statistic == "F":
        d0 = trace**2 / float(np.trace(delta @ delta))
        value = pearson / trace
        return ChisqTest(
            statistic=value,
            ndf=d0,
            ddf=d0 * nu,
            df=None,
            p_value=float(stats.f.sf(value, d0, d0 * nu)),
            method="F",
            pearson=pearson,
            design_effects=eigen,
        )
    return ChisqTest(
        statistic=pearson,
        ndf=None,
        ddf=None,
        df=float(k),
        p_value=float(stats.chi2.sf(pearson / (trace / k), k)),
        method="Chisq",
        pearson=pearson,
        design_effects=eigen,
    )


def _wald_table(
    design: SurveyDesign,
    cell_totals_: np.ndarray,
    v_totals: np.ndarray | None,
    rep_totals: np.ndarray | None,
    nr: int,
    nc: int,
    nu: float,
    statistic: str,
    pearson: float,
) -> ChisqTest:
    grid_r = np.tile(np.arange(nr), nc)
    grid_c = np.repeat(np.arange(nc), nr)
    # cells, row totals, column totals and the grand total, all sums of cell totals
    transform = np.vstack(
        [
            np.eye(nr * nc),
            (grid_r[None, :] == np.arange(nr)[:, None]).astype(float),
            (grid_c[None, :] == np.arange(nc)[:, None]).astype(float),
            np.ones((1, nr * nc)),
        ]
    )
    totals, v = _finish(design, transform, cell_totals_, v_totals, rep_totals, mean=False)
    t_rc, t_r, t_c, n_hat = (
        totals[: nr * nc],
        totals[nr * nc : nr * nc + nr],
        totals[nr * nc + nr : nr * nc + nr + nc],
        totals[-1],
    )
    grid_r = np.tile(np.arange(nr), nc)
    grid_c = np.repeat(np.arange(nc), nr)
    jac = np.hstack(
        [
            np.eye(nr * nc),
            -(grid_r[:, None] == np.arange(nr)[None, :]).astype(float)
            * (t_c[grid_c] / n_hat)[:, None],
            -(grid_c[:, None] == np.arange(nc)[None, :]).astype(float)
            * (t_r[grid_r] / n_hat)[:, None],
            (t_r[grid_r] * t_c[grid_c] / n_hat**2)[:, None],
        ]
    )
    y = t_rc - t_r[grid_r] * t_c[grid_c] / n_hat
    vy = jac @ v @ jac.T
    use = (grid_r > 0) & (grid_c > 0)
    wald = float(y[use] @ np.linalg.solve(vy[np.ix_(use, use)], y[use]))
    k = (nr - 1) * (nc - 1)
    if statistic == "Wald":
        value, ndf, ddf = wald / k, float(k), nu
    else:
        ddf = nu - k + 1
        value, ndf = wald * ddf / (k * nu), float(k)
    return ChisqTest(
        statistic=value,
        ndf=ndf,
        ddf=ddf,
        df=None,
        p_value=float(stats.f.sf(value, ndf, ddf)),
        method=statistic,
        pearson=pearson,
        design_effects=np.array([]),
    )


def _quote(name: str) -> str:
    return name if name.isidentifier() else f"`{name}`"


def svyttest(
    design: SurveyDesign,
    variable: str,
    by: str | None = None,
    *,
    na_rm: bool = False,
    level: float = 0.95,
) -> TTest:
    """Design-based t test of a difference in means (or of a mean against zero) (R ``svyttest``).

    Parameters
    ----------
    design : SurveyDesign
    variable : str
        Numeric outcome.
    by : str, optional
        Two-group variable: a factor with two levels, or numbers coded 0/1 or 1/2.
        ``None``: one-sample test of the mean against zero.
    na_rm : bool, default False
        Leave rows with a missing value out (as a domain).
    level : float, default 0.95

    Returns
    -------
    TTest

    Notes
    -----
    The difference is the coefficient of the group in the design-based linear
    model ``variable ~ by`` (R fits ``svyglm``), its t test on the model's
    residual df (design df - 1). One sample: ``svymean`` on design df - 1.

    References
    ----------
    R: ``svyttest(api00 ~ sch.wide, design)``.

    Examples
    --------
    >>> import pandas as pd
    >>> from govstats.design import SurveyDesign
    >>> df = pd.DataFrame({"y": [1.0, 2.0, 3.0, 5.0, 6.0, 8.0], "g": [0, 0, 0, 1, 1, 1]})
    >>> round(SurveyDesign(df).ttest("y", by="g").estimate, 4)
    4.3333
    """
    level = check_level(level)
    check_columns(design.data, [variable] + ([by] if by else []), "t test")
    if by is None:
        mean = design.mean(variable, na_rm=na_rm, deff=False)
        est, se = float(mean.estimate[0]), float(mean.se[0])
        df = float(mean.df - 1)
    else:
        series = design.data[by]
        if not is_categorical(series) and not pd.api.types.is_bool_dtype(series):
            values = set(pd.unique(series[design.weights_array != 0].dropna()).tolist())
            if not (values <= {0, 1} or values <= {1, 2}):
                raise DataError(
                    f"group {by!r} must be binary: two factor levels, or numbers coded 0/1 or "
                    f"1/2 (found {sorted(values)[:6]})."
                )
        fit = design.glm(f"{_quote(variable)} ~ {_quote(by)}", na_rm=na_rm)
        if len(fit.params) != 2:
            raise DataError(f"group {by!r} must have exactly two levels in the design.")
        est, se = float(fit.params.iloc[1]), float(fit.se.iloc[1])
        df = float(fit.df)
    t = est / se
    low, high = t_interval(np.array([est]), np.array([se]), df, level)
    return TTest(
        estimate=est,
        se=se,
        statistic=t,
        df=df,
        p_value=float(2 * stats.t.sf(abs(t), df)),
        ci_low=float(low[0]),
        ci_high=float(high[0]),
        conf_level=level,
    )


def term_columns(names: list[str], formula: str, data: pd.DataFrame, terms: object) -> list[int]:
    """Positions in ``names`` of the coefficients of model ``terms`` (R ``assign``)."""
    wanted = [terms] if isinstance(terms, str) else list(terms)  # type: ignore[call-overload]
    if not wanted or not all(isinstance(t, str) for t in wanted):
        raise ModelError("terms must be a term of the model formula or a list of them.")
    _, rhs_text = split_formula(formula)
    rhs = model_rhs(data, rhs_text)
    if rhs.names != names:
        raise ModelError("the model's coefficients do not match its formula on the design data.")
    index: list[int] = []
    for term in wanted:
        key = "(Intercept)" if term.strip() in ("1", "(Intercept)") else canonical_term(term)
        if key not in rhs.terms:
            known = [t for t in rhs.terms if t != "(Intercept)"]
            raise ModelError(f"term {term!r} is not in the model; its terms are {known}.")
        index.extend(j for j in rhs.terms[key] if j not in index)
    return sorted(index)


def wald_test(
    model: GLMResult | OLRResult,
    terms: str | list[str],
    *,
    null: NullValues = None,
    method: str = "Wald",
) -> WaldTest:
    """Wald test that every coefficient of one or more model terms is zero (R ``regTermTest``).

    Parameters
    ----------
    model : GLMResult or OLRResult
    terms : str or list of str
        Terms of the model formula (``"stype"``, ``"ell:meals"``); a factor's term
        tests all its coefficients together.
    null : array-like, optional
        Values under the null hypothesis (default zero).
    method : {"Wald", "LRT"}
        ``"LRT"``: Rao–Scott working likelihood ratio (R ``method="LRT"``): twice the
        difference of the weighted deviances of the model without and with the
        terms, referred to a weighted sum of chi-squares (eigenvalues of
        ``V0^{-1} V``, ``V0`` the model-based covariance) divided by an independent
        chi-square on ``ddf``, by R's saddlepoint approximation; ``F`` is then the
        statistic divided by ``df``.

    Returns
    -------
    WaldTest
        ``F = beta' V^{-1} beta / k`` on ``k`` and the model's residual df.

    References
    ----------
    Lumley, T. and Scott, A. (2014). Tests for regression models fitted to survey
    data. *Australian & New Zealand Journal of Statistics* 56, 1-14.
    R: ``regTermTest(model, ~stype, method="Wald")``.

    Examples
    --------
    >>> import pandas as pd
    >>> from govstats.design import SurveyDesign
    >>> df = pd.DataFrame({"y": [1.0, 2.0, 2.5, 4.0, 3.0, 5.5], "x": [0.0, 1, 2, 3, 4, 5]})
    >>> test = SurveyDesign(df).glm("y ~ x").wald_test("x")
    >>> round(test.F, 4), test.df, test.ddf
    (28.9917, 1.0, 4.0)
    """
    if not callable(getattr(model, "wald_test", None)):
        raise ModelError(f"wald_test needs a GLM or ordinal result, not {type(model).__name__}.")
    return model.wald_test(terms, null=null, method=method)


def term_wald_test(
    model: GLMResult | OLRResult,
    terms: str | list[str],
    *,
    null: NullValues = None,
    method: str = "Wald",
    ordinal: bool = False,
) -> WaldTest:
    """Wald test of model terms; ``ordinal`` for a proportional-odds model's slopes."""
    if method not in ("Wald", "LRT"):
        raise ModelError(f"method={method!r} is not available; use 'Wald' or 'LRT'.")
    design = getattr(model, "design", None)
    if design is None:
        raise ModelError("this model result does not keep its design; refit it with design.glm().")
    names = [str(n) for n in model.params.index]
    if ordinal:
        if method != "Wald":
            raise ModelError("ordinal models take method='Wald' only.")
        index = _olr_term_columns(model, terms)
    else:
        index = term_columns(rename(names, "r"), model.formula, design.data, terms)
    beta = model.params.to_numpy()[index]
    if null is not None:
        beta = beta - np.asarray(null, dtype=np.float64)
    v = model.cov.to_numpy()[np.ix_(index, index)]
    k = len(index)
    ddf = float(model.df)
    if method == "LRT":
        chisq, misspec = _working_lrt(cast("GLMResult", model), design, index)
        p = p_fsum(chisq, misspec, ddf)
    else:
        chisq = float(beta @ np.linalg.solve(v, beta))
        p = (
            float(stats.f.sf(chisq / k, k, ddf))
            if np.isfinite(ddf)
            else float(stats.chi2.sf(chisq, k))
        )
    f = chisq / k
    wanted = [terms] if isinstance(terms, str) else list(terms)
    return WaldTest(
        F=f,
        chisq=chisq,
        df=float(k),
        ddf=ddf,
        p_value=p,
        terms=tuple(wanted),
        coefficients=tuple(names[j] for j in index),
    )


def _olr_term_columns(model: Any, terms: object) -> list[int]:
    """Positions of a term's slopes among an ordinal model's parameters (no intercept)."""
    wanted = [terms] if isinstance(terms, str) else list(terms)  # type: ignore[call-overload]
    rhs = model.rhs
    slopes = [j for j, n in enumerate(rhs.names) if n != "(Intercept)"]
    index: list[int] = []
    for term in wanted:
        key = canonical_term(str(term))
        if key not in rhs.terms or key == "(Intercept)":
            known = [t for t in rhs.terms if t != "(Intercept)"]
            raise ModelError(f"term {term!r} is not in the model; its terms are {known}.")
        index.extend(slopes.index(j) for j in rhs.terms[key] if slopes.index(j) not in index)
    return sorted(index)


def _working_lrt(
    model: GLMResult, design: SurveyDesign, index: list[int]
) -> tuple[float, np.ndarray]:
    """Working 2 log LR of dropping ``index`` and the eigenvalues of ``V0^{-1} V``."""
    fam, kind = _family(model.family)
    x, y, names, _ = _design_matrix(design, model.formula, kind)
    active = (design.weights_array != 0) & ~np.isnan(y)
    w = design.weights_array[active]
    prior = w / w.mean()
    xa, ya = x[active], y[active]
    # R's naive covariance is glm's cov.unscaled: the working weights of the last IRLS step
    full = irls(xa, ya, prior, fam, names)
    keep = [j for j in range(xa.shape[1]) if j not in index]
    null = irls(xa[:, keep], ya, prior, fam, [names[j] for j in keep])
    chisq = deviance(kind, ya, null.mu, prior) - deviance(kind, ya, full.mu, prior)
    v0 = full.bread[np.ix_(index, index)]
    v = model.cov.to_numpy()[np.ix_(index, index)]
    misspec = np.linalg.eigvals(np.linalg.solve(v0, v)).real
    return float(chisq), np.asarray(misspec)


def _saddle(x: float, lam: np.ndarray) -> float:
    """Upper tail of ``sum lam_i chi2_1`` at ``x`` by R survey's saddlepoint (NaN near 0)."""
    from scipy import optimize

    d = float(np.max(lam))
    lam = lam / d
    x = x / d

    def k0(z: float) -> float:
        return float(-np.sum(np.log(1 - 2 * z * lam)) / 2)

    def k1(z: float) -> float:
        return float(np.sum(lam / (1 - 2 * z * lam)))

    def k2(z: float) -> float:
        return float(2 * np.sum(lam**2 / (1 - 2 * z * lam) ** 2))

    if (lam < 0).any():
        low = float(np.max(1 / (2 * lam[lam < 0]))) * 0.99999
    elif x > lam.sum():
        low = -0.01
    else:
        low = -lam.size / (2 * x)
    high = float(np.min(1 / (2 * lam[lam > 0]))) * 0.99999
    # R: uniroot(tol = 1e-8), Brent's zeroin as brentq with the same stopping rule
    zeta = optimize.brentq(lambda z: k1(z) - x, low, high, xtol=1e-8, rtol=4 * np.finfo(float).eps)
    if abs(zeta) < 1e-4:
        return float("nan")
    w = np.sign(zeta) * np.sqrt(2 * (zeta * x - k0(zeta)))
    v = zeta * np.sqrt(k2(zeta))
    return float(stats.norm.sf(w + np.log(v / w) / w))


def p_fsum(x: float, lam: np.ndarray, ddf: float) -> float:
    """P(sum lam_i chi2_1 / (chi2_ddf / ddf) > x), R survey ``pFsum(method="saddlepoint")``."""
    lam = np.asarray(lam, dtype=np.float64)
    if not np.isfinite(ddf):
        tr = lam.mean()
        tr2 = float(np.mean(lam**2)) / tr**2
        guess = float(stats.chi2.sf(x / (tr * tr2), lam.size / tr2))
        s = _saddle(x, lam)
        return guess if np.isnan(s) else s
    tr = lam.mean()
    tr2 = float(np.mean(lam**2)) / tr**2
    ndf = lam.size / tr2
    value = float(stats.f.sf(x / ndf / (tr * tr2), ndf, ddf))
    ddf_int = int(ddf)  # R: rep(a, ddf) truncates
    s = _saddle(0.0, np.concatenate([lam, np.full(ddf_int, -x / ddf)]))
    return value if np.isnan(s) else s
