"""govstats.gaps: gap decompositions, inequality indices, composite indices, diffusion lag.

- :func:`oaxaca` — Oaxaca–Blinder twofold/threefold decomposition of a mean gap.
- :func:`fairlie` — Fairlie's non-linear decomposition of a gap in a binary outcome.
- :func:`theil`, :func:`gini` — inequality with between/within (Dagum) splits.
- :func:`entropy_weights`, :func:`topsis`, :func:`coupling_coordination` — composite indices.
- :func:`diffusion_lag` — logistic diffusion curves and the urban–rural lag in years.
"""

from govstats.gaps.diffusion import DiffusionLagResult, cnnic_diffusion_lag, diffusion_lag
from govstats.gaps.fairlie_decomposition import FairlieResult, fairlie
from govstats.gaps.indices import (
    COORDINATION_BANDS,
    CouplingResult,
    EntropyWeightsResult,
    TopsisResult,
    coupling_coordination,
    entropy_weights,
    topsis,
)
from govstats.gaps.inequality import InequalityResult, gini, theil
from govstats.gaps.oaxaca_blinder import OaxacaResult, oaxaca

__all__ = [
    "COORDINATION_BANDS",
    "CouplingResult",
    "DiffusionLagResult",
    "EntropyWeightsResult",
    "FairlieResult",
    "InequalityResult",
    "OaxacaResult",
    "TopsisResult",
    "cnnic_diffusion_lag",
    "coupling_coordination",
    "diffusion_lag",
    "entropy_weights",
    "fairlie",
    "gini",
    "oaxaca",
    "theil",
    "topsis",
]
