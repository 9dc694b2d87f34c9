"""The divide chain against lavaan 0.6-14, on every case of the chain reference files.

``chain_cases.json`` (k = 3, covariates, unweighted standard / weighted robust),
``chain_cases_extra.json`` (k = 1..6, no covariates, a categorical covariate,
continuous x, weights, missing values, and the se/estimator options of lavaan;
made by ``generate_chain_extra.R`` beside it) and any other ``chain_cases*.json``
in that folder. Nothing here names a variable or a label:
every case's roles come from its ``model.equations``, its labels and defined
effects from ``model.lavaan_syntax`` (``label*var`` terms, ``name := expr``), its
weights from ``fit.r_call`` (``sampling.weights = 'w'``) and its SE definition from
``fit.lavaan_options_in_effect`` (see :func:`lavaan_vcov` for each relation).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
import pandas as pd
import pytest

import govstats as gs
from govstats.design.model_matrix import rename
from tests.chain import _lavaan as lav
from tests.reference.cases import REFERENCE, load_cases, read_data

#: Every ``chain_cases*.json`` beside the reference loader runs; these two must exist.
REQUIRED_FILES = ("chain_cases.json", "chain_cases_extra.json")
FILES = tuple(sorted({*REQUIRED_FILES, *(p.name for p in REFERENCE.glob("chain_cases*.json"))}))

#: lavaan's estimates equal per-equation (W)LS up to its optimiser's stopping rule.
EST_RTOL = 1e-8
#: With meanstructure = TRUE lavaan iterates on the intercepts (nlminb, rel.tol 1e-10 on
#: the objective), which leaves ~1e-6 standard errors of optimiser noise in the slopes.
ITERATIVE_EST_SE = 1e-5
#: The SE relations below are exact algebra; the JSON stores 15-17 digits.
SE_RTOL = 1e-8
#: An iterated fit's SEs are evaluated at its slightly-off estimates (see above).
ITERATIVE_SE_RTOL = 1e-6
#: lavaan's bootstrap SE of a coefficient is an SD of B draws: relative error ~ 1/sqrt(2(B-1)).
BOOTSTRAP_Z = 4.0
#: Products of coefficients are skewed and heavier-tailed, so their SD varies more.
BOOTSTRAP_EFFECT_Z = 6.0
#: Covariance matrices: relative tolerance (lavaan's optimiser noise reaches ~1e-10) ...
VCOV_RTOL = 1e-7
#: ... and absolute tolerance relative to the largest variance (cross-equation zeros).
VCOV_ATOL = 1e-8


@dataclass(frozen=True)
class Case:
    """One lavaan reference case with its roles, labels and govstats' fit."""

    file: str
    raw: dict[str, Any]
    data: pd.DataFrame
    model: lav.LavaanModel
    equations: dict[str, list[str]]
    roles: lav.ChainRoles
    weights: str | None
    terms: dict[str, str]  # lavaan predictor -> govstats term name (factor dummies)
    chain: gs.DivideChain
    result: gs.chain.ChainResult

    @property
    def id(self) -> str:
        return str(self.raw["case_id"])

    @property
    def fit(self) -> dict[str, Any]:
        return dict(self.raw["fit"])

    @property
    def options(self) -> dict[str, Any]:
        return dict(self.fit["lavaan_options_in_effect"])

    @property
    def n(self) -> int:
        nobs = self.fit["nobs"]
        return int(nobs[0] if isinstance(nobs, list) else nobs)

    @property
    def labels(self) -> dict[str, tuple[str, str]]:
        return self.model.labels

    def name(self, label: str) -> str:
        """govstats' ``"equation ~ term"`` row of a lavaan label."""
        equation, term = self.labels[label]
        return f"{equation} ~ {self.terms.get(term, term)}"

    def lavaan_names(self, equation: str, predictors: list[str]) -> list[str]:
        return [f"{equation} ~ {self.terms.get(p, p)}" for p in predictors]

    def estimates(self) -> pd.Series:
        """govstats' path estimates indexed ``"equation ~ term"``."""
        paths = self.result.paths
        return pd.Series(
            paths["estimate"].to_numpy(), index=paths["equation"] + " ~ " + paths["term"]
        )

    def label_values(self) -> dict[str, float]:
        est = self.estimates()
        return {label: float(est[self.name(label)]) for label in self.labels}

    def lavaan_vcov(self, name: str) -> pd.DataFrame:
        block = self.fit[name]
        return pd.DataFrame(block["data"], index=block["rownames"], columns=block["colnames"])


