"""List the modules EV Explorer imports while its self-test runs from source.

    build/venv/bin/python packaging/trace_modules.py OUT

Run by build.py inside build/venv (cwd: the checkout). Writes one module name a line
to OUT and exits with the self-test's status. Modules already loaded when this script
starts (the interpreter's and site's own), aliases, and modules that live inside the
interpreter or inside another binary (shiboken's embedded support code) are left out:
only modules loaded from a file by the application can be missing from a bundle.
"""

import os
import sys

if __name__ == "__main__":
    out = sys.argv[1]
    startup = set(sys.modules)
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    sys.path.insert(0, os.getcwd())

    from evexplorer.app.selftest import run_self_test

    status = run_self_test()
    names = []
    for name, module in list(sys.modules.items()):
        spec = getattr(module, "__spec__", None)
        if name in startup or spec is None or spec.name != name:
            continue
        if not spec.origin or not os.path.isfile(spec.origin):
            continue  # built-in, frozen, embedded (shibokensupport) or a namespace package
        names.append(name)
    with open(out, "w", encoding="utf-8") as fh:
        fh.write("\n".join(sorted(names)) + "\n")
    sys.exit(status)
