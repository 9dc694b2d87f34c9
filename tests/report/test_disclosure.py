"""Complementary suppression: nothing that reveals a suppressed cell is published."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from govstats.report.inputs import load_survey
from govstats.report.sections.divide_chain import divide_chain as fit_divide_chain
from govstats.report.tables import SUPPRESSED_MARK, suppress_dependent_cells


def test_a_row_computed_from_a_suppressed_cell_is_suppressed() -> None:
    frame = pd.DataFrame({"estimate": [0.1, 0.2, 0.3], "se": [1.0, 2.0, 3.0]})
    sources = [("b", "a"), ("c", "a"), ("c", "d")]
    out = suppress_dependent_cells(frame, sources, {"a"}, ["estimate", "se"])
    assert out["suppressed"].tolist() == [True, True, False]
    assert out["estimate"].isna().tolist() == [True, True, False]
    assert frame["estimate"].notna().all()  # the input is not modified


@pytest.fixture(scope="module")
def chain_report():
    survey = load_survey(seed=7, n_persons=3000)
    counts = pd.crosstab(survey.data["age_group"], survey.data["rural"]).min(axis=1)
    # the smallest urban/rural cell of one age group is below the threshold, the others above
    smallest = counts.sort_values()
    min_cell = int((smallest.iloc[0] + smallest.iloc[1]) // 2)
    hidden = str(smallest.index[0])
    result = fit_divide_chain(survey, replicates=20, min_cell=min_cell, lang="en")
    return result, hidden


def test_the_small_group_is_suppressed_in_the_groups_table(chain_report) -> None:
    result, hidden = chain_report
    groups = next(t for t in result.tables if t.name == "chain_groups")
    rows = groups.data[groups.data["age_group"].astype(str) == hidden]
    assert len(rows) and rows["suppressed"].all() and rows["estimate"].isna().all()


def test_no_difference_involving_a_suppressed_group_is_published(chain_report) -> None:
    result, hidden = chain_report
    diff = next(t for t in result.tables if t.name == "chain_group_differences")
    involved = diff.data["comparison"].astype(str).map(lambda c: hidden in c.split(" - "))
    assert involved.any()
    values = diff.data.loc[involved, ["estimate", "se", "ci_low", "ci_high"]]
    assert values.isna().all().all()  # the CSV holds no number from which it follows
    others = diff.data.loc[~involved, "estimate"]
    assert others.notna().all()
    shown = diff.display.astype(str)
    assert (shown.iloc[:, 2:] == SUPPRESSED_MARK).any(axis=1).sum() == int(
        involved[diff.data["effect"].isin(["indirect_total", "direct", "total"])].sum()
    )


def test_the_group_figure_leaves_the_suppressed_group_out(chain_report) -> None:
    result, hidden = chain_report
    figure = next(f for f in result.figures if f.name == "chain_groups")
    assert hidden not in set(figure.data["group"].astype(str))
    assert len(figure.data) > 0


def test_no_published_number_equals_a_suppressed_value(chain_report) -> None:
    result, hidden = chain_report
    groups = next(t for t in result.tables if t.name == "chain_groups")
    published = np.concatenate(
        [
            t.data.select_dtypes("number").to_numpy(dtype=float).ravel()
            for t in result.tables
            if t.name != "chain_groups"
        ]
        + [f.data.select_dtypes("number").to_numpy(dtype=float).ravel() for f in result.figures]
    )
    published = published[np.isfinite(published)]
    survey = load_survey(seed=7, n_persons=3000)
    again = fit_divide_chain(survey, replicates=20, min_cell=1, lang="en")
    full = next(t for t in again.tables if t.name == "chain_groups").data
    secret = full.loc[full["age_group"].astype(str) == hidden, "estimate"].to_numpy(float)
    assert groups.data["suppressed"].any()
    for value in secret:
        assert not np.isclose(published, value, rtol=1e-12, atol=0).any(), value
    # nor by subtraction: a published group effect minus a published difference
    shown = groups.data.loc[~groups.data["suppressed"], "estimate"].to_numpy(float)
    diff = next(t for t in result.tables if t.name == "chain_group_differences").data
    steps = diff["estimate"].dropna().to_numpy(float)
    recovered = (shown[:, None] - steps[None, :]).ravel()
    for value in secret:
        assert not np.isclose(recovered, value, rtol=1e-9, atol=0).any(), value


def test_a_total_beside_a_suppressed_part_is_suppressed() -> None:
    from govstats.report.sections.survey_description import survey_description as describe_survey

    survey = load_survey(seed=7, n_persons=3000)
    n_rural = int((survey.data["rural"] == 1).sum())
    n_urban = int((survey.data["rural"] == 0).sum())
    assert n_rural < n_urban
    result = describe_survey(survey, lang="en", min_cell=(n_rural + n_urban) // 2)
    for table in result.tables:
        data = table.data
        column = "estimate" if "estimate" in data else "survey_pct"
        for group in ("rural", "total"):
            rows = data[data["group"] == group]
            assert rows["suppressed"].all() and rows[column].isna().all(), (table.name, group)
        assert data.loc[data["group"] == "urban", column].notna().all()
    for figure in result.figures:
        data = figure.data
        survey_rows = data[~data["source"].astype(str).str.contains("CNNIC")]
        hidden = survey_rows[survey_rows["group"].isin(["Rural", "Total"])]
        assert hidden["estimate"].isna().all()
