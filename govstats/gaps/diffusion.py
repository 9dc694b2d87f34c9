"""Diffusion lag: logistic adoption curves for urban and rural areas and the lag between them."""

from __future__ import annotations

import html
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from govstats.design.inference import (
    DEFAULT_LEVEL,
    DEFAULT_REPLICATES,
    SeedLike,
    check_level,
    check_replicates,
    percentile_interval,
    resolve_seed,
)
from govstats.design.model_matrix import rename
from govstats.errors import ConvergenceError, DataError
from govstats.gaps._diffusion import fit, fit_many, logistic, unpack
from govstats.gaps._tables import summary_text

__all__ = ["DiffusionLagResult", "cnnic_diffusion_lag", "diffusion_lag", "to_years"]

_MIN_PERIODS = 4


def to_years(index: pd.Index | pd.Series | list[object]) -> np.ndarray:
    """Decimal years of a time index.

    ``"YYYY-MM"`` strings and monthly periods map to ``year + month / 12`` (the end of the
    reference month: CNNIC's June survey -> ``YYYY.5``); timestamps to
    ``year + (day of year) / days in year``; numbers are taken as years.
    """
    idx = pd.Index(index)
    if pd.api.types.is_numeric_dtype(idx):
        return idx.to_numpy(dtype=float)
    if isinstance(idx, pd.PeriodIndex):
        return np.asarray(idx.year + idx.month / 12.0, dtype=float)
    if isinstance(idx, pd.DatetimeIndex):
        days = np.where(idx.is_leap_year, 366.0, 365.0)
        return np.asarray(idx.year + idx.dayofyear / days, dtype=float)
    try:
        per = pd.PeriodIndex([str(v) for v in idx], freq="M")
    except (ValueError, TypeError):
        raise DataError(
            f"cannot read the time index {list(idx[:3])} as periods; use decimal years, "
            "'YYYY-MM' strings, periods or timestamps."
        ) from None
    return np.asarray(per.year + per.month / 12.0, dtype=float)


@dataclass(frozen=True)
class DiffusionLagResult:
    """Fitted urban and rural logistic curves and the rural lag in years.

    Attributes
    ----------
    model : str
        "shared" (common ceiling and rate, rural midpoint shifted by the lag) or
        "separate" (each series its own ceiling, rate and midpoint).
    ceiling : float or None
        Fixed ceiling K, or None when estimated.
    table : pandas.DataFrame
        One row per parameter, named in ``term`` (``K``, ``r``, ``t0_urban``,
        ``t0_rural``, ``lag_years``; suffixed ``_urban``/``_rural`` for the separate
        model): ``estimate``, ``se`` (bootstrap standard deviation),
        ``ci_low``/``ci_high`` (percentile), ``df`` (``inf``: no t quantile is
        used), ``se_delta`` (delta method from the least-squares Jacobian).
    data : pandas.DataFrame
        The periods used: ``period``, ``t`` (decimal year), ``urban``, ``rural`` and the
        fitted values ``fitted_urban``, ``fitted_rural``.
    replicate_estimates : numpy.ndarray
        (replicates, 6) parametric bootstrap draws of ``[K_u, r_u, t0_u, K_r, r_r, t0_r]``.
    residual_sd : float
    seed : int or None
        Seed of the bootstrap (``None`` with ``replicates=0``).
    conf_level : float
    notes : tuple of str
        Periods dropped and why.
    """

    model: str
    ceiling: float | None
    table: pd.DataFrame = field(repr=False)
    data: pd.DataFrame = field(repr=False)
    replicate_estimates: np.ndarray = field(repr=False)
    residual_sd: float
    seed: int | None
    conf_level: float
    notes: tuple[str, ...] = field(repr=False)

    @property
    def lag(self) -> float:
        """Estimated lag of the rural curve in years."""
        return float(self.table.loc[self.table["term"] == "lag_years", "estimate"].iloc[0])

    @property
    def estimate(self) -> np.ndarray:
        """Point estimates, one per row of :meth:`to_frame`."""
        return self.table["estimate"].to_numpy()

    @property
    def se(self) -> np.ndarray:
        """Bootstrap standard errors, one per row of :meth:`to_frame`."""
        return self.table["se"].to_numpy()

    @property
    def df(self) -> float:
        """``inf``: the intervals are bootstrap percentiles, not t intervals."""
        return float("inf")

    def to_frame(self, *, names: str = "formulaic") -> pd.DataFrame:
        """Copy of :attr:`table`: term, estimate, se, ci_low, ci_high, df, se_delta.

        ``names`` is accepted as by every model result; the curve parameters are
        spelled the same in both styles.
        """
        rename([], names)
        return self.table.copy()

    def curves(self, t: np.ndarray | None = None) -> pd.DataFrame:
        """Fitted curves on a grid with pointwise percentile bands from the bootstrap.

        Parameters
        ----------
        t : array of decimal years, optional
            Default: 100 points from the first observed period to 5 years after the last.

        Returns
        -------
        pandas.DataFrame
            Columns ``t``, ``series`` ("urban"/"rural"), ``fitted``, ``ci_low``, ``ci_high``.
        """
        if t is None:
            t = np.linspace(self.data["t"].min(), self.data["t"].max() + 5, 100)
        t = np.asarray(t, dtype=float)
        est = self.table.set_index("term")["estimate"]
        point = _six(est, self.model)
        frames = []
        for name, off in (("urban", 0), ("rural", 3)):
            fitted = logistic(t, *point[off : off + 3])
            sims = np.array([logistic(t, *d[off : off + 3]) for d in self.replicate_estimates])
            low, high = percentile_interval(sims, self.conf_level)
            frames.append(
                pd.DataFrame(
                    {"t": t, "series": name, "fitted": fitted, "ci_low": low, "ci_high": high}
                )
            )
        return pd.concat(frames, ignore_index=True)

    def summary(self) -> str:
        """Plain-text summary."""
        ceiling = "estimated" if self.ceiling is None else self.ceiling
        head = [
            f"model: {self.model}    ceiling: {ceiling}"
            f"    periods: {len(self.data)}    residual sd: {self.residual_sd:.4g}",
            f"intervals: parametric bootstrap, {len(self.replicate_estimates)} replicates, "
            f"level {self.conf_level}" + (f", seed {self.seed}" if self.seed is not None else ""),
            *self.notes,
        ]
        return summary_text("Diffusion lag (logistic curves)", head, self.table)

    def _repr_html_(self) -> str:
        return f"<p><code>{html.escape(repr(self))}</code></p>" + self.to_frame().to_html()

    def __repr__(self) -> str:
        row = self.table.loc[self.table["term"] == "lag_years"].iloc[0]
        return (
            f"DiffusionLagResult(model={self.model!r}, lag_years={row['estimate']:.3g} "
            f"[{row['ci_low']:.3g}, {row['ci_high']:.3g}], periods={len(self.data)})"
        )


