"""Saving scenario files: build the whole file in memory, check it, then replace atomically.

Only the current :data:`~.format.FORMAT_VERSION` is ever written. The file is
built in memory with HDF5's core driver (bounded to 1.10-era objects so that
HDF5 1.10 tools read it), parsed back with the defensive reader, written to a
temporary file in the target folder, flushed and fsynced, and only then moved
over the target with :func:`os.replace`. A failure at any point leaves the
previous file as it was.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import numpy as np
from h5py import h5a, h5d, h5f, h5g, h5p, h5s, h5t

from .. import _atomic
from .._version import MODEL_VERSION, __version__
from ..model import registry
from ..model.data import CHEMISTRIES
from . import format as fmt
from .document import canonical_lever, iso_utc, same_value
from .errors import ScenarioFileError
from .tree import Node, Tree, as_value, checksum


def save_scenario(path: str | os.PathLike[str], parameters: Mapping[str, Any], results: Any, *,
                  title: str = "", author: str = "", notes: str = "",
                  created: str | None = None) -> None:
    """Save a scenario and its results to ``path``, atomically.

    Parameters
    ----------
    path : str or path-like
        Target file; by convention it ends in ``.evx``.
    parameters : Mapping[str, object]
        Lever values by registry name, each in its own unit; levers not given
        are saved at their defaults.
    results : evexplorer.model.Results or None
        Single-scenario results computed for ``parameters`` (stored so that the
        recipient sees these numbers even if the model changes), or None to
        store no results.
    title, author, notes : str
        Free text, at most 65,535 bytes of UTF-8 each.
    created : str, optional
        ISO 8601 creation time to keep (e.g. the opened document's); default now.
        The modification time is always now.

    Raises
    ------
    ScenarioFileError
        If the file cannot be written (read-only folder, full disk, ...) or a
        text is too long; the previous file, if any, is then unchanged.
    evexplorer.model.registry.ParameterError
        For an unknown lever or an invalid value.
    ValueError
        If ``results`` is a batch, or was computed for other lever settings.
    """
    values = canonical_levers(parameters)
    if results is not None:
        _check_results(values, results)
    now = _utc_now()
    texts = {name: _text(name, value) for name, value in
             (("title", title), ("author", author), ("notes", notes))}
    tree = build_tree(values, results, created=_iso_time(created) if created else now,
                      modified=now, **texts)
    image = hdf5_image(tree)
    _verify(image, tree)
    write_atomically(path, image)


def canonical_levers(parameters: Mapping[str, Any]) -> dict[str, Any]:
    """Every lever in canonical form (see :func:`.document.canonical_lever`), defaults filled in."""
    for name in parameters:
        registry.get(name)  # unknown names raise, with suggestions
    values = {name: canonical_lever(name, parameters.get(name, param.default))
              for name, param in registry.PARAMETERS.items()}
    registry.check_consistency(values)
    return values


def _check_results(values: Mapping[str, Any], results: Any) -> None:
    if getattr(results, "n_samples", None) is not None:
        raise ValueError("A scenario file holds one scenario; these results are a batch of "
                         f"{results.n_samples} samples.")
    used = canonical_levers(results.parameters)
    differing = [n for n in values if not same_value(n, values[n], used[n])]
    if differing:
        raise ValueError(f"The results were computed for other lever settings ({differing[0]} "
                         "differs); recompute before saving.")


def _text(name: str, value: str) -> str:
    if not isinstance(value, str):
        raise TypeError(f"the {name} must be text, not {type(value).__name__}")
    if "\0" in value:
        raise ScenarioFileError(f"The {name} contains a NUL character, which cannot be saved.",
                                "bad-text")
    try:
        size = len(value.encode("utf-8"))
    except UnicodeEncodeError:
        raise ScenarioFileError(f"The {name} contains characters that are not valid text.",
                                "bad-text") from None
    if size + 1 > fmt.MAX_STRING_BYTES:
        raise ScenarioFileError(
            f"The {name} is too long to save ({size:,} bytes; at most "
            f"{fmt.MAX_STRING_BYTES - 1:,} bytes of text).", "text-too-long")
    return value


def _utc_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _iso_time(text: str) -> str:
    try:
        return iso_utc(text)
    except ValueError:
        raise ValueError(f"created must be an ISO 8601 time, not {text!r}") from None


# ---------------------------------------------------------------------------------------------
# the content, as a plain tree


def build_tree(values: Mapping[str, Any], results: Any, *, title: str, author: str, notes: str,
               created: str, modified: str) -> Tree:
    """Lay out a scenario as the current format version stores it (see ``docs/file-format.md``)."""
    nodes: dict[str, Node] = {"/": Node("group"), f"/{fmt.PARAMETERS}": Node("group")}
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
        nodes[f"/{fmt.PARAMETERS}/{name}"] = Node("dataset", attrs, data)
    if results is not None:
        group = f"/{fmt.RESULTS}"
        nodes[group] = Node("group")
        nodes[f"{group}/{fmt.YEARS}"] = Node("dataset", {fmt.UNIT: as_value("year")},
                                             np.asarray(results.years, dtype=np.int64))
        for name, series in results.series.items():
            nodes[f"{group}/{name}"] = Node("dataset", {fmt.UNIT: as_value(results.units[name])},
                                            np.asarray(series, dtype=np.float64))
        nodes[f"{group}/{fmt.SCALARS}"] = Node("group")
        for name, scalar in results.scalars.items():
            nodes[f"{group}/{fmt.SCALARS}/{name}"] = Node(
                "dataset", {fmt.UNIT: as_value(results.units[name])},
                np.array(np.nan if scalar is None else scalar, dtype=np.float64))
    tree = Tree(nodes)
    model_version = getattr(results, "model_version", None) or MODEL_VERSION
    root = {
        "format": fmt.FORMAT_NAME,
        "format_version": np.int64(fmt.FORMAT_VERSION),
        "app_version": __version__,
        "model_version": model_version,
        "min_app_version": fmt.MIN_APP_VERSION,
        "created": created,
        "modified": modified,
        "title": title,
        "author": author,
        "notes": notes,
        "checksum": checksum(tree),
    }
    nodes["/"].attrs = {name: as_value(value) for name, value in root.items()}
    return tree


# ---------------------------------------------------------------------------------------------
# HDF5


def hdf5_image(tree: Tree) -> bytes:
    """Write ``tree`` as an HDF5 file in memory and return its bytes.

    Objects are limited to those of HDF5 1.10 (``libver=("earliest", "v110")``),
    modification times are not recorded, text is fixed-length, NUL-terminated
    UTF-8, numbers are little-endian ``float64`` or ``int64``, and datasets are
    contiguous without filters.
    """
    fapl = h5p.create(h5p.FILE_ACCESS)
    fapl.set_fapl_core(backing_store=False)
    fapl.set_libver_bounds(h5f.LIBVER_EARLIEST, h5f.LIBVER_V110)
    # A unique name: the core driver keeps the image in memory only, but HDF5
    # refuses two open files of the same name.
    fid = h5f.create(f"evexplorer-{uuid.uuid4().hex}.evx".encode(), h5f.ACC_TRUNC, fapl=fapl)
    try:
        gcpl = h5p.create(h5p.GROUP_CREATE)
        gcpl.set_obj_track_times(False)
        dcpl = h5p.create(h5p.DATASET_CREATE)
        dcpl.set_obj_track_times(False)
        objects = {"/": h5g.open(fid, b"/")}
        for path in sorted(tree.nodes, key=lambda p: p.encode("utf-8")):
            node = tree.nodes[path]
            if path != "/":
                parent, _, name = path.rpartition("/")
                loc = objects[parent or "/"]
                if node.kind == "group":
                    objects[path] = h5g.create(loc, name.encode("utf-8"), gcpl=gcpl)
                else:
                    tid, data, mtype = _hdf5_value(node.value)
                    objects[path] = h5d.create(loc, name.encode("utf-8"), tid, _space(data),
                                               dcpl=dcpl)
                    if data.size:
                        objects[path].write(h5s.ALL, h5s.ALL, data, mtype=mtype)
            for name, value in node.attrs.items():
                tid, data, mtype = _hdf5_value(value)
                attr = h5a.create(objects[path], name.encode("utf-8"), tid, _space(data))
                if data.size:
                    attr.write(data, mtype=mtype)
        h5f.flush(fid)
        return fid.get_file_image()
    finally:
        fid.close()


def _space(data: np.ndarray) -> h5s.SpaceID:
    return h5s.create(h5s.SCALAR) if data.ndim == 0 else h5s.create_simple(data.shape)


def _hdf5_value(value: np.ndarray) -> tuple[h5t.TypeID, np.ndarray, h5t.TypeID | None]:
    """File type, data in memory and memory type (None: from the data) of one value."""
    kind = value.dtype.kind
    if kind == "f":
        return h5t.IEEE_F64LE, np.array(value, dtype="<f8", order="C"), None
    if kind == "i":
        return h5t.STD_I64LE, np.array(value, dtype="<i8", order="C"), None
    encoded = [s.encode("utf-8") for s in value.ravel().tolist()]
    size = max((len(b) for b in encoded), default=0) + 1
    tid = h5t.C_S1.copy()
    tid.set_size(size)
    tid.set_strpad(h5t.STR_NULLTERM)
    tid.set_cset(h5t.CSET_UTF8)
    return tid, np.array(encoded, dtype=f"S{size}").reshape(value.shape), tid


def _verify(image: bytes, tree: Tree) -> None:
    """Parse the built file back with the defensive reader; it must hold what was meant."""
    from .reader import document_from_tree
    from .safe_hdf5 import read_tree

    try:
        back = read_tree(image)
        ok = (document_from_tree(back).checksum_ok
              and str(back.root["checksum"]) == str(tree.root["checksum"]))
    except ScenarioFileError:
        ok = False
    if not ok:
        raise ScenarioFileError("EV Explorer built a file it cannot read back, so nothing was "
                                "saved; please report this.", "internal")


# ---------------------------------------------------------------------------------------------
# the file system


def write_atomically(path: str | os.PathLike[str], data: bytes) -> None:
    """Replace ``path`` by a file holding ``data``, all or nothing (see :mod:`evexplorer._atomic`).

    Raises
    ------
    ScenarioFileError
        If anything fails; the previous file is then unchanged and no temporary
        file is left behind.
    """
    try:
        _atomic.write_atomically(path, data, verb="save")
    except _atomic.WriteError as exc:
        raise ScenarioFileError(str(exc), exc.code) from None
