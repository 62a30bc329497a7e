"""The EV Explorer model: pure NumPy/SciPy, no Qt, no file formats.

Public entry points: :func:`evaluate`, :class:`Results`, the parameter
registry :data:`PARAMETERS` and the output registry :data:`SERIES`.
"""

from .core import Results, evaluate
from .outputs import SCALARS, SERIES, Output
from .registry import GROUPS, PARAMETERS, Parameter, ParameterError

__all__ = [
    "GROUPS",
    "PARAMETERS",
    "SCALARS",
    "SERIES",
    "Output",
    "Parameter",
    "ParameterError",
    "Results",
    "evaluate",
]
