"""Opening scenario files: the defensive parse, then validation against the schema.

:func:`open_scenario` gets a plain :class:`~.tree.Tree` from the defensive
parser (in a child process by default, see :mod:`.isolated`), then checks it
here, in the calling process, against the schema of its format version and the
parameter registry. There is one reader per released format version in
:data:`READERS`; see ``docs/file-format.md`` for when the version changes.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any

import numpy as np

from .._version import __version__
from ..model import registry
from ..model.outputs import SCALARS
from . import _files
from . import format as fmt
from .document import ScenarioDocument, StoredResults, canonical_lever, iso_utc, value_text
from .errors import ScenarioFileError
from .isolated import read_tree_isolated
from .tree import Node, Tree, checksum

#: Most years a stored result may span.
MAX_YEARS = 500
_VERSION_PATTERN = re.compile(r"\d{1,4}(\.\d{1,4}){0,3}")


def open_scenario(path: str | os.PathLike[str], *, isolated: bool = True, timeout: float = 10.0,
                  memory_limit: int = 1 << 30) -> ScenarioDocument:
    """Open a scenario file, treating it as untrusted input.

    Parameters
    ----------
    path : str or path-like
        The file (``.evx``; ``.h5`` and ``.hdf5`` are read the same way).
    isolated : bool
        Parse the HDF5 in a child process (the default), so that a crash or a
        hang of the HDF5 library on a malformed file cannot harm the caller.
        ``False`` parses in this process with the same checks (faster; for
        files this process just wrote).
    timeout : float
        Time the child may take [s], start-up included.
    memory_limit : int
        Address space the child may add to its start-up footprint [bytes]
        (POSIX only).

    Returns
    -------
    ScenarioDocument

    Raises
    ------
    ScenarioFileError
        With one sentence for the user, for any file that cannot be opened.

    Notes
    -----
    The child is started with multiprocessing's "spawn" method, which imports
    the calling program's main module again in the child: as with any
    multiprocessing code, a script that calls this at top level must do so
    under ``if __name__ == "__main__":`` (and keep heavy imports out of its top
    level if opening should stay fast). The ``evexplorer`` command and the
    application already do.
    """
    name = os.fspath(path)
    if isolated:
        _files.read_scenario_bytes(name, header_only=True)  # quick refusals without a child
        tree = read_tree_isolated(name, timeout=timeout, memory_limit=memory_limit)
    else:
        from .safe_hdf5 import read_tree  # h5py is loaded only when parsing here

        try:
            tree = read_tree(_files.read_scenario_bytes(name))
        except MemoryError:
            raise ScenarioFileError("This file is damaged: reading it needed more memory than "
                                    "any scenario could.", "memory") from None
    return document_from_tree(tree, os.path.abspath(name))


def document_from_tree(tree: Tree, path: str | None = None) -> ScenarioDocument:
    """Validate a parsed file against the schema of its format version.

    Raises
    ------
    ScenarioFileError
        If it is not a scenario, is from a newer format version, or breaks the schema.
    """
    root = tree.root
    name = root.get("format")
    if name is None or name.dtype.kind != "U" or name.shape != () or str(name) != fmt.FORMAT_NAME:
        raise ScenarioFileError(
            "This file is not an EV Explorer scenario (it is an HDF5 file of another kind).",
            "not-scenario")
    version = root.get("format_version")
    if version is None or version.shape != () or version.dtype.kind != "i":
        raise ScenarioFileError(
            "This file is damaged: it does not say which version of the format it uses.",
            "damaged")
    version = int(version)
    if version > fmt.FORMAT_VERSION:
        needed = _text_or_none(root, "min_app_version", "/")
        if needed and _VERSION_PATTERN.fullmatch(needed):
            what = f"version {needed} or later"
        else:
            what = "a newer version"
        raise ScenarioFileError(
            f"This file was made by a newer EV Explorer (format {version}); {what} is needed to "
            f"open it (this is {__version__}).", "newer-version")
    reader = READERS.get(version)
    if reader is None or not tree.complete:
        raise ScenarioFileError(
            f"This file is damaged: it claims format version {version}, which never existed.",
            "damaged")
    return reader(tree, path)


# ---------------------------------------------------------------------------------------------
# format version 1


def _read_v1(tree: Tree, path: str | None) -> ScenarioDocument:
    root = tree.root
    warnings: list[str] = []
    model_version = _text_or_none(root, "model_version", "/")
    parameters = _levers_v1(tree, warnings, registry.introduced_after(model_version))
    results = _results_v1(tree)
    stored = _text_or_none(root, "checksum", "/")
    checksum_ok = stored is not None and stored == checksum(tree)
    if stored is None:
        warnings.append("The file has no checksum, so damage to it cannot be detected; "
                        "check the numbers.")
    elif not checksum_ok:
        warnings.append("The file's checksum does not match its levers and results: it was "
                        "damaged or changed after it was saved, so check the numbers.")
    return ScenarioDocument(
        parameters=MappingProxyType(parameters),
        title=_text_or_none(root, "title", "/") or "",
        author=_text_or_none(root, "author", "/") or "",
        notes=_text_or_none(root, "notes", "/") or "",
        created=_time(root, "created", warnings),
        modified=_time(root, "modified", warnings),
        app_version=_text_or_none(root, "app_version", "/"),
        model_version=model_version,
        format_version=1,
        results=results,
        warnings=tuple(warnings),
        checksum_ok=checksum_ok,
        path=path,
    )


def _levers_v1(tree: Tree, warnings: list[str], newer: frozenset[str] = frozenset()
               ) -> dict[str, Any]:
    group = f"/{fmt.PARAMETERS}"
    node = tree.nodes.get(group)
    if node is None or node.kind != "group":
        raise ScenarioFileError(
            "This file is damaged: it holds no lever settings (the 'parameters' group is "
            "missing).", "damaged")
    values: dict[str, Any] = {}
    for child_path, child in _children(tree, group):
        name = child_path.rsplit("/", 1)[1]
        param = registry.PARAMETERS.get(name)
        if param is None:
            warnings.append(f"The file sets an unknown lever '{name}'; it was ignored.")
            continue
        if child.kind != "dataset":
            raise _wrong(name, "a value, not a group")
        unit = _text_or_none(child.attrs, fmt.UNIT, child_path)
        if unit is None:
            raise ScenarioFileError(
                f"This file does not give the unit of lever '{name}', so its value cannot be "
                "trusted.", "unit")
        if unit != param.unit:
            raise ScenarioFileError(
                f"This file gives lever '{name}' in '{unit}', but EV Explorer expects "
                f"'{param.unit}', so it was not opened.", "unit")
        values[name] = _lever_value(param, child)
    for name, param in registry.PARAMETERS.items():
        if name not in values:
            values[name] = canonical_lever(name, param.default)
            if name not in newer:  # a lever newer than the file's model takes its default
                warnings.append(f"The file does not set '{name}'; the default "
                                f"{value_text(name, param.default)} is used.")
    try:
        registry.check_consistency(values)
    except registry.ParameterError as exc:
        raise ScenarioFileError(f"This file's levers do not fit together: {exc}",
                                "bad-value") from None
    return values


def _lever_value(param: registry.Parameter, node: Node) -> Any:
    value = node.value
    kind = value.dtype.kind
    if param.kind == "mix":
        return _mix_value(param, node)
    if param.kind == "choice":
        if kind != "U" or value.shape != ():
            raise _wrong(param.name, f"one text ({param.range_text()})")
        raw: Any = str(value)
    else:
        if kind not in "fi" or value.shape != ():
            raise _wrong(param.name, "a single number")
        raw = value.item()
    try:
        return canonical_lever(param.name, raw)
    except registry.ParameterError as exc:
        raise _invalid(exc) from None


def _mix_value(param: registry.Parameter, node: Node) -> Mapping[str, float]:
    value = node.value
    ids = node.attrs.get(fmt.CHEMISTRIES)
    if (value.dtype.kind not in "fi" or value.ndim != 1 or ids is None or ids.dtype.kind != "U"
            or ids.shape != value.shape):
        raise _wrong(param.name, "one share per chemistry, named by a 'chemistries' attribute")
    names = [str(i) for i in ids]
    if len(set(names)) != len(names):
        raise ScenarioFileError(
            f"This file is damaged: lever '{param.name}' names a chemistry twice.", "bad-value")
    stored = {k: float(v) for k, v in zip(names, value.tolist(), strict=True)}
    try:
        return canonical_lever(param.name, stored)
    except registry.ParameterError as exc:
        raise _invalid(exc) from None


def _wrong(name: str, expected: str) -> ScenarioFileError:
    return ScenarioFileError(
        f"This file stores lever '{name}' in the wrong form (it must be {expected}), so it was "
        "not opened.", "wrong-type")


def _invalid(exc: registry.ParameterError) -> ScenarioFileError:
    reason = str(exc) if str(exc).endswith((".", "?")) else f"{exc}."
    return ScenarioFileError(f"This file sets a value that is not allowed: {reason}", "bad-value")


def _results_v1(tree: Tree) -> StoredResults | None:
    group = f"/{fmt.RESULTS}"
    node = tree.nodes.get(group)
    if node is None:
        return None
    if node.kind != "group":
        raise _damaged_results("'results' is not a group")
    years_node = tree.nodes.get(f"{group}/{fmt.YEARS}")
    if years_node is None or years_node.kind != "dataset":
        raise _damaged_results("the years are missing")
    years = years_node.value
    if (years.dtype.kind != "i" or years.ndim != 1 or not 1 <= years.size <= MAX_YEARS
            or np.any(np.diff(years) != 1)):
        raise _damaged_results("the years are not consecutive whole years")
    series: dict[str, np.ndarray] = {}
    units: dict[str, str] = {}
    scalars: dict[str, object] = {}
    for path, child in _children(tree, group):
        name = path.rsplit("/", 1)[1]
        if name == fmt.YEARS:
            continue
        if name == fmt.SCALARS and child.kind == "group":
            for spath, scalar in _children(tree, path):
                sname = spath.rsplit("/", 1)[1]
                if (scalar.kind != "dataset" or scalar.value.dtype.kind not in "fi"
                        or scalar.value.shape != ()):
                    raise _damaged_results(f"'{sname}' is not a single number")
                units[sname] = _unit(scalar, spath)
                scalars[sname] = _scalar(sname, float(scalar.value), units[sname])
            continue
        if (child.kind != "dataset" or child.value.dtype.kind not in "fi"
                or child.value.shape != years.shape):
            raise _damaged_results(f"'{name}' does not hold one number per year")
        units[name] = _unit(child, path)
        array = child.value.astype(np.float64)
        array.flags.writeable = False
        series[name] = array
    years = years.copy()
    years.flags.writeable = False
    return StoredResults(years=years, series=MappingProxyType(series),
                         units=MappingProxyType(units), scalars=MappingProxyType(scalars))


def _scalar(name: str, value: float, unit: str) -> object:
    """A stored scalar as the model gives it: whole years as int (None for never)."""
    known = SCALARS.get(name)
    if (known is not None and known.unit in ("year", "years")) or unit in ("year", "years"):
        return None if math.isnan(value) else round(value)
    return value


def _unit(node: Node, path: str) -> str:
    unit = _text_or_none(node.attrs, fmt.UNIT, path)
    if unit is None:
        raise _damaged_results(f"'{path.rsplit('/', 1)[1]}' has no unit")
    return unit


def _damaged_results(detail: str) -> ScenarioFileError:
    return ScenarioFileError(f"This file's stored results are damaged ({detail}).", "damaged")


def _children(tree: Tree, group: str) -> list[tuple[str, Node]]:
    prefix = group.rstrip("/") + "/"
    return [(p, n) for p, n in tree.nodes.items()
            if p.startswith(prefix) and "/" not in p[len(prefix):]]


def _text_or_none(attrs: Mapping[str, np.ndarray], name: str, where: str) -> str | None:
    value = attrs.get(name)
    if value is None:
        return None
    if value.dtype.kind != "U" or value.shape != ():
        place = "" if where == "/" else f" of '{where}'"
        raise ScenarioFileError(
            f"This file is damaged: its attribute '{name}'{place} is not a text.", "wrong-type")
    return str(value)


def _time(root: Mapping[str, np.ndarray], name: str, warnings: list[str]) -> str | None:
    text = _text_or_none(root, name, "/")
    if text is None:
        return None
    try:
        return iso_utc(text)
    except ValueError:
        warnings.append(f"The file's {name} time '{text[:40]}' is not a valid date; it is "
                        "ignored.")
        return None


#: One reader per released format version: version -> function(tree, path) -> document.
READERS: Mapping[int, Callable[[Tree, str | None], ScenarioDocument]] = MappingProxyType(
    {1: _read_v1})
