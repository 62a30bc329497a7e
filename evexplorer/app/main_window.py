"""The main window: a thin binding of one :class:`~evexplorer.session.Session` to widgets.

The window holds no scenario data: levers, texts, reference, results, stored
numbers, comparison set and undo history all live in ``window.session``.
The window lays out the views (each takes the session in ``__init__`` and
listens to it), builds the menus, runs the timers, shows dialogs and
messages, and keeps its settings (geometry, recent files, undo limit).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, QEvent, QSettings, QSize, Qt, QTimer, QUrl
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QDragEnterEvent,
    QDropEvent,
    QKeySequence,
    QResizeEvent,
    QShowEvent,
)
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMessageBox,
    QSizePolicy,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWhatsThis,
    QWidget,
)

from .. import scenario
from .._version import MODEL_VERSION, __version__
from ..session import DEFAULT_UNDO_LIMIT, Change, NamedScenario, Session, presets, read_scenario
from . import saving
from .attribution_view import AttributionView
from .autosave import Autosaver, autosave_seconds
from .background import LatestJobs
from .charts import ChartPanel
from .compare_view import CompareView
from .docks import dock as side_panel
from .drivers import DriversPanel
from .export_actions import ExportActions
from .goal_seek_dialog import GoalSeekDialog
from .levers import LeverPanel
from .panels import ChangesPanel, HeadlinePanel, MetaPanel
from .reference import ReferenceDialog
from .status import StatusBar
from .targets_view import TargetsView
from .uncertainty_controller import BandController
from .uncertainty_editor import UncertaintyMarks, reset_uncertainty

APP_NAME = "EV Explorer"
MAX_RECENT = 8
FILE_FILTER = "EV Explorer scenarios (*.evx *.h5 *.hdf5);;All files (*)"
#: Settings key of the undo history's length [steps].
UNDO_LIMIT_KEY = "undo_limit"
#: Settings key of the panels' arrangement (``QMainWindow.saveState``) and its version.
WINDOW_STATE_KEY = "window_state"
WINDOW_STATE_VERSION = 1
#: Size of a new window [px], shrunk to the screen if it is smaller.
DEFAULT_SIZE = QSize(1400, 900)
#: Share of the window's width given to the levers and to the right-hand panels [1], and
#: the most each gets by default [px].
LEVERS_SHARE, LEVERS_WIDTH = 0.21, 330
RIGHT_SHARE, RIGHT_WIDTH = 0.165, 300
#: How the reader's checksum warnings begin (the banner says it for a damaged file).
CHECKSUM_WARNING = "The file's checksum does not match"
#: What's This? text of each headline card.
HEADLINE_HELP = {
    "pack_cost": "<b>Pack cost</b><br>Cost of a battery pack in the chosen year, in USD per "
                 "kWh of capacity: mineral materials plus the rest of the pack, which falls as "
                 "cumulative production grows.",
    "cost_parity_year": "<b>Price parity with gasoline</b><br>Whether the EV costs no more "
                        "than the comparable gasoline car by the chosen year (and since when), "
                        "or how much dearer it still is that year. The change is how much "
                        "earlier or later parity comes than in the reference.",
    "breakeven_distance": "<b>Emissions break-even</b><br>How far an EV built in the chosen "
                          "year must be driven before its extra production emissions are paid "
                          "back by its lower use emissions.",
    "lithium_shortfall_years": "<b>Lithium shortfall</b><br>Lithium demand of that year's "
                               "EV batteries not met by primary supply and recycling, in kt "
                               "of lithium carbonate equivalent; the tooltip counts the short "
                               "years over the whole horizon.",
    "fleet_emissions_avoided": "<b>Avoided by that year's EVs</b><br>Life-cycle emissions "
                               "avoided by the EVs sold in the chosen year, each replacing a "
                               "gasoline car, in Mt CO2e over their lives.",
}


def default_size(available: QSize) -> QSize:
    """The size of a window without saved geometry: 1400×900 or less on a smaller screen [px]."""
    return DEFAULT_SIZE.boundedTo(QSize(available.width(), available.height()))


def default_settings() -> QSettings:
    """The settings store of the installed application."""
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, APP_NAME, APP_NAME)


def undo_limit(settings: QSettings) -> int:
    """The undo history's length from the settings [steps]; the default if unset or invalid."""
    value = settings.value(UNDO_LIMIT_KEY, DEFAULT_UNDO_LIMIT)
    try:
        limit = int(value)
    except (TypeError, ValueError):
        return DEFAULT_UNDO_LIMIT
    return limit if limit >= 0 else DEFAULT_UNDO_LIMIT


