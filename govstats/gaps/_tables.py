"""Tidy-frame and text helpers shared by the gaps result objects."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from govstats.gaps._common import Inference, interval

__all__ = ["estimate_frame", "summary_text"]


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
        low, high = interval(estimate, se, df, level)
    else:
        low = high = np.full(estimate.shape, np.nan)
    out = labels.reset_index(drop=True).copy()
    out["estimate"] = estimate
    out["se"] = se
    out["ci_low"] = low
    out["ci_high"] = high
    out["df"] = df
    return out


def summary_text(title: str, header: Sequence[str], frame: pd.DataFrame) -> str:
    """Format a title, header lines and a frame as plain text."""
    lines = [title, "=" * len(title), *header, ""]
    with pd.option_context(
        "display.width", 120, "display.max_columns", 20, "display.float_format", "{:.6g}".format
    ):
        lines.append(frame.to_string(index=False))
    return "\n".join(lines)
