"""Saving scenario files: build the whole file in memory, check it, then replace atomically.

Only the current :data:`~.format.FORMAT_VERSION` is ever written. The file is
built in memory with HDF5's core driver (bounded to objects that HDF5 1.8 and
1.10 tools read), parsed back with the defensive reader, written to a
temporary file in the target folder, flushed and fsynced, and only then moved
over the target with :func:`os.replace`. A failure at any point leaves the
previous file as it was, and whatever fails, the caller gets one
:class:`~.errors.ScenarioFileError` with one sentence.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import numpy as np
from h5py import h5a, h5d, h5f, h5g, h5p, h5s, h5t

from .. import _atomic
from .._version import MODEL_VERSION, __version__
from . import extras
from . import format as fmt
from ._files import FileFingerprint, check_unchanged
from .document import iso_utc, same_value
from .errors import ScenarioFileError
from .tree import Node, Tree, as_value, checksum

#: How every sentence about a failed save ends: the previous file, if any, is kept.
_NOTHING_SAVED = "nothing was saved"


def save_scenario(path: str | os.PathLike[str], parameters: Mapping[str, Any], results: Any, *,
                  title: str = "", author: str = "", notes: str = "",
                  created: str | None = None,
                  reference: Mapping[str, Any] | None = None,
                  uncertainty: Mapping[str, Any] | None = None,
                  targets: Sequence[Mapping[str, Any]] | None = None,
                  expected: FileFingerprint | None = None) -> FileFingerprint:
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
    reference : Mapping, optional
        The scenario the user compares against, ``{"title": str, "parameters":
        {lever: value}}`` (see :func:`.extras.canonical_reference`); None: not stored.
    uncertainty : Mapping, optional
        ``{"seed", "levers", "correlations"}`` (see
        :func:`.extras.canonical_uncertainty`); None: not stored.
    targets : sequence of Mapping, optional
        User targets (see :func:`.extras.canonical_targets`); None: not stored.
    expected : FileFingerprint, optional
        What ``path`` held when it was opened or last saved
        (:attr:`.ScenarioDocument.fingerprint`, or this function's return
        value). If the file on disk is no longer that one (another program or
        window changed, replaced or deleted it), nothing is saved and a
        ScenarioFileError with ``code == "changed-on-disk"`` is raised, so that
        the caller can ask the user (overwrite: save again without ``expected``;
        save as; cancel). The check runs once the new file is safely on disk,
        immediately before it replaces the old one: a change made in that
        moment (the time to hash the file, well under a millisecond for a
        scenario) is not seen.

    Returns
    -------
    FileFingerprint
        The fingerprint of the saved file: pass it as ``expected`` next time.

    Raises
    ------
    ScenarioFileError
        For every failure, with one sentence for the user and a :attr:`code`:
        a value that cannot be saved (``"bad-value"``: an unknown lever, with
        the closest names; an invalid value; a batch or results computed for
        other levers; an invalid reference, uncertainty or target), a text that
        cannot be stored (``"bad-text"``, ``"text-too-long"``), a file changed
        on disk (``"changed-on-disk"``), the file system (``"disk-full"``,
        ``"read-only"``, ``"file-protected"``, ``"too-large"``,
        ``"no-folder"``, ``"not-a-file"``, ``"io"``, ...), ``"memory"``, or a
        failure of EV Explorer itself (``"internal"``). The previous file, if
        any, is then unchanged and no temporary file is left behind.
    """
    with _as_one_sentence("could not gather what to save", input_errors=True):
        tree = _content(parameters, results, title=title, author=author, notes=notes,
                        created=created, reference=reference, uncertainty=uncertainty,
                        targets=targets)
    with _as_one_sentence("could not build the file"):
        image = hdf5_image(tree)
        _verify(image, tree)
    check = None if expected is None else (lambda: check_unchanged(path, expected))
    with _as_one_sentence("could not write the file"):
        written = _atomic.write_atomically(path, image, verb="save", before_replace=check)
    return FileFingerprint.of(image, written)


