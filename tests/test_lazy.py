"""Lazily loaded package names (evexplorer._lazy): loaded on first use, kept, listed."""

from __future__ import annotations

import subprocess
import sys

import pytest

CHECK = """
import sys
import evexplorer.export as export
assert "evexplorer.export.xlsx" not in sys.modules and "openpyxl" not in sys.modules
assert "xlsx_bytes" in dir(export) and "xlsx_bytes" not in vars(export)
first = export.xlsx_bytes
assert "evexplorer.export.xlsx" in sys.modules
assert vars(export)["xlsx_bytes"] is first  # kept: the next look-up is a plain attribute
print("ok")
"""


def test_a_name_is_loaded_on_first_use_and_kept():
    # A fresh interpreter: in this one other tests may have loaded the module already.
    out = subprocess.run([sys.executable, "-c", CHECK], capture_output=True, text=True,
                         timeout=120)
    assert out.stdout.strip() == "ok", out.stderr


def test_an_unknown_name_is_an_attribute_error_naming_it():
    import evexplorer.scenario as scenario

    with pytest.raises(AttributeError, match=r"'evexplorer\.scenario' has no attribute 'nope'"):
        scenario.nope  # noqa: B018
