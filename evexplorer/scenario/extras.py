"""What other parts of EV Explorer keep with a scenario: uncertainty, a reference, targets.

Each is a plain record, validated and put in canonical form by one function
that both the writer (before saving) and the reader (after parsing) use:

- :func:`canonical_uncertainty`: ``{"seed": int, "levers": {lever: {"distribution",
  "spread", "low", "high"}}, "correlations": [{"a", "b", "rho"}]}``;
- :func:`canonical_reference`: ``{"title": str, "parameters": {lever: value}}``;
- :func:`canonical_targets`: ``[{"id", "description", "source", "output", "year",
  "comparison", "required"}]``.

Each raises :class:`ValueError` (a :class:`~evexplorer.model.registry.ParameterError`
for an unknown or invalid lever) with one sentence naming what is wrong. The
layout of each in the file is in ``docs/file-format.md``; :func:`extra_nodes`
builds it and :func:`read_uncertainty` and :func:`read_targets` read it back.
"""

from __future__ import annotations

import difflib
import math
import numbers
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ..model import registry
from ..model.outputs import SCALARS, SERIES
from . import format as fmt
from .tree import Node, Tree, as_value

#: Shapes of an uncertain lever's distribution.
DISTRIBUTIONS: tuple[str, ...] = ("uniform", "triangular", "lognormal", "loguniform")
#: How an uncertain lever's bounds follow its value: as factors of it, or offsets from it.
SPREADS: tuple[str, ...] = ("relative", "absolute")
#: How a target compares an output with the required value.
COMPARISONS: tuple[str, ...] = ("<=", ">=")
#: Unit of the bounds of a relative spread: factors of the lever's value.
FACTOR_UNIT = "1"
#: Largest seed (it is stored as a signed 64-bit integer).
MAX_SEED = 2**63 - 1
#: Most correlations one scenario holds.
MAX_CORRELATIONS = 1024
#: Most targets one scenario holds.
MAX_TARGETS = 256
#: Longest target id [bytes of UTF-8].
MAX_TARGET_ID_BYTES = 128
#: Longest description or source of a target [bytes of UTF-8].
MAX_TARGET_TEXT_BYTES = 2000

_UNCERTAINTY_KEYS = frozenset({"seed", "levers", "correlations"})
_LEVER_KEYS = frozenset({"distribution", "spread", "low", "high"})
_CORRELATION_KEYS = frozenset({"a", "b", "rho"})
_REFERENCE_KEYS = frozenset({"title", "parameters"})
_TARGET_KEYS = ("id", "description", "source", "output", "year", "comparison", "required")
#: Columns of the targets table holding text, then numbers.
_TARGET_TEXT_COLUMNS = ("id", "description", "source", "output", "comparison")
_LEVERS, _CORRELATIONS, _SEED = "levers", "correlations", "seed"


# ---------------------------------------------------------------------------------------------
# canonical records


