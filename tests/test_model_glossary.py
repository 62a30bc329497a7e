"""docs/glossary.md is generated from the registries and must be up to date."""

import importlib.util
import re
from pathlib import Path

import pytest

from evexplorer.model import PARAMETERS, SCALARS, SERIES

DOCS = Path(__file__).resolve().parents[1] / "docs"


@pytest.fixture(scope="module")
def make_glossary():
    spec = importlib.util.spec_from_file_location("make_glossary", DOCS / "make_glossary.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def committed():
    return (DOCS / "glossary.md").read_text(encoding="utf-8")


def test_every_name_is_in_the_glossary(committed):
    listed = re.findall(r"^\| `([a-z0-9_]+)` \|", committed, flags=re.MULTILINE)
    names = [*PARAMETERS, *SERIES, *SCALARS]
    missing = sorted(set(names) - set(listed))
    assert not missing, f"missing from docs/glossary.md: {missing}; run docs/make_glossary.py"
    assert sorted(listed) == sorted(names), "the glossary lists names the registries do not"


def test_units_in_the_glossary_match_the_registries(committed):
    rows = dict(re.findall(r"^\| `([a-z0-9_]+)` \| [^|]+ \| ([^|]*) \|", committed,
                           flags=re.MULTILINE))
    for name, out in {**SERIES, **SCALARS}.items():
        assert rows[name].strip() == out.unit, name
    for name, p in PARAMETERS.items():
        if p.numeric:
            assert rows[name].strip() == p.unit, name


def test_committed_glossary_is_what_the_script_writes(make_glossary, committed):
    assert committed == make_glossary.render(), "run python docs/make_glossary.py"
    assert make_glossary.main(["--check"]) == 0