#: lavaan SE definitions govstats does not offer (the inverse outer product of the
#: casewise ML scores, variances included): their SEs have no govstats counterpart, so
#: those cases compare estimates only.
NOT_OFFERED = {("standard", "first.order")}


def _se_definition(raw: dict[str, Any]) -> tuple[str, str]:
    opts = raw["fit"]["lavaan_options_in_effect"]
    information = opts.get("information", ["expected"])
    information = information[0] if isinstance(information, list) else information
    return str(opts["se"]), str(information)


def _all_cases() -> list[tuple[str, dict[str, Any]]]:
    return [(f, c) for f in FILES for c in load_cases(f)["cases"]]


@cache
def get_case(case_id: str) -> Case:
    file, raw = next((f, c) for f, c in _all_cases() if c["case_id"] == case_id)
    doc = load_cases(file)
    model_block = raw.get("model") or doc["model"]
    data = read_data((raw.get("data") or doc["data"])["file"])
    model = lav.LavaanModel.parse(model_block["lavaan_syntax"])
    equations = {k: list(v) for k, v in (model_block.get("equations") or {}).items()} or {
        lhs: [rhs for _, rhs in terms] for lhs, terms in model.regressions.items()
    }
    roles = lav.chain_roles(equations, model_block.get("path_labels", {}))
    weights = lav.sampling_weights(raw["fit"]["r_call"])
    # Hand-made dummies of a categorical covariate are passed to govstats as that
    # column, so its own dummy coding is what gets compared.
    covariates, terms = list(roles.covariates), {}
    for column, coding in (raw.get("factor_covariates") or {}).items():
        others = [
            lev for lev in sorted(data[column].dropna().unique()) if lev != coding["reference"]
        ]
        data[column] = pd.Categorical(data[column], categories=[coding["reference"], *others])
        for dummy, level in coding["dummies"].items():
            terms[dummy] = f"{column}[T.{level}]"
            covariates.remove(dummy)
        covariates.append(column)
    used = [roles.x, *roles.mediators, roles.outcome, *covariates, *([weights] if weights else [])]
    chain = gs.DivideChain(
        data,
        x=roles.x,
        mediators=list(roles.mediators),
        outcome=roles.outcome,
        covariates=covariates,
        weights=weights,
        missing="listwise" if data[used].isna().any().any() else "error",
    )
    result = chain.fit(inference="linearization")
    complete = data.dropna(subset=used).reset_index(drop=True)
    return Case(file, raw, complete, model, equations, roles, weights, terms, chain, result)


CASE_IDS = [c["case_id"] for _, c in _all_cases()]
#: Cases whose SE definition govstats offers: their SE ids compare govstats with lavaan.
SE_CASE_IDS = [c["case_id"] for _, c in _all_cases() if _se_definition(c) not in NOT_OFFERED]


# ----------------------------------------------------------------- the SE relations
@dataclass(frozen=True)
class Relation:
    """lavaan's covariance rebuilt from govstats or the data.

    ``govstats_factor`` is set when lavaan's covariance is govstats' own
    linearization covariance times that factor (then effect SEs scale by its root).
    """

    vcov: pd.DataFrame
    description: str
    govstats_factor: float | None = None
    bootstrap_draws: int | None = None

    def se_rtol(self, case: Case, effect: bool = False) -> float:
        """Relative tolerance of an SE: exact algebra, or a bootstrap's Monte Carlo error."""
        if self.bootstrap_draws is None:
            return _se_rtol(case)
        z = BOOTSTRAP_EFFECT_Z if effect else BOOTSTRAP_Z
        return z / np.sqrt(2 * (self.bootstrap_draws - 1))


