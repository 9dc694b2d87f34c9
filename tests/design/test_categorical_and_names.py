"""One categorical rule and one model-matrix builder across design, calibration, chain, gaps."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import govstats as gs
from govstats.design.categorical import factor_levels, group_codes, is_categorical
from govstats.design.model_matrix import build_model_matrix, r_name
from govstats.errors import DataError


def _frame(n: int = 240, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    grade = rng.choice([2, 10, 9], size=n)
    female = rng.integers(0, 2, n).astype(bool)
    x = rng.normal(size=n)
    rural = rng.integers(0, 2, n)
    m = 0.5 * x - 0.3 * rural + rng.normal(size=n)
    y = 1 + 0.4 * m + 0.2 * female + 0.1 * grade + rng.normal(size=n)
    return pd.DataFrame(
        {
            "y": y,
            "m": m,
            "x": x,
            "rural": rural,
            "female": female,
            "grade": pd.Series(grade, dtype=object),
            "w": rng.uniform(1, 3, n),
        }
    )


def test_object_numbers_sort_numerically_and_text_as_text() -> None:
    assert factor_levels(pd.Series([2, 10, 9], dtype=object)) == [2, 9, 10]
    assert factor_levels(pd.Series(["2", "10", "9"])) == ["10", "2", "9"]  # as R's factor()
    declared = pd.Series(pd.Categorical(["b", "a"], categories=["b", "a", "c"]))
    assert factor_levels(declared) == ["b", "a", "c"]
    assert factor_levels(declared, observed=True) == ["b", "a"]


def test_bool_is_numeric_and_mixed_types_are_refused() -> None:
    assert not is_categorical(pd.Series([True, False]))
    assert not is_categorical(pd.Series([True, None, False], dtype=object))
    with pytest.raises(DataError, match=r"'code'.*mixes numbers and text"):
        factor_levels(pd.Series([1, "1", 2], dtype=object, name="code"))


def test_every_family_orders_levels_the_same_way() -> None:
    data = _frame()
    design = gs.SurveyDesign(data, weights="w")
    # design: proportions and domains
    assert design.proportion("grade").level == ("2", "9", "10")
    by = design.mean("y", by="grade").to_frame()
    assert by["grade"].tolist() == [2, 9, 10]
    # design GLM (formulaic through the one builder): 2 is the reference level
    terms = design.glm("y ~ C(grade) + female").to_frame()["term"].tolist()
    assert terms == ["Intercept", "C(grade)[T.9]", "C(grade)[T.10]", "female"]
    # the chain: the same reference level and bool as a number
    chain = gs.DivideChain(data, "x", ["m"], "y", ["grade", "female"]).fit(
        inference="linearization"
    )
    assert chain.spec.reference_levels == {"grade": 2}
    assert "female" in chain.spec.covariate_columns
    # gaps: the same columns in a decomposition
    res = gs.gaps.oaxaca(data, "y ~ C(grade) + female", by="rural", replicates=0)
    assert {"C(grade)[2]", "C(grade)[9]", "C(grade)[10]", "female"} <= set(res.to_frame()["term"])
    _, labels, _ = group_codes(data, "grade", np.ones(len(data), dtype=bool))
    assert [lab[0] for lab in labels] == [2, 9, 10]


def test_calibration_and_glm_share_the_builder() -> None:
    data = _frame()
    design = gs.SurveyDesign(data, weights="w")
    totals_r = {"(Intercept)": 500.0, "grade9": 160.0, "grade10": 170.0, "female": 250.0}
    totals_f = {"Intercept": 500.0, "grade[T.9]": 160.0, "grade[T.10]": 170.0, "female": 250.0}
    a = design.calibrate(totals_r, formula="~grade + female").weights_array
    b = design.calibrate(totals_f, formula="~grade + female").weights_array
    np.testing.assert_array_equal(a, b)
    assert float(a @ data["female"].to_numpy(dtype=float)) == pytest.approx(250.0, rel=1e-9)
    mm = build_model_matrix(data, "grade + female")
    assert list(mm.r_names) == ["(Intercept)", "grade9", "grade10", "female"]


def test_r_names_of_every_model_result() -> None:
    data = _frame().assign(race=lambda d: d["grade"].astype(int) // 3)
    design = gs.SurveyDesign(data, weights="w")
    fit = design.glm("y ~ C(race) + x:m + I(x ** 2)")
    assert fit.to_frame(names="r")["term"].tolist() == [
        "(Intercept)",
        "factor(race)3",
        "I(x^2)",
        "x:m",
    ]
    chain = gs.DivideChain(data, "x", ["m"], "y", ["grade"]).fit(inference="linearization")
    r_terms = chain.to_frame(names="r")["term"]
    assert "y ~ (Intercept)" in set(r_terms) and "y ~ grade9" in set(r_terms)
    res = gs.gaps.oaxaca(data, "y ~ C(grade) + x", by="rural", replicates=0)
    assert "factor(grade)9" in set(res.to_frame(names="r")["term"])
    assert r_name("stype[T.H]:x") == "stypeH:x"
    with pytest.raises(DataError, match="names='stata'"):
        fit.to_frame(names="stata")
