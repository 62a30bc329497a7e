"""The desktop application (Qt). Nothing here is imported until a window is needed.

>>> from evexplorer.app import create_main_window   # doctest: +SKIP
>>> window = create_main_window()                    # built, not shown, no event loop
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PySide6.QtCore import QSettings

    from .main_window import MainWindow

#: Size of the window rendered by ``--screenshot`` [px].
SCREENSHOT_SIZE = (1400, 900)


def _application():
    """The QApplication, created once with the product's names."""
    from .._version import __version__
    from ..recovery import APPLICATION, ORGANIZATION

    app = _application_class().instance()
    if app is None:
        app = _application_class()(sys.argv[:1])
        # The same names give the application-data folder (evexplorer.recovery.app_data_dir).
        app.setApplicationName(APPLICATION)
        app.setOrganizationName(ORGANIZATION)
        app.setApplicationVersion(__version__)
        app.setDesktopFileName("evexplorer")
        icon = _icon_path()
        if icon is not None:
            from PySide6.QtGui import QIcon

            app.setWindowIcon(QIcon(str(icon)))
    return app


_APP_CLASS = None


def _application_class():
    """QApplication that hands macOS's FileOpen events (a double-click in Finder) to a window.

    An override of ``event`` costs nothing for other events, unlike an application-wide
    event filter, which would run Python for every event of every widget.
    """
    global _APP_CLASS
    if _APP_CLASS is None:
        from PySide6.QtCore import QEvent
        from PySide6.QtWidgets import QApplication

        class Application(QApplication):
            open_file = None  # set to a callable taking a path

            def event(self, event):
                if event.type() == QEvent.Type.FileOpen and self.open_file is not None:
                    path = event.file()
                    if path:
                        self.open_file(path)
                    return True
                return super().event(event)

        _APP_CLASS = Application
    return _APP_CLASS


def _icon_path() -> Path | None:
    from .._resources import resource_path

    path = resource_path("evexplorer.png")
    return path if path.is_file() else None


def create_main_window(settings: QSettings | None = None) -> MainWindow:
    """Build the main window on the baseline without showing it or running the event loop.

    Parameters
    ----------
    settings : QSettings, optional
        Settings store (geometry, recent files); the user's by default.
    """
    _application()
    from .main_window import MainWindow

    return MainWindow(settings)


def render_screenshot(png: Path, file: Path | None = None,
                      settings: QSettings | None = None) -> None:
    """Render the main window at 1400×900 (on ``file`` if given) to ``png``.

    Raises
    ------
    RuntimeError
        With a one-line message if the file cannot be opened or the PNG written.
    """
    window = create_main_window(settings)
    if file is not None:
        errors: list[str] = []
        window.error_sink = lambda title, text: errors.append(text)  # no dialogs offscreen
        if not window.open_file(str(file), ask=False):
            raise RuntimeError(errors[0] if errors else f"cannot open {file}")
    window.resize(*SCREENSHOT_SIZE)
    window.show()
    app = _application()
    for _ in range(3):
        app.processEvents()
    image = window.grab()
    window.hide()
    if not image.save(str(png), "PNG"):
        raise RuntimeError(f"cannot write the screenshot {png}")


def run(file: Path | None = None, screenshot: Path | None = None,
        self_test: bool = False) -> int:
    """Run the application; return the exit status."""
    if screenshot is not None or self_test:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    if self_test:
        from .selftest import run_self_test

        return run_self_test()
    if screenshot is not None:
        from PySide6.QtCore import QSettings as _QSettings

        scratch = _QSettings(_QSettings.Format.IniFormat, _QSettings.Scope.UserScope,
                             "EV Explorer", "screenshot")
        try:
            render_screenshot(screenshot, file, scratch)
        except RuntimeError as exc:
            print(f"evexplorer: error: {exc}", file=sys.stderr)
            return 1
        return 0
    app = _application()
    from .single_instance import SingleInstance
    from .windows import WindowManager

    # One EV Explorer per user: a running one takes the file (a double-click while it runs).
    instance = SingleInstance(parent=app)
    if instance.start([str(file)] if file is not None else []):
        return 0
    manager = WindowManager(instance=instance, parent=app)
    window = manager.new_window()
    if hasattr(app, "open_file"):
        app.open_file = manager.open_path
    window.show()
    if file is not None:
        window.open_file(str(file), ask=False)
    manager.offer_recovery(window)  # unsaved work an earlier run left behind, if any
    manager.watch_termination(app)
    if os.environ.get("EVEXPLORER_STARTUP_PROBE"):
        # Start-up benchmark: report once the shown window has been painted, then quit.
        from PySide6.QtCore import QTimer

        def report() -> None:
            window.repaint()
            print("window shown", flush=True)
            window.session.new()  # nothing to ask about
            app.quit()

        QTimer.singleShot(0, report)
    try:
        return app.exec()
    finally:
        manager.stop_watching()
        instance.close()
