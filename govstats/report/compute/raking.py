"""Raking arithmetic of the report: census margins rescaled to a survey's weighted total."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from govstats.errors import ReportError
from govstats.report.compute._rows import distinct

__all__ = ["RAKE_MAX_ITER", "rake_margins"]

#: Raking sweeps allowed (R's rake() default of 10 is too few for 31 provinces x urban/rural
#: on a few thousand respondents); convergence is still checked with R's epsilon.
RAKE_MAX_ITER = 200


def rake_margins(
    total: float, data: Any, margins: Mapping[str, pd.Series]
) -> dict[str, dict[Any, float]]:
    """Census margins rescaled to the survey's weighted ``total`` (census counts cover all ages).

    Province margins are used when the survey has ``province_code`` and ``margins`` has
    a ``"province"`` entry; urban/rural always. The keys of the result say which
    margins were used (``"province_code"``, ``"urban"``).

    Examples
    --------
    >>> import pandas as pd
    >>> m = {"urban": pd.Series({"urban": 60.0, "rural": 40.0})}
    >>> rake_margins(10.0, pd.DataFrame({"urban": [1, 0]}), m)
    {'urban': {1: 6.0, 0: 4.0}}
    """
    urban = margins["urban"]
    out: dict[str, dict[Any, float]] = {
        "urban": {
            1: total * float(urban["urban"]) / float(urban.sum()),
            0: total * float(urban["rural"]) / float(urban.sum()),
        }
    }
    if "province_code" in data.columns and "province" in margins:
        province = margins["province"]
        codes = sorted({str(c) for c in distinct(data["province_code"])})
        missing = [c for c in codes if c not in province.index]
        if missing:
            raise ReportError(f"province codes {missing} of the survey have no census margin")
        province = province.loc[codes]
        out = {
            "province_code": {
                c: total * float(v) / float(province.sum()) for c, v in province.items()
            },
            **out,
        }
    return out
