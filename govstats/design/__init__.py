"""Design-based estimation for complex survey samples (the Python counterpart of R ``survey``).

:class:`SurveyDesign` binds a DataFrame to its sampling structure (strata,
multistage clusters, weights, fpc); its estimators (``mean``, ``total``,
``ratio``, ``proportion``, ``quantile``, ``var``, ``glm``, all with ``by=``
domains, and ``ciprop``) return :class:`SurveyEstimate` / :class:`GLMResult`
objects. Replicate-weight
designs (:class:`Replicates`) and calibrated designs are the same type.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from govstats.design.glm import GLMResult
from govstats.design.results import SurveyEstimate
from govstats.design.survey_design import SurveyDesign

if TYPE_CHECKING:
    from govstats.design.replicates import Replicates

__all__ = ["GLMResult", "Replicates", "SurveyDesign", "SurveyEstimate"]


def __getattr__(name: str) -> Any:
    # Replicates lives in its own module, loaded on first use.
    if name == "Replicates":
        return importlib.import_module("govstats.design.replicates").Replicates
    raise AttributeError(f"module 'govstats.design' has no attribute {name!r}")
