"""Small synthetic data for the chain tests (drawn from explicit seeds)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest


def make_chain_data(
    n: int = 400, k: int = 2, seed: int = 7, weighted: bool = False
) -> pd.DataFrame:
    """A linear serial-mediation sample with known paths and a categorical covariate."""
    rng = np.random.default_rng(seed)
    df = pd.DataFrame(
        {
            "rural": rng.integers(0, 2, n),
            "age": rng.uniform(18, 80, n).round(),
            "occupation": rng.choice(["farmer", "worker", "clerk"], n),
        }
    )
    previous = []
    for j in range(k):
        m = -0.4 * df["rural"] + 0.01 * df["age"] + rng.normal(size=n)
        for i, p in enumerate(previous):
            m = m + (0.3 + 0.1 * i) * df[p]
        df[f"m{j + 1}"] = m
        previous.append(f"m{j + 1}")
    y = -0.2 * df["rural"] + rng.normal(size=n) + 0.2 * (df["occupation"] == "clerk")
    for i, p in enumerate(previous):
        y = y + (0.25 + 0.05 * i) * df[p]
    df["y"] = y
    df["w"] = rng.uniform(0.5, 2.0, n) if weighted else 1.0
    df["region"] = np.where(np.arange(n) % 2 == 0, "east", "west")
    return df


@pytest.fixture
def chain_data() -> pd.DataFrame:
    return make_chain_data()
