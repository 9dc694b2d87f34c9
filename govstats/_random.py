"""Seeds: the one place where a ``seed`` argument becomes a generator and a recorded integer.

It sits below every family (even the datasets' simulators use it);
:mod:`govstats.design.inference` re-exports it for the estimators.
"""

from __future__ import annotations

import numbers
import operator

import numpy as np

from govstats.errors import GovstatsError

__all__ = ["SeedLike", "resolve_seed", "spawn"]

#: What every ``seed`` argument accepts.
SeedLike = int | np.random.Generator | None

# Seeds are drawn below 2**63 so that they print, store in JSON and round-trip as int64.
_SEED_BOUND = 2**63


def resolve_seed(seed: SeedLike, *, argument: str = "seed") -> tuple[int, np.random.Generator]:
    """Return the integer seed actually used and a Generator built from it.

    ``None`` draws fresh entropy; a ``numpy.random.Generator`` is asked for one
    integer, so that the run is reproducible from the returned seed alone. The
    same integer seed always gives the same Generator (``numpy.random.default_rng``).

    Parameters
    ----------
    seed : int, numpy.random.Generator or None
        A non-negative integer, a Generator, or ``None`` for fresh entropy.
    argument : str, default "seed"
        Name of the argument, for the error message.

    Returns
    -------
    (int, numpy.random.Generator)
        The seed to record in the result, and the generator to draw from.

    Raises
    ------
    GovstatsError
        ``seed`` is a float, a string, a bool or a negative integer.

    Examples
    --------
    >>> used, rng = resolve_seed(7)
    >>> used
    7
    >>> float(rng.random()) == float(resolve_seed(used)[1].random())
    True
    """
    if seed is None:
        used = int(np.random.SeedSequence().generate_state(2, np.uint32).view(np.uint64)[0])
        used %= _SEED_BOUND
    elif isinstance(seed, np.random.Generator):
        used = int(seed.integers(0, _SEED_BOUND))
    elif isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise GovstatsError(
            f"{argument}={seed!r} is not a seed: pass a non-negative integer, a "
            f"numpy.random.Generator, or None for fresh entropy (the result records the "
            f"seed used)."
        )
    else:
        used = operator.index(seed)
        if used < 0:
            raise GovstatsError(f"{argument}={seed} is negative: pass a non-negative integer seed.")
    return used, np.random.default_rng(used)


def spawn(seed: int, n: int) -> list[np.random.Generator]:
    """``n`` independent child generators of an integer seed (for parallel or batched draws)."""
    return [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(n)]