def lavaan_vcov(case: Case) -> Relation:
    """The covariance lavaan reports, rebuilt from govstats or the data.

    With ``fixed.x`` (or a saturated model, where freeing x changes nothing) and
    uncorrelated residuals, lavaan's path model is one regression per equation on
    data centred at the (weighted) means; the point estimates are per-equation
    (W)LS, which govstats reproduces. Weights are rescaled to sum to n. With
    ``HC0 = A^-1 (sum_i s_i s_i') A^-1`` the Huber-White sandwich over all equations
    jointly (casewise scores ``s_i``, so cross-equation covariances included):

    * ``se = "robust.huber.white"`` (MLR, sampling weights) and ``"robust.sem"``
      (MLM; the Satorra-Bentler sandwich on the ADF Gamma, which for a saturated
      model is the same delta method on the sample moments): lavaan = HC0 (not
      for robust.sem with sampling weights, which lavaan computes otherwise).
      govstats' linearization of a DataFrame is R ``svydesign(id = ~1,
      weights = ~w)``, i.e. HC0 times the with-replacement factor n/(n-1) on the
      centred scores, so lavaan = govstats * (n-1)/n, for every path, covariate and
      cross-equation covariance, and every effect's delta-method SE scales by
      sqrt((n-1)/n). With ``likelihood = "wishart"`` and for ``estimator = "WLS"``
      (ADF) lavaan's sandwich carries a further (n-1)/n.
    * ``se = "standard"`` with expected (or observed: at the ML solution the
      slope/variance cross-derivatives vanish) information: block diagonal by
      equation, ``sigma2_ML (X_c' W X_c)^-1`` with ``sigma2_ML = sum w e^2 / n``:
      govstats' model-based fit (``inference="model"``, R ``lm`` with weights,
      ``sum w e^2/(n-p) (X'WX)^-1``) times ``(n-p)/n`` for each equation (p counts
      the intercept), and exactly zero across equations. ``estimator = "GLS"`` and
      ``likelihood = "wishart"`` divide the information by n-1 instead of n:
      times n/(n-1); GLS with observed information carries that factor twice.
      With ``sampling.weights.normalization = "none"`` lavaan's sample size is
      the sum of the raw weights: times n / sum(w).
    * ``information = "first.order"`` (``se = "first.order"``, MLF): the inverse of
      ``sum_i s_i s_i'`` over all free parameters (slopes and residual variances
      of every equation). govstats offers no such SE, so these cases compare
      estimates only (see ``NOT_OFFERED``).
    * ``se = "bootstrap"`` (ordinary: rows resampled, B draws): the SD of the
      draws estimates the same sampling SD as the sandwich, so lavaan ~ HC0
      within the Monte Carlo error of an SD from B draws (B from the options or
      the call, lavaan's default 1000).
    """
    opts = case.options
    estimator = str(opts["estimator"]).upper()
    se = str(opts["se"])
    likelihood = str(opts.get("likelihood", "normal"))
    information = opts.get("information", ["expected"])
    information = str(information[0] if isinstance(information, list) else information)
    n = case.n
    wishart = likelihood == "wishart"
    if se == "robust.sem" and case.weights is not None:
        raise AssertionError(
            f"case {case.id}: lavaan's robust.sem (MLM) SEs with sampling weights match neither "
            "the weighted nor the unweighted sandwich; no SE relation known"
        )
    if se in ("robust.huber.white", "robust.sem", "robust.mlr") or (
        estimator == "WLS" and se == "standard"
    ):
        factor = (n - 1) / n * ((n - 1) / n if wishart or estimator == "WLS" else 1.0)
        return Relation(case.result.vcov("paths") * factor, "govstats sandwich", factor)
    if se == "bootstrap":
        draws = opts.get("bootstrap") or _call_bootstrap(case.fit["r_call"])
        factor = (n - 1) / n
        return Relation(
            case.result.vcov("paths") * factor, "bootstrap ~ sandwich", None, int(draws)
        )
    w = lav.normalised_weights(
        case.data, case.weights, str(opts.get("sampling.weights.normalization", "total"))
    )
    if se == "standard" and estimator in ("ML", "GLS") and information != "first.order":
        factor = n / (n - 1) if wishart or estimator == "GLS" else 1.0
        if estimator == "GLS" and information == "observed":
            factor *= n / (n - 1)
        # lavaan's sample size is the sum of the weights (n unless normalization = "none")
        factor *= n / w.sum()
        ours = model_result(case.id).vcov("paths")
        equation = [str(name).split(" ~ ")[0] for name in ours.index]
        p = pd.Series(equation).value_counts()  # parameters per equation, intercept included
        root = np.sqrt([factor * (n - p[eq]) / n for eq in equation])
        vcov = ours * np.outer(root, root)
        return Relation(vcov, f"govstats model-based SEs x {factor:.10g} (n - p) / n")
    raise AssertionError(
        f"case {case.id}: no SE relation known for estimator={estimator}, se={se}, "
        f"information={information}, likelihood={likelihood}"
    )


