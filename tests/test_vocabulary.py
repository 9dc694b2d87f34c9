"""The vocabulary of docs/api-conventions.md, held by walking the public API.

Every public subpackage of govstats (found by pkgutil, so a new family is covered
the day it lands) is imported; every public function, class and public method of
those modules is inspected:

- no forbidden argument name (``alpha``, ``conf_level``, ``n_boot``, ``maxiter``,
  ``maxit``, ``epsilon``, ``design_or_df``, ``df``, ``group``, ...);
- ``seed`` is keyword-only with default ``None``; ``level`` defaults to 0.95;
  ``replicates`` to 1000 where it has a count as default; ``na_rm`` to False;
- an argument that takes a DataFrame comes first and is called ``data``;
- no ``Any`` and no ``*args`` / ``**kwargs`` in a public signature.

Every public class with ``to_frame`` is a result class: it has ``summary`` and
``_repr_html_`` and the documented fields ``estimate``, ``se``, ``df`` and
``conf_level``. Results are then built by running the docstring examples of the
functions and classes that return them, and their ``to_frame()`` is checked: keys
(``by`` columns, the part of a structured result), the id column ``term`` or
``variable``, then ``estimate, se, ci_low, ci_high, df`` with ``df`` a float
column; ``term`` results accept ``names="r"``; a result with a seed prints it in
its summary.
"""

from __future__ import annotations

import doctest
import importlib
import inspect
import pkgutil
import re
import types
from collections.abc import Callable, Iterator

import pandas as pd
import pytest

import govstats
from govstats.design.inference import DEFAULT_LEVEL, DEFAULT_REPLICATES

#: Names that must not appear as arguments anywhere (with what to use instead).
FORBIDDEN = {
    "alpha": "level",
    "conf_level": "level",
    "confidence": "level",
    "n_boot": "replicates",
    "nboot": "replicates",
    "n_draws": "replicates",
    "n_replicates": "replicates",
    "B": "replicates",
    "maxiter": "max_iter",
    "maxit": "max_iter",
    "epsilon": "tol",
    "eps": "tol",
    "design_or_df": "data",
    "data_or_design": "data",
    "frame": "data",
    "group": "by",
    "groupby": "by",
    "narm": "na_rm",
    "dropna": "na_rm",
}
#: Forbidden names an API contract fixes, and why: lavaan's multi-group argument ``group``.
CONTRACT = {
    ("govstats.sem.sem_fit.fit", "group"): "lavaan's multi-group argument (gs.sem contract)",
    ("govstats.sem.measurement_invariance.invariance", "group"): "lavaan's multi-group argument",
}
#: Results whose column order an API contract fixes (the columns must still all be there).
CONTRACT_LAYOUT = {"SEMResult": "lavaan's parameterEstimates layout (gs.sem contract)"}
#: Subpackages outside the vocabulary: the presentation layer takes results, not data,
#: and speaks matplotlib's language (``alpha`` is a transparency there).
OUTSIDE = {"govstats.report", "govstats.cli"}
#: Columns that may stand before the id column of ``to_frame()``: the parts of a
#: structured result (the ``by`` columns are added per result).
KEYS = {"kind", "equation", "decomposition", "component", "index", "group", "comparison"}
#: The columns that follow the id column, in this order.
VALUES = ["estimate", "se", "ci_low", "ci_high", "df"]
#: Columns that may stand between the id column and ``estimate``: what qualifies it.
QUALIFIERS = {"level", "quantile"}
#: Result-like classes without sampling inference, and why.
DESCRIPTIVE = {
    "EntropyWeightsResult": "deterministic weights of indicators, no sampling variance",
    "TopsisResult": "deterministic closeness of units, no sampling variance",
    "CouplingResult": "deterministic coupling degrees of units, no sampling variance",
}
#: Classes with a to_frame() that are not results at all.
NOT_RESULTS = {"SurveyData": "the data read from a survey file"}
#: Dataclasses whose generated constructor is how users start (others are records that
#: results and designs build for themselves, and are not checked as calls).
ENTRY_DATACLASSES = {"SurveyDesign"}


def _public_modules() -> list[types.ModuleType]:
    names = ["govstats"]
    for info in pkgutil.walk_packages(govstats.__path__, "govstats."):
        parts = info.name.split(".")
        if any(p.startswith("_") for p in parts[1:]):
            continue
        if any(info.name == o or info.name.startswith(o + ".") for o in OUTSIDE):
            continue
        names.append(info.name)
    return [importlib.import_module(n) for n in names]