class MainWindow(QMainWindow):
    """The explorer window.

    Parameters
    ----------
    settings : QSettings, optional
        Where geometry, recent files and the undo limit are kept (tests pass a
        temporary one).
    """

    def __init__(self, settings: QSettings | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("main_window")
        self.settings = settings if settings is not None else default_settings()
        # A burst of slider moves costs one model run: the session asks for a recompute
        # and this zero-delay timer runs it once the queued events are handled.
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self.recompute)
        self.session = Session(undo_limit=undo_limit(self.settings), schedule=self._timer.start)
        self.last_recompute_ms = 0.0
        self.recompute_count = 0
        self._presets: list[NamedScenario] | None = None
        self.reference_dialog: ReferenceDialog | None = None
        #: Whether the side panels follow the window's width (until the user sizes them).
        self._panels_follow = False
        self._layout_pending = True
        self.user_guide: QWidget | None = None
        #: Where error messages go instead of a dialog (``title, text``), e.g. offscreen.
        self.error_sink: Callable[[str, str], None] | None = None

        self.levers = LeverPanel(self.session, self.show_message)
        self.headline = HeadlinePanel(self.session)
        self.charts = ChartPanel(self.session, self.headline.year.value)
        self.headline.year.valueChanged.connect(lambda year: self.charts.redraw())
        self.changes = ChangesPanel(self.session, self._jump_to_lever)
        self.meta = MetaPanel(self.session)
        # A note about the opened file's numbers (stored ones shown, or a damaged file) runs
        # across the top of the charts; it wraps rather than widening the window.
        self.banner = QLabel()
        self.banner.setObjectName("stored_results_banner")
        self.banner.setWordWrap(True)
        self.banner.setTextFormat(Qt.TextFormat.PlainText)
        self.banner.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.banner_box = QFrame()
        self.banner_box.setObjectName("banner_box")
        self.banner_box.setStyleSheet("#banner_box { background: #FFF4CC; "
                                      "border: 1px solid #E0C060; }")
        dismiss = QToolButton()
        dismiss.setObjectName("banner_dismiss")
        dismiss.setText("\u2715")
        dismiss.setAutoRaise(True)
        dismiss.setToolTip("Hide this note")
        dismiss.setAccessibleName("Hide the note about the file's numbers")
        dismiss.clicked.connect(self.banner_box.hide)
        banner_layout = QHBoxLayout(self.banner_box)
        banner_layout.setContentsMargins(6, 3, 3, 3)
        banner_layout.addWidget(self.banner, 1)
        banner_layout.addWidget(dismiss, 0, Qt.AlignmentFlag.AlignTop)
        self.banner_box.hide()

        center = QWidget()
        center.setObjectName("center_panel")
        center_layout = QVBoxLayout(center)
        center_layout.setContentsMargins(4, 2, 4, 0)
        center_layout.setSpacing(4)
        center_layout.addWidget(self.banner_box)
        center_layout.addWidget(self.headline)
        center_layout.addWidget(self.charts, 1)
        self.setCentralWidget(center)
        # The analysis views (the scenario's description, drivers, attribution, targets,
        # compare) share one tab area under the list of changes.
        self.analysis_tabs = QTabWidget()
        self.analysis_tabs.setObjectName("analysis_tabs")
        self.analysis_tabs.setDocumentMode(True)
        self.analysis_tabs.addTab(self.meta, "&Scenario")
        # Uncertainty: bands computed in the background as levers move, the Drivers tab,
        # and the marks of uncertain levers. One background queue serves bands and tornado.
        self.jobs = LatestJobs()
        self.uncertainty = BandController(self.session, self.jobs, report=self.show_message,
                                          parent=self)
        self.drivers = DriversPanel(self.session, self.jobs, self.uncertainty.spec,
                                    self.levers.focus_lever, self.headline.year.value())
        self.analysis_tabs.addTab(self.drivers, "&Drivers")
        self.uncertainty_marks = UncertaintyMarks(self.session, self.levers)
        # The side panels are docks: each can be closed (View menu brings it back), moved to
        # the other side, or floated as its own window; their arrangement is kept between runs.
        self.setDockOptions(QMainWindow.DockOption.AnimatedDocks
                            | QMainWindow.DockOption.AllowTabbedDocks)
        self.levers_dock = self._dock("levers_dock", "Levers", self.levers,
                                      Qt.DockWidgetArea.LeftDockWidgetArea)
        self.changes_dock = self._dock("changes_dock", self.changes.heading(), self.changes,
                                       Qt.DockWidgetArea.RightDockWidgetArea)
        self.changes.title.hide()  # the dock's title bar says it
        self.analysis_dock = self._dock("analysis_dock", "Analysis", self.analysis_tabs,
                                        Qt.DockWidgetArea.RightDockWidgetArea)
        self.splitDockWidget(self.changes_dock, self.analysis_dock, Qt.Orientation.Vertical)

        self.setStatusBar(StatusBar())
        self.status_file = self.statusBar().file
        self.status_version = self.statusBar().version
        self.status_version.setText(
            f"format {scenario.FORMAT_VERSION} · model {MODEL_VERSION} · app {__version__}")
        self.status_timing = self.statusBar().timing
        self._set_whats_this()

        self._add_analysis_views()
        self._build_menus()
        self.setAcceptDrops(True)
        self._status_timer = QTimer(self)
        self._status_timer.setSingleShot(True)
        self._status_timer.setInterval(250)
        self._status_timer.timeout.connect(lambda: self.status_timing.setText(
            f"recomputed in {self.last_recompute_ms:.1f} ms"))
        self.session.subscribe(self._on_file, names=("path", "modified"))
        self.session.subscribe(self._on_stored, names=("stored", "showing_stored"))
        self.session.subscribe(self._on_history, names=("history",))
        self.session.subscribe(self._on_reference, names=("reference",))
        self._restore_settings()
        self.levers.search.setFocus()  # the keyboard starts in the lever search
        self._on_file(Change(frozenset()))
        self._on_history(Change(frozenset()))
        self._on_reference(Change(frozenset()))
        # While there are unsaved changes, a recovery copy is kept (see autosave.py).
        self.autosave = Autosaver(self.session, self, seconds=autosave_seconds(self.settings),
                                  report=lambda text: self.show_message(text, 15000))
        self.recompute()  # the first results: the views draw as they arrive
        # Sampling starts once the window is painted: importing SciPy's samplers must not
        # delay the first paint. The Drivers tab is then filled in the background.
        self.uncertainty.started.connect(lambda: self.drivers.refresh(now=True))
        self.uncertainty.start_after_first_paint(self)

    # -- arrangement ---------------------------------------------------------------------------
    def _dock(self, name: str, title: str, widget: QWidget,
              area: Qt.DockWidgetArea) -> QDockWidget:
        panel = side_panel(name, title, widget, self)
        self.addDockWidget(area, panel)
        return panel

    def default_layout(self) -> None:
        """Put the panels back: levers on the left, changes over the analysis tabs on the
        right, each as wide as the window's width allows."""
        for dock, area in ((self.levers_dock, Qt.DockWidgetArea.LeftDockWidgetArea),
                           (self.changes_dock, Qt.DockWidgetArea.RightDockWidgetArea),
                           (self.analysis_dock, Qt.DockWidgetArea.RightDockWidgetArea)):
            dock.setFloating(False)
            self.addDockWidget(area, dock)
            dock.show()
        self.splitDockWidget(self.changes_dock, self.analysis_dock, Qt.Orientation.Vertical)
        self._size_side_panels()
        height = max(self.height() - 120, 200)
        self.resizeDocks([self.changes_dock, self.analysis_dock],
                         [round(0.4 * height), round(0.6 * height)], Qt.Orientation.Vertical)
        self._panels_follow = True

    def _size_side_panels(self) -> None:
        """Give the docked side panels their share of the window's width."""
        width = self.width()
        sizes = {self.levers_dock: (LEVERS_SHARE, LEVERS_WIDTH),
                 self.changes_dock: (RIGHT_SHARE, RIGHT_WIDTH)}
        docks = [dock for dock in sizes if dock.isVisibleTo(self) and not dock.isFloating()]
        if docks:
            self.resizeDocks(docks, [min(max(round(sizes[d][0] * width),
                                             d.minimumSizeHint().width()), sizes[d][1])
                                     for d in docks], Qt.Orientation.Horizontal)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        # Until the user drags a panel's edge, the side panels keep their share of the
        # window's width as the window is resized (the charts and cards keep theirs).
        if (self._panels_follow and not self._layout_pending
                and event.oldSize().width() > 0 and event.oldSize().width() != self.width()):
            self._size_side_panels()

    def event(self, event: QEvent) -> bool:
        if (event.type() == QEvent.Type.MouseButtonPress
                and self.childAt(event.position().toPoint()) is None):
            # A press between the panels, on no widget: the start of a drag of the edge
            # between two panels. The widths are the user's from now on.
            self._panels_follow = False
        return super().event(event)

    def _panels(self) -> list[tuple[QDockWidget | None, QWidget]]:
        """The panels that F6 visits in turn: dock (None for the charts) and focus target."""
        return [(self.levers_dock, self.levers.search),
                (None, self.headline.year),
                (None, self.charts.focus_target()),
                (self.changes_dock, self.changes.list),
                (self.analysis_dock, self.analysis_tabs.tabBar())]

    def focus_panel(self, step: int = 1) -> None:
        """Move the keyboard focus to the next (``step`` 1) or previous (-1) panel."""
        panels = self._panels()
        focus = QApplication.focusWidget()
        current = -1
        for i, (_dock, target) in enumerate(panels):
            container = _dock.widget() if _dock is not None else target
            if focus is not None and (focus is target or container.isAncestorOf(focus)):
                current = i
                break
        for k in range(1, len(panels) + 1):
            dock, target = panels[(current + step * k) % len(panels)]
            if dock is not None and not dock.isVisible():
                continue
            target.setFocus(Qt.FocusReason.TabFocusReason)
            return

    def _reveal_levers(self) -> None:
        if not self.levers_dock.isVisible():
            self.levers_dock.show()
        self.levers_dock.raise_()

    def _jump_to_lever(self, name: str) -> None:
        self._reveal_levers()
        self.levers.focus_lever(name)

    def _set_whats_this(self) -> None:
        self.levers_dock.setWhatsThis(
            "<b>Levers</b><br>Every assumption of the model, grouped. Drag a slider or type an "
            "exact value (in the unit shown); ↺ puts a lever back to its default and <i>i</i> "
            "shows its description, range and source. Ctrl+F searches them.")
        self.headline.setWhatsThis(
            "<b>Headline figures</b><br>The scenario's figures for the year chosen under "
            "<i>Figures for</i>, each with its change against the reference (the baseline "
            "unless you chose another): green is better, orange worse.")
        for card in self.headline.cards.values():
            card.setWhatsThis(HEADLINE_HELP.get(card.headline.key, ""))
        self.changes_dock.setWhatsThis(
            "<b>What changed</b><br>Every lever whose value differs from the reference, with "
            "both values. Click one (or press Enter on it) to go to the lever.")
        self.analysis_dock.setWhatsThis(
            "<b>Analysis</b><br>The scenario's title, author and notes (saved in its file), "
            "and the views that explain, compare and check it.")
        self.statusBar().setWhatsThis(
            "<b>Status bar</b><br>Messages on the left; then the scenario's file, the "
            "versions of the file format, the model and the application, and how long the "
            "last recomputation took.")
        self.banner_box.setWhatsThis(
            "<b>About this file's numbers</b><br>Says when the numbers on screen are the ones "
            "stored in the file rather than this version's, or when the file is damaged.")

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
        # Workbook, IAMC, JSON, chart files and the PDF report; chart right-click menus.
        self.exports = ExportActions(self, export)
        file_menu.addSeparator()
        quit_action = self._action("&Quit", self.close, QKeySequence.StandardKey.Quit,
                                   "action_quit")
        if quit_action.shortcut().isEmpty():  # systems without a standard key for Quit
            quit_action.setShortcut(QKeySequence("Ctrl+Q"))
        file_menu.addAction(quit_action)
        edit = bar.addMenu("&Edit")
        self.undo_action = self._action("&Undo", self.session.undo,
                                        QKeySequence.StandardKey.Undo, "action_undo")
        self.redo_action = self._action("&Redo", self.session.redo,
                                        QKeySequence.StandardKey.Redo, "action_redo")
        edit.addAction(self.undo_action)
        edit.addAction(self.redo_action)
        edit.addSeparator()
        edit.addAction(self._action("Reset &all levers", self.levers.reset_all,
                                    name="action_reset_all"))
        edit.addAction(self._action("&Find lever", self._find_lever, QKeySequence.StandardKey.Find,
                                    "action_find"))
        edit.addSeparator()
        self.exports.add_copy_menu(edit)
        view = bar.addMenu("&View")
        # Percentile bands around the scenario's curves and ranges on the headline cards.
        self.show_uncertainty_action = QAction("Show &Uncertainty (P10–P90)", self,
                                               checkable=True, checked=True)
        self.show_uncertainty_action.setObjectName("show_uncertainty")
        self.show_uncertainty_action.setShortcut(QKeySequence("Ctrl+U"))
        self.show_uncertainty_action.toggled.connect(self._on_show_uncertainty)
        view.addAction(self.show_uncertainty_action)
        self.show_uncertainty_action.toggled.connect(self.charts.set_bands_visible)
        view.addSeparator()
        for dock, text, name, key in (
                (self.levers_dock, "&Levers", "action_show_levers", "Ctrl+Shift+L"),
                (self.changes_dock, "What &Changed", "action_show_changes", "Ctrl+Shift+C"),
                (self.analysis_dock, "A&nalysis", "action_show_analysis", "Ctrl+Shift+A")):
            toggle = dock.toggleViewAction()
            toggle.setText(text)
            toggle.setObjectName(name)
            toggle.setShortcut(QKeySequence(key))
            view.addAction(toggle)
        view.addAction(self._action("Reset &Panels", self.default_layout,
                                    name="action_reset_layout"))
        view.addAction(self._action("&Next Panel", lambda: self.focus_panel(1),
                                    QKeySequence(Qt.Key.Key_F6), "action_next_panel"))
        view.addAction(self._action("Pre&vious Panel", lambda: self.focus_panel(-1),
                                    QKeySequence("Shift+F6"), "action_previous_panel"))
        view.addSeparator()
        self.chart_actions: dict[str, QAction] = {}
        for chart in self.charts.charts:
            toggle = QAction(chart.title.replace("&", "&&"), self, checkable=True, checked=True)
            toggle.setObjectName(f"action_chart_{chart.key}")
            toggle.toggled.connect(lambda on, key=chart.key: self.charts.set_chart_shown(key, on))
            self.chart_actions[chart.key] = toggle
            view.addAction(toggle)
        analysis = bar.addMenu("&Analysis")
        analysis.setObjectName("menu_analysis")
        self.set_reference_action = self._action("Set &Reference…", self.choose_reference,
                                                 name="set_reference")
        self.set_reference_action.setToolTip(
            "Measure the scenario against the current one, a preset or a file")
        self.reset_reference_action = self._action("Reset Reference to &Baseline",
                                                   self.session.reset_reference,
                                                   name="reset_reference")
        analysis.addAction(self.set_reference_action)
        analysis.addAction(self.reset_reference_action)
        analysis.addSeparator()
        self.drivers_action = self._action("&Drivers", self.show_drivers, "Ctrl+Shift+D",
                                           "show_drivers")
        self.drivers_action.setToolTip("The levers that move an output most; Sobol indices")
        analysis.addAction(self.drivers_action)
        self.reset_uncertainty_action = self._action(
            "Reset &Uncertainty to Defaults", lambda: reset_uncertainty(self.session),
            name="reset_uncertainty")
        self.reset_uncertainty_action.setToolTip(
            "Every lever's uncertainty and correlation as shipped (one undo step)")
        analysis.addAction(self.reset_uncertainty_action)
        self._add_analysis_actions(analysis)
        help_menu = bar.addMenu("&Help")
        help_menu.addAction(self._action("&User Guide", self.show_user_guide,
                                         QKeySequence.StandardKey.HelpContents,
                                         "action_user_guide"))
        whats_this = QWhatsThis.createAction(self)
        whats_this.setText("What's &This?")
        whats_this.setObjectName("action_whats_this")
        help_menu.addAction(whats_this)
        help_menu.addSeparator()
        help_menu.addAction(self._action("&About EV Explorer", self.about, name="action_about"))
        self._rebuild_recent()

    def presets(self) -> list[NamedScenario]:
        """The shipped presets, read once."""
        if self._presets is None:
            self._presets = presets()
        return self._presets

    def _fill_presets(self) -> None:
        if self.presets_menu.actions():
            return
        for preset in self.presets():
            path = Path(preset.path or "")
            action = self._action(preset.title, lambda p=path: self.open_preset(p),
                                  name=f"preset_{path.stem}")
            action.setToolTip(str(path))
            self.presets_menu.addAction(action)

    def _find_lever(self) -> None:
        self._reveal_levers()
        self.levers.search.setFocus()
        self.levers.search.selectAll()

    # -- session events ------------------------------------------------------------------------
    def recompute(self) -> None:
        """Run the model on whatever changed, if anything; the views redraw as it reports."""
        start = time.perf_counter()
        if not self.session.recompute():
            return
        self.last_recompute_ms = 1e3 * (time.perf_counter() - start)
        self.recompute_count += 1
        if not self._status_timer.isActive():  # at most four status updates a second
            self._status_timer.start()

    def _on_file(self, change: Change) -> None:
        path = self.session.path
        name = Path(path).name if path else "Untitled"
        title = f"{name}[*] — {APP_NAME}"
        if title != self.windowTitle():
            self.setWindowTitle(title)
            self.status_file.set_full_text(path or "Untitled scenario (not saved)")
        modified = self.session.modified
        if modified != self.isWindowModified():
            self.setWindowModified(modified)

    def _on_stored(self, change: Change) -> None:
        note = self.session.stored_note
        if self.session.showing_stored:
            self.banner.setText(f"{note} Move any lever to recompute with this version's "
                                "model.")
            self.banner_box.show()
        elif self.session.stored is None and note:  # a damaged file: its numbers not shown
            self.banner.setText(note)
            self.banner_box.show()
        else:
            self.banner_box.hide()

    def _on_history(self, change: Change) -> None:
        history = self.session.history
        for action, word, able, text in (
                (self.undo_action, "&Undo", history.can_undo, history.undo_text),
                (self.redo_action, "&Redo", history.can_redo, history.redo_text)):
            action.setEnabled(able)
            action.setText(f"{word} {text.replace('&', '&&')}" if text else word)

    def _on_reference(self, change: Change) -> None:
        self.changes_dock.setWindowTitle(self.changes.heading())
        reference = self.session.reference
        self.reset_reference_action.setEnabled(not reference.is_baseline)
        self.set_reference_action.setStatusTip(
            "Reference: baseline" if reference.is_baseline else
            f"Reference: {reference.title}")

    def _on_show_uncertainty(self, checked: bool) -> None:
        self.uncertainty.set_enabled(checked)
        self.headline.set_bands_visible(checked)

    def show_analysis_tab(self, widget: QWidget) -> None:
        """Bring one of the analysis tabs to the front, opening its panel if it was closed."""
        if not self.analysis_dock.isVisible():
            self.analysis_dock.show()
        self.analysis_dock.raise_()
        self.analysis_tabs.setCurrentWidget(widget)

    def show_drivers(self) -> None:
        """Bring the Drivers tab to the front and put the focus on its output."""
        self.show_analysis_tab(self.drivers)
        self.drivers.output.setFocus(Qt.FocusReason.ShortcutFocusReason)
    # -- compare, attribution, goal-seek, targets ------------------------------------------------
    def _add_analysis_views(self) -> None:
        """The Compare, Attribution and Targets tabs beside the scenario's description."""
        self.goal_seek_dialog: GoalSeekDialog | None = None
        self.compare_view = CompareView(self.session, self.headline.year.value, self.presets,
                                        self._choose_scenario_file)
        self.headline.year.valueChanged.connect(lambda year: self.compare_view.refresh())
        self.attribution_view = AttributionView(self.session, self.levers.focus_lever)
        self.targets_view = TargetsView(self.session)
        for view, text in ((self.attribution_view, "Attri&bution"),
                           (self.targets_view, "Tar&gets"), (self.compare_view, "&Compare")):
            self.analysis_tabs.addTab(view, text)

    def _add_analysis_actions(self, menu: Any) -> None:
        menu.addSeparator()
        for text, view, name, tip in (
                ("&Compare Scenarios", self.compare_view, "show_compare",
                 "Headline figures of 2 to 6 scenarios side by side"),
                ("E&xplain the Change (Attribution)", self.attribution_view, "show_attribution",
                 "Which levers moved an output from the reference, and by how much"),
                ("&Targets", self.targets_view, "show_targets",
                 "The EU's recycled-content rules and your own targets, met or not")):
            action = self._action(text, lambda v=view: self.show_analysis(v), name=name)
            action.setStatusTip(tip)
            menu.addAction(action)
        self.goal_seek_action = self._action("&Goal Seek…", self.goal_seek, "Ctrl+G",
                                             "goal_seek")
        self.goal_seek_action.setStatusTip("The value of a lever that makes an output reach a "
                                           "target")
        menu.addAction(self.goal_seek_action)

    def show_analysis(self, view: QWidget) -> None:
        """Bring an analysis tab to the front and give it the keyboard."""
        self.show_analysis_tab(view)
        view.setFocus(Qt.FocusReason.ShortcutFocusReason)
        view.focusNextChild()

    def goal_seek(self) -> GoalSeekDialog:
        """Show the goal-seek dialog (not modal), starting at the headline cards' year."""
        if self.goal_seek_dialog is None:
            self.goal_seek_dialog = GoalSeekDialog(self.session, self.headline.year.value(),
                                                   self)
        dialog = self.goal_seek_dialog
        dialog.show()
        dialog.raise_()
        dialog.activateWindow()
        dialog.goal.setFocus()
        return dialog

    def _choose_scenario_file(self) -> str | None:
        start = self.settings.value("last_folder", str(Path.home()))
        path, _ = QFileDialog.getOpenFileName(self, "Scenario to compare", str(start),
                                              FILE_FILTER)
        return path or None

    # -- reference -----------------------------------------------------------------------------
    def choose_reference(self) -> None:
        """Let the user pick the reference: the current scenario, the baseline, a preset, a file."""
        dialog = ReferenceDialog(self.session, self.presets(), self)
        dialog.accepted.connect(lambda: self._reference_chosen(dialog))
        dialog.finished.connect(dialog.deleteLater)
        self.reference_dialog = dialog
        dialog.open()

    def _reference_chosen(self, dialog: ReferenceDialog) -> None:
        chosen = dialog.choice()
        self.reference_dialog = None
        if chosen is None:
            start = self.settings.value("last_folder", str(Path.home()))
            path, _ = QFileDialog.getOpenFileName(self, "Reference scenario", str(start),
                                                  FILE_FILTER)
            if not path:
                return
            try:
                chosen = self._reading(lambda: read_scenario(path, isolated=True))
            except scenario.ScenarioFileError as exc:
                self._error("Cannot open scenario", str(exc))
                return
        if self.session.set_reference(chosen):
            self.show_message(f"Measuring against {self._reference_text()} "
                              "(Edit ▸ Undo goes back).")

    def _reference_text(self) -> str:
        reference = self.session.reference
        return "the baseline" if reference.is_baseline else f"“{reference.title}”"

    # -- messages ------------------------------------------------------------------------------
    def show_message(self, text: str, timeout_ms: int = 8000) -> None:
        """Show a one-line message in the status bar."""
        self.statusBar().showMessage(text, timeout_ms)

    def show_error(self, title: str, text: str) -> None:
        """Say in one sentence why something failed: a dialog, or ``error_sink`` when set."""
        self._error(title, text)

    def _error(self, title: str, text: str) -> None:
        if self.error_sink is not None:
            self.error_sink(title, text)
        else:
            QMessageBox.warning(self, title, text)

    def show_user_guide(self) -> None:
        """Open the user guide beside the window (F1); it is read from the installed files."""
        from .help import UserGuide

        if self.user_guide is None:
            try:
                self.user_guide = UserGuide(self)
            except OSError as exc:
                self._error("Cannot open the user guide", str(exc))
                return
        self.user_guide.show()
        self.user_guide.raise_()
        self.user_guide.activateWindow()

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

    # -- files ---------------------------------------------------------------------------------
    def maybe_save(self) -> bool:
        """Ask before unsaved changes are discarded; True means go ahead."""
        if not self.session.modified:
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
        self.session.new()
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
        return self._load(str(path), isolated=False, as_new=True)

    def open_file(self, path: str, ask: bool = True) -> bool:
        """Open a scenario file; a refused file leaves the current scenario untouched."""
        if ask and not self.maybe_save():
            return False
        ok = self._load(path, isolated=True, as_new=False)
        if ok:
            self._add_recent(path)
            self.settings.setValue("last_folder", str(Path(path).parent))
        return ok

    @staticmethod
    def _reading(read: Callable[[], Any]) -> Any:
        """Run ``read`` under the wait cursor."""
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            return read()
        finally:
            QApplication.restoreOverrideCursor()

    def _load(self, path: str, isolated: bool, as_new: bool) -> bool:
        try:
            doc = self._reading(lambda: self.session.open(path, isolated=isolated,
                                                          as_new=as_new))
        except scenario.ScenarioFileError as exc:
            self._error("Cannot open scenario", str(exc))
            return False
        warnings = list(doc.warnings)
        if self.session.stored is None and self.session.stored_note:
            # The banner says the file is damaged: the status bar need not say it again.
            warnings = [w for w in warnings if not w.startswith(CHECKSUM_WARNING)]
        if warnings:
            self.show_message(" ".join(warnings), 15000)
        return True

    def save(self) -> bool:
        """Save to the scenario's file, or ask where if it has none."""
        if self.session.path is None:
            return self.save_as()
        return self._write(self.session.path)

    def save_as(self) -> bool:
        """Ask for a file name and save there."""
        start = self.session.path or str(Path(self.settings.value("last_folder",
                                                                  str(Path.home()))) /
                                         "scenario.evx")
        path, _ = QFileDialog.getSaveFileName(self, "Save scenario as", start,
                                              "EV Explorer scenario (*.evx)")
        if not path:
            return False
        if Path(path).suffix.lower() not in scenario.SCENARIO_SUFFIXES:
            path += ".evx"
        return self._write(path)

    def _write(self, path: str, overwrite: bool = False) -> bool:
        self.statusBar().clearMessage()  # no earlier "Saved …" beside a failure
        try:
            self.session.save(path, overwrite=overwrite)
        except scenario.ScenarioFileError as exc:
            if exc.code == "changed-on-disk":
                return self._changed_on_disk(path, str(exc))
            self._error("Cannot save scenario", str(exc))
            return False
        except Exception as exc:  # whatever fails, the work stays and says why
            self._error("Cannot save scenario", saving.unexpected_failure_text(path, exc))
            return False
        self._add_recent(path)
        self.settings.setValue("last_folder", str(Path(path).parent))
        self.show_message(f"Saved {path}")
        return True

    def _changed_on_disk(self, path: str, text: str) -> bool:
        """Another program changed the file since it was opened: overwrite, save as, or cancel."""
        answer = saving.ask_changed_on_disk(self, text)
        if answer == saving.OVERWRITE:
            return self._write(path, overwrite=True)
        if answer == saving.SAVE_AS:
            return self.save_as()
        self.show_message(f"{Path(path).name} was not saved.")
        return False

    def export_csv(self) -> bool:
        """Write the results on screen as CSV (one row per year)."""
        from .._atomic import WriteError, atomic_stream
        from ..export import write_csv

        path, _ = QFileDialog.getSaveFileName(self, "Export results as CSV", "results.csv",
                                              "CSV (*.csv)")
        if not path:
            return False
        try:
            with atomic_stream(path, verb="export", text=True, newline="") as stream:
                write_csv(self.session.shown, stream)
        except WriteError as exc:
            self._error("Cannot export", str(exc))
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
            QTimer.singleShot(0, self, lambda: self.open_file(path))

    # -- settings and closing ------------------------------------------------------------------
    def _restore_settings(self) -> None:
        geometry = self.settings.value("geometry")
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)
        else:
            self.resize(default_size(self.screen().availableGeometry().size()))
        self.default_layout()
        state = self.settings.value(WINDOW_STATE_KEY)
        # Without a saved arrangement, the panels are sized for the window as first shown.
        self._layout_pending = not (isinstance(state, QByteArray) and not state.isEmpty()
                                    and self.restoreState(state, WINDOW_STATE_VERSION))
        # A restored arrangement is the user's: its widths stay as they were left.
        self._panels_follow = self._layout_pending

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._layout_pending:
            self._layout_pending = False
            self.default_layout()

    def save_settings(self) -> None:
        """Keep the window geometry and the panels' arrangement between runs."""
        self.settings.setValue("geometry", self.saveGeometry())
        self.settings.setValue(WINDOW_STATE_KEY, self.saveState(WINDOW_STATE_VERSION))
        self.settings.sync()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.maybe_save():
            self.save_settings()
            self.autosave.discard()  # saved or discarded: the recovery copy goes
            self.jobs.shutdown()
            self.drivers.cancel_sobol()
            event.accept()
        else:
            event.ignore()

