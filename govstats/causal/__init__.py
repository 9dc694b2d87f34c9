"""Causal estimates on a survey design: propensity weighting, balance, doubly robust effects.

:func:`propensity_weights` turns a design into one whose weights are the survey
weight times an inverse-probability weight (re-estimated in every replicate of a
replicate design); :func:`balance` compares covariate balance before and after;
:func:`aipw` gives the augmented IPW (doubly robust) effect with design SEs.
"""

from __future__ import annotations

from govstats.causal.aipw import AIPWResult, aipw
from govstats.causal.balance import balance
from govstats.causal.propensity import propensity_weights

__all__ = ["AIPWResult", "aipw", "balance", "propensity_weights"]
