"""Defensive parse of an untrusted HDF5 file into a plain :class:`~.tree.Tree`.

This is the code that runs in the child process of :mod:`.isolated` (and
in-process when the caller asks for it); it imports only h5py, NumPy and the
standard library, and knows nothing of levers or the model. In order:

1. The bytes: size cap, not empty, the HDF5 signature (:mod:`._files`).
2. HDF5 plugin loading is switched off for the whole process.
3. The file is opened read-only from an in-memory image: no file locking, no
   handle on the user's file, nothing on disk reachable through the file.
4. The root attributes that say what the file is (``format``,
   ``format_version``, ``min_app_version``) are read by name, before anything
   else; a file that is not a scenario of a version this release reads stops
   here (the caller says why).
5. Pass 1 walks every link and object and checks metadata only: hard links
   only; groups and datasets only; no external storage, virtual datasets or
   filters other than deflate, shuffle and fletcher32; numbers and text
   (fixed-length, or variable-length as h5py writes by default) and nothing
   else (no references, no variable-length data of other kinds); caps on
   object counts, nesting, names, dimensions and the size of every value.
6. Pass 2 reads the values. Chunked data is fetched raw and decompressed here
   with a bound on the output, so HDF5's own filter pipeline never runs.
   Variable-length text, whose size is known only once read, is read one
   element at a time from datasets (contiguous or compact only) and checked
   against the same limits as it arrives.
"""

from __future__ import annotations

import math
import uuid
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field

import h5py
import numpy as np
from h5py import h5a, h5d, h5f, h5g, h5l, h5o, h5p, h5pl, h5s, h5t

from . import _files
from . import format as fmt
from .errors import ScenarioFileError
from .tree import Node, Tree

_NUMBER_TYPES = (
    *((t, "f") for t in (h5t.IEEE_F64LE, h5t.IEEE_F64BE, h5t.IEEE_F32LE, h5t.IEEE_F32BE)),
    *((t, "i") for t in (
        h5t.STD_I64LE, h5t.STD_I64BE, h5t.STD_I32LE, h5t.STD_I32BE, h5t.STD_I16LE,
        h5t.STD_I16BE, h5t.STD_I8LE, h5t.STD_I8BE, h5t.STD_U64LE, h5t.STD_U64BE,
        h5t.STD_U32LE, h5t.STD_U32BE, h5t.STD_U16LE, h5t.STD_U16BE, h5t.STD_U8LE,
        h5t.STD_U8BE)),
)
_CLASS_NAMES = {
    h5t.TIME: "time", h5t.BITFIELD: "bit field", h5t.OPAQUE: "opaque bytes",
    h5t.COMPOUND: "compound record", h5t.ENUM: "enumeration", h5t.VLEN: "variable-length list",
    h5t.ARRAY: "array type",
}
_DEFLATE, _SHUFFLE, _FLETCHER32 = 1, 2, 3
_ROOT = "/"
#: Size of one stored variable-length text's reference to its bytes (length and heap id).
_VLEN_REFERENCE_BYTES = 16
_VLEN_ENCODINGS = {h5t.CSET_ASCII: "ascii", h5t.CSET_UTF8: "utf-8"}


def disable_plugins() -> None:
    """Stop HDF5 from loading filter plugins in this process.

    h5py has no switch for ``H5PLset_loading_state``, so the plugin search
    path is emptied: with no folder to search, no plugin can be loaded. (The
    child process also sets ``HDF5_PLUGIN_PRELOAD=::`` before HDF5 starts.)
    """
    set_state = getattr(h5pl, "set_loading_state", None)
    if set_state is not None:  # pragma: no cover - newer h5py
        set_state(0)
    while h5pl.size():
        h5pl.remove(0)


def read_tree(data: bytes) -> Tree:
    """Parse the bytes of an untrusted HDF5 file.

    Parameters
    ----------
    data : bytes
        The whole file.

    Returns
    -------
    Tree
        Every group and dataset with its attributes and value, or (``complete``
        False) only the root attributes if the file is not a scenario of a
        format version this release reads.

    Raises
    ------
    ScenarioFileError
        For any refusal, and for files the HDF5 library cannot parse.
    """
    return _parse(data, lambda reader, fid: reader.read(fid))


