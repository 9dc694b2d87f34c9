"""A CFPS-style panel with a staggered broadband rollout and a known effect.

The same persons are followed over the waves 2014–2022 (every two years) in a
stratified, clustered sample (region strata, county PSUs), with attrition and
longitudinal weights; broadband reaches counties in three cohorts, and its effect
on information access is known, so every panel estimator has a recovery test.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["SimulatedPanel", "simulate_panel"]

WAVES = (2014, 2016, 2018, 2020, 2022)
_COHORTS = (2016, 2018, 2020)
_REGIONS = ("east", "central", "west", "northeast")
# counties per region in the population (the sample draws n_counties over the regions)
_POP_COUNTIES = np.array([900, 800, 700, 200])


@dataclass(frozen=True, eq=False)
class SimulatedPanel:
    """A simulated panel and the truth behind it.

    Attributes
    ----------
    data : pandas.DataFrame
        Long format, one row per person and wave observed: ``person``, ``county``
        (PSU), ``stratum`` (region), ``year``, ``weight`` (longitudinal: base weight
        over the known probability of staying in the panel), ``base_weight``,
        ``rural``, ``edu``, ``broadband`` (1 once the county has it),
        ``first_treated`` (year of the county's rollout; missing if never),
        ``info_access`` (the outcome).
    truth : dict
        ``effect`` (on impact), ``growth`` (added per wave of exposure),
        ``att_by_event`` (effect by years since rollout), ``att_simple`` (the
        Callaway–Sant'Anna "simple" aggregate this sample targets: post-rollout
        effects weighted by the cohorts' weighted sizes) and ``cohorts``.
    seed : int or None
    """

    data: pd.DataFrame
    truth: dict[str, Any] = field(repr=False)
    seed: int | None

    def __repr__(self) -> str:
        return (
            f"SimulatedPanel(rows={len(self.data)}, persons={self.data['person'].nunique()}, "
            f"counties={self.data['county'].nunique()}, seed={self.seed})"
        )


def _generator(
    seed: int | np.random.Generator | None,
) -> tuple[np.random.Generator, int | None]:
    if seed is None:
        seed = int(np.random.SeedSequence().generate_state(1)[0])
    if isinstance(seed, np.random.Generator):
        return seed, None
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise ValueError(f"seed={seed!r}: pass a non-negative integer or a numpy Generator.")
    return np.random.default_rng(int(seed)), int(seed)


def simulate_panel(
    n_counties: int = 80,
    persons_per_county: int = 25,
    *,
    effect: float = 0.3,
    growth: float = 0.1,
    attrition: float = 0.08,
    seed: int | np.random.Generator | None = None,
) -> SimulatedPanel:
    """Simulate CFPS-style waves (2014–2022) with a staggered county broadband rollout.

    Parameters
    ----------
    n_counties : int, default 80
        Sampled counties (PSUs), allocated to four region strata.
    persons_per_county : int, default 25
        Persons sampled per county in 2014 and followed afterwards.
    effect : float, default 0.3
        Effect of broadband on information access in the wave of the rollout.
    growth : float, default 0.1
        Added to the effect per further wave of exposure (dynamic effects, which bias
        a static two-way FE regression under staggered adoption).
    attrition : float, default 0.08
        Base probability of leaving the panel at each wave (higher for rural persons).
    seed : int, numpy.random.Generator or None, keyword-only

    Returns
    -------
    SimulatedPanel

    Notes
    -----
    ``info_access_it = 2.5 + a_i + 0.15 (t - 2014)/2 + tau(e) D_it + u_it`` with a
    person effect ``a_i`` (lower for rural and less educated persons), a common
    trend (parallel trends hold unconditionally), ``tau(e) = effect + growth e/2``
    for ``e = t - g >= 0`` years since rollout and ``u ~ N(0, 0.5^2)``. Urban
    counties get broadband earlier (cohorts 2016, 2018, 2020 or never), so a naive
    comparison is confounded by the person effects. Attrition is missing at random
    given rurality; the longitudinal weight divides the base weight by the known
    probability of remaining.

    Examples
    --------
    >>> sim = simulate_panel(n_counties=20, persons_per_county=5, seed=1)
    >>> sorted(sim.data["year"].unique().tolist())
    [2014, 2016, 2018, 2020, 2022]
    >>> sim.truth["att_by_event"][0]
    0.3
    """
    rng, used = _generator(seed)
    if n_counties < 8 or persons_per_county < 2:
        raise ValueError("simulate_panel needs n_counties >= 8 and persons_per_county >= 2.")
    share = _POP_COUNTIES / _POP_COUNTIES.sum()
    per_stratum = np.maximum(2, np.round(share * n_counties).astype(int))
    stratum = np.repeat(np.arange(len(_REGIONS)), per_stratum)
    n_c = stratum.shape[0]
    county_weight = (_POP_COUNTIES / per_stratum)[stratum]
    rural_share = np.array([0.3, 0.5, 0.6, 0.45])[stratum]
    county_rural = rng.random(n_c) < rural_share
    county_pop = rng.integers(20_000, 120_000, size=n_c)
    probs = np.where(county_rural[:, None], [0.1, 0.2, 0.3, 0.4], [0.4, 0.3, 0.2, 0.1])
    cohort_pick = np.array([rng.choice(4, p=p) for p in probs])
    first = np.array([*_COHORTS, np.nan])[cohort_pick]
    n = n_c * persons_per_county
    county = np.repeat(np.arange(n_c), persons_per_county)
    rural = (rng.random(n) < np.where(county_rural[county], 0.8, 0.2)).astype(int)
    edu = np.clip(np.round(rng.normal(10 - 3 * rural, 3)), 0, 19)
    person_effect = -0.6 * rural + 0.08 * (edu - 9) + rng.normal(0, 0.5, size=n)
    base_weight = county_weight[county] * county_pop[county] / persons_per_county
    stay = 1 - attrition * np.where(rural == 1, 1.3, 0.7)
    rows = []
    present = np.ones(n, dtype=bool)
    for k, year in enumerate(WAVES):
        if k:
            present &= rng.random(n) < stay
        g = first[county]
        exposed = np.isfinite(g) & (year >= g)
        years_since = np.where(exposed, year - np.nan_to_num(g), 0.0)
        tau = np.where(exposed, effect + growth * years_since / 2, 0.0)
        y = 2.5 + person_effect + 0.15 * k + tau + rng.normal(0, 0.5, size=n)
        rows.append(
            pd.DataFrame(
                {
                    "person": np.arange(n),
                    "county": county,
                    "stratum": np.asarray(_REGIONS)[stratum[county]],
                    "year": year,
                    "weight": base_weight / stay**k,
                    "base_weight": base_weight,
                    "rural": rural,
                    "edu": edu,
                    "broadband": exposed.astype(int),
                    "first_treated": g,
                    "info_access": y,
                }
            )[present]
        )
    data = pd.concat(rows, ignore_index=True)
    att_by_event = {int(e): effect + growth * e / 2 for e in range(0, 2 * len(WAVES), 2)}
    sizes = {c: float(base_weight[first[county] == c].sum()) for c in _COHORTS}
    num = den = 0.0
    for c in _COHORTS:
        for year in WAVES:
            if year >= c:
                num += sizes[c] * att_by_event[year - c]
                den += sizes[c]
    truth = {
        "effect": effect,
        "growth": growth,
        "att_by_event": att_by_event,
        "att_simple": num / den,
        "cohorts": _COHORTS,
    }
    return SimulatedPanel(data=data, truth=truth, seed=used)
