"""The specification of a divide chain: variables, design columns and effect names.

A :class:`ChainSpec` is built once from the user's arguments and a DataFrame. It
validates the roles (x, ordered mediators, outcome, covariates), dummy-codes
categorical covariates against a stated reference level, builds the numeric
matrix ``Z = [1, x, C..., M1..Mk, Y]`` that every kernel works on, and
enumerates the effects of the serial mediation model.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations

import numpy as np
import pandas as pd

from govstats.design.categorical import factor_levels, is_categorical
from govstats.errors import DataError, ModelError

__all__ = ["MAX_MEDIATORS", "ChainSpec", "effect_names", "specific_paths"]

#: The largest number of ordered mediators (2**6 - 1 = 63 specific indirect effects).
MAX_MEDIATORS = 6

SEPARATOR = " -> "


def specific_paths(k: int) -> list[tuple[int, ...]]:
    """Every ordered subset of ``range(k)``: by length, then lexicographically (as lavaan).

    Parameters
    ----------
    k : int
        Number of mediators.

    Returns
    -------
    list of tuple of int
        ``2**k - 1`` tuples of increasing mediator positions.

    Examples
    --------
    >>> specific_paths(2)
    [(0,), (1,), (0, 1)]
    """
    return [c for size in range(1, k + 1) for c in combinations(range(k), size)]


def effect_names(x: str, mediators: Sequence[str], outcome: str) -> list[str]:
    """Names of every effect of the chain, in the order results list them.

    Parameters
    ----------
    x, outcome : str
        The exposure and outcome columns.
    mediators : sequence of str
        Ordered mediators.

    Returns
    -------
    list of str
        Specific indirect effects (variables joined by ``" -> "``), then
        ``"indirect_total"``, ``"direct"``, ``"total"``, ``"proportion_mediated"``.

    Examples
    --------
    >>> effect_names("rural", ["m1"], "y")
    ['rural -> m1 -> y', 'indirect_total', 'direct', 'total', 'proportion_mediated']
    """
    names = [
        SEPARATOR.join([x, *(mediators[j] for j in path), outcome])
        for path in specific_paths(len(mediators))
    ]
    return [*names, "indirect_total", "direct", "total", "proportion_mediated"]


def _levels(series: pd.Series) -> list[object]:
    return factor_levels(series, observed=True)


def _only_zero_one(series: pd.Series) -> bool:
    """Whether every non-missing value is 0 or 1 (vectorised, no set of the values)."""
    values = series.to_numpy(dtype=float, na_value=np.nan)
    return bool(np.all((values == 0) | (values == 1) | np.isnan(values)))


@dataclass(frozen=True)
class ChainSpec:
    """Validated roles of a divide chain and the numeric columns they expand to.

    Attributes
    ----------
    x : str
        Exposure (binary 0/1 or continuous).
    mediators : tuple of str
        Ordered mediators ``M1..Mk``.
    outcome : str
        Outcome ``Y``.
    covariates : tuple of str
        Covariates as the user named them.
    covariate_columns : tuple of str
        Numeric columns after dummy coding (``"occupation[T.farmer]"``).
    reference_levels : dict
        Reference level of every categorical covariate.
    binary : tuple of str
        Mediators or outcome with only the values 0 and 1 (modelled linearly).
    """

    x: str
    mediators: tuple[str, ...]
    outcome: str
    covariates: tuple[str, ...]
    covariate_columns: tuple[str, ...]
    reference_levels: dict[str, object]
    binary: tuple[str, ...]

    @classmethod
    def build(
        cls,
        data: pd.DataFrame,
        x: str,
        mediators: Sequence[str],
        outcome: str,
        covariates: Sequence[str] = (),
    ) -> ChainSpec:
        """Validate the roles against ``data`` and record the dummy coding.

        Raises
        ------
        ModelError
            A mediator listed twice, equal to x or the outcome; too many mediators.
        DataError
            A named column is missing or not numeric.
        """
        if isinstance(mediators, str):
            mediators = [mediators]
        mediators = list(mediators)
        covariates = [covariates] if isinstance(covariates, str) else list(covariates or ())
        if not 1 <= len(mediators) <= MAX_MEDIATORS:
            raise ModelError(
                f"the chain needs 1 to {MAX_MEDIATORS} mediators, got {len(mediators)} "
                f"({mediators}); pass the ordered mediators as a list"
            )
        seen: set[str] = set()
        for m in mediators:
            if m in seen:
                raise ModelError(
                    f"mediator {m!r} is listed twice in mediators={mediators}; "
                    "list every mediator once, in causal order"
                )
            seen.add(m)
            if m == x:
                raise ModelError(f"mediator {m!r} is also x; a variable cannot mediate itself")
            if m == outcome:
                raise ModelError(
                    f"mediator {m!r} is also the outcome; choose a different outcome or drop it "
                    "from mediators"
                )
        if x == outcome:
            raise ModelError(f"x and outcome are both {x!r}; they must be different columns")
        for c in covariates:
            if c in (x, outcome, *mediators):
                raise ModelError(
                    f"covariate {c!r} is also x, a mediator or the outcome; remove it from "
                    "covariates"
                )
        if len(set(covariates)) != len(covariates):
            raise ModelError(f"a covariate is listed twice in covariates={covariates}")
        missing = [c for c in (x, *mediators, outcome, *covariates) if c not in data.columns]
        if missing:
            raise DataError(
                f"columns {missing} are not in the data (available: {list(data.columns)[:20]}"
                f"{' ...' if data.shape[1] > 20 else ''}); check the spelling"
            )
        for c in (x, *mediators, outcome):
            if is_categorical(data[c]):
                raise DataError(
                    f"column {c!r} has dtype {data[c].dtype}; x, mediators and outcome must be "
                    "numeric or bool (code a binary variable as 0/1)"
                )
        columns: list[str] = []
        reference: dict[str, object] = {}
        for c in covariates:
            if is_categorical(data[c]):
                levels = _levels(data[c])
                if len(levels) < 2:
                    raise ModelError(
                        f"covariate {c!r} has a single level {levels}; drop it from covariates"
                    )
                reference[c] = levels[0]
                columns.extend(f"{c}[T.{lev}]" for lev in levels[1:])
            else:
                columns.append(c)
        binary = tuple(c for c in (*mediators, outcome) if _only_zero_one(data[c]))
        return cls(
            x=x,
            mediators=tuple(mediators),
            outcome=outcome,
            covariates=tuple(covariates),
            covariate_columns=tuple(columns),
            reference_levels=reference,
            binary=binary,
        )

    @property
    def k(self) -> int:
        """Number of mediators."""
        return len(self.mediators)

    @property
    def columns(self) -> tuple[str, ...]:
        """Names of the columns of ``Z``: intercept, x, covariates, mediators, outcome."""
        return ("Intercept", self.x, *self.covariate_columns, *self.mediators, self.outcome)

    @property
    def used_columns(self) -> tuple[str, ...]:
        """The data columns the chain reads."""
        return (self.x, *self.mediators, self.outcome, *self.covariates)

    def incomplete_rows(self, data: pd.DataFrame) -> np.ndarray:
        """Boolean (n,) mask of rows with a missing value in any used column."""
        mask = np.zeros(len(data), dtype=bool)
        for c in self.used_columns:  # column by column: no (n, columns) copy
            mask |= data[c].isna().to_numpy()
        return mask

    def matrix(self, data: pd.DataFrame, *, fill_missing: bool = False) -> np.ndarray:
        """Build the (n, q) float64 matrix ``Z``, column-major (one column per variable).

        Missing values stay NaN, or become 0 with ``fill_missing=True`` (for rows that
        carry zero weight). Column-major, so that every per-PSU product and every
        column read is contiguous.
        """
        n = len(data)
        out = np.empty((n, len(self.columns)), order="F")
        out[:, 0] = 1.0
        j = 1

        def put(values: np.ndarray) -> None:
            nonlocal j
            out[:, j] = values
            if fill_missing:
                column = out[:, j]
                nan = np.isnan(column)
                if nan.any():  # the usual column has none: no masked write
                    column[nan] = 0.0
            j += 1

        put(data[self.x].to_numpy(dtype=float, na_value=np.nan))
        for c in self.covariates:
            col = data[c]
            if c in self.reference_levels:
                levels = _levels(col)
                values = col.to_numpy(dtype=object)
                na = col.isna().to_numpy()
                for lev in levels[1:]:
                    dummy = (values == lev).astype(float)
                    dummy[na] = np.nan
                    put(dummy)
            else:
                put(col.to_numpy(dtype=float, na_value=np.nan))
        for m in self.mediators:
            put(data[m].to_numpy(dtype=float, na_value=np.nan))
        put(data[self.outcome].to_numpy(dtype=float, na_value=np.nan))
        return out

    # --- positions in Z -------------------------------------------------------------
    @property
    def n_covariates(self) -> int:
        """Number of covariate columns after dummy coding."""
        return len(self.covariate_columns)

    def mediator_column(self, j: int) -> int:
        """Column of mediator ``j`` (0-based) in ``Z``."""
        return 2 + self.n_covariates + j

    @property
    def outcome_column(self) -> int:
        """Column of the outcome in ``Z``."""
        return 2 + self.n_covariates + self.k

    def equations(self) -> list[tuple[str, list[int], int]]:
        """Every equation as (response name, regressor columns of Z, response column).

        Regressors are ordered intercept, x, earlier mediators, covariates.
        """
        cov = list(range(2, 2 + self.n_covariates))
        out: list[tuple[str, list[int], int]] = []
        for j, m in enumerate(self.mediators):
            regs = [0, 1, *(self.mediator_column(i) for i in range(j)), *cov]
            out.append((m, regs, self.mediator_column(j)))
        regs = [0, 1, *(self.mediator_column(i) for i in range(self.k)), *cov]
        out.append((self.outcome, regs, self.outcome_column))
        return out

    def equation_terms(self) -> list[list[str]]:
        """Term names of every equation, in the order of :meth:`equations`."""
        names = self.columns
        return [[names[c] for c in regs] for _, regs, _ in self.equations()]

    def effect_names(self) -> list[str]:
        """Names of every effect (see :func:`effect_names`)."""
        return effect_names(self.x, self.mediators, self.outcome)
