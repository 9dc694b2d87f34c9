"""Panel estimators on top of linearmodels: fixed effects and staggered difference-in-differences.

:func:`fe` wraps :class:`linearmodels.panel.PanelOLS` (entity and time effects,
longitudinal weights, SEs clustered by PSU or entity); :func:`did` gives a two-way
fixed-effects event study and the Callaway–Sant'Anna group-time estimator with its
aggregated ATT.
"""

from __future__ import annotations

from govstats.panel.did import DIDResult, did
from govstats.panel.fe import PanelResult, fe

__all__ = ["DIDResult", "PanelResult", "did", "fe"]
