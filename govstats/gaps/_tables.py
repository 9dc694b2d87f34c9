"""Tidy-frame and text helpers shared by the gaps result objects."""

from __future__ import annotations

import html
from collections.abc import Sequence

import numpy as np
import pandas as pd

from govstats.design.inference import t_interval
from govstats.design.model_matrix import rename
from govstats.errors import DataError
from govstats.gaps._common import Inference

__all__ = ["DecompositionTable", "estimate_frame", "summary_text"]


class DecompositionTable:
    """Row look-up and notebook display shared by results that hold a tidy ``table``.

    The table has ``component``, ``term`` and ``estimate``, ``se``, ``ci_low``,
    ``ci_high``, ``df`` columns; aggregate rows have ``term == "(total)"``.
    """

    table: pd.DataFrame
    conf_level: float

    def to_frame(self, *, names: str = "formulaic") -> pd.DataFrame:
        """Return the tidy table (a copy); ``names="r"`` spells the terms as R.

        Aggregate rows keep ``term == "(total)"``.
        """
        out = self.table.copy()
        out["term"] = [t if t == "(total)" else r for t, r in zip(
            out["term"], rename(out["term"].tolist(), names), strict=True
        )]  # fmt: skip
        return out

    @property
    def estimate(self) -> np.ndarray:
        """Point estimates, one per row of :meth:`to_frame`."""
        return self.table["estimate"].to_numpy()

    @property
    def se(self) -> np.ndarray:
        """Standard errors, one per row of :meth:`to_frame` (NaN without replicates)."""
        return self.table["se"].to_numpy()

    @property
    def df(self) -> float:
        """Degrees of freedom of the t intervals."""
        return float(self.table["df"].iloc[0])

    def get(self, component: str, term: str = "(total)") -> float:
        """Point estimate of one row (e.g. ``get("explained")``)."""
        tab = self.table
        hit = tab[(tab["component"] == component) & (tab["term"] == term)]
        if len(hit) != 1:
            raise DataError(f"no single row for component={component!r}, term={term!r}.")
        return float(hit["estimate"].iloc[0])

    def _repr_html_(self) -> str:
        return f"<p><code>{html.escape(repr(self))}</code></p>" + self.to_frame().to_html()


def estimate_frame(
    labels: pd.DataFrame,
    estimate: np.ndarray,
    se: np.ndarray,
    inf: Inference | None,
    level: float,
) -> pd.DataFrame:
    """Attach estimate, se, ci_low, ci_high and df columns to ``labels`` (one row each)."""
    df = inf.df if inf is not None else float("nan")
    if inf is not None and inf.replicates is not None:
        low, high = t_interval(estimate, se, df, level)
    else:
        low = high = np.full(estimate.shape, np.nan)
    out = labels.reset_index(drop=True).copy()
    out["estimate"] = estimate
    out["se"] = se
    out["ci_low"] = low
    out["ci_high"] = high
    out["df"] = float(df)
    return out


def summary_text(title: str, header: Sequence[str], frame: pd.DataFrame) -> str:
    """Format a title, header lines and a frame as plain text."""
    lines = [title, "=" * len(title), *header, ""]
    with pd.option_context(
        "display.width", 120, "display.max_columns", 20, "display.float_format", "{:.6g}".format
    ):
        lines.append(frame.to_string(index=False))
    return "\n".join(lines)
