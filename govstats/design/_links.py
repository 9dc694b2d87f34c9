"""Distribution functions of the latent error of ordinal models (shared by fits and margins)."""

from __future__ import annotations

import numpy as np
from scipy import special

__all__ = ["cdf", "dpdf", "pdf"]


def cdf(kind: str, z: np.ndarray) -> np.ndarray:
    """Distribution function of the latent error (``"gumbel"``: R survey's ``pgumbel``)."""
    if kind == "logit":
        return np.asarray(special.expit(z))
    if kind == "probit":
        return np.asarray(special.ndtr(z))
    if kind == "gumbel":
        return np.asarray(np.exp(-np.exp(-z)))
    return np.asarray(-np.expm1(-np.exp(z)))  # cloglog: 1 - exp(-exp(z))


def pdf(kind: str, z: np.ndarray) -> np.ndarray:
    """Density matching :func:`cdf`."""
    if kind == "logit":
        e = np.exp(-np.abs(z))
        return np.asarray(e / (1 + e) ** 2)
    if kind == "probit":
        return np.asarray(np.exp(-0.5 * z * z) / np.sqrt(2 * np.pi))
    if kind == "gumbel":
        return np.asarray(np.exp(-z - np.exp(-z)))
    return np.asarray(np.exp(z - np.exp(z)))


def dpdf(kind: str, z: np.ndarray) -> np.ndarray:
    """Return the derivative of the density (for marginal effects' standard errors)."""
    f = pdf(kind, z)
    if kind == "logit":
        return np.asarray(f * (1 - 2 * special.expit(z)))
    if kind == "probit":
        return np.asarray(-z * f)
    if kind == "gumbel":
        return np.asarray(f * (np.exp(-z) - 1))
    return np.asarray(f * (1 - np.exp(z)))
