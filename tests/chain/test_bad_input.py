"""Bad input: every case raises a GovstatsError naming the variable and the fix."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import govstats as gs
from govstats.errors import DataError, DesignError, GovstatsError, ModelError

from .conftest import make_chain_data


@pytest.fixture
def df():
    return make_chain_data(n=200, k=3, seed=3)


def test_constant_x(df) -> None:
    df["rural"] = 1
    with pytest.raises(ModelError, match="x 'rural' is constant"):
        gs.DivideChain(df, "rural", ["m1"], "y").fit(inference="none")


def test_constant_mediator(df) -> None:
    df["m2"] = 3.0
    with pytest.raises(ModelError, match="mediator 'm2' is constant"):
        gs.DivideChain(df, "rural", ["m1", "m2"], "y").fit(inference="none")


def test_mediator_collinear_with_earlier(df) -> None:
    df["m2"] = 2 * df["m1"] - df["rural"] + 1
    with pytest.raises(ModelError, match=r"mediator 'm2' is perfectly collinear.*drop it"):
        gs.DivideChain(df, "rural", ["m1", "m2"], "y").fit(inference="none")


def test_fewer_cases_than_parameters(df) -> None:
    small = df.iloc[:6]
    with pytest.raises(ModelError, match=r"6 complete cases.*parameters"):
        gs.DivideChain(small, "rural", ["m1", "m2", "m3"], "y", ["age"]).fit(inference="none")


@pytest.mark.parametrize(
    ("mediators", "outcome", "pattern"),
    [
        (["m1", "m1"], "y", "'m1' is listed twice"),
        (["rural"], "y", "'rural' is also x"),
        (["m1", "y"], "y", "'y' is also the outcome"),
        ([], "y", "1 to 6 mediators"),
    ],
)
def test_bad_roles(df, mediators, outcome, pattern) -> None:
    with pytest.raises(ModelError, match=pattern):
        gs.DivideChain(df, "rural", mediators, outcome)


def test_missing_column(df) -> None:
    with pytest.raises(DataError, match="'nope'"):
        gs.DivideChain(df, "rural", ["m1", "nope"], "y")


def test_missing_values_error_then_listwise(df) -> None:
    df.loc[[3, 7], "m1"] = np.nan
    df.loc[9, "age"] = np.nan
    with pytest.raises(DataError, match=r"3 of 200 rows have missing values.*'m1': 2.*listwise"):
        gs.DivideChain(df, "rural", ["m1"], "y", ["age"])
    res = gs.DivideChain(df, "rural", ["m1"], "y", ["age"], missing="listwise").fit(
        inference="linearization"
    )
    assert res.n_dropped == 3 and res.n_obs == 197
    assert any("3 rows with missing values dropped" in note for note in res.notes)


def test_by_group_too_small(df) -> None:
    df["region"] = np.where(np.arange(len(df)) < 5, "tiny", "big")
    with pytest.raises(ModelError, match="group region='tiny'"):
        gs.DivideChain(df, "rural", ["m1", "m2"], "y").fit(
            inference="replicate", replicates=20, by="region", seed=1
        )


def test_unknown_options(df) -> None:
    chain = gs.DivideChain(df, "rural", ["m1"], "y")
    with pytest.raises(ModelError, match="inference='jackknife'"):
        chain.fit(inference="jackknife")
    with pytest.raises(ModelError, match="ci='bca' is not available with inference linearization"):
        chain.fit(inference="linearization", ci="bca")
    res = chain.fit(inference="linearization")
    with pytest.raises(ModelError, match="no effect named 'x'"):
        res.contrast("x", "direct")


def test_weights_with_design_like_object_rejected(df) -> None:
    with pytest.raises(DataError, match="DataFrame or a SurveyDesign"):
        gs.DivideChain(df.to_dict(), "rural", ["m1"], "y")


def test_by_variable_used_in_the_chain(df) -> None:
    df["female"] = np.arange(len(df)) % 2
    with pytest.raises(ModelError, match="by='female' is also x, a mediator"):
        gs.DivideChain(df, "rural", ["m1"], "y", ["female"]).fit(by="female")


def test_model_based_ses_refused_on_a_design(df) -> None:
    design = gs.SurveyDesign(df.assign(psu=np.arange(len(df)) // 4), psu="psu", weights="w")
    with pytest.raises(ModelError, match=r"inference='model'.*'linearization' or 'replicate'"):
        gs.DivideChain(design, "rural", ["m1"], "y").fit(inference="model")


@pytest.mark.parametrize(
    ("inference", "replicates"), [("montecarlo", 1), ("montecarlo", 0), ("bootstrap", 0)]
)
def test_too_few_draws_are_refused_not_defaulted(df, inference, replicates) -> None:
    chain = gs.DivideChain(df, "rural", ["m1"], "y")
    with pytest.raises(GovstatsError, match=rf"replicates={replicates} is too few"):
        chain.fit(inference=inference, replicates=replicates, seed=1)


@pytest.mark.parametrize("level", [0.0, 1.0, 95, -0.1])
def test_level_outside_0_1_is_refused(df, level) -> None:
    with pytest.raises(GovstatsError, match="outside \\(0, 1\\)"):
        gs.DivideChain(df, "rural", ["m1"], "y").fit(inference="linearization", level=level)


def test_repeated_column_names_are_refused(df) -> None:
    with pytest.raises(DataError, match=r"repeated column names \('y'\)"):
        gs.DivideChain(pd.concat([df, df[["y"]]], axis=1), "rural", ["m1"], "y")


@pytest.mark.parametrize(
    ("values", "message"), [(np.inf, "'y' holds infinite values"), (1e300, "'y' reach")]
)
def test_infinite_or_overflowing_values_are_refused(df, values, message) -> None:
    bad = df.assign(y=df["y"].where(df.index > 0, values))
    with pytest.raises(DataError, match=message):
        gs.DivideChain(bad, "rural", ["m1"], "y").fit(inference="linearization")


def test_tiny_weights_are_refused(df) -> None:
    with pytest.raises(DesignError, match="Rescale the weights"):
        gs.DivideChain(df.assign(w=1e-300), "rural", ["m1"], "y", weights="w").fit()


def test_editing_the_frame_afterwards_does_not_change_the_chain(df) -> None:
    frame = df.copy()
    chain = gs.DivideChain(frame, "rural", ["m1"], "y")
    before = chain.fit(inference="linearization").effects
    frame["y"] *= 3
    frame.loc[0, "m1"] = 100.0
    pd.testing.assert_frame_equal(before, chain.fit(inference="linearization").effects)
