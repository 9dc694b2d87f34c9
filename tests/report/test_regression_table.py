"""regression_table: an esttab-style table whose every cell can be traced to the model."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats

import govstats as gs
from govstats.errors import ReportError
from govstats.report import regression_table, to_docx, to_html, to_latex
from govstats.report.compute.models import ModelSpec, fit_models, fit_statistics
from govstats.report.tables import to_text


@pytest.fixture(scope="module")
def sample() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    n = 400
    frame = pd.DataFrame(
        {
            "x": rng.normal(size=n),
            "g": rng.choice(["a", "b", "c"], size=n),
            "w": rng.uniform(0.5, 3.0, size=n),
            "psu": np.repeat(np.arange(40), 10),
        }
    )
    frame["y"] = 1.0 + 0.5 * frame["x"] + (frame["g"] == "b") * 0.3 + rng.normal(size=n)
    frame["z"] = (rng.uniform(size=n) < 1 / (1 + np.exp(-frame["x"]))).astype(float)
    return frame


@pytest.fixture(scope="module")
def design(sample):
    return gs.SurveyDesign(sample, weights="w", psu="psu")


def test_cells_come_from_the_models(design) -> None:
    linear = design.glm("y ~ x + C(g)")
    logit = design.glm("z ~ x", "binomial")
    table = gs.report.regression_table(
        {"OLS": linear, "Logit": logit}, labels={"x": "Schooling", "g": "Group"}, lang="en"
    )
    shown = table.display.set_index("Variable", drop=False)
    rows = table.display["Variable"].tolist()
    assert rows[:2] == ["Constant", ""]
    i = rows.index("Schooling")
    for column, fit in (("OLS", linear), ("Logit", logit)):
        estimate, se = float(fit.params["x"]), float(fit.se["x"])
        p = 2 * stats.t.sf(abs(estimate / se), fit.df)
        stars = sum(p < t for t in (0.05, 0.01, 0.001))
        assert table.display[column].iloc[i] == f"{estimate:.3f}" + "*" * stars
        assert table.display[column].iloc[i + 1] == f"({se:.3f})"
    assert "Group: b" in rows
    # a term absent from a model leaves its cells empty
    j = rows.index("Group: b")
    assert table.display["Logit"].iloc[j] == ""
    assert shown.loc["N", "OLS"] == f"{linear.n_obs:,}"
    assert shown.loc["R²", "OLS"] == "—"  # a GLMResult carries no R²
    assert "* p<0.05" in table.note


def test_star_thresholds_and_stats_are_arguments(design) -> None:
    fit = design.glm("y ~ x")
    table = regression_table([fit], stars=(0.1,), stats=("n",), lang="zh")
    assert table.display.columns.tolist() == ["变量", "(1)"]
    assert table.display["变量"].tolist()[-1] == "样本量"
    assert "* p<0.1" in table.note
    with pytest.raises(ReportError, match="stars"):
        regression_table([fit], stars=(5,))
    with pytest.raises(ReportError, match="stats"):
        regression_table([fit], stats=("aic",))
    with pytest.raises(ReportError, match="params/se/df"):
        regression_table([object()])


def test_writes_through_every_writer(design, tmp_path) -> None:
    table = regression_table([design.glm("y ~ x")], lang="en")
    assert "\\toprule" in to_latex(table) and "<table" in to_html(table)
    assert "(Intercept)" not in to_text(table) and "Constant" in to_text(table)
    path = to_docx(table, tmp_path / "reg.docx")
    assert path.read_bytes()[:2] == b"PK"


def test_r2_matches_weighted_least_squares(sample, design) -> None:
    fit = design.glm("y ~ x + C(g)")
    r2, pseudo = fit_statistics(design, fit, "gaussian")
    x = sm.add_constant(pd.get_dummies(sample[["x", "g"]], drop_first=True, dtype=float))
    reference = sm.WLS(sample["y"], x, weights=sample["w"]).fit().rsquared
    assert r2 == pytest.approx(reference, rel=1e-10)
    assert np.isnan(pseudo)


def test_pseudo_r2_matches_mcfadden(sample, design) -> None:
    fit = design.glm("z ~ x", "binomial")
    _, pseudo = fit_statistics(design, fit, "binomial")
    glm = sm.GLM(
        sample["z"],
        sm.add_constant(sample[["x"]]),
        family=sm.families.Binomial(),
        freq_weights=sample["w"],
    ).fit()
    assert pseudo == pytest.approx(1 - glm.llf / glm.llnull, rel=1e-6)


def test_fitted_models_fill_the_statistics_rows(design) -> None:
    fitted = fit_models(design, [ModelSpec("y ~ x"), ModelSpec("z ~ x", "binomial")])
    table = regression_table(fitted, stats=("n", "r2", "pseudo_r2"), lang="en")
    shown = table.display.set_index("Variable")
    assert shown.loc["R²", "(1)"] == f"{fitted[0].r2:.3f}"
    assert shown.loc["Pseudo R²", "(2)"] == f"{fitted[1].pseudo_r2:.3f}"
    assert shown.loc["R²", "(2)"] == "—"
    assert shown.loc["Variance", "(1)"] == "linearization"


def test_codebook_labels(design) -> None:
    book = SimpleNamespace(variables={"x": SimpleNamespace(label="Years of schooling")})
    table = regression_table([design.glm("y ~ x")], labels=book, lang="en")
    assert "Years of schooling" in table.display["Variable"].tolist()


def test_design_fills_r2_of_glm_results(sample, design) -> None:
    linear = design.glm("y ~ x + C(g)")
    logit = design.glm("z ~ x", "binomial")
    table = regression_table(
        [linear, logit], stats=("n", "r2", "pseudo_r2"), lang="en", design=design
    )
    shown = table.display.set_index("Variable")
    r2, _ = fit_statistics(design, linear, "gaussian")
    _, pseudo = fit_statistics(design, logit, "binomial")
    assert shown.loc["R²", "(1)"] == f"{r2:.3f}" and shown.loc["R²", "(2)"] == "—"
    assert shown.loc["Pseudo R²", "(2)"] == f"{pseudo:.3f}"


def test_fixed_effects_are_indicated_not_printed(design) -> None:
    with_fe = design.glm("y ~ x + C(g)")
    without = design.glm("y ~ x")
    table = regression_table(
        {"FE": with_fe, "No FE": without},
        labels={"g": "Group"},
        fixed_effects=("g",),
        lang="en",
    )
    rows = table.display["Variable"].tolist()
    assert not any(r.startswith("Group:") for r in rows)
    shown = table.display.set_index("Variable")
    assert shown.loc["Group FE", "FE"] == "Yes" and shown.loc["Group FE", "No FE"] == "No"
    assert set(table.data["term"]) >= {"C(g)[T.b]", "C(g)[T.c]"}  # kept in the CSV
