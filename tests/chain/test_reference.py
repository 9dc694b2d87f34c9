"""The divide chain against lavaan 0.6-14 (tests/reference/chain_cases.json).

The reference model is the saturated recursive path model with three mediators,
covariates ``age`` and ``edu`` (see the JSON's ``model.lavaan_syntax``); its ten
labelled paths map to govstats' equations below.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

try:
    from tests.reference.cases import chain_cases, load_cases, read_data
except ModuleNotFoundError:  # tests/ is not a package: its folder is on sys.path
    from reference.cases import chain_cases, load_cases, read_data  # type: ignore[no-redef]

import govstats as gs

#: lavaan's estimates equal per-equation (W)LS up to its optimiser's stopping rule.
EST_RTOL = 1e-8
#: The SE relations below are exact algebra; the JSON stores 15-17 digits.
SE_RTOL = 1e-8

#: Absolute tolerance of covariances, relative to the largest variance.
VCOV_ATOL = 1e-8

MEDIATORS = ["m1_info", "m2_partic", "m3_express"]
LABELS = {
    "a1": ("m1_info", "rural"),
    "a2": ("m2_partic", "rural"),
    "d21": ("m2_partic", "m1_info"),
    "a3": ("m3_express", "rural"),
    "d31": ("m3_express", "m1_info"),
    "d32": ("m3_express", "m2_partic"),
    "cp": ("y_service", "rural"),
    "b1": ("y_service", "m1_info"),
    "b2": ("y_service", "m2_partic"),
    "b3": ("y_service", "m3_express"),
}
EFFECTS = {
    "ind_x_m1_y": "rural -> m1_info -> y_service",
    "ind_x_m2_y": "rural -> m2_partic -> y_service",
    "ind_x_m3_y": "rural -> m3_express -> y_service",
    "ind_x_m1_m2_y": "rural -> m1_info -> m2_partic -> y_service",
    "ind_x_m1_m3_y": "rural -> m1_info -> m3_express -> y_service",
    "ind_x_m2_m3_y": "rural -> m2_partic -> m3_express -> y_service",
    "ind_x_m1_m2_m3_y": "rural -> m1_info -> m2_partic -> m3_express -> y_service",
    "total_indirect": "indirect_total",
    "direct": "direct",
    "total": "total",
}
CASES = {case["case_id"]: case for case in chain_cases()}
WEIGHTS = {"C-chain-unweighted-standard": None, "C-chain-weighted-robust": "w"}


def _fit(case_id: str, inference: str = "linearization") -> gs.chain.ChainResult:
    data = read_data(load_cases("chain_cases.json")["data"]["file"])
    chain = gs.DivideChain(
        data,
        x="rural",
        mediators=MEDIATORS,
        outcome="y_service",
        covariates=["age", "edu"],
        weights=WEIGHTS[case_id],
    )
    return chain.fit(inference=inference)


def _path(res: gs.chain.ChainResult, label: str, column: str = "estimate") -> float:
    equation, term = LABELS[label]
    row = res.paths[(res.paths["equation"] == equation) & (res.paths["term"] == term)]
    return float(row[column].iloc[0])


def _ols_vcov(data: pd.DataFrame, outcome: str, predictors: list[str]) -> pd.DataFrame:
    """Textbook OLS covariance sigma^2 (X'X)^-1 with sigma^2 = RSS / (n - p)."""
    x = np.column_stack([np.ones(len(data)), data[predictors].to_numpy(float)])
    y = data[outcome].to_numpy(float)
    beta, *_ = np.linalg.lstsq(x, y, rcond=None)
    resid = y - x @ beta
    n, p = x.shape
    vcov = (resid @ resid / (n - p)) * np.linalg.inv(x.T @ x)
    names = ["(Intercept)", *predictors]
    return pd.DataFrame(vcov, index=names, columns=names)


@pytest.mark.parametrize("case_id", list(CASES))
@pytest.mark.parametrize("label", list(LABELS))
def test_path_estimate_matches_lavaan(case_id: str, label: str) -> None:
    res = _fit(case_id, inference="none")
    expected = CASES[case_id]["fit"]["path_estimates"][label]
    assert _path(res, label) == pytest.approx(expected, rel=EST_RTOL)


@pytest.mark.parametrize("case_id", list(CASES))
@pytest.mark.parametrize("lavaan_name", list(EFFECTS))
def test_effect_estimate_matches_lavaan(case_id: str, lavaan_name: str) -> None:
    res = _fit(case_id, inference="none")
    expected = CASES[case_id]["fit"]["defined"]["estimate"][lavaan_name]
    got = res.effects.loc[EFFECTS[lavaan_name], "estimate"]
    assert got == pytest.approx(expected, rel=EST_RTOL)


@pytest.mark.parametrize("case_id", list(CASES))
def test_covariate_coefficients_match_lavaan(case_id: str) -> None:
    res = _fit(case_id, inference="none")
    for equation, block in CASES[case_id]["fit"]["equations"].items():
        for term, expected in block["estimate"].items():
            row = res.paths[(res.paths["equation"] == equation) & (res.paths["term"] == term)]
            assert float(row["estimate"].iloc[0]) == pytest.approx(expected, rel=EST_RTOL)


def test_unweighted_lavaan_se_is_ml_rescaled_ols() -> None:
    """lavaan's 'standard' SEs (ML, expected information, fixed.x) relate to OLS.

    With ``fixed.x = TRUE`` and uncorrelated residuals the information matrix is
    block diagonal by equation, and each block is ``X'X / sigma_ML^2`` with
    ``sigma_ML^2 = RSS / n``. So lavaan's covariance of equation e is the OLS
    covariance ``RSS/(n - p_e) (X'X)^-1`` times ``(n - p_e) / n`` (p_e counts the
    intercept), and covariances across equations are exactly zero. govstats'
    point estimates are these same OLS coefficients; its design-based SEs are
    sandwich (linearization) SEs, which differ from model-based ML SEs by design
    (see the weighted test for the exact relation to lavaan's robust SEs).
    """
    case = CASES["C-chain-unweighted-standard"]
    data = read_data(load_cases("chain_cases.json")["data"]["file"])
    n = len(data)
    ref = case["fit"]["path_vcov"]
    lavaan = pd.DataFrame(ref["data"], index=ref["rownames"], columns=ref["colnames"])
    expected = pd.DataFrame(0.0, index=lavaan.index, columns=lavaan.columns)
    equations = load_cases("chain_cases.json")["model"]["equations"]
    for outcome, predictors in equations.items():
        ols = _ols_vcov(data, outcome, predictors)
        p = len(predictors) + 1
        labels = [lab for lab, (eq, _) in LABELS.items() if eq == outcome]
        for a in labels:
            for b in labels:
                expected.loc[a, b] = ols.loc[LABELS[a][1], LABELS[b][1]] * (n - p) / n
    np.testing.assert_allclose(lavaan.to_numpy(), expected.to_numpy(), rtol=SE_RTOL, atol=1e-15)


def test_weighted_lavaan_robust_vcov_is_linearization_times_n_minus_1_over_n() -> None:
    """lavaan's robust.huber.white covariance with sampling weights is govstats' times (n-1)/n.

    lavaan normalises the weights to sum to n (which leaves the WLS coefficients
    unchanged) and forms the Huber-White sandwich ``B^-1 (sum_i s_i s_i') B^-1``
    from the casewise scores of all equations jointly, so cross-equation
    covariances are included. govstats' linearization for a weighted sample
    without strata or clusters is R ``svydesign(id = ~1, weights = ~w)``: the same
    stacked influence values with the with-replacement factor n/(n-1) on the
    centred scores (their sum is zero at the solution). Hence, over all ten paths
    and their cross-equation covariances, lavaan = govstats * (n - 1) / n, and
    every defined effect's delta-method SE scales by sqrt((n - 1)/n).
    """
    case = CASES["C-chain-weighted-robust"]
    res = _fit("C-chain-weighted-robust")
    n = case["fit"]["nobs"]
    ref = case["fit"]["path_vcov"]
    lavaan = pd.DataFrame(ref["data"], index=ref["rownames"], columns=ref["colnames"])
    ours = res.vcov("paths")
    names = [f"{eq} ~ {term}" for eq, term in (LABELS[lab] for lab in lavaan.index)]
    got = ours.loc[names, names].to_numpy() * (n - 1) / n
    # Tiny off-diagonal entries carry lavaan's optimiser noise (~1e-13 absolute), so
    # they are compared on the scale of the variances.
    scale = float(np.abs(np.diag(lavaan.to_numpy())).max())
    np.testing.assert_allclose(got, lavaan.to_numpy(), rtol=1e-7, atol=VCOV_ATOL * scale)
    for lavaan_name, name in EFFECTS.items():
        expected = case["fit"]["defined"]["se"][lavaan_name]
        got_se = res.effects.loc[name, "se"] * np.sqrt((n - 1) / n)
        assert got_se == pytest.approx(expected, rel=1e-8)


def test_weighted_per_equation_se_matches_svyglm_reference() -> None:
    """The JSON also stores R svyglm on svydesign(id=~1, weights=~w); we equal it."""
    case = CASES["C-chain-weighted-robust"]
    res = _fit("C-chain-weighted-robust")
    svyglm = case["checks"]["supplementary_svyglm_independent_units"]
    for equation, block in svyglm.items():
        for term, expected in block["se"].items():
            row = res.paths[(res.paths["equation"] == equation) & (res.paths["term"] == term)]
            assert float(row["se"].iloc[0]) == pytest.approx(expected, rel=SE_RTOL)
