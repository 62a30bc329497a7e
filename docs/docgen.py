"""What the generators of pages in docs/ share: write a generated page, or check it."""

from __future__ import annotations

import sys
from pathlib import Path


def update(path: Path, text: str, check: bool, command: str) -> int:
    """Write ``text`` to ``path`` if it differs, or with ``check`` only report whether it does.

    Parameters
    ----------
    path : pathlib.Path
        The generated page.
    text : str
        What it should hold.
    check : bool
        Do not write; return 1 (and say which command fixes it) if the page is stale.
    command : str
        The command that regenerates the page, for the message.

    Returns
    -------
    int
        The exit status: 0, or 1 for a stale page under ``check``.
    """
    current = path.read_text(encoding="utf-8") if path.exists() else ""
    if current == text:
        return 0
    if check:
        print(f"{path} is out of date; run {command}", file=sys.stderr)
        return 1
    path.write_text(text, encoding="utf-8")
    print(f"wrote {path}")
    return 0
