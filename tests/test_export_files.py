"""Export files: one table of formats, and writes that are all or nothing."""

from __future__ import annotations

import errno
import json
import os

import pytest

from evexplorer import _atomic
from evexplorer.export import FORMATS, Snapshot, export_file
from evexplorer.export.files import json_text
from evexplorer.model import evaluate


@pytest.fixture(scope="module")
def snapshot():
    return Snapshot(results=evaluate({"recycling_rate": 60}))


def test_the_formats_and_their_suffixes():
    assert {k: f.suffix for k, f in FORMATS.items()} == {
        "xlsx": ".xlsx", "csv": ".csv", "iamc": ".csv", "json": ".json"}
    assert all(f.description for f in FORMATS.values())


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_export_file_writes_what_the_format_renders(fmt, snapshot, tmp_path):
    target = tmp_path / f"out{FORMATS[fmt].suffix}"
    export_file(snapshot, target, fmt)
    data = target.read_bytes()
    if fmt == "xlsx":  # the workbook's zip entries carry the time of writing
        assert data[:2] == b"PK" and len(data) > 10_000
    else:
        assert data == FORMATS[fmt].render(snapshot)
    assert sorted(p.name for p in tmp_path.iterdir()) == [target.name]


def test_json_text_is_the_compute_document(snapshot):
    doc = json.loads(json_text(snapshot))
    assert doc["parameters"]["recycling_rate"] == {"value": 60.0, "unit": "%"}
    assert json_text(snapshot).endswith("}\n")


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_a_failed_replace_keeps_the_previous_file(fmt, snapshot, tmp_path, monkeypatch):
    target = tmp_path / "out"
    target.write_bytes(b"previous")

    def refuse(src, dst):
        raise PermissionError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(_atomic.WriteError) as info:
        export_file(snapshot, target, fmt)
    assert str(info.value).startswith("Cannot export 'out'")
    assert "the previous file is unchanged" in str(info.value)
    assert target.read_bytes() == b"previous"
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_a_failure_while_rendering_writes_nothing(snapshot, tmp_path, monkeypatch):
    import evexplorer.export.xlsx as xlsx

    def broken(snapshot):
        raise RuntimeError("injected")

    monkeypatch.setattr(xlsx, "xlsx_bytes", broken)
    with pytest.raises(RuntimeError):
        export_file(snapshot, tmp_path / "out.xlsx", "xlsx")
    assert list(tmp_path.iterdir()) == []


def test_unknown_format(snapshot, tmp_path):
    with pytest.raises(KeyError):
        export_file(snapshot, tmp_path / "x", "pdf")
