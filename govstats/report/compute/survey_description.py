"""Numbers of section 03: design-weighted description, internet use vs CNNIC, raked weights."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, cast

import numpy as np
import pandas as pd

from govstats.errors import ReportError
from govstats.report.compute._rows import computed, valid_counts, weight_column
from govstats.report.compute.raking import RAKE_MAX_ITER, rake_margins
from govstats.report.inputs import SurveyInput

__all__ = [
    "DESCRIBED",
    "GROUPS",
    "SurveyDescriptionFrames",
    "compute_survey_description",
    "urban_rural_tests",
]

DESCRIBED = (
    "internet",
    "info_access",
    "participation",
    "expression",
    "service",
    "age",
    "female",
    "edu_years",
    "income",
)
GROUPS = {1: "urban", 0: "rural"}
VALUE_COLUMNS = ["estimate", "se", "ci_low", "ci_high"]


@dataclass(frozen=True)
class SurveyDescriptionFrames:
    """Tidy results of section 03.

    Parameters
    ----------
    described : pandas.DataFrame
        ``variable, group, n, estimate, se, ci_low, ci_high, df`` with groups urban,
        rural and total (unsuppressed; the layout applies disclosure control).
    compare : pandas.DataFrame
        Internet use in percent by group: survey, raked and CNNIC figures, ``suppressed``.
    n : int
        Respondents.
    period : str or None
        The survey's reference period.
    margins_used : tuple of str
        Margins the raking used (``"province_code"``, ``"urban"``).
    design_columns : mapping
        The design's columns, for the methods sentence.
    cnnic_period, cnnic_report : str or None, int or None
        The CNNIC report set beside the survey: the one nearest its period or wave.
    tests : pandas.DataFrame
        Urban-rural Rao-Scott tests of the proportions (:func:`urban_rural_tests`).
    """

    described: pd.DataFrame
    compare: pd.DataFrame
    n: int
    period: str | None
    margins_used: tuple[str, ...]
    design_columns: Mapping[str, Any]
    cnnic_period: str | None = None
    cnnic_report: int | None = None
    tests: pd.DataFrame = field(default_factory=lambda: urban_rural_tests(None, pd.DataFrame(), []))


def describe_by_urban(design: Any, data: Any, variables: list[str]) -> pd.DataFrame:
    """Weighted means by urban/rural and overall, with unweighted counts (tidy).

    ``data`` is the design's frame (pandas, or dask for a partitioned survey); the
    counts are respondents with a value and a positive weight.
    """
    by_frame = design.mean(variables, by="urban", na_rm=True).to_frame()
    all_frame = design.mean(variables, na_rm=True).to_frame()
    counts, overall = valid_counts(data, weight_column(design, data), variables, "urban")
    rows = []
    for variable in variables:
        for code, group in GROUPS.items():
            hit = by_frame[(by_frame["variable"] == variable) & (by_frame["urban"] == code)]
            if len(hit) != 1:
                raise ReportError(f"no weighted mean of {variable!r} for urban = {code}")
            row = hit.iloc[0]
            n = int(counts[variable].get(code, 0))
            rows.append([variable, group, n, *(float(row[c]) for c in VALUE_COLUMNS), row["df"]])
        row = all_frame[all_frame["variable"] == variable].iloc[0]
        n = int(overall[variable])
        rows.append([variable, "total", n, *(float(row[c]) for c in VALUE_COLUMNS), row["df"]])
    columns = ["variable", "group", "n", *VALUE_COLUMNS, "df"]
    return pd.DataFrame(rows, columns=columns)


_TEST_COLUMNS = ["variable", "statistic", "ndf", "ddf", "p_value", "method"]


def _is_proportion(values: pd.Series) -> bool:
    present = values.dropna()
    return bool(len(present)) and bool(present.isin([0, 1]).all())


def urban_rural_tests(design: Any, data: pd.DataFrame, variables: list[str]) -> pd.DataFrame:
    """Rao-Scott test of urban by each 0/1 variable (``SurveyDesign.chisq``, statistic "F").

    Parameters
    ----------
    design : SurveyDesign
    data : pandas.DataFrame
        The design's data (to tell which variables are proportions).
    variables : list of str
        Described variables; only those whose values are 0 and 1 are tested.

    Returns
    -------
    pandas.DataFrame
        ``variable, statistic, ndf, ddf, p_value, method``, one row per proportion.

    Examples
    --------
    >>> import govstats as gs
    >>> sim = gs.datasets.simulate_survey(seed=1, n_persons=1500)
    >>> d = gs.SurveyDesign(sim.data, **sim.design_columns)
    >>> urban_rural_tests(d, sim.data, ["internet", "age"])["variable"].tolist()
    ['internet']
    """
    rows: list[list[Any]] = []
    if design is None:  # no design to test with
        return pd.DataFrame(rows, columns=_TEST_COLUMNS)
    for variable in variables:
        if variable == "urban" or not _is_proportion(data[variable]):
            continue
        test = design.chisq("urban", variable, "F", na_rm=True)
        rows.append([variable, test.statistic, test.ndf, test.ddf, test.p_value, test.method])
    return pd.DataFrame(rows, columns=_TEST_COLUMNS)


def cnnic_for(
    period: str | None, cnnic: pd.DataFrame | None
) -> tuple[dict[str, float], str | None, int | None]:
    """CNNIC urban, rural and total penetration (%) of the report nearest ``period``.

    Returns the rates (NaN where that report publishes none), the report's period and
    its number (None, None when the survey has no period).
    """
    from govstats.datasets import nearest_cnnic_report

    out = {"urban": np.nan, "rural": np.nan, "total": np.nan}
    if period is None or cnnic is None:
        return out, None, None
    row = nearest_cnnic_report(period, cnnic=cnnic)
    out["urban"] = float(row["penetration_urban_pct"])
    out["rural"] = float(row["penetration_rural_pct"])
    out["total"] = float(row["penetration_total_pct"])
    return out, str(row["period"]), int(row["report_no"])


CONSTRUCTS = ("info_access", "participation", "expression", "service")


def weighted_correlations(data: pd.DataFrame, weights: Any, variables: list[str]) -> pd.DataFrame:
    """Design-weighted Pearson correlations of ``variables`` (complete rows), tidy.

    Returns
    -------
    pandas.DataFrame
        ``row, column, value``, one row per pair (both orders and the diagonal).

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": [2.0, 4.0, 6.5]})
    >>> weighted_correlations(df, [1.0, 1.0, 2.0], ["a", "b"])["value"].round(3).tolist()
    [1.0, 0.998, 0.998, 1.0]
    """
    frame = data[variables].astype(float)
    w = np.asarray(weights, dtype=float)
    keep = frame.notna().all(axis=1).to_numpy() & (w > 0)
    cov = np.cov(frame.to_numpy()[keep].T, aweights=w[keep])
    scale = np.sqrt(np.diag(cov))
    matrix = cov / np.outer(scale, scale)
    rows = [
        (a, b, float(matrix[i, j]))
        for i, a in enumerate(variables)
        for j, b in enumerate(variables)
    ]
    return pd.DataFrame(rows, columns=["row", "column", "value"])


def _by_group(frame: pd.DataFrame, key: str) -> dict[str, dict[str, Any]]:
    records = frame.set_index(key).to_dict("index")
    return {str(k): {str(c): v for c, v in row.items()} for k, row in records.items()}


def compute_survey_description(
    survey: SurveyInput,
    *,
    min_cell: int = 10,
    cnnic: pd.DataFrame | None = None,
    margins: Mapping[str, pd.Series] | None = None,
) -> SurveyDescriptionFrames:
    """Describe the survey by urban/rural, rake it to census margins, set it beside CNNIC.

    Parameters
    ----------
    survey : SurveyInput
        The survey and its design columns.
    min_cell : int
        Disclosure control: internet-use cells of fewer respondents are withheld.
    cnnic : pandas.DataFrame, optional
        ``load_cnnic()`` output (default: the embedded table).
    margins : mapping, optional
        ``{"province": Series, "urban": Series}`` census totals (default:
        ``census_margins(["province", "urban"])``), rescaled to the survey's weighted
        total before raking.

    Returns
    -------
    SurveyDescriptionFrames
    """
    from govstats import datasets

    data = survey.data
    missing = [c for c in ["urban"] if c not in data.columns]
    if missing:
        raise ReportError(f"survey {survey.label} lacks columns {missing} needed for analysis 03")
    variables = [v for v in DESCRIBED if v in data.columns]
    design = survey.design()
    tidy = describe_by_urban(design, data, variables)
    (total,) = computed(weight_column(design, data).sum())
    cnnic = datasets.load_cnnic() if cnnic is None else cnnic
    totals: Mapping[str, pd.Series] = (
        {k: cast(pd.Series, datasets.census_margins(k)) for k in ("province", "urban")}
        if margins is None
        else margins
    )
    targets = rake_margins(float(total), data, totals)
    raked = design.rake(targets, max_iter=RAKE_MAX_ITER)
    raked_tidy = describe_by_urban(raked, data, ["internet"]) if "internet" in variables else None
    compare_rows = []
    published, cnnic_period, cnnic_report = cnnic_for(survey.period, cnnic)
    if raked_tidy is not None:
        base = _by_group(tidy[tidy["variable"] == "internet"], "group")
        after = _by_group(raked_tidy, "group")
        small = {g: int(base[g]["n"]) < min_cell for g in ("urban", "rural", "total")}
        # complementary: the total goes with a suppressed part (it would give it back)
        small["total"] = small["total"] or small["urban"] or small["rural"]
        for group in ("urban", "rural", "total"):
            hidden = small[group]
            scale = np.nan if hidden else 100.0
            compare_rows.append(
                {
                    "group": group,
                    "n": int(base[group]["n"]),
                    "survey_pct": scale * base[group]["estimate"],
                    "survey_se_pct": scale * base[group]["se"],
                    "survey_ci_low_pct": scale * base[group]["ci_low"],
                    "survey_ci_high_pct": scale * base[group]["ci_high"],
                    "raked_pct": scale * after[group]["estimate"],
                    "raked_se_pct": scale * after[group]["se"],
                    "cnnic_pct": published[group],
                    "suppressed": hidden,
                }
            )
    return SurveyDescriptionFrames(
        described=tidy,
        compare=pd.DataFrame(compare_rows),
        n=survey.n_rows(),
        period=survey.period,
        margins_used=tuple(targets),
        design_columns=dict(survey.design_columns),
        cnnic_period=cnnic_period,
        cnnic_report=cnnic_report,
        # svychisq needs the rows' cell codes: not on a partitioned survey (yet)
        tests=urban_rural_tests(None if survey.partitioned else design, data, variables),
    )
