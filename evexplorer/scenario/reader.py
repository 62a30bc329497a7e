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
from ..model.outputs import SCALARS, SERIES
from . import _files, extras
from . import format as fmt
from ._files import FileFingerprint
from .document import ScenarioDocument, StoredResults, canonical_lever, iso_utc, value_text
from .errors import ScenarioFileError
from .isolated import read_tree_isolated
from .tree import Node, Tree, checksum

#: Most years a stored result may span.
MAX_YEARS = 500
#: Most levers the file may leave out before one sentence sums them up.
_MISSING_NAMED = 3
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
    data, fingerprint = _files.read_scenario_file(name)  # the one read: parsed and fingerprinted
    if isolated:
        tree = read_tree_isolated(data, timeout=timeout, memory_limit=memory_limit)
    else:
        from .safe_hdf5 import read_tree  # h5py is loaded only when parsing here

        try:
            tree = read_tree(data)
        except MemoryError:
            raise ScenarioFileError("This file is damaged: reading it needed more memory than "
                                    "any scenario could.", "memory") from None
    return document_from_tree(tree, os.path.abspath(name), fingerprint)


def is_scenario_file(path: str | os.PathLike[str], *, timeout: float = 10.0) -> bool:
    """True if ``path`` says it is an EV Explorer scenario (of any format version).

    Only the root attribute ``format`` is read, in a child process as for
    :func:`open_scenario`; the file may still be refused when it is opened. For
    deciding whether a file may be replaced by a scenario without asking.

    Parameters
    ----------
    path : str or path-like
        The file.
    timeout : float
        Time the child may take [s].
    """
    try:
        data = _files.read_scenario_bytes(path)
        tree = read_tree_isolated(data, timeout=timeout,
                                  parser="evexplorer.scenario.safe_hdf5:read_identity")
    except ScenarioFileError:
        return False
    name = tree.root.get("format")
    return (name is not None and name.dtype.kind == "U" and name.shape == ()
            and str(name) == fmt.FORMAT_NAME)


def document_from_tree(tree: Tree, path: str | None = None,
                       fingerprint: FileFingerprint | None = None) -> ScenarioDocument:
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
    return reader(tree, path, fingerprint)


# ---------------------------------------------------------------------------------------------
# format version 1


def _read_v1(tree: Tree, path: str | None,
             fingerprint: FileFingerprint | None = None) -> ScenarioDocument:
    root = tree.root
    warnings: list[str] = []
    assumed: list[str] = []
    # Levers newer than the model that wrote the file take their defaults without a word.
    model_version = _text_or_none(root, "model_version", "/")
    newer = registry.introduced_after(model_version)
    parameters = _levers_v1(tree, warnings, assumed, newer=newer)
    results = _results_v1(tree, warnings, assumed)
    reference = _reference_v1(tree, warnings, assumed, newer)
    uncertainty = extras.read_uncertainty(tree, warnings, assumed)
    targets = extras.read_targets(tree, warnings, assumed)
    if assumed:
        warnings.append(f"The file gives no unit for {_names_text(assumed)}; EV Explorer's "
                        "units are assumed.")
    status = _checksum_v1(tree, warnings)
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
        checksum_ok=status == "ok",
        path=path,
        reference=reference,
        uncertainty=uncertainty,
        targets=targets,
        fingerprint=fingerprint,
        checksum_status=status,
        checksum=_text_or_none(root, "checksum", "/"),
    )