def _exported(module: types.ModuleType) -> Iterator[object]:
    names = getattr(module, "__all__", None)
    own = names is None
    if names is None:
        names = [n for n in vars(module) if not n.startswith("_")]
    for name in names:
        obj = getattr(module, name, None)
        if not (inspect.isfunction(obj) or inspect.isclass(obj) or inspect.ismethod(obj)):
            continue
        home = getattr(obj, "__module__", "") or ""
        # the seed machinery and kernels live in private modules and take resolved values
        if not home.startswith("govstats") or any(p.startswith("_") for p in home.split(".")):
            continue
        if own and home != module.__name__:
            continue  # a module without __all__ exports what it defines, not its imports
        yield obj


def _callables() -> dict[str, Callable[..., object]]:
    """Every public function, class (its constructor) and public method, by qualified name."""
    found: dict[str, Callable[..., object]] = {}
    for module in _public_modules():
        for obj in _exported(module):
            qualname = f"{obj.__module__}.{obj.__qualname__}"
            generated = inspect.isclass(obj) and "__dataclass_fields__" in vars(obj)
            if not generated or obj.__name__ in ENTRY_DATACLASSES:
                found[qualname] = obj  # type: ignore[assignment]
            if inspect.isclass(obj) and not issubclass(obj, BaseException):
                for name, member in inspect.getmembers(obj):
                    if name.startswith("_"):
                        continue
                    if inspect.isfunction(member) or inspect.ismethod(member):
                        found[f"{qualname}.{name}"] = member
    return found


CALLABLES = _callables()


def _result_classes() -> dict[str, type]:
    out = {}
    for module in _public_modules():
        for obj in _exported(module):
            if inspect.isclass(obj) and callable(getattr(obj, "to_frame", None)):
                if obj.__name__ not in NOT_RESULTS:
                    out[obj.__name__] = obj
    return out


RESULTS = _result_classes()


def _signature(obj: Callable[..., object]) -> inspect.Signature | None:
    try:
        return inspect.signature(obj)
    except (TypeError, ValueError):
        return None


def _parameters(obj: Callable[..., object]) -> list[inspect.Parameter]:
    signature = _signature(obj)
    if signature is None:
        return []
    return [p for p in signature.parameters.values() if p.name not in ("self", "cls")]


def test_the_walk_reaches_every_family() -> None:
    modules = {m.__name__ for m in _public_modules()}
    assert {"govstats.design", "govstats.chain", "govstats.gaps", "govstats.datasets"} <= modules
    assert "govstats.io" in modules
    for name in ("SurveyDesign.mean", "SurveyDesign.glm", "DivideChain.fit", "oaxaca"):
        assert any(q.endswith(name) for q in CALLABLES), name
    assert {"SurveyEstimate", "GLMResult", "ChainResult", "OaxacaResult"} <= set(RESULTS)


@pytest.mark.parametrize("qualname", sorted(CALLABLES))
def test_argument_names_and_defaults(qualname: str) -> None:
    obj = CALLABLES[qualname]
    problems = []
    params = _parameters(obj)
    for position, p in enumerate(params):
        if p.name in FORBIDDEN and (qualname, p.name) not in CONTRACT:
            problems.append(f"argument {p.name!r}: call it {FORBIDDEN[p.name]!r}")
        if p.name == "df" and "DataFrame" in str(p.annotation):
            problems.append("a data argument is called 'data', not 'df'")
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            problems.append(f"*{p.name}: give the arguments real names")
        if re.search(r"\bAny\b", str(p.annotation)):
            problems.append(f"argument {p.name!r} is annotated Any")
        if p.name == "seed" and (p.kind != p.KEYWORD_ONLY or p.default is not None):
            problems.append("seed must be keyword-only with default None")
        if p.name == "level" and p.default is not p.empty and p.default != DEFAULT_LEVEL:
            problems.append(f"level (the confidence level) defaults to {p.default!r}")
        if (
            p.name == "replicates"
            and isinstance(p.default, int)
            and p.default not in (DEFAULT_REPLICATES,)
        ):
            problems.append(f"replicates defaults to {p.default!r}, not {DEFAULT_REPLICATES}")
        if p.name == "na_rm" and p.default is not False:
            problems.append("na_rm must default to False")
        if p.name == "deff" and p.default is not p.empty and p.default is not False:
            problems.append("deff must default to False (as R)")
        if "DataFrame" in str(p.annotation) and position == 0 and p.name != "data":
            problems.append(f"first argument {p.name!r} takes a DataFrame: call it 'data'")
    signature = _signature(obj)
    if signature is not None and re.search(r"\bAny\b", str(signature.return_annotation)):
        problems.append("returns Any")
    assert not problems, f"{qualname}: " + "; ".join(problems)