def _six(est: pd.Series, model: str) -> np.ndarray:
    if model == "shared":
        k, r = est["K"], est["r"]
        return np.array([k, r, est["t0_urban"], k, r, est["t0_rural"]])
    return np.array(
        [est[f"{p}_{s}"] for s in ("urban", "rural") for p in ("K", "r", "t0")], dtype=float
    )


def _derived(six: np.ndarray, model: str) -> np.ndarray:
    ku, ru, tu, kr, rr, tr = six
    if model == "shared":
        return np.array([ku, ru, tu, tr, tr - tu])
    return np.array([ku, ru, tu, kr, rr, tr, tr - tu])


def _names(model: str) -> list[str]:
    if model == "shared":
        return ["K", "r", "t0_urban", "t0_rural", "lag_years"]
    return ["K_urban", "r_urban", "t0_urban", "K_rural", "r_rural", "t0_rural", "lag_years"]


def _align(series_urban: pd.Series, series_rural: pd.Series) -> tuple[pd.DataFrame, list[str]]:
    for name, s in (("series_urban", series_urban), ("series_rural", series_rural)):
        if not isinstance(s, pd.Series):
            raise DataError(f"{name} must be a pandas Series indexed by period, got {type(s)}.")
    both = pd.concat(
        [series_urban.rename("urban"), series_rural.rename("rural")], axis=1, join="outer"
    )
    both = both.apply(pd.to_numeric, errors="coerce")
    notes = []
    gaps = both.index[both.isna().any(axis=1)]
    if len(gaps):
        notes.append(
            "periods dropped because the urban or the rural rate is not published: "
            + ", ".join(str(p) for p in gaps)
        )
    both = both.dropna()
    both.insert(0, "t", to_years(both.index))
    both = both.sort_values("t")
    both.index.name = "period"
    return both.reset_index(), notes


