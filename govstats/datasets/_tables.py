"""Where the embedded tables live and how their paths are resolved."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from govstats.errors import DataError


def table_path(filename: str, path: str | Path | None) -> Path:
    """Return ``path`` if given, else the shipped copy of ``filename``.

    The tables ship inside the package as ``govstats._data`` so they load from an
    installed wheel as well as from a source checkout.
    """
    if path is not None:
        resolved = Path(path)
    else:
        resolved = Path(str(files("govstats._data").joinpath(filename)))
    if not resolved.is_file():
        raise DataError(
            f"table file {resolved.name!r} not found (looked for {filename}); pass path= "
            "pointing at a copy of the table or reinstall govstats"
        )
    return resolved
