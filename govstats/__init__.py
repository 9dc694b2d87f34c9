"""govstats: survey statistics for China's urban-rural digital divide.

The public API is reached from this namespace::

    import govstats as gs
    design = gs.SurveyDesign(df, weights="weight", strata="stratum", psu="county")
    chain = gs.DivideChain(design, x="rural", mediators=[...], outcome="service")

Subpackages load on first use so that ``import govstats`` stays fast.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from govstats.errors import (
    CodebookError,
    ConvergenceError,
    DataError,
    DesignError,
    GovstatsError,
    GovstatsWarning,
    ModelError,
    ReportError,
)

__version__ = "0.1.0"

_LAZY = {
    "SurveyDesign": ("govstats.design", "SurveyDesign"),
    "DivideChain": ("govstats.chain", "DivideChain"),
    "read_survey": ("govstats.io", "read_survey"),
    "datasets": ("govstats.datasets", None),
    "design": ("govstats.design", None),
    "chain": ("govstats.chain", None),
    "gaps": ("govstats.gaps", None),
    "io": ("govstats.io", None),
    "report": ("govstats.report", None),
    "sem": ("govstats.sem", None),
}

__all__ = [
    "CodebookError",
    "ConvergenceError",
    "DataError",
    "DesignError",
    "DivideChain",
    "GovstatsError",
    "GovstatsWarning",
    "ModelError",
    "ReportError",
    "SurveyDesign",
    "__version__",
    "chain",
    "datasets",
    "design",
    "gaps",
    "io",
    "read_survey",
    "report",
    "sem",
]

if TYPE_CHECKING:
    from govstats import chain, datasets, design, gaps, io, report, sem
    from govstats.chain import DivideChain
    from govstats.design import SurveyDesign
    from govstats.io import read_survey


def __getattr__(name: str) -> Any:
    try:
        module_name, attribute = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module 'govstats' has no attribute {name!r}") from None
    module = importlib.import_module(module_name)
    return module if attribute is None else getattr(module, attribute)
