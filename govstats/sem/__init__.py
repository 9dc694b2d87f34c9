"""Latent constructs: CFA/SEM in lavaan syntax on (design-)weighted moments.

:func:`fit` estimates a model by ML with lavaan's defaults and standard errors
from the expected information, the MLR sandwich, the survey design's
linearization or its replicate weights.
"""

from __future__ import annotations

from govstats.sem.fit import fit
from govstats.sem.invariance import InvarianceResult, invariance
from govstats.sem.latent_chain import LatentChainResult, latent_chain
from govstats.sem.reliability import reliability
from govstats.sem.results import SEMResult

__all__ = [
    "InvarianceResult",
    "LatentChainResult",
    "SEMResult",
    "fit",
    "invariance",
    "latent_chain",
    "reliability",
]
