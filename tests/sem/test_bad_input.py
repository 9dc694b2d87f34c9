"""Bad input to gs.sem: clear errors and warnings that name the parameter or column."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import govstats as gs
from govstats.errors import ConvergenceError, DataError, GovstatsWarning, ModelError

MODEL = "f =~ x1 + x2 + x3"


def _exact(cov: np.ndarray, n: int = 300, seed: int = 0) -> pd.DataFrame:
    # data whose ML covariance is exactly ``cov``
    rng = np.random.default_rng(seed)
    z = rng.normal(size=(n, cov.shape[0]))
    z -= z.mean(axis=0)
    z = z @ np.linalg.inv(np.linalg.cholesky(z.T @ z / n)).T
    x = z @ np.linalg.cholesky(cov).T
    return pd.DataFrame(x, columns=[f"x{j + 1}" for j in range(cov.shape[0])])


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    rng = np.random.default_rng(1)
    f = rng.normal(size=400)
    return pd.DataFrame({f"x{j}": f * (1 - 0.1 * j) + rng.normal(0, 0.6, 400) for j in range(1, 7)})


def test_too_many_parameters(data: pd.DataFrame) -> None:
    with pytest.raises(ModelError, match="not identified: 4 free parameters but only 3"):
        gs.sem.fit("f =~ x1 + x2", data)


def test_singular_information_names_parameters(data: pd.DataFrame) -> None:
    # two factors on the same six items: rotations of one another
    model = "f =~ x1 + x2 + x3 + x4 + x5 + x6\ng =~ x1 + x2 + x3 + x4 + x5 + x6"
    with pytest.raises(ModelError, match=r"not identified.*parameters involved include"):
        gs.sem.fit(model, data)


def test_heywood_case_warns_with_the_parameter() -> None:
    cov = np.array([[1.0, 0.8, 0.8], [0.8, 1.0, 0.5], [0.8, 0.5, 1.0]])
    with pytest.warns(GovstatsWarning, match=r"x1 ~~ x1 .*negative.*Heywood"):
        res = gs.sem.fit(MODEL, _exact(cov))
    row = res.to_frame().query("lhs == 'x1' and op == '~~'")
    assert row["estimate"].iloc[0] == pytest.approx(1 - 0.8 * 0.8 / 0.5, rel=1e-6)


def test_non_convergence(data: pd.DataFrame) -> None:
    with pytest.raises(ConvergenceError, match="max_iter=2"):
        gs.sem.fit("f =~ x1 + x2 + x3 + x4 + x5 + x6", data, max_iter=2)


def test_absent_item(data: pd.DataFrame) -> None:
    with pytest.raises(DataError, match=r"\['x9'\]"):
        gs.sem.fit("f =~ x1 + x2 + x9", data)


def test_constant_item(data: pd.DataFrame) -> None:
    with pytest.raises(ModelError, match=r"\['c'\] are constant"):
        gs.sem.fit("f =~ x1 + x2 + c", data.assign(c=2.0))


def test_constant_within_a_group(data: pd.DataFrame) -> None:
    frame = data.assign(g=np.repeat([0, 1], 200))
    frame.loc[frame["g"] == 1, "x3"] = 1.0
    with pytest.raises(ModelError, match="constant in group '1'"):
        gs.sem.fit(MODEL, frame, group="g")


def test_missing_values_need_na_rm(data: pd.DataFrame) -> None:
    frame = data.copy()
    frame.loc[3, "x2"] = np.nan
    with pytest.raises(DataError, match="na_rm=True"):
        gs.sem.fit(MODEL, frame)
    res = gs.sem.fit(MODEL, frame, na_rm=True)
    assert res.n_obs == len(frame) - 1
    assert np.isnan(frame.loc[3, "x2"])  # input untouched


def test_bad_weights(data: pd.DataFrame) -> None:
    with pytest.raises(DataError, match="negative"):
        gs.sem.fit(MODEL, data.assign(w=-1.0), weights="w")


@pytest.mark.parametrize(
    ("model", "message"),
    [
        ("f =~ x1 + x2 + x3\nx1 == x2", "does not support"),
        ("f x1 x2", "no operator"),
        ("f =~ x1 + x2 + x3\nab := a*b", "not a parameter label"),
        ("f =~ x1 + 2x + x3", "not a name"),
    ],
)
def test_syntax_errors(data: pd.DataFrame, model: str, message: str) -> None:
    with pytest.raises(ModelError, match=message):
        gs.sem.fit(model, data)


def test_unknown_options(data: pd.DataFrame) -> None:
    with pytest.raises(ModelError, match="se='sandwich'"):
        gs.sem.fit(MODEL, data, se="sandwich")
    with pytest.raises(ModelError, match="estimator='WLSMV'"):
        gs.sem.fit(MODEL, data, estimator="WLSMV")
    with pytest.raises(ModelError, match="group_equal='slopes'"):
        gs.sem.fit(MODEL, data.assign(g=np.repeat([0, 1], 200)), group="g",
                   group_equal=["slopes"])  # fmt: skip


def test_stalled_fisher_scoring_is_finished_by_quasi_newton() -> None:
    hs = pd.read_csv(__import__("pathlib").Path(__file__).parents[1] / "reference" / "data"
                     / "holzinger_swineford.csv")  # fmt: skip
    model = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
    full = gs.sem.fit(model, hs)
    short = gs.sem.fit(model, hs, max_iter=30)  # Fisher scoring alone needs about 50
    np.testing.assert_allclose(short.estimate, full.estimate, atol=1e-8)
