"""Regression tables in the esttab / modelsummary style, written through the table writers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol, runtime_checkable

import numpy as np
import pandas as pd
from scipy import stats as _stats

from govstats.errors import ReportError
from govstats.report.tables import MISSING_MARK, Table, fmt_number

__all__ = ["RegressionModel", "regression_table"]


@runtime_checkable
class RegressionModel(Protocol):
    """What :func:`regression_table` reads from a fitted model.

    ``params`` and ``se`` are Series indexed by term, ``df`` the degrees of freedom of
    its t tests (``inf`` for normal ones). The count is ``n_obs`` (or ``n``). Optional:
    ``r2`` or ``pseudo_r2``, ``method`` (the variance method, for the design row) and
    ``fixed_effects`` (names of absorbed effects). :class:`govstats.design.GLMResult`
    satisfies it.
    """

    @property
    def params(self) -> pd.Series:
        """Coefficients by term."""

    @property
    def se(self) -> pd.Series:
        """Standard errors by term."""

    @property
    def df(self) -> float:
        """Degrees of freedom of the t tests."""


_WORDS = {
    "term": ("变量", "Variable"),
    "n": ("样本量", "N"),
    "r2": ("R²", "R²"),
    "pseudo_r2": ("伪 R²", "Pseudo R²"),
    "fixed_effects": ("固定效应", "Fixed effects"),
    "fe": ("固定效应", "FE"),
    "design": ("方差估计", "Variance"),
    "yes": ("是", "Yes"),
    "no": ("否", "No"),
    "intercept": ("常数项", "Constant"),
    "title": ("回归结果", "Regression results"),
}


def _word(key: str, lang: str) -> str:
    return _WORDS[key][0 if lang == "zh" else 1]


def _label_map(labels: Any) -> dict[str, str]:
    """Variable labels from a mapping or from a codebook (its variables' ``label``)."""
    if labels is None:
        return {}
    if isinstance(labels, Mapping):
        return {str(k): str(v) for k, v in labels.items()}
    variables = getattr(labels, "variables", None)
    if isinstance(variables, Mapping):
        out = {}
        for name, spec in variables.items():
            text = getattr(spec, "label", None)
            if text:
                out[str(name)] = str(text)
        return out
    raise ReportError(
        f"labels must be a mapping of variable to label or a codebook, not {type(labels).__name__}"
    )


def _term_label(term: str, labels: Mapping[str, str], lang: str) -> str:
    if term in ("Intercept", "(Intercept)"):
        return labels.get(term, _word("intercept", lang))
    if "[T." in term and term.endswith("]"):
        base, level = term[:-1].split("[T.", 1)
        base = base[2:-1] if base.startswith("C(") and base.endswith(")") else base
        return f"{labels.get(base, base)}: {level}"
    return labels.get(term, term)


def _term_of(term: str, variable: str) -> bool:
    """Whether ``term`` is a dummy of ``variable`` (``C(v)[T.a]``, ``v[T.a]``, ``C(v, ...)[a]``)."""
    if "[" not in term:
        return False
    base = term.split("[", 1)[0]
    if base.startswith("C(") and base.endswith(")"):
        base = base[2:-1].split(",", 1)[0].strip()
    return base == variable


class _WithStatistics:
    """A model seen through the Protocol, with R² or pseudo-R² computed on its design."""

    def __init__(self, model: Any, r2: float, pseudo_r2: float) -> None:
        self._model = model
        self.r2 = r2
        self.pseudo_r2 = pseudo_r2

    def __getattr__(self, name: str) -> Any:
        return getattr(self._model, name)


def _with_fit_statistics(model: Any, design: Any) -> Any:
    # a design GLM's pseudo_r2 is a method, not a filled-in statistic
    has = any(
        getattr(model, name, None) is not None and not callable(getattr(model, name))
        for name in ("r2", "pseudo_r2")
    )
    if has or not hasattr(model, "formula") or not hasattr(model, "family"):
        return model
    from govstats.report.compute.models import fit_statistics

    r2, pseudo = fit_statistics(design, model, str(model.family))
    return _WithStatistics(model, r2, pseudo)


def _stars(p: float, thresholds: Sequence[float]) -> str:
    if not np.isfinite(p):
        return ""
    return "*" * sum(p < t for t in thresholds)


def _count(model: Any) -> float:
    for name in ("n_obs", "n", "nobs"):
        value = getattr(model, name, None)
        if value is not None:
            return float(value)
    return float("nan")


def _fit_stat(model: Any, key: str) -> float:
    if key == "r2":
        for name in ("r2", "rsquared"):
            value = getattr(model, name, None)
            if value is not None and not callable(value):
                return float(value)
        return float("nan")
    value = getattr(model, "pseudo_r2", None)
    # a design GLM's pseudo_r2 is a method needing the design (see ``design=``), not a number
    return float("nan") if value is None or callable(value) else float(value)


def regression_table(
    models: Sequence[Any] | Mapping[str, Any],
    labels: Mapping[str, str] | Any | None = None,
    stars: Sequence[float] = (0.05, 0.01, 0.001),
    stats: Sequence[str] = ("n", "r2"),
    *,
    lang: str = "zh",
    title: str | None = None,
    name: str = "regression",
    digits: int = 3,
    rows: Mapping[str, Sequence[str]] | None = None,
    fixed_effects: Sequence[str] = (),
    design: Any = None,
) -> Table:
    """Lay models side by side as a three-line regression table (Stata ``esttab``).

    Parameters
    ----------
    models : sequence or mapping of fitted models
        Each with ``params``, ``se`` and ``df`` (see :class:`RegressionModel`); a
        mapping's keys title the columns, otherwise ``(1)``, ``(2)``, ...
    labels : mapping or codebook, optional
        Variable labels (``{"edu_years": "受教育年限"}``) or a
        :class:`govstats.io.Codebook`, whose variables' ``label`` are used. Factor terms
        print as ``label: level``.
    stars : sequence of float
        p-value thresholds, one star each (two-sided t test on the model's ``df``).
    stats : sequence of {"n", "r2", "pseudo_r2"}
        Rows under the coefficients. A statistic a model does not report prints as —.
    lang : {"zh", "en"}
    title : str, optional
        Caption (default "回归结果" / "Regression results").
    name : str
        File stem when written.
    digits : int
        Decimals of coefficients and SEs.
    rows : mapping, optional
        Extra rows (e.g. ``{"Province FE": ["Yes", "No"]}``), one value per model.
        A "fixed effects" row is added when any model has ``fixed_effects``, and a
        variance row when any model has ``method``.
    fixed_effects : sequence of str
        Variables entered as dummies (``C(province_code)``) whose coefficients are not
        printed; each gets a row "<label> FE" saying Yes/No per model, as esttab's
        ``indicate()``.
    design : SurveyDesign, optional
        The design the models were fitted on: fills R² (gaussian) or pseudo-R² (other
        families) for models that do not carry them (a govstats ``GLMResult``), as
        :func:`govstats.report.compute.models.fit_statistics`.

    Returns
    -------
    Table
        ``data`` holds the tidy numbers (``model, term, estimate, se, p_value``, then the
        statistics); ``display`` the printed table (coefficient with stars, SE in
        parentheses below). Write it with :func:`~govstats.report.tables.to_docx`,
        ``to_latex``, ``to_html`` or :func:`~govstats.report.tables.write_table`.

    Examples
    --------
    >>> import pandas as pd
    >>> from govstats.design import SurveyDesign
    >>> df = pd.DataFrame({"y": [1.0, 2.0, 2.5, 4.0, 5.5, 5.0],
    ...                    "x": [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]})
    >>> fit = SurveyDesign(df).glm("y ~ x")
    >>> t = regression_table([fit], labels={"x": "Schooling"}, lang="en")
    >>> t.display.iloc[:, 0].tolist()[:4]
    ['Constant', '', 'Schooling', '']
    >>> t.display.iloc[2, 1], t.display.iloc[3, 1]
    ('0.914**', '(0.123)')
    """
    if isinstance(models, Mapping):
        names = [str(k) for k in models]
        fitted = list(models.values())
    else:
        fitted = list(models)
        names = [f"({i})" for i in range(1, len(fitted) + 1)]
    if not fitted:
        raise ReportError("regression_table needs at least one model")
    for i, model in enumerate(fitted):
        if not isinstance(model, RegressionModel):
            raise ReportError(
                f"model {names[i]} ({type(model).__name__}) has no params/se/df; pass fitted "
                "govstats models or objects with those attributes"
            )
    unknown = [s for s in stats if s not in ("n", "r2", "pseudo_r2")]
    if unknown:
        raise ReportError(f"stats {unknown} unknown; use 'n', 'r2' or 'pseudo_r2'")
    if any(not 0 < t < 1 for t in stars):
        raise ReportError(f"stars must be p-value thresholds in (0, 1), got {list(stars)}")
    thresholds = sorted(stars, reverse=True)
    if design is not None:
        fitted = [_with_fit_statistics(m, design) for m in fitted]
    label_of = _label_map(labels)
    terms: list[str] = []
    records = []
    for model_name, model in zip(names, fitted, strict=True):
        params, se = pd.Series(model.params), pd.Series(model.se)
        p = 2 * _stats.t.sf(np.abs(params.to_numpy() / se.to_numpy()), float(model.df))
        for term, estimate, error, pv in zip(params.index, params, se, p, strict=True):
            if term not in terms:
                terms.append(str(term))
            records.append([model_name, str(term), float(estimate), float(error), float(pv)])
    tidy = pd.DataFrame(records, columns=["model", "term", "estimate", "se", "p_value"])
    for stat in stats:
        per_model = {
            n: (_count(m) if stat == "n" else _fit_stat(m, stat))
            for n, m in zip(names, fitted, strict=True)
        }
        tidy[stat] = tidy["model"].map(per_model)
    first = _word("term", lang)
    display: dict[str, list[str]] = {first: []}
    for model_name in names:
        display[model_name] = []
    cells = {(str(r.model), str(r.term)): r for r in tidy.itertuples(index=False)}
    hidden = {v: [t for t in terms if _term_of(t, v)] for v in fixed_effects}
    for term in terms:
        if any(term in found for found in hidden.values()):
            continue
        display[first] += [_term_label(term, label_of, lang), ""]
        for model_name in names:
            row: Any = cells.get((model_name, term))
            if row is not None:
                mark = _stars(float(row.p_value), thresholds)
                display[model_name].append(fmt_number(row.estimate, digits) + mark)
                display[model_name].append(f"({fmt_number(row.se, digits)})")
            else:
                display[model_name] += ["", ""]
    extra: dict[str, list[str]] = {}
    for variable, found in hidden.items():
        key = f"{label_of.get(variable, variable)} {_word('fe', lang)}"
        extra[key] = [
            _word("yes", lang) if any((n, t) in cells for t in found) else _word("no", lang)
            for n in names
        ]
    if any(getattr(m, "fixed_effects", None) for m in fitted):
        extra[_word("fixed_effects", lang)] = [
            ", ".join(getattr(m, "fixed_effects", None) or ()) or _word("no", lang) for m in fitted
        ]
    if any(getattr(m, "method", None) for m in fitted):
        extra[_word("design", lang)] = [str(getattr(m, "method", "") or "") for m in fitted]
    for key, given in (rows or {}).items():
        if len(given) != len(fitted):
            raise ReportError(f"row {key!r} has {len(given)} values for {len(fitted)} models")
        extra[str(key)] = [str(v) for v in given]
    for key, texts in extra.items():
        display[first].append(key)
        for model_name, text in zip(names, texts, strict=True):
            display[model_name].append(text)
    for stat in stats:
        display[first].append(_word(stat, lang))
        for model_name, model in zip(names, fitted, strict=True):
            value = _count(model) if stat == "n" else _fit_stat(model, stat)
            shown = (
                MISSING_MARK
                if not np.isfinite(value)
                else (f"{int(value):,}" if stat == "n" else fmt_number(value, 3))
            )
            display[model_name].append(shown)
    marks = "，".join(f"{'*' * (i + 1)} p<{t:g}" for i, t in enumerate(thresholds))
    note = (
        f"括号内为标准误。{marks}（基于模型自由度的双侧 t 检验）。"
        if lang == "zh"
        else f"Standard errors in parentheses. {marks.replace('，', ', ')} "
        "(two-sided t tests on each model's degrees of freedom)."
    )
    return Table(name, title or _word("title", lang), tidy, pd.DataFrame(display), note)
