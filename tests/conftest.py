"""Shared test fixtures: the reference-data location and the global-random-state guard."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from hypothesis import settings

# CI runs the property tests on a fixed sequence of examples, so a red build is reproducible.
settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

TESTS = Path(__file__).parent
REFERENCE = TESTS / "reference"


@pytest.fixture(autouse=True)
def _forbid_global_numpy_random_state() -> Iterator[None]:
    """Fail any test that draws from, or reseeds, numpy's global random state.

    Every stochastic function in govstats takes an explicit ``seed``; touching the
    legacy global generator would make results depend on test order.
    """
    before = np.random.get_state()[1].copy()  # noqa: NPY002 - the guard must read the legacy state
    yield
    after = np.random.get_state()[1]  # noqa: NPY002
    if not np.array_equal(before, after):
        pytest.fail("test touched numpy's global random state; pass an explicit seed instead")


@pytest.fixture(scope="session")
def reference_dir() -> Path:
    """Folder with the R reference cases (JSON) and their data (``data/``)."""
    return REFERENCE
