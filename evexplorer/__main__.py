"""``python -m evexplorer`` runs the ``evexplorer`` command."""

import multiprocessing
import sys

from evexplorer.cli import main

if __name__ == "__main__":
    multiprocessing.freeze_support()
    sys.exit(main())
