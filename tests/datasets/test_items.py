"""simulate_items: continuous items of the simulated constructs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import govstats as gs
from govstats.errors import DataError


@pytest.fixture(scope="module")
def survey() -> gs.datasets.SimulatedSurvey:
    return gs.datasets.simulate_survey(seed=4, n_persons=3000)


def test_appends_items_without_touching_the_survey(survey: gs.datasets.SimulatedSurvey) -> None:
    before = survey.data.copy()
    items = gs.datasets.simulate_items(survey.data, seed=1)
    pd.testing.assert_frame_equal(survey.data, before)
    pd.testing.assert_frame_equal(items.data[before.columns], before)
    assert items.measurement["service"] == ["service_i1", "service_i2", "service_i3"]


def test_loadings_and_error_are_recovered(survey: gs.datasets.SimulatedSurvey) -> None:
    items = gs.datasets.simulate_items(survey.data, loadings=(1.0, 0.6, 0.9), item_error=0.4,
                                       seed=2)  # fmt: skip
    x = items.data["participation"].to_numpy()
    for j, lam in enumerate((1.0, 0.6, 0.9)):
        y = items.data[f"participation_i{j + 1}"].to_numpy()
        slope, intercept = np.polyfit(x, y, 1)
        assert slope == pytest.approx(lam, abs=0.03)
        assert np.std(y - slope * x - intercept) == pytest.approx(0.4, rel=0.05)


def test_invariance_violation_shifts_the_last_item_in_the_group(
    survey: gs.datasets.SimulatedSurvey,
) -> None:
    plain = gs.datasets.simulate_items(survey.data, seed=3)
    shifted = gs.datasets.simulate_items(survey.data, invariance_violation=0.5, seed=3)
    rural = survey.data["rural"].to_numpy() == 1
    diff = shifted.data["expression_i3"] - plain.data["expression_i3"]
    np.testing.assert_allclose(diff[rural], 0.5)
    np.testing.assert_allclose(diff[~rural], 0.0)
    pd.testing.assert_series_equal(shifted.data["expression_i2"], plain.data["expression_i2"])


def test_bad_arguments(survey: gs.datasets.SimulatedSurvey) -> None:
    with pytest.raises(DataError, match="one value per item"):
        gs.datasets.simulate_items(survey.data, loadings=(1.0, 0.5), intercepts=(0.0,))
    with pytest.raises(DataError, match="positive"):
        gs.datasets.simulate_items(survey.data, item_error=0.0)
    with pytest.raises(DataError, match="nothere"):
        gs.datasets.simulate_items(survey.data, constructs=["nothere"])