@cache
def model_result(case_id: str) -> gs.chain.ChainResult:
    """govstats' model-based (R ``lm``) fit of a case, for lavaan's ``se = "standard"``."""
    case = get_case(case_id)
    return case.chain.fit(inference="model")


def _call_bootstrap(r_call: str) -> int:
    match = re.search(r"bootstrap\s*=\s*(\d+)", r_call)
    return int(match.group(1)) if match else 1000


def _iterative(case: Case) -> bool:
    return bool(case.options.get("meanstructure", False))


def _approx_estimate(case: Case, expected: float, se: float) -> Any:
    """``pytest.approx`` of a lavaan estimate whose standard error is ``se``."""
    return pytest.approx(
        expected, rel=EST_RTOL, abs=ITERATIVE_EST_SE * se if _iterative(case) else 0.0
    )


def _se_rtol(case: Case) -> float:
    return ITERATIVE_SE_RTOL if _iterative(case) else SE_RTOL


# ----------------------------------------------------------------- tests
@pytest.mark.parametrize("case_id", CASE_IDS)
def test_roles_and_sample_size(case_id: str) -> None:
    case = get_case(case_id)
    assert case.result.n_obs == case.n
    assert set(case.fit["path_estimates"]) <= set(case.labels)
    k = len(case.roles.mediators)
    assert len(case.fit["path_estimates"]) == (k + 1) * (k + 2) // 2


@pytest.mark.parametrize("case_id", CASE_IDS)
def test_path_estimates_match_lavaan(case_id: str) -> None:
    case = get_case(case_id)
    ours = case.label_values()
    for label, expected in case.fit["path_estimates"].items():
        assert ours[label] == _approx_estimate(case, expected, case.fit["path_se"][label]), label


@pytest.mark.parametrize("case_id", CASE_IDS)
def test_every_coefficient_matches_lavaan(case_id: str) -> None:
    """Covariate coefficients too (the equations block lists every predictor)."""
    case = get_case(case_id)
    est = case.estimates()
    for equation, block in case.fit["equations"].items():
        for term, expected in block["estimate"].items():
            name = case.lavaan_names(equation, [term])[0]
            assert float(est[name]) == _approx_estimate(case, expected, block["se"][term]), name


@pytest.mark.parametrize("case_id", CASE_IDS)
def test_defined_effects_match_lavaan(case_id: str) -> None:
    """Every ``:=`` expression evaluated on govstats' paths equals lavaan's value."""
    case = get_case(case_id)
    values = lav.defined_values(case.model.definitions, case.label_values())
    expected = case.fit["defined"]["estimate"]
    assert set(values) == set(expected)
    for name, value in values.items():
        assert value == _approx_estimate(case, expected[name], case.fit["defined"]["se"][name]), (
            name
        )


@pytest.mark.parametrize("case_id", CASE_IDS)
def test_named_effects_match_lavaan(case_id: str) -> None:
    """govstats' own effects (specific, total indirect, direct, total) equal lavaan's."""
    case = get_case(case_id)
    known: dict[str, lav.Polynomial] = {}
    matched = []
    for name, expr in case.model.definitions:
        poly = lav.polynomial(expr, known)
        if poly is not None:
            known[name] = poly
        for ours in lav.govstats_effect_names(poly, case.labels, case.roles):
            matched.append(ours)
            got = case.result.effects.loc[ours, "estimate"]
            assert got == _approx_estimate(
                case, case.fit["defined"]["estimate"][name], case.fit["defined"]["se"][name]
            ), name
    # Every case defines at least the direct effect and one indirect effect; a case
    # that defines all 2^k + 2 effects must have each one recognised.
    assert "direct" in matched
    assert any(" -> " in m for m in matched)
    k = len(case.roles.mediators)
    if len(case.model.definitions) == 2**k + 2:
        names = {n for n in case.result.effect_names if n != "proportion_mediated"}
        assert set(matched) == names


