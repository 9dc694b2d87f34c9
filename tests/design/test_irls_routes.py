"""The Gram-matrix route of weighted least squares agrees with the QR route, or steps aside."""

from __future__ import annotations

import numpy as np
import pytest

from govstats.design import _irls


def _qr_solution(x: np.ndarray, z: np.ndarray, ww: np.ndarray) -> np.ndarray:
    """The QR route (Householder R, corrected semi-normal equations), forced."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_irls, "_GRAM_MIN", 2.0)  # no equilibrated diagonal exceeds 1
        return _irls._wls(x, z, ww, [f"x{j}" for j in range(x.shape[1])]).coef


@pytest.fixture
def problem() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(4)
    n = 5000
    x = np.column_stack([np.ones(n), rng.normal(size=n), rng.uniform(0, 1e5, n)])  # income-like
    z = x @ np.array([1.0, 2.0, 3e-5]) + rng.normal(size=n)
    return x, z, rng.uniform(0.5, 3.0, n)


def test_gram_route_equals_a_qr_solve(problem) -> None:
    x, z, ww = problem
    step = _irls._wls_gram(x, z, ww)
    assert step is not None  # column scales alone do not send it to the QR route
    np.testing.assert_allclose(step.coef, _qr_solution(x, z, ww), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(step.gram, (x * ww[:, None]).T @ x, rtol=1e-12)
    qr = np.abs(np.diag(np.linalg.qr(x * np.sqrt(ww)[:, None], mode="r")))
    np.testing.assert_allclose(step.relative, qr / np.sqrt(np.diag(step.gram)), rtol=1e-8)


def test_blocks_add_up(problem, monkeypatch) -> None:
    x, z, ww = problem
    whole = _irls._wls_gram(x, z, ww)
    monkeypatch.setattr(_irls, "_BLOCK", 777)
    blocked = _irls._wls_gram(x, z, ww)
    assert whole is not None and blocked is not None
    np.testing.assert_allclose(blocked.coef, whole.coef, rtol=1e-12)


def test_near_collinear_columns_go_to_the_qr_route(problem) -> None:
    x, z, ww = problem
    rng = np.random.default_rng(5)
    close = x[:, 1] + 3e-5 * rng.normal(size=x.shape[0])  # cond beyond the Gram route
    wide = np.column_stack([x, close])
    assert _irls._wls_gram(wide, z, ww) is None
    step = _irls._wls(wide, z, ww, ["a", "b", "c", "d"])  # the QR route still solves it
    # a least-squares solution: the weighted residuals are orthogonal to every column
    orthogonal = (wide * ww[:, None]).T @ (z - wide @ step.coef)
    scale = np.abs(wide * ww[:, None]).T @ np.abs(z)
    assert np.all(np.abs(orthogonal) <= 1e-9 * scale)
    assert step.relative[-1] < 1e-4


@pytest.mark.parametrize("column", ["y", "x"])
@pytest.mark.parametrize("value", [np.inf, 1e300])
def test_infinite_or_overflowing_glm_values_name_the_column(column: str, value: float) -> None:
    import pandas as pd

    import govstats as gs
    from govstats.errors import DataError

    rng = np.random.default_rng(1)
    frame = pd.DataFrame(
        {"x": rng.normal(size=200), "y": rng.normal(size=200), "w": rng.uniform(1, 2, 200),
         "psu": np.repeat(np.arange(20), 10), "stratum": np.repeat(np.arange(2), 100)}
    )  # fmt: skip
    frame.loc[3, column] = value
    design = gs.SurveyDesign(frame, weights="w", strata="stratum", psu="psu")
    with pytest.raises(DataError, match=f"'{column}'"):
        design.glm("y ~ x")
