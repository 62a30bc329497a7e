"""The doctests of evexplorer.model and of the package docstring."""

import doctest
import importlib
import pkgutil

import pytest

import evexplorer
import evexplorer.model

MODULES = ["evexplorer", "evexplorer.model", *(
    f"evexplorer.model.{info.name}" for info in pkgutil.iter_modules(evexplorer.model.__path__))]


@pytest.mark.parametrize("name", MODULES)
def test_doctests_pass(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE, verbose=False)
    assert result.failed == 0, f"{result.failed} doctest(s) failed in {name}"


def test_doctests_exist():
    attempted = sum(doctest.testmod(importlib.import_module(name), verbose=False).attempted
                    for name in MODULES)
    assert attempted >= 5
