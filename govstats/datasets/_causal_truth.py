"""The causal columns of the simulated survey: an instrument, two treatments, an outcome.

They are drawn from a child generator after every other column, so the rest of the
survey is bit-identical to a survey without them. No pandas here.

Model (all coefficients are the truth the estimators are checked against):

* ``z_broadband`` — fixed-broadband household penetration of the county (percent),
  ``45 + 12 N(0, 1)`` per county: the instrument (it moves internet hours and
  nothing else).
* ``u`` — an *unmeasured* confounder (digital motivation), ``N(0, 1)`` per person;
  not in the data.
* ``digital_skill`` — a measured 0/1 trait, ``Bernoulli(0.5)`` independent of
  everything else.
* ``internet_hours`` — weekly hours online,
  ``12 + 0.15 (z - 45) - 3 rural + 0.3 (edu - 9) + 2.5 u + N(0, 3^2)``:
  endogenous (``u`` also raises the outcome), so least squares is biased upwards.
* ``broadband_home`` — 0/1 home broadband, ``logit P = -0.2 + 3 skill - 0.8 rural
  + 0.1 (edu - 9)``: ignorable given the measured covariates, with an effect that
  is larger for the skilled, who are also far more often treated, so the least
  squares coefficient (a variance-weighted average of the effects) misses the ATE.
* ``egov_use`` — use of online government services,
  ``-1 + 0.08 hours + (0.4 + 0.4 skill) broadband + 0.3 skill + 0.6 u - 0.3 rural
  + 0.03 (edu - 9) + N(0, 0.8^2)``.

Truths: the effect of one more weekly hour is 0.08; the population ATE of home
broadband is ``0.4 + 0.4 * 0.5 = 0.6`` exactly (skill is independent of the design).
"""

from __future__ import annotations

import numpy as np

HOURS_EFFECT = 0.08
ATE = 0.6
INSTRUMENT = "z_broadband"
ENDOGENOUS = "internet_hours"
TREATMENT = "broadband_home"
OUTCOME = "egov_use"


def causal_columns(
    rng: np.random.Generator,
    county: np.ndarray,
    rural: np.ndarray,
    edu_years: np.ndarray,
) -> tuple[dict[str, np.ndarray], float]:
    """Draw the causal columns; return them and the sample's treated-effect mean (SATT)."""
    n = rural.size
    n_county = int(county.max()) + 1
    z_county = np.clip(45.0 + 12.0 * rng.standard_normal(n_county), 5.0, 95.0)
    z = z_county[county]
    u = rng.standard_normal(n)
    skill = (rng.random(n) < 0.5).astype(np.int64)
    edu = edu_years.astype(float) - 9.0
    hours = 12.0 + 0.15 * (z - 45.0) - 3.0 * rural + 0.3 * edu + 2.5 * u
    hours = hours + rng.normal(0.0, 3.0, n)
    p = 1.0 / (1.0 + np.exp(-(-0.2 + 3.0 * skill - 0.8 * rural + 0.1 * edu)))
    broadband = (rng.random(n) < p).astype(np.int64)
    tau = 0.4 + 0.4 * skill
    egov = (
        -1.0 + HOURS_EFFECT * hours + tau * broadband + 0.3 * skill + 0.6 * u - 0.3 * rural
        + 0.03 * edu + rng.normal(0.0, 0.8, n)
    )  # fmt: skip
    columns = {
        INSTRUMENT: z,
        "digital_skill": skill,
        ENDOGENOUS: hours,
        TREATMENT: broadband,
        OUTCOME: egov,
    }
    treated = broadband == 1
    satt = float(tau[treated].mean()) if treated.any() else float("nan")
    return columns, satt
