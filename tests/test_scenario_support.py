"""Helpers for the scenario-file tests: good files, hostile edits, misbehaving child parsers.

The ``*_parser`` functions run inside the child process of the isolated reader
(the tests pass ``"test_scenario_support:NAME"``), so this module keeps its
imports light.
"""

from __future__ import annotations

import os
import shutil
import signal
import sys
import time
from pathlib import Path

import h5py
import numpy as np

from evexplorer.scenario.tree import Node, Tree


def _malformed_corpus() -> Path:
    """The reproducer files of HDF5 CVEs: ``shared/hdf5-malformed`` beside the repository (CI
    clones next to ``shared/``) or beside the folder of checkouts that holds it."""
    here = Path(__file__).resolve()
    for parent in here.parents[2:4]:
        candidate = parent / "shared" / "hdf5-malformed"
        if candidate.is_dir():
            return candidate
    return here.parents[2] / "shared" / "hdf5-malformed"


MALFORMED = _malformed_corpus()
ARCHIVE = Path(__file__).resolve().parent / "data" / "scenarios"


def save_default(path: Path, **levers) -> Path:
    """Save a scenario (defaults plus ``levers``) with its results to ``path``."""
    from evexplorer.model import evaluate
    from evexplorer.scenario import save_scenario

    results = evaluate(levers)
    save_scenario(path, results.parameters, results, title="Test scenario", author="Tester",
                  notes="Made by the test suite.")
    return path


def edited_copy(source: Path, target: Path, edit) -> Path:
    """Copy ``source`` to ``target`` and apply ``edit(h5py.File)`` to the copy."""
    shutil.copyfile(source, target)
    with h5py.File(target, "r+") as f:
        edit(f)
    return target


def fixed_text(value: str) -> np.ndarray:
    """A value that h5py stores as fixed-length UTF-8 text, as the format requires."""
    data = value.encode("utf-8")
    return np.array(data, dtype=h5py.string_dtype("utf-8", max(1, len(data))))


def replace_dataset(f: h5py.File, path: str, data, unit: str | None = None, **kwargs) -> None:
    """Replace the dataset at ``path``, keeping (or setting) its ``unit`` attribute, if any."""
    if unit is None and path in f and "unit" in f[path].attrs:
        unit = f[path].attrs["unit"].decode("utf-8")
    if path in f:
        del f[path]
    dataset = f.create_dataset(path, data=data, **kwargs)
    if unit is not None:
        dataset.attrs["unit"] = fixed_text(unit)


# -- parsers for the child process ----------------------------------------------------------------


def crash_parser(data: bytes) -> Tree:
    """Die of a segmentation fault, as libhdf5 does on some malformed files."""
    os.kill(os.getpid(), signal.SIGSEGV)
    time.sleep(10)
    raise AssertionError("still alive")


def abort_parser(data: bytes) -> Tree:
    """Abort after a message on standard error, as libhdf5 does when an assertion fails."""
    os.write(2, b"H5Odtype.c:123: H5O__dtype_decode_helper: Assertion `0' failed.\n")
    os.abort()


def hang_parser(data: bytes) -> Tree:
    """Never return, like libhdf5 looping over a cyclic structure."""
    while True:
        time.sleep(1)


def hungry_parser(data: bytes) -> Tree:
    """Allocate without bound, like a decompression bomb."""
    hoard = []
    while True:
        hoard.append(bytearray(64 << 20))


def exit_parser(data: bytes) -> Tree:
    """Leave with a non-zero status and no reply."""
    os._exit(3)


def state_parser(data: bytes) -> Tree:
    """Report the child's environment, plugin search path and memory limit."""
    import resource

    from evexplorer.scenario.safe_hdf5 import disable_plugins

    disable_plugins()
    soft, _hard = resource.getrlimit(resource.RLIMIT_AS)
    attrs = {
        "openblas": np.array(os.environ.get("OPENBLAS_NUM_THREADS", "")),
        "preload": np.array(os.environ.get("HDF5_PLUGIN_PRELOAD", "")),
        "plugin_paths": np.array(h5py.h5pl.size(), dtype=np.int64),
        "rlimit_as": np.array(-1 if soft == resource.RLIM_INFINITY else soft, dtype=np.int64),
        "heavy_modules": np.array(",".join(sorted(
            m for m in ("scipy", "PySide6", "evexplorer.model") if m in sys.modules))),
    }
    return Tree({"/": Node("group", attrs)}, complete=False)
