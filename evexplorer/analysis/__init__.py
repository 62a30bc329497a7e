"""What is computed over many runs of the model: uncertainty, sensitivity, attribution, goals.

NumPy and SciPy only (no Qt, no h5py): the window and the command line are thin
layers over this package.
"""
