"""Names of a package loaded from its modules on first use (PEP 562).

A package whose modules import heavy libraries (h5py, openpyxl) lists which
module defines each public name; ``import package`` then stays cheap, and the
module is imported when one of its names is first used.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Iterable, Mapping
from typing import Any


def lazy_attributes(package: str, modules: Mapping[str, str], public: Iterable[str]
                    ) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """The ``__getattr__`` and ``__dir__`` of ``package``.

    Parameters
    ----------
    package : str
        The package's ``__name__``.
    modules : Mapping[str, str]
        Each lazily loaded name and the submodule (relative to ``package``) that defines it.
    public : iterable of str
        The package's ``__all__``, listed by ``dir()`` besides what is already loaded.

    Returns
    -------
    tuple of callables
        ``__getattr__(name)``, which imports the defining submodule and keeps the value
        in the package (later look-ups do not come back here), and ``__dir__()``.
    """
    public = tuple(public)

    def __getattr__(name: str) -> Any:
        module = modules.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f".{module}", package), name)
        setattr(sys.modules[package], name, value)
        return value

    def __dir__() -> list[str]:
        return sorted(set(vars(sys.modules[package])) | set(public))

    return __getattr__, __dir__
