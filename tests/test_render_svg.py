"""SVG rewritten for every reader: shapes drawn with a non-scaling stroke mapped into the
drawing's coordinates (known values and a property over random affine matrices)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import numpy as np
from hypothesis import assume, given
from hypothesis import strategies as st

from evexplorer.app.svg import flatten_svg_strokes

SVG = "{http://www.w3.org/2000/svg}"


def svg_matrix(text):
    """The 3 × 3 matrix of an SVG ``matrix(a,b,c,d,e,f)`` transform (identity when absent)."""
    values = [float(v) for v in re.findall(r"[-+]?[\d.]+(?:e[-+]?\d+)?", text or "")]
    return np.array([[values[0], values[2], values[4]], [values[1], values[3], values[5]],
                     [0, 0, 1]]) if len(values) == 6 else np.eye(3)


def test_flatten_maps_stroked_shapes_and_keeps_the_rest():
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100">'
        '<g stroke="#000" stroke-width="2" transform="matrix(2,0,0,3,10,20)">'
        '<path vector-effect="non-scaling-stroke" d="M1,1 L2,2 C3,3 4,4 5,5 Z"/>'
        '<polyline vector-effect="non-scaling-stroke" points="0,0 1,2"/>'
        '<rect vector-effect="non-scaling-stroke" x="1" y="1" width="2" height="1"/>'
        '</g>'
        '<g stroke="#000" transform="matrix(0,-1,2,0,5,5)">'
        '<path vector-effect="non-scaling-stroke" d="M1,0 L0,1"/>'
        '<text font-family="Sans Serif">label</text>'
        '</g>'
        '<g stroke="#000" transform="matrix(1,0,0,1,7,8)">'
        '<path vector-effect="non-scaling-stroke" d="m1,1 l2,2"/>'
        '</g>'
        '<g stroke="#000" transform="matrix(2,0,0,2,0,0)">'
        '<path vector-effect="non-scaling-stroke" d="M1,1 a1,1 0 0 1 2,2"/>'
        '</g>'
        '</svg>')
    root = ET.fromstring(flatten_svg_strokes(svg, size_mm=(160, 100)))
    assert root.get("width") == "160mm"
    first, rotated, moved, arc = root.findall(f"{SVG}g")
    assert first.get("transform") is None  # every shape mapped: the group needs none
    path, polyline, rect = list(first)
    assert path.get("d") == "M12,23 L14,26 C16,29 18,32 20,35 Z"
    assert polyline.get("points") == "10,20 12,26"
    assert rect.tag == f"{SVG}polygon" and rect.get("points") == "12,23 16,23 16,26 12,26"
    assert all(e.get("vector-effect") is None for e in (path, polyline, rect))
    # A group with text keeps its matrix; the mapped shape cancels it with the inverse.
    assert rotated.get("transform") == "matrix(0,-1,2,0,5,5)"
    line = rotated.find(f"{SVG}path")
    assert line.get("d") == "M5,4 L7,5"
    total = svg_matrix(rotated.get("transform")) @ svg_matrix(line.get("transform"))
    np.testing.assert_allclose(total, np.eye(3), atol=1e-9)
    assert rotated.find(f"{SVG}text").get("font-family") == "Sans Serif, sans-serif"
    # A translation does not scale a stroke; relative commands and arcs are left as written.
    assert moved.find(f"{SVG}path").get("vector-effect") is None
    assert arc.find(f"{SVG}path").get("vector-effect") == "non-scaling-stroke"
    assert arc.get("transform") == "matrix(2,0,0,2,0,0)"


coordinate = st.floats(-1e4, 1e4, allow_nan=False).map(lambda v: round(v, 2))
scale = st.floats(0.01, 100).flatmap(lambda v: st.sampled_from([v, -v]))


@given(points=st.lists(st.tuples(coordinate, coordinate), min_size=2, max_size=12),
       a=scale, d=scale, b=st.floats(-5, 5), c=st.floats(-5, 5),
       e=coordinate, f=coordinate, with_text=st.booleans())
def test_flattened_points_are_the_mapped_points(points, a, d, b, c, e, f, with_text):
    # Whatever the matrix, a flattened polyline lands where the group's matrix put it, and
    # the transform left around it (if any) cancels out.
    assume(abs(a * d - b * c) > 1e-3)
    matrix = f"matrix({a!r},{b!r},{c!r},{d!r},{e!r},{f!r})"
    text = "<text>t</text>" if with_text else ""
    svg = (f'<svg xmlns="http://www.w3.org/2000/svg"><g stroke="#000" transform="{matrix}">'
           f'<polyline vector-effect="non-scaling-stroke" '
           f'points="{" ".join(f"{x!r},{y!r}" for x, y in points)}"/>{text}</g></svg>')
    group = ET.fromstring(flatten_svg_strokes(svg)).find(f"{SVG}g")
    line = group.find(f"{SVG}polyline")
    assert line.get("vector-effect") is None
    got = np.array([[float(v) for v in p.split(",")] for p in line.get("points").split()])
    m = svg_matrix(matrix)
    expected = (m @ np.column_stack([np.array(points), np.ones(len(points))]).T).T[:, :2]
    np.testing.assert_allclose(got, expected, atol=6e-4 + 1e-6 * np.abs(expected).max())
    total = svg_matrix(group.get("transform")) @ svg_matrix(line.get("transform"))
    np.testing.assert_allclose(total, np.eye(3), atol=1e-6 * max(1.0, np.abs(m).max()))
