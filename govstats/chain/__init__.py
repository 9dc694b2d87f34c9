"""govstats.chain: the divide chain (serial mediation) with design-correct inference.

``DivideChain(data_or_design, x, mediators, outcome, covariates).fit(...)`` returns a
:class:`ChainResult` with every path, every specific indirect effect, the total
indirect, direct and total effects, contrasts, group differences and the cascade.
"""

from __future__ import annotations

from govstats.chain.binary import BinaryChainResult, binary_chain
from govstats.chain.divide_chain import DivideChain
from govstats.chain.results import ChainResult
from govstats.chain.spec import ChainSpec, effect_names, specific_paths

__all__ = [
    "BinaryChainResult",
    "ChainResult",
    "ChainSpec",
    "DivideChain",
    "binary_chain",
    "effect_names",
    "specific_paths",
]
