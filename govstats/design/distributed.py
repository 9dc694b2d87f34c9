"""Survey designs on a dask DataFrame: the same estimators, computed from partition sums.

``SurveyDesign(ddf, weights=..., strata=..., psu=..., fpc=...)`` with a
``dask.dataframe.DataFrame`` returns a :class:`DistributedDesign`: a
:class:`~govstats.design.SurveyDesign` whose data stay distributed. Construction
makes one pass over the partitions that returns, per partition, one small row per
(stratum, PSU) -- sizes, first appearance, fpc -- and validates the design columns;
the client keeps only this PSU table. Every estimator then makes one pass (GLM and
raking a few) in which each partition is reduced to per-(PSU, cell, domain) sums
(:mod:`govstats.design._partition`); the sums are added up on the workers and the
small design algebra runs on the client with the in-memory code (``stage_variance``
for R ``svyrecvar``, the replicate factor generators and ``replicate_vcov``). No
rows are collected to one process.

The computations use whatever dask scheduler is active: a ``distributed.Client``
(``LocalCluster`` or a cluster scheduler) if one was created, otherwise dask's
default. dask is an optional dependency (``pip install govstats[dask]``) imported
only when a dask frame is passed.

Replicates of a post-stratified or raked design (in either order) are re-calibrated
per (PSU, cell) unit, as in memory (:mod:`govstats.design._dask_calibrated_replicates`).

Not supported on dask (each raises :class:`~govstats.errors.DesignError` rather
than collecting rows): quantiles, ``var``, ``ciprop``, GREG ``calibrate``,
``subset`` (use ``by=``), designs without a ``psu`` column, finite population
corrections beyond the first stage, and nonlinear GLMs on re-calibrated replicates.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import KW_ONLY, dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from govstats.design._dask_run import (
    BLOCK_ROWS,
    in_blocks,
    is_dask_frame,
    run_jobs,
    run_partitions,
)
from govstats.design._linearize import LONELY_RULES
from govstats.design._psu_table import Layout, PSUTable, build_psu_table
from govstats.design._structure import Structure
from govstats.design.inference import DEFAULT_LEVEL, DEFAULT_REPLICATES, SeedLike
from govstats.design.survey_design import SurveyDesign, register_dask_design
from govstats.errors import DataError, DesignError

if TYPE_CHECKING:
    import pandas as pd
    from statsmodels.genmod.families import Family

    from govstats.design.calibration import LevelTotals, PopulationTotals
    from govstats.design.glm import GLMResult
    from govstats.design.replicates import Replicates
    from govstats.design.results import SurveyEstimate

__all__ = [
    "BLOCK_ROWS",
    "DistributedDesign",
    "Layout",
    "PSUTable",
    "build_psu_table",
    "in_blocks",
    "is_dask_frame",
    "run_jobs",
    "run_partitions",
]


# ---------------------------------------------------------------------- the design


@dataclass(frozen=True, eq=False)
class DistributedDesign(SurveyDesign):
    """A :class:`SurveyDesign` whose rows stay in a dask DataFrame.

    Made by ``SurveyDesign(ddf, ...)`` when ``ddf`` is a ``dask.dataframe.DataFrame``;
    the arguments mean what they mean in memory. The design holds the PSU table
    (one entry per first-stage PSU), never the rows: :attr:`psu_index`,
    :attr:`strata_index` describe the PSUs (``psu_index = arange(n_psu)``) and
    there is no per-row ``weights_array``. Estimators return the same result
    objects as in memory; each is one pass (GLM and raking a few) of partition sums.

    Notes
    -----
    Partition sums are exact, so the estimates equal the in-memory ones up to the
    order of floating-point additions (about 1e-13 relative), in any partitioning
    and row order; replicate designs draw the same replicate factors for the same
    seed because PSUs are coded and ordered exactly as in memory.

    Examples
    --------
    >>> import dask.dataframe as dd
    >>> import pandas as pd
    >>> from govstats.design import SurveyDesign
    >>> df = pd.DataFrame({"y": [1.0, 2.0, 3.0, 4.0, 5.0, 7.0], "h": [1, 1, 1, 2, 2, 2],
    ...                    "psu": [1, 2, 2, 3, 4, 4], "w": [1.0, 2.0, 2.0, 1.0, 1.0, 3.0]})
    >>> ddf = dd.from_pandas(df, npartitions=2)
    >>> d = SurveyDesign(ddf, weights="w", strata="h", psu="psu")
    >>> type(d).__name__, d.n_psu, d.df
    ('DistributedDesign', 4, 2)
    >>> mem = SurveyDesign(df, weights="w", strata="h", psu="psu").mean("y")
    >>> bool(abs(d.mean("y").se[0] - mem.se[0]) < 1e-12)
    True
    """

    _: KW_ONLY
    table: PSUTable | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if not is_dask_frame(self.data):
            raise DataError(f"data must be a dask DataFrame, not {type(self.data).__name__}.")
        if self.lonely_psu not in LONELY_RULES:
            raise DesignError(
                f"lonely_psu={self.lonely_psu!r} is not one of {', '.join(LONELY_RULES)}."
            )
        if self.analysis_weights is not None:
            raise DesignError("a dask design takes no analysis_weights; calibrate it instead.")
        table = self.table
        if table is None:
            table = build_psu_table(
                self.data, self.weights, self.strata, self.psu, self.fpc, self.nest
            )
            object.__setattr__(self, "table", table)
        stage = table.stage()
        structure = Structure(
            stages=(stage,),
            variance_stages=(stage,),
            strata_index=table.psu_strata,
            sampling_weights=np.zeros(0),
        )
        object.__setattr__(self, "structure", structure)
        object.__setattr__(self, "psu_index", stage.cluster)
        object.__setattr__(self, "strata_index", table.psu_strata)
        object.__setattr__(self, "n_psu", table.n_psu)
        if self.replicates is not None:
            object.__setattr__(self, "df", int(self.replicates.df))
        else:
            active = table.psu_active > 0
            n_strata = np.unique(table.psu_strata[active]).size
            object.__setattr__(self, "df", int(active.sum() - n_strata))

    def __getattr__(self, name: str) -> Any:
        if name == "weights_array":
            raise AttributeError(
                "a design on a dask DataFrame holds no per-row weights_array; its estimators "
                "compute from partition sums"
            )
        raise AttributeError(f"{type(self).__name__!s} has no attribute {name!r}")

    @property
    def is_full(self) -> bool:
        """Always True: a dask design has no domain restriction (use ``by=``)."""
        return True

    @property
    def can_aggregate(self) -> bool:
        """Whether variances need only first-stage PSU totals (true without calibration)."""
        return self.calibration is None

    def _new(self, **changes: Any) -> DistributedDesign:
        values: dict[str, Any] = {
            "adjust_domain_lonely": self.adjust_domain_lonely,
            "replicates": self.replicates,
            "calibration": self.calibration,
            "table": self.table,
        }
        values.update(changes)
        return DistributedDesign(
            self.data,
            self.weights,
            self.strata,
            self.psu,
            self.fpc,
            self.nest,
            self.lonely_psu,
            **values,
        )

    # ------------------------------------------------------------------ not on dask
    def _unsupported(self, what: str, instead: str) -> DesignError:
        return DesignError(f"{what} is not supported on a dask DataFrame yet; {instead}.")

    def vcov_totals(self, weighted_scores: np.ndarray) -> np.ndarray:
        """Not available: a dask design has no per-row scores (estimators use PSU totals)."""
        raise self._unsupported("vcov_totals of per-row scores", "use vcov_psu_totals")

    def with_weights(
        self,
        weights: np.ndarray,
        *,
        calibration: object | None = None,
        replicates: Replicates | None = None,
    ) -> SurveyDesign:
        """Not available: per-row weights cannot be attached to a dask design."""
        raise self._unsupported("with_weights", "calibrate with poststratify() or rake()")

    def subset(self, mask: pd.Series | np.ndarray | Sequence[bool]) -> SurveyDesign:
        """Not available on dask: estimate domains with ``by=`` instead."""
        raise self._unsupported("subset()", "estimate domains with by= (the same numbers)")

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
        """Not available on dask (quantiles need sorted rows, not partition sums)."""
        raise self._unsupported("quantile()", "compute quantiles on an in-memory sample")

    def var(
        self,
        variables: str | Sequence[str],
        *,
        by: str | Sequence[str] | None = None,
        na_rm: bool = False,
        level: float = DEFAULT_LEVEL,
    ) -> SurveyEstimate:
        """Not available on dask yet."""
        raise self._unsupported("var()", "compute it in memory")

    def ciprop(
        self,
        variable: str,
        *,
        method: str = "logit",
        level: float = DEFAULT_LEVEL,
        na_rm: bool = False,
    ) -> SurveyEstimate:
        """Not available on dask yet."""
        raise self._unsupported("ciprop()", "use proportion() or compute it in memory")

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
        """Not available on dask yet (GREG calibration); poststratify() and rake() are."""
        raise self._unsupported("calibrate()", "use poststratify() or rake()")

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
        """Estimate population means from partition sums (see :meth:`SurveyDesign.mean`).

        Examples
        --------
        >>> import dask.dataframe as dd
        >>> import pandas as pd
        >>> from govstats.design import SurveyDesign
        >>> df = pd.DataFrame({"y": [2.0, 4.0, 6.0, 8.0], "c": [1, 2, 3, 4]})
        >>> d = SurveyDesign(dd.from_pandas(df, npartitions=2), psu="c")
        >>> float(d.mean("y").estimate[0])
        5.0
        """
        from govstats.design import _dask_estimators

        return _dask_estimators.mean_or_total(
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
        """Estimate population totals from partition sums (see :meth:`SurveyDesign.total`).

        Examples
        --------
        >>> import dask.dataframe as dd
        >>> import pandas as pd
        >>> from govstats.design import SurveyDesign
        >>> df = pd.DataFrame({"y": [1.0, 2.0], "w": [10.0, 30.0], "c": [1, 2]})
        >>> d = SurveyDesign(dd.from_pandas(df, npartitions=1), weights="w", psu="c")
        >>> float(d.total("y").estimate[0])
        70.0
        """
        from govstats.design import _dask_estimators

        return _dask_estimators.mean_or_total(
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
        """Level proportions of categorical columns (see :meth:`SurveyDesign.proportion`).

        Examples
        --------
        >>> import dask.dataframe as dd
        >>> import pandas as pd
        >>> from govstats.design import SurveyDesign
        >>> df = pd.DataFrame({"g": ["a", "b", "b", "b"], "c": [1, 2, 3, 4]})
        >>> d = SurveyDesign(dd.from_pandas(df, npartitions=2), psu="c")
        >>> d.proportion("g").estimate.tolist()
        [0.25, 0.75]
        """
        from govstats.design import _dask_estimators

        return _dask_estimators.mean_or_total(
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
        """Ratios of totals from one pass of partition sums (see :meth:`SurveyDesign.ratio`).

        Examples
        --------
        >>> import dask.dataframe as dd
        >>> import pandas as pd
        >>> from govstats.design import SurveyDesign
        >>> df = pd.DataFrame({"y": [1.0, 3.0], "x": [2.0, 2.0], "c": [1, 2]})
        >>> d = SurveyDesign(dd.from_pandas(df, npartitions=2), psu="c")
        >>> float(d.ratio("y", "x").estimate[0])
        1.0
        """
        from govstats.design import _dask_estimators

        return _dask_estimators.ratio(
            self, numerator, denominator, by=by, na_rm=na_rm, deff=deff, level=level
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
        """Design-based GLM by IRLS over partition sums (see :meth:`SurveyDesign.glm`).

        The formula is ``response ~ a + b + ...`` of numeric columns.

        Examples
        --------
        >>> import dask.dataframe as dd
        >>> import pandas as pd
        >>> from govstats.design import SurveyDesign
        >>> df = pd.DataFrame({"y": [1.0, 3.0, 5.0, 7.0, 9.5], "x": [0.0, 1.0, 2.0, 3.0, 4.0],
        ...                    "c": [1, 2, 3, 4, 5]})
        >>> fit = SurveyDesign(dd.from_pandas(df, npartitions=2), psu="c").glm("y ~ x")
        >>> round(float(fit.params["x"]), 3)
        2.1
        """
        from govstats.design import _dask_glm

        return _dask_glm.svyglm(
            self, formula, family, na_rm=na_rm, max_iter=max_iter, tol=tol, level=level
        )

    def to_replicates(
        self,
        method: str = "bootstrap",
        replicates: int = DEFAULT_REPLICATES,
        *,
        seed: SeedLike = None,
        fay_rho: float = 0.0,
        mse: bool = False,
    ) -> SurveyDesign:
        """Return a replicate-weight version (see :meth:`SurveyDesign.to_replicates`).

        No pass over the data: replicate factors are per PSU. A post-stratified or raked
        design re-calibrates every replicate (one pass of (cell, PSU) base totals).

        Examples
        --------
        >>> import dask.dataframe as dd
        >>> import pandas as pd
        >>> from govstats.design import SurveyDesign
        >>> df = pd.DataFrame({"y": [1.0, 2.0, 3.0, 4.0], "h": [1, 1, 2, 2], "c": [1, 2, 3, 4]})
        >>> d = SurveyDesign(dd.from_pandas(df, npartitions=2), strata="h", psu="c")
        >>> d.to_replicates("jkn").replicates.n_replicates
        4
        """
        from govstats.design import _dask_estimators

        return _dask_estimators.to_replicates(
            self, method, replicates, seed=seed, fay_rho=fay_rho, mse=mse
        )

    def poststratify(self, variable: str | Sequence[str], population: LevelTotals) -> SurveyDesign:
        """Post-stratify to population counts (see ``calibration.poststratify``); one pass.

        Examples
        --------
        >>> import dask.dataframe as dd
        >>> import pandas as pd
        >>> from govstats.design import SurveyDesign
        >>> df = pd.DataFrame({"g": ["a", "a", "b", "b"], "y": [1.0, 2.0, 3.0, 5.0],
        ...                    "c": [1, 2, 3, 4]})
        >>> d = SurveyDesign(dd.from_pandas(df, npartitions=2), psu="c")
        >>> float(d.poststratify("g", {"a": 10, "b": 30}).total("y").estimate[0])
        135.0
        """
        from govstats.design import _dask_calibration

        return _dask_calibration.poststratify(self, variable, population)

    def rake(
        self,
        margins: Mapping[str, LevelTotals],
        *,
        max_iter: int = 10,
        tol: float = 1.0,
        margin_rtol: float = 1e-6,
    ) -> SurveyDesign:
        """Rake to one-way margins (see ``calibration.rake``); one pass, then IPF on the client.

        Examples
        --------
        >>> import dask.dataframe as dd
        >>> import pandas as pd
        >>> from govstats.design import SurveyDesign
        >>> df = pd.DataFrame({"a": ["x", "x", "y", "y"], "b": ["u", "v", "u", "v"],
        ...                    "y": [1.0, 2.0, 3.0, 4.0], "c": [1, 2, 3, 4]})
        >>> d = SurveyDesign(dd.from_pandas(df, npartitions=2), psu="c")
        >>> r = d.rake({"a": {"x": 6, "y": 4}, "b": {"u": 5, "v": 5}})
        >>> round(float(r.total("y").estimate[0]), 6)
        23.0
        """
        from govstats.design import _dask_calibration

        return _dask_calibration.rake(
            self, margins, max_iter=max_iter, tol=tol, margin_rtol=margin_rtol
        )

    def __repr__(self) -> str:
        kind = "replicate" if self.replicates is not None else "linearization"
        assert self.table is not None
        return (
            f"SurveyDesign(dask, {kind}: {self.data.npartitions} partitions, "
            f"{self.table.n_rows} rows, {self.n_psu} PSUs, {self.n_strata} strata, df={self.df}, "
            f"lonely_psu={self.lonely_psu!r})"
        )


register_dask_design(DistributedDesign)
