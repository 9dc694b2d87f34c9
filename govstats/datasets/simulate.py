"""simulate_survey: a stratified multistage sample with a known divide-chain truth."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from govstats._random import SeedLike, resolve_seed
from govstats.datasets import _causal_truth as causal
from govstats.datasets import _chain_truth as chain
from govstats.datasets import _raw_items as items
from govstats.datasets._sampling import (
    calibrate_intercept,
    draw_counties,
    largest_remainder,
    logistic,
    ordinal,
    split_even,
)
from govstats.datasets.census import load_census
from govstats.datasets.cnnic import load_cnnic
from govstats.errors import DataError

__all__ = ["CausalTruth", "ChainTruth", "SimulatedSurvey", "simulate_survey"]

#: Share of the resident population aged 18+ (synthetic constant for the frame).
ADULT_SHARE = 0.785
#: Average resident population of a county-level unit (about 1.41 bn / 2,844 units).
PERSONS_PER_COUNTY = 496_000
#: Mean number of adults per household, used for household counts in the frame.
ADULTS_PER_HOUSEHOLD = 2.3
#: Response rates by residence (urban households respond less often).
RESPONSE_RATE = {"urban": 0.65, "rural": 0.80}
#: Share of persons with incomes beyond the 7-digit field (top-coded in the raw file).
HIGH_EARNER_RATE = 0.0015

DESIGN_COLUMNS = {"strata": "stratum", "psu": "county", "weights": "weight", "fpc": "fpc_county"}


@dataclass(frozen=True)
class ChainTruth:
    """The population truth of the simulated divide chain.

    Attributes
    ----------
    paths : pandas.DataFrame
        Columns ``equation``, ``term``, ``estimate``: every slope of the four
        linear equations (intercepts are in ``intercepts``).
    effects : pandas.Series
        Specific indirect effects (``"rural -> info_access -> participation -> service"``
        and the six others), ``indirect_total``, ``direct`` and ``total``.
    intercepts, residual_sd : pandas.Series
        Per equation (``residual_sd`` includes the confounder's share).
    link_rho : float
        Correlation of the disturbances of the ``info_access`` and ``service``
        equations (0 without ``chain_confounding``).
    x, mediators, outcome, covariates
        The roles of the variables.
    """

    paths: pd.DataFrame
    effects: pd.Series
    intercepts: pd.Series
    residual_sd: pd.Series
    link_rho: float = 0.0
    x: str = chain.X
    mediators: tuple[str, ...] = chain.MEDIATORS
    outcome: str = chain.OUTCOME
    covariates: tuple[str, ...] = chain.COVARIATES

    @classmethod
    def default(cls) -> ChainTruth:
        """Return the fixed parameter set every simulated survey uses."""
        rows = [
            (equation, term, value)
            for equation, slopes in chain.SLOPES.items()
            for term, value in slopes.items()
        ]
        paths = pd.DataFrame(rows, columns=["equation", "term", "estimate"])
        effects = pd.Series(chain.chain_effects(), name="estimate", dtype=float)
        effects.index.name = "effect"
        return cls(
            paths=paths,
            effects=effects,
            intercepts=pd.Series(chain.INTERCEPTS, name="intercept", dtype=float),
            residual_sd=pd.Series(chain.RESIDUAL_SD, name="residual_sd", dtype=float),
        )

    def confounded(self, loading: float) -> ChainTruth:
        """Return the truth when a confounder with ``loading`` enters info_access and service."""
        if loading == 0:
            return self
        first, last = chain.MEDIATORS[0], chain.OUTCOME
        sd = self.residual_sd.copy()
        sd[first] = float(np.hypot(sd[first], loading))
        sd[last] = float(np.hypot(sd[last], loading))
        return replace(self, residual_sd=sd, link_rho=float(loading**2 / (sd[first] * sd[last])))


@dataclass(frozen=True)
class CausalTruth:
    """The truth behind the simulated survey's causal columns (see ``simulate_survey``).

    Attributes
    ----------
    hours_effect : float
        Effect of one more weekly hour online (``internet_hours``) on ``egov_use``;
        an unmeasured confounder biases least squares, ``z_broadband`` identifies it.
    ate : float
        Population average effect of ``broadband_home`` on ``egov_use`` (ignorable
        given ``digital_skill``, ``rural`` and ``edu_years``; heterogeneous in skill).
    satt_unweighted : float
        Mean effect among the treated persons of this sample (unweighted).
    instrument, endogenous, treatment, outcome : str
        Column names.
    covariates : tuple of str
        The measured covariates that make ``broadband_home`` ignorable.
    """

    hours_effect: float = causal.HOURS_EFFECT
    ate: float = causal.ATE
    satt_unweighted: float = float("nan")
    instrument: str = causal.INSTRUMENT
    endogenous: str = causal.ENDOGENOUS
    treatment: str = causal.TREATMENT
    outcome: str = causal.OUTCOME
    covariates: tuple[str, ...] = ("digital_skill", "rural", "edu_years")


@dataclass(frozen=True)
class SimulatedSurvey:
    """A simulated survey: analysis-ready data, the raw file image and the truth.

    Attributes
    ----------
    data : pandas.DataFrame
        One row per person, no missing values (see :func:`simulate_survey`).
    truth : ChainTruth
    design_columns : dict of str to str
        ``{"strata": "stratum", "psu": "county", "weights": "weight", "fpc": "fpc_county"}``.
    notes : list of str
        Synthetic values used and the CNNIC period chosen.
    seed : int
        The integer seed actually used (rerun with it to reproduce the sample).
    causal_truth : CausalTruth
        The truth behind ``z_broadband``, ``internet_hours``, ``broadband_home``,
        ``digital_skill`` and ``egov_use``.
    raw : pandas.DataFrame
        The same persons as a survey file holds them: raw names, numeric codes
        and missing codes (write it with :func:`govstats.io.write_survey`);
        ``raw.attrs`` repeats the value labels, variable labels and missing codes.
    value_labels, variable_labels : dict
        Chinese value labels ``{raw name: {code: label}}`` and variable labels.
    missing_codes : dict of str to list of int
        The missing codes of each raw variable (for SPSS user-missing values).
    """

    data: pd.DataFrame
    truth: ChainTruth
    design_columns: dict[str, str]
    notes: list[str]
    seed: int
    raw: pd.DataFrame
    value_labels: dict[str, dict[int, str]] = field(repr=False)
    variable_labels: dict[str, str] = field(repr=False)
    missing_codes: dict[str, list[int]] = field(repr=False)
    causal_truth: CausalTruth = field(default_factory=CausalTruth, repr=False)

    def __repr__(self) -> str:
        return (
            f"SimulatedSurvey(n_persons={len(self.data)}, strata={self.data['stratum'].nunique()}, "
            f"psus={self.data['county'].nunique()}, seed={self.seed})"
        )


def _urban_shares(census: pd.DataFrame, national: pd.Series) -> tuple[np.ndarray, list[str]]:
    """Return published provincial urban shares, the residual national share where missing."""
    population = census["population_total"].to_numpy(dtype=float)
    share = census["urban_share_pct"].to_numpy(dtype=float) / 100.0
    known = np.isfinite(share)
    residual_urban = float(national["urban_population"]) - float(population[known] @ share[known])
    residual_share = residual_urban / float(population[~known].sum())
    filled = np.where(known, share, residual_share)
    missing = census.loc[~known, "province_code"].astype(str).tolist()
    note = (
        f"Synthetic urban share {100 * residual_share:.2f}% used for the {len(missing)} provinces "
        f"without a published 2020 urban share ({', '.join(missing)}): the national urban "
        "population minus the published provincial urban populations, over their combined "
        "population (military counted as urban). Not written back into the census table."
    )
    return filled, [note]


def _internet_rates(period: str) -> tuple[float, float, str]:
    cnnic = load_cnnic()
    try:
        wanted = pd.Period(period, freq="M")
    except ValueError as exc:
        raise DataError(f"period={period!r} is not a month like '2021-12'") from exc
    both = cnnic[
        cnnic["penetration_urban_pct"].notna()
        & cnnic["penetration_rural_pct"].notna()
        & (cnnic["period"] <= wanted)
    ]
    if both.empty:
        first = cnnic.loc[cnnic["penetration_rural_pct"].notna(), "period"].min()
        raise DataError(
            f"period={period!r}: CNNIC urban and rural rates are published from {first} on; "
            "choose a later period"
        )
    row = both.iloc[-1]
    urban, rural = float(row["penetration_urban_pct"]), float(row["penetration_rural_pct"])
    note = (
        f"Internet use follows CNNIC report {int(row['report_no'])} ({row['period']}): urban "
        f"{urban}%, rural {rural}% (the latest period at or before {wanted} with both rates "
        "published); CNNIC rates are for residents aged 6+ and are applied to adults."
    )
    return urban / 100.0, rural / 100.0, note


def _stratum_floor(persons_per_county: int) -> int:
    """Fewest respondents a stratum gets: enough for two PSUs of a quarter-size each."""
    return 2 * max(2, persons_per_county // 4)


def _allocate(
    n_persons: int, adults: np.ndarray, persons_per_county: int
) -> tuple[np.ndarray, np.ndarray]:
    n_stratum = largest_remainder(n_persons, adults, minimum=_stratum_floor(persons_per_county))
    n_counties = np.maximum(2, np.rint(n_stratum / persons_per_county)).astype(np.int64)
    return n_stratum, n_counties


def simulate_survey(
    *,
    seed: SeedLike = None,
    n_persons: int = 8000,
    period: str = "2021-12",
    persons_per_county: int = 25,
    chain_confounding: float = 0.0,
) -> SimulatedSurvey:
    """Draw a stratified multistage survey of Chinese adults with a known divide chain.

    Parameters
    ----------
    seed : int, numpy.random.Generator or None, keyword-only
        Source of randomness (``None``: fresh entropy). The integer seed used is
        recorded in ``result.seed``; the same integer gives bit-identical output.
    n_persons : int, default 8000
        Number of respondents (at least 31 * 12 with the default
        ``persons_per_county``).
    period : str, default "2021-12"
        Month whose CNNIC urban and rural internet-use rates the sample follows
        (the latest report at or before it with both rates published).
    persons_per_county : int, default 25
        Target number of respondents per sampled county (PSU).
    chain_confounding : float, default 0.0
        Loading ``c`` of an unmeasured confounder ``U ~ N(0, 1)`` on the disturbances
        of the ``info_access`` and the ``service`` equations. 0 (the default) leaves
        the chain free of confounding; otherwise the errors of the two equations
        correlate with ``rho = c^2 / sqrt((1 + c^2)(0.81 + c^2))`` (in
        ``truth.link_rho``), least squares overstates the paths from information
        access to service, and ``ChainResult.sensitivity`` at that rho recovers the
        truth. The slopes (and so the true effects) do not change.

    Returns
    -------
    SimulatedSurvey
        ``data`` (analysis-ready, no missing values), ``raw`` (file image with
        codes and missing codes), ``truth`` (:class:`ChainTruth`), ``design_columns``
        and ``notes``.

    Raises
    ------
    DataError
        For a period before the first CNNIC urban/rural figures or a sample too
        small to give every stratum two PSUs.

    Notes
    -----
    *Frame.* 31 province strata from the 2020 census; adults are
    ``0.785 * population``. Provinces without a published urban share get one
    synthetic share (the national urban population minus the published
    provincial urban populations, over the remaining population), said in
    ``notes``. County counts per stratum (``fpc_county``) are synthetic:
    population / 496,000, at least the number sampled plus one.

    *Sample.* Respondents are allocated to strata in proportion to adults;
    counties are drawn by systematic PPS on lognormal county sizes; households
    are spread over two communities per county (a community is urban or rural,
    with the county's urban share drawn around the province share); one adult
    per household. The weight is the inverse inclusion probability
    ``M_h * A_k / (a_h * m_hi * 2.3)`` (A_k adults in the household), divided by
    the response rate of the residence class (urban 0.65, rural 0.80) and
    ratio-adjusted so each stratum's weights sum to its adult population.

    *Chain.* ``info_access ~ rural + C``, ``participation ~ rural + info_access + C``,
    ``expression ~ rural + info_access + participation + C``,
    ``service ~ rural + info_access + participation + expression + C`` with
    ``C = age, female, edu_years, log_income`` and normal disturbances; the
    coefficients are in ``truth``. Internet use is drawn after the chain from a
    logistic model in information access and age whose two intercepts make the
    weighted urban and rural rates equal the CNNIC figures, so it does not
    disturb the chain truth.

    *Causal columns.* ``z_broadband`` (county broadband penetration, an
    instrument), ``internet_hours`` (endogenous: an unmeasured confounder raises
    it and the outcome), ``digital_skill``, ``broadband_home`` (a treatment
    ignorable given skill, rurality and schooling, with heterogeneous effects) and
    ``egov_use`` (the outcome); drawn last from a child generator, so they leave
    every other column unchanged. The truth is in ``causal_truth``; the model is
    in ``govstats.datasets._causal_truth``. They are not in the raw file.

    *Raw file.* Three or four Likert items (1-5) per construct with one reverse-
    coded item for information access and for service; codes 98 不知道 (2%) and
    99 拒绝回答 (1%) on every item; −8 不适用 on the election item ``c22`` for
    urban residents with an agricultural hukou (not eligible to vote where they
    live); income ``a8a`` in a 7-digit field with 9999996 as a top-code (kept,
    a value) and 9999998/9999999 don't-know/refused (4% / 6%).

    Examples
    --------
    >>> from govstats.datasets import simulate_survey
    >>> sim = simulate_survey(seed=7, n_persons=2000)
    >>> len(sim.data), sim.design_columns["psu"]
    (2000, 'county')
    >>> round(float(sim.truth.effects["direct"]), 2)
    -0.3
    """
    used_seed, rng = resolve_seed(seed)
    census = load_census("province")
    national = load_census("national").iloc[0]
    codes = census["province_code"].astype(str).to_numpy()
    population = census["population_total"].to_numpy(dtype=float)
    adults = ADULT_SHARE * population
    if persons_per_county < 2:
        raise DataError(f"persons_per_county={persons_per_county} must be at least 2")
    smallest = codes.size * _stratum_floor(persons_per_county)
    if n_persons < smallest:
        raise DataError(
            f"n_persons={n_persons} is too small for {codes.size} strata with two PSUs each and "
            f"persons_per_county={persons_per_county}: give at least {smallest}"
        )
    shares, notes = _urban_shares(census, national)
    urban_rate, rural_rate, cnnic_note = _internet_rates(period)
    notes.append(cnnic_note)

    n_stratum, n_sampled = _allocate(n_persons, adults, persons_per_county)
    n_frame = np.maximum(np.rint(population / PERSONS_PER_COUNTY), n_sampled + 1).astype(np.int64)
    notes.append(
        "fpc_county (counties per stratum) is synthetic: population / 496,000 rounded, at least "
        "the sampled counties plus one; adults are 78.5% of the census population."
    )
    counties = draw_counties(rng, adults, n_frame, n_sampled)
    per_county = split_even(n_stratum, n_sampled)
    county_of = np.repeat(np.arange(per_county.size), per_county)
    n = county_of.size
    stratum_of = counties.stratum[county_of]

    # Residence: county urban share around the province share, then community draws.
    province_share = shares[counties.stratum]
    county_share = rng.beta(4.0 * province_share + 0.05, 4.0 * (1.0 - province_share) + 0.05)
    community_in_county = np.arange(n) % 2
    community = county_of * 2 + community_in_county
    community_urban = rng.random(per_county.size * 2) < np.repeat(county_share, 2)
    urban = community_urban[community].astype(np.int64)
    rural = 1 - urban

    # Weights: inverse inclusion probabilities, nonresponse, stratum ratio adjustment.
    household_adults = 1 + np.searchsorted(np.cumsum([0.15, 0.55, 0.2]), rng.random(n))
    m_hi = per_county[county_of].astype(float)
    inclusion = (
        counties.prob[county_of] * (m_hi * ADULTS_PER_HOUSEHOLD / counties.size[county_of])
    ) / household_adults
    weight = 1.0 / inclusion
    weight /= np.where(urban == 1, RESPONSE_RATE["urban"], RESPONSE_RATE["rural"])
    stratum_sum = np.bincount(stratum_of, weights=weight, minlength=codes.size)
    weight *= (adults / stratum_sum)[stratum_of]

    persons = _persons(rng, urban)
    # children of the generator (spawning draws nothing from it): causal columns, confounder
    child_causal, child_chain = rng.spawn(2)
    shift: dict[str, np.ndarray] = {}
    if chain_confounding:
        u = chain_confounding * child_chain.standard_normal(n)
        shift = {chain.MEDIATORS[0]: u, chain.OUTCOME: u}
    constructs = _chain(rng, rural, persons, shift)
    internet = _internet(rng, urban, constructs["info_access"], persons["age"], weight,
                         urban_rate, rural_rate)  # fmt: skip

    survey_year = pd.Period(period, freq="M").year
    data = pd.DataFrame(
        {
            "person_id": np.arange(1, n + 1, dtype=np.int64),
            "province_code": codes[stratum_of],
            "province": census["province_zh"].astype(str).to_numpy()[stratum_of],
            "stratum": codes[stratum_of],
            "county": county_of + 1,
            "community": community + 1,
            "household": np.arange(1, n + 1, dtype=np.int64),
            "weight": weight,
            "fpc_county": n_frame[stratum_of].astype(np.int64),
            "urban": urban,
            "rural": rural,
            "hukou": pd.Categorical.from_codes(
                persons["hukou"] - 1, pd.Index(list(items.HUKOU.values()))
            ),
            **{k: persons[k] for k in ("age", "female", "edu_years", "income", "log_income")},
            "occupation": pd.Categorical.from_codes(
                persons["occupation"] - 1, pd.Index(list(items.OCCUPATIONS.values()))
            ),
            "internet": internet,
            **constructs,
        }
    )
    data.insert(
        int(list(data.columns).index("female")),
        "age_group",
        pd.cut(data["age"], [17, 39, 59, 200], labels=["18-39", "40-59", "60+"], ordered=True),
    )
    answers = _answers(rng, data)
    raw, missing_codes = _raw_file(rng, data, persons, answers, survey_year)
    data = pd.concat([data, _likert_columns(answers, data.index)], axis=1)
    # the causal columns come from a child generator, so every column above is the
    # same as in a survey without them
    extra, satt = causal.causal_columns(child_causal, county_of, rural, persons["edu_years"])
    data = data.assign(**extra)
    value_labels = _value_labels(census)
    raw.attrs = {
        "value_labels": value_labels,
        "variable_labels": dict(items.VARIABLE_LABELS),
        "missing_codes": missing_codes,
    }
    return SimulatedSurvey(
        data=data,
        truth=ChainTruth.default().confounded(float(chain_confounding)),
        design_columns=dict(DESIGN_COLUMNS),
        notes=notes,
        seed=used_seed,
        raw=raw,
        value_labels=value_labels,
        variable_labels=dict(items.VARIABLE_LABELS),
        missing_codes=missing_codes,
        causal_truth=CausalTruth(satt_unweighted=satt),
    )


def _persons(rng: np.random.Generator, urban: np.ndarray) -> dict[str, np.ndarray]:
    n = urban.size
    rural = 1 - urban
    beta_a = np.where(urban == 1, 1.6, 1.9)
    beta_b = np.where(urban == 1, 2.0, 1.7)
    age = 18 + np.floor(68 * rng.beta(beta_a, beta_b)).astype(np.int64)
    female = (rng.random(n) < 0.5).astype(np.int64)
    edu_mean = 12.0 - 3.5 * rural - 0.07 * (age - 45) - 0.8 * female * (age >= 50)
    edu_years = np.clip(np.rint(rng.normal(edu_mean, 3.0)), 0, 19).astype(np.int64)
    log_income = (
        9.2 + 0.09 * edu_years - 0.5 * rural - 0.15 * female - 0.0004 * (age - 40) ** 2
        + rng.normal(0.0, 0.75, n)
    )  # fmt: skip
    high = rng.random(n) < HIGH_EARNER_RATE
    log_income = np.where(high, np.log(1.0e7) + np.abs(rng.normal(0.0, 0.7, n)), log_income)
    income = np.maximum(np.rint(np.exp(log_income)), 100.0)
    agricultural = rng.random(n) < np.where(urban == 1, 0.35, 0.93)
    hukou = np.where(agricultural, 1, 2).astype(np.int64)
    # Occupation probabilities (columns follow OCCUPATIONS) by residence, age, schooling.
    retired = age >= 60
    weights = np.column_stack(
        [
            np.where(rural == 1, 0.55, 0.03) * np.where(retired, 0.6, 1.0),
            np.full(n, 0.25),
            np.full(n, 0.25),
            np.where(edu_years >= 15, 0.9, 0.05),
            np.where(retired, 1.2, 0.12),
        ]
    )
    cumulative = np.cumsum(weights / weights.sum(axis=1, keepdims=True), axis=1)
    occupation = 1 + (rng.random(n)[:, None] > cumulative).sum(axis=1)
    return {
        "age": age,
        "female": female,
        "edu_years": edu_years,
        "income": income,
        "log_income": np.log(income),
        "hukou": hukou,
        "occupation": np.minimum(occupation, 5).astype(np.int64),
    }


def _chain(
    rng: np.random.Generator,
    rural: np.ndarray,
    persons: dict[str, np.ndarray],
    shift: dict[str, np.ndarray] | None = None,
) -> dict[str, np.ndarray]:
    values: dict[str, np.ndarray] = {"rural": rural.astype(float)}
    values.update({c: persons[c].astype(float) for c in chain.COVARIATES})
    out: dict[str, np.ndarray] = {}
    for equation in (*chain.MEDIATORS, chain.OUTCOME):
        mean = np.full(rural.size, chain.INTERCEPTS[equation])
        for term, slope in chain.SLOPES[equation].items():
            mean = mean + slope * values[term]
        y = mean + rng.normal(0.0, chain.RESIDUAL_SD[equation], rural.size)
        if shift and equation in shift:
            y = y + shift[equation]
        values[equation] = y
        out[equation] = y
    return out


def _internet(
    rng: np.random.Generator,
    urban: np.ndarray,
    info: np.ndarray,
    age: np.ndarray,
    weight: np.ndarray,
    urban_rate: float,
    rural_rate: float,
) -> np.ndarray:
    linear = 1.0 * (info - info.mean()) - 0.05 * (age - 45)
    p = np.empty(urban.size)
    for flag, target in ((1, urban_rate), (0, rural_rate)):
        mask = urban == flag
        c = calibrate_intercept(linear[mask], weight[mask], target)
        p[mask] = logistic(c + linear[mask])
    return (rng.random(urban.size) < p).astype(np.int64)


def _answers(rng: np.random.Generator, data: pd.DataFrame) -> dict[str, np.ndarray]:
    """Complete Likert answers (1-5, as answered: reverse items run the other way)."""
    n = len(data)
    cuts = np.array(items.CUTS)
    answers: dict[str, np.ndarray] = {}
    for construct, specs in items.ITEMS.items():
        score = data[construct].to_numpy()
        z = (score - score.mean()) / score.std()
        loadings = items.LOADINGS[construct]
        for (name, _label, _scale, reverse), loading in zip(specs, loadings, strict=True):
            latent = loading * z + np.sqrt(1.0 - loading**2) * rng.normal(0.0, 1.0, n)
            code = ordinal(latent, cuts)
            answers[name] = 6 - code if reverse else code
    return answers


def _raw_file(
    rng: np.random.Generator,
    data: pd.DataFrame,
    persons: dict[str, np.ndarray],
    answers: dict[str, np.ndarray],
    year: int,
) -> tuple[pd.DataFrame, dict[str, list[int]]]:
    n = len(data)
    raw: dict[str, np.ndarray] = {
        "id": data["person_id"].to_numpy(),
        "s41": data["province_code"].astype(int).to_numpy(),
        "stratum": data["province_code"].astype(str).to_numpy(dtype=object),
        "county_id": data["county"].to_numpy(),
        "community_id": data["community"].to_numpy(),
        "household_id": data["household"].to_numpy(),
        "isurban": np.where(data["urban"].to_numpy() == 1, 1, 2),
        "a2": np.where(data["female"].to_numpy() == 1, 2, 1),
        "a31": year - data["age"].to_numpy(),
        "a18": persons["hukou"],
        "a7a": np.array([items.education_code(int(y)) for y in range(20)])[persons["edu_years"]],
        "edu_y": persons["edu_years"],
    }
    income = np.minimum(persons["income"], items.INCOME_TOPCODE).astype(np.int64)
    u = rng.random(n)
    income = np.where(u < items.INCOME_DONT_KNOW_RATE, 9_999_998, income)
    refused = (u >= items.INCOME_DONT_KNOW_RATE) & (
        u < items.INCOME_DONT_KNOW_RATE + items.INCOME_REFUSED_RATE
    )
    raw["a8a"] = np.where(refused, 9_999_999, income)
    raw["occ"] = persons["occupation"]
    raw["net"] = np.where(data["internet"].to_numpy() == 1, 1, 2)
    missing_codes: dict[str, list[int]] = {"a8a": sorted(items.INCOME_MISSING)}
    # Urban residents with an agricultural hukou are mostly migrants, most of whom
    # cannot vote in the committee election where they live.
    not_eligible = (data["urban"].to_numpy() == 1) & (persons["hukou"] == 1) & (rng.random(n) < 0.6)
    for specs in items.ITEMS.values():
        for name, *_rest in specs:
            code = answers[name]
            u = rng.random(n)
            code = np.where(u < items.DONT_KNOW_RATE, items.DONT_KNOW, code)
            code = np.where(
                (u >= items.DONT_KNOW_RATE) & (u < items.DONT_KNOW_RATE + items.REFUSED_RATE),
                items.REFUSED,
                code,
            )
            codes = [items.DONT_KNOW, items.REFUSED]
            if name == items.NOT_ELIGIBLE_ITEM:
                code = np.where(not_eligible, items.NOT_APPLICABLE, code)
                codes.append(items.NOT_APPLICABLE)
            raw[name] = code.astype(np.int64)
            missing_codes[name] = codes
    raw["weight"] = data["weight"].to_numpy()
    raw["fpc_county"] = data["fpc_county"].to_numpy()
    return pd.DataFrame(raw), missing_codes


def _likert_columns(answers: dict[str, np.ndarray], index: pd.Index) -> pd.DataFrame:
    """Return the complete Likert answers as ``<construct>_<k>`` columns (1-5, as answered).

    The reverse-coded items (``info_access_4``, ``service_4``) are not flipped here;
    the raw file holds the same answers with missing codes laid over them.
    """
    out = {}
    for construct, specs in items.ITEMS.items():
        for k, (name, *_rest) in enumerate(specs, start=1):
            out[f"{construct}_{k}"] = answers[name]
    return pd.DataFrame(out, index=index)


def _value_labels(census: pd.DataFrame) -> dict[str, dict[int, str]]:
    provinces = {
        int(code): str(name)
        for code, name in zip(census["province_code"], census["province_zh"], strict=True)
    }
    labels: dict[str, dict[int, str]] = {
        "s41": provinces,
        "isurban": {1: "城", 2: "乡"},
        "a2": {1: "男", 2: "女"},
        "a18": dict(items.HUKOU),
        "a7a": dict(items.EDUCATION),
        "a8a": {items.INCOME_TOPCODE: "9999996元及以上", **items.INCOME_MISSING},
        "occ": dict(items.OCCUPATIONS),
        "net": {1: "是", 2: "否"},
    }
    for specs in items.ITEMS.values():
        for name, _label, scale, _reverse in specs:
            labels[name] = {**scale, **items.ITEM_MISSING}
            if name == items.NOT_ELIGIBLE_ITEM:
                labels[name][items.NOT_APPLICABLE] = "不适用"
    return labels
