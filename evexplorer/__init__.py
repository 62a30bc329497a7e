"""EV Explorer: what-if explorer for the mass production of electric vehicles.

>>> from evexplorer import evaluate
>>> results = evaluate({"lithium_price": 30_000})
>>> results.units["pack_cost"]
'USD/kWh'

The model is imported on first use, so that ``import evexplorer`` stays cheap
and never pulls in Qt.
"""

from ._platform import tune_allocator
from ._version import MODEL_VERSION, __version__

__all__ = ["MODEL_VERSION", "PARAMETERS", "Results", "__version__", "evaluate", "tune_allocator"]


def __getattr__(name: str):
    if name in ("evaluate", "Results", "PARAMETERS", "ParameterError"):
        from . import model

        return getattr(model, name)
    raise AttributeError(f"module 'evexplorer' has no attribute {name!r}")
