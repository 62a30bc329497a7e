"""SVG that every reader draws as Qt meant it: strokes in the drawing's own coordinates.

:class:`PySide6.QtSvg.QSvgGenerator` writes a shape drawn with a cosmetic pen
(a plot line) in the coordinates of the item that drew it — for a plot line,
years and US dollars — under a ``transform`` of its group, and marks it
``vector-effect="non-scaling-stroke"`` so that the stroke keeps its width.
LibreOffice and librsvg ignore that property: they scale the stroke by the
data transform, so that a line 2.5 px wide comes out 60 px wide in one
direction and invisible in the other. :func:`flatten_svg_strokes` writes each
such shape in the drawing's coordinates instead. Standard library only.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

SVG_NS = "http://www.w3.org/2000/svg"
_MATRIX = re.compile(r"\s*matrix\(([^)]*)\)\s*$")
_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
_PATH_TOKEN = re.compile(r"[A-Za-z]|[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
#: Path commands whose arguments are all absolute (x, y) pairs.
_POINT_COMMANDS = frozenset("MLCSQT")


def _matrix(text: str | None) -> tuple[float, ...] | None:
    if not text:
        return None
    match = _MATRIX.match(text)
    if match is None:
        return None
    values = tuple(float(v) for v in _NUMBER.findall(match.group(1)))
    return values if len(values) == 6 else None


def _apply(m: tuple[float, ...], x: float, y: float) -> tuple[float, float]:
    a, b, c, d, e, f = m
    return a * x + c * y + e, b * x + d * y + f


def _num(value: float) -> str:
    text = f"{value:.3f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _flat_path(d: str, m: tuple[float, ...]) -> str | None:
    tokens = _PATH_TOKEN.findall(d)
    out: list[str] = []
    numbers: list[float] = []
    command = None

    def flush() -> bool:
        if command is None:
            return not numbers
        if command in "Zz":
            return not numbers
        if command not in _POINT_COMMANDS or len(numbers) % 2:
            return False
        points = [_apply(m, numbers[i], numbers[i + 1]) for i in range(0, len(numbers), 2)]
        out.append(command + " ".join(f"{_num(x)},{_num(y)}" for x, y in points))
        return True

    for token in tokens:
        if token.isalpha():
            if not flush():
                return None
            command, numbers = token, []
            if token in "Zz":
                out.append("Z")
        else:
            numbers.append(float(token))
    if not flush():
        return None
    return " ".join(out)


def _flat_points(points: str, m: tuple[float, ...]) -> str | None:
    values = [float(v) for v in _NUMBER.findall(points)]
    if len(values) % 2:
        return None
    return " ".join(f"{_num(x)},{_num(y)}" for x, y in
                    (_apply(m, values[i], values[i + 1]) for i in range(0, len(values), 2)))


def _flatten(element: ET.Element, m: tuple[float, ...]) -> bool:
    """Apply ``m`` to the element's coordinates in place; False if it cannot be done."""
    tag = element.tag.removeprefix("{" + SVG_NS + "}")
    if tag == "path":
        flat = _flat_path(element.get("d", ""), m)
        if flat is None:
            return False
        element.set("d", flat)
    elif tag in ("polyline", "polygon"):
        flat = _flat_points(element.get("points", ""), m)
        if flat is None:
            return False
        element.set("points", flat)
    elif tag == "line":
        x1, y1 = _apply(m, float(element.get("x1", 0)), float(element.get("y1", 0)))
        x2, y2 = _apply(m, float(element.get("x2", 0)), float(element.get("y2", 0)))
        for key, value in zip(("x1", "y1", "x2", "y2"), (x1, y1, x2, y2), strict=True):
            element.set(key, _num(value))
    elif tag == "rect":
        x, y = float(element.get("x", 0)), float(element.get("y", 0))
        w, h = float(element.get("width", 0)), float(element.get("height", 0))
        corners = [_apply(m, px, py) for px, py in
                   ((x, y), (x + w, y), (x + w, y + h), (x, y + h))]
        for key in ("x", "y", "width", "height", "rx", "ry"):
            element.attrib.pop(key, None)
        element.tag = f"{{{SVG_NS}}}polygon"
        element.set("points", " ".join(f"{_num(px)},{_num(py)}" for px, py in corners))
    else:
        return False
    return True


def _inverse(m: tuple[float, ...]) -> tuple[float, ...] | None:
    a, b, c, d, e, f = m
    det = a * d - b * c
    if abs(det) < 1e-300:
        return None
    return (d / det, -b / det, -c / det, a / det, (c * f - d * e) / det, (b * e - a * f) / det)


def flatten_svg_strokes(svg: str, *, size_mm: tuple[float, float] | None = None) -> str:
    """Rewrite Qt's SVG so that every reader draws its lines as Qt does.

    Qt writes a cosmetic pen's shape in the coordinates of the item that drew
    it (for a plot line: years and USD) under a ``transform`` of its group, and
    marks it ``vector-effect="non-scaling-stroke"`` so that the stroke keeps
    its width. Readers that ignore that property (LibreOffice, librsvg) scale
    the stroke by the data transform. Here every such shape is given in the
    canvas coordinates instead — its points mapped through the group's matrix,
    an exact change for lines and Bézier curves — and its group keeps its
    transform only for the other shapes in it (the flattened shape then gets
    the inverse matrix, so that the two cancel). Text gets a generic
    ``sans-serif`` fallback after Qt's font name.

    Parameters
    ----------
    svg : str
        An SVG document written by :class:`~PySide6.QtSvg.QSvgGenerator`.
    size_mm : (float, float), optional
        Set the document's width and height to this physical size [mm].

    Returns
    -------
    str
        The rewritten document. Shapes that cannot be mapped (relative path
        commands, arcs, ellipses) are left as they were.
    """
    ET.register_namespace("", SVG_NS)
    ET.register_namespace("xlink", "http://www.w3.org/1999/xlink")
    root = ET.fromstring(svg)
    if size_mm is not None:
        root.set("width", f"{_num(size_mm[0])}mm")
        root.set("height", f"{_num(size_mm[1])}mm")
    for group in root.iter():
        m = _matrix(group.get("transform"))
        scaled = [child for child in group
                  if child.get("vector-effect") == "non-scaling-stroke"]
        if m is None:
            if group.get("transform") is None:
                for child in scaled:
                    del child.attrib["vector-effect"]
            continue
        if m[:4] == (1.0, 0.0, 0.0, 1.0):  # a translation does not scale strokes
            for child in scaled:
                del child.attrib["vector-effect"]
            continue
        flattened = [child for child in scaled if _flatten(child, m)]
        for child in flattened:
            del child.attrib["vector-effect"]
        if len(flattened) == len(group) and flattened:
            del group.attrib["transform"]
        else:
            inverse = _inverse(m)
            for child in flattened:
                if inverse is not None:
                    child.set("transform",
                              "matrix(" + ",".join(f"{v:.10g}" for v in inverse) + ")")
    for element in root.iter():
        family = element.get("font-family")
        if family and "sans-serif" not in family:
            element.set("font-family", f"{family}, sans-serif")
    return ('<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n'
            + ET.tostring(root, encoding="unicode"))