@pytest.mark.parametrize("case_id", SE_CASE_IDS)
def test_path_vcov_matches_lavaan(case_id: str) -> None:
    case = get_case(case_id)
    rel = lavaan_vcov(case)
    lavaan = case.lavaan_vcov("path_vcov")
    names = [case.name(label) for label in lavaan.index]
    got = rel.vcov.loc[names, names].to_numpy()
    if rel.bootstrap_draws is not None:
        # a bootstrap covariance: each entry within z sqrt(2/B) sd_i sd_j
        sd = np.sqrt(np.diag(got))
        bound = BOOTSTRAP_Z * np.sqrt(2 / rel.bootstrap_draws) * np.outer(sd, sd)
        assert np.all(np.abs(got - lavaan.to_numpy()) <= bound)
        return
    scale = float(np.abs(np.diag(lavaan.to_numpy())).max())
    rtol = max(VCOV_RTOL, 2 * _se_rtol(case))
    np.testing.assert_allclose(got, lavaan.to_numpy(), rtol=rtol, atol=VCOV_ATOL * scale)


@pytest.mark.parametrize("case_id", SE_CASE_IDS)
def test_every_se_matches_lavaan(case_id: str) -> None:
    """Standard errors of every coefficient, covariates included."""
    case = get_case(case_id)
    rel = lavaan_vcov(case)
    expected, relation = rel.vcov, rel.description
    for equation, block in case.fit["equations"].items():
        for term, lavaan_se in block["se"].items():
            name = case.lavaan_names(equation, [term])[0]
            got = float(np.sqrt(expected.loc[[name], [name]].to_numpy()[0, 0]))
            assert got == pytest.approx(lavaan_se, rel=rel.se_rtol(case)), f"{name} ({relation})"


@pytest.mark.parametrize("case_id", SE_CASE_IDS)
def test_defined_effect_se_matches_lavaan(case_id: str) -> None:
    """lavaan's delta method on the related covariance; for sandwich relations also
    govstats' own effect SEs, rescaled."""
    case = get_case(case_id)
    rel = lavaan_vcov(case)
    expected, relation = rel.vcov, rel.description
    labels = list(case.labels)
    params = case.label_values()
    grad = lav.defined_gradients(case.model.definitions, params, labels)
    names = [case.name(label) for label in labels]
    vcov = expected.loc[names, names].to_numpy()
    known: dict[str, lav.Polynomial] = {}
    for name, expr in case.model.definitions:
        g = grad.loc[name].to_numpy()
        se = float(np.sqrt(g @ vcov @ g))
        lavaan_se = case.fit["defined"]["se"][name]
        tol = rel.se_rtol(case, effect=True)
        assert se == pytest.approx(lavaan_se, rel=tol), f"{name} ({relation})"
        poly = lav.polynomial(expr, known)
        if poly is not None:
            known[name] = poly
        for ours in lav.govstats_effect_names(poly, case.labels, case.roles):
            if rel.govstats_factor is None:
                break
            got = case.result.effects.loc[ours, "se"] * np.sqrt(rel.govstats_factor)
            assert got == pytest.approx(lavaan_se, rel=tol), f"{name} = {ours}"


SVYGLM_CASES = [
    c["case_id"]
    for _, c in _all_cases()
    if "supplementary_svyglm_independent_units" in c.get("checks", {})
]


@pytest.mark.parametrize("case_id", SVYGLM_CASES)
def test_per_equation_se_matches_svyglm_reference(case_id: str) -> None:
    """Cases that also store R svyglm on svydesign(id=~1, weights=~w): we equal it."""
    case = get_case(case_id)
    svyglm = case.raw["checks"]["supplementary_svyglm_independent_units"]
    paths = case.result.paths.assign(r_term=lambda p: rename(p["term"].tolist(), "r"))
    for equation, block in svyglm.items():
        for term, expected in block["se"].items():
            row = paths[(paths["equation"] == equation) & (paths["r_term"] == term)]
            assert float(row["se"].iloc[0]) == pytest.approx(expected, rel=SE_RTOL)


def test_every_reference_file_has_cases() -> None:
    """A missing or empty reference file fails; it never skips."""
    for file in REQUIRED_FILES:
        assert load_cases(file)["cases"], file
    assert len(SVYGLM_CASES) >= 1


def test_only_definitions_govstats_lacks_go_without_se_ids() -> None:
    """Every case but those of an SE definition govstats lacks compares its SEs."""
    skipped = [c["case_id"] for _, c in _all_cases() if c["case_id"] not in SE_CASE_IDS]
    assert all(_se_definition(c) in NOT_OFFERED for _, c in _all_cases() if c["case_id"] in skipped)
    assert len(skipped) <= 1
