"""The survey design: how a sample was drawn, bound to its data."""

from __future__ import annotations

import inspect
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import KW_ONLY, dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from statsmodels.genmod.families import Family

from govstats.design import _guards, calibration, ciprop, estimators, glm, quantile, svyvar
from govstats.design import replicates as _replicates
from govstats.design._linearize import LONELY_RULES, cluster_sums, design_variance, stage_variance
from govstats.design._structure import Structure, build_structure
from govstats.design.calibration import LevelTotals, PopulationTotals
from govstats.design.inference import DEFAULT_LEVEL, DEFAULT_REPLICATES, SeedLike
from govstats.design.results import SurveyEstimate
from govstats.errors import DataError, DesignError

if TYPE_CHECKING:
    from govstats.design.glm import GLMResult
    from govstats.design.iv_results import IVResult
    from govstats.design.mlogit import MLogitResult
    from govstats.design.olr import OLRResult
    from govstats.design.replicates import Replicates
    from govstats.design.tests import ChisqTest, TTest

__all__ = ["SurveyDesign"]

_KEEP: Any = object()


@dataclass(frozen=True, eq=False)
class SurveyDesign:
    """A complex sample design (strata, multistage clusters, weights, fpc) bound to its data.

    The Python counterpart of R ``survey::svydesign``. Constructing a design only
    validates and stores the sampling structure; estimators are methods that
    return result objects, and methods that would change the design
    (:meth:`subset`, :meth:`to_replicates`, calibration) return a new one.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per sampled unit.
    weights : str, optional
        Column of sampling weights. ``None``: weights implied by ``fpc``
        (``prod N/n`` over stages) when given, else 1 (R ``svydesign``).
    strata : str, optional
        Column of first-stage strata.
    psu : str or sequence of str, optional
        Cluster id column of every sampling stage (PSU first). ``None``: every row
        is its own PSU (R ``id=~1``).
    fpc : str or sequence of str, optional
        Finite population correction per stage: population sizes (values > 1) or
        sampling fractions (values <= 1). ``None``: sampling with replacement.
    nest : bool, default False
        PSU ids are only unique within strata (R ``nest=TRUE``).
    lonely_psu : {"fail", "remove", "adjust", "average", "certainty"}
        What to do with a stratum that has a single PSU (R ``survey.lonely.psu``).
    adjust_domain_lonely : bool, default False, keyword-only
        Also apply ``lonely_psu`` ("adjust" or "average") to a stratum that has
        several PSUs of which only one holds rows of the estimated domain (R
        ``options(survey.adjust.domain.lonely=TRUE)``). Linearization designs
        without calibration only, as R.
    analysis_weights, replicates, calibration, structure : keyword-only
        Set by the methods that return new designs (:meth:`with_weights`,
        :meth:`subset`, replicates, calibration); not meant to be passed by users.

    Attributes
    ----------
    weights_array : ndarray, shape (n,)
        Current analysis weights (after calibration; zero outside a domain).
    psu_index, strata_index : ndarray, shape (n,)
        First-stage PSU and stratum codes (PSU codes unique across strata).
    n_psu : int
        Number of first-stage PSUs.
    df : int
        Design degrees of freedom as R ``degf``: PSUs minus strata among the rows
        with non-zero weight (replicate designs: as set by the replicates).
    replicates : Replicates or None
        Replicate weights (replicate designs only).
    calibration : object or None
        Calibration information used by the linearization.

    Notes
    -----
    The linearization variance is R's ``svyrecvar``: within every stratum the
    PSU totals of the weighted influence values are centred and
    ``V = sum_h f_h n_h/(n_h-1) sum_j (z_hj - zbar_h)(z_hj - zbar_h)^T`` with
    ``f_h = 1 - n_h/N_h`` (1 without fpc); with fpc, later stages add their
    own term multiplied by the earlier sampling fractions.

    References
    ----------
    Lumley, T. (2004). Analysis of complex survey samples. *Journal of
    Statistical Software* 9(8). R: ``svydesign(id=~psu, strata=~strata,
    weights=~w, fpc=~fpc, nest=FALSE, data=df)``.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"y": [1.0, 2.0, 3.0, 4.0], "h": ["a", "a", "b", "b"],
    ...                    "w": [10.0, 10.0, 20.0, 20.0]})
    >>> d = SurveyDesign(df, weights="w", strata="h")
    >>> round(float(d.mean("y").estimate[0]), 4)
    2.8333
    >>> d.df
    2
    """

    data: pd.DataFrame
    weights: str | None = None
    strata: str | None = None
    psu: str | Sequence[str] | None = None
    fpc: str | Sequence[str] | None = None
    nest: bool = False
    lonely_psu: str = "fail"
    _: KW_ONLY
    adjust_domain_lonely: bool = False
    analysis_weights: np.ndarray | None = field(default=None, repr=False)
    replicates: Replicates | None = field(default=None, repr=False)
    calibration: object | None = field(default=None, repr=False)
    structure: Structure | None = field(default=None, repr=False)
    weights_array: np.ndarray = field(init=False, repr=False)
    psu_index: np.ndarray = field(init=False, repr=False)
    strata_index: np.ndarray = field(init=False, repr=False)
    n_psu: int = field(init=False, repr=False)
    df: int = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if not isinstance(self.data, pd.DataFrame):
            raise DataError(f"data must be a pandas DataFrame, not {type(self.data).__name__}.")
        if self.lonely_psu not in LONELY_RULES:
            raise DesignError(
                f"lonely_psu={self.lonely_psu!r} is not one of {', '.join(LONELY_RULES)}."
            )
        structure = self.structure
        built_here = structure is None
        if structure is None:
            # a snapshot: editing the caller's frame afterwards leaves this design alone
            _guards.check_unique_columns(self.data)
            object.__setattr__(self, "data", _guards.snapshot(self.data))
            structure = build_structure(
                self.data, self.weights, self.strata, self.psu, self.fpc, self.nest
            )
            _guards.check_weight_scale(structure.sampling_weights, self.weights)
            object.__setattr__(self, "structure", structure)
        if self.analysis_weights is None:
            weights = structure.sampling_weights
        else:
            weights = np.asarray(self.analysis_weights, dtype=np.float64)
            if weights.shape != (len(self.data),):
                raise DesignError(
                    f"analysis weights have shape {weights.shape}; expected ({len(self.data)},)."
                )
            if not np.isfinite(weights).all():
                raise DesignError("analysis weights contain missing or infinite values.")
        object.__setattr__(self, "weights_array", weights)
        object.__setattr__(self, "psu_index", structure.psu_index)
        object.__setattr__(self, "strata_index", structure.strata_index)
        object.__setattr__(self, "n_psu", structure.n_psu)
        if self.replicates is not None:
            # R degf() of a replicate design restricted to a domain: rank of the
            # replicate weights that keep a row, minus one.
            domain_df = getattr(self.replicates, "domain_df", None)
            full = bool((weights != 0).all())
            df = self.replicates.df if full or domain_df is None else domain_df(weights)
            object.__setattr__(self, "df", int(df))
        else:
            object.__setattr__(self, "df", self._linearization_df())
            if built_here:
                _guards.check_not_all_lonely(self.df, self.n_psu, self.lonely_psu)

    # ------------------------------------------------------------------ structure
    def _linearization_df(self) -> int:
        active = self.weights_array != 0
        if active.all():  # every PSU and stratum code has rows
            return int(self.n_psu - self._structure.stages[0].n_strata)
        n_psu = np.count_nonzero(np.bincount(self.psu_index[active], minlength=self.n_psu))
        n_strata = np.count_nonzero(np.bincount(self.strata_index[active]))
        return int(n_psu - n_strata)

    @property
    def _structure(self) -> Structure:
        assert self.structure is not None
        return self.structure

    @property
    def n_strata(self) -> int:
        """Number of first-stage strata."""
        return int(self._structure.stages[0].n_strata)

    @property
    def sampling_weights(self) -> np.ndarray:
        """The design weights before calibration and domain restriction, shape (n,)."""
        return self._structure.sampling_weights

    @property
    def is_full(self) -> bool:
        """Whether every row of the data carries weight (no domain restriction)."""
        return bool((self.weights_array != 0).all())

    @property
    def method(self) -> str:
        """``"linearization"`` or the replicate method of a replicate design."""
        return "linearization" if self.replicates is None else str(self.replicates.method)

    @property
    def can_aggregate(self) -> bool:
        """Whether variances need only first-stage PSU totals (one stage, no calibration)."""
        return self.calibration is None and len(self._structure.variance_stages) == 1

    # ------------------------------------------------------------------ variance
    def vcov_totals(self, weighted_scores: np.ndarray) -> np.ndarray:
        """Design covariance of the column sums of per-row weighted scores.

        Parameters
        ----------
        weighted_scores : ndarray, shape (n,) or (n, p)
            Influence values already multiplied by the analysis weights (zero
            outside the domain).

        Returns
        -------
        ndarray, shape (p, p)
            As R ``svyrecvar``: strata, multistage clusters, fpc at every stage,
            the lonely-PSU rule and, for calibrated designs, the calibration
            residuals.
        """
        return self.vcov_rows(weighted_scores, present=self.weights_array != 0)

    def vcov_rows(self, weighted_scores: np.ndarray, present: np.ndarray) -> np.ndarray:
        """:meth:`vcov_totals` with an explicit mask of the rows in the estimated domain."""
        scores = np.asarray(weighted_scores, dtype=np.float64)
        if scores.ndim == 1:
            scores = scores[:, None]
        if scores.shape[0] != len(self.data):
            raise DesignError(
                f"scores have {scores.shape[0]} rows; the design has {len(self.data)}."
            )
        if self.calibration is not None:
            scores = np.asarray(calibration.residualize(self.calibration, scores))  # type: ignore[arg-type]
        return design_variance(
            scores,
            self._structure.variance_stages,
            self.lonely_psu,
            present,
            self.strata,
            adjust_domain=self._adjust_domain,
        )

    def vcov_domain_rows(
        self, weighted_values: np.ndarray, domains: np.ndarray, n_domains: int, present: np.ndarray
    ) -> np.ndarray:
        """Covariance of domain totals from per-row values (n, k) and domain codes (n,).

        Row ``i`` counts for domain ``domains[i]`` only (-1: none). Equivalent to
        :meth:`vcov_rows` on the (n, n_domains * k) matrix of scores spread over
        domain blocks, without forming it. Not for calibrated designs.
        """
        if self.calibration is not None:
            raise DesignError("calibrated designs need row-level scores; use vcov_rows.")
        return design_variance(
            weighted_values,
            self._structure.variance_stages,
            self.lonely_psu,
            present,
            self.strata,
            domains=domains,
            n_domains=n_domains,
            adjust_domain=self._adjust_domain,
        )

    def vcov_psu_totals(self, psu_totals: np.ndarray, present: np.ndarray) -> np.ndarray:
        """Design covariance from first-stage PSU totals (n_psu, p), for :attr:`can_aggregate`."""
        stage = self._structure.stages[0]
        clusters_present = None
        if present.all():
            stratum_present = np.ones(stage.n_strata, dtype=bool)
        else:
            psu_present = np.bincount(
                self.psu_index, weights=present.astype(float), minlength=self.n_psu
            )
            stratum_present = (
                np.bincount(stage.cluster_stratum, weights=psu_present, minlength=stage.n_strata)
                > 0
            )
            if self._adjust_domain:
                clusters_present = np.bincount(
                    stage.cluster_stratum,
                    weights=(psu_present > 0).astype(float),
                    minlength=stage.n_strata,
                )
        return stage_variance(
            np.asarray(psu_totals, dtype=np.float64),
            self._structure.variance_stages[0],
            self.lonely_psu,
            stratum_present,
            1,
            self.strata,
            clusters_present,
        )

    @property
    def _adjust_domain(self) -> bool:
        # R's subset() of a calibrated design keeps every row, so no stratum looks lonely.
        return self.adjust_domain_lonely and self.calibration is None

    def psu_totals(self, weighted_scores: np.ndarray) -> np.ndarray:
        """Sum per-row weighted scores (n, p) within first-stage PSUs -> (n_psu, p)."""
        return cluster_sums(weighted_scores, self.psu_index, self.n_psu)

    # ------------------------------------------------------------------ new designs
    def with_weights(
        self,
        weights: np.ndarray,
        *,
        calibration: object | None = _KEEP,
        replicates: Replicates | None = _KEEP,
    ) -> SurveyDesign:
        """Return a new design with other analysis weights (same rows and sampling structure).

        Parameters
        ----------
        weights : ndarray, shape (n,)
            The new analysis weights.
        calibration, replicates : optional
            Replace the calibration information / replicate weights (kept by default).
        """
        return SurveyDesign(
            self.data,
            self.weights,
            self.strata,
            self.psu,
            self.fpc,
            self.nest,
            self.lonely_psu,
            adjust_domain_lonely=self.adjust_domain_lonely,
            analysis_weights=np.asarray(weights, dtype=np.float64),
            replicates=self.replicates if replicates is _KEEP else replicates,
            calibration=self.calibration if calibration is _KEEP else calibration,
            structure=self.structure,
        )

    def subset(self, mask: pd.Series | np.ndarray | Sequence[bool]) -> SurveyDesign:
        """Restrict to the domain where ``mask`` is true, keeping every PSU (R ``subset``).

        Rows outside the domain get zero weight, so domain variances use the full
        design; the degrees of freedom count the PSUs and strata of the domain, as
        R ``degf`` does. Missing mask values count as false.

        Examples
        --------
        >>> import pandas as pd
        >>> df = pd.DataFrame({"y": [1.0, 2.0, 3.0, 4.0], "g": ["a", "b", "a", "b"]})
        >>> d = SurveyDesign(df)
        >>> float(d.subset(df["g"] == "a").mean("y").estimate[0])
        2.0
        """
        if isinstance(mask, pd.Series):
            _guards.check_mask_index(mask, self.data.index)
            if not mask.index.equals(self.data.index):
                mask = mask.reindex(self.data.index)
            series = mask.reset_index(drop=True)
        else:
            array = np.asarray(mask)
            series = pd.Series(array if array.ndim == 1 else array.ravel())
        if series.shape != (len(self.data),):
            raise DataError(
                f"subset mask has shape {np.shape(mask)}; it needs one value per row "
                f"({len(self.data)})."
            )
        if series.dtype == bool:
            keep = series.to_numpy()
        else:
            keep = series.eq(True).to_numpy(dtype=bool, na_value=False)
        weights = np.where(keep, self.weights_array, 0.0)
        if not (weights != 0).any():
            raise DesignError(
                "the subset is an empty domain: no row with non-zero weight satisfies the "
                "condition. "
                "Check the condition and the values of the columns it uses."
            )
        return self.with_weights(weights)

    def to_replicates(
        self,
        method: str = "bootstrap",
        replicates: int = DEFAULT_REPLICATES,
        *,
        seed: SeedLike = None,
        fay_rho: float = 0.0,
        mse: bool = False,
    ) -> SurveyDesign:
        """Return a replicate-weight version (JK1, JKn, BRR, Fay, Rao-Wu bootstrap).

        See :func:`govstats.design.replicates.to_replicates`.
        """
        return _replicates.to_replicates(
            self, method, replicates, seed=seed, fay_rho=fay_rho, mse=mse
        )

    def poststratify(self, variable: str | Sequence[str], population: LevelTotals) -> SurveyDesign:
        """Post-stratify to known population counts (R ``postStratify``).

        Parameters
        ----------
        variable : str or sequence of str
            Post-stratification variable(s); several are crossed.
        population : dict, pandas Series or DataFrame
            Population count of every level (a frame: level columns and ``Freq``).

        Returns
        -------
        SurveyDesign
            Weights ``w_i N_c / N_hat_c`` in cell ``c``; see
            :func:`govstats.design.calibration.poststratify`.

        Examples
        --------
        >>> import pandas as pd
        >>> df = pd.DataFrame({"g": ["a", "a", "b"], "w": [1.0, 1.0, 1.0]})
        >>> SurveyDesign(df, weights="w").poststratify("g", {"a": 10, "b": 5}).weights_array
        array([5., 5., 5.])
        """
        return calibration.poststratify(self, variable, population)

    def rake(
        self,
        margins: Mapping[str, LevelTotals],
        *,
        max_iter: int = 10,
        tol: float = 1.0,
        margin_rtol: float = 1e-6,
    ) -> SurveyDesign:
        """Rake to known one-way margins (R ``rake``).

        Parameters
        ----------
        margins : dict
            ``{variable: level totals}``.
        max_iter : int, default 10
            Maximum sweeps (R ``control$maxit``).
        tol : float, default 1
            R's ``control$epsilon``: stop when no cell of the joint weighted table
            moves by ``tol`` or more in a sweep (relative to the weight total when < 1).
        margin_rtol : float, default 1e-6
            Relative tolerance for the margins' grand totals to agree.

        Returns
        -------
        SurveyDesign
            See :func:`govstats.design.calibration.rake`.

        Examples
        --------
        >>> import pandas as pd
        >>> df = pd.DataFrame({"a": ["x", "x", "y", "y"], "b": ["u", "v", "u", "v"]})
        >>> raked = SurveyDesign(df).rake({"a": {"x": 6, "y": 4}, "b": {"u": 5, "v": 5}})
        >>> round(float(raked.weights_array.sum()), 6)
        10.0
        """
        return calibration.rake(self, margins, max_iter=max_iter, tol=tol, margin_rtol=margin_rtol)

    def calibrate(
        self,
        population_totals: PopulationTotals,
        *,
        formula: str | None = None,
        method: str = "linear",
        bounds: tuple[float, float] | None = None,
        max_iter: int = 50,
        tol: float = 1e-7,
    ) -> SurveyDesign:
        """Calibrate to population totals: GREG, raking or logit (R ``calibrate``).

        Parameters
        ----------
        population_totals : dict or pandas Series
            With ``formula``: a total per model-matrix column, named as R
            (``"(Intercept)"``, ``"stypeH"``) or formulaic (``"stype[T.H]"``) names it.
            Without: ``{variable: total}`` or ``{variable: {level: total}}``.
        formula : str, optional
            Calibration model such as ``"~stype + api99"``.
        method : {"linear", "raking", "logit"}
            R's ``calfun``.
        bounds : (float, float), optional
            Bounds on the calibration factors; required for ``"logit"``.
        max_iter : int, default 50
            Newton iterations (R ``maxit``).
        tol : float, default 1e-7
            R's ``epsilon``: every total within ``tol (1 + |T|)``.

        Returns
        -------
        SurveyDesign
            See :func:`govstats.design.calibration.calibrate`.

        Examples
        --------
        >>> import pandas as pd
        >>> df = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0], "w": [2.0] * 4})
        >>> cal = SurveyDesign(df, weights="w").calibrate({"(Intercept)": 10, "x": 30},
        ...                                               formula="~x")
        >>> round(float(cal.weights_array.sum()), 8)
        10.0
        """
        return calibration.calibrate(
            self,
            population_totals,
            formula=formula,
            method=method,
            bounds=bounds,
            max_iter=max_iter,
            tol=tol,
        )

    # ------------------------------------------------------------------ estimators
    def mean(
        self,
        variables: str | Sequence[str],
        *,
        by: str | Sequence[str] | None = None,
        na_rm: bool = False,
        deff: bool | str = False,
        level: float = DEFAULT_LEVEL,
    ) -> SurveyEstimate:
        """Estimate population means (R ``svymean``); a Categorical gives level proportions.

        Parameters
        ----------
        variables : str or sequence of str
            Numeric (or bool, or pandas Categorical) columns.
        by : str or sequence of str, optional
            Domain columns: one estimate per observed combination (R ``svyby``).
        na_rm : bool, default False
            Leave rows with missing values out of the estimate (as a domain).
        deff : bool or "replace", default False
            Design effects against simple random sampling without replacement (R
            ``deff=TRUE``) or with replacement (``"replace"``); False: none, as R.
        level : float, default 0.95
            Confidence level of the t intervals.

        Returns
        -------
        SurveyEstimate
            With design effects when ``deff`` asks for them.

        Examples
        --------
        >>> import pandas as pd
        >>> df = pd.DataFrame({"y": [2.0, 4.0, 6.0, 8.0], "w": [1.0, 1.0, 1.0, 1.0]})
        >>> r = SurveyDesign(df, weights="w").mean("y")
        >>> float(r.estimate[0]), round(float(r.se[0]), 6)
        (5.0, 1.290994)
        """
        return estimators.mean_or_total(
            self, variables, "mean", by=by, na_rm=na_rm, text_as_factor=False, deff=deff,
            level=level,
        )  # fmt: skip

    def total(
        self,
        variables: str | Sequence[str],
        *,
        by: str | Sequence[str] | None = None,
        na_rm: bool = False,
        deff: bool | str = False,
        level: float = DEFAULT_LEVEL,
    ) -> SurveyEstimate:
        """Estimate population totals (R ``svytotal``); a Categorical gives level counts.

        ``deff`` and ``level`` as in :meth:`mean`.

        Examples
        --------
        >>> import pandas as pd
        >>> df = pd.DataFrame({"y": [1.0, 2.0], "w": [10.0, 30.0]})
        >>> float(SurveyDesign(df, weights="w").total("y").estimate[0])
        70.0
        """
        return estimators.mean_or_total(
            self, variables, "total", by=by, na_rm=na_rm, text_as_factor=False, deff=deff,
            level=level,
        )  # fmt: skip

    def proportion(
        self,
        variable: str | Sequence[str],
        *,
        by: str | Sequence[str] | None = None,
        na_rm: bool = False,
        level: float = DEFAULT_LEVEL,
    ) -> SurveyEstimate:
        """Proportion of every level of categorical columns (R ``svymean(~factor)``).

        Text columns are treated as factors with sorted levels; Categoricals keep
        their declared level order.

        Examples
        --------
        >>> import pandas as pd
        >>> df = pd.DataFrame({"g": ["a", "b", "b", "b"]})
        >>> SurveyDesign(df).proportion("g").estimate.tolist()
        [0.25, 0.75]
        """
        return estimators.mean_or_total(
            self, variable, "mean", by=by, na_rm=na_rm, text_as_factor=True, level=level
        )

    def ratio(
        self,
        numerator: str | Sequence[str],
        denominator: str | Sequence[str],
        *,
        by: str | Sequence[str] | None = None,
        na_rm: bool = False,
        deff: bool = False,
        level: float = DEFAULT_LEVEL,
    ) -> SurveyEstimate:
        """Estimate ratios of population totals ``Y/X`` (R ``svyratio``).

        Every numerator is divided by every denominator. ``deff=True`` adds design
        effects as R ``svyratio(deff=TRUE)`` (those of the total of
        ``(y - R x) / X``).

        Examples
        --------
        >>> import pandas as pd
        >>> df = pd.DataFrame({"y": [1.0, 3.0], "x": [2.0, 2.0]})
        >>> float(SurveyDesign(df).ratio("y", "x").estimate[0])
        1.0
        """
        return estimators.ratio(
            self, numerator, denominator, by=by, na_rm=na_rm, deff=deff, level=level
        )

    def var(
        self,
        variables: str | Sequence[str],
        *,
        by: str | Sequence[str] | None = None,
        na_rm: bool = False,
        level: float = DEFAULT_LEVEL,
    ) -> SurveyEstimate:
        """Estimate population variances and covariances (R ``svyvar``).

        See :func:`govstats.design.svyvar.svyvar`.

        Examples
        --------
        >>> import pandas as pd
        >>> df = pd.DataFrame({"y": [1.0, 2.0, 3.0, 4.0], "w": [2.0, 2.0, 2.0, 2.0]})
        >>> round(float(SurveyDesign(df, weights="w").var("y").estimate[0]), 6)
        1.666667
        """
        return svyvar.svyvar(self, variables, by=by, na_rm=na_rm, level=level)

    def ciprop(
        self,
        variable: str,
        *,
        method: str = "logit",
        level: float = DEFAULT_LEVEL,
        na_rm: bool = False,
    ) -> SurveyEstimate:
        """Estimate a proportion with an interval inside [0, 1] (R ``svyciprop``).

        See :func:`govstats.design.ciprop.ciprop`.
        """
        return ciprop.ciprop(self, variable, method=method, level=level, na_rm=na_rm)

    def quantile(
        self,
        variables: str | Sequence[str],
        q: float | Sequence[float] = 0.5,
        *,
        by: str | Sequence[str] | None = None,
        qrule: str = "math",
        level: float = DEFAULT_LEVEL,
        na_rm: bool = False,
        interval_type: str = "mean",
    ) -> SurveyEstimate:
        """Quantiles with Woodruff intervals (R ``svyquantile``, survey 4.x defaults).

        See :func:`govstats.design.quantile.quantile`.
        """
        return quantile.quantile(
            self,
            variables,
            q,
            by=by,
            qrule=qrule,
            level=level,
            na_rm=na_rm,
            interval_type=interval_type,
        )

    def glm(
        self,
        formula: str,
        family: str | Family = "gaussian",
        *,
        na_rm: bool = False,
        max_iter: int = 25,
        tol: float = 1e-8,
        level: float = DEFAULT_LEVEL,
    ) -> GLMResult:
        """Design-based generalized linear model (R ``svyglm``).

        See :func:`govstats.design.glm.svyglm`.
        """
        return glm.svyglm(
            self, formula, family, na_rm=na_rm, max_iter=max_iter, tol=tol, level=level
        )

    def __repr__(self) -> str:
        kind = "replicate" if self.replicates is not None else "linearization"
        stages = len(self._structure.stages)
        return (
            f"SurveyDesign({kind}: {len(self.data)} rows, {self.n_psu} PSUs, {self.n_strata} "
            f"strata, {stages} stage(s), df={self.df}, lonely_psu={self.lonely_psu!r})"
        )

    def ivreg(self, formula: str, *, level: float = 0.95, na_rm: bool = False) -> IVResult:
        """Design-based instrumental-variable regression (R ``svyivreg``).

        See :func:`govstats.design.ivreg.ivreg`; the formula is linearmodels'
        ``"y ~ 1 + exog + [endog ~ instruments]"``.
        """
        from govstats.design import ivreg as _ivreg

        return _ivreg.ivreg(self, formula, level=level, na_rm=na_rm)

    # ------------------------------------------------------------------ models and tests
    def olr(
        self,
        formula: str,
        link: str = "logit",
        *,
        na_rm: bool = False,
        max_iter: int = 100,
        tol: float = 1.4901161193847656e-08,
        level: float = 0.95,
    ) -> OLRResult:
        """Design-based proportional-odds model (R ``svyolr``).

        See :func:`govstats.design.olr.svyolr`.
        >>> df = pd.DataFrame({"y": [1, 2, 3, 1, 2, 3, 3, 1, 2, 2], "x": range(10),
        ...                    "g": list("ababababab")})
        >>> SurveyDesign(df).olr("y ~ x").to_frame()["term"].tolist()
        ['x', '1|2', '2|3']
        """
        from govstats.design import olr as _olr

        return _olr.svyolr(
            self, formula, link, na_rm=na_rm, max_iter=max_iter, tol=tol, level=level
        )

    def chisq(self, row: str, col: str, statistic: str = "F", *, na_rm: bool = False) -> ChisqTest:
        """Rao–Scott or Wald test of independence in a two-way table (R ``svychisq``).

        See :func:`govstats.design.tests.svychisq`.

        Examples
        --------
        >>> import pandas as pd
        >>> df = pd.DataFrame({"y": [1, 2, 3, 1, 2, 3, 3, 1, 2, 2], "x": range(10),
        ...                    "g": list("ababababab")})
        >>> SurveyDesign(df).chisq("g", "y", "Wald").ndf
        2.0
        """
        from govstats.design import tests as _tests

        return _tests.svychisq(self, row, col, statistic, na_rm=na_rm)

    def ttest(
        self, variable: str, by: str | None = None, *, na_rm: bool = False, level: float = 0.95
    ) -> TTest:
        """Design-based t test of a difference in means (R ``svyttest``).

        See :func:`govstats.design.tests.svyttest`.

        Examples
        --------
        >>> import pandas as pd
        >>> df = pd.DataFrame({"y": [1, 2, 3, 1, 2, 3, 3, 1, 2, 2], "x": range(10),
        ...                    "g": list("ababababab")})
        >>> round(SurveyDesign(df).ttest("x", by="g").estimate, 6)
        1.0
        """
        from govstats.design import tests as _tests

        return _tests.svyttest(self, variable, by, na_rm=na_rm, level=level)

    def mlogit(
        self,
        formula: str,
        base: Hashable | None = None,
        *,
        na_rm: bool = False,
        max_iter: int = 25,
        tol: float = 1e-10,
        level: float = 0.95,
    ) -> MLogitResult:
        """Design-based multinomial logit model (Stata ``svy: mlogit``).

        See :func:`govstats.design.mlogit.svymlogit`.

        Examples
        --------
        >>> import pandas as pd
        >>> df = pd.DataFrame({"y": [1, 2, 3, 1, 2, 3, 3, 1, 2, 2], "x": range(10),
        ...                    "g": list("ababababab")})
        >>> SurveyDesign(df).mlogit("g ~ x").params.index.tolist()
        ['b:(Intercept)', 'b:x']
        """
        from govstats.design import mlogit as _mlogit

        return _mlogit.svymlogit(
            self, formula, base, na_rm=na_rm, max_iter=max_iter, tol=tol, level=level
        )

    @classmethod
    def from_replicate_weights(
        cls,
        data: pd.DataFrame,
        weights: str | None,
        replicate_weights: Sequence[str] | np.ndarray,
        *,
        method: str = "user",
        scale: float,
        rscales: Sequence[float] | np.ndarray | None = None,
        mse: bool = False,
    ) -> SurveyDesign:
        """Build a design from replicate weights supplied by a data producer (R ``svrepdesign``).

        Parameters
        ----------
        data : DataFrame
        weights : str or None
            Full-sample weight column (None: weights 1).
        replicate_weights : list of str or ndarray of shape (n, R)
            Replicate weight columns (full replicate weights, R ``combined.weights=TRUE``).
        method : str
            Label of the method (``"jk1"``, ``"jkn"``, ``"brr"``, ``"fay"``,
            ``"bootstrap"`` or ``"user"``); only ``scale`` and ``rscales`` enter the variance.
        scale : float
            Overall variance constant given by the producer (e.g. ``(R-1)/R`` for JK1,
            ``1/R`` for BRR, ``1/(R-1)`` for a bootstrap).
        rscales : sequence of float, optional
            Per-replicate constants (default 1).
        mse : bool
            Centre on the full-sample estimate.

        Returns
        -------
        SurveyDesign
            Every row its own PSU; ``replicates.row_weights`` holds the matrix.

        Examples
        --------
        >>> import pandas as pd
        >>> df = pd.DataFrame({"y": [1.0, 3.0], "w": [1.0, 1.0], "r1": [2.0, 0.0],
        ...                    "r2": [0.0, 2.0]})
        >>> d = SurveyDesign.from_replicate_weights(df, "w", ["r1", "r2"], method="brr", scale=0.5)
        >>> d.replicates.n_replicates
        2
        """
        base = cls(data, weights=weights)
        reps = _replicates.user_replicates(
            base, replicate_weights, method=method, scale=scale, rscales=rscales, mse=mse
        )
        return base.with_weights(base.weights_array, calibration=None, replicates=reps)

    def __new__(cls, *args: Any, **kwargs: Any) -> SurveyDesign:
        """Return a :class:`~govstats.design.distributed.DistributedDesign` for a dask frame.

        Estimators on a ``dask.dataframe.DataFrame`` run as passes of partition sums;
        dask is imported only then.
        """
        data = args[0] if args else kwargs.get("data")
        if cls is SurveyDesign and type(data).__module__.split(".")[0] == "dask":
            if _DASK_DESIGN is None:  # pragma: no cover - govstats.design registers it
                raise DesignError("the dask design is not loaded; import govstats.design first")
            return object.__new__(_DASK_DESIGN)
        return object.__new__(cls)


#: The subclass a design on a dask DataFrame becomes; ``govstats.design.distributed``
#: registers it (so that this module does not import the module that extends it).
_DASK_DESIGN: type[SurveyDesign] | None = None


def register_dask_design(cls: type[SurveyDesign]) -> None:
    """Make ``SurveyDesign(ddf, ...)`` build ``cls`` for a dask DataFrame ``ddf``."""
    global _DASK_DESIGN
    _DASK_DESIGN = cls


# the constructor's arguments are the dataclass fields (__new__ only picks the class)
_INIT = inspect.signature(SurveyDesign.__init__)
SurveyDesign.__signature__ = _INIT.replace(parameters=list(_INIT.parameters.values())[1:])  # type: ignore[attr-defined]
