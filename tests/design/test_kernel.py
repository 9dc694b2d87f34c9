"""The one-pass kernel: per-PSU cross-products and sums, additive over row blocks."""

from __future__ import annotations

import numpy as np
import pytest

from govstats.design import _kernel

#: Sums of the same terms in another order agree to a few units of rounding.
ROUNDING = 1e-12


def _data(n: int, q: int, n_groups: int, seed: int) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(seed)
    z = rng.normal(size=(n, q))
    w = rng.uniform(0.0, 3.0, n)
    w[rng.random(n) < 0.1] = 0.0  # a domain: rows of zero weight
    codes = rng.integers(0, n_groups, n)
    return z, w, codes


def _brute(z: np.ndarray, w: np.ndarray, codes: np.ndarray, n_groups: int) -> np.ndarray:
    rows, cols = _kernel.packed_index(z.shape[1])
    out = np.zeros((n_groups, rows.size))
    for g in range(n_groups):
        block = z[codes == g]
        out[g] = ((block * w[codes == g, None]).T @ block)[rows, cols]
    return out


@pytest.mark.parametrize(("n", "n_groups"), [(5000, 20), (3000, 2000), (1, 3)])
@pytest.mark.parametrize("grouped", [True, False])
def test_crossproducts_equal_the_definition(n: int, n_groups: int, grouped: bool) -> None:
    z, w, codes = _data(n, 4, n_groups, seed=n)
    if grouped:
        codes = np.sort(codes)
    got = _kernel.psu_crossproducts(z, w, codes, n_groups)
    np.testing.assert_allclose(got, _brute(z, w, codes, n_groups), rtol=ROUNDING, atol=1e-10)


def test_crossproducts_are_additive_over_row_blocks() -> None:
    """Partition sums are the whole: the same kernel mapped over blocks and added."""
    z, w, codes = _data(6000, 5, 40, seed=3)
    whole = _kernel.psu_crossproducts(z, w, codes, 40)
    parts = sum(
        _kernel.psu_crossproducts(z[s], w[s], codes[s], 40)
        for s in (slice(0, 1000), slice(1000, 4500), slice(4500, None))
    )
    np.testing.assert_allclose(parts, whole, rtol=ROUNDING, atol=1e-10)


def test_row_major_and_column_major_inputs_agree() -> None:
    z, w, codes = _data(4000, 3, 30, seed=5)
    a = _kernel.psu_crossproducts(np.ascontiguousarray(z), w, codes, 30)
    b = _kernel.psu_crossproducts(np.asfortranarray(z), w, codes, 30)
    np.testing.assert_allclose(a, b, rtol=ROUNDING)


def test_inputs_are_not_modified() -> None:
    z, w, codes = _data(500, 3, 7, seed=9)
    before = (z.copy(), w.copy(), codes.copy())
    _kernel.psu_crossproducts(z, w, codes, 7)
    _kernel.cell_sums(z, codes, 7, w)
    for a, b in zip((z, w, codes), before, strict=True):
        np.testing.assert_array_equal(a, b)


def test_sums_are_additive_and_equal_the_definition() -> None:
    z, w, codes = _data(3000, 2, 11, seed=7)
    whole = _kernel.psu_sums(z, w, codes, 11)
    expected = np.stack([(z[codes == g] * w[codes == g, None]).sum(axis=0) for g in range(11)])
    np.testing.assert_allclose(whole, expected, rtol=ROUNDING)
    halves = _kernel.psu_sums(z[:1700], w[:1700], codes[:1700], 11) + _kernel.psu_sums(
        z[1700:], w[1700:], codes[1700:], 11
    )
    np.testing.assert_allclose(halves, whole, rtol=ROUNDING)


def test_unpack_inverts_packing() -> None:
    m = np.arange(16.0).reshape(4, 4)
    m = m + m.T
    rows, cols = _kernel.packed_index(4)
    np.testing.assert_array_equal(_kernel.unpack(m[rows, cols], 4), m)