def canonical_uncertainty(record: Mapping[str, Any]) -> dict[str, Any]:
    """Validate an uncertainty record and return it in canonical form.

    Parameters
    ----------
    record : Mapping
        ``seed`` (a whole number, 0 to 2**63 - 1), ``levers`` (uncertain lever
        -> ``distribution`` (one of :data:`DISTRIBUTIONS`), ``spread``
        (``"relative"``: ``low`` and ``high`` are positive factors [1] of the
        lever's value; ``"absolute"``: offsets from it, in the lever's unit),
        ``low`` < ``high``) and ``correlations`` (a list of ``a``, ``b``: two
        different uncertain levers, ``rho``: a rank correlation, -1 to 1 [1]).

    Returns
    -------
    dict
        A new record: levers in registry order, numbers as ``int`` and ``float``.

    Raises
    ------
    ValueError
        One sentence naming what is wrong.
    """
    _keys(record, _UNCERTAINTY_KEYS, "the uncertainty")
    seed = record["seed"]
    if not _whole(seed) or not 0 <= int(seed) <= MAX_SEED:
        raise ValueError(f"the uncertainty's seed must be a whole number from 0 to {MAX_SEED}, "
                         f"not {seed!r}.")
    levers = record["levers"]
    if not isinstance(levers, Mapping):
        raise ValueError("the uncertainty's levers must map lever names to their uncertainty.")
    specs = {}
    for name in levers:
        param = _numeric_lever(name)
        specs[param.name] = _lever_uncertainty(param, levers[name])
    correlations = record["correlations"]
    if isinstance(correlations, (str, bytes, Mapping)) or not isinstance(correlations, Sequence):
        raise ValueError("the uncertainty's correlations must be a list of records.")
    if len(correlations) > MAX_CORRELATIONS:
        raise ValueError(f"the uncertainty holds {len(correlations):,} correlations, more than "
                         f"a scenario allows ({MAX_CORRELATIONS:,}).")
    pairs = set()
    canonical = []
    for item in correlations:
        _keys(item, _CORRELATION_KEYS, "a correlation")
        a, b, rho = item["a"], item["b"], item["rho"]
        for name in (a, b):
            _numeric_lever(name)
            if name not in specs:
                raise ValueError(f"a correlation names '{name}', which is not an uncertain lever.")
        if a == b:
            raise ValueError(f"a correlation links '{a}' with itself.")
        if frozenset((a, b)) in pairs:
            raise ValueError(f"the correlation of '{a}' and '{b}' is given twice.")
        pairs.add(frozenset((a, b)))
        if not _real(rho) or not -1.0 <= float(rho) <= 1.0:
            raise ValueError(f"the correlation of '{a}' and '{b}' must be a number from -1 to 1, "
                             f"not {rho!r}.")
        canonical.append({"a": a, "b": b, "rho": float(rho)})
    ordered = {name: specs[name] for name in registry.PARAMETERS if name in specs}
    return {"seed": int(seed), "levers": ordered, "correlations": canonical}


def _lever_uncertainty(param: registry.Parameter, spec: Any) -> dict[str, Any]:
    name = param.name
    _keys(spec, _LEVER_KEYS, f"the uncertainty of '{name}'")
    distribution, spread, low, high = (spec[k] for k in ("distribution", "spread", "low", "high"))
    if distribution not in DISTRIBUTIONS:
        raise ValueError(f"the uncertainty of '{name}' has an unknown distribution "
                         f"{distribution!r} (one of {', '.join(DISTRIBUTIONS)}).")
    if spread not in SPREADS:
        raise ValueError(f"the uncertainty of '{name}' has an unknown spread {spread!r} "
                         f"(one of {', '.join(SPREADS)}).")
    for bound in (low, high):
        if not _real(bound):
            raise ValueError(f"the uncertainty of '{name}' needs finite numbers as low and high, "
                             f"not {bound!r}.")
    low, high = float(low), float(high)
    if not low < high:
        raise ValueError(f"the uncertainty of '{name}' needs low below high (got {low:g} and "
                         f"{high:g}).")
    if spread == "relative" and low <= 0:
        raise ValueError(f"the uncertainty of '{name}' is relative, so low and high are factors "
                         f"of its value and must be above 0 (got {low:g}).")
    return {"distribution": distribution, "spread": spread, "low": low, "high": high}


def canonical_reference(record: Mapping[str, Any]) -> dict[str, Any]:
    """Validate a reference scenario and return it in canonical form.

    Parameters
    ----------
    record : Mapping
        ``parameters`` (lever -> value, each in its unit; levers not given are
        at their defaults) and optionally ``title`` (text, at most 65,535 bytes).

    Returns
    -------
    dict
        ``{"title": str, "parameters": {lever: value}}`` with every lever in
        canonical form (:func:`evexplorer.model.registry.canonical`), in registry
        order.

    Raises
    ------
    ValueError
        One sentence naming what is wrong (a ``ParameterError`` for a lever).
    """
    _keys(record, _REFERENCE_KEYS, "the reference", optional={"title"})
    title = record.get("title", "")
    check_text(title, "the reference's title", fmt.MAX_TEXT_BYTES)
    parameters = record["parameters"]
    if not isinstance(parameters, Mapping):
        raise ValueError("the reference's parameters must map lever names to values.")
    return {"title": title, "parameters": canonical_levers(parameters)}


