"""What is computed over many runs of the model: uncertainty, sensitivity, attribution, goals.

NumPy and SciPy only (no Qt, no h5py): the window and the command line are thin
layers over this package.

Modules:

- :mod:`~evexplorer.analysis.uncertainty`: which levers are uncertain, how, and
  their correlations (:class:`UncertaintySpec`, its plain record, the defaults);
- :mod:`~evexplorer.analysis.sampling`: the sampling design and its transform;
- :mod:`~evexplorer.analysis.bands`: P10/P50/P90 bands of every output;
- :mod:`~evexplorer.analysis.sensitivity`: tornado and Sobol indices.

The names below are imported on first use, so that ``import evexplorer.analysis``
stays cheap (SciPy's ``stats`` in particular is imported only when a design is
drawn).
"""

from importlib import import_module

#: Public names of the uncertainty modules, by the module that defines them.
_UNCERTAINTY_EXPORTS = {
    "Correlation": "uncertainty",
    "LeverUncertainty": "uncertainty",
    "UncertaintyError": "uncertainty",
    "UncertaintySpec": "uncertainty",
    "default_spec": "uncertainty",
    "load_defaults": "uncertainty",
    "sample": "sampling",
    "warm_up": "sampling",
    "Bands": "bands",
    "compute_bands": "bands",
    "Cancelled": "sensitivity",
    "SobolAnalysis": "sensitivity",
    "Tornado": "sensitivity",
    "sobol": "sensitivity",
    "tornado": "sensitivity",
}


def __getattr__(name: str):
    module = _UNCERTAINTY_EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f".{module}", __name__), name)


def __dir__() -> list[str]:
    return sorted([*globals(), *_UNCERTAINTY_EXPORTS])
