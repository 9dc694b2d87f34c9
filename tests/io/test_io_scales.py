"""Scale kernels: mean of valid items with a minimum, Cronbach's alpha."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from govstats.io._scales import cronbach_alpha, scale_mean


def test_scale_mean_min_valid():
    items = np.array([[1.0, 2.0, 3.0], [1.0, np.nan, 5.0], [np.nan, np.nan, 4.0]])
    score, n_valid = scale_mean(items, min_valid=2)
    np.testing.assert_array_equal(n_valid, [3, 2, 1])
    np.testing.assert_allclose(score[:2], [2.0, 3.0])
    assert np.isnan(score[2])


def alpha_from_covariance(items: np.ndarray) -> float:
    """Textbook form: k/(k-1) * (1 - trace(C) / sum(C)), C the item covariance matrix."""
    cov = np.cov(items, rowvar=False, ddof=1)
    k = items.shape[1]
    return k / (k - 1) * (1 - np.trace(cov) / cov.sum())


def test_alpha_matches_covariance_form_and_is_listwise():
    rng = np.random.default_rng(4)
    latent = rng.normal(size=500)
    items = latent[:, None] + rng.normal(scale=1.0, size=(500, 4))
    expected = alpha_from_covariance(items)
    items_with_gaps = items.copy()
    items_with_gaps[::7, 2] = np.nan
    alpha, n = cronbach_alpha(items)
    assert alpha == pytest.approx(expected, rel=1e-12)
    assert n == 500
    complete = items_with_gaps[~np.isnan(items_with_gaps).any(axis=1)]
    alpha_gaps, n_gaps = cronbach_alpha(items_with_gaps)
    assert n_gaps == complete.shape[0]
    assert alpha_gaps == pytest.approx(alpha_from_covariance(complete), rel=1e-12)


def test_alpha_closed_forms():
    column = np.array([1.0, 2.0, 4.0, 5.0])
    identical = np.column_stack([column, column, column])
    assert cronbach_alpha(identical)[0] == pytest.approx(1.0)
    # k parallel items with common correlation r: alpha = k r / (1 + (k - 1) r) (Spearman-Brown)
    k, r = 5, 0.3
    cov = np.full((k, k), r) + np.eye(k) * (1 - r)
    chol = np.linalg.cholesky(cov)
    z = np.random.default_rng(1).standard_normal((200_000, k)) @ chol.T
    assert cronbach_alpha(z)[0] == pytest.approx(k * r / (1 + (k - 1) * r), abs=0.01)
    assert np.isnan(cronbach_alpha(column[:, None])[0])


@settings(max_examples=60, deadline=None)
@given(
    arrays(np.float64, st.tuples(st.integers(1, 30), st.integers(1, 6)),
           elements=st.one_of(st.just(np.nan), st.integers(1, 5).map(float))),
    st.integers(1, 6),
)  # fmt: skip
def test_scale_mean_properties(items, min_valid):
    score, n_valid = scale_mean(items, min_valid)
    for row, value, count in zip(items, score, n_valid, strict=True):
        valid = row[~np.isnan(row)]
        assert count == valid.size
        if valid.size >= min_valid and valid.size > 0:
            assert value == pytest.approx(valid.mean())
            assert valid.min() <= value <= valid.max()
        else:
            assert np.isnan(value)
