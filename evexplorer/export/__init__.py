"""Exports of results: tabular writers (CSV, JSON) and, later, XLSX, IAMC and report content.

Qt-free and h5py-free (see the layer rules in ``docs/``): the window and the
command line both write through this package, so that what a user exports from
either is the same file.
"""

from .tabular import results_to_json, write_csv

__all__ = ["results_to_json", "write_csv"]
