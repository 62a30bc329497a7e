"""List the modules EV Explorer imports, and the data files it reads, while its self-test
runs from source.

    build/venv/bin/python packaging/trace_modules.py OUT [FILES]

Run by build.py inside build/venv (cwd: the checkout). Writes one module name a line
to OUT and exits with the self-test's status. Modules already loaded when this script
starts (the interpreter's and site's own), aliases, and modules that live inside the
interpreter or inside another binary (shiboken's embedded support code) are left out:
only modules loaded from a file by the application can be missing from a bundle.

FILES, if given, receives the other files the self-test opens from the environment's
site-packages or from the checkout (data files such as SciPy's Sobol direction numbers
or the application's resources), one a line, relative to that folder and with "/"
separators: the path each must have inside the bundle's ``_internal`` folder.
"""

import os
import sys
import sysconfig

#: Files that are modules, which OUT lists by name (and __pycache__ holds only these).
MODULE_SUFFIXES = (".py", ".pyc", ".so", ".pyd", ".dylib", ".dll")


def _data_files(opened, roots):
    """Paths in ``opened`` below one of ``roots`` (searched in order), relative to it."""
    found = set()
    for path in opened:
        real = os.path.realpath(path)
        if real.endswith(MODULE_SUFFIXES) or not os.path.isfile(real):
            continue
        for root in roots:
            if real.startswith(root + os.sep):
                rel = os.path.relpath(real, root).replace(os.sep, "/")
                if not rel.startswith(("build/", "dist/")) and "__pycache__" not in rel:
                    found.add(rel)
                break
    return sorted(found)


if __name__ == "__main__":
    out = sys.argv[1]
    files_out = sys.argv[2] if len(sys.argv) > 2 else None
    startup = set(sys.modules)
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    sys.path.insert(0, os.getcwd())
    opened = set()

    def _audit(event, args):
        if event == "open" and isinstance(args[0], (str, os.PathLike)):
            opened.add(os.fspath(args[0]))

    sys.addaudithook(_audit)

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
    if files_out:
        paths = sysconfig.get_paths()
        roots = [os.path.realpath(p) for p in dict.fromkeys((paths["purelib"], paths["platlib"]))]
        files = _data_files(opened, [*roots, os.path.realpath(os.getcwd())])
        with open(files_out, "w", encoding="utf-8") as fh:
            fh.write("".join(f"{f}\n" for f in files))
    sys.exit(status)
