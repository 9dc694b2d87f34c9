"""Design-based estimation for complex survey samples (the Python counterpart of R ``survey``).

:class:`SurveyDesign` binds a DataFrame to its sampling structure (strata,
multistage clusters, weights, fpc); its estimators (``mean``, ``total``,
``ratio``, ``proportion``, ``quantile``, ``var``, ``glm``, all with ``by=``
domains, and ``ciprop``) return :class:`SurveyEstimate` / :class:`GLMResult`
objects. Replicate-weight designs (:class:`Replicates`, built by
:meth:`SurveyDesign.to_replicates` or :func:`from_replicate_weights`) and
calibrated designs are the same type.
"""

from __future__ import annotations

from govstats.design import distributed  # noqa: F401  (registers the dask design)
from govstats.design._dask_run import is_dask_frame
from govstats.design.glm import GLMResult
from govstats.design.replicates import Replicates
from govstats.design.results import SurveyEstimate
from govstats.design.survey_design import SurveyDesign

#: Build a design from producer-supplied replicate weights (R ``svrepdesign``).
from_replicate_weights = SurveyDesign.from_replicate_weights

__all__ = [
    "GLMResult",
    "Replicates",
    "SurveyDesign",
    "SurveyEstimate",
    "from_replicate_weights",
    "is_dask_frame",
]
