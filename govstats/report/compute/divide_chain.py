"""Numbers of section 04: the divide chain fitted with design replicates."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from govstats.chain.results import ChainResult
from govstats.errors import ReportError
from govstats.report.compute._rows import computed
from govstats.report.inputs import SurveyInput

__all__ = [
    "COVARIATES",
    "MEDIATORS",
    "OUTCOME",
    "SEPARATOR",
    "ChainFrames",
    "X",
    "compute_divide_chain",
]

X = "rural"
MEDIATORS = ("info_access", "participation", "expression")
OUTCOME = "service"
COVARIATES = ("age", "female", "edu_years", "log_income")
SEPARATOR = " -> "


@dataclass(frozen=True)
class ChainFrames:
    """Results of section 04.

    Parameters
    ----------
    result, by_result : ChainResult
        The chain fitted overall and by ``by`` (same replicates).
    cascade : pandas.DataFrame
        ``result.cascade`` with groups named urban / rural / gap and the unweighted ``n``
        behind each cell (complete cases).
    groups : pandas.DataFrame
        Effects by group (indirect_total, direct, total, proportion_mediated) with the
        smallest urban/rural count of the group in ``n``.
    by : str
        The moderator of the group comparison.
    replicates, seed : int
        Design replicates and their seed.
    raw_gap : float
        Unadjusted rural - urban difference of the outcome.
    truth : pandas.Series or None
        The simulator's true effects, if the survey is simulated.
    """

    result: ChainResult
    by_result: ChainResult
    cascade: pd.DataFrame
    groups: pd.DataFrame
    by: str
    replicates: int
    seed: int
    raw_gap: float
    truth: pd.Series | None


def _cell_counts(used: Any, by: str) -> tuple[pd.Series, pd.Series]:
    """Respondents by rural, and by (``by``, rural), in one pass (pandas or dask)."""
    rural, cells = computed(
        used.groupby("rural").size(), used.groupby([by, "rural"], observed=False).size()
    )
    return rural, cells


def _group_counts(cells: pd.Series, by: str) -> pd.DataFrame:
    """Smallest unweighted urban/rural cell within each group (drives suppression)."""
    counts = cells.unstack(fill_value=0)
    return pd.DataFrame({by: counts.index.astype(str), "n": counts.min(axis=1).to_numpy()})


def compute_divide_chain(
    survey: SurveyInput,
    *,
    replicates: int = 200,
    seed: int = 2024,
    by: str = "age_group",
) -> ChainFrames:
    """Fit the divide chain with Rao-Wu bootstrap replicates of the survey design.

    Parameters
    ----------
    survey : SurveyInput
    replicates : int
        Number of Rao-Wu rescaled bootstrap replicates (one set, shared by the overall
        fit and every group of ``by``).
    seed : int
        Seed of the replicate draw.
    by : str
        Moderator of the group comparison.

    Returns
    -------
    ChainFrames
    """
    from govstats.chain import DivideChain

    data = survey.data
    needed = [X, *MEDIATORS, OUTCOME, *COVARIATES, by]
    missing = [c for c in needed if c not in data.columns]
    if missing:
        raise ReportError(f"survey {survey.label} lacks columns {missing} needed for the chain")
    design = survey.design().to_replicates("bootstrap", replicates=replicates, seed=seed)
    chain = DivideChain(
        design,
        x=X,
        mediators=list(MEDIATORS),
        outcome=OUTCOME,
        covariates=list(COVARIATES),
        missing="listwise",
    )
    res = chain.fit(inference="replicate", seed=seed, progress=False)
    res_by = chain.fit(inference="replicate", seed=seed, by=by, progress=False)
    if res.cascade is None:
        raise ReportError("the chain result has no cascade; cannot lay out section 04")
    # disclosure counts are respondents the chain actually used (complete cases)
    used = data[~data[needed].isna().any(axis=1)]
    by_rural, cells = _cell_counts(used, by)
    cascade = res.cascade.copy()
    n_rural = int(by_rural.get(1, 0))
    n_urban = int(by_rural.get(0, 0))
    group_map = {"rural = 0": "urban", "rural = 1": "rural", "gap": "gap"}
    cascade["group"] = cascade["group"].map(group_map).fillna(cascade["group"])
    cascade["n"] = cascade["group"].map(
        {"urban": n_urban, "rural": n_rural, "gap": min(n_urban, n_rural)}
    )
    keep = ["indirect_total", "direct", "total", "proportion_mediated"]
    groups = res_by.effects.reset_index()
    groups = groups[groups["effect"].isin(keep)].copy()
    groups[by] = groups[by].astype(str)
    groups = groups.merge(_group_counts(cells, by), on=by, how="left")
    gap = cascade[(cascade["link"] == OUTCOME) & (cascade["group"] == "gap")]
    raw_gap = float(gap["estimate"].iloc[0]) if len(gap) else np.nan
    truth = getattr(survey.truth, "effects", None)
    return ChainFrames(
        result=res,
        by_result=res_by,
        cascade=cascade,
        groups=groups,
        by=by,
        replicates=replicates,
        seed=seed,
        raw_gap=raw_gap,
        truth=truth if survey.simulated else None,
    )
