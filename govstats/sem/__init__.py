"""Latent constructs: CFA/SEM in lavaan syntax on (design-)weighted moments.

- :func:`fit` estimates a model by ML with lavaan's defaults and standard errors
  from the expected information, the MLR sandwich, the survey design's
  linearization or its replicate weights.
- :func:`reliability` -- design-weighted alpha, omega and item statistics.
- :func:`invariance` -- configural/metric/scalar comparisons across groups.
- :func:`latent_chain` -- the divide chain among latent constructs.

No module here is named like the function it holds, so that importing a module
never shadows the package's function of the same name.
"""

from __future__ import annotations

from govstats.sem.latent import LatentChainResult, latent_chain
from govstats.sem.measurement_invariance import InvarianceResult, invariance
from govstats.sem.results import SEMResult
from govstats.sem.scale_reliability import reliability
from govstats.sem.sem_fit import fit

__all__ = [
    "InvarianceResult",
    "LatentChainResult",
    "SEMResult",
    "fit",
    "invariance",
    "latent_chain",
    "reliability",
]
