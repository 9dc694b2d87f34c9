"""Synthetic files laid out like real CGSS/CFPS releases, built from a shipped codebook.

Valid values follow each variable's declaration (labels, binary/recode codes, reverse or
valid range); a share of rows then gets the declared special codes (missing, not
eligible, top-codes, answers), so every trap of the wave is present in the file. Value
labels are written in Chinese: the codebook's, the test's own for variables the codebook
leaves to the file, and the wave's labels of its missing codes.
"""

from __future__ import annotations

import itertools
import string
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat

from govstats.io.codebook import Codebook, VariableSpec

SPECIAL_SHARE = 0.12


def _valid_values(
    spec: VariableSpec, n: int, rng: np.random.Generator, file_labels: Mapping[float, str] | None
) -> np.ndarray:
    special = set(spec.missing) | set(spec.not_eligible) | set(spec.topcode)
    special |= set(spec.answers or {})
    low, high = spec.range if spec.range is not None else (-np.inf, np.inf)
    if file_labels:
        pool = [c for c in file_labels if c not in special and low <= c <= high]
    elif spec.binary is not None or spec.recode is not None:
        pool = list((spec.binary or spec.recode or {}).keys())
    elif spec.labels is not None:
        pool = [c for c in spec.labels if c not in special]
    elif spec.reverse is not None:
        pool = list(np.arange(spec.reverse[0], spec.reverse[1] + 1))
    elif spec.range is not None and high - low <= 200:
        pool = list(np.arange(np.ceil(low), np.floor(high) + 1))
    elif spec.range is not None:
        return np.round(rng.lognormal(10.0, 1.0, n).clip(low, high - 1))
    else:
        return np.round(rng.uniform(0.2, 3.0, n), 6)
    return rng.choice(np.asarray(pool, dtype=float), n)


def build_frame(
    book: Codebook,
    n: int,
    seed: int,
    file_labels: Mapping[str, Mapping[float, str]],
    code_labels: Mapping[float, str],
    strings: Mapping[str, list[str]],
    plain: Mapping[str, np.ndarray] | None = None,
    complete: frozenset[str] = frozenset(),
    pools: Mapping[str, np.ndarray] | None = None,
    inject: Mapping[str, set[float]] | None = None,
) -> tuple[pd.DataFrame, dict[str, dict[float, str]]]:
    """Return a raw frame with the codebook's source names and its value labels.

    ``file_labels`` gives labels for variables that the codebook reads from the file,
    ``code_labels`` the wave's labels of special codes, ``strings`` the values of text
    variables, ``plain`` fixed values for any other column (e.g. cluster ids),
    ``complete`` sources that get no special codes (sample-design variables) and
    ``pools`` the valid values of a source (e.g. plausible birth years) and ``inject``
    special codes a source must carry whether or not the codebook declares them (the
    wave's known traps, so that a codebook that forgets one is caught).
    """
    rng = np.random.default_rng(seed)
    columns: dict[str, np.ndarray] = {}
    labels: dict[str, dict[float, str]] = {}
    specs: dict[str, list[VariableSpec]] = {}
    for spec in book.variables.values():
        specs.setdefault(spec.source, []).append(spec)
    for source, group in specs.items():
        first = group[0]
        if plain is not None and source in plain:
            columns[source] = np.asarray(plain[source])
            continue
        if first.type == "string":
            columns[source] = rng.choice(np.asarray(strings[source], dtype=object), n)
            continue
        if book.id is not None and book.variables[book.id].source == source:
            columns[source] = np.arange(1, n + 1, dtype=float) * 7
            continue
        if pools is not None and source in pools:
            values = rng.choice(np.asarray(pools[source], dtype=float), n)
        else:
            values = _valid_values(first, n, rng, file_labels.get(source))
        special = (
            []
            if source in complete
            else sorted(
                set().union(*(set(s.missing) | set(s.not_eligible) | set(s.topcode) for s in group))
                | set().union(*(set(s.answers or {}) for s in group))
                | set((inject or {}).get(source, set()))
            )
        )
        if special:
            hit = rng.random(n) < SPECIAL_SHARE
            values = np.where(hit, rng.choice(np.asarray(special, dtype=float), n), values)
            values[: len(special)] = special  # every special code occurs at least once
        columns[source] = values
        coded: dict[float, str] = {}
        for spec in group:
            coded.update(spec.labels or {})
        coded.update(file_labels.get(source, {}))
        if coded:
            coded.update({c: code_labels[c] for c in special if c in code_labels})
            labels[source] = coded
    return pd.DataFrame(columns), labels


def write_dta(
    path: Path, frame: pd.DataFrame, labels: dict[str, dict[float, str]], version: int = 14
) -> Path:
    """Write a Stata file; integer-valued float columns are stored as integers."""
    out = frame.copy()
    for name in out.columns:
        column = out[name]
        if column.dtype == float and np.isfinite(column).all() and (column % 1 == 0).all():
            out[name] = column.astype(np.int64)
    pyreadstat.write_dta(out, str(path), version=version, variable_value_labels=labels)
    return path


def write_old_gbk_dta(path: Path, frame: pd.DataFrame, labels: dict[str, dict[float, str]]) -> Path:
    """Write an old-format (Stata 12, format 115) file whose labels are GBK bytes.

    Labels are first written as ASCII placeholders of the same byte length as their GBK
    encoding, then replaced byte for byte; each placeholder ends a null-terminated
    string, starts with the only lower-case letter in it and is distinct among those of
    its length, so a placeholder can never be the tail of another.
    """
    texts = sorted({t for codes in labels.values() for t in codes.values()})
    placeholder: dict[str, str] = {}
    counters: dict[int, itertools.count[int]] = {}
    for text in texts:
        width = len(text.encode("gbk"))
        index = next(counters.setdefault(width, itertools.count()))
        digits = np.base_repr(index, 26).rjust(width - 1, "0")
        if len(digits) != width - 1:
            raise AssertionError(f"too many labels of {width} bytes for placeholders")
        body = "".join(string.ascii_uppercase[int(ch, 26)] for ch in digits)
        placeholder[text] = "x" + body
    ascii_labels = {
        var: {code: placeholder[text] for code, text in codes.items()}
        for var, codes in labels.items()
    }
    write_dta(path, frame, ascii_labels, version=12)
    content = path.read_bytes()
    if content[0] != 115:
        raise AssertionError(f"expected Stata format 115, found {content[0]}")
    uses = dict.fromkeys(texts, 0)
    for codes in labels.values():
        for text in codes.values():
            uses[text] += 1
    for text in texts:
        token = placeholder[text].encode("ascii") + b"\0"
        found = content.count(token)
        if found != uses[text]:
            raise AssertionError(f"placeholder {token!r} occurs {found} times, not {uses[text]}")
        content = content.replace(token, text.encode("gbk") + b"\0")
    path.write_bytes(content)
    return path