def diffusion_lag(
    series_urban: pd.Series,
    series_rural: pd.Series,
    *,
    model: str = "shared",
    ceiling: float | None = None,
    replicates: int = DEFAULT_REPLICATES,
    seed: SeedLike = None,
    level: float = DEFAULT_LEVEL,
) -> DiffusionLagResult:
    """Fit logistic diffusion curves to urban and rural adoption rates; estimate the lag.

    Parameters
    ----------
    series_urban, series_rural : pandas.Series
        Adoption rates (percent 0-100, or proportions 0-1) indexed by period (``"YYYY-MM"``
        strings, periods, timestamps or decimal years). Only periods where both are
        published are used (the others are listed in ``notes``).
    model : {"shared", "separate"}
        ``"shared"``: ``p_u(t) = K / (1 + exp(-r (t - t0)))``,
        ``p_r(t) = p_u(t - lag)`` — a common ceiling and rate, the rural curve shifted by
        ``lag`` years. ``"separate"``: each series has its own ``K``, ``r``, ``t0`` and
        the lag is the difference of the midpoints ``t0_rural - t0_urban``.
    ceiling : float, optional
        Fix ``K`` (e.g. 100); by default it is estimated, bounded below by the largest
        observed rate and above by 100 (percent) or 1 (proportions).
    replicates : int, default 1000
        Parametric bootstrap replicates for the intervals (0: none).
    seed : int, numpy.random.Generator or None, keyword-only
        Seed of the bootstrap (``None``: fresh entropy); recorded in ``result.seed``.
    level : float, default 0.95
        Level of the percentile intervals.

    Returns
    -------
    DiffusionLagResult

    Notes
    -----
    Least squares on both series jointly (``scipy.optimize.least_squares``). Intervals:
    parametric bootstrap — new series ``fitted + N(0, s^2)`` with ``s^2 = RSS/(m - k)``,
    refitted, percentile intervals; the delta-method standard error
    ``s^2 (J'J)^-1`` is reported beside it. At least four co-published periods are
    needed. For CNNIC data use :func:`cnnic_diffusion_lag`, which keeps one segment of the
    rural series (the series breaks between the 48th and 49th reports).

    References
    ----------
    Griliches, Z. (1957). Hybrid corn: an exploration in the economics of technological
    change. Econometrica 25(4), 501-522. Rogers, E. M. (2003). Diffusion of Innovations.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> import govstats as gs
    >>> years = np.arange(2006.0, 2022.0, 1.5)
    >>> urban = pd.Series(90 / (1 + np.exp(-0.4 * (years - 2011))), index=years)
    >>> rural = pd.Series(90 / (1 + np.exp(-0.4 * (years - 2017))), index=years)
    >>> res = gs.gaps.diffusion_lag(urban, rural, replicates=50, seed=1)
    >>> round(res.lag, 3)
    6.0
    """
    if model not in ("shared", "separate"):
        raise DataError(f"model must be 'shared' or 'separate', got {model!r}.")
    level = check_level(level)
    if replicates != 0:
        replicates = check_replicates(replicates)
    seed_used, rng = resolve_seed(seed)
    data, notes = _align(series_urban, series_rural)
    m = len(data)
    if m < _MIN_PERIODS:
        raise DataError(
            f"only {m} periods have both an urban and a rural rate "
            f"(series {series_urban.name!r}, {series_rural.name!r}); the logistic fit needs "
            f"at least {_MIN_PERIODS} — add periods or use a longer series."
        )
    y_u, y_r, t = data["urban"].to_numpy(), data["rural"].to_numpy(), data["t"].to_numpy()
    if len(np.unique(t)) < len(t):
        raise DataError("the time index has duplicate periods; aggregate them first.")
    ymax = float(max(y_u.max(), y_r.max()))
    if min(y_u.min(), y_r.min()) < 0 or ymax > 100:
        raise DataError("rates must be between 0 and 100 (percent) or 0 and 1 (proportions).")
    upper = 100.0 if ymax > 1 else 1.0
    if ceiling is not None and not ymax < ceiling <= upper:
        raise DataError(
            f"ceiling {ceiling} must exceed the largest observed rate {ymax} and be <= {upper}."
        )
    theta, jac, ok = fit(t, y_u, t, y_r, model=model, ceiling=ceiling, upper=upper)
    if not ok:
        raise ConvergenceError(
            "the logistic fit did not converge; try model='shared' or fix the ceiling."
        )
    resid = np.concatenate(
        [
            logistic(t, *unpack(theta, model, ceiling)[:3]) - y_u,
            logistic(t, *unpack(theta, model, ceiling)[3:]) - y_r,
        ]
    )
    k = theta.size
    dof = 2 * m - k
    if dof < 1:
        raise DataError(f"{2 * m} observations for {k} parameters; need more periods.")
    s = float(np.sqrt(resid @ resid / dof))
    six = unpack(theta, model, ceiling)
    fitted_u = logistic(t, *six[:3])
    fitted_r = logistic(t, *six[3:])
    # the draws of the former replicate loop (u then r per replicate), in one call
    noise = rng.normal(0.0, s, (replicates, 2, m))
    refits, converged = fit_many(
        t,
        fitted_u + noise[:, 0],
        t,
        fitted_r + noise[:, 1],
        model=model,
        ceiling=ceiling,
        upper=upper,
        x0=theta,
    )
    failed = int((~converged).sum())
    draws = [unpack(th, model, ceiling) for th in refits[converged]]
    if replicates > 0 and failed > 0.1 * replicates:
        raise ConvergenceError(
            f"{failed} of {replicates} bootstrap refits did not converge; the curves are poorly "
            "identified by these data — fix the ceiling or use model='shared'."
        )
    if failed:
        notes.append(f"{failed} bootstrap refits did not converge and were dropped")
    draws_arr = np.array(draws) if draws else np.empty((0, 6))
    est = _derived(six, model)
    boot = np.array([_derived(d, model) for d in draws_arr]) if len(draws_arr) else None
    # delta method: derived quantities are affine in theta, gradient by differences
    eps = 1e-6
    grad = np.column_stack(
        [(_derived(unpack(theta + eps * e, model, ceiling), model) - est) / eps for e in np.eye(k)]
    )
    try:
        cov = s**2 * np.linalg.inv(jac.T @ jac)
        se_delta = np.sqrt(np.clip(np.diag(grad @ cov @ grad.T), 0, None))
    except np.linalg.LinAlgError:
        se_delta = np.full(est.shape, np.nan)
        notes.append("the Jacobian is singular: no delta-method standard errors")
    low, high = percentile_interval(boot, level) if boot is not None else (np.nan, np.nan)
    table = pd.DataFrame(
        {
            "term": _names(model),
            "estimate": est,
            "se": boot.std(axis=0, ddof=1) if boot is not None else np.nan,
            "ci_low": low,
            "ci_high": high,
            "df": np.inf,
            "se_delta": se_delta,
        }
    )
    if ceiling is not None:
        table = table[~table["term"].str.startswith("K")].reset_index(drop=True)
    data = data.assign(fitted_urban=fitted_u, fitted_rural=fitted_r)
    return DiffusionLagResult(
        model=model,
        ceiling=ceiling,
        table=table,
        data=data,
        replicate_estimates=draws_arr,
        residual_sd=s,
        seed=seed_used if replicates > 0 else None,
        conf_level=level,
        notes=tuple(notes),
    )


