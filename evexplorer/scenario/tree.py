"""The plain content of a scenario file, and its checksum.

A :class:`Tree` is what the defensive reader hands back (across the process
boundary as JSON) and what the writer turns into HDF5: groups and datasets by
path, each with attributes; every value is a NumPy array of ``float64``,
``int64`` or ``str``. Nothing here knows the levers or the model.

The checksum is defined in ``docs/file-format.md``; :func:`checksum` is its
reference implementation.
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from . import format as fmt

#: Bit pattern every NaN is hashed as (the canonical quiet NaN).
_CANONICAL_NAN = np.uint64(0x7FF8000000000000)


@dataclass
class Node:
    """A group or dataset of the file.

    Attributes
    ----------
    kind : {"group", "dataset"}
    attrs : dict of str to numpy.ndarray
        Attributes by name.
    value : numpy.ndarray or None
        The dataset's value (None for groups).
    """

    kind: Literal["group", "dataset"]
    attrs: dict[str, np.ndarray] = field(default_factory=dict)
    value: np.ndarray | None = None


@dataclass
class Tree:
    """Every object of a file by absolute path (``"/"``, ``"/parameters"``, ...).

    ``complete`` is False when the reader stopped after the root attributes
    because the file is not a scenario of a version it reads.
    """

    nodes: dict[str, Node]
    complete: bool = True

    @property
    def root(self) -> Mapping[str, np.ndarray]:
        """Attributes of the root group."""
        return self.nodes["/"].attrs


def as_value(value: object) -> np.ndarray:
    """Return ``value`` as an array of ``float64``, ``int64`` or ``str``.

    Python and NumPy integers become ``int64``, other numbers ``float64`` and
    text ``str``; booleans and other types raise :class:`TypeError`.
    """
    array = np.asarray(value)
    kind = array.dtype.kind
    if kind == "f":
        return array.astype(np.float64)
    if kind in "iu":
        return array.astype(np.int64)
    if kind == "U":
        return array
    raise TypeError(f"cannot store a value of type {array.dtype}")


def _u64(n: int) -> bytes:
    return struct.pack("<Q", n)


def _field(data: bytes) -> bytes:
    return _u64(len(data)) + data


def canonical_bytes(value: np.ndarray) -> bytes:
    """The canonical serialization of one value (see the format specification).

    A type byte (``f``, ``i`` or ``s``), the number of dimensions and each
    dimension as unsigned 64-bit little-endian integers, then the elements in
    C order: ``float64`` or ``int64`` little-endian, or for text each element's
    UTF-8 length (unsigned 64-bit little-endian) followed by its bytes.
    """
    value = np.asarray(value)
    kind = value.dtype.kind
    head = _u64(value.ndim) + b"".join(_u64(int(d)) for d in value.shape)
    if kind == "f":
        data = np.array(value, dtype="<f8", order="C")
        data.view("<u8")[np.isnan(data)] = _CANONICAL_NAN
        return b"f" + head + data.tobytes()
    if kind in "iu":
        return b"i" + head + np.array(value, dtype="<i8", order="C").tobytes()
    if kind == "U":
        return b"s" + head + b"".join(_field(s.encode("utf-8")) for s in value.ravel().tolist())
    raise TypeError(f"no canonical form for values of type {value.dtype}")


def checksum(tree: Tree, groups: tuple[str, ...] = fmt.CHECKSUM_GROUPS) -> str:
    """SHA-256 over the datasets of some top-level groups, as ``"sha256:<64 hex digits>"``.

    Covers every dataset below the ``groups`` (by default ``/parameters`` and
    ``/results``: the root attribute ``checksum``) with all its attributes, in
    byte order of the UTF-8 paths; group attributes and root attributes (title,
    notes, times) are not covered.
    """
    digest = hashlib.sha256()
    prefixes = tuple(f"/{group}/" for group in groups)
    paths = sorted(
        (p for p, node in tree.nodes.items() if node.kind == "dataset" and p.startswith(prefixes)),
        key=lambda p: p.encode("utf-8"),
    )
    for path in paths:
        node = tree.nodes[path]
        digest.update(_field(path.encode("utf-8")))
        digest.update(canonical_bytes(node.value))
        names = sorted(node.attrs, key=lambda n: n.encode("utf-8"))
        digest.update(_u64(len(names)))
        for name in names:
            digest.update(_field(name.encode("utf-8")))
            digest.update(canonical_bytes(node.attrs[name]))
    return fmt.CHECKSUM_PREFIX + digest.hexdigest()
