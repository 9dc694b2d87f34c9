"""The divide chain: serial mediation with design-correct inference."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy.linalg import block_diag

from govstats.chain import _distributed, _effects, _paths, _replicate, _sampling
from govstats.chain._inference import INFERENCE, MIN_BCA_REPLICATES
from govstats.chain._inference import check_ci as _check_ci
from govstats.chain._summarise import (
    Uncertainty,
    analytic_uncertainty,
    difference_table,
    effect_table,
    summarise,
)
from govstats.chain.binary import BinaryChainResult
from govstats.chain.cascade import cascade_table
from govstats.chain.results import ChainResult
from govstats.chain.spec import ChainSpec, specific_paths
from govstats.design import SurveyDesign, _guards
from govstats.design.categorical import group_codes
from govstats.design.inference import (
    DEFAULT_LEVEL,
    DEFAULT_REPLICATES,
    SeedLike,
    check_level,
    check_replicates,
    resolve_seed,
)
from govstats.errors import DataError, DesignError, ModelError

__all__ = ["DivideChain"]


def _by_columns(by: str | Sequence[str] | None) -> tuple[str, ...]:
    if by is None:
        return ()
    columns = (by,) if isinstance(by, str) else tuple(by)
    if not all(isinstance(c, str) for c in columns) or len(set(columns)) != len(columns):
        raise DataError(f"by={by!r}: pass a column name or a list of distinct column names")
    return columns


class DivideChain:
    """The divide chain x -> M1 -> ... -> Mk -> Y as a serial mediation model.

    Every forward path is estimated by (design-)weighted least squares:
    ``Mj ~ 1 + x + M1..M(j-1) + C`` and ``Y ~ 1 + x + M1..Mk + C``. The constructor
    validates and stores the specification; :meth:`fit` estimates.

    Parameters
    ----------
    data : pandas.DataFrame or SurveyDesign
        Survey data, or a design bound to it (strata, PSUs, weights, fpc, replicates).
    x : str
        Exposure, binary (rural = 1) or continuous.
    mediators : sequence of str
        1 to 6 mediators in causal order.
    outcome : str
        Outcome column.
    covariates : sequence of str, optional
        Covariates of every equation; categorical ones are dummy-coded against their
        first level (stated in the result's notes).
    weights : str, optional
        Weight column; only when ``data`` is a DataFrame (a design carries its own).
    missing : {"error", "listwise"}
        Rows with a missing value in a used column raise :class:`DataError` unless
        ``"listwise"``: a DataFrame drops them, a design gives them zero weight (a
        domain, so every PSU is kept); the count is reported in the result.

    Notes
    -----
    Binary mediators or outcomes are modelled linearly (linear probability). The
    product-of-coefficients definition of indirect effects, their sum and the
    decomposition total = direct + indirect hold exactly only for linear equations;
    with logit or probit links the effects are no longer products of paths and
    depend on the covariate values. Linear probability coefficients are unbiased
    for the average marginal effect in a saturated model and close to it otherwise.
    If predicted probabilities near 0 or 1 matter, fit the binary equations with a
    design-based GLM and use counterfactual (natural effect) mediation instead.

    The point estimates equal lavaan's ``sem()`` of the same saturated path model
    (labelled paths, ``:=`` effects; ``fixed.x = TRUE``, uncorrelated residuals),
    with or without ``sampling.weights``. On a DataFrame, ``inference=
    "linearization"`` is R ``svydesign(id = ~1, weights = ~w)``; lavaan's robust
    covariance (``se = "robust.huber.white"``, ``estimator = "MLR"``; ``"MLM"``
    without weights) is this covariance times (n - 1)/n, so every effect's SE
    times sqrt((n - 1)/n).
    lavaan's default ``se = "standard"`` is model-based (homoskedastic, no
    cross-equation covariance) and not a design-based SE.

    References
    ----------
    Hayes, A. F. (2018). *Introduction to Mediation, Moderation, and Conditional
    Process Analysis* (2nd ed.), PROCESS Model 6. Rosseel, Y. (2012). lavaan: an R
    package for structural equation modeling, *J. Stat. Softw.* 48(2). Lumley, T.
    (2010). *Complex Surveys*, ch. 3 (replicate weights) and 5 (linearization).

    Examples
    --------
    >>> import govstats as gs
    >>> sim = gs.datasets.simulate_survey(seed=2024, n_persons=3000)
    >>> design = gs.SurveyDesign(sim.data, weights="weight", strata="stratum", psu="county")
    >>> chain = gs.DivideChain(design, x="rural",
    ...                        mediators=["info_access", "participation", "expression"],
    ...                        outcome="service",
    ...                        covariates=["age", "female", "edu_years", "log_income"])
    >>> res = chain.fit(inference="replicate", replicates=500, seed=1, progress=False)
    >>> row = res.effects.loc["indirect_total"]
    >>> round(float(row["estimate"]), 2), bool(0.01 < row["se"] < 0.04), res.seed
    (-0.26, True, 1)
    >>> round(float(sim.truth.effects["indirect_total"]), 2)
    -0.26
    >>> lin = chain.fit(inference="linearization")
    >>> lin.to_process().loc["Ind7", "key"]
    'rural -> expression -> service'
    """

    def __init__(
        self,
        data: pd.DataFrame | SurveyDesign,
        x: str,
        mediators: Sequence[str],
        outcome: str,
        covariates: Sequence[str] = (),
        weights: str | None = None,
        *,
        missing: str = "error",
    ) -> None:
        self.design: SurveyDesign | None
        self._levels: dict[str, list[object]] | None = None
        if _distributed.is_distributed(data):  # a design on a dask DataFrame
            _distributed.setup(self, data, x, mediators, outcome, covariates, weights, missing)
            return
        if isinstance(data, SurveyDesign):
            if weights is not None:
                raise DesignError(
                    f"weights={weights!r} was given with a SurveyDesign; the design's weights "
                    "are used -- drop the weights argument or pass a DataFrame"
                )
            frame = data.data
            self.design = data
        elif isinstance(data, pd.DataFrame):
            _guards.check_unique_columns(data)
            frame = _guards.snapshot(data)  # later edits of the caller's frame do not reach it
            self.design = None
        else:
            raise DataError(
                f"data must be a pandas DataFrame or a SurveyDesign, got {type(data).__name__}"
            )
        if missing not in ("error", "listwise"):
            raise DataError(f"missing={missing!r}; use 'error' or 'listwise'")
        self.spec = ChainSpec.build(frame, x, mediators, outcome, covariates)
        self.data = frame
        self.weights = weights
        self.missing = missing
        if weights is not None:
            if weights not in frame.columns:
                raise DataError(f"weight column {weights!r} is not in the data")
            w = pd.to_numeric(frame[weights], errors="coerce").to_numpy(dtype=float)
            bad = ~np.isfinite(w) | (w <= 0)
            if bad.any() and missing == "error":
                raise DataError(
                    f"weight column {weights!r} has {int(bad.sum())} missing, non-positive or "
                    f"non-numeric values (first rows {np.flatnonzero(bad)[:5].tolist()}); fix "
                    "them or pass missing='listwise'"
                )
        incomplete = self._incomplete()
        self._incomplete_rows = incomplete  # fit() drops these rows without another pass
        if incomplete.any() and missing == "error":
            counts = self.data[list(self.spec.used_columns)].isna().sum()
            named = {c: int(v) for c, v in counts.items() if v}
            raise DataError(
                f"{int(incomplete.sum())} of {len(frame)} rows have missing values "
                f"(per column: {named}); impute them or pass missing='listwise' to drop them"
            )

    # ------------------------------------------------------------------ preparation
    def _incomplete(self) -> np.ndarray:
        """Rows in the analysis with a missing value (not rows outside a design domain)."""
        mask = self.spec.incomplete_rows(self.data)
        if self.weights is not None:
            w = pd.to_numeric(self.data[self.weights], errors="coerce").to_numpy(dtype=float)
            mask = mask | ~np.isfinite(w) | (w <= 0)
        if self.design is not None:
            mask = mask & (np.asarray(self.design.weights_array) > 0)
        return mask

    def _prepare(
        self, by: tuple[str, ...]
    ) -> tuple[np.ndarray, _sampling.Sampling, int, pd.DataFrame]:
        """Z (no NaN), the sampling structure and the number of incomplete rows."""
        incomplete = self._incomplete_rows
        frame = self.data
        for column in by:
            if column not in frame.columns:
                raise DataError(f"by={column!r} is not a column of the data")
            by_missing = frame[column].isna().to_numpy()
            if by_missing.any() and self.missing == "error":
                raise DataError(
                    f"by column {column!r} has {int(by_missing.sum())} missing values; fix them "
                    "or pass missing='listwise'"
                )
            incomplete = incomplete | by_missing
        if self.design is None:
            frame = frame.loc[~incomplete]
            w = (
                np.ones(len(frame))
                if self.weights is None
                else frame[self.weights].to_numpy(dtype=float)
            )
            _guards.check_weight_scale(w, self.weights)
            sampling = _sampling.from_frame(w)
            z = self.spec.matrix(frame)
        else:
            # Incomplete rows leave the analysis as a domain (design.subset keeps every
            # PSU); rows outside the domain carry zero weight, so their values are unused.
            design = self.design.subset(~incomplete) if incomplete.any() else self.design
            sampling = _sampling.from_design(design)
            z = self.spec.matrix(frame, fill_missing=True)
        return z, sampling, int(incomplete.sum()), frame

    def _check_finite(self, full: np.ndarray, z: np.ndarray) -> None:
        """Refuse infinite values, or values whose squares overflow: never NaN effects.

        An infinite or overflowing value makes its cross-products infinite, so the rows
        are searched (one pass per column) only when the weighted cross-products are not
        finite.
        """
        if np.isfinite(full).all():
            return
        _guards.check_value_scale(z, list(self.spec.columns))
        raise DataError(
            "the weighted cross-products of the chain's columns overflow float64; rescale "
            "the variables or the weights"
        )

    def _groups(
        self, frame: pd.DataFrame, sampling: _sampling.Sampling, by: tuple[str, ...]
    ) -> list[tuple[str, np.ndarray]]:
        """Label and domain weights of every group (observed combinations of ``by``)."""
        if not by:
            return [("", sampling.weights)]
        codes, labels, _ = group_codes(frame, list(by), sampling.weights > 0)
        names = [":".join(str(v) for v in label) for label in labels]
        if len(names) < 2:
            raise ModelError(f"by={_by_name(by)!r} has a single level {names}; nothing to compare")
        return [(name, np.where(codes == g, sampling.weights, 0.0)) for g, name in enumerate(names)]

    # ------------------------------------------------------------------ fitting
    def fit(
        self,
        inference: str | None = None,
        *,
        replicates: int | None = None,
        ci: str | None = None,
        level: float = DEFAULT_LEVEL,
        seed: SeedLike = None,
        by: str | Sequence[str] | None = None,
        progress: bool = True,
        allow_iid_bootstrap: bool = False,
    ) -> ChainResult:
        """Estimate every path and effect, with intervals.

        Parameters
        ----------
        inference : {"replicate", "linearization", "montecarlo", "bootstrap", "model", "none"}
            Default: "replicate" for a SurveyDesign, "linearization" for a DataFrame.
            "replicate" uses the design's replicate weights (a Rao-Wu rescaled
            bootstrap is made when the design has none); "linearization" stacks the
            influence functions of all equations and applies the delta method;
            "montecarlo" draws from the joint normal of the paths; "bootstrap" is
            the i.i.d. row bootstrap of PROCESS, for simple random samples only;
            "model" gives the textbook SEs of R ``lm`` / Stata ``regress`` per equation
            (``sum w e^2 / (n - p) (X'WX)^-1``, independent equations; DataFrames only).
        replicates : int, optional
            Number of bootstrap replicates / Monte Carlo draws (``None``: 1000, or
            the design's own replicate weights, with which it must be omitted).
        ci : {"percentile", "bca", "wald"}, optional
            Interval type. Default: percentile for bootstrap and Monte Carlo draws,
            t (wald) for linearization and jackknife/BRR replicates.
        level : float, default 0.95
            Confidence level.
        seed : int, numpy.random.Generator or None, keyword-only
            Randomness of bootstrap and Monte Carlo draws. ``None`` draws fresh
            entropy; the seed used is recorded in ``result.seed`` and a rerun with
            it reproduces every number.
        by : str or sequence of str, optional
            Fit the chain in every group of this column (or every observed
            combination of these columns, labelled ``"a:b"``) -- a domain: zero
            weight outside the group, the same replicates for every group -- and
            report the difference of every effect from the first group.
        progress : bool
            Show a progress bar for replicate runs when stderr is a terminal.
        allow_iid_bootstrap : bool
            Permit ``inference="bootstrap"`` on data with strata, clusters or
            unequal weights (the resulting intervals ignore the design).

        Returns
        -------
        ChainResult
        """
        inference = inference or ("replicate" if self.design is not None else "linearization")
        if inference not in INFERENCE:
            raise ModelError(f"inference={inference!r}; choose one of {INFERENCE}")
        level = check_level(level)
        if replicates is not None:
            replicates = check_replicates(replicates)
        seed_used, rng = resolve_seed(seed)
        by_cols = _by_columns(by)
        if self._levels is not None:
            return _distributed.fit(
                self, inference, replicates, ci, level, seed_used, by_cols, progress
            )
        for column in by_cols:
            if column in self.spec.used_columns:
                raise ModelError(
                    f"by={column!r} is also x, a mediator, the outcome or a covariate; within "
                    "each group it would be constant -- drop it from the chain or group by "
                    "another column"
                )
        z, sampling, n_dropped, frame = self._prepare(by_cols)
        groups = self._groups(frame, sampling, by_cols)
        by_label = _by_name(by_cols)
        spec = self.spec
        equations = spec.equations()
        sizes = [len(regs) for _, regs, _ in equations]
        emap = _effects.EffectMap.from_sizes(sizes, specific_paths(spec.k))
        cross = []
        coefs = []
        for label, w in groups:
            with np.errstate(over="ignore", invalid="ignore"):  # _check_finite says which
                s_psu = _paths.psu_crossproducts(z, w, sampling.psu_index, sampling.n_psu)
                full = _paths.unpack(s_psu.sum(axis=0), z.shape[1])
            self._check_finite(full, z)
            self._check_rows(full, w, sampling, max(sizes), label, by_label, inference)
            beta = _paths.solve_equations(full[None], equations)
            coefs.append(np.concatenate([b[0] for b in beta]))
            cross.append((s_psu, full, beta))
        theta = np.concatenate(coefs)
        eff = np.concatenate([_effects.effects(c[None], emap)[0] for c in coefs])
        seed_out: int | None = None

        wheres = [f" in group {by_label}={label!r}" if by_label else "" for label, _ in groups]
        if inference == "none":
            ci_used = "wald"
            coef_unc = eff_unc = Uncertainty("none", "wald", level, float(sampling.df))
        elif inference == "model":
            if self.design is not None:
                raise ModelError(
                    "inference='model' gives textbook SEs that ignore strata, clusters and "
                    "weights as sampling weights; use 'linearization' or 'replicate' on a design"
                )
            ci_used = _check_ci(ci, ("wald",), "wald", inference)
            vcov = block_diag(
                *(
                    _paths.model_vcov(full, [b[0] for b in beta], equations, int((w > 0).sum()))
                    for (_, w), (_, full, beta) in zip(groups, cross, strict=True)
                )
            )
            grad = block_diag(*(_effects.effect_gradients(c, emap) for c in coefs))
            df = float(sampling.df)
            coef_unc = Uncertainty("model", ci_used, level, df, vcov=vcov)
            eff_unc = Uncertainty("model", ci_used, level, df, vcov=grad @ vcov @ grad.T)
        elif inference in ("linearization", "montecarlo"):
            blocks = [
                _paths.influence(z, w, full, [b[0] for b in beta], equations)
                for (_, w), (_, full, beta) in zip(groups, cross, strict=True)
            ]
            vcov = sampling.vcov_totals(np.hstack(blocks))
            df = float(sampling.df)
            coef_unc, eff_unc = analytic_uncertainty(
                inference, ci, level, df, vcov, coefs, emap, rng, theta, replicates
            )
            if inference == "montecarlo":
                seed_out = seed_used
            ci_used = eff_unc.ci
        else:
            if inference == "bootstrap":
                plan = _replicate.iid_plan(
                    z, sampling, groups, replicates or DEFAULT_REPLICATES, seed_used,
                    allow_iid_bootstrap,
                )  # fmt: skip
                seed_out = seed_used
            else:
                plan = _replicate.design_plan(
                    z, sampling, groups, [c[0] for c in cross], replicates, seed_used
                )
                own = sampling.replicates
                seed_out = seed_used if own is None else own.seed
            ci_used = self._replicate_ci(ci, plan)
            q = z.shape[1]
            coef_draws, eff_draws = _replicate.run(plan, q, equations, emap, wheres, progress)
            jack_coef = jack_eff = None
            if ci_used == "bca":
                jack_coef, jack_eff = _replicate.jackknife(plan, q, equations, emap, wheres)
            common = (plan.scale, plan.rscales, plan.mse)
            coef_unc = Uncertainty(
                plan.label, ci_used, level, plan.df, coef_draws, jack_coef, None, *common
            )
            eff_unc = Uncertainty(
                plan.label, ci_used, level, plan.df, eff_draws, jack_eff, None, *common
            )

        group_labels = tuple(label for label, _ in groups) if by_label else ()
        no_bca: list[str] = []
        paths = self._paths_frame(theta, coef_unc, group_labels, by_label, no_bca)
        effects = effect_table(eff, eff_unc, spec.effect_names(), group_labels, by_label, no_bca)
        differences = None
        if by_label:
            differences = difference_table(
                eff, eff_unc, spec.effect_names(), group_labels, by_label, no_bca
            )
        cascade = None
        if _is_binary(z[:, 1], sampling.weights > 0):
            psu_cross = cross[0][0] if not by_cols else None
            cascade = cascade_table(z, sampling, spec, level, psu_cross=psu_cross)
        residual_sd, outcome_sd = _spreads(cross, equations, spec.outcome_column)
        return ChainResult(
            spec=spec,
            paths=paths,
            effects=effects,
            differences=differences,
            cascade=cascade,
            method=eff_unc.method,
            ci=ci_used,
            conf_level=level,
            df=eff_unc.df,
            n_obs=int((sampling.weights > 0).sum()),
            n_dropped=n_dropped,
            seed=seed_out,
            notes=self._notes(n_dropped, by_label, no_bca),
            groups=group_labels,
            by=by_label,
            effect_theta=eff,
            effect_uncertainty=eff_unc,
            path_theta=theta,
            path_uncertainty=coef_unc,
            residual_sd=residual_sd,
            outcome_sd=outcome_sd,
        )

    def cascade(self, *, level: float = DEFAULT_LEVEL) -> pd.DataFrame:
        """Weighted mean of every link for x = 0 and x = 1, and the gap at each link.

        Returns
        -------
        pandas.DataFrame
            Columns ``link``, ``group`` (``"x = 0"``, ``"x = 1"``, ``"gap"``),
            ``estimate``, ``se``, ``ci_low``, ``ci_high``, ``df``; the gap is x = 1
            minus x = 0, with a design-based SE (linearization or replicates).
        """
        level = check_level(level)
        if self._levels is not None:
            table = self.fit(inference="none", level=level).cascade
            if table is None:
                raise ModelError(
                    f"the cascade compares x = 0 with x = 1, but {self.spec.x!r} is not binary 0/1"
                )
            return table
        z, sampling, _, _ = self._prepare(())
        if not _is_binary(z[:, 1], sampling.weights > 0):
            raise ModelError(
                f"the cascade compares x = 0 with x = 1, but {self.spec.x!r} is not binary 0/1"
            )
        return cascade_table(z, sampling, self.spec, level)

    # ------------------------------------------------------------------ internals
    def _check_rows(
        self,
        full: np.ndarray,
        w: np.ndarray,
        sampling: _sampling.Sampling,
        n_params: int,
        label: str,
        by: str | None,
        inference: str,
    ) -> None:
        """Enough cases and PSUs for the chain's equations, and no collinear column."""
        if by:
            n_psu = np.unique(sampling.psu_index[w > 0]).size
            if n_psu <= n_params and (sampling.has_clusters or inference != "linearization"):
                raise ModelError(
                    f"group {by}={label!r} has members in only {n_psu} PSUs, fewer than the "
                    f"{n_params + 1} a chain with {n_params} parameters needs for design-based "
                    "variances; merge groups of "
                    f"{by!r} or fit without by="
                )
        self._check(full, int((w > 0).sum()), n_params, label, by)

    def _check(
        self, full: np.ndarray, n_rows: int, n_params: int, label: str, by: str | None
    ) -> None:
        """Refuse fewer complete cases than parameters, or a constant or collinear column.

        ``full`` holds the weighted cross-products of the model columns; ``n_rows`` the
        complete cases with a positive weight (counted, never a per-row array here).
        """
        where = f" in group {by}={label!r}" if by else ""
        if n_rows <= n_params:
            raise ModelError(
                f"{n_rows} complete cases{where} but the outcome equation has {n_params} "
                "parameters; more cases are needed than parameters -- drop covariates or "
                "mediators, or merge groups"
            )
        names = self.spec.columns
        order = [0, 1, *range(2, 2 + self.spec.n_covariates)]
        order += [self.spec.mediator_column(j) for j in range(self.spec.k)]
        bad = _paths.first_collinear(full, order)
        if bad is None:
            return
        col, kind = bad
        name = names[col]
        role = (
            "x" if col == 1 else "mediator" if name in self.spec.mediators else "covariate column"
        )
        if kind == "constant":
            raise ModelError(
                f"{role} {name!r} is constant{where}; a constant variable carries no path -- "
                "check the data or the subset"
            )
        raise ModelError(
            f"{role} {name!r} is perfectly collinear with x, the covariates and the earlier "
            f"mediators{where}; drop it or reorder the mediators"
        )

    @staticmethod
    def _replicate_ci(ci: str | None, plan: _replicate.ReplicatePlan) -> str:
        bootstrap_like = plan.method == "bootstrap"
        allowed = ("percentile", "bca", "wald") if bootstrap_like else ("wald",)
        ci_used = _check_ci(
            ci, allowed, "percentile" if bootstrap_like else "wald", f"{plan.label} replicates"
        )
        if ci_used == "bca" and plan.n_replicates < MIN_BCA_REPLICATES:
            raise ModelError(
                f"ci='bca' needs at least {MIN_BCA_REPLICATES} replicates (1000 or more is "
                f"advisable) but replicates={plan.n_replicates}; ask for more or use "
                "ci='percentile'"
            )
        return ci_used

    def _paths_frame(
        self,
        theta: np.ndarray,
        unc: Uncertainty,
        groups: tuple[str, ...],
        by: str | None,
        failed: list[str],
    ) -> pd.DataFrame:
        terms = self.spec.equation_terms()
        eqs = [name for name, _, _ in self.spec.equations()]
        equation = [e for e, t in zip(eqs, terms, strict=True) for _ in t]
        term = [x for t in terms for x in t]
        table = summarise(
            theta,
            unc,
            np.eye(theta.size),
            [
                f"{g}{e} ~ {t}"
                for g in ([f"{by}={lab}: " for lab in groups] or [""])
                for e, t in zip(equation, term, strict=True)
            ],
            strict=False,
            failed=failed,
        )
        frame = pd.DataFrame(
            {
                "equation": equation * max(1, len(groups)),
                "term": term * max(1, len(groups)),
                **table,
            }
        )
        if by:
            frame.insert(0, by, np.repeat(groups, len(term)))
        return frame

    def _notes(self, n_dropped: int, by: str | None, no_bca: list[str]) -> tuple[str, ...]:
        notes = [
            f"covariate {c!r} is dummy-coded; reference level {lev!r}"
            for c, lev in self.spec.reference_levels.items()
        ]
        notes += [
            f"{c!r} is binary (0/1) and is modelled linearly (linear probability model)"
            for c in self.spec.binary
        ]
        if n_dropped:
            how = "dropped" if self.design is None else "given zero weight (kept as a domain)"
            notes.append(f"{n_dropped} rows with missing values {how} (missing='listwise')")
        if no_bca:
            notes.append(
                f"no BCa interval for {no_bca}: nearly all replicates lie on one side of the "
                "estimate or the adjusted quantiles fall beyond the most extreme replicate, so "
                "their ci_low/ci_high are NaN; ask for more replicates or use ci='percentile'"
            )
        if by:
            notes.append(
                f"differences are each group of {by!r} minus the first group, on the same "
                "replicates / joint linearization"
            )
        return tuple(notes)

    def natural_effects(
        self,
        *,
        family: str = "binomial",
        x_values: tuple[float, float] = (0.0, 1.0),
        replicates: int | None = None,
        seed: int | np.random.Generator | None = None,
        level: float = 0.95,
    ) -> BinaryChainResult:
        """Natural direct and indirect effects with a binary (logit) outcome equation.

        Effects are risk differences on the probability scale, by the counterfactual
        definitions, with the design's replicates (see
        :func:`govstats.chain.binary.binary_chain`). ``missing="listwise"`` leaves
        incomplete rows out as a domain.
        """
        from govstats.chain.binary import binary_chain

        design = self.design
        if design is None:
            design = SurveyDesign(self.data, weights=self.weights)
        return binary_chain(
            design,
            self.spec.x,
            list(self.spec.mediators),
            self.spec.outcome,
            list(self.spec.covariates),
            family=family,
            x_values=x_values,
            replicates=replicates,
            seed=seed,
            level=level,
            na_rm=self.missing == "listwise",
        )


# ---------------------------------------------------------------------- helpers
def _by_name(by: tuple[str, ...]) -> str | None:
    """Name of the grouping: the column, or the columns joined by ":" (their combinations)."""
    return ":".join(by) if by else None


def _spreads(
    cross: list[tuple[np.ndarray, np.ndarray, list[np.ndarray]]],
    equations: list[tuple[str, list[int], int]],
    outcome_column: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Weighted residual SD of every equation and SD of the outcome, per group."""
    residual, outcome = [], []
    for _, full, beta in cross:
        total = full[0, 0]
        sds = []
        for (_, regs, response), b in zip(equations, beta, strict=True):
            rss = full[response, response] - b[0] @ full[regs, response]
            sds.append(np.sqrt(max(rss, 0.0) / total))
        residual.append(sds)
        mean = full[0, outcome_column] / total
        outcome.append(np.sqrt(max(full[outcome_column, outcome_column] / total - mean**2, 0.0)))
    return np.asarray(residual), np.asarray(outcome)


def _is_binary(values: np.ndarray, active: np.ndarray) -> bool:
    """Whether ``values`` takes exactly the values 0 and 1 on the active rows (no sort)."""
    if active.all():
        one = values == 1
        n_one = int(np.count_nonzero(one))
        n_zero = int(np.count_nonzero(values == 0))
        return bool(n_one > 0 and n_zero > 0 and n_one + n_zero == values.shape[0])
    zero = (values == 0) & active
    one = (values == 1) & active
    return bool(np.all(zero | one | ~active) and zero.any() and one.any())