def cnnic_diffusion_lag(
    data: pd.DataFrame | None = None,
    *,
    segment: int = 0,
    model: str = "shared",
    ceiling: float | None = None,
    replicates: int = DEFAULT_REPLICATES,
    seed: SeedLike = None,
    level: float = DEFAULT_LEVEL,
) -> DiffusionLagResult:
    """Diffusion lag of rural behind urban internet penetration from the CNNIC series.

    Parameters
    ----------
    data : pandas.DataFrame, optional
        Output of ``govstats.datasets.load_cnnic()`` (loaded when omitted).
    segment : int
        Which segment of the rural series to use (``rural_series_segment``). The rural
        rate breaks between the 48th (2021-06) and 49th (2021-12) reports and again after
        the 53rd; rates from different segments are not comparable, so one segment is
        fitted. Segment 0 (2007-06 to 2021-06) holds every period with both rates.
    model, ceiling, replicates, seed, level
        As in :func:`diffusion_lag`.

    Returns
    -------
    DiffusionLagResult

    Examples
    --------
    >>> import govstats as gs
    >>> res = gs.gaps.cnnic_diffusion_lag(replicates=50, seed=1)
    >>> len(res.data), bool(res.lag > 0)
    (9, True)
    """
    cnnic = data
    if cnnic is None:
        from govstats.datasets import load_cnnic

        cnnic = load_cnnic()
    need = ["period", "penetration_urban_pct", "penetration_rural_pct"]
    missing = [c for c in need if c not in cnnic.columns]
    if missing:
        raise DataError(f"CNNIC frame lacks columns {missing}; pass load_cnnic() output.")
    frame = cnnic
    if "rural_series_segment" in cnnic.columns:
        frame = cnnic[cnnic["rural_series_segment"] == segment]
        if frame.empty:
            raise DataError(f"no CNNIC rows in rural series segment {segment}.")
    idx = frame["period"].astype(str)
    urban = pd.Series(frame["penetration_urban_pct"].to_numpy(), index=idx, name="urban_pct")
    rural = pd.Series(frame["penetration_rural_pct"].to_numpy(), index=idx, name="rural_pct")
    res = diffusion_lag(
        urban, rural, model=model, ceiling=ceiling, replicates=replicates, seed=seed, level=level
    )
    note = f"CNNIC rural series segment {segment} only (series breaks at the 49th report)"
    return DiffusionLagResult(
        **{**res.__dict__, "notes": (*res.notes, note)},
    )
