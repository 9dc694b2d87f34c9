"""The result of fitting a divide chain."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from govstats.chain._summarise import Uncertainty, summarise
from govstats.chain.spec import SEPARATOR, ChainSpec, specific_paths
from govstats.design.inference import replicate_vcov
from govstats.design.model_matrix import rename
from govstats.errors import ModelError

if TYPE_CHECKING:
    from govstats.chain.sensitivity import SensitivityResult

__all__ = ["ChainResult"]

_COLUMNS = ["estimate", "se", "ci_low", "ci_high"]


@dataclass(frozen=True)
class ChainResult:
    """Paths and effects of a fitted divide chain, with the draws behind their intervals.

    Attributes
    ----------
    paths : pandas.DataFrame
        One row per coefficient: ``equation``, ``term``, ``estimate``, ``se``,
        ``ci_low``, ``ci_high`` (and ``group`` with ``by=``).
    effects : pandas.DataFrame
        Indexed by effect name (``(group, effect)`` with ``by=``): ``estimate``, ``se``,
        ``ci_low``, ``ci_high``.
    differences : pandas.DataFrame or None
        With ``by=``: every effect of each group minus the reference (first) group --
        the index of moderated mediation for the specific indirect effects.
    cascade : pandas.DataFrame or None
        Weighted mean of every link for x = 0 and x = 1 and the gap (binary x only).
    method, ci : str
        Inference method and interval type.
    conf_level : float
        Confidence level of the intervals.
    df : float
        Degrees of freedom of t intervals.
    n_obs : int
        Rows used (positive weight, complete).
    n_dropped : int
        Rows dropped (or given zero weight) because of missing values.
    seed : int or None
        Seed actually used by the bootstrap or Monte Carlo draws (``None`` when
        nothing was random); ``fit(seed=result.seed)`` reproduces every number.
    notes : tuple of str
        Modelling statements (reference levels, linear probability models, ...).
    residual_sd : ndarray or None, shape (groups, equations)
        Weighted residual standard deviation of every equation (for :meth:`sensitivity`).
    outcome_sd : ndarray or None, shape (groups,)
        Weighted standard deviation of the outcome (for E-values).
    """

    spec: ChainSpec
    paths: pd.DataFrame
    effects: pd.DataFrame
    differences: pd.DataFrame | None
    cascade: pd.DataFrame | None
    method: str
    ci: str
    conf_level: float
    df: float
    n_obs: int
    n_dropped: int
    seed: int | None
    notes: tuple[str, ...]
    groups: tuple[str, ...]
    by: str | None
    effect_theta: np.ndarray = field(repr=False)
    effect_uncertainty: Uncertainty = field(repr=False)
    path_theta: np.ndarray = field(repr=False)
    path_uncertainty: Uncertainty = field(repr=False)
    residual_sd: np.ndarray | None = field(default=None, repr=False)
    outcome_sd: np.ndarray | None = field(default=None, repr=False)

    # ------------------------------------------------------------------ helpers
    @property
    def effect_names(self) -> list[str]:
        """Names of the effects, in order."""
        return self.spec.effect_names()

    @property
    def n_replicates(self) -> int:
        """Number of replicate or Monte Carlo draws (0 for analytic inference)."""
        draws = self.effect_uncertainty.draws
        return 0 if draws is None else int(draws.shape[0])

    @property
    def level(self) -> float:
        """The confidence level (an older name of :attr:`conf_level`)."""
        return self.conf_level

    @property
    def estimate(self) -> np.ndarray:
        """Point estimates, one per row of :meth:`to_frame`."""
        return self.to_frame()["estimate"].to_numpy()

    @property
    def se(self) -> np.ndarray:
        """Standard errors, one per row of :meth:`to_frame`."""
        return self.to_frame()["se"].to_numpy()

    @property
    def replicate_estimates(self) -> pd.DataFrame | None:
        """The (replicates, effects) replicate or Monte Carlo values of every effect."""
        draws = self.effect_uncertainty.draws
        if draws is None:
            return None
        if not self.groups:
            return pd.DataFrame(draws, columns=self.effect_names)
        columns = pd.MultiIndex.from_product([self.groups, self.effect_names])
        return pd.DataFrame(draws, columns=columns)

    def _position(self, name: str, domain: str | None) -> int:
        names = self.effect_names
        if name not in names:
            raise ModelError(f"no effect named {name!r}; the effects are {names}")
        offset = 0
        if self.groups:
            if domain is None:
                raise ModelError(
                    f"the chain was fitted by {self.by!r}; pass domain= one of {list(self.groups)}"
                )
            if domain not in self.groups:
                raise ModelError(f"no group {domain!r}; groups are {list(self.groups)}")
            offset = self.groups.index(domain) * len(names)
        return offset + names.index(name)

    # ------------------------------------------------------------------ public
    def vcov(self, kind: str = "paths") -> pd.DataFrame:
        """Covariance matrix of all path coefficients (across equations) or of all effects.

        Linearization gives the delta-method / sandwich covariance; replicate designs
        ``scale * sum_r rscales_r (theta_r - c)(theta_r - c)'``; Monte Carlo the
        sample covariance of the draws.

        Parameters
        ----------
        kind : {"paths", "effects"}

        Returns
        -------
        pandas.DataFrame
            Square, labelled by ``"equation ~ term"`` or by effect name.
        """
        if kind == "paths":
            theta, unc = self.path_theta, self.path_uncertainty
            labels = (self.paths["equation"] + " ~ " + self.paths["term"]).tolist()
            if self.groups:
                labels = [f"{g}: {lab}" for g, lab in zip(self.paths[self.by], labels, strict=True)]
        elif kind == "effects":
            theta, unc = self.effect_theta, self.effect_uncertainty
            labels = [
                f"{g}: {e}" if g else e for g in (self.groups or ("",)) for e in self.effect_names
            ]
        else:
            raise ModelError(f"kind={kind!r}; use 'paths' or 'effects'")
        if unc.vcov is not None:
            mat = unc.vcov
        elif unc.draws is not None:
            if unc.method == "montecarlo":
                mat = np.cov(unc.draws, rowvar=False)
            else:
                rscales = unc.rscales if unc.rscales is not None else np.ones(unc.draws.shape[0])
                mat = replicate_vcov(unc.draws, theta, unc.scale, rscales, unc.mse)
        else:
            mat = np.full((theta.size, theta.size), np.nan)
        return pd.DataFrame(mat, index=labels, columns=labels)

    def contrast(self, a: str, b: str, *, domain: str | None = None) -> pd.DataFrame:
        """Estimate the difference of two effects, ``a - b``, with its own interval.

        The interval uses the stored replicate (or Monte Carlo) draws, so it needs
        no refit, or the delta method with the joint covariance of the paths.

        Parameters
        ----------
        a, b : str
            Effect names (see ``effects.index``).
        domain : str, optional
            The group (a label of ``groups``) whose effects are compared, for a
            chain fitted with ``by=``.

        Returns
        -------
        pandas.DataFrame
            One row: ``contrast``, ``estimate``, ``se``, ``ci_low``, ``ci_high``, ``df``.

        Examples
        --------
        >>> import govstats as gs
        >>> sim = gs.datasets.simulate_survey(seed=1, n_persons=2000)
        >>> design = gs.SurveyDesign(sim.data, weights="weight", strata="stratum", psu="county")
        >>> res = gs.DivideChain(design, x="rural", mediators=["info_access", "participation"],
        ...                      outcome="service").fit(inference="linearization")
        >>> out = res.contrast("rural -> info_access -> service",
        ...                    "rural -> participation -> service")
        >>> list(out.columns)
        ['contrast', 'estimate', 'se', 'ci_low', 'ci_high', 'df']
        """
        combo = np.zeros((1, self.effect_theta.size))
        combo[0, self._position(a, domain)] += 1.0
        combo[0, self._position(b, domain)] -= 1.0
        label = f"({a}) - ({b})"
        table = summarise(self.effect_theta, self.effect_uncertainty, combo, [label])
        frame = pd.DataFrame({"contrast": [label], **{c: table[c] for c in _COLUMNS}})
        frame["df"] = self.df
        if domain is not None:
            frame.insert(0, self.by or "group", domain)
        return frame

    def to_frame(self, *, names: str = "formulaic") -> pd.DataFrame:
        """Tidy table of paths, effects and group differences.

        Parameters
        ----------
        names : {"formulaic", "r"}
            Spelling of the regressors of the paths: as formulaic
            (``Intercept``, ``occupation[T.farmer]``) or as R and lavaan's
            ``lm`` output (``(Intercept)``, ``occupationfarmer``).

        Returns
        -------
        pandas.DataFrame

        Columns: the ``by`` group (with ``by=``), ``kind`` (path / effect /
        difference), ``term`` (``"equation ~ regressor"`` for paths, the effect
        name otherwise), ``estimate``, ``se``, ``ci_low``, ``ci_high``, ``df``
        (float). Differences carry the comparison (``"b - a"``) in the ``by`` column.
        """
        parts = []
        paths = self.paths.copy()
        regressors = rename(paths.pop("term").tolist(), names)
        paths.insert(0, "term", paths.pop("equation") + " ~ " + pd.Series(regressors))
        paths.insert(0, "kind", "path")
        parts.append(paths)
        effects = self.effects.reset_index().rename(columns={"effect": "term"})
        effects.insert(0 if not self.by else 1, "kind", "effect")
        parts.append(effects)
        if self.differences is not None:
            diff = self.differences.reset_index().rename(
                columns={"effect": "term", "comparison": self.by}
            )
            diff.insert(1, "kind", "difference")
            parts.append(diff)
        out = pd.concat(parts, ignore_index=True)
        if self.by:
            out.insert(0, self.by, out.pop(self.by))
        out["df"] = float(self.df)
        return out

    def to_process(self, *, domain: str | None = None) -> pd.DataFrame:
        """Indirect effects laid out as PROCESS Model 6 prints them.

        Rows ``TOTAL``, ``Ind1``, ``Ind2``, ... numbered as PROCESS numbers them,
        grouped by the first mediator on the path (for k = 2: X->M1->Y,
        X->M1->M2->Y, X->M2->Y); columns ``Effect``, ``SE``, ``LLCI``, ``ULCI`` and
        ``key``, the path of every numbered effect -- match rows by the key when
        setting them beside an SPSS output.
        """
        if self.groups and domain is None:
            raise ModelError(f"pass domain= one of {list(self.groups)}")
        frame: pd.DataFrame = self.effects.loc[domain] if self.groups else self.effects  # type: ignore[assignment]
        k = self.spec.k
        order: list[tuple[int, ...]] = []
        for first in range(k):
            rest = list(range(first + 1, k))
            for mask in range(2 ** len(rest)):
                order.append((first, *(rest[i] for i in range(len(rest)) if mask >> i & 1)))
        names = [
            SEPARATOR.join([self.spec.x, *(self.spec.mediators[j] for j in p), self.spec.outcome])
            for p in order
        ]
        assert sorted(order) == sorted(specific_paths(k))
        rows = ["indirect_total", *names]
        out = frame.loc[rows, _COLUMNS].copy()
        out.columns = ["Effect", "SE", "LLCI", "ULCI"]
        out.index = pd.Index(["TOTAL", *(f"Ind{i + 1}" for i in range(len(names)))], name="")
        out["key"] = ["", *names]
        return out

    def summary(self) -> str:
        """Summarise as text: design, inference, paths and effects."""
        lines = [
            f"Divide chain: {self.spec.x} -> {' -> '.join(self.spec.mediators)} -> "
            f"{self.spec.outcome}",
            f"covariates: {', '.join(self.spec.covariate_columns) or '(none)'}",
            f"inference: {self.method}, ci: {self.ci}, level {self.conf_level:.0%}, "
            f"df {self.df:g}, "
            f"n = {self.n_obs}"
            + (f", {self.n_dropped} rows with missing values dropped" if self.n_dropped else "")
            + (f", replicates {self.n_replicates}" if self.n_replicates else "")
            + (f", seed {self.seed}" if self.seed is not None else ""),
        ]
        lines.extend(f"note: {n}" for n in self.notes)
        with pd.option_context("display.width", 120, "display.max_columns", 10):
            lines += ["", "Paths:", self.paths.to_string(index=False, float_format="%.6g")]
            lines += ["", "Effects:", self.effects.to_string(float_format="%.6g")]
            if self.differences is not None:
                lines += [
                    "",
                    f"Differences between groups of {self.by}:",
                    self.differences.to_string(float_format="%.6g"),
                ]
        return "\n".join(lines)

    def sensitivity(
        self, link: str | Sequence[str], rho: Sequence[float] | np.ndarray | None = None
    ) -> SensitivityResult:
        """Effects when the errors of a mediator's and a later equation correlate; E-values.

        See :func:`govstats.chain.sensitivity.sensitivity`.

        Examples
        --------
        >>> import govstats as gs
        >>> sim = gs.datasets.simulate_survey(seed=1, n_persons=1500)
        >>> design = gs.SurveyDesign(sim.data, weights="weight", strata="stratum", psu="county")
        >>> res = gs.DivideChain(design, x="rural", mediators=["info_access"],
        ...                      outcome="service").fit(inference="linearization")
        >>> sens = res.sensitivity(link=("info_access", "service"), rho=[-0.3, 0.3])
        >>> sens.rho.tolist()
        [-0.3, 0.0, 0.3]
        """
        from govstats.chain.sensitivity import sensitivity

        return sensitivity(self, link, rho)

    def _repr_html_(self) -> str:
        return f"<p>{self!r}</p>" + self.effects.to_html(float_format="{:.4g}".format)

    def __repr__(self) -> str:
        total = self.effects["estimate"].get("indirect_total")
        main = "" if self.groups else f", indirect_total={float(total):.4g}"  # type: ignore[arg-type]
        return (
            f"ChainResult(k={self.spec.k}, n={self.n_obs}, method={self.method!r}, "
            f"ci={self.ci!r}{main}{', by=' + repr(self.by) if self.by else ''})"
        )
