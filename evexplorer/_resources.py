"""Locate the shipped resource files (reference data, presets, icon).

The same code finds them in a source checkout (``resources/`` beside the
package), in an installed wheel (``evexplorer/resources``) and in the frozen
application (``<bundle>/resources``).
"""

from __future__ import annotations

import sys
from functools import cache
from pathlib import Path


@cache
def resources_dir() -> Path:
    """Return the folder that holds the shipped resources."""
    here = Path(__file__).resolve().parent
    candidates = []
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        candidates.append(Path(bundle) / "resources")
    candidates += [here / "resources", here.parent / "resources"]
    for candidate in candidates:
        if (candidate / "reference_data.json").is_file():
            return candidate
    searched = ", ".join(str(c) for c in candidates)
    raise FileNotFoundError(f"EV Explorer's resource files are missing (looked in {searched}).")


def resource_path(*parts: str) -> Path:
    """Return the path of a shipped resource file."""
    return resources_dir().joinpath(*parts)
