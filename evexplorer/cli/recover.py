"""The ``recover`` command: list or clear the recovery copies of unsaved work."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from ._base import EXIT_FILE_ERROR, CommandError

COMMANDS = ("recover",)


def register(sub: Any) -> None:
    """Add this module's commands to the subparsers ``sub``."""
    recover = sub.add_parser(
        "recover", help="list or clear the recovery copies of unsaved work",
        description="EV Explorer keeps a recovery copy of every window's unsaved work; the "
                    "next start offers the copies that a crash or a killed process left "
                    "behind. This command lists them (newest first) or removes them.")
    action = recover.add_mutually_exclusive_group(required=True)
    action.add_argument("--list", action="store_true",
                        help="list the recovery copies, newest first")
    action.add_argument("--clear", action="store_true",
                        help="remove the recovery copies (those of a running EV Explorer are "
                             "kept)")
    recover.add_argument("--json", action="store_true",
                         help="with --list: print a JSON list of {path, original, saved_at, "
                              "title}")
    recover.set_defaults(handler=_recover)


def _recover(args: argparse.Namespace) -> None:
    from .. import recovery

    if args.json and not args.list:
        raise CommandError("--json goes with --list (see 'evexplorer recover --help')")
    if args.list:
        copies = recovery.list_copies()
        if args.json:
            json.dump([c.record() for c in copies], sys.stdout, ensure_ascii=False, indent=1)
            sys.stdout.write("\n")
        else:
            sys.stdout.write(_table(copies, recovery.recovery_dir()))
        return
    try:
        removed, kept = recovery.clear_copies()
    except OSError as exc:
        raise CommandError(f"Could not remove the recovery copies in "
                           f"'{recovery.recovery_dir()}' ({exc.strerror or exc}).",
                           EXIT_FILE_ERROR) from None
    text = f"Removed {removed} recovery {'copy' if removed == 1 else 'copies'}"
    if kept:
        text += (f"; kept {kept} of a running EV Explorer (saving or discarding that work "
                 "removes {})".format("it" if kept == 1 else "them"))
    print(text + ".")


def _table(copies: list, folder: Any) -> str:
    if not copies:
        return f"No recovery copies (in {folder}).\n"
    rows = [(c.saved_at.replace("T", " ").replace("Z", " UTC"), c.title or "(untitled)",
             c.original or "(never saved)", c.path) for c in copies]
    header = ("Saved at", "Title", "Original file", "Recovery copy")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(3)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(header[:3], widths, strict=True))
             + "  " + header[3]]
    lines += ["  ".join(v.ljust(w) for v, w in zip(r[:3], widths, strict=True)) + "  " + r[3]
              for r in rows]
    count = len(copies)
    lines.append(f"{count} recovery {'copy' if count == 1 else 'copies'}; the next start of EV "
                 f"Explorer offers to restore {'it' if count == 1 else 'them'} (each copy is a "
                 "scenario file that opens anywhere).")
    return "\n".join(lines) + "\n"