@pytest.mark.parametrize("name", sorted(RESULTS))
def test_result_classes_have_the_documented_accessors(name: str) -> None:
    cls = RESULTS[name]
    for method in ("to_frame", "summary", "_repr_html_"):
        assert callable(getattr(cls, method, None)), f"{name} has no {method}()"
    if name in DESCRIPTIVE:
        return
    fields = set(getattr(cls, "__dataclass_fields__", {}))
    documented = ("estimate", "se", "df", "conf_level")
    missing = [f for f in documented if f not in fields and not hasattr(cls, f)]
    assert not missing, f"{name} lacks {missing}"
    if "seed" in fields or hasattr(cls, "seed"):
        has_draws = "replicate_estimates" in fields or hasattr(cls, "replicate_estimates")
        assert has_draws, f"{name} records a seed but not its replicate_estimates"


def _producers(cls: type) -> list[object]:
    """Objects whose docstring examples build instances of ``cls``."""
    wanted = re.compile(rf"\b{cls.__name__}\b")
    out: list[object] = [cls]
    for obj in CALLABLES.values():
        signature = _signature(obj)
        if signature is not None and wanted.search(str(signature.return_annotation)):
            out.append(obj)
        if inspect.isclass(obj):
            for _, member in inspect.getmembers(obj, inspect.isfunction):
                member_signature = _signature(member)
                if member_signature is not None and wanted.search(
                    str(member_signature.return_annotation)
                ):
                    out.append(obj)
    return out


def _instances(cls: type) -> list[object]:
    finder = doctest.DocTestFinder(recurse=False)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    found: list[object] = []
    seen: set[str] = set()
    for obj in _producers(cls):
        module = inspect.getmodule(obj)
        for test in finder.find(obj, module=module, globs=vars(module).copy() if module else {}):
            if test.name in seen or not test.examples:
                continue
            seen.add(test.name)
            runner.run(test, out=lambda _text: None, clear_globs=False)
            found.extend(v for v in test.globs.values() if isinstance(v, cls))
    return found


def _by_columns(result: object) -> set[str]:
    by = getattr(result, "by", None)
    if by is None:
        return set()
    return {by} if isinstance(by, str) else {str(b) for b in by}


@pytest.mark.parametrize("name", sorted(set(RESULTS) - set(DESCRIPTIVE)))
def test_to_frame_schema_of_built_results(name: str) -> None:
    cls = RESULTS[name]
    instances = _instances(cls)
    assert instances, (
        f"no docstring example builds a {name}; give the class or the function returning it "
        "an Examples section that does"
    )
    for result in instances:
        frame = result.to_frame()  # type: ignore[attr-defined]
        columns = list(frame.columns)
        ids = [c for c in columns if c in ("term", "variable")]
        assert ids, f"{name}.to_frame() has no term/variable column: {columns}"
        if name in CONTRACT_LAYOUT:
            assert set(VALUES) <= set(columns), f"{name}: {columns}"
        else:
            at = columns.index(ids[0])
            after = at + 1
            while after < len(columns) and columns[after] in QUALIFIERS:
                after += 1
            assert columns[after : after + 5] == VALUES, f"{name}: {columns}"
            extra = set(columns[:at]) - KEYS - _by_columns(result)
            assert not extra, f"{name}: {sorted(extra)} stand before the id column"
        assert pd.api.types.is_float_dtype(frame["df"]), f"{name}: df is {frame['df'].dtype}"
        if ids[0] == "term":
            spelled = result.to_frame(names="r")  # type: ignore[attr-defined]
            assert len(spelled) == len(frame)
        seed = getattr(result, "seed", None)
        if seed is not None:
            assert str(seed) in result.summary(), f"{name}.summary() does not print the seed"  # type: ignore[attr-defined]
