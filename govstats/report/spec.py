"""Study specs: one TOML file that says what a report holds, read into a frozen StudySpec.

A spec names the title, authors, language, the survey and its codebook, the settings
of every random step, and the sections in print order. The default report is the spec
shipped as ``default``; ``example`` shows every section kind.

.. code-block:: toml

    title = "Digital divide and public services"
    authors = ["Wang Fang", "Li Lei"]
    lang = "en"                       # zh or en
    data = "cgss2017.dta"             # relative to this file; omit for the simulated survey
    codebook = "cgss2017.toml"
    seed = 2024
    replicates = 1000
    min_cell = 10
    formats = ["pdf", "docx"]

    [[sections]]
    kind = "description"

    [[sections]]
    kind = "models"
    title = "Service supply"
    models = [
      { formula = "service ~ rural + age + female + edu_years", family = "gaussian" },
      { formula = "internet ~ rural + age + female + edu_years", family = "binomial" },
    ]

    [[sections]]
    kind = "heterogeneity"
    by = "age_group"
    formula = "service ~ rural + female + edu_years"
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any

from govstats.errors import ReportError

__all__ = [
    "SECTION_KINDS",
    "SHIPPED_SPECS",
    "SectionSpec",
    "StudySpec",
    "load_spec",
    "parse_spec",
]

#: Every section kind a spec may name. Kinds whose engine is not in this version print a
#: "not available" line (see :data:`govstats.report.sections.SECTIONS`).
SECTION_KINDS = (
    "access_gap",
    "census",
    "maps",
    "description",
    "chain",
    "models",
    "heterogeneity",
    "gaps",
    "robustness",
    "measurement",
)
SHIPPED_SPECS = ("default", "example")
_TOP_KEYS = {
    "title",
    "subtitle",
    "authors",
    "lang",
    "data",
    "codebook",
    "seed",
    "replicates",
    "min_cell",
    "formats",
    "sections",
}
FORMATS = ("pdf", "docx")


@dataclass(frozen=True)
class SectionSpec:
    """One section of a study: its kind and the kind's options (``by``, ``models`` ...).

    Examples
    --------
    >>> SectionSpec("chain", {"by": "age_group"}).options["by"]
    'age_group'
    """

    kind: str
    options: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class StudySpec:
    """A whole report as data: what :func:`govstats.report.build_report` runs.

    Parameters
    ----------
    title, subtitle : str or None
        None: the package's own title.
    authors : tuple of str
    lang : {"zh", "en"}
    data, codebook : pathlib.Path or None
        The survey file and its codebook (None: the simulated survey).
    seed, replicates, min_cell : int
        Seed of every random step, design replicates, disclosure threshold.
    formats : tuple of str
        Output formats written by ``govstats report --spec`` ("pdf", "docx").
    sections : tuple of SectionSpec
        In print order.
    origin : str
        Where the spec was read from.

    Examples
    --------
    >>> spec = load_spec("default")
    >>> [s.kind for s in spec.sections]
    ['access_gap', 'census', 'description', 'chain', 'robustness', 'measurement']
    """

    title: str | None = None
    subtitle: str | None = None
    authors: tuple[str, ...] = ()
    lang: str = "zh"
    data: Path | None = None
    codebook: Path | None = None
    seed: int = 2024
    replicates: int = 1000
    min_cell: int = 10
    formats: tuple[str, ...] = ("pdf",)
    sections: tuple[SectionSpec, ...] = ()
    origin: str = ""

    def with_overrides(self, **changes: Any) -> StudySpec:
        """Return a copy with the given fields replaced (None values are ignored)."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})


def _fail(origin: str, message: str) -> ReportError:
    return ReportError(f"study spec {origin}: {message}")


def _int(raw: Mapping[str, Any], key: str, default: int, low: int, origin: str) -> int:
    value = raw.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise _fail(origin, f"{key} must be an integer >= {low}, got {value!r}")
    return value


