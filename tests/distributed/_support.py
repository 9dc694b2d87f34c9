"""Survey data and partitionings shared by the dask tests."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import govstats

dd = pytest.importorskip("dask.dataframe")  # the test command installs the extra

ROOT = Path(govstats.__file__).resolve().parent.parent


def make_survey(n: int = 3000, seed: int = 11) -> pd.DataFrame:
    """A stratified cluster sample with domains, factors and a binary and count response."""
    rng = np.random.default_rng(seed)
    stratum = rng.integers(0, 4, n)
    psu = stratum * 10 + rng.integers(0, 6, n)
    x1 = rng.normal(size=n) + psu % 3
    x2 = rng.uniform(1, 2, n)
    frame = pd.DataFrame(
        {
            "stratum": stratum,
            "psu": psu,
            "w": rng.uniform(1, 6, n) * (1 + stratum),
            "fpc": np.array([60.0, 80.0, 100.0, 120.0])[stratum],
            "x1": x1,
            "x2": x2,
            "region": rng.choice(["east", "west", "north"], n),
            "sex": rng.choice(["f", "m"], n),
            "age": rng.integers(1, 4, n),
        }
    )
    frame["y"] = 1 + x1 - 2 * x2 + rng.normal(size=n) + (frame["region"] == "east")
    frame["b"] = (rng.uniform(size=n) < 1 / (1 + np.exp(-(0.4 * x1 - x2 + 1)))).astype(float)
    frame["count"] = rng.poisson(np.exp(0.3 * x1)).astype(float)
    frame["m1"] = 0.5 * x1 + rng.normal(size=n)
    frame["m2"] = 0.3 * frame["m1"] + rng.normal(size=n)
    frame["rural"] = (rng.uniform(size=n) < 0.4).astype(int)
    frame["service"] = frame["m2"] - 0.5 * frame["rural"] + rng.normal(size=n)
    return frame


def partitioned(frame: pd.DataFrame, how: str) -> tuple[pd.DataFrame, object]:
    """The same rows as a pandas frame and a dask frame, in one of several partitionings.

    ``shuffled-*``: rows in random order (every PSU split across partitions);
    ``sorted-3``: rows sorted by PSU (PSUs mostly whole, some cut at a boundary);
    ``single``: one partition; ``uneven``: partitions of very different sizes.
    """
    if how.startswith("shuffled"):
        frame = frame.sample(frac=1, random_state=5).reset_index(drop=True)
        return frame, dd.from_pandas(frame, npartitions=int(how.split("-")[1]), sort=False)
    if how == "sorted-3":
        frame = frame.sort_values(["psu", "x1"]).reset_index(drop=True)
        return frame, dd.from_pandas(frame, npartitions=3, sort=False)
    if how == "single":
        return frame, dd.from_pandas(frame, npartitions=1, sort=False)
    cuts = [0, 7, 40, 1500, 1510, len(frame)]
    parts = [frame.iloc[a:b] for a, b in itertools.pairwise(cuts)]
    return frame, dd.from_map(lambda part: part, parts)


PARTITIONINGS = ["shuffled-7", "sorted-3", "single", "uneven"]


#: Relative tolerance: partition sums differ from in-memory sums only in the order of
#: floating-point additions, so estimates and standard errors agree to ~1e-12.
RTOL = 1e-9


def assert_frames_equal(got: pd.DataFrame, want: pd.DataFrame) -> None:
    assert list(got.columns) == list(want.columns)
    assert got.shape == want.shape
    for column in want.columns:
        a, b = got[column], want[column]
        if pd.api.types.is_numeric_dtype(b) and not pd.api.types.is_bool_dtype(b):
            np.testing.assert_allclose(
                a.to_numpy(float), b.to_numpy(float), rtol=RTOL, atol=1e-12, err_msg=column
            )
        else:
            assert a.astype(str).tolist() == b.astype(str).tolist(), column


def assert_estimates_equal(got: object, want: object) -> None:
    assert type(got) is type(want)
    assert_frames_equal(got.to_frame(), want.to_frame())  # type: ignore[attr-defined]
    assert got.df == want.df  # type: ignore[attr-defined]
    assert got.method == want.method  # type: ignore[attr-defined]
    assert got.seed == want.seed  # type: ignore[attr-defined]
    assert got.conf_level == want.conf_level  # type: ignore[attr-defined]
    np.testing.assert_allclose(got.vcov, want.vcov, rtol=RTOL, atol=1e-15)  # type: ignore[attr-defined]
    reps_got = getattr(got, "replicate_estimates", None)
    reps_want = getattr(want, "replicate_estimates", None)
    assert (reps_got is None) == (reps_want is None)
    if reps_want is not None:
        np.testing.assert_allclose(reps_got, reps_want, rtol=RTOL)


def assert_chains_equal(got: object, want: object) -> None:
    for name in ("paths", "effects", "cascade"):
        a, b = getattr(got, name), getattr(want, name)
        assert (a is None) == (b is None), name
        if b is not None:
            assert_frames_equal(a.reset_index(), b.reset_index())
    assert got.df == want.df  # type: ignore[attr-defined]
    assert got.n_obs == want.n_obs  # type: ignore[attr-defined]
    assert got.method == want.method  # type: ignore[attr-defined]
    assert got.seed == want.seed  # type: ignore[attr-defined]
    assert got.conf_level == want.conf_level  # type: ignore[attr-defined]
    for name in ("residual_sd", "outcome_sd"):
        np.testing.assert_allclose(getattr(got, name), getattr(want, name), rtol=RTOL)