def canonical_levers(parameters: Mapping[str, Any]) -> dict[str, Any]:
    """Every lever in canonical form (see :func:`evexplorer.model.registry.canonical`),
    defaults filled in, in registry order.

    Raises
    ------
    ParameterError
        For an unknown lever, an invalid value or levers that do not fit together.
    """
    for name in parameters:
        registry.get(name)  # unknown names raise, with suggestions
    values = {name: registry.canonical(name, parameters.get(name, param.default))
              for name, param in registry.PARAMETERS.items()}
    registry.check_consistency(values)
    return values


def canonical_targets(records: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Validate a list of user targets and return it in canonical form.

    Parameters
    ----------
    records : sequence of Mapping
        Each: ``id`` (non-empty text, unique, at most 128 bytes), ``description``
        and ``source`` (text, at most 2,000 bytes), ``output`` (an output name,
        as in ``evexplorer.model.SERIES`` or ``SCALARS``), ``year`` (a whole
        year of the registry's time axis), ``comparison`` (``"<="`` or ``">="``)
        and ``required`` (a finite number, in the output's unit).

    Returns
    -------
    list of dict
        New records in the given order, numbers as ``int`` (year) and ``float``.

    Raises
    ------
    ValueError
        One sentence naming what is wrong.
    """
    if isinstance(records, (str, bytes, Mapping)) or not isinstance(records, Sequence):
        raise ValueError("the targets must be a list of records.")
    if len(records) > MAX_TARGETS:
        raise ValueError(f"there are {len(records):,} targets, more than a scenario holds "
                         f"({MAX_TARGETS}).")
    first, last = _target_years()
    seen = set()
    canonical = []
    for record in records:
        _keys(record, frozenset(_TARGET_KEYS), "a target")
        ident = record["id"]
        check_text(ident, "a target's id", MAX_TARGET_ID_BYTES)
        if not ident.strip():
            raise ValueError("a target's id must not be empty.")
        if ident in seen:
            raise ValueError(f"the target id {ident!r} is used twice.")
        seen.add(ident)
        where = f"target {ident!r}"
        for key in ("description", "source"):
            check_text(record[key], f"the {key} of {where}", MAX_TARGET_TEXT_BYTES)
        output = record["output"]
        if output not in SERIES and output not in SCALARS:
            raise ValueError(f"{where} is for an unknown output {output!r}"
                             f"{_did_you_mean(str(output), [*SERIES, *SCALARS])}.")
        year = record["year"]
        if not _whole(year) or not first <= int(year) <= last:
            raise ValueError(f"the year of {where} must be a whole year from {first} to {last}, "
                             f"not {year!r}.")
        comparison = record["comparison"]
        if comparison not in COMPARISONS:
            raise ValueError(f"the comparison of {where} must be '<=' or '>=', not "
                             f"{comparison!r}.")
        required = record["required"]
        if not _real(required):
            raise ValueError(f"the required value of {where} must be a finite number, not "
                             f"{required!r}.")
        canonical.append({"id": ident, "description": record["description"],
                          "source": record["source"], "output": output, "year": int(year),
                          "comparison": comparison, "required": float(required)})
    return canonical


def output_unit(name: str) -> str:
    """Unit of an output series or scalar."""
    return (SERIES.get(name) or SCALARS[name]).unit


class TextError(ValueError):
    """A text a scenario file cannot store; :attr:`code` is ``"bad-text"`` or
    ``"text-too-long"``."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


def check_text(value: Any, what: str, limit: int) -> str:
    """Refuse what is not text that a scenario file can store (no NUL, valid UTF-8, short).

    Parameters
    ----------
    value : object
        The text.
    what : str
        What it is, for the message, e.g. ``"the notes"``.
    limit : int
        Most bytes of UTF-8 it may take.

    Raises
    ------
    TextError
        One sentence (starting with ``what``) and a code.
    """
    if not isinstance(value, str):
        raise TextError(f"{what} must be text, not {type(value).__name__}.", "bad-text")
    if "\0" in value:
        raise TextError(f"{what} contains a NUL character, which cannot be saved.", "bad-text")
    try:
        size = len(value.encode("utf-8"))
    except UnicodeEncodeError:
        raise TextError(f"{what} contains characters that are not valid text.",
                        "bad-text") from None
    if size > limit:
        raise TextError(f"{what} is too long to save ({size:,} bytes; at most {limit:,} bytes "
                        "of text).", "text-too-long")
    return value


def _target_years() -> tuple[int, int]:
    start, end = registry.PARAMETERS["start_year"], registry.PARAMETERS["end_year"]
    return int(start.minimum), int(end.maximum)


def _keys(record: Any, required: frozenset[str], what: str,
          optional: frozenset[str] | set[str] = frozenset()) -> None:
    if not isinstance(record, Mapping):
        raise ValueError(f"{what} must be a record (a mapping), not {type(record).__name__}.")
    keys = set(record)
    missing = sorted(required - keys - set(optional))
    extra = sorted(str(k) for k in keys - required)
    if missing:
        raise ValueError(f"{what} lacks {', '.join(repr(k) for k in missing)}.")
    if extra:
        raise ValueError(f"{what} has unknown fields {', '.join(repr(k) for k in extra)}.")


def _numeric_lever(name: Any) -> registry.Parameter:
    param = registry.get(str(name)) if isinstance(name, str) else None
    if param is None:
        raise ValueError(f"a lever name must be text, not {name!r}.")
    if not param.numeric:
        raise ValueError(f"'{name}' is not a number, so it cannot be uncertain.")
    return param


def _did_you_mean(name: str, valid: Sequence[str]) -> str:
    close = difflib.get_close_matches(name, valid, n=3, cutoff=0.5)
    return f" (did you mean {', '.join(close)}?)" if close else ""


def _real(value: Any) -> bool:
    return (isinstance(value, numbers.Real) and not isinstance(value, bool)
            and math.isfinite(float(value)))


def _whole(value: Any) -> bool:
    return (isinstance(value, numbers.Integral) and not isinstance(value, bool)) or (
        _real(value) and float(value).is_integer() and abs(float(value)) < 2**63)


# ---------------------------------------------------------------------------------------------
# the layout in the file


def lever_group_nodes(values: Mapping[str, Any], group: str) -> dict[str, Node]:
    """The datasets of a lever group (``/parameters``, ``/reference/parameters``).

    ``values`` holds every lever in canonical form; each becomes a dataset named
    after it, with the registry unit as its attribute ``unit``.
    """
    from ..model.data import CHEMISTRIES

    nodes = {group: Node("group")}
    for name, param in registry.PARAMETERS.items():
        value = values[name]
        attrs = {fmt.UNIT: as_value(param.unit)}
        if param.kind == "mix":
            data = np.array([value[c] for c in CHEMISTRIES], dtype=np.float64)
            attrs[fmt.CHEMISTRIES] = np.array(CHEMISTRIES, dtype=str)
        elif param.kind == "int":
            data = np.array(value, dtype=np.int64)
        elif param.kind == "choice":
            data = np.array(value, dtype=str)
        else:
            data = np.array(value, dtype=np.float64)
        nodes[f"{group}/{name}"] = Node("dataset", attrs, data)
    return nodes


def extra_nodes(*, uncertainty: Mapping[str, Any] | None = None,
                reference: Mapping[str, Any] | None = None,
                targets: Sequence[Mapping[str, Any]] | None = None) -> dict[str, Node]:
    """The optional groups of a file, from records in canonical form (None: not stored)."""
    nodes: dict[str, Node] = {}
    if reference is not None:
        root = f"/{fmt.REFERENCE}"
        nodes[root] = Node("group", {"title": as_value(reference["title"])})
        nodes.update(lever_group_nodes(reference["parameters"], f"{root}/{fmt.PARAMETERS}"))
    if uncertainty is not None:
        root = f"/{fmt.UNCERTAINTY}"
        nodes[root] = Node("group")
        nodes[f"{root}/{_SEED}"] = Node("dataset", {}, np.array(uncertainty["seed"], np.int64))
        nodes[f"{root}/{_LEVERS}"] = Node("group")
        for name, spec in uncertainty["levers"].items():
            unit = FACTOR_UNIT if spec["spread"] == "relative" else registry.get(name).unit
            nodes[f"{root}/{_LEVERS}/{name}"] = Node("dataset", {
                "distribution": as_value(spec["distribution"]),
                "spread": as_value(spec["spread"]),
                fmt.UNIT: as_value(unit),
            }, np.array([spec["low"], spec["high"]], dtype=np.float64))
        pairs = uncertainty["correlations"]
        table = f"{root}/{_CORRELATIONS}"
        nodes[table] = Node("group")
        for column in ("a", "b"):
            nodes[f"{table}/{column}"] = Node("dataset", {}, _texts([c[column] for c in pairs]))
        nodes[f"{table}/rho"] = Node("dataset", {fmt.UNIT: as_value(FACTOR_UNIT)},
                                     np.array([c["rho"] for c in pairs], dtype=np.float64))
    if targets is not None:
        root = f"/{fmt.TARGETS}"
        nodes[root] = Node("group")
        for column in _TARGET_TEXT_COLUMNS:
            nodes[f"{root}/{column}"] = Node("dataset", {}, _texts([t[column] for t in targets]))
        nodes[f"{root}/year"] = Node("dataset", {fmt.UNIT: as_value("year")},
                                     np.array([t["year"] for t in targets], dtype=np.int64))
        nodes[f"{root}/required"] = Node("dataset", {}, np.array(
            [t["required"] for t in targets], dtype=np.float64))
        nodes[f"{root}/{fmt.UNIT}"] = Node("dataset", {}, _texts(
            [output_unit(t["output"]) for t in targets]))
    return nodes


def _texts(items: list[str]) -> np.ndarray:
    return np.array(items, dtype=str).reshape(len(items))


# ---------------------------------------------------------------------------------------------
# reading them back


def read_uncertainty(tree: Tree, warnings: list[str], assumed_units: list[str]
                     ) -> dict[str, Any] | None:
    """The uncertainty record of a parsed file, or None if it holds none.

    Uncertain levers this version does not know are reported in ``warnings``
    and left out (with their correlations); anything else that is invalid makes
    the whole record ignored, with one sentence in ``warnings``. Levers whose
    unit the file does not give are added to ``assumed_units``.
    """
    root = f"/{fmt.UNCERTAINTY}"
    if root not in tree.nodes:
        return None
    try:
        _group(tree, root, "it is not a group")
        seed = _column(tree, f"{root}/{_SEED}", "i", "its seed", scalar=True)
        levers: dict[str, Any] = {}
        unknown = set()
        _group(tree, f"{root}/{_LEVERS}", "its levers are missing")
        for path, node in _children(tree, f"{root}/{_LEVERS}"):
            name = path.rsplit("/", 1)[1]
            param = registry.PARAMETERS.get(name)
            if param is None:
                warnings.append(f"The file's uncertainty settings name an unknown lever "
                                f"'{name}'; it was ignored.")
                unknown.add(name)
                continue
            what = f"the uncertainty of '{name}'"
            bounds = _column(tree, path, "fi", what)
            if bounds.shape != (2,):
                raise ValueError(f"{what} must hold two numbers, low and high.")
            spec = {"distribution": _text_attr(node, "distribution", what),
                    "spread": _text_attr(node, "spread", what),
                    "low": float(bounds[0]), "high": float(bounds[1])}
            if spec["spread"] in SPREADS:
                expected = FACTOR_UNIT if spec["spread"] == "relative" else param.unit
                _check_unit(node, expected, what, f"uncertainty/{name}", assumed_units)
            levers[name] = spec
        correlations = []
        table = f"{root}/{_CORRELATIONS}"
        if table in tree.nodes:
            _group(tree, table, "its correlations are not a table")
            a, b = (_column(tree, f"{table}/{c}", "U", "its correlations") for c in ("a", "b"))
            rho = _column(tree, f"{table}/rho", "fi", "its correlations")
            if not a.shape == b.shape == rho.shape:
                raise ValueError("its correlations have columns of different lengths.")
            _check_unit(tree.nodes[f"{table}/rho"], FACTOR_UNIT, "the correlations",
                        "uncertainty/correlations/rho", assumed_units)
            correlations = [{"a": x, "b": y, "rho": float(r)}
                            for x, y, r in zip(a.tolist(), b.tolist(), rho.tolist(), strict=True)
                            if x not in unknown and y not in unknown]
        return canonical_uncertainty({"seed": int(seed), "levers": levers,
                                      "correlations": correlations})
    except ValueError as exc:
        warnings.append(f"The file's uncertainty settings were ignored: {exc}")
        return None


def read_targets(tree: Tree, warnings: list[str], assumed_units: list[str]
                 ) -> list[dict[str, Any]] | None:
    """The user targets of a parsed file, or None if it holds none.

    Targets for outputs this version does not know are reported in
    ``warnings`` and left out; anything else that is invalid makes the whole
    list ignored, with one sentence in ``warnings``.
    """
    root = f"/{fmt.TARGETS}"
    if root not in tree.nodes:
        return None
    try:
        _group(tree, root, "it is not a table")
        columns = {name: _column(tree, f"{root}/{name}", "U", "their table")
                   for name in _TARGET_TEXT_COLUMNS}
        columns["year"] = _column(tree, f"{root}/year", "i", "their table")
        columns["required"] = _column(tree, f"{root}/required", "fi", "their table")
        units = (_column(tree, f"{root}/{fmt.UNIT}", "U", "their table")
                 if f"{root}/{fmt.UNIT}" in tree.nodes else None)
        lengths = {c.shape for c in columns.values()} | ({units.shape} if units is not None
                                                          else set())
        if len(lengths) != 1:
            raise ValueError("their table has columns of different lengths.")
        if len(columns["id"]) > MAX_TARGETS:
            raise ValueError(f"there are {len(columns['id']):,} targets, more than a scenario "
                             f"holds ({MAX_TARGETS}).")
        _check_unit(tree.nodes[f"{root}/year"], "year", "their years", "targets/year", [])
        if units is None and len(columns["id"]):
            assumed_units.append("targets/required")
        records = []
        rows = zip(*(columns[k].tolist() for k in _TARGET_KEYS), strict=True)
        for index, row in enumerate(rows):
            record = dict(zip(_TARGET_KEYS, row, strict=True))
            output = record["output"]
            if output not in SERIES and output not in SCALARS:
                warnings.append(f"The file's target {record['id']!r} is for an unknown output "
                                f"'{output}'; it was ignored.")
                continue
            if units is not None and str(units[index]) != output_unit(output):
                raise ValueError(f"target {record['id']!r} gives its required value in "
                                 f"'{units[index]}', but EV Explorer expects "
                                 f"'{output_unit(output)}'.")
            records.append(record)
        return canonical_targets(records)
    except ValueError as exc:
        warnings.append(f"The file's targets were ignored: {exc}")
        return None


def _children(tree: Tree, group: str) -> list[tuple[str, Node]]:
    prefix = group.rstrip("/") + "/"
    return [(p, n) for p, n in tree.nodes.items()
            if p.startswith(prefix) and "/" not in p[len(prefix):]]


def _group(tree: Tree, path: str, problem: str) -> None:
    node = tree.nodes.get(path)
    if node is None or node.kind != "group":
        raise ValueError(f"{problem}.")


def _column(tree: Tree, path: str, kinds: str, what: str, *, scalar: bool = False
            ) -> np.ndarray:
    """A dataset holding one value (``scalar``) or a list, of one of ``kinds``."""
    node = tree.nodes.get(path)
    name = path.rsplit("/", 1)[1]
    if node is None or node.kind != "dataset":
        raise ValueError(f"{what}: '{name}' is missing.")
    value = node.value
    if value.dtype.kind not in kinds or value.ndim != (0 if scalar else 1):
        form = {"i": "whole number", "fi": "number", "U": "text"}[kinds]
        shape = f"one {form}" if scalar else f"a list of {form}s"
        raise ValueError(f"{what}: '{name}' must be {shape}.")
    if value.dtype.kind == "f" and not np.all(np.isfinite(value)):
        raise ValueError(f"{what}: '{name}' holds a number that is not finite.")
    return value


def _text_attr(node: Node, name: str, what: str) -> str:
    value = node.attrs.get(name)
    if value is None or value.dtype.kind != "U" or value.shape != ():
        raise ValueError(f"{what} needs a text attribute '{name}'.")
    return str(value)


def _check_unit(node: Node, expected: str, what: str, label: str,
                assumed_units: list[str]) -> None:
    unit = node.attrs.get(fmt.UNIT)
    if unit is None:
        assumed_units.append(label)
        return
    if unit.dtype.kind != "U" or unit.shape != () or str(unit) != expected:
        raise ValueError(f"{what} is given in '{unit}', but EV Explorer expects '{expected}'.")
