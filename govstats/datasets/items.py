"""Continuous item-level indicators of the simulated constructs, for latent-variable checks."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from govstats.errors import DataError

__all__ = ["SimulatedItems", "simulate_items"]

CONSTRUCTS = ("info_access", "participation", "expression", "service")


@dataclass(frozen=True)
class SimulatedItems:
    """Items drawn from known constructs.

    Attributes
    ----------
    data : pandas.DataFrame
        The input rows with the item columns ``{construct}_i1 ...`` appended.
    measurement : dict
        ``{construct: [item columns]}``, ready for ``gs.sem.latent_chain``.
    loadings : tuple of float
        True loading of the items of every construct (the first is 1: the latent
        variable is on the construct's own scale).
    intercepts : tuple of float
        True item intercepts.
    item_error : float
        Standard deviation of every item's error.
    invariance_violation : float
        Intercept shift of the last item of every construct in the ``group``.
    group : str
    """

    data: pd.DataFrame = field(repr=False)
    measurement: dict[str, list[str]]
    loadings: tuple[float, ...]
    intercepts: tuple[float, ...]
    item_error: float
    invariance_violation: float
    group: str


def simulate_items(
    data: pd.DataFrame,
    *,
    constructs: Sequence[str] = CONSTRUCTS,
    loadings: Sequence[float] = (1.0, 0.8, 0.7),
    intercepts: Sequence[float] = (0.0, 0.2, -0.1),
    item_error: float = 0.5,
    invariance_violation: float = 0.0,
    by: str = "rural",
    seed: int | np.random.Generator | None = None,
) -> SimulatedItems:
    """Draw continuous items ``nu_j + lambda_j * construct + e_j`` for every construct.

    The constructs are the columns of :func:`~govstats.datasets.simulate_survey`'s
    ``data`` whose chain is known (``truth``), so a latent SEM on the items must
    recover the chain's paths, while the observed-score chain on item means is
    attenuated. The columns of ``data`` are not changed; the items are appended.

    Parameters
    ----------
    data : DataFrame
        Rows with the construct columns (and ``by``).
    constructs : sequence of str
    loadings, intercepts : sequence of float
        One per item (the same for every construct); the first loading should be 1.
    item_error : float, default 0.5
        Error standard deviation of every item.
    invariance_violation : float, default 0
        Added to the intercept of the last item of every construct where
        ``data[by] == 1`` (a scalar non-invariance that ``gs.sem.invariance``
        should detect).
    by : str, default "rural"
        The 0/1 column whose group 1 gets the invariance violation.
    seed : int, Generator or None, keyword-only
        Source of randomness (``None``: fresh entropy; the same integer gives the same
        items).

    Returns
    -------
    SimulatedItems

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"info_access": [0.1, -0.3, 1.2], "rural": [0, 1, 1]})
    >>> sim = simulate_items(df, constructs=["info_access"], seed=1)
    >>> sim.measurement
    {'info_access': ['info_access_i1', 'info_access_i2', 'info_access_i3']}
    """
    if len(loadings) != len(intercepts):
        raise DataError("loadings and intercepts need one value per item.")
    if not item_error > 0:
        raise DataError(f"item_error={item_error} must be positive.")
    missing = [c for c in (*constructs, by) if c not in data.columns]
    if missing:
        raise DataError(f"simulate_items needs the column(s) {missing} in data.")
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    in_group = data[by].to_numpy() == 1
    new = {}
    measurement = {}
    for construct in constructs:
        values = data[construct].to_numpy(dtype=np.float64)
        names = []
        for j, (lam, nu) in enumerate(zip(loadings, intercepts, strict=True)):
            name = f"{construct}_i{j + 1}"
            item = nu + lam * values + rng.normal(0.0, item_error, values.size)
            if j == len(loadings) - 1:
                item = item + invariance_violation * in_group
            new[name] = item
            names.append(name)
        measurement[construct] = names
    out = pd.concat([data, pd.DataFrame(new, index=data.index)], axis=1)
    return SimulatedItems(
        data=out,
        measurement=measurement,
        loadings=tuple(float(v) for v in loadings),
        intercepts=tuple(float(v) for v in intercepts),
        item_error=float(item_error),
        invariance_violation=float(invariance_violation),
        group=by,
    )