def _checksum_v1(tree: Tree, warnings: list[str]) -> str:
    """Check the checksums (the levers and results; the optional groups): ok, mismatch or
    missing; say in ``warnings`` what the user should know."""
    root = tree.root
    stored = _text_or_none(root, "checksum", "/")
    core = "missing" if stored is None else "ok" if stored == checksum(tree) else "mismatch"
    stored_extras = _text_or_none(root, fmt.EXTRAS_CHECKSUM, "/")
    has_extras = any(f"/{group}" in tree.nodes for group in fmt.EXTRA_GROUPS)
    if stored_extras is not None:
        extra = "ok" if stored_extras == checksum(tree, fmt.EXTRA_GROUPS) else "mismatch"
    else:
        extra = "missing" if has_extras else "ok"
    if core == "missing":
        warnings.append("The file has no checksum, so damage to it cannot be detected; "
                        "check the numbers.")
    elif core == "mismatch":
        warnings.append("The file's checksum does not match its levers and results: it was "
                        "damaged or changed after it was saved, so check the numbers.")
    if extra == "mismatch":
        warnings.append("The file's checksum does not match its reference scenario, "
                        "uncertainty or targets: they were damaged or changed after it was "
                        "saved.")
    elif extra == "missing" and core != "missing":
        warnings.append("The file has no checksum for its reference scenario, uncertainty or "
                        "targets, so damage to them cannot be detected.")
    statuses = {core, extra}
    return "mismatch" if "mismatch" in statuses else "missing" if "missing" in statuses else "ok"


def _levers_v1(tree: Tree, warnings: list[str], assumed: list[str],
               group: str = f"/{fmt.PARAMETERS}", of: str = "",
               newer: frozenset[str] = frozenset()) -> dict[str, Any]:
    """Every lever of a lever group (``of``: where it is, for messages, e.g. " in its
    reference scenario"); refuse the file if one is invalid."""
    node = tree.nodes.get(group)
    if node is None or node.kind != "group":
        raise ScenarioFileError(
            f"This file is damaged: it holds no lever settings{of} (the "
            f"'{group.lstrip('/')}' group is missing).", "damaged")
    values: dict[str, Any] = {}
    for child_path, child in _children(tree, group):
        name = child_path.rsplit("/", 1)[1]
        param = registry.PARAMETERS.get(name)
        if param is None:
            warnings.append(f"The file sets an unknown lever '{name}'{of}; it was ignored.")
            continue
        if child.kind != "dataset":
            raise _wrong(name, "a value, not a group", of)
        unit = _text_or_none(child.attrs, fmt.UNIT, child_path)
        if unit is None:
            assumed.append(child_path.lstrip("/").removeprefix(f"{fmt.PARAMETERS}/"))
        elif unit != param.unit:
            raise ScenarioFileError(
                f"This file gives lever '{name}'{of} in '{unit}', but EV Explorer expects "
                f"'{param.unit}', so it was not opened.", "unit")
        values[name] = _lever_value(param, child, of)
    for name in newer - values.keys():  # the file's model had no such lever
        values[name] = canonical_lever(name, registry.PARAMETERS[name].default)
    missing = [name for name in registry.PARAMETERS if name not in values]
    if len(missing) > _MISSING_NAMED:
        warnings.append(f"The file sets {len(values)} of the {len(registry.PARAMETERS)} "
                        f"levers{of}; the others take their defaults.")
    for name in missing:
        default = registry.PARAMETERS[name].default
        values[name] = canonical_lever(name, default)
        if len(missing) <= _MISSING_NAMED:
            warnings.append(f"The file does not set '{name}'{of}; the default "
                            f"{value_text(name, default)} is used.")
    values = {name: values[name] for name in registry.PARAMETERS}
    try:
        registry.check_consistency(values)
    except registry.ParameterError as exc:
        raise ScenarioFileError(f"This file's levers{of} do not fit together: {exc}",
                                "bad-value") from None
    return values


def _lever_value(param: registry.Parameter, node: Node, of: str) -> Any:
    value = node.value
    kind = value.dtype.kind
    if param.kind == "mix":
        return _mix_value(param, node, of)
    if param.kind == "choice":
        if kind != "U" or value.shape != ():
            raise _wrong(param.name, f"one text ({param.range_text()})", of)
        raw: Any = str(value)
    else:
        if kind not in "fi" or value.shape != ():
            raise _wrong(param.name, "a single number", of)
        raw = value.item()
    try:
        return canonical_lever(param.name, raw)
    except registry.ParameterError as exc:
        raise _invalid(exc, of) from None