def read_identity(data: bytes) -> Tree:
    """Parse only what an untrusted HDF5 file says it is: the root attributes ``format``,
    ``format_version`` and ``min_app_version`` (those that are readable).

    Returns
    -------
    Tree
        The root alone (``complete`` False).

    Raises
    ------
    ScenarioFileError
        If the bytes are not an HDF5 file the library can open.
    """
    def identity(reader: _Reader, fid: h5f.FileID) -> Tree:
        return Tree({_ROOT: Node("group", reader._read_identity(h5g.open(fid, b"/")))},
                    complete=False)

    return _parse(data, identity)


def _parse(data: bytes, read: Callable[[_Reader, h5f.FileID], Tree]) -> Tree:
    """Check the bytes, open them safely, ``read`` them; every failure one sentence."""
    _files.check_size(len(data))
    _files.check_signature(data)
    disable_plugins()
    reader = _Reader()
    try:
        fid = _open_image(data)
    except (ScenarioFileError, MemoryError):
        raise
    except Exception as exc:
        raise _unreadable(exc, _ROOT) from None
    try:
        return read(reader, fid)
    except (ScenarioFileError, MemoryError):
        raise
    except Exception as exc:
        raise _unreadable(exc, reader.where) from None
    finally:
        try:
            fid.close()
        except Exception:  # closing a damaged file may fail too; nothing to do
            pass


def _open_image(data: bytes) -> h5f.FileID:
    """Open the bytes read-only with the in-memory (core) driver, without file locking."""
    fapl = h5p.create(h5p.FILE_ACCESS)
    fapl.set_fapl_core(backing_store=False)
    fapl.set_file_image(data)
    fapl.set_file_locking(False, True)
    # The name is never used to reach the disk; it is unique so that two reads never clash.
    return h5f.open(f"received-{uuid.uuid4().hex}.evx".encode(), h5f.ACC_RDONLY, fapl=fapl)


def _unreadable(exc: BaseException, where: str) -> ScenarioFileError:
    text = str(exc).lower()
    if "truncated" in text:
        return ScenarioFileError(
            "This file is incomplete: it was cut short, e.g. by an interrupted download or copy.",
            "truncated")
    if "memory allocation failed" in text or "can't allocate" in text:
        return ScenarioFileError(
            "This file is damaged: reading it needed more memory than any scenario could.",
            "memory")
    place = "it" if where == _ROOT else f"'{where}'"
    return ScenarioFileError(f"This file is damaged: the HDF5 library could not read {place}.",
                             "damaged")


def _refuse(code: str, message: str) -> ScenarioFileError:
    return ScenarioFileError(message, code)


@dataclass
class _Spec:
    """How to read one value: its kind, the NumPy type to read into, its shape."""

    kind: str  # "f", "i", "s" (fixed-length text) or "v" (variable-length text)
    dtype: np.dtype
    mtype: h5t.TypeID | None
    shape: tuple[int, ...]

    @property
    def count(self) -> int:
        return math.prod(self.shape)

    @property
    def nbytes(self) -> int:
        """Size in memory; for variable-length text, of the references to the texts."""
        return self.count * (_VLEN_REFERENCE_BYTES if self.kind == "v" else self.dtype.itemsize)


_Attribute = tuple[str, h5a.AttrID, _Spec]


@dataclass
class _Plan:
    """An object that passed pass 1, with everything needed to read it in pass 2."""

    kind: str
    obj: h5py.h5o.ObjectID
    attrs: list[_Attribute] = field(default_factory=list)
    spec: _Spec | None = None
    chunk: tuple[int, ...] | None = None
    filters: list[tuple[int, tuple[int, ...]]] = field(default_factory=list)