@contextlib.contextmanager
def _as_one_sentence(what: str, *, input_errors: bool = False) -> Iterator[None]:
    """Turn whatever the block raises into a ScenarioFileError with one sentence.

    ``input_errors``: a ValueError (a ParameterError included) says what is wrong with the
    caller's values; elsewhere it is a failure of EV Explorer, like any other exception.
    """
    try:
        yield
    except ScenarioFileError:
        raise
    except _atomic.WriteError as exc:
        raise ScenarioFileError(str(exc), exc.code) from None
    except MemoryError:
        raise _no_memory() from None
    except ValueError as exc:
        if not input_errors:
            raise _internal(what, exc) from exc
        raise ScenarioFileError(_sentence(str(exc)), "bad-value") from None
    except Exception as exc:
        raise _internal(what, exc) from exc


def _content(parameters: Mapping[str, Any], results: Any, *, title: str, author: str, notes: str,
             created: str | None, reference: Mapping[str, Any] | None,
             uncertainty: Mapping[str, Any] | None,
             targets: Sequence[Mapping[str, Any]] | None) -> Tree:
    """Validate everything to save and lay it out; ValueError (or ScenarioFileError) if invalid."""
    values = canonical_levers(parameters)
    if results is not None:
        _check_results(values, results)
    texts = {name: _text(name, value) for name, value in
             (("title", title), ("author", author), ("notes", notes))}
    optional = {}
    for key, record, canonical, what in (
            ("reference", reference, extras.canonical_reference, "reference scenario"),
            ("uncertainty", uncertainty, extras.canonical_uncertainty, "uncertainty settings"),
            ("targets", targets, extras.canonical_targets, "targets")):
        if record is not None:
            try:
                optional[key] = canonical(record)
            except ValueError as exc:
                raise ScenarioFileError(f"The {what} cannot be saved: {_clause(str(exc))}",
                                        "bad-value") from None
    now = _utc_now()
    return build_tree(values, results, created=_iso_time(created) if created else now,
                      modified=now, **texts, **optional)


def canonical_levers(parameters: Mapping[str, Any]) -> dict[str, Any]:
    """Every lever in canonical form (see :func:`.extras.canonical_levers`), defaults filled in."""
    return extras.canonical_levers(parameters)


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
    try:
        return extras.check_text(value, f"the {name}", fmt.MAX_TEXT_BYTES)
    except extras.TextError as exc:
        raise ScenarioFileError(_sentence(str(exc)), exc.code) from None


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def _clause(text: str) -> str:
    """A sentence to follow a colon: its first letter in lower case, unless a name starts it."""
    if text[:1].isupper() and text[1:2].islower():
        return text[:1].lower() + text[1:]
    return text


def _no_memory() -> ScenarioFileError:
    return ScenarioFileError(f"There was not enough memory to build the file, so "
                             f"{_NOTHING_SAVED}; close other programs and save again.", "memory")


def _internal(what: str, exc: BaseException) -> ScenarioFileError:
    detail = " ".join(str(exc).split())[:120]
    reason = f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__
    return ScenarioFileError(f"EV Explorer {what} ({reason}), so {_NOTHING_SAVED}; please "
                             "report this.", "internal")


def _utc_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _iso_time(text: str) -> str:
    try:
        return iso_utc(text)
    except ValueError:
        raise ValueError(f"The creation time must be an ISO 8601 time, not {text!r}.") from None


# ---------------------------------------------------------------------------------------------
# the content, as a plain tree


def build_tree(values: Mapping[str, Any], results: Any, *, title: str, author: str, notes: str,
               created: str, modified: str, reference: Mapping[str, Any] | None = None,
               uncertainty: Mapping[str, Any] | None = None,
               targets: Sequence[Mapping[str, Any]] | None = None) -> Tree:
    """Lay out a scenario as the current format version stores it (see ``docs/file-format.md``).

    ``values`` and the optional records must be in canonical form.
    """
    nodes: dict[str, Node] = {"/": Node("group")}
    nodes.update(extras.lever_group_nodes(values, f"/{fmt.PARAMETERS}"))
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
    nodes.update(extras.extra_nodes(reference=reference, uncertainty=uncertainty,
                                    targets=targets))
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
    if any(f"/{group}" in nodes for group in fmt.EXTRA_GROUPS):
        root[fmt.EXTRAS_CHECKSUM] = checksum(tree, fmt.EXTRA_GROUPS)
    nodes["/"].attrs = {name: as_value(value) for name, value in root.items()}
    return tree


