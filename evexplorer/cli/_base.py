"""What every ``evexplorer`` command shares: errors, exit statuses, the parser, ``--set``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

#: Exit status for bad input (unknown names, values out of range, bad syntax).
EXIT_BAD_INPUT = 2
#: Exit status for a file that cannot be read or written.
EXIT_FILE_ERROR = 1


class CommandError(Exception):
    """A one-line message for the user and an exit status."""

    def __init__(self, message: str, status: int = EXIT_BAD_INPUT) -> None:
        super().__init__(message)
        self.status = status


class Parser(argparse.ArgumentParser):
    """argparse that reports errors in one line, like the rest of the command."""

    def error(self, message: str) -> NoReturn:
        raise CommandError(f"{message} (see '{self.prog} --help')")


def add_set_option(parser: argparse.ArgumentParser) -> None:
    """The ``--set NAME=VALUE`` option, repeatable, stored as ``args.overrides``."""
    parser.add_argument("--set", dest="overrides", action="append", default=[],
                        metavar="NAME=VALUE",
                        help="set a lever, in its own unit (percentages as 0-100); repeatable")


def parse_overrides(items: Sequence[str]) -> dict[str, Any]:
    """Turn ``NAME=VALUE`` strings into validated lever values.

    A percentage (unit ``%``) given as a fraction, above 0 and at most 1, is
    used as given, with a one-line warning on stderr, since 0.8 % was probably
    meant as 80 %.
    """
    from ..model import registry

    values: dict[str, Any] = {}
    for item in items:
        name, sep, text = item.partition("=")
        name = name.strip()
        if not sep or not name:
            raise CommandError(f"--set needs NAME=VALUE, e.g. --set lithium_price=30000; "
                               f"got {item!r}")
        param = registry.get(name)
        values[name] = param.parse(text)
        value = values[name]
        if param.unit == "%" and 0 < value <= 1:
            print(f"evexplorer: warning: {name}={text.strip()} means {value:g} %; for "
                  f"{value * 100:g} % write {value * 100:g}", file=sys.stderr)
    return values


def open_document(path: Path) -> Any:
    """Open a scenario file, printing its warnings as notes on stderr."""
    from .. import scenario

    document = scenario.open_scenario(path)
    for warning in document.warnings:
        print(f"evexplorer: note: {warning}", file=sys.stderr)
    return document


def scenario_parameters(path: Path | None, overrides: Sequence[str]) -> tuple[Any, dict[str, Any]]:
    """The opened file (or None) and its levers with the ``--set`` overrides applied."""
    document = None if path is None else open_document(path)
    params: dict[str, Any] = {} if document is None else dict(document.parameters)
    params.update(parse_overrides(overrides))
    return document, params
