"""Province codes (GB/T 2260) from whatever a survey file stores: numbers, codes or names."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from typing import overload

import numpy as np
import pandas as pd

from govstats.errors import DataError

__all__ = ["PROVINCES", "province_code"]

#: GB/T 2260 two-digit code -> (Chinese full name, English name). The 31 provincial units
#: of the census, then Taiwan, Hong Kong and Macao (valid codes; no census rows).
PROVINCES: dict[str, tuple[str, str]] = {
    "11": ("北京市", "Beijing"),
    "12": ("天津市", "Tianjin"),
    "13": ("河北省", "Hebei"),
    "14": ("山西省", "Shanxi"),
    "15": ("内蒙古自治区", "Inner Mongolia"),
    "21": ("辽宁省", "Liaoning"),
    "22": ("吉林省", "Jilin"),
    "23": ("黑龙江省", "Heilongjiang"),
    "31": ("上海市", "Shanghai"),
    "32": ("江苏省", "Jiangsu"),
    "33": ("浙江省", "Zhejiang"),
    "34": ("安徽省", "Anhui"),
    "35": ("福建省", "Fujian"),
    "36": ("江西省", "Jiangxi"),
    "37": ("山东省", "Shandong"),
    "41": ("河南省", "Henan"),
    "42": ("湖北省", "Hubei"),
    "43": ("湖南省", "Hunan"),
    "44": ("广东省", "Guangdong"),
    "45": ("广西壮族自治区", "Guangxi"),
    "46": ("海南省", "Hainan"),
    "50": ("重庆市", "Chongqing"),
    "51": ("四川省", "Sichuan"),
    "52": ("贵州省", "Guizhou"),
    "53": ("云南省", "Yunnan"),
    "54": ("西藏自治区", "Tibet"),
    "61": ("陕西省", "Shaanxi"),
    "62": ("甘肃省", "Gansu"),
    "63": ("青海省", "Qinghai"),
    "64": ("宁夏回族自治区", "Ningxia"),
    "65": ("新疆维吾尔自治区", "Xinjiang"),
    "71": ("台湾省", "Taiwan"),
    "81": ("香港特别行政区", "Hong Kong"),
    "82": ("澳门特别行政区", "Macao"),
}

_ZH_SUFFIXES = (
    "维吾尔自治区",
    "壮族自治区",
    "回族自治区",
    "特别行政区",
    "自治区",
    "省",
    "市",
)
_EN_ALIASES = {
    "inner mongolia": "15",
    "nei mongol": "15",
    "neimenggu": "15",
    "nei menggu": "15",
    "tibet": "54",
    "xizang": "54",
    "hong kong": "81",
    "hongkong": "81",
    "macao": "82",
    "macau": "82",
}
_EN_NOISE = re.compile(
    r"\b(province|municipality|city|autonomous region|special administrative region|sar|"
    r"zhuang|hui|uygur|uyghur|uighur)\b"
)


def _short_zh(name: str) -> str:
    for suffix in _ZH_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name


def _lookup() -> dict[str, str]:
    table: dict[str, str] = {}
    for code, (zh, en) in PROVINCES.items():
        table[zh] = code
        table[_short_zh(zh)] = code
        table[en.lower()] = code
    table.update(_EN_ALIASES)
    return table


_LOOKUP = _lookup()


def _unknown(value: object) -> DataError:
    return DataError(
        f"province value {value!r} is not a GB/T 2260 province code (11-65, 71, 81, 82), a "
        "six-digit division code, or a province name in Chinese or English; recode it or map "
        "it in the codebook's labels"
    )


def _one(value: object) -> str | None:
    """Two-digit code of one value; None for a missing value."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, bool | np.bool_):
        raise _unknown(value)
    if isinstance(value, int | np.integer | float | np.floating):
        number = float(value)
        if math.isnan(number):
            return None
        if not number.is_integer():
            raise _unknown(value)
        return _from_digits(str(int(number)), value)
    text = str(value).strip()
    if not text:
        return None
    if re.fullmatch(r"\d+(\.0+)?", text):
        return _from_digits(text.split(".")[0], value)
    key = text if re.search(r"[\u4e00-\u9fff]", text) else text.lower()
    if key in _LOOKUP:
        return _LOOKUP[key]
    if key != text.lower():
        short = _short_zh(key)
        if short in _LOOKUP:
            return _LOOKUP[short]
        raise _unknown(value)
    cleaned = " ".join(_EN_NOISE.sub(" ", key.replace("-", " ")).split())
    if cleaned in _LOOKUP:
        return _LOOKUP[cleaned]
    raise _unknown(value)


def _from_digits(digits: str, value: object) -> str:
    if len(digits) in (2, 6) and digits[:2] in PROVINCES:
        return digits[:2]
    raise _unknown(value)


@overload
def province_code(values: pd.Series) -> pd.Series: ...
@overload
def province_code(values: str | int | float) -> str: ...  # type: ignore[overload-overlap]
@overload
def province_code(values: Iterable[object]) -> list[str | None]: ...
def province_code(
    values: pd.Series | str | int | float | Iterable[object],
) -> pd.Series | str | list[str | None]:
    """Return two-digit GB/T 2260 province codes, as text, from what a survey file stores.

    Accepts integer codes (``11``), floats (``11.0``, as Stata and SPSS store codes),
    text codes (``"11"``), six-digit division codes (``110000``, ``"440300"``: the first
    two digits), Chinese names with or without their suffix (``"北京"``, ``"北京市"``,
    ``"广西壮族自治区"``, ``"广西"``) and English names (``"Beijing"``, ``"Inner
    Mongolia"``, ``"Guangxi Zhuang Autonomous Region"``, ``"Tibet"``/``"Xizang"``).

    Parameters
    ----------
    values : scalar, sequence or pandas.Series
        Province identifiers; missing values (None, NaN, empty text) stay missing.

    Returns
    -------
    str, list of str, or pandas.Series
        A scalar gives a string; a Series gives a Series of text codes (missing values
        as ``None``) on the same index; any other sequence gives a list.

    Raises
    ------
    DataError
        Naming the first value that is not a province (for example ``99`` or
        ``"Atlantis"``), or a bool.

    Notes
    -----
    The census tables (:func:`load_census`) key provinces by these two-digit strings,
    so ``province_code`` is how a survey's province column joins them: a survey
    storing ``11.0`` and a census storing ``"11"`` meet at ``"11"``.

    Examples
    --------
    >>> province_code(11.0), province_code("广西壮族自治区"), province_code("Inner Mongolia")
    ('11', '45', '15')
    >>> province_code([110000, "上海", "Xizang", None])
    ['11', '31', '54', None]
    """
    if isinstance(values, pd.Series):
        codes = [_one(v) for v in values.tolist()]
        return pd.Series(codes, index=values.index, name=values.name, dtype=object)
    if isinstance(values, str | int | float | np.integer | np.floating | bool | np.bool_):
        code = _one(values)
        if code is None:
            raise DataError(f"province value {values!r} is missing; pass a code or a name")
        return code
    if isinstance(values, pd.Categorical | pd.Index | np.ndarray):
        values = list(values)
    return [_one(v) for v in values]
