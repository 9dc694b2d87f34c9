"""Repeated samples from a fixed population: 95% intervals cover the truth ~95% of the time."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import govstats as gs

N_STRATA, PSUS_PER_STRATUM, PSUS_SAMPLED, UNITS_SAMPLED = 10, 60, 6, 8
REPETITIONS = 1000


def _population(rng: np.random.Generator) -> pd.DataFrame:
    sizes = rng.integers(20, 61, N_STRATA * PSUS_PER_STRATUM)
    psu = np.repeat(np.arange(sizes.size), sizes)
    stratum = psu // PSUS_PER_STRATUM
    psu_effect = rng.normal(0, 4, sizes.size)
    y = 50 + 3 * stratum + psu_effect[psu] + rng.gamma(2.0, 3.0, psu.size)
    return pd.DataFrame({"stratum": stratum, "psu": psu, "y": y})


def _sample(population: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Two-stage stratified sample: PSUs by SRSWOR within strata, then units by SRSWOR."""
    psu_keys = rng.random((N_STRATA, PSUS_PER_STRATUM)).argsort(axis=1)[:, :PSUS_SAMPLED]
    chosen = (psu_keys + np.arange(N_STRATA)[:, None] * PSUS_PER_STRATUM).ravel()
    units = population[population["psu"].isin(chosen)]
    order = pd.Series(rng.random(len(units)), index=units.index).groupby(units["psu"]).rank()
    sample = units[order <= UNITS_SAMPLED].copy()
    sample["fpc1"] = PSUS_PER_STRATUM
    sample["fpc2"] = sample["psu"].map(population["psu"].value_counts())
    sample["unit"] = np.arange(len(sample))
    return sample.reset_index(drop=True)


@pytest.mark.slow
def test_t_intervals_cover_the_population_mean() -> None:
    rng = np.random.default_rng(20261128)
    population = _population(rng)
    truth = population["y"].mean()
    covered = 0
    for _ in range(REPETITIONS):
        sample = _sample(population, rng)
        design = gs.SurveyDesign(
            sample,
            strata="stratum",
            psu=["psu", "unit"],
            fpc=["fpc1", "fpc2"],
        )
        result = design.mean("y")
        covered += int(result.ci_low[0] <= truth <= result.ci_high[0])
    assert result.df == N_STRATA * PSUS_SAMPLED - N_STRATA
    rate = covered / REPETITIONS
    assert 0.93 <= rate <= 0.97, rate
    print(f"coverage {rate:.3f}")
