"""The plain-data message from the child reader to its parent: JSON, never pickle.

Numbers travel as base64 of little-endian ``float64`` or ``int64``, text as
JSON strings. The parent decodes the message as untrusted data too: every
field is checked, and anything malformed is a :class:`ScenarioFileError`.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
from typing import Any

import numpy as np

from . import format as fmt
from .errors import ScenarioFileError
from .tree import Node, Tree

_NUMBER_DTYPES = {"f": "<f8", "i": "<i8"}


def encode_tree(tree: Tree) -> dict[str, Any]:
    """A JSON-ready dict of ``tree``."""
    return {
        "complete": tree.complete,
        "nodes": [
            {"path": path, "kind": node.kind,
             "attrs": {name: _encode_value(v) for name, v in node.attrs.items()},
             "value": None if node.value is None else _encode_value(node.value)}
            for path, node in tree.nodes.items()
        ],
    }


def _encode_value(value: np.ndarray) -> dict[str, Any]:
    kind = value.dtype.kind
    if kind == "U":
        return {"t": "s", "shape": list(value.shape), "data": value.ravel().tolist()}
    key = "f" if kind == "f" else "i"
    raw = np.ascontiguousarray(value, dtype=_NUMBER_DTYPES[key]).tobytes()
    return {"t": key, "shape": list(value.shape), "data": base64.b64encode(raw).decode("ascii")}


def decode_tree(message: Any) -> Tree:
    """The :class:`Tree` of a decoded JSON message; raise on anything malformed."""
    try:
        nodes = {}
        for item in message["nodes"]:
            path, kind = item["path"], item["kind"]
            if not isinstance(path, str) or kind not in ("group", "dataset") or path in nodes:
                raise ValueError(path)
            attrs = {str(name): _decode_value(v) for name, v in item["attrs"].items()}
            value = None if kind == "group" else _decode_value(item["value"])
            nodes[path] = Node(kind, attrs, value)
        if "/" not in nodes or len(nodes) > fmt.MAX_OBJECTS + 1:
            raise ValueError("root")
        return Tree(nodes, complete=bool(message["complete"]))
    except (KeyError, TypeError, ValueError, AttributeError, binascii.Error):
        raise ScenarioFileError("The safe file reader returned malformed data, so the file was "
                                "not opened.", "reader-failed") from None


def _decode_value(item: Any) -> np.ndarray:
    kind, shape, data = item["t"], item["shape"], item["data"]
    if (not isinstance(shape, list) or len(shape) > fmt.MAX_RANK
            or not all(isinstance(d, int) and d >= 0 for d in shape)):
        raise ValueError("shape")
    count = math.prod(shape)
    if kind == "s":
        if not isinstance(data, list) or len(data) != count \
                or not all(isinstance(s, str) for s in data):
            raise ValueError("text")
        return np.array(data, dtype=str).reshape(shape)
    raw = base64.b64decode(data, validate=True)
    if len(raw) != 8 * count:
        raise ValueError("numbers")
    array = np.frombuffer(raw, dtype=_NUMBER_DTYPES[kind]).reshape(shape)
    return array.astype(np.float64 if kind == "f" else np.int64)


def dumps(payload: Any) -> bytes:
    """Serialize a message (NaN and infinities cannot occur: numbers are base64)."""
    return json.dumps(payload, allow_nan=False, separators=(",", ":")).encode("utf-8")


def loads(data: bytes) -> Any:
    """Parse a message."""
    try:
        return json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise ScenarioFileError("The safe file reader returned malformed data, so the file was "
                                "not opened.", "reader-failed") from None
