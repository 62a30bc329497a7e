"""File ▸ Export: workbook, IAMC, JSON, chart files and the PDF report; chart copy and export.

:class:`ExportActions` adds the window's export actions (object names
``export_xlsx``, ``export_iamc``, ``export_json``, ``export_charts``,
``export_report``) to the File ▸ Export menu beside the CSV and PNG ones,
an Edit ▸ Copy Chart submenu (one entry per chart, for the keyboard), and
"Copy Chart" and "Export Chart…" to each chart's right-click menu (in place
of pyqtgraph's own entries, which change ranges the charts keep steady, or
open pyqtgraph's export dialog, whose SVG exporter fails with this Qt).

Every export writes what is on screen (:func:`evexplorer.app.on_screen.snapshot_of`),
all or nothing; a failure is one sentence in a message box (or the window's
``error_sink``). Drawing charts and the report shows a progress dialog when it
takes longer than half a second, and can be cancelled before anything is
written.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QLocale, QObject, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QApplication,
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QProgressDialog,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from .. import _atomic

if TYPE_CHECKING:
    from ..export.snapshot import Snapshot
    from .main_window import MainWindow

#: Data exports of the menu: format key (of ``evexplorer.export.FORMATS``), action name,
#: menu text, file dialog title, file filter.
DATA_EXPORTS: tuple[tuple[str, str, str, str, str], ...] = (
    ("xlsx", "export_xlsx", "Excel &Workbook…", "Export as Excel workbook",
     "Excel workbook (*.xlsx)"),
    ("iamc", "export_iamc", "&IAMC Time Series…", "Export as IAMC time series (pyam)",
     "IAMC time series (*.csv)"),
    ("json", "export_json", "&JSON…", "Export results as JSON", "JSON (*.json)"),
)
#: Settings key of the folder of the last export.
EXPORT_FOLDER_KEY = "export/folder"
#: Settings keys of the last chart folder and format.
CHARTS_FOLDER_KEY = "export/charts_folder"
CHARTS_FORMAT_KEY = "export/charts_format"
#: Titles of pyqtgraph's own entries in a plot's right-click menu, hidden there.
PYQTGRAPH_MENUS = ("X axis", "Y axis", "Mouse Mode")
#: Progress dialogs appear only for work longer than this [ms].
PROGRESS_AFTER_MS = 500


def file_stem(name: str) -> str:
    """A file name (without suffix) from a scenario's name: letters, digits, - and _ kept.

    >>> file_stem("Lithium squeeze: 2030 / LFP")
    'Lithium-squeeze-2030-LFP'
    """
    stem = re.sub(r"[^\w\-]+", "-", name, flags=re.UNICODE).strip("-_")
    return stem[:80] or "scenario"


def _with_suffix(path: str, suffix: str) -> str:
    return path if Path(path).suffix else path + suffix


@contextlib.contextmanager
def busy() -> Iterator[None]:
    """The wait cursor for the time of a short job."""
    QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
    try:
        yield
    finally:
        QApplication.restoreOverrideCursor()


class _Progress:
    """A cancellable progress dialog that shows itself after :data:`PROGRESS_AFTER_MS`."""

    def __init__(self, parent: QWidget, text: str, total: int) -> None:
        self.dialog = QProgressDialog(text, "Cancel", 0, max(total, 1), parent)
        self.dialog.setObjectName("export_progress")
        self.dialog.setWindowTitle("Exporting")
        self.dialog.setWindowModality(Qt.WindowModality.WindowModal)
        self.dialog.setMinimumDuration(PROGRESS_AFTER_MS)
        self.dialog.setAutoClose(False)
        self.dialog.setAutoReset(False)
        self.dialog.setValue(0)

    def __call__(self, done: int, total: int) -> bool:
        """Show ``done`` of ``total``; False once the user cancelled."""
        self.dialog.setMaximum(max(total, 1))
        self.dialog.setValue(min(done, total))
        QApplication.processEvents()
        return not self.dialog.wasCanceled()

    def close(self) -> None:
        self.dialog.close()
        self.dialog.deleteLater()


class ChartExportDialog(QDialog):
    """Where and in which format to write one file per chart.

    Parameters
    ----------
    charts : sequence of Chart
        The charts to write (their keys name the files).
    folder : str
        The folder offered first.
    fmt : str
        The format chosen first (a key of :data:`evexplorer.app.render.FORMATS`).
    """

    def __init__(self, charts: Sequence[Any], folder: str, fmt: str,
                 parent: QWidget | None = None) -> None:
        from . import render

        super().__init__(parent)
        self.setObjectName("chart_export_dialog")
        self.setWindowTitle("Export charts")
        self._charts = list(charts)
        self.folder = QLineEdit(folder)
        self.folder.setObjectName("chart_export_folder")
        self.folder.setAccessibleName("Folder for the chart files")
        browse = QPushButton("&Browse…")
        browse.setObjectName("chart_export_browse")
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.folder, 1)
        row.addWidget(browse)
        folder_label = QLabel("&Folder:")
        folder_label.setBuddy(self.folder)
        self.formats = QButtonGroup(self)
        format_box = QVBoxLayout()
        mnemonics = {"svg": "&SVG", "png": "P&NG", "pdf": "P&DF"}
        for key, spec in render.FORMATS.items():
            button = QRadioButton(f"{mnemonics.get(key, key.upper())} — {spec.description}")
            button.setObjectName(f"chart_format_{key}")
            button.setProperty("format", key)
            button.setChecked(key == fmt)
            self.formats.addButton(button)
            format_box.addWidget(button)
        if self.formats.checkedButton() is None:
            self.formats.buttons()[0].setChecked(True)
        self.files = QLabel()
        self.files.setObjectName("chart_export_files")
        self.files.setWordWrap(True)
        self.files.setTextFormat(Qt.TextFormat.PlainText)
        form = QFormLayout()
        form.addRow(folder_label, row)
        form.addRow("Format:", format_box)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.setObjectName("chart_export_buttons")
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("&Export")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.files)
        layout.addWidget(buttons)
        self.folder.textChanged.connect(self._describe)
        self.formats.buttonToggled.connect(lambda *_: self._describe())
        self._describe()
        self.resize(560, 0)

    def chosen_format(self) -> str:
        """The format key chosen."""
        return str(self.formats.checkedButton().property("format"))

    def chosen_folder(self) -> Path:
        """The folder chosen (``~`` expanded)."""
        return Path(self.folder.text().strip()).expanduser()

    def file_names(self) -> list[str]:
        """The files the export writes, in chart order."""
        from .render import chart_file_name

        return [chart_file_name(chart, self.chosen_format()) for chart in self._charts]

    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Folder for the chart files",
                                                  self.folder.text())
        if folder:
            self.folder.setText(folder)

    def _describe(self) -> None:
        names = self.file_names()
        text = f"Writes {len(names)} files: {', '.join(names)}."
        folder = self.chosen_folder()
        ok = bool(self.folder.text().strip()) and folder.is_dir()
        if not self.folder.text().strip():
            text += " Choose a folder."
        elif not folder.is_dir():
            text += " That folder does not exist."
        else:
            existing = [n for n in names if (folder / n).exists()]
            if existing:
                text += (f" {len(existing)} of them exist there already and will be "
                         "replaced.")
        self.files.setText(text)
        self.ok_button.setEnabled(ok)


class ExportActions(QObject):
    """The window's exports (see the module's description).

    Parameters
    ----------
    window : MainWindow
        Its session, charts, headline year, settings and messages are used.
    menu : QMenu
        File ▸ Export; the new actions go before its window-picture entry.
    """

    def __init__(self, window: MainWindow, menu: QMenu) -> None:
        super().__init__(window)
        self.window = window
        self.menu = menu
        self.chart_dialog: ChartExportDialog | None = None
        before = next((a for a in menu.actions() if a.objectName() == "action_png"), None)
        self.actions: dict[str, QAction] = {}
        from ..export.files import FORMATS

        for fmt, name, text, title, filters in DATA_EXPORTS:
            self._add(before, name, text,
                      lambda fmt=fmt, title=title, filters=filters:
                      self.export_data(fmt, title, filters), FORMATS[fmt].description)
        if before is not None:
            menu.insertSeparator(before)
        else:
            menu.addSeparator()
        self._add(before, "export_charts", "C&harts…", self.export_charts,
                  "Write one file per chart: SVG, PNG at 300 dpi or PDF")
        self._add(before, "export_report", "PDF &Report…", self.export_report,
                  "Write a report: headline figures, changed levers with sources, every "
                  "chart, versions and checksum")
        if before is not None:
            menu.insertSeparator(before)
        for chart in window.charts.charts:
            self._install_chart_menu(chart)

    def _add(self, before: QAction | None, name: str, text: str, slot: Callable[[], Any],
             tip: str) -> QAction:
        action = QAction(text, self.window)
        action.setObjectName(name)
        action.setStatusTip(tip)
        action.triggered.connect(lambda checked=False: slot())
        if before is not None:
            self.menu.insertAction(before, action)
        else:
            self.menu.addAction(action)
        self.actions[name] = action
        return action

    def add_copy_menu(self, menu: QMenu) -> QMenu:
        """Add Edit ▸ Copy Chart: one entry per chart (``copy_chart_<key>``)."""
        copy = menu.addMenu("Copy C&hart")
        copy.setObjectName("menu_copy_chart")
        for chart in self.window.charts.charts:
            action = QAction(chart.title, self.window)
            action.setObjectName(f"copy_chart_{chart.key}")
            action.setStatusTip("Copy the chart to the clipboard as an image (and SVG)")
            action.triggered.connect(lambda checked=False, c=chart: self.copy_chart(c))
            copy.addAction(action)
        return copy

    # -- chart menus ---------------------------------------------------------------------------
    def _install_chart_menu(self, chart: Any) -> None:
        copy = QAction("&Copy Chart", chart.container)
        copy.setObjectName(f"chart_{chart.key}_copy")
        copy.triggered.connect(lambda checked=False: self.copy_chart(chart))
        export = QAction("&Export Chart…", chart.container)
        export.setObjectName(f"chart_{chart.key}_export")
        export.triggered.connect(lambda checked=False: self.export_chart(chart))
        view_box = chart.plot.getViewBox()
        menu = view_box.menu
        if menu is not None:
            for action in menu.actions():
                if action is getattr(menu, "viewAll", None) or (
                        action.menu() is not None and action.text() in PYQTGRAPH_MENUS):
                    action.setVisible(False)
            menu.addAction(copy)
            menu.addAction(export)
        chart.plot.setMenuEnabled(False, enableViewBoxMenu=None)  # no "Plot Options"
        chart.widget.scene().contextMenu = []  # no pyqtgraph export dialog
        # The title and legend above the plot offer the same two entries.
        chart.container.addAction(copy)
        chart.container.addAction(export)
        chart.container.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)

    # -- messages ------------------------------------------------------------------------------
    def _fail(self, text: str) -> None:
        self.window.show_error("Cannot export", text)

    def snapshot(self) -> Snapshot:
        """What is on screen now, as every export of the window writes it."""
        from .on_screen import file_document, snapshot_of

        self.window.recompute()  # a pending model run first: export what the next paint shows
        session = self.window.session
        with busy():
            return snapshot_of(session, file_document(session))

    def _save_name(self, snapshot: Snapshot, title: str, suffix: str,
                   filters: str) -> str | None:
        folder = Path(self.window.settings.value(EXPORT_FOLDER_KEY, str(Path.home())))
        name = file_stem(snapshot.name) + suffix
        path, _ = QFileDialog.getSaveFileName(self.window, title, str(folder / name), filters)
        if not path:
            return None
        path = _with_suffix(path, suffix)
        self.window.settings.setValue(EXPORT_FOLDER_KEY, str(Path(path).parent))
        return path

    # -- data --------------------------------------------------------------------------------
    def export_data(self, fmt: str, title: str, filters: str) -> bool:
        """Write the results on screen as ``fmt`` (a key of ``evexplorer.export.FORMATS``)."""
        from ..export.files import FORMATS, export_file

        snapshot = self.snapshot()
        path = self._save_name(snapshot, title, FORMATS[fmt].suffix, filters)
        if path is None:
            return False
        try:
            with busy():
                export_file(snapshot, path, fmt)
        except _atomic.WriteError as exc:
            self._fail(str(exc))
            return False
        self.window.show_message(f"Exported {path}; its numbers are {snapshot.numbers}.")
        return True

    # -- charts ------------------------------------------------------------------------------
    def copy_chart(self, chart: Any) -> None:
        """Put the chart on the clipboard: an image and its SVG."""
        from .render import chart_mime_data, chart_title

        QApplication.clipboard().setMimeData(chart_mime_data(chart))
        self.window.show_message(f"Copied the chart “{chart_title(chart)}” to the clipboard.")

    def export_chart(self, chart: Any) -> bool:
        """Ask for a file and write one chart to it (SVG, PNG or PDF by the chosen type)."""
        from . import render

        filters = {f"{key.upper()} {spec.description} (*{spec.suffix})": key
                   for key, spec in render.FORMATS.items()}
        folder = Path(self.window.settings.value(CHARTS_FOLDER_KEY, str(Path.home())))
        fmt = self.window.settings.value(CHARTS_FORMAT_KEY, "svg")
        fmt = fmt if fmt in render.FORMATS else "svg"
        chosen = next(f for f, k in filters.items() if k == fmt)
        path, selected = QFileDialog.getSaveFileName(
            self.window, f"Export chart “{render.chart_title(chart)}”",
            str(folder / render.chart_file_name(chart, fmt)), ";;".join(filters), chosen)
        if not path:
            return False
        by_suffix = {spec.suffix: key for key, spec in render.FORMATS.items()}
        fmt = by_suffix.get(Path(path).suffix.lower()) or filters.get(selected, fmt)
        path = _with_suffix(path, render.FORMATS[fmt].suffix)
        try:
            self.window.recompute()
            render.write_chart(chart, path, fmt)
        except _atomic.WriteError as exc:
            self._fail(str(exc))
            return False
        self.window.settings.setValue(CHARTS_FOLDER_KEY, str(Path(path).parent))
        self.window.settings.setValue(CHARTS_FORMAT_KEY, fmt)
        self.window.show_message(f"Exported {path}")
        return True

    def export_charts(self) -> None:
        """Open the dialog that writes one file per chart into a folder."""
        settings = self.window.settings
        folder = str(settings.value(CHARTS_FOLDER_KEY, str(Path.home())))
        fmt = str(settings.value(CHARTS_FORMAT_KEY, "svg"))
        dialog = ChartExportDialog(self.window.charts.charts, folder, fmt, self.window)
        dialog.accepted.connect(lambda: self._charts_chosen(dialog))
        dialog.finished.connect(dialog.deleteLater)
        dialog.finished.connect(lambda result: setattr(self, "chart_dialog", None))
        self.chart_dialog = dialog
        dialog.open()

    def _charts_chosen(self, dialog: ChartExportDialog) -> bool:
        from . import render

        folder, fmt = dialog.chosen_folder(), dialog.chosen_format()
        charts = self.window.charts.charts
        self.window.recompute()
        progress = _Progress(self.window, f"Drawing {len(charts)} charts…", 2 * len(charts))
        try:
            written = render.write_charts(charts, folder, fmt, progress=progress)
        except _atomic.WriteError as exc:
            self._fail(str(exc))
            return False
        finally:
            progress.close()
        if not written:
            self.window.show_message("Chart export cancelled; nothing was written.")
            return False
        self.window.settings.setValue(CHARTS_FOLDER_KEY, str(folder))
        self.window.settings.setValue(CHARTS_FORMAT_KEY, fmt)
        self.window.show_message(f"Exported {len(written)} charts ({fmt.upper()}) to {folder}")
        return True

    # -- report ------------------------------------------------------------------------------
    def export_report(self) -> bool:
        """Ask for a file and write the PDF report of what is on screen."""
        from ..export.report import build_report
        from .report_pdf import ReportCancelled, write_report_pdf

        snapshot = self.snapshot()
        path = self._save_name(snapshot, "Export report as PDF", ".pdf",
                               "PDF document (*.pdf)")
        if path is None:
            return False
        charts = self.window.charts.charts
        progress = _Progress(self.window, "Writing the report…", len(charts))
        try:
            territory = QLocale.territoryToCode(QLocale().territory())
            report = build_report(snapshot, year=self.window.headline.year.value(),
                                  territory=territory, charts=[c.key for c in charts])
            write_report_pdf(report, charts, path, progress=progress)
        except ReportCancelled:
            self.window.show_message("Report cancelled; nothing was written.")
            return False
        except _atomic.WriteError as exc:
            self._fail(str(exc))
            return False
        finally:
            progress.close()
        self.window.show_message(f"Exported the report {path} ({report.paper}); its numbers "
                                 f"are {snapshot.numbers}.")
        return True
