"""Entry script of the frozen EV Explorer (the script PyInstaller freezes).

``freeze_support()`` must run before anything else: the isolated scenario
reader starts "spawn" child processes, and in a frozen application each child
is this same executable started again with multiprocessing's own arguments.
``freeze_support()`` recognises those arguments, runs the child's task and
exits, so a child never reaches the command line or Qt. The application
itself is imported only afterwards, which keeps a child's start-up short.
"""

import multiprocessing
import sys

if __name__ == "__main__":
    multiprocessing.freeze_support()

    from evexplorer.cli import main

    sys.exit(main())
