"""Diffusion lag: recovery of a known lag, the CNNIC series, intervals, bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import govstats as gs
from govstats.errors import DataError
from govstats.gaps.diffusion import to_years

NOISE_FREE = 1e-4  # least-squares optimum of noise-free curves, optimizer tolerance


def _curve(t: np.ndarray, k: float, r: float, t0: float) -> np.ndarray:
    return k / (1 + np.exp(-r * (t - t0)))


def test_noise_free_series_recovers_the_lag_exactly() -> None:
    t = np.arange(2005.0, 2024.0, 1.0)
    urban = pd.Series(_curve(t, 92.0, 0.35, 2011.0), index=t)
    rural = pd.Series(_curve(t, 92.0, 0.35, 2017.5), index=t)
    res = gs.gaps.diffusion_lag(urban, rural, replicates=20, seed=3)
    est = res.to_frame().set_index("term")["estimate"]
    assert res.lag == pytest.approx(6.5, abs=NOISE_FREE)
    assert est["K"] == pytest.approx(92.0, abs=1e-3)
    assert est["r"] == pytest.approx(0.35, abs=NOISE_FREE)
    assert est["t0_urban"] == pytest.approx(2011.0, abs=NOISE_FREE)


def test_noisy_series_interval_covers_the_true_lag() -> None:
    rng = np.random.default_rng(12)
    t = np.arange(2006.0, 2023.0, 0.5)
    urban = pd.Series(_curve(t, 85.0, 0.3, 2012.0) + rng.normal(0, 1.5, t.size), index=t)
    rural = pd.Series(_curve(t, 85.0, 0.3, 2016.0) + rng.normal(0, 1.5, t.size), index=t)
    res = gs.gaps.diffusion_lag(urban, rural, replicates=150, seed=4)
    row = res.to_frame().set_index("term").loc["lag_years"]
    assert row["ci_low"] < 4.0 < row["ci_high"]
    assert abs(res.lag - 4.0) < 0.5
    # bootstrap and delta-method standard errors agree for a well-identified fit
    assert row["se"] == pytest.approx(row["se_delta"], rel=0.3)
    assert res.residual_sd == pytest.approx(1.5, rel=0.3)


def test_separate_model_lag_is_the_midpoint_difference() -> None:
    t = np.arange(2004.0, 2026.0, 1.0)
    urban = pd.Series(_curve(t, 95.0, 0.4, 2010.0), index=t)
    rural = pd.Series(_curve(t, 80.0, 0.3, 2016.0), index=t)
    res = gs.gaps.diffusion_lag(urban, rural, model="separate", replicates=20, seed=5)
    est = res.to_frame().set_index("term")["estimate"]
    assert est["K_rural"] == pytest.approx(80.0, abs=1e-2)
    assert est["r_urban"] == pytest.approx(0.4, abs=NOISE_FREE)
    assert res.lag == pytest.approx(6.0, abs=1e-3)


def test_cnnic_series_fit_with_intervals() -> None:
    res = gs.gaps.cnnic_diffusion_lag(replicates=100, seed=2024)
    cnnic = gs.datasets.load_cnnic()
    both = cnnic.dropna(subset=["penetration_urban_pct", "penetration_rural_pct"])
    # every period with both rates lies before the rural series break of the 49th report
    assert list(res.data["period"]) == list(both["period"].astype(str))
    assert (both["rural_series_segment"] == 0).all()
    row = res.to_frame().set_index("term").loc["lag_years"]
    assert row["ci_low"] < row["estimate"] < row["ci_high"]
    assert 3 < row["estimate"] < 15  # rural adoption trails urban by years, not decades
    np.testing.assert_allclose(
        res.data["urban"] - res.data["fitted_urban"],
        both["penetration_urban_pct"].to_numpy() - res.data["fitted_urban"].to_numpy(),
    )
    curves = res.curves()
    assert set(curves["series"]) == {"urban", "rural"}
    assert (curves["ci_low"] <= curves["fitted"] + 1e-9).all()
    assert (curves["fitted"] <= curves["ci_high"] + 1e-9).all()
    assert any("segment 0" in note for note in res.notes)
    again = gs.gaps.cnnic_diffusion_lag(replicates=100, seed=2024)
    pd.testing.assert_frame_equal(res.to_frame(), again.to_frame())


def test_fixed_ceiling_drops_k_from_the_table() -> None:
    res = gs.gaps.cnnic_diffusion_lag(replicates=30, seed=1, ceiling=100)
    assert "K" not in set(res.to_frame()["term"])
    with pytest.raises(DataError, match=r"ceiling 50 must exceed"):
        gs.gaps.cnnic_diffusion_lag(replicates=30, seed=1, ceiling=50)


def test_too_short_series_is_rejected() -> None:
    urban = pd.Series(
        [20.0, 40.0, 60.0, np.nan],
        index=["2010-06", "2012-06", "2014-06", "2016-06"],
        name="urban_pct",
    )
    rural = pd.Series([5.0, 10.0, 20.0, 30.0], index=urban.index, name="rural_pct")
    with pytest.raises(DataError, match=r"only 3 periods.*'urban_pct'.*at least 4"):
        gs.gaps.diffusion_lag(urban, rural)


def test_time_index_conversion() -> None:
    np.testing.assert_allclose(to_years(["2007-06", "2007-12"]), [2007.5, 2008.0])
    np.testing.assert_allclose(
        to_years(pd.period_range("2020-06", periods=2, freq="6M")), [2020.5, 2021.0]
    )
    np.testing.assert_allclose(to_years([2001.25]), [2001.25])
    with pytest.raises(DataError, match="cannot read the time index"):
        to_years(["spring", "autumn"])


@pytest.mark.parametrize(
    ("model", "ceiling", "theta"),
    [
        ("shared", None, [85.0, 0.3, 2010.0, 7.0]),
        ("shared", 90.0, [0.3, 2010.0, 7.0]),
        ("separate", None, [85.0, 0.3, 2010.0, 80.0, 0.25, 2015.0]),
        ("separate", 90.0, [0.3, 2010.0, 0.25, 2015.0]),
    ],
)
def test_the_fit_uses_the_exact_jacobian(model: str, ceiling: float | None, theta: list) -> None:
    from scipy.optimize._numdiff import approx_derivative

    from govstats.gaps import _diffusion

    rng = np.random.default_rng(1)
    t_u, t_r = np.linspace(2000, 2020, 9), np.linspace(2001, 2021, 7)
    y_u, y_r = rng.uniform(10, 80, 9), rng.uniform(5, 60, 7)
    args = (t_u, y_u, t_r, y_r, model, ceiling)
    x = np.array(theta)
    numeric = approx_derivative(_diffusion._residuals, x, method="3-point", args=args)
    np.testing.assert_allclose(_diffusion._jacobian(x, *args), numeric, atol=1e-5)


@pytest.mark.parametrize(
    ("model", "ceiling"),
    [("shared", None), ("shared", 95.0), ("separate", None), ("separate", 95.0)],
)
def test_batched_refits_reach_the_bounded_least_squares_optimum(model, ceiling) -> None:
    from govstats.gaps import _diffusion

    rng = np.random.default_rng(7)
    t = np.arange(2007.0, 2022.0, 1.5)
    # an urban curve near its ceiling: some refits put the ceiling at the largest draw
    fitted_u, fitted_r = _curve(t, 87.0, 0.22, 2005.0), _curve(t, 87.0, 0.22, 2012.9)
    noise = rng.normal(0.0, 2.0, (120, 2, t.size))
    ys_u, ys_r = fitted_u + noise[:, 0], fitted_r + noise[:, 1]
    x0 = _diffusion.start_values(t, fitted_u, t, fitted_r, model, ceiling, 100.0)
    kw = {"model": model, "ceiling": ceiling, "upper": 100.0}
    theta, ok = _diffusion.fit_many(t, ys_u, t, ys_r, x0=x0, **kw)
    assert ok.all()

    def cost(th: np.ndarray, i: int) -> float:
        fu, fr = _diffusion.predict(th, t, t, model, ceiling)
        return float(((fu - ys_u[i]) ** 2).sum() + ((fr - ys_r[i]) ** 2).sum())

    on_bound = 0
    for i in range(len(theta)):
        alone, _, converged = _diffusion.fit(t, ys_u[i], t, ys_r[i], x0=x0, **kw)
        assert converged
        # never a worse optimum than scipy's bounded solver, and the same one to its tolerance
        assert cost(theta[i], i) <= cost(alone, i) * (1 + 1e-12)
        np.testing.assert_allclose(theta[i], alone, rtol=1e-5, atol=1e-4)
        six = _diffusion.unpack(theta[i], model, ceiling)
        on_bound += bool(
            np.isclose(
                six[0], max(ys_u[i].max(), ys_r[i].max()) if model == "shared" else ys_u[i].max()
            )
        )
    if ceiling is None:
        assert on_bound > 0  # the ceiling at the largest draw: the refits the bounded solver takes
