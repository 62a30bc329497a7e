"""The ``evexplorer`` command: the desktop application and the headless commands.

    evexplorer [FILE]                      open the explorer (on FILE, or the baseline)
    evexplorer --screenshot PNG [FILE]     render the main window to a PNG and exit
    evexplorer --self-test                 check that this installation works, offscreen
    evexplorer params [--json]             list every lever
    evexplorer compute [FILE] [--set NAME=VALUE ...] [--save FILE] [--json | --csv FILE]
    evexplorer info FILE                   describe a scenario file
    evexplorer compare FILE FILE [FILE ...] [--json]
    evexplorer explain FILE [--against FILE] --output NAME --year Y [--json]
    evexplorer seek [FILE] [--set ...] --lever NAME --output NAME --year Y --target VALUE [--json]
    evexplorer targets [FILE] [--set ...] [--target "OUTPUT<=VALUE@YEAR" ...] [--json]
    evexplorer export [FILE] [--set ...] (--xlsx OUT | --csv OUT | --iamc OUT | --json OUT)
    evexplorer sweep [FILE] [--set ...] --grid NAME=START:STOP:N ... --output NAME@YEAR ...
                     (--csv OUT | --xlsx OUT | --json)
    evexplorer uncertainty [FILE] [--vary NAME=LOW:HIGH[:DIST] ...] [--json | --csv FILE]
    evexplorer sensitivity [FILE] --output NAME [--year Y] [--method tornado|sobol] [--json]
    evexplorer recover (--list [--json] | --clear)   recovery copies of unsaved work

Each group of headless commands lives in its own module of this package
(listed in :data:`COMMAND_MODULES`); each module names its commands in
``COMMANDS`` and adds them with ``register(subparsers)``, setting a
``handler`` default. Command modules import nothing heavy at module level, so
building the parser stays cheap, and headless commands never import Qt.
Errors are one line on stderr and exit status 2 (bad input: also a mistyped
command, with the closest ones) or 1 (a file that cannot be read or written,
or no display for the window); never a traceback.
"""

from __future__ import annotations

import argparse
import difflib
import importlib
import os
import re
import sys
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from types import ModuleType

from .._version import MODEL_VERSION, __version__
from ._base import EXIT_BAD_INPUT, EXIT_FILE_ERROR, CommandError, Parser, parse_overrides

#: Modules of this package that define headless commands, in help order.
COMMAND_MODULES: tuple[str, ...] = (
    "model",
    "uncertainty",
    "explain",
    "export",
    "recover",
)
#: What a mistyped command looks like (a file name has a dot or a slash).
_COMMAND_LIKE = re.compile(r"[A-Za-z][A-Za-z0-9_-]*")

__all__ = ["EXIT_BAD_INPUT", "EXIT_FILE_ERROR", "HEADLESS_COMMANDS", "CommandError",
           "display_available", "gui_main", "main", "parse_overrides", "run_headless"]


@cache
def _modules() -> tuple[ModuleType, ...]:
    return tuple(importlib.import_module(f".{name}", __name__) for name in COMMAND_MODULES)


def headless_commands() -> tuple[str, ...]:
    """Names of every headless command."""
    return tuple(c for module in _modules() for c in module.COMMANDS)


def __getattr__(name: str):
    if name == "HEADLESS_COMMANDS":
        return headless_commands()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _headless_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="evexplorer", description="EV Explorer headless commands.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    for module in _modules():
        module.register(sub)
    return parser


def _gui_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="evexplorer",
        description="EV Explorer: what-if explorer for the mass production of electric "
        "vehicles. Headless commands: " + ", ".join(headless_commands())
        + " (see 'evexplorer COMMAND --help').",
    )
    parser.add_argument("file", nargs="?", type=Path, help="scenario file to open (.evx)")
    parser.add_argument("--screenshot", type=Path, metavar="PNG",
                        help="render the main window (1400×900) to PNG and exit")
    parser.add_argument("--self-test", action="store_true",
                        help="compute, save, reopen, render offscreen; exit 0 if all worked")
    parser.add_argument("--version", action="version",
                        version=f"EV Explorer {__version__} (model {MODEL_VERSION})")
    return parser


def run_headless(argv: Sequence[str]) -> int:
    """Run a headless command; return the exit status."""
    from .._atomic import WriteError
    from ..model import ParameterError
    from ..scenario import ScenarioFileError

    try:
        args = _headless_parser().parse_args(argv)
        args.handler(args)
    except CommandError as exc:
        return _fail(str(exc), exc.status)
    except ParameterError as exc:
        return _fail(str(exc), EXIT_BAD_INPUT)
    except BrokenPipeError:
        # The reader of stdout went away (e.g. '| head'): not an error of ours.
        sys.stderr.close()
        return 0
    except (ScenarioFileError, WriteError) as exc:
        return _fail(str(exc), EXIT_FILE_ERROR)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # a defect of ours: still one line, never a traceback
        detail = " ".join(str(exc).split())[:200]
        return _fail(f"EV Explorer failed unexpectedly ({type(exc).__name__}"
                     f"{': ' + detail if detail else ''}); please report this.", EXIT_FILE_ERROR)
    return 0


def _fail(message: str, status: int) -> int:
    print(f"evexplorer: error: {message}", file=sys.stderr)
    return status


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``evexplorer`` command."""
    from .._platform import tune_allocator

    tune_allocator()
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in headless_commands():
        return run_headless(argv)
    try:
        _check_not_a_mistyped_command(argv)
        args = _gui_parser().parse_args(argv)
        if args.file is not None and not os.path.lexists(args.file):
            raise CommandError(f"The file '{args.file}' does not exist.", EXIT_FILE_ERROR)
        if args.screenshot is None and not args.self_test and not display_available():
            raise CommandError(
                "no display is available for the window (neither DISPLAY nor WAYLAND_DISPLAY "
                "is set); use 'evexplorer compute' for the results, or 'evexplorer "
                "--screenshot PNG' to render the window to an image.", EXIT_FILE_ERROR)
    except CommandError as exc:
        return _fail(str(exc), exc.status)
    from ..app import run

    return run(file=args.file, screenshot=args.screenshot, self_test=args.self_test)


def _check_not_a_mistyped_command(argv: Sequence[str]) -> None:
    """Refuse a first word that is neither a command nor an existing file, naming close ones."""
    if not argv or not _COMMAND_LIKE.fullmatch(argv[0]) or os.path.lexists(argv[0]):
        return
    commands = headless_commands()
    close = difflib.get_close_matches(argv[0], commands, n=3, cutoff=0.6)
    hint = (f"did you mean {' or '.join(close)}?" if close
            else f"the commands are {', '.join(commands)}.")
    raise CommandError(f"'{argv[0]}' is neither a command nor an existing file; {hint}",
                       EXIT_BAD_INPUT)


def display_available() -> bool:
    """False on Linux (and other X11/Wayland systems) when no display is reachable by name:
    no ``DISPLAY``, no ``WAYLAND_DISPLAY`` and no ``QT_QPA_PLATFORM`` chosen. Qt would
    otherwise abort with several lines of its own."""
    if sys.platform in ("win32", "darwin"):
        return True
    return any(os.environ.get(name) for name in ("DISPLAY", "WAYLAND_DISPLAY",
                                                 "QT_QPA_PLATFORM"))


def gui_main() -> int:
    """Entry point of the windowed launcher (no console on Windows)."""
    return main()
