"""Scenario files: a versioned, self-describing HDF5 format that is safe to open from email.

    >>> from evexplorer.scenario import open_scenario, save_scenario
    >>> save_scenario("lfp.evx", params, evaluate(params), title="LFP world")  # doctest: +SKIP
    >>> doc = open_scenario("lfp.evx")                                           # doctest: +SKIP

The format is specified in ``docs/file-format.md``. Received files are
untrusted: :func:`open_scenario` parses them defensively in a child process
(:mod:`.isolated`, :mod:`.safe_hdf5`), then validates them here against the
schema and the parameter registry (:mod:`.reader`). :func:`save_scenario`
writes atomically (:mod:`.writer`), raises nothing but :class:`ScenarioFileError`,
and with ``expected=`` refuses to overwrite a file that changed on disk since
it was opened (:class:`FileFingerprint`, :func:`check_unchanged`). A reference
scenario, uncertainty settings and user targets travel with a scenario as plain
records (:mod:`.extras`).

This package never imports Qt. Importing it is cheap: the modules that need
NumPy, h5py or the model load on first use, which keeps the child process
that parses files quick to start.
"""

from __future__ import annotations

from .._lazy import lazy_attributes
from ._files import FileFingerprint, check_unchanged
from .errors import ScenarioFileError
from .format import FORMAT_VERSION, SCENARIO_SUFFIXES

_LAZY = {
    "ScenarioDocument": "document",
    "StoredResults": "document",
    "describe": "document",
    "compare_with_model": "document",
    "open_scenario": "reader",
    "is_scenario_file": "reader",
    "save_scenario": "writer",
    "canonical_reference": "extras",
    "canonical_targets": "extras",
    "canonical_uncertainty": "extras",
}

__all__ = [
    "FORMAT_VERSION",
    "SCENARIO_SUFFIXES",
    "FileFingerprint",
    "ScenarioDocument",
    "ScenarioFileError",
    "StoredResults",
    "canonical_reference",
    "canonical_targets",
    "canonical_uncertainty",
    "check_unchanged",
    "compare_with_model",
    "describe",
    "is_scenario_file",
    "open_scenario",
    "save_scenario",
]


__getattr__, __dir__ = lazy_attributes(__name__, _LAZY, __all__)
