"""The reader of lavaan reference cases: a wrong parse would make the reference tests vacuous."""

from __future__ import annotations

import numpy as np
import pytest

from tests.chain import _lavaan as lav

SYNTAX = """
  # a comment
  m1 ~ a1*x + c1 ; m2 ~ a2*x + d21*m1 + c1
  y  ~ cp*x + b1*m1 + b2*m2 + 0.5*c1
  ind1 := a1*b1
  ind12 := b2*d21*a1   ! any order
  indirect := ind1 + ind12 + a2*b2
  total := cp + indirect
  diff := a1*b1 - a2*b2
  ratio := ind1 / total
"""
EQUATIONS = {"m1": ["x", "c1"], "m2": ["x", "m1", "c1"], "y": ["x", "m1", "m2", "c1"]}


def test_parse_regressions_labels_and_definitions() -> None:
    model = lav.LavaanModel.parse(SYNTAX)
    assert model.regressions["m2"] == [("a2", "x"), ("d21", "m1"), (None, "c1")]
    assert model.regressions["y"][-1] == (None, "c1")  # a fixed value is not a label
    assert model.labels["d21"] == ("m2", "m1")
    assert [name for name, _ in model.definitions] == [
        "ind1",
        "ind12",
        "indirect",
        "total",
        "diff",
        "ratio",
    ]


def test_roles_from_equations_whatever_their_order() -> None:
    shuffled = {"y": EQUATIONS["y"][::-1], "m2": EQUATIONS["m2"], "m1": EQUATIONS["m1"][::-1]}
    roles = lav.chain_roles(shuffled, {"a1": "x -> m1"})
    assert roles == lav.ChainRoles("x", ("m1", "m2"), "y", ("c1",))


def test_roles_refuse_a_chain_with_a_missing_path() -> None:
    broken = {**EQUATIONS, "m2": ["x", "c1"]}
    with pytest.raises(AssertionError, match="saturated"):
        lav.chain_roles(broken, {})


def test_sampling_weights_from_the_call() -> None:
    assert lav.sampling_weights("sem(M, data = d, sampling.weights = 'w')") == "w"
    assert lav.sampling_weights('sem(M, data = d, sampling.weights="wt2", se = "x")') == "wt2"
    assert lav.sampling_weights("sem(M, data = d, se = 'standard')") is None


def test_defined_values_and_exact_gradients() -> None:
    model = lav.LavaanModel.parse(SYNTAX)
    p = {"a1": 0.5, "a2": -0.3, "d21": 0.4, "cp": 0.2, "b1": 0.7, "b2": 0.25}
    values = lav.defined_values(model.definitions, p)
    ind12 = 0.5 * 0.4 * 0.25
    total = 0.2 + 0.5 * 0.7 + ind12 + -0.3 * 0.25
    assert values["ind12"] == pytest.approx(ind12, rel=1e-15)
    assert values["total"] == pytest.approx(total, rel=1e-15)
    assert values["ratio"] == pytest.approx(0.35 / total, rel=1e-15)
    grad = lav.defined_gradients(model.definitions, p, list(p))
    # d total / d a1 = b1 + d21 b2; d ratio / d cp = -ind1 / total^2
    assert grad.loc["total", "a1"] == pytest.approx(0.7 + 0.4 * 0.25, rel=1e-14)
    assert grad.loc["ratio", "cp"] == pytest.approx(-0.35 / total**2, rel=1e-14)
    assert grad.loc["diff"].to_numpy() == pytest.approx(
        np.array([0.7, -0.25, 0.0, 0.0, 0.5, 0.3]), abs=1e-15
    )


def test_defined_effects_map_to_govstats_effects() -> None:
    model = lav.LavaanModel.parse(SYNTAX)
    roles = lav.chain_roles(EQUATIONS, {})
    known: dict[str, lav.Polynomial] = {}
    names = {}
    for name, expr in model.definitions:
        poly = lav.polynomial(expr, known)
        if poly is not None:
            known[name] = poly
        names[name] = lav.govstats_effect_names(poly, model.labels, roles)
    assert names["ind1"] == ["x -> m1 -> y"]
    assert names["ind12"] == ["x -> m1 -> m2 -> y"]
    assert names["indirect"] == ["indirect_total"]
    assert names["total"] == ["total"]
    assert names["diff"] == []  # a contrast: evaluated, but not one of govstats' effects
    assert names["ratio"] == []
