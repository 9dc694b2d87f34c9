"""The exception hierarchy of govstats.

Every error a user can provoke with bad input is a :class:`GovstatsError`, and its
message names the column, stratum or file involved, what was found and what to do.
"""

from __future__ import annotations

__all__ = [
    "CodebookError",
    "ConvergenceError",
    "DataError",
    "DesignError",
    "GovstatsError",
    "GovstatsWarning",
    "ModelError",
    "ReportError",
]


class GovstatsError(Exception):
    """Base class of every error govstats raises on purpose."""


class DataError(GovstatsError, ValueError):
    """Input data are unusable: missing columns, bad values, damaged or mis-encoded files."""


class CodebookError(DataError):
    """A codebook does not fit the survey file it is applied to."""


class DesignError(GovstatsError, ValueError):
    """A survey design is invalid: bad weights, lonely PSUs, PSU ids shared across strata."""


class ModelError(GovstatsError, ValueError):
    """A model cannot be estimated: constant or collinear columns, too few cases, separation."""


class ConvergenceError(GovstatsError, RuntimeError):
    """An iterative fit (raking, calibration, a GLM, a curve fit) did not converge."""


class ReportError(GovstatsError, RuntimeError):
    """A report or analysis could not be built from its inputs."""


class GovstatsWarning(UserWarning):
    """A warning where R warns and the number is still meaningful (separation, weak instruments)."""