def _section(entry: Any, index: int, origin: str) -> SectionSpec:
    if not isinstance(entry, Mapping) or "kind" not in entry:
        raise _fail(origin, f"sections[{index}] must be a table with a kind")
    kind = entry["kind"]
    if kind not in SECTION_KINDS:
        raise _fail(
            origin,
            f"sections[{index}]: kind {kind!r} is unknown; use one of {', '.join(SECTION_KINDS)}",
        )
    options = {k: v for k, v in entry.items() if k != "kind"}
    if kind == "models":
        models = options.get("models")
        if not isinstance(models, list) or not models:
            raise _fail(origin, f"sections[{index}] (models): give models = [{{formula = ...}}]")
        for j, model in enumerate(models):
            if not isinstance(model, Mapping) or not isinstance(model.get("formula"), str):
                raise _fail(origin, f"sections[{index}].models[{j}] needs a formula string")
            if "~" not in model["formula"]:
                raise _fail(origin, f"sections[{index}].models[{j}]: formula has no '~'")
    if kind == "heterogeneity" and not isinstance(options.get("by"), str):
        raise _fail(origin, f'sections[{index}] (heterogeneity): give by = "column"')
    return SectionSpec(kind, options)


def _path(raw: Mapping[str, Any], key: str, base: Path | None, origin: str) -> Path | None:
    value = raw.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value:
        raise _fail(origin, f"{key} must be a file path")
    path = Path(value)
    return path if path.is_absolute() or base is None else base / path


def parse_spec(
    raw: Mapping[str, Any], *, origin: str = "<spec>", base: Path | None = None
) -> StudySpec:
    """Validate a parsed TOML table into a :class:`StudySpec`.

    Examples
    --------
    >>> spec = parse_spec({"title": "T", "lang": "en", "sections": [{"kind": "census"}]})
    >>> spec.title, spec.sections[0].kind
    ('T', 'census')
    """
    unknown = sorted(set(raw) - _TOP_KEYS)
    if unknown:
        raise _fail(origin, f"unknown keys {unknown}; allowed: {sorted(_TOP_KEYS)}")
    lang = raw.get("lang", "zh")
    if lang not in ("zh", "en"):
        raise _fail(origin, f"lang must be 'zh' or 'en', got {lang!r}")
    authors = raw.get("authors", [])
    if isinstance(authors, str):
        authors = [authors]
    if not isinstance(authors, list) or not all(isinstance(a, str) for a in authors):
        raise _fail(origin, "authors must be a list of names")
    formats = raw.get("formats", ["pdf"])
    if isinstance(formats, str):
        formats = [formats]
    if not isinstance(formats, list) or not formats or any(f not in FORMATS for f in formats):
        raise _fail(origin, f"formats must be a list drawn from {list(FORMATS)}, got {formats!r}")
    sections = raw.get("sections", [])
    if not isinstance(sections, list) or not sections:
        raise _fail(origin, "give at least one [[sections]] entry")
    data = _path(raw, "data", base, origin)
    codebook = _path(raw, "codebook", base, origin)
    if (data is None) != (codebook is None):
        raise _fail(origin, "data and codebook go together: give both or neither")
    for key in ("title", "subtitle"):
        if key in raw and not isinstance(raw[key], str):
            raise _fail(origin, f"{key} must be text")
    return StudySpec(
        title=raw.get("title"),
        subtitle=raw.get("subtitle"),
        authors=tuple(authors),
        lang=lang,
        data=data,
        codebook=codebook,
        seed=_int(raw, "seed", 2024, 0, origin),
        replicates=_int(raw, "replicates", 1000, 2, origin),
        min_cell=_int(raw, "min_cell", 10, 1, origin),
        formats=tuple(formats),
        sections=tuple(_section(s, i, origin) for i, s in enumerate(sections)),
        origin=origin,
    )


def load_spec(source: str | Path) -> StudySpec:
    """Read a study spec: a TOML file, or the name of a shipped one (``default``, ``example``).

    Paths inside the file (``data``, ``codebook``) are relative to the file's folder.

    Raises
    ------
    ReportError
        Naming the file and the key that is wrong.

    Examples
    --------
    >>> spec = load_spec("example")
    >>> spec.formats, "models" in [s.kind for s in spec.sections]
    (('pdf', 'docx'), True)
    """
    if str(source) in SHIPPED_SPECS:
        text = (
            resources.files("govstats.report.specs")
            .joinpath(f"{source}.toml")
            .read_text(encoding="utf-8")
        )
        origin, base = f"{source} (shipped)", None
    else:
        path = Path(source)
        if not path.is_file():
            raise ReportError(
                f"study spec {path} does not exist; give a TOML file or one of {SHIPPED_SPECS}"
            )
        text, origin, base = path.read_text(encoding="utf-8"), str(path), path.parent
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ReportError(f"study spec {origin} is not valid TOML: {exc}") from exc
    return parse_spec(raw, origin=origin, base=base)
