"""govstats: survey statistics for China's urban-rural digital divide.

The public API is reached from this namespace::

    import govstats as gs
    design = gs.SurveyDesign(df, weights="weight", strata="stratum", psu="county")
    chain = gs.DivideChain(design, x="rural", mediators=[...], outcome="service")

Subpackages load on first use so that ``import govstats`` stays fast.
"""

from __future__ import annotations

import importlib
import importlib.metadata
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


def _version() -> str:
    """Return the version declared in pyproject.toml (its one place), as installed.

    In a source tree that is not installed, pyproject.toml beside the package is read.
    """
    try:
        return importlib.metadata.version("govstats")
    except importlib.metadata.PackageNotFoundError:
        import tomllib
        from pathlib import Path

        pyproject = Path(__file__).resolve().parent.parent / "pyproject.toml"
        try:
            with pyproject.open("rb") as handle:
                return str(tomllib.load(handle)["project"]["version"])
        except (OSError, KeyError, tomllib.TOMLDecodeError):
            return "0+unknown"


__version__ = _version()

_LAZY = {
    "SurveyDesign": ("govstats.design", "SurveyDesign"),
    "DivideChain": ("govstats.chain", "DivideChain"),
    "read_survey": ("govstats.io", "read_survey"),
    "datasets": ("govstats.datasets", None),
    "design": ("govstats.design", None),
    "chain": ("govstats.chain", None),
    "gaps": ("govstats.gaps", None),
    "causal": ("govstats.causal", None),
    "panel": ("govstats.panel", None),
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
    "causal",
    "chain",
    "datasets",
    "design",
    "gaps",
    "io",
    "panel",
    "read_survey",
    "report",
    "sem",
]

if TYPE_CHECKING:
    from govstats import causal, chain, datasets, design, gaps, io, panel, report, sem
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