# ---------------------------------------------------------------------------------------------
# HDF5


def hdf5_image(tree: Tree) -> bytes:
    """Write ``tree`` as an HDF5 file in memory and return its bytes.

    Objects are limited to those of HDF5 1.8 to 1.10 (``libver=("v108",
    "v110")``): HDF5 1.8 and 1.10 tools read the file, and attributes too large
    for an object header (a long title, author or notes) go to the dense
    attribute storage that HDF5 1.8 introduced. Modification times are not
    recorded, text is fixed-length, NUL-terminated UTF-8, numbers are
    little-endian ``float64`` or ``int64``, and datasets are contiguous without
    filters.

    The root's attributes that say what the file is are written first, and its
    free texts (title, author, notes) last, so that ``evexplorer-scenario``
    stays within the first 4 KiB of the file, where file managers look for it,
    however long those texts are.
    """
    fapl = h5p.create(h5p.FILE_ACCESS)
    fapl.set_fapl_core(backing_store=False)
    fapl.set_libver_bounds(h5f.LIBVER_V18, h5f.LIBVER_V110)
    # A unique name: the core driver keeps the image in memory only, but HDF5
    # refuses two open files of the same name.
    fid = h5f.create(f"evexplorer-{uuid.uuid4().hex}.evx".encode(), h5f.ACC_TRUNC, fapl=fapl)
    try:
        gcpl = h5p.create(h5p.GROUP_CREATE)
        gcpl.set_obj_track_times(False)
        dcpl = h5p.create(h5p.DATASET_CREATE)
        dcpl.set_obj_track_times(False)
        root = h5g.open(fid, b"/")
        objects = {"/": root}
        texts = {name: value for name, value in tree.root.items() if name in _LATE_ATTRIBUTES}
        _write_attributes(root, {name: value for name, value in tree.root.items()
                                 if name not in texts})
        # When the texts are added, the root's header grows by a continuation block, whose
        # reference must fit in the header's first block: HDF5 puts it in a free (null)
        # message if there is one, and otherwise moves a message, which could be 'format',
        # out to the end of the file. An attribute written and deleted leaves that free message.
        _write_attributes(root, {_PLACEHOLDER: np.zeros(8)})
        h5a.delete(root, _PLACEHOLDER.encode("ascii"))
        h5f.flush(fid)
        for path in sorted(tree.nodes, key=lambda p: p.encode("utf-8")):
            if path == "/":
                continue
            node = tree.nodes[path]
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
            _write_attributes(objects[path], node.attrs)
        _write_attributes(root, texts)
        h5f.flush(fid)
        return fid.get_file_image()
    finally:
        fid.close()


#: Root attributes written after everything else (see :func:`hdf5_image`).
_LATE_ATTRIBUTES = frozenset({"title", "author", "notes"})
#: Name of the attribute that reserves room in the root's header (written, then deleted).
_PLACEHOLDER = "evexplorer-placeholder"


def _write_attributes(obj: Any, attrs: Mapping[str, np.ndarray]) -> None:
    for name, value in attrs.items():
        tid, data, mtype = _hdf5_value(value)
        attr = h5a.create(obj, name.encode("utf-8"), tid, _space(data))
        if data.size:
            attr.write(data, mtype=mtype)


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
        ok = document_from_tree(back).checksum_ok and all(
            str(back.root.get(name)) == str(tree.root.get(name))
            for name in ("checksum", fmt.EXTRAS_CHECKSUM, "title", "author", "notes"))
    except ScenarioFileError:
        ok = False
    if not ok:
        raise ScenarioFileError(f"EV Explorer built a file it cannot read back, so "
                                f"{_NOTHING_SAVED}; please report this.", "internal")
