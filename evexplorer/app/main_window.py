"""The main window: levers, headline figures, charts, what changed, and scenario files."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, QSettings, Qt, QTimer, QUrl
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QDragEnterEvent,
    QDropEvent,
    QKeySequence,
    QUndoStack,
)
from PySide6.QtWidgets import (
    QApplication,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from .. import scenario
from .._resources import resource_path
from .._version import MODEL_VERSION, __version__
from ..model import ParameterError, Results, evaluate, registry
from .charts import ChartPanel
from .levers import LeverPanel
from .panels import ChangesPanel, HeadlinePanel, MetaPanel
from .state import Change, ScenarioState

APP_NAME = "EV Explorer"
MAX_RECENT = 8
FILE_FILTER = "EV Explorer scenarios (*.evx *.h5 *.hdf5);;All files (*)"
#: Levers that set the time axis: changing them recomputes the baseline too.
_TIME_AXIS = frozenset({"start_year", "end_year"})


def default_settings() -> QSettings:
    """The settings store of the installed application."""
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, APP_NAME, APP_NAME)


def stored_as_results(doc: scenario.ScenarioDocument) -> Results | None:
    """The results saved in a file as a :class:`Results`, if every series is there."""
    from ..model import SERIES

    stored = doc.results
    if stored is None or any(name not in stored.series for name in SERIES):
        return None
    return Results(years=stored.years, series=stored.series, units=stored.units,
                   scalars=stored.scalars, parameters=dict(doc.parameters),
                   model_version=doc.model_version or "?")


class MainWindow(QMainWindow):
    """The explorer window.

    Parameters
    ----------
    settings : QSettings, optional
        Where geometry and recent files are kept (tests pass a temporary one).
    """

    def __init__(self, settings: QSettings | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("main_window")
        self.settings = settings if settings is not None else default_settings()
        self.state = ScenarioState()
        self.undo_stack = QUndoStack(self)
        self.results: Results | None = None
        self.baseline = self._baseline_for(self.state.values)
        self.shown: Results | None = None
        self.last_recompute_ms = 0.0
        self.recompute_count = 0
        self._created: str | None = None
        self._stored: Results | None = None
        self._showing_stored = False
        #: Where error messages go instead of a dialog (``title, text``), e.g. offscreen.
        self.error_sink: Callable[[str, str], None] | None = None

        self.levers = LeverPanel(self.state, self.undo_stack, self.show_message)
        self.headline = HeadlinePanel(self._on_year)
        self.charts = ChartPanel()
        self.changes = ChangesPanel(self.state, self.levers.focus_lever)
        self.meta = MetaPanel(self.state)
        self.banner = QLabel()
        self.banner.setObjectName("stored_results_banner")
        self.banner.setWordWrap(True)
        self.banner.setStyleSheet("background: #FFF4CC; border: 1px solid #E0C060; "
                                  "padding: 4px;")
        self.banner.hide()

        center = QWidget()
        center_layout = QVBoxLayout(center)
        center_layout.setContentsMargins(4, 0, 4, 0)
        center_layout.addWidget(self.banner)
        center_layout.addWidget(self.headline)
        center_layout.addWidget(self.charts, 1)
        right = QWidget()
        right.setMinimumWidth(220)
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(4, 0, 0, 0)
        right_layout.addWidget(self.changes, 3)
        scenario_label = QLabel("<b>Scenario</b>")
        right_layout.addWidget(scenario_label)
        right_layout.addWidget(self.meta, 2)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("main_splitter")
        for widget, stretch in ((self.levers, 0), (center, 1), (right, 0)):
            self.splitter.addWidget(widget)
            self.splitter.setStretchFactor(self.splitter.indexOf(widget), stretch)
        self.splitter.setSizes([330, 830, 240])
        self.setCentralWidget(self.splitter)

        self.status_file = QLabel()
        self.status_version = QLabel(
            f"format {scenario.FORMAT_VERSION} · model {MODEL_VERSION} · app {__version__}")
        self.status_timing = QLabel()
        self.status_timing.setObjectName("status_timing")
        self.status_timing.setMinimumWidth(self.status_timing.fontMetrics().horizontalAdvance(
            "recomputed in 000.0 ms") + 8)
        status = self.statusBar()
        status.addWidget(self.status_file, 1)
        status.addPermanentWidget(self.status_version)
        status.addPermanentWidget(self.status_timing)

        self._build_menus()
        self.setAcceptDrops(True)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self.recompute)
        self._status_timer = QTimer(self)
        self._status_timer.setSingleShot(True)
        self._status_timer.setInterval(250)
        self._status_timer.timeout.connect(lambda: self.status_timing.setText(
            f"recomputed in {self.last_recompute_ms:.1f} ms"))
        self.state.subscribe(self._on_state)
        self._restore_settings()
        self.recompute()
        self._update_title()

    # -- menus ---------------------------------------------------------------------------------
    def _action(self, text: str, slot: Callable[[], Any], shortcut: Any = None,
                name: str = "") -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        if name:
            action.setObjectName(name)
        action.triggered.connect(lambda checked=False: slot())
        return action

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        file_menu.addAction(self._action("&New", self.new_scenario, QKeySequence.StandardKey.New,
                                         "action_new"))
        file_menu.addAction(self._action("&Open…", self.open_dialog, QKeySequence.StandardKey.Open,
                                         "action_open"))
        self.recent_menu = file_menu.addMenu("Open &Recent")
        self.recent_menu.setObjectName("menu_recent")
        self.presets_menu = file_menu.addMenu("&Presets")
        self.presets_menu.setObjectName("menu_presets")
        # Filled when first opened: reading the presets' titles costs nothing at start-up then.
        self.presets_menu.aboutToShow.connect(self._fill_presets)
        file_menu.addSeparator()
        file_menu.addAction(self._action("&Save", self.save, QKeySequence.StandardKey.Save,
                                         "action_save"))
        file_menu.addAction(self._action("Save &As…", self.save_as,
                                         QKeySequence.StandardKey.SaveAs, "action_save_as"))
        export = file_menu.addMenu("&Export")
        export.addAction(self._action("Results as &CSV…", self.export_csv, name="action_csv"))
        export.addAction(self._action("Window as &PNG…", self.export_png, name="action_png"))
        file_menu.addSeparator()
        file_menu.addAction(self._action("&Quit", self.close, QKeySequence.StandardKey.Quit,
                                         "action_quit"))
        edit = bar.addMenu("&Edit")
        undo = self.undo_stack.createUndoAction(self, "&Undo")
        undo.setShortcut(QKeySequence.StandardKey.Undo)
        undo.setObjectName("action_undo")
        redo = self.undo_stack.createRedoAction(self, "&Redo")
        redo.setShortcut(QKeySequence.StandardKey.Redo)
        redo.setObjectName("action_redo")
        edit.addAction(undo)
        edit.addAction(redo)
        edit.addSeparator()
        edit.addAction(self._action("Reset &all levers", self.levers.reset_all,
                                    name="action_reset_all"))
        edit.addAction(self._action("&Find lever", self._find_lever, QKeySequence.StandardKey.Find,
                                    "action_find"))
        view = bar.addMenu("&View")
        for chart in self.charts.charts:
            toggle = QAction(chart.title, self, checkable=True, checked=True)
            toggle.toggled.connect(chart.container.setVisible)
            view.addAction(toggle)
        help_menu = bar.addMenu("&Help")
        help_menu.addAction(self._action("&About EV Explorer", self.about, name="action_about"))
        self._rebuild_recent()

    def _fill_presets(self) -> None:
        if self.presets_menu.actions():
            return
        for path in sorted(resource_path("presets").glob("*.evx")):
            try:
                title = scenario.open_scenario(path, isolated=False).title or path.stem
            except scenario.ScenarioFileError:
                continue  # a damaged installation: leave the preset out
            action = self._action(title, lambda p=path: self.open_preset(p),
                                  name=f"preset_{path.stem}")
            action.setToolTip(str(path))
            self.presets_menu.addAction(action)

    def _find_lever(self) -> None:
        self.levers.search.setFocus()
        self.levers.search.selectAll()

    # -- recompute -----------------------------------------------------------------------------
    @staticmethod
    def _baseline_for(values: Any) -> Results:
        return evaluate({n: values[n] for n in _TIME_AXIS})

    def _on_state(self, change: Change) -> None:
        if change.levers:
            if change.levers & _TIME_AXIS:
                self.baseline = self._baseline_for(self.state.values)
            self._showing_stored = False
            self.banner.hide()
            self._timer.start()
        self._update_title()

    def recompute(self) -> None:
        """Run the model on the current levers and redraw everything."""
        start = time.perf_counter()
        try:
            self.results = evaluate(self.state.values)
        except ParameterError as exc:  # the state validates, so this is a bug guard
            self.show_message(str(exc))
            return
        self._redraw()
        self.last_recompute_ms = 1e3 * (time.perf_counter() - start)
        self.recompute_count += 1
        if not self._status_timer.isActive():  # at most four status updates a second
            self._status_timer.start()

    def _redraw(self) -> None:
        shown = self.results
        if self._showing_stored and self._stored is not None:
            shown = self._stored
        self.shown = shown
        years = shown.years
        self.headline.set_years(int(years[0]), int(years[-1]))
        self.headline.show_values(shown, self.baseline)
        self.charts.update_results(shown, self.baseline, self.headline.year.value())

    def _on_year(self, year: int) -> None:
        if self.results is not None:
            self._redraw()

    # -- messages ------------------------------------------------------------------------------
    def show_message(self, text: str, timeout_ms: int = 8000) -> None:
        """Show a one-line message in the status bar."""
        self.statusBar().showMessage(text, timeout_ms)

    def _error(self, title: str, text: str) -> None:
        if self.error_sink is not None:
            self.error_sink(title, text)
        else:
            QMessageBox.warning(self, title, text)

    def about(self) -> None:
        """Show versions and where the numbers come from."""
        QMessageBox.about(
            self, f"About {APP_NAME}",
            f"<b>{APP_NAME}</b> {__version__}<br>Model {MODEL_VERSION}, scenario format "
            f"{scenario.FORMAT_VERSION}<br><br>What-if explorer for the mass production of "
            "electric vehicles: mineral prices, chemistry, factory energy, demand and "
            "recycling, and what they do to pack cost, price parity, mineral supply and "
            "emissions to 2050.<br><br>Every default number carries its source: hover a lever "
            "or click its <i>i</i> button.")

    # -- title ---------------------------------------------------------------------------------
    def _update_title(self) -> None:
        path = self.state.path
        name = Path(path).name if path else "Untitled"
        title = f"{name}[*] — {APP_NAME}"
        if title != self.windowTitle():
            self.setWindowTitle(title)
            self.status_file.setText(path or "Untitled scenario (not saved)")
        modified = self.state.modified
        if modified != self.isWindowModified():
            self.setWindowModified(modified)

    # -- files ---------------------------------------------------------------------------------
    def maybe_save(self) -> bool:
        """Ask before unsaved changes are discarded; True means go ahead."""
        if not self.state.modified:
            return True
        answer = QMessageBox.question(
            self, APP_NAME, "The scenario has unsaved changes. Save them first?",
            QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Save)
        if answer == QMessageBox.StandardButton.Save:
            return self.save()
        return answer == QMessageBox.StandardButton.Discard

    def new_scenario(self) -> bool:
        """Start again from the baseline (asks first if there are unsaved changes)."""
        if not self.maybe_save():
            return False
        self._created = None
        self._stored = None
        self._showing_stored = False
        self.banner.hide()
        self.state.replace(registry.defaults())
        self.undo_stack.clear()
        return True

    def open_dialog(self) -> bool:
        """Ask for a scenario file and open it."""
        if not self.maybe_save():
            return False
        start = self.settings.value("last_folder", str(Path.home()))
        path, _ = QFileDialog.getOpenFileName(self, "Open scenario", str(start), FILE_FILTER)
        if not path:
            return False
        return self.open_file(path, ask=False)

    def open_preset(self, path: Path) -> bool:
        """Open a shipped preset as a new, untitled scenario."""
        if not self.maybe_save():
            return False
        return self._load(str(path), isolated=False, keep_path=False)

    def open_file(self, path: str, ask: bool = True) -> bool:
        """Open a scenario file; a refused file leaves the current scenario untouched."""
        if ask and not self.maybe_save():
            return False
        ok = self._load(path, isolated=True, keep_path=True)
        if ok:
            self._add_recent(path)
            self.settings.setValue("last_folder", str(Path(path).parent))
        return ok

    def read_scenario(self, path: str, isolated: bool) -> scenario.ScenarioDocument:
        """Read a file (in a child process if ``isolated``); raises ScenarioFileError."""
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            return scenario.open_scenario(path, isolated=isolated)
        finally:
            QApplication.restoreOverrideCursor()

    def _load(self, path: str, isolated: bool, keep_path: bool) -> bool:
        try:
            doc = self.read_scenario(path, isolated)
        except scenario.ScenarioFileError as exc:
            self._error("Cannot open scenario", str(exc))
            return False
        meta = {"title": doc.title, "author": doc.author, "notes": doc.notes}
        self._created = doc.created if keep_path else None
        self.state.replace(doc.parameters, meta, path if keep_path else None)
        self.undo_stack.clear()
        notes = list(doc.warnings)  # the reader words a checksum mismatch among them
        self._stored = stored_as_results(doc)
        self._timer.stop()
        self.recompute()
        difference = (scenario.compare_with_model(doc, self.results)
                      if self._stored is not None else None)
        if difference:
            self._showing_stored = True
            self._redraw()
            self.banner.setText(f"{difference} Move any lever to recompute with this "
                                f"version's model.")
            self.banner.show()
        if notes:
            self.show_message(" ".join(notes), 15000)
        return True

    def save(self) -> bool:
        """Save to the scenario's file, or ask where if it has none."""
        if self.state.path is None:
            return self.save_as()
        return self._write(self.state.path)

    def save_as(self) -> bool:
        """Ask for a file name and save there."""
        start = self.state.path or str(Path(self.settings.value("last_folder",
                                                                 str(Path.home()))) /
                                       "scenario.evx")
        path, _ = QFileDialog.getSaveFileName(self, "Save scenario as", start,
                                              "EV Explorer scenario (*.evx)")
        if not path:
            return False
        if Path(path).suffix.lower() not in scenario.SCENARIO_SUFFIXES:
            path += ".evx"
        return self._write(path)

    def _write(self, path: str) -> bool:
        self._timer.stop()
        if self.results is None or self._showing_stored:
            self._showing_stored = False
            self.recompute()
        if self._created is None:
            self._created = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        try:
            scenario.save_scenario(path, self.state.values, self.results,
                                   created=self._created, **self.state.meta)
        except scenario.ScenarioFileError as exc:
            self._error("Cannot save scenario", str(exc))
            return False
        self.state.mark_saved(path)
        self._add_recent(path)
        self.settings.setValue("last_folder", str(Path(path).parent))
        self.show_message(f"Saved {path}")
        return True

    def export_csv(self) -> bool:
        """Write the current results as CSV (one row per year)."""
        from ..export import write_csv

        path, _ = QFileDialog.getSaveFileName(self, "Export results as CSV", "results.csv",
                                              "CSV (*.csv)")
        if not path or self.results is None:
            return False
        try:
            with open(path, "w", newline="", encoding="utf-8") as fh:
                write_csv(self.results, fh)
        except OSError as exc:
            self._error("Cannot export", f"Could not write {path}: {exc.strerror}.")
            return False
        self.show_message(f"Exported {path}")
        return True

    def export_png(self) -> bool:
        """Save a picture of the window."""
        path, _ = QFileDialog.getSaveFileName(self, "Export window as PNG", "ev-explorer.png",
                                              "PNG image (*.png)")
        if not path:
            return False
        if not self.grab().save(path, "PNG"):
            self._error("Cannot export", f"Could not write {path}.")
            return False
        self.show_message(f"Exported {path}")
        return True

    # -- recent files --------------------------------------------------------------------------
    def recent_files(self) -> list[str]:
        """Recently opened or saved files, newest first."""
        value = self.settings.value("recent_files", [])
        if isinstance(value, str):
            value = [value]
        return [str(v) for v in value or []]

    def _add_recent(self, path: str) -> None:
        path = str(Path(path).resolve())
        files = [path] + [p for p in self.recent_files() if p != path]
        self.settings.setValue("recent_files", files[:MAX_RECENT])
        self._rebuild_recent()

    def _rebuild_recent(self) -> None:
        self.recent_menu.clear()
        files = self.recent_files()
        for i, path in enumerate(files, 1):
            action = self._action(f"&{i} {Path(path).name}", lambda p=path: self.open_file(p))
            action.setToolTip(path)
            self.recent_menu.addAction(action)
        self.recent_menu.setEnabled(bool(files))

    # -- drag and drop -------------------------------------------------------------------------
    @staticmethod
    def _dropped_file(urls: list[QUrl]) -> str | None:
        for url in urls:
            if url.isLocalFile() and Path(url.toLocalFile()).suffix.lower() in \
                    scenario.SCENARIO_SUFFIXES:
                return url.toLocalFile()
        return None

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls() and self._dropped_file(event.mimeData().urls()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        path = self._dropped_file(event.mimeData().urls())
        if path:
            event.acceptProposedAction()
            QTimer.singleShot(0, lambda: self.open_file(path))

    # -- settings and closing ------------------------------------------------------------------
    def _restore_settings(self) -> None:
        geometry = self.settings.value("geometry")
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)
        else:
            self.resize(1400, 900)
        splitter = self.settings.value("splitter")
        if isinstance(splitter, QByteArray) and not splitter.isEmpty():
            self.splitter.restoreState(splitter)

    def save_settings(self) -> None:
        """Keep the window geometry between runs."""
        self.settings.setValue("geometry", self.saveGeometry())
        self.settings.setValue("splitter", self.splitter.saveState())
        self.settings.sync()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.maybe_save():
            self.save_settings()
            event.accept()
        else:
            event.ignore()