def _mix_value(param: registry.Parameter, node: Node, of: str) -> Mapping[str, float]:
    value = node.value
    ids = node.attrs.get(fmt.CHEMISTRIES)
    if (value.dtype.kind not in "fi" or value.ndim != 1 or ids is None or ids.dtype.kind != "U"
            or ids.shape != value.shape):
        raise _wrong(param.name, "one share per chemistry, named by a 'chemistries' attribute",
                     of)
    names = [str(i) for i in ids]
    if len(set(names)) != len(names):
        raise ScenarioFileError(
            f"This file is damaged: lever '{param.name}'{of} names a chemistry twice.",
            "bad-value")
    stored = {k: float(v) for k, v in zip(names, value.tolist(), strict=True)}
    try:
        return canonical_lever(param.name, stored)
    except registry.ParameterError as exc:
        raise _invalid(exc, of) from None


def _wrong(name: str, expected: str, of: str = "") -> ScenarioFileError:
    return ScenarioFileError(
        f"This file stores lever '{name}'{of} in the wrong form (it must be {expected}), so it "
        "was not opened.", "wrong-type")


def _invalid(exc: registry.ParameterError, of: str = "") -> ScenarioFileError:
    reason = str(exc) if str(exc).endswith((".", "?")) else f"{exc}."
    return ScenarioFileError(f"This file sets a value that is not allowed{of}: {reason}",
                             "bad-value")


def _reference_v1(tree: Tree, warnings: list[str], assumed: list[str],
                  newer: frozenset[str] = frozenset()) -> dict[str, Any] | None:
    """The reference scenario, validated like the levers: refuse the file if it is invalid."""
    group = f"/{fmt.REFERENCE}"
    node = tree.nodes.get(group)
    if node is None:
        return None
    if node.kind != "group":
        raise ScenarioFileError("This file is damaged: its reference scenario is not a group.",
                                "damaged")
    title = _text_or_none(node.attrs, "title", group) or ""
    levers = _levers_v1(tree, warnings, assumed, f"{group}/{fmt.PARAMETERS}",
                        " in its reference scenario", newer)
    return extras.canonical_reference({"title": title, "parameters": levers})


def _names_text(names: list[str]) -> str:
    """``a, b and c``, or ``a, b, c and 4 more``."""
    shown = names[:_MISSING_NAMED]
    rest = len(names) - len(shown)
    if rest:
        return f"{', '.join(shown)} and {rest} more"
    return shown[0] if len(shown) == 1 else f"{', '.join(shown[:-1])} and {shown[-1]}"


def _results_v1(tree: Tree, warnings: list[str], assumed: list[str]) -> StoredResults | None:
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
                unit = _unit(scalar, spath, SCALARS.get(sname), warnings, assumed)
                if unit is not None:
                    units[sname] = unit
                    scalars[sname] = _scalar(sname, float(scalar.value), unit)
            continue
        if (child.kind != "dataset" or child.value.dtype.kind not in "fi"
                or child.value.shape != years.shape):
            raise _damaged_results(f"'{name}' does not hold one number per year")
        unit = _unit(child, path, SERIES.get(name), warnings, assumed)
        if unit is None:
            continue
        units[name] = unit
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


def _unit(node: Node, path: str, known: Any, warnings: list[str],
          assumed: list[str]) -> str | None:
    """A stored result's unit; for a known output without one, the registry's (and it is
    noted); for an unknown output without one, None (it is ignored, and the user told)."""
    unit = _text_or_none(node.attrs, fmt.UNIT, path)
    if unit is not None:
        return unit
    if known is not None:
        assumed.append(path.lstrip("/"))
        return known.unit
    warnings.append(f"The file's stored result '{path.rsplit('/', 1)[1]}' has no unit; it was "
                    "ignored.")
    return None


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


#: One reader per released format version: version -> function(tree, path, fingerprint)
#: -> document.
READERS: Mapping[int, Callable[[Tree, str | None, FileFingerprint | None], ScenarioDocument]] = \
    MappingProxyType({1: _read_v1})