class _Reader:
    """Pass 1 (metadata checks) and pass 2 (values) over one open file."""

    def __init__(self) -> None:
        self.where = _ROOT
        self.plans: dict[str, _Plan] = {}
        self.seen: set[tuple[int, int]] = set()
        self.planned_bytes = 0  # from metadata, before reading
        self.read_bytes = 0  # variable-length text, as it is read

    # -- top level ------------------------------------------------------------------------------

    def read(self, fid: h5f.FileID) -> Tree:
        root = h5g.open(fid, b"/")
        # What the file is comes first: a newer scenario, or a foreign file with attributes
        # this release would refuse, is then reported as such, the more useful sentence.
        identity = self._read_identity(root)
        if not _is_readable_scenario(identity):
            return Tree({_ROOT: Node("group", identity)}, complete=False)
        self.seen.add(_identity(root))
        root_node = self._read_plan(_ROOT, _Plan("group", root,
                                                 self._check_attributes(root, _ROOT)))
        self._walk(root, _ROOT, depth=0)
        self._check_total()
        nodes = {_ROOT: root_node}
        for path, child in self.plans.items():
            self.where = path
            nodes[path] = self._read_plan(path, child)
        self.where = _ROOT
        return Tree(nodes)

    def _read_identity(self, root: h5g.GroupID) -> dict[str, np.ndarray]:
        """The root attributes that say what the file is; those unreadable are left out."""
        values = {}
        for name in fmt.IDENTITY_ATTRIBUTES:
            raw = name.encode("ascii")
            try:
                if not h5a.exists(root, raw):
                    continue
                attr = h5a.open(root, raw)
                where = f"attribute '{name}' of '/'"
                spec = _spec(attr.get_type(), attr.get_space(), where)
                _check_attribute_size(spec, where)
                values[name] = self._read_attribute(attr, spec, where)
            except ScenarioFileError:
                continue
        self.planned_bytes = 0
        self.read_bytes = 0
        return values

    def _check_total(self) -> None:
        total = self.planned_bytes + self.read_bytes
        if total > fmt.MAX_TOTAL_BYTES:
            raise _refuse("too-much-data", (
                f"This file holds {fmt.size_text(total)} of data, more than any "
                f"scenario (at most {fmt.size_text(fmt.MAX_TOTAL_BYTES)}), so it was not read."))

    # -- pass 1: metadata only ------------------------------------------------------------------

    def _walk(self, gid: h5g.GroupID, path: str, depth: int) -> None:
        self.where = path
        if depth >= fmt.MAX_DEPTH:
            raise _refuse("too-deep", (
                f"This file nests groups more than {fmt.MAX_DEPTH} deep ('{path}'), far deeper "
                "than any scenario, so it was not opened."))
        count = gid.get_num_objs()
        if count > fmt.MAX_LINKS_PER_GROUP:
            raise _refuse("too-many-objects", (
                f"This file holds {count:,} entries in one group ('{path}'), far more than any "
                "scenario, so it was not opened."))
        names: list[bytes] = []

        def collect(name: bytes) -> bool | None:
            names.append(name)
            return True if len(names) > count else None

        gid.links.iterate(collect)
        for raw in names[:count]:
            name = _name(raw, path)
            child = f"{path.rstrip('/')}/{name}"
            self.where = child
            self._check_link(gid, raw, child)
            if len(self.plans) >= fmt.MAX_OBJECTS:
                raise _refuse("too-many-objects", (
                    f"This file holds more than {fmt.MAX_OBJECTS:,} objects, far more than any "
                    "scenario, so it was not opened."))
            obj = h5o.open(gid, raw)
            identity = _identity(obj)
            if identity in self.seen:
                raise _refuse("damaged", (
                    f"This file is damaged: the object at '{child}' also appears under another "
                    "name."))
            self.seen.add(identity)
            kind = h5o.get_info(obj).type
            if kind == h5o.TYPE_GROUP:
                self.plans[child] = _Plan("group", obj, self._check_attributes(obj, child))
                self._walk(obj, child, depth + 1)
            elif kind == h5o.TYPE_DATASET:
                self.plans[child] = self._check_dataset(obj, child)
            else:
                what = "a named data type" if kind == h5o.TYPE_NAMED_DATATYPE else "an object"
                raise _refuse("object-kind", (
                    f"This file contains a kind of HDF5 object that scenario files never use "
                    f"({what} at '{child}'), so it was not opened."))

    def _check_link(self, gid: h5g.GroupID, raw: bytes, path: str) -> None:
        kind = gid.links.get_info(raw).type
        if kind == h5l.TYPE_HARD:
            return
        if kind == h5l.TYPE_SOFT:
            raise _refuse("soft-link", (
                f"This file contains a shortcut to another place in it ('{path}', a soft link); "
                "scenario files never do, so it was not opened."))
        if kind == h5l.TYPE_EXTERNAL:
            raise _refuse("external-link", (
                f"This file contains a link to another file ('{path}', an external link); "
                "scenario files never refer to other files, so it was not opened."))
        raise _refuse("link-kind", (
            f"This file contains a link of a kind scenario files never use ('{path}'), so it was "
            "not opened."))

    def _check_attributes(self, obj: h5o.ObjectID, path: str) -> list[_Attribute]:
        """Check every attribute's metadata."""
        count = h5a.get_num_attrs(obj)
        if count > fmt.MAX_ATTRIBUTES:
            raise _refuse("too-many-attributes", (
                f"This file gives '{path}' {count:,} attributes, far more than any scenario, so "
                "it was not opened."))
        attrs = []
        for index in range(count):
            attr = h5a.open(obj, index=index)
            name = _name(attr.name, path)
            where = f"attribute '{name}' of '{path}'"
            spec = _spec(attr.get_type(), attr.get_space(), where)
            _check_attribute_size(spec, where)
            self.planned_bytes += spec.nbytes
            attrs.append((name, attr, spec))
        return attrs

    def _check_dataset(self, dsid: h5d.DatasetID, path: str) -> _Plan:
        dcpl = dsid.get_create_plist()
        layout = dcpl.get_layout()
        if layout == h5d.VIRTUAL:
            raise _refuse("virtual-dataset", (
                f"This file builds '{path}' from other files (a virtual dataset); scenario files "
                "never refer to other files, so it was not opened."))
        if dcpl.get_external_count():
            raise _refuse("external-storage", (
                f"This file keeps the data of '{path}' in other files (external storage); "
                "scenario files never refer to other files, so it was not opened."))
        filters = []
        for index in range(dcpl.get_nfilters()):
            code, _flags, values, name = dcpl.get_filter(index)
            if code not in fmt.ALLOWED_FILTERS:
                label = "".join(c for c in name.decode("utf-8", "replace")
                                if c.isprintable()).strip() or "unnamed"
                raise _refuse("filter", (
                    f"This file compresses '{path}' with a filter EV Explorer does not accept "
                    f"({label[:40]}, id {code}); scenario files use at most deflate, shuffle and "
                    "fletcher32."))
            filters.append((code, tuple(int(v) for v in values)))
        if layout not in (h5d.COMPACT, h5d.CONTIGUOUS, h5d.CHUNKED):
            raise _refuse("layout", (
                f"This file stores '{path}' in a layout scenario files never use, so it was not "
                "opened."))
        spec = _spec(dsid.get_type(), dsid.get_space(), f"'{path}'")
        if spec.kind == "v":
            if layout == h5d.CHUNKED:
                raise _refuse("variable-string", (
                    f"This file stores variable-length text in blocks ('{path}'); scenario files "
                    "keep text in one piece, so it was not opened."))
            if spec.count > fmt.MAX_VLEN_DATASET_ITEMS:
                raise _refuse("dataset-too-large", (
                    f"This file holds {spec.count:,} texts in one dataset ('{path}'), more than "
                    f"a scenario file allows ({fmt.MAX_VLEN_DATASET_ITEMS:,}), so it was not "
                    "read."))
        if spec.nbytes > fmt.MAX_DATASET_BYTES:
            raise _refuse("dataset-too-large", (
                f"This file holds a dataset of {fmt.size_text(spec.nbytes)} ('{path}'), more than "
                f"a scenario file allows ({fmt.size_text(fmt.MAX_DATASET_BYTES)}), so it was not "
                "read."))
        chunk = None
        if layout == h5d.CHUNKED:
            chunk = tuple(int(c) for c in dcpl.get_chunk())
            chunk_bytes = math.prod(chunk) * spec.dtype.itemsize
            if len(chunk) != len(spec.shape) or min(chunk, default=0) < 1:
                raise _refuse("damaged", f"This file is damaged: '{path}' has invalid blocks.")
            if chunk_bytes > fmt.MAX_DATASET_BYTES:
                raise _refuse("dataset-too-large", (
                    f"This file stores '{path}' in blocks of {fmt.size_text(chunk_bytes)}, more "
                    f"than a scenario file allows ({fmt.size_text(fmt.MAX_DATASET_BYTES)}), so it "
                    "was not read."))
        elif filters:
            raise _refuse("damaged", f"This file is damaged: '{path}' has an invalid layout.")
        self.planned_bytes += spec.nbytes
        attrs = self._check_attributes(dsid, path)
        return _Plan("dataset", dsid, attrs, spec, chunk, filters)

    # -- pass 2: values -------------------------------------------------------------------------

    def _read_plan(self, path: str, plan: _Plan) -> Node:
        attrs = {}
        for name, attr, spec in plan.attrs:
            self.where = f"{path} (attribute {name})"
            attrs[name] = self._read_attribute(attr, spec, f"attribute '{name}' of '{path}'")
        self.where = path
        if plan.kind == "group":
            return Node("group", attrs)
        spec = plan.spec
        if spec.kind == "v":
            return Node("dataset", attrs, self._read_texts(plan.obj, spec, f"'{path}'"))
        if plan.chunk is not None:
            raw = self._read_chunked(plan, path)
        else:
            raw = np.empty(spec.shape, spec.dtype)
            if raw.size:
                plan.obj.read(h5s.ALL, h5s.ALL, raw, mtype=spec.mtype)
        return Node("dataset", attrs, _finish(spec, raw, f"'{path}'"))

    def _read_attribute(self, attr: h5a.AttrID, spec: _Spec, where: str) -> np.ndarray:
        raw = np.empty(spec.shape, spec.dtype)
        if raw.size:
            attr.read(raw, mtype=spec.mtype)
        if spec.kind != "v":
            return _finish(spec, raw, where)
        texts = [self._text(item, where) for item in raw.ravel().tolist()]
        size = sum(len(t.encode("utf-8")) + 1 for t in texts)
        if size > fmt.MAX_ATTRIBUTE_BYTES:
            raise _refuse("attribute-too-large", (
                f"This file holds an attribute of {fmt.size_text(size)} ({where}), more than a "
                f"scenario file allows ({fmt.size_text(fmt.MAX_ATTRIBUTE_BYTES)}), so it was not "
                "read."))
        return np.array(texts, dtype=str).reshape(spec.shape)

    def _read_texts(self, dsid: h5d.DatasetID, spec: _Spec, where: str) -> np.ndarray:
        """A variable-length text dataset, one element at a time, within the limits."""
        one = np.empty((1,) if spec.shape else (), spec.dtype)
        memory = h5s.create_simple((1,)) if spec.shape else h5s.ALL
        texts = []
        size = 0
        for index in range(spec.count):
            if spec.shape:
                selection = dsid.get_space()
                selection.select_hyperslab((index,), (1,))
            else:
                selection = h5s.ALL
            dsid.read(memory, selection, one, mtype=spec.mtype)
            text = self._text(one.ravel()[0], where)
            size += len(text.encode("utf-8")) + 1
            if size > fmt.MAX_DATASET_BYTES:
                raise _refuse("dataset-too-large", (
                    f"This file holds a dataset of more than {fmt.size_text(size)} ({where}), "
                    f"more than a scenario file allows ({fmt.size_text(fmt.MAX_DATASET_BYTES)}), "
                    "so it was not read."))
            texts.append(text)
        return np.array(texts, dtype=str).reshape(spec.shape)

    def _text(self, item: bytes | str | None, where: str) -> str:
        """One variable-length text as read, checked and counted."""
        data = item.encode("utf-8") if isinstance(item, str) else (item or b"")
        if len(data) >= fmt.MAX_STRING_BYTES:
            raise _refuse("string-too-long", (
                f"This file holds a text of {fmt.size_text(len(data))} ({where}), longer than a "
                f"scenario file allows ({fmt.size_text(fmt.MAX_STRING_BYTES)}), so it was not "
                "read."))
        self.read_bytes += len(data)
        self._check_total()
        return _decode(data, where)

    def _read_chunked(self, plan: _Plan, path: str) -> np.ndarray:
        spec, chunk, dsid = plan.spec, plan.chunk, plan.obj
        out = np.empty(spec.shape, spec.dtype)
        expected = math.prod(-(-s // c) for s, c in zip(spec.shape, chunk, strict=True))
        if expected == 0:
            return out
        damaged = _refuse("damaged", f"This file is damaged: part of '{path}' is missing.")
        if dsid.get_num_chunks() != expected:
            raise damaged
        chunk_bytes = math.prod(chunk) * spec.dtype.itemsize
        placed = set()
        for index in range(expected):
            info = dsid.get_chunk_info(index)
            offset = tuple(int(o) for o in info.chunk_offset)
            if (len(offset) != len(chunk) or offset in placed or info.size > fmt.MAX_FILE_BYTES
                    or any(o % c or o >= s for o, c, s in zip(offset, chunk, spec.shape,
                                                              strict=True))):
                raise damaged
            placed.add(offset)
            mask, raw = dsid.read_direct_chunk(offset)
            data = _unfilter(bytes(raw), mask, plan.filters, chunk_bytes, spec.dtype.itemsize,
                             path)
            tile = np.frombuffer(data, dtype=spec.dtype).reshape(chunk)
            region = tuple(slice(o, min(o + c, s))
                           for o, c, s in zip(offset, chunk, spec.shape, strict=True))
            out[region] = tile[tuple(slice(0, r.stop - r.start) for r in region)]
        return out


def _unfilter(data: bytes, mask: int, filters: list[tuple[int, tuple[int, ...]]],
              chunk_bytes: int, itemsize: int, path: str) -> bytes:
    """Undo a chunk's filters (deflate, shuffle, fletcher32) without HDF5's pipeline."""
    damaged = _refuse("damaged", f"This file is damaged: the compressed data of '{path}' is "
                      "invalid.")
    for index in reversed(range(len(filters))):
        if mask & (1 << index):
            continue
        code, values = filters[index]
        if code == _FLETCHER32:
            # The trailing 4-byte checksum is dropped; the file's SHA-256 covers the data.
            if len(data) < 4:
                raise damaged
            data = data[:-4]
        elif code == _DEFLATE:
            inflater = zlib.decompressobj()
            try:
                out = inflater.decompress(data, chunk_bytes + 1)
            except zlib.error:
                raise damaged from None
            if len(out) > chunk_bytes or inflater.unconsumed_tail:
                raise _refuse("decompression-bomb", (
                    f"This file is damaged or malicious: the compressed data of '{path}' expands "
                    "beyond its declared size, so it was not read."))
            data = out
        else:
            data = _unshuffle(data, values[0] if values else itemsize)
    if len(data) != chunk_bytes:
        raise damaged
    return data


def _unshuffle(data: bytes, size: int) -> bytes:
    """Undo HDF5's byte shuffle of elements of ``size`` bytes."""
    if size <= 1:
        return data
    count = len(data) // size
    body = np.frombuffer(data, np.uint8, count * size).reshape(size, count).T.tobytes()
    return body + data[count * size:]


def _identity(obj: h5o.ObjectID) -> tuple[int, int]:
    info = h5o.get_info(obj)
    return int(info.fileno), int(info.addr)


def _name(raw: bytes, path: str) -> str:
    if len(raw) > fmt.MAX_NAME_BYTES:
        raise _refuse("damaged", f"This file is damaged: a name in '{path}' is too long.")
    try:
        name = raw.decode("utf-8")
    except UnicodeDecodeError:
        name = ""
    if not name or not name.isprintable():  # names end up in messages: one clean line each
        raise _refuse("damaged", f"This file is damaged: a name in '{path}' is not valid text.")
    return name


def _spec(tid: h5t.TypeID, space: h5s.SpaceID, where: str) -> _Spec:
    """Check a value's type and shape from metadata; return how to read it."""
    kind, dtype, mtype = _classify(tid, where)
    extent = space.get_simple_extent_type()
    if extent == h5s.SCALAR:
        shape: tuple[int, ...] = ()
    elif extent == h5s.SIMPLE:
        if space.get_simple_extent_ndims() > fmt.MAX_RANK:
            raise _refuse("type", (
                f"This file holds a value with more than {fmt.MAX_RANK} dimensions ({where}); "
                "scenario files never do."))
        shape = tuple(int(d) for d in space.get_simple_extent_dims())
    else:
        raise _refuse("type", f"This file holds an empty value ({where}); scenario files never do.")
    if kind == "v" and len(shape) > 1:
        raise _refuse("type", (
            f"This file holds a table of variable-length texts ({where}); scenario files hold "
            "at most a list of texts, so it was not opened."))
    return _Spec(kind, dtype, mtype, shape)


def _check_attribute_size(spec: _Spec, where: str) -> None:
    if spec.kind == "v" and spec.count > fmt.MAX_VLEN_ATTRIBUTE_ITEMS:
        raise _refuse("attribute-too-large", (
            f"This file holds an attribute of {spec.count:,} texts ({where}), more than a "
            f"scenario file allows ({fmt.MAX_VLEN_ATTRIBUTE_ITEMS}), so it was not read."))
    if spec.nbytes > fmt.MAX_ATTRIBUTE_BYTES:
        raise _refuse("attribute-too-large", (
            f"This file holds an attribute of {fmt.size_text(spec.nbytes)} ({where}), more "
            f"than a scenario file allows ({fmt.size_text(fmt.MAX_ATTRIBUTE_BYTES)}), so it was "
            "not read."))


def _classify(tid: h5t.TypeID, where: str) -> tuple[str, np.dtype, h5t.TypeID | None]:
    cls = tid.get_class()
    if cls == h5t.REFERENCE:
        raise _refuse("reference", (
            f"This file holds references to other HDF5 objects ({where}); scenario files never "
            "do, so it was not opened."))
    if cls == h5t.STRING:
        if tid.is_variable_str():
            encoding = _VLEN_ENCODINGS.get(tid.get_cset())
            if encoding is None:
                raise _refuse("type", (
                    f"This file holds text in an unknown encoding ({where}), so it was not "
                    "opened."))
            dtype = h5py.string_dtype(encoding)
            return "v", dtype, h5t.py_create(dtype)
        size = tid.get_size()
        if size > fmt.MAX_STRING_BYTES:
            raise _refuse("string-too-long", (
                f"This file holds a text of {fmt.size_text(size)} ({where}), longer than a "
                f"scenario file allows ({fmt.size_text(fmt.MAX_STRING_BYTES)}), so it was not "
                "read."))
        return "s", np.dtype(f"S{size}"), tid
    if cls in (h5t.FLOAT, h5t.INTEGER):
        for known, kind in _NUMBER_TYPES:
            if tid.equal(known):
                return kind, known.dtype, None
        raise _refuse("type", (
            f"This file stores numbers in a format scenario files never use ({where}), so it was "
            "not opened."))
    what = _CLASS_NAMES.get(cls, "unknown")
    raise _refuse("type", (
        f"This file holds data of a type scenario files never use ({what}, {where}), so it was "
        "not opened."))


def _finish(spec: _Spec, raw: np.ndarray, where: str) -> np.ndarray:
    """Convert raw values to ``float64``, ``int64`` or ``str``."""
    if spec.kind == "f":
        return raw.astype(np.float64)
    if spec.kind == "i":
        if raw.dtype.kind == "u" and raw.size and int(raw.max()) > np.iinfo(np.int64).max:
            raise _refuse("type", f"This file holds a number too large for any scenario ({where}).")
        return raw.astype(np.int64)
    texts = [_decode(item, where) for item in raw.ravel().tolist()]
    return np.array(texts, dtype=str).reshape(spec.shape)


def _decode(data: bytes, where: str) -> str:
    """Stored text up to its first NUL, as UTF-8 (of which ASCII is a part)."""
    try:
        return data.split(b"\0", 1)[0].decode("utf-8")
    except UnicodeDecodeError:
        raise _refuse("damaged",
                      f"This file is damaged: its text is not valid UTF-8 ({where}).") from None


def _is_readable_scenario(attrs: dict[str, np.ndarray]) -> bool:
    """True if the root attributes say: a scenario of a format version this release reads."""
    name, version = attrs.get("format"), attrs.get("format_version")
    return (name is not None and name.dtype.kind == "U" and name.shape == ()
            and str(name) == fmt.FORMAT_NAME and version is not None
            and version.dtype.kind == "i" and version.shape == ()
            and int(version) in fmt.READABLE_VERSIONS)
