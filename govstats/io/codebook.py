"""Codebooks: TOML files that map a survey file's raw variables to analysis constructs.

The format is documented in ``docs/codebook.md``; ``govstats/io/codebooks/``
ships an example for the simulated survey.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path
from typing import Any, Literal

from govstats.errors import CodebookError

__all__ = [
    "Codebook",
    "DesignSpec",
    "ScaleSpec",
    "VariableSpec",
    "load_codebook",
    "shipped_codebook",
    "shipped_codebooks",
]

Code = float
NotEligibleAs = Literal["missing", "category"]

_SURVEY_KEYS = {
    "name", "wave", "release", "description", "id", "encoding", "missing", "not_eligible",
    "not_eligible_as",
}  # fmt: skip
_DESIGN_KEYS = {"weights", "strata", "psu", "fpc", "note"}
_VARIABLE_KEYS = {
    "source", "label", "type", "missing", "not_eligible", "not_eligible_as", "topcode",
    "labels", "categorical", "ordered", "reverse", "binary", "recode", "answers", "range",
}  # fmt: skip
_SCALE_KEYS = {"items", "method", "min_valid", "label"}


@dataclass(frozen=True)
class VariableSpec:
    """How one raw variable becomes one analysis column.

    Attributes
    ----------
    name : str
        Name of the analysis column.
    source : str
        Raw variable name in the file.
    type : {"numeric", "string"}
        ``"string"`` variables (e.g. a text province name) are passed through.
    missing, not_eligible, topcode : tuple of float
        Codes that become missing; "not eligible" codes (missing or their own
        category, see ``not_eligible_as``); top-codes kept as values and flagged
        in a ``<name>_topcoded`` column.
    labels : dict of float to str, optional
        Expected value labels; the file's labels and observed codes are checked
        against them.
    categorical, ordered : bool
        Turn the codes into a (ordered) categorical of their labels.
    reverse : tuple of (float, float), optional
        Reverse-code as ``min + max - value``.
    binary : dict of float to int, optional
        Explicit mapping of every valid code to 0 or 1.
    recode : dict of float to float, optional
        Explicit mapping of every valid code to a number (e.g. an education
        ladder to years of schooling).
    answers : dict of float to str, optional
        Codes that are substantive answers but not quantities (CGSS year items:
        9997 "since birth"). They are never missing: the analysis column holds NaN
        there (so they cannot enter a mean of years) and ``<name>_answer`` holds
        their label.
    range : tuple of (float, float), optional
        Valid values must lie in ``[min, max]``; any other value that is not a
        declared missing, not-eligible, top- or answer code is an error.
    """

    name: str
    source: str
    label: str | None = None
    type: Literal["numeric", "string"] = "numeric"
    missing: tuple[Code, ...] = ()
    not_eligible: tuple[Code, ...] = ()
    not_eligible_as: NotEligibleAs = "missing"
    topcode: tuple[Code, ...] = ()
    labels: Mapping[Code, str] | None = None
    categorical: bool = False
    ordered: bool = False
    reverse: tuple[Code, Code] | None = None
    binary: Mapping[Code, int] | None = None
    recode: Mapping[Code, float] | None = None
    answers: Mapping[Code, str] | None = None
    range: tuple[Code, Code] | None = None


@dataclass(frozen=True)
class ScaleSpec:
    """A scale score: the mean of valid items, if at least ``min_valid`` are valid."""

    name: str
    items: tuple[str, ...]
    min_valid: int
    method: Literal["mean"] = "mean"
    label: str | None = None


@dataclass(frozen=True)
class DesignSpec:
    """Design columns (analysis names) and a note on how well they describe the sample."""

    weights: str | None = None
    strata: str | None = None
    psu: str | None = None
    fpc: str | None = None
    note: str | None = None

    def columns(self) -> dict[str, str]:
        """Return the declared roles, e.g. ``{"strata": ..., "psu": ..., "weights": ...}``."""
        roles = {"strata": self.strata, "psu": self.psu, "weights": self.weights, "fpc": self.fpc}
        return {role: column for role, column in roles.items() if column is not None}


@dataclass(frozen=True)
class Codebook:
    """A parsed, validated codebook for one survey wave.

    Attributes
    ----------
    survey : str
        Survey name. ``wave``, ``release`` and ``description`` are free text.
    id : str, optional
        Analysis name of the respondent id (checked for duplicates).
    encoding : str, optional
        Text encoding of the file, if the codebook knows it (``read_survey``'s
        ``encoding=`` still wins).
    variables : dict of str to VariableSpec
        In file order of the codebook.
    scales : dict of str to ScaleSpec
    design : DesignSpec, optional
    origin : str
        Where the codebook came from (file name), for messages.
    """

    survey: str
    variables: Mapping[str, VariableSpec]
    scales: Mapping[str, ScaleSpec] = field(default_factory=dict)
    design: DesignSpec | None = None
    id: str | None = None
    wave: str | None = None
    release: str | None = None
    description: str | None = None
    encoding: str | None = None
    origin: str = "<codebook>"


def _fail(origin: str, where: str, message: str) -> CodebookError:
    return CodebookError(f"codebook {origin}, {where}: {message}")


def _table(value: Any, origin: str, where: str, allowed: set[str]) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _fail(origin, where, f"expected a table, found {type(value).__name__}")
    unknown = sorted(set(value) - allowed)
    if unknown:
        raise _fail(origin, where, f"unknown keys {unknown}; allowed keys are {sorted(allowed)}")
    return value


def _code(value: Any, origin: str, where: str) -> Code:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise _fail(origin, where, f"{value!r} is not a numeric code") from None
    if isinstance(value, bool) or number != number:
        raise _fail(origin, where, f"{value!r} is not a numeric code")
    return number


def _codes(value: Any, origin: str, where: str) -> tuple[Code, ...]:
    if not isinstance(value, list):
        raise _fail(origin, where, f"expected a list of codes, found {value!r}")
    return tuple(_code(v, origin, where) for v in value)


def _text(value: Any, origin: str, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _fail(origin, where, f"expected a non-empty string, found {value!r}")
    return value


def _not_eligible_as(value: Any, origin: str, where: str) -> NotEligibleAs:
    if value not in ("missing", "category"):
        raise _fail(
            origin, where, f"not_eligible_as must be 'missing' or 'category', not {value!r}"
        )
    return "missing" if value == "missing" else "category"


def _variable(name: str, entry: Any, defaults: dict[str, Any], origin: str) -> VariableSpec:
    where = f"[variables.{name}]"
    entry = _table(entry, origin, where, _VARIABLE_KEYS)
    if "source" not in entry:
        raise _fail(origin, where, "has no 'source' (the raw variable name in the file)")
    kind = entry.get("type", "numeric")
    if kind not in ("numeric", "string"):
        raise _fail(origin, where, f"type must be 'numeric' or 'string', not {kind!r}")
    labels = None
    if "labels" in entry:
        raw_labels = _table(entry["labels"], origin, f"{where} labels", set(entry["labels"]))
        labels = {_code(k, origin, where): _text(v, origin, where) for k, v in raw_labels.items()}
    reverse = _bounds(entry, "reverse", origin, where)
    valid_range = _bounds(entry, "range", origin, where)
    answers = None
    if "answers" in entry:
        raw_answers = _table(entry["answers"], origin, f"{where} answers", set(entry["answers"]))
        answers = {_code(k, origin, where): _text(v, origin, where) for k, v in raw_answers.items()}
    recode = None
    if "recode" in entry:
        mapping = _table(entry["recode"], origin, f"{where} recode", set(entry["recode"]))
        recode = {}
        for k, v in mapping.items():
            if isinstance(v, bool) or not isinstance(v, int | float) or v != v:
                raise _fail(origin, where, f"recode maps {k} to {v!r}; map every code to a number")
            recode[_code(k, origin, where)] = float(v)
    binary = None
    if "binary" in entry:
        mapping = _table(entry["binary"], origin, f"{where} binary", set(entry["binary"]))
        binary = {}
        for k, v in mapping.items():
            if v not in (0, 1) or isinstance(v, bool):
                raise _fail(origin, where, f"binary maps {k} to {v!r}; map every code to 0 or 1")
            binary[_code(k, origin, where)] = int(v)
        if set(binary.values()) != {0, 1}:
            raise _fail(origin, where, "binary must map at least one code to 1 and one to 0")
    # Wave defaults apply to coded items only: ids, weights, counts, years and money
    # use other conventions (a respondent id 98 is an id, not "don't know").
    coded = any(
        k in entry for k in ("labels", "binary", "recode", "reverse", "categorical", "ordered")
    )
    if not coded:
        defaults = {"missing": [], "not_eligible": [], "not_eligible_as": "missing"}
    categorical = bool(entry.get("categorical", False))
    ordered = bool(entry.get("ordered", False))
    if ordered:
        categorical = True
    if sum([categorical, reverse is not None, binary is not None, recode is not None]) > 1:
        raise _fail(origin, where, "use at most one of categorical, reverse, binary and recode")
    spec = VariableSpec(
        name=name,
        source=_text(entry["source"], origin, where),
        label=entry.get("label"),
        type=kind,
        missing=_codes(entry.get("missing", defaults["missing"]), origin, where),
        not_eligible=_codes(entry.get("not_eligible", defaults["not_eligible"]), origin, where),
        not_eligible_as=_not_eligible_as(
            entry.get("not_eligible_as", defaults["not_eligible_as"]), origin, where
        ),
        topcode=_codes(entry.get("topcode", []), origin, where),
        labels=labels,
        categorical=categorical,
        ordered=ordered,
        reverse=reverse,
        binary=binary,
        recode=recode,
        answers=answers,
        range=valid_range,
    )
    if spec.not_eligible_as == "category" and spec.not_eligible and not spec.categorical:
        raise _fail(
            origin,
            where,
            "not_eligible_as = 'category' needs categorical = true (else use 'missing')",
        )
    overlap = set(spec.topcode) & (set(spec.missing) | set(spec.not_eligible))
    if overlap:
        raise _fail(origin, where, f"codes {sorted(overlap)} are both top-codes and missing codes")
    _check_values_not_missing(spec, origin, where)
    declared = set(spec.missing) | set(spec.not_eligible) | set(spec.topcode)
    overlap = set(spec.answers or {}) & declared
    if overlap:
        raise _fail(
            origin, where, f"codes {sorted(overlap)} are both answers and missing or top-codes"
        )
    return spec


def _check_values_not_missing(spec: VariableSpec, origin: str, where: str) -> None:
    """Refuse a code that is both a value (binary, recode, range) and a missing code.

    Such a code would be read as missing (or not eligible) and as an answer at once;
    which wins decides whether a share is 0.70 or 0.00, so the codebook must say.
    Value labels may name missing codes (files label "don't know" too), so they do
    not count as values here.
    """
    kinds = (("missing", spec.missing), ("not_eligible", spec.not_eligible))
    values = {
        "binary": set(spec.binary or {}),
        "recode": set(spec.recode or {}),
    }
    for kind, codes in kinds:
        for code in codes:
            holders = [key for key, keys in values.items() if code in keys]
            if spec.range is not None and spec.range[0] <= code <= spec.range[1]:
                holders.append("range")
            if holders:
                raise _fail(
                    origin,
                    where,
                    f"code {code:.15g} is both a {kind} code and a valid value (in "
                    f"{', '.join(holders)}); remove it from {kind} or from "
                    f"{', '.join(holders)} (a survey-wide {kind} list applies to every "
                    "coded item: override it in this variable with its own list)",
                )


def _bounds(entry: dict[str, Any], key: str, origin: str, where: str) -> tuple[Code, Code] | None:
    if key not in entry:
        return None
    bounds = _table(entry[key], origin, f"{where} {key}", {"min", "max"})
    if set(bounds) != {"min", "max"}:
        raise _fail(origin, where, f"{key} needs both min and max, e.g. {{min = 1, max = 5}}")
    low, high = _code(bounds["min"], origin, where), _code(bounds["max"], origin, where)
    if not low < high:
        raise _fail(origin, where, f"{key} min {low:g} must be below max {high:g}")
    return low, high


def _scale(name: str, entry: Any, variables: Mapping[str, VariableSpec], origin: str) -> ScaleSpec:
    where = f"[scales.{name}]"
    entry = _table(entry, origin, where, _SCALE_KEYS)
    items = entry.get("items")
    if not isinstance(items, list) or not items or not all(isinstance(i, str) for i in items):
        raise _fail(origin, where, "items must be a non-empty list of variable names")
    for item in items:
        if item not in variables:
            raise _fail(origin, where, f"item {item!r} is not declared under [variables]")
        spec = variables[item]
        if spec.categorical or spec.type == "string":
            raise _fail(
                origin, where, f"item {item!r} is categorical or text; items must be numeric"
            )
    if entry.get("method", "mean") != "mean":
        raise _fail(origin, where, f"method {entry['method']!r} is unknown; use 'mean'")
    min_valid = entry.get("min_valid", len(items))
    if not isinstance(min_valid, int) or not 1 <= min_valid <= len(items):
        raise _fail(origin, where, f"min_valid must be an integer from 1 to {len(items)}")
    if name in variables:
        raise _fail(origin, where, f"scale name {name!r} is also a variable name")
    return ScaleSpec(name=name, items=tuple(items), min_valid=min_valid, label=entry.get("label"))


def parse_codebook(document: Mapping[str, Any], origin: str = "<codebook>") -> Codebook:
    """Validate a codebook already parsed from TOML (a nested dict).

    Parameters
    ----------
    document : mapping
        The parsed TOML document.
    origin : str
        Name used in error messages.

    Returns
    -------
    Codebook

    Raises
    ------
    CodebookError
        Naming the section and key that is wrong and what is expected.
    """
    top = _table(dict(document), origin, "top level", {"survey", "design", "variables", "scales"})
    survey = _table(top.get("survey"), origin, "[survey]", _SURVEY_KEYS)
    if "name" not in survey:
        raise _fail(origin, "[survey]", "has no 'name'")
    defaults = {
        "missing": survey.get("missing", []),
        "not_eligible": survey.get("not_eligible", []),
        "not_eligible_as": survey.get("not_eligible_as", "missing"),
    }
    entries = _table(top.get("variables"), origin, "[variables]", set(top.get("variables") or {}))
    if not entries:
        raise _fail(origin, "[variables]", "declares no variables")
    variables = {name: _variable(name, entry, defaults, origin) for name, entry in entries.items()}
    scale_entries = top.get("scales", {})
    scales = {
        name: _scale(name, entry, variables, origin)
        for name, entry in _table(scale_entries, origin, "[scales]", set(scale_entries)).items()
    }
    design = None
    if "design" in top:
        raw_design = _table(top["design"], origin, "[design]", _DESIGN_KEYS)
        design = DesignSpec(**raw_design)
        for role, column in design.columns().items():
            if column not in variables:
                raise _fail(
                    origin, "[design]", f"{role} = {column!r} is not declared under [variables]"
                )
    id_name = survey.get("id")
    if id_name is not None and id_name not in variables:
        raise _fail(origin, "[survey]", f"id = {id_name!r} is not declared under [variables]")
    return Codebook(
        survey=_text(survey["name"], origin, "[survey] name"),
        variables=variables,
        scales=scales,
        design=design,
        id=id_name,
        wave=None if survey.get("wave") is None else str(survey["wave"]),
        release=survey.get("release"),
        description=survey.get("description"),
        encoding=survey.get("encoding"),
        origin=origin,
    )


def load_codebook(path: str | Path) -> Codebook:
    """Read and validate a TOML codebook.

    Parameters
    ----------
    path : str or pathlib.Path
        The codebook file (format: ``docs/codebook.md``).

    Returns
    -------
    Codebook

    Raises
    ------
    CodebookError
        If the file is missing, is not valid TOML, or breaks the format; the
        message names the file, section and key.

    Examples
    --------
    >>> from govstats.io import load_codebook, shipped_codebook
    >>> book = load_codebook(shipped_codebook("simulated"))
    >>> book.scales["info_access"].min_valid
    3
    >>> book.variables["income"].topcode
    (9999996.0,)
    """
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CodebookError(f"codebook {file}: cannot be read ({exc}); check the path") from exc
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CodebookError(f"codebook {file.name}: not valid TOML ({exc})") from exc
    return parse_codebook(document, origin=file.name)


def shipped_codebooks() -> list[str]:
    """Return the names of the codebooks shipped with govstats, sorted.

    One per survey wave: CGSS 2015, 2017, 2018 (public release) and 2021, the CFPS
    2018 and 2020 person files, and the simulated survey. Each states in its
    ``[design]`` note how far the public file's design is an approximation.

    Examples
    --------
    >>> from govstats.io import shipped_codebooks
    >>> shipped_codebooks()
    ['cfps2018', 'cfps2020', 'cgss2015', 'cgss2017', 'cgss2018', 'cgss2021', 'simulated']
    """
    folder = Path(str(files("govstats.io").joinpath("codebooks")))
    return sorted(p.name.removesuffix(".toml") for p in folder.glob("*.toml"))


def shipped_codebook(name: str) -> Path:
    """Return the path of a codebook shipped with govstats (e.g. ``"cgss2017"``).

    Parameters
    ----------
    name : str
        One of :func:`shipped_codebooks`.

    Raises
    ------
    CodebookError
        For an unknown name, listing the shipped ones.

    Examples
    --------
    >>> from govstats.io import load_codebook, shipped_codebook
    >>> shipped_codebook("simulated").name
    'simulated.toml'
    >>> book = load_codebook(shipped_codebook("cgss2017"))
    >>> book.wave, book.design.weights, book.design.psu
    ('2017', 'weight', None)
    >>> book.variables["voted"].not_eligible
    (3.0,)
    """
    path = Path(str(files("govstats.io").joinpath("codebooks", f"{name}.toml")))
    if not path.is_file():
        raise CodebookError(f"no shipped codebook {name!r}; available: {shipped_codebooks()}")
    return path
