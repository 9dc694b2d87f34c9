"""Bad input gets a GovstatsError subclass naming the column or stratum and the fix."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import govstats as gs
from govstats.errors import DataError, DesignError, GovstatsError, ModelError


@pytest.fixture
def frame() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    return pd.DataFrame(
        {
            "stratum": np.repeat(["north", "south"], 8),
            "county": np.repeat([1, 2, 3, 4], 4),
            "weight": rng.uniform(1, 5, 16),
            "income": rng.normal(100, 10, 16),
            "x": rng.normal(size=16),
            "name": [f"p{i}" for i in range(16)],
            "group": np.tile(["u", "r"], 8),
        }
    )


def _design(frame: pd.DataFrame, **kwargs: object) -> gs.SurveyDesign:
    return gs.SurveyDesign(frame, weights="weight", strata="stratum", psu="county", **kwargs)  # type: ignore[arg-type]


def test_negative_weights(frame: pd.DataFrame) -> None:
    frame.loc[3, "weight"] = -1.0
    with pytest.raises(DesignError, match=r"weights column 'weight' has 1 negative"):
        _design(frame)


def test_zero_sum_weights(frame: pd.DataFrame) -> None:
    with pytest.raises(DesignError, match=r"'weight' sums to zero"):
        _design(frame.assign(weight=0.0))


def test_missing_weights(frame: pd.DataFrame) -> None:
    frame.loc[[0, 5], "weight"] = np.nan
    with pytest.raises(DesignError, match=r"'weight' has 2 missing values"):
        _design(frame)


def test_psu_ids_repeated_across_strata_need_nest(frame: pd.DataFrame) -> None:
    frame["county"] = np.tile(np.repeat([1, 2], 4), 2)
    with pytest.raises(DesignError) as raised:
        _design(frame)
    message = str(raised.value)
    assert "'county'" in message and "'stratum'" in message and "nest=True" in message
    nested = _design(frame, nest=True)
    assert nested.n_psu == 4 and nested.df == 2


def test_lonely_psu_fail_names_the_stratum(frame: pd.DataFrame) -> None:
    frame.loc[frame["stratum"] == "south", "county"] = 3
    design = _design(frame)
    with pytest.raises(
        DesignError, match=r"Stratum \(south\) of column 'stratum' has only one PSU"
    ):
        design.mean("income")


def test_lonely_psu_only_inside_a_domain_follows_the_rule(frame: pd.DataFrame) -> None:
    # In the domain group == "u" each stratum still has its 2 PSUs; restricting to
    # county 3 leaves stratum south with a single PSU only inside the domain.
    design = _design(frame)
    domain = design.subset(frame["county"].isin([1, 2, 3]))
    result = domain.mean("income")
    assert np.isfinite(result.se[0]) and result.df == 1


def test_unknown_lonely_rule(frame: pd.DataFrame) -> None:
    with pytest.raises(DesignError, match="lonely_psu='drop'"):
        _design(frame, lonely_psu="drop")


def test_empty_domain(frame: pd.DataFrame) -> None:
    with pytest.raises(DesignError, match="empty domain"):
        _design(frame).subset(frame["group"] == "nobody")


def test_non_numeric_variable_to_mean(frame: pd.DataFrame) -> None:
    with pytest.raises(DataError, match=r"column 'name' is not numeric.*proportion\('name'\)"):
        _design(frame).mean("name")


def test_unknown_column(frame: pd.DataFrame) -> None:
    with pytest.raises(DataError, match=r"column 'incme' is not in the data"):
        _design(frame).mean("incme")
    with pytest.raises(DataError, match=r"strata column 'region' is not in the data"):
        gs.SurveyDesign(frame, strata="region")


def test_missing_values_without_na_rm_say_how_many(frame: pd.DataFrame) -> None:
    frame.loc[[1, 2, 9], "income"] = np.nan
    design = _design(frame)
    with pytest.raises(DataError, match=r"'income' \(3 missing\).*na_rm=True"):
        design.mean("income")
    kept = frame.dropna(subset=["income"])
    expected = np.sum(kept["weight"] * kept["income"]) / kept["weight"].sum()
    assert design.mean("income", na_rm=True).estimate[0] == pytest.approx(expected, rel=1e-12)


def test_missing_psu_ids(frame: pd.DataFrame) -> None:
    frame["county"] = frame["county"].astype(float)
    frame.loc[4, "county"] = np.nan
    with pytest.raises(DesignError, match=r"psu column 'county' has 1 missing"):
        _design(frame)


def test_fpc_mixing_sizes_and_fractions(frame: pd.DataFrame) -> None:
    frame["fpc"] = np.where(frame["stratum"] == "north", 10.0, 0.5)
    with pytest.raises(DesignError, match="mix population sizes"):
        _design(frame, fpc="fpc")


def test_fpc_below_sample_size(frame: pd.DataFrame) -> None:
    with pytest.raises(DesignError, match="more than 100% sampling"):
        _design(frame.assign(fpc=1.5), fpc="fpc")


def test_glm_errors(frame: pd.DataFrame) -> None:
    design = _design(frame)
    with pytest.raises(ModelError, match="family 'gamma'"):
        design.glm("income ~ x", family="gamma")
    with pytest.raises(ModelError, match="rank deficient"):
        design.glm("income ~ x + I(2 * x)")
    with pytest.raises(DataError, match="'nope' is not in the data"):
        design.glm("income ~ nope")
    frame.loc[0, "x"] = np.nan
    with pytest.raises(DataError, match=r"'x' \(1 missing\)"):
        _design(frame).glm("income ~ x")
    assert _design(frame).glm("income ~ x", na_rm=True).n_obs == 15


def test_every_error_is_a_govstats_error() -> None:
    for error in (DataError, DesignError, ModelError):
        assert issubclass(error, GovstatsError)
