"""The divide chain: serial mediation with design-correct inference."""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from govstats.chain import _effects, _paths, _sampling
from govstats.chain._inference import MIN_BCA_REPLICATES
from govstats.chain._summarise import Uncertainty, summarise
from govstats.chain.cascade import cascade_table
from govstats.chain.results import ChainResult
from govstats.chain.spec import ChainSpec
from govstats.errors import DataError, DesignError, ModelError

__all__ = ["DivideChain"]

INFERENCE = ("replicate", "linearization", "montecarlo", "bootstrap", "none")
CI_TYPES = ("percentile", "bca", "wald")
#: Replicates (or Monte Carlo draws) used when none are asked for.
DEFAULT_REPLICATES = 1000
#: Cap on the entries of one chunk of i.i.d. bootstrap counts (rows x replicates).
_MAX_CHUNK_ENTRIES = 20_000_000


def _is_design(obj: object) -> bool:
    return hasattr(obj, "weights_array") and hasattr(obj, "vcov_totals") and hasattr(obj, "data")


def _rng(seed: int | np.random.Generator | None) -> np.random.Generator:
    return seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)


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
    >>> res.effects.loc["indirect_total", ["estimate", "se"]].round(2).tolist()
    [-0.26, 0.02]
    >>> round(float(sim.truth.effects["indirect_total"]), 2)
    -0.26
    >>> lin = chain.fit(inference="linearization")
    >>> lin.to_process().loc["Ind7", "key"]
    'rural -> expression -> service'
    """

    def __init__(
        self,
        data: Any,
        x: str,
        mediators: Sequence[str],
        outcome: str,
        covariates: Sequence[str] = (),
        weights: str | None = None,
        *,
        missing: str = "error",
    ) -> None:
        if _is_design(data):
            if weights is not None:
                raise DesignError(
                    f"weights={weights!r} was given with a SurveyDesign; the design's weights "
                    "are used -- drop the weights argument or pass a DataFrame"
                )
            frame = data.data
            self.design: Any | None = data
        elif isinstance(data, pd.DataFrame):
            frame = data
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
        if incomplete.any() and missing == "error":
            counts = self.data[list(self.spec.used_columns)].isna().sum()
            named = {c: int(v) for c, v in counts.items() if v}
            raise DataError(
                f"{int(incomplete.sum())} of {len(frame)} rows have missing values "
                f"(per column: {named}); impute them or pass missing='listwise' to drop them"
            )

    # ------------------------------------------------------------------ preparation
    def _incomplete(self) -> np.ndarray:
        mask = self.spec.incomplete_rows(self.data)
        if self.weights is not None:
            w = pd.to_numeric(self.data[self.weights], errors="coerce").to_numpy(dtype=float)
            mask = mask | ~np.isfinite(w) | (w <= 0)
        return mask

    def _prepare(self, by: str | None) -> tuple[np.ndarray, _sampling.Sampling, int, pd.DataFrame]:
        """Z (no NaN), the sampling structure and the number of incomplete rows."""
        incomplete = self._incomplete()
        frame = self.data
        if by is not None:
            if by not in frame.columns:
                raise DataError(f"by={by!r} is not a column of the data")
            by_missing = frame[by].isna().to_numpy()
            if by_missing.any() and self.missing == "error":
                raise DataError(
                    f"by column {by!r} has {int(by_missing.sum())} missing values; fix them or "
                    "pass missing='listwise'"
                )
            incomplete = incomplete | by_missing
        if self.design is None:
            frame = frame.loc[~incomplete]
            w = (
                np.ones(len(frame))
                if self.weights is None
                else frame[self.weights].to_numpy(dtype=float)
            )
            sampling = _sampling.from_frame(w)
            z = self.spec.matrix(frame)
        else:
            sampling = _sampling.from_design(self.design)
            z = self.spec.matrix(frame)
            if incomplete.any():
                weights = np.where(incomplete, 0.0, sampling.weights)
                sampling = sampling.with_weights(weights)
                z = np.where(np.isnan(z), 0.0, z)
        return z, sampling, int(incomplete.sum()), frame

    def _groups(
        self, frame: pd.DataFrame, sampling: _sampling.Sampling, by: str | None
    ) -> list[tuple[str, np.ndarray]]:
        if by is None:
            return [("", sampling.weights)]
        col = frame[by]
        if isinstance(col.dtype, pd.CategoricalDtype):
            levels = [c for c in col.cat.categories if (col == c).any()]
        else:
            levels = sorted(col.dropna().unique().tolist())
        if len(levels) < 2:
            raise ModelError(f"by={by!r} has a single level {levels}; nothing to compare")
        values = col.to_numpy(dtype=object)
        return [(str(lev), np.where(values == lev, sampling.weights, 0.0)) for lev in levels]

    # ------------------------------------------------------------------ fitting
    def fit(
        self,
        inference: str | None = None,
        replicates: int | None = None,
        ci: str | None = None,
        level: float = 0.95,
        seed: int | np.random.Generator | None = None,
        *,
        by: str | None = None,
        progress: bool = True,
        allow_iid_bootstrap: bool = False,
    ) -> ChainResult:
        """Estimate every path and effect, with intervals.

        Parameters
        ----------
        inference : {"replicate", "linearization", "montecarlo", "bootstrap", "none"}
            Default: "replicate" for a SurveyDesign, "linearization" for a DataFrame.
            "replicate" uses the design's replicate weights (a Rao-Wu rescaled
            bootstrap is made when the design has none); "linearization" stacks the
            influence functions of all equations and applies the delta method;
            "montecarlo" draws from the joint normal of the paths; "bootstrap" is
            the i.i.d. row bootstrap of PROCESS, for simple random samples only.
        replicates : int, optional
            Number of bootstrap replicates / Monte Carlo draws (default 1000);
            must be omitted when the design already carries replicate weights.
        ci : {"percentile", "bca", "wald"}, optional
            Interval type. Default: percentile for bootstrap and Monte Carlo draws,
            t (wald) for linearization and jackknife/BRR replicates.
        level : float
            Confidence level.
        seed : int or numpy.random.Generator, optional
            Randomness of bootstrap and Monte Carlo draws.
        by : str, optional
            Fit the chain in every group of this column (a domain: zero weight
            outside the group, the same replicates for every group) and report the
            difference of every effect from the first group.
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
        if not 0 < level < 1:
            raise ModelError(f"level={level}; give a confidence level between 0 and 1")
        z, sampling, n_dropped, frame = self._prepare(by)
        groups = self._groups(frame, sampling, by)
        spec = self.spec
        equations = spec.equations()
        sizes = [len(regs) for _, regs, _ in equations]
        emap = _effects.EffectMap.from_sizes(sizes, _spec_paths(spec.k))
        cross = []
        coefs = []
        for label, w in groups:
            s_psu = _paths.psu_crossproducts(z, w, sampling.psu_index, sampling.n_psu)
            full = _paths.unpack(s_psu.sum(axis=0), z.shape[1])
            self._check(full, w, sampling, max(sizes), label, by, inference)
            beta = _paths.solve_equations(full[None], equations)
            coefs.append(np.concatenate([b[0] for b in beta]))
            cross.append((s_psu, full, beta))
        theta = np.concatenate(coefs)
        eff = np.concatenate([_effects.effects(c[None], emap)[0] for c in coefs])
        rng = _rng(seed)
        seed_out = seed if isinstance(seed, int) else None

        if inference == "none":
            ci_used = "wald"
            coef_unc = eff_unc = Uncertainty("none", "wald", level, float(sampling.df))
        elif inference in ("linearization", "montecarlo"):
            blocks = [
                _paths.influence(z, w, full, [b[0] for b in beta], equations)
                for (_, w), (_, full, beta) in zip(groups, cross, strict=True)
            ]
            vcov = sampling.vcov_totals(np.hstack(blocks))
            grad = _block_diag([_effects.effect_gradients(c, emap) for c in coefs])
            if inference == "linearization":
                ci_used = _check_ci(ci, ("wald",), "wald", inference)
                df = float(sampling.df)
                coef_unc = Uncertainty("linearization", ci_used, level, df, vcov=vcov)
                eff_unc = Uncertainty(
                    "linearization", ci_used, level, df, vcov=grad @ vcov @ grad.T
                )
            else:
                ci_used = _check_ci(ci, ("percentile", "wald"), "percentile", inference)
                n_draws = replicates or DEFAULT_REPLICATES
                draws = _mvn(rng, theta, vcov, n_draws)
                p_total = sum(sizes)
                eff_draws = np.hstack(
                    [
                        _effects.effects(draws[:, g * p_total : (g + 1) * p_total], emap)
                        for g in range(len(groups))
                    ]
                )
                df = float(sampling.df)
                coef_unc = Uncertainty("montecarlo", ci_used, level, df, draws=draws)
                eff_unc = Uncertainty("montecarlo", ci_used, level, df, draws=eff_draws)
        else:
            coef_unc, eff_unc, ci_used = self._replicate_inference(
                inference, z, sampling, groups, cross, equations, emap, sizes, theta, eff,
                replicates, ci, level, rng, progress, allow_iid_bootstrap, by,
            )  # fmt: skip

        group_labels = tuple(label for label, _ in groups) if by else ()
        no_bca: list[str] = []
        paths = self._paths_frame(theta, coef_unc, group_labels, by, no_bca)
        effects = _table(eff, eff_unc, spec.effect_names(), group_labels, by, no_bca)
        differences = None
        if by:
            differences = _differences(eff, eff_unc, spec.effect_names(), group_labels, by, no_bca)
        cascade = None
        if _is_binary(z[sampling.weights > 0, 1]):
            cascade = cascade_table(z, sampling, spec, level)
        return ChainResult(
            spec=spec,
            paths=paths,
            effects=effects,
            differences=differences,
            cascade=cascade,
            method=eff_unc.method,
            ci=ci_used,
            level=level,
            df=eff_unc.df,
            n_obs=int((sampling.weights > 0).sum()),
            n_dropped=n_dropped,
            seed=seed_out,
            notes=self._notes(n_dropped, by, no_bca),
            groups=group_labels,
            by=by,
            effect_theta=eff,
            effect_uncertainty=eff_unc,
            path_theta=theta,
            path_uncertainty=coef_unc,
        )

    def cascade(self, level: float = 0.95) -> pd.DataFrame:
        """Weighted mean of every link for x = 0 and x = 1, and the gap at each link.

        Returns
        -------
        pandas.DataFrame
            Columns ``link``, ``group`` (``"x = 0"``, ``"x = 1"``, ``"gap"``),
            ``estimate``, ``se``, ``ci_low``, ``ci_high``, ``df``; the gap is x = 1
            minus x = 0, with a design-based SE (linearization or replicates).
        """
        z, sampling, _, _ = self._prepare(None)
        if not _is_binary(z[sampling.weights > 0, 1]):
            raise ModelError(
                f"the cascade compares x = 0 with x = 1, but {self.spec.x!r} is not binary 0/1"
            )
        return cascade_table(z, sampling, self.spec, level)

    # ------------------------------------------------------------------ internals
    def _check(
        self,
        full: np.ndarray,
        w: np.ndarray,
        sampling: _sampling.Sampling,
        n_params: int,
        label: str,
        by: str | None,
        inference: str,
    ) -> None:
        where = f" in group {by}={label!r}" if by else ""
        n_rows = int((w > 0).sum())
        if n_rows <= n_params:
            raise ModelError(
                f"{n_rows} complete cases{where} but the outcome equation has {n_params} "
                "parameters; more cases are needed than parameters -- drop covariates or "
                "mediators, or merge groups"
            )
        if by:
            n_psu = np.unique(sampling.psu_index[w > 0]).size
            if n_psu <= n_params and (sampling.has_clusters or inference != "linearization"):
                raise ModelError(
                    f"group {by}={label!r} has members in only {n_psu} PSUs, fewer than the "
                    f"{n_params + 1} a chain with {n_params} parameters needs for design-based "
                    "variances; merge groups of "
                    f"{by!r} or fit without by="
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

    def _replicate_inference(
        self,
        inference: str,
        z: np.ndarray,
        sampling: _sampling.Sampling,
        groups: list[tuple[str, np.ndarray]],
        cross: list[tuple[np.ndarray, np.ndarray, list[np.ndarray]]],
        equations: list[tuple[str, list[int], int]],
        emap: _effects.EffectMap,
        sizes: list[int],
        theta: np.ndarray,
        eff: np.ndarray,
        replicates: int | None,
        ci: str | None,
        level: float,
        rng: np.random.Generator,
        progress: bool,
        allow_iid_bootstrap: bool,
        by: str | None,
    ) -> tuple[Uncertainty, Uncertainty, str]:
        rows = np.flatnonzero(sampling.weights > 0)
        scale: float
        if inference == "bootstrap":
            if not allow_iid_bootstrap and (
                sampling.has_strata or sampling.has_clusters or not sampling.equal_weights
            ):
                found = [
                    t
                    for t, flag in (
                        ("strata", sampling.has_strata),
                        ("clusters (PSUs)", sampling.has_clusters),
                        ("unequal weights", not sampling.equal_weights),
                    )
                    if flag
                ]
                raise ModelError(
                    f"inference='bootstrap' resamples rows independently, but the data has "
                    f"{', '.join(found)}; its intervals would ignore the sampling design. Use "
                    "inference='replicate' (design bootstrap) or 'linearization', or pass "
                    "allow_iid_bootstrap=True to ignore the design knowingly"
                )
            n_rep = replicates or DEFAULT_REPLICATES
            units = [_paths.row_crossproducts(z[rows]) * w[rows, None] for _, w in groups]
            unit_strata = np.zeros(rows.size, dtype=np.int64)
            chunks: Iterator[np.ndarray] = _iid_counts(rows.size, n_rep, rng)
            scale, rscales, mse, method = 1.0 / (n_rep - 1), np.ones(n_rep), False, "bootstrap"
            df = float(rows.size - 1)
            bootstrap_like = True
        else:
            units = [c[0] for c in cross]
            unit_strata = sampling.psu_strata
            rep = sampling.replicates
            if rep is None and sampling.design is not None:
                to_rep = getattr(sampling.design, "to_replicates", None)
                if to_rep is not None:
                    try:
                        rep = to_rep(
                            "bootstrap", replicates=replicates or DEFAULT_REPLICATES, seed=rng
                        ).replicates
                    except NotImplementedError:
                        rep = None
            elif rep is not None and replicates is not None:
                raise ModelError(
                    f"the design already carries {rep.n_replicates} replicate weights; omit "
                    "replicates= or build the design without them"
                )
            if rep is None:
                n_rep = replicates or DEFAULT_REPLICATES
                chunk = max(1, min(512, _MAX_CHUNK_ENTRIES // max(sampling.n_psu, 1)))
                chunks = _sampling.rao_wu_factors(unit_strata, n_rep, rng, chunk)
                scale, rscales, mse, method = 1.0 / (n_rep - 1), np.ones(n_rep), False, "bootstrap"
                df = float(sampling.df)
            else:
                n_rep = int(rep.n_replicates)
                scale, rscales, mse, method = (
                    float(rep.scale),
                    np.asarray(rep.rscales, dtype=float),
                    bool(rep.mse),
                    str(rep.method),
                )
                df = float(rep.df)
                if rep.psu_factors is None:
                    chunks = (wc for _, wc in rep.weight_chunks(sampling.weights))
                    units = [_paths.row_crossproducts(z) * (w > 0)[:, None] for _, w in groups]
                else:
                    factors = np.asarray(rep.psu_factors, dtype=float)
                    chunks = (factors[:, i : i + 512] for i in range(0, n_rep, 512))
            bootstrap_like = method == "bootstrap"
        default_ci = "percentile" if bootstrap_like else "wald"
        allowed = ("percentile", "bca", "wald") if bootstrap_like else ("wald",)
        ci_used = _check_ci(ci, allowed, default_ci, f"{inference} ({method} replicates)")
        if ci_used == "bca" and n_rep < MIN_BCA_REPLICATES:
            raise ModelError(
                f"ci='bca' needs at least {MIN_BCA_REPLICATES} replicates (1000 or more is "
                f"advisable) but replicates={n_rep}; ask for more or use ci='percentile'"
            )
        q = z.shape[1]
        coef_draws = np.empty((n_rep, theta.size))
        eff_draws = np.empty((n_rep, eff.size))
        p_total = sum(sizes)
        n_eff = eff.size // len(groups)
        bar = tqdm(
            total=n_rep,
            desc="replicates",
            disable=not (progress and sys.stderr.isatty()),
            leave=False,
        )
        start = 0
        for f in chunks:
            c = f.shape[1]
            for g, unit in enumerate(units):
                packed = f.T @ unit
                b = self._solve_batch(packed, q, equations, groups[g][0], by)
                coef_draws[start : start + c, g * p_total : (g + 1) * p_total] = b
                eff_draws[start : start + c, g * n_eff : (g + 1) * n_eff] = _effects.effects(
                    b, emap
                )
            start += c
            bar.update(c)
        bar.close()
        jack_coef = jack_eff = None
        if ci_used == "bca":
            jack_coef, jack_eff = self._jackknife(
                units, unit_strata, q, equations, emap, groups, by
            )
        label = "bootstrap" if inference == "bootstrap" else f"replicate ({method})"
        coef_unc = Uncertainty(
            label, ci_used, level, df, coef_draws, jack_coef, None, scale, rscales, mse
        )
        eff_unc = Uncertainty(
            label, ci_used, level, df, eff_draws, jack_eff, None, scale, rscales, mse
        )
        return coef_unc, eff_unc, ci_used

    @staticmethod
    def _solve_batch(
        packed: np.ndarray,
        q: int,
        equations: list[tuple[str, list[int], int]],
        label: str,
        by: str | None,
    ) -> np.ndarray:
        full = _paths.unpack(packed, q)
        try:
            beta = np.hstack(_paths.solve_equations(full, equations))
        except np.linalg.LinAlgError:
            beta = np.full((packed.shape[0], 1), np.nan)
        if not np.all(np.isfinite(beta)):
            where = f" in group {by}={label!r}" if by else ""
            raise ModelError(
                f"some replicate samples leave the chain unidentified{where} (too few PSUs "
                "with cases in a stratum); merge small groups or strata, or use "
                "inference='linearization'"
            )
        return beta

    def _jackknife(
        self,
        units: list[np.ndarray],
        unit_strata: np.ndarray,
        q: int,
        equations: list[tuple[str, list[int], int]],
        emap: _effects.EffectMap,
        groups: list[tuple[str, np.ndarray]],
        by: str | None,
    ) -> tuple[np.ndarray, np.ndarray]:
        coef_parts, eff_parts = [], []
        for (label, _), unit in zip(groups, units, strict=True):
            jack = _sampling.jackknife_crossproducts(unit, unit_strata)
            coef = np.vstack(
                [
                    self._solve_batch(jack[i : i + 4096], q, equations, label, by)
                    for i in range(0, jack.shape[0], 4096)
                ]
            )
            coef_parts.append(coef)
            eff_parts.append(_effects.effects(coef, emap))
        return np.hstack(coef_parts), np.hstack(eff_parts)

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


# ---------------------------------------------------------------------- helpers
def _spec_paths(k: int) -> list[tuple[int, ...]]:
    from govstats.chain.spec import specific_paths

    return specific_paths(k)


def _check_ci(ci: str | None, allowed: Sequence[str], default: str, what: str) -> str:
    if ci is None:
        return default
    if ci not in CI_TYPES:
        raise ModelError(f"ci={ci!r}; choose one of {CI_TYPES}")
    if ci not in allowed:
        raise ModelError(
            f"ci={ci!r} is not available with inference {what}; use one of {list(allowed)}"
        )
    return ci


def _is_binary(values: np.ndarray) -> bool:
    u = np.unique(values)
    return bool(u.size == 2 and u[0] == 0 and u[1] == 1)


def _block_diag(blocks: list[np.ndarray]) -> np.ndarray:
    rows = sum(b.shape[0] for b in blocks)
    cols = sum(b.shape[1] for b in blocks)
    out = np.zeros((rows, cols))
    r = c = 0
    for b in blocks:
        out[r : r + b.shape[0], c : c + b.shape[1]] = b
        r += b.shape[0]
        c += b.shape[1]
    return out


def _mvn(rng: np.random.Generator, mean: np.ndarray, cov: np.ndarray, size: int) -> np.ndarray:
    """Draw normals through a symmetric square root (robust to a singular cov)."""
    vals, vecs = np.linalg.eigh((cov + cov.T) / 2)
    root = vecs * np.sqrt(np.clip(vals, 0.0, None))
    return mean + rng.standard_normal((size, mean.size)) @ root.T


def _iid_counts(n: int, n_rep: int, rng: np.random.Generator) -> Iterator[np.ndarray]:
    """(n, c) resampling counts: replicate r draws ``rng.integers(0, n, n)``."""
    chunk = max(1, min(256, _MAX_CHUNK_ENTRIES // max(n, 1)))
    for start in range(0, n_rep, chunk):
        c = min(chunk, n_rep - start)
        idx = rng.integers(0, n, size=(c, n))
        flat = (idx + n * np.arange(c)[:, None]).ravel()
        yield np.bincount(flat, minlength=c * n).reshape(c, n).T.astype(float)


def _table(
    theta: np.ndarray,
    unc: Uncertainty,
    names: list[str],
    groups: tuple[str, ...],
    by: str | None,
    failed: list[str],
) -> pd.DataFrame:
    labels = [f"{g}{n}" for g in ([f"{by}={lab}: " for lab in groups] or [""]) for n in names]
    table = summarise(theta, unc, np.eye(theta.size), labels, strict=False, failed=failed)
    if not groups:
        return pd.DataFrame(table, index=pd.Index(names, name="effect"))
    index = pd.MultiIndex.from_product([groups, names], names=[by, "effect"])
    return pd.DataFrame(table, index=index)


def _differences(
    theta: np.ndarray,
    unc: Uncertainty,
    names: list[str],
    groups: tuple[str, ...],
    by: str | None,
    failed: list[str],
) -> pd.DataFrame:
    e = len(names)
    combos, labels = [], []
    for g in range(1, len(groups)):
        combo = np.zeros((e, theta.size))
        combo[:, g * e : (g + 1) * e] = np.eye(e)
        combo[:, :e] -= np.eye(e)
        combos.append(combo)
        labels.append(f"{groups[g]} - {groups[0]}")
    table = summarise(
        theta,
        unc,
        np.vstack(combos),
        [f"{lab}: {n}" for lab in labels for n in names],
        strict=False,
        failed=failed,
    )
    index = pd.MultiIndex.from_product([labels, names], names=["comparison", "effect"])
    return pd.DataFrame(table, index=index)
