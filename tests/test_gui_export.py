"""File ▸ Export in the window, driven like a user: workbook, IAMC, JSON, chart files, the PDF
report; the charts' right-click menu and Edit ▸ Copy Chart; failures as one sentence
(dialogs patched, offscreen)."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from gui_helpers import curve_y, settle, spin, type_value
from openpyxl import load_workbook
from pypdf import PdfReader
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QAction
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QApplication,
    QFileDialog,
    QMenu,
    QProgressDialog,
    QPushButton,
    QRadioButton,
)
from test_gui_files import later_model

from evexplorer import scenario, session
from evexplorer.app import render
from evexplorer.model import evaluate

pytestmark = pytest.mark.gui

MENU_ACTIONS = ("action_csv", "export_xlsx", "export_iamc", "export_json", "export_charts",
                "export_report", "action_png")


@pytest.fixture
def out(tmp_path):
    """A folder for exports (the window's settings file lives in ``tmp_path``)."""
    folder = tmp_path / "out"
    folder.mkdir()
    return folder


@pytest.fixture
def errors(window):
    shown = []
    window.error_sink = lambda title, text: shown.append((title, text))
    return shown


def save_to(monkeypatch, path: Path, asked: list | None = None) -> None:
    def dialog(parent, title, start, filters, *args):
        if asked is not None:
            asked.append((title, start, filters))
        return str(path), ""
    monkeypatch.setattr(QFileDialog, "getSaveFileName", dialog)


def workbook(path: Path) -> dict[str, list[tuple]]:
    """Every sheet's rows (the file is closed again)."""
    book = load_workbook(path, read_only=True)
    try:
        return {name: list(book[name].iter_rows(values_only=True)) for name in book.sheetnames}
    finally:
        book.close()


def trigger(window, name: str) -> None:
    action = window.findChild(QAction, name)
    assert action is not None, name
    action.trigger()
    settle()


def export_menu(window) -> QMenu:
    file_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&File")
    return next(a.menu() for a in file_menu.actions() if a.text() == "&Export")


def test_the_export_menu_has_every_format_with_mnemonics(window):
    names = [a.objectName() for a in export_menu(window).actions() if not a.isSeparator()]
    assert names == list(MENU_ACTIONS)
    texts = [a.text() for a in export_menu(window).actions() if not a.isSeparator()]
    keys = [t[t.index("&") + 1].lower() for t in texts]
    assert len(set(keys)) == len(keys), texts  # each reachable by its own letter


def test_the_export_menu_opens_from_the_keyboard(window, qtbot):
    QTest.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.AltModifier)
    settle()
    file_menu = QApplication.activePopupWidget()
    assert isinstance(file_menu, QMenu) and file_menu.title() == "&File"
    QTest.keyClick(file_menu, Qt.Key.Key_E)
    settle()
    menu = QApplication.activePopupWidget()
    assert menu is export_menu(window) and menu.isVisible()
    menu.close()
    file_menu.close()


def test_workbook_holds_the_numbers_on_screen(window, qtbot, monkeypatch, tmp_path):
    type_value(qtbot, spin(window, "lithium_price"), "31234.5")
    window.meta.title.setFocus()
    qtbot.keyClicks(window.meta.title, "Squeeze: 2030")
    asked = []
    save_to(monkeypatch, tmp_path / "squeeze", asked)  # no suffix typed: .xlsx is added
    trigger(window, "export_xlsx")
    assert asked and asked[0][1].endswith("Squeeze-2030.xlsx")
    book = workbook(tmp_path / "squeeze.xlsx")
    rows = {r[0]: r for r in book["Results"]}
    expected = evaluate(window.session.values).series["pack_cost"]
    np.testing.assert_allclose(np.array(rows["pack_cost"][2:], float), expected, rtol=1e-12)
    about = dict(book["About"])
    assert about["title"] == "Squeeze: 2030"
    assert about["numbers"].startswith("computed by EV Explorer")
    assert "Exported" in window.statusBar().currentMessage()


@pytest.mark.parametrize("name, suffix", [("export_iamc", ".csv"), ("export_json", ".json")])
def test_iamc_and_json_exports(window, qtbot, monkeypatch, tmp_path, name, suffix):
    type_value(qtbot, spin(window, "recycling_rate"), "55")
    target = tmp_path / f"out{suffix}"
    save_to(monkeypatch, target)
    trigger(window, name)
    expected = evaluate(window.session.values)
    if name == "export_json":
        doc = json.loads(target.read_text(encoding="utf-8"))
        np.testing.assert_allclose(doc["series"]["pack_cost"]["values"],
                                   expected.series["pack_cost"])
    else:
        rows = list(csv.reader(io.StringIO(target.read_text(encoding="utf-8"))))
        assert rows[0][:5] == ["Model", "Scenario", "Region", "Variable", "Unit"]
        pack = next(r for r in rows if r[3] == "Price|Battery Pack")
        np.testing.assert_allclose(np.array(pack[5:], float), expected.series["pack_cost"],
                                   rtol=1e-11)


def test_a_saved_file_exports_its_checksum_and_sha256(window, monkeypatch, tmp_path):
    path = tmp_path / "saved.evx"
    results = evaluate({"lithium_price": 25_000.0})
    scenario.save_scenario(path, results.parameters, results, title="Saved")
    assert window.open_file(str(path), ask=False)
    save_to(monkeypatch, tmp_path / "saved.xlsx")
    trigger(window, "export_xlsx")
    about = dict(workbook(tmp_path / "saved.xlsx")["About"])
    assert about["checksum check"] == "matches the file's content"
    assert about["file SHA-256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    # An unsaved change: the file's checksum no longer describes what is exported.
    window.session.set("title", "Saved, then edited")
    save_to(monkeypatch, tmp_path / "edited.xlsx")
    trigger(window, "export_xlsx")
    about = dict(workbook(tmp_path / "edited.xlsx")["About"])
    assert about["checksum check"].startswith("not checked: the scenario has changes")
    assert "file SHA-256" not in about


def test_stored_numbers_on_screen_are_what_is_exported(window, monkeypatch, tmp_path):
    monkeypatch.setattr(session, "evaluate", later_model)
    path = Path(__file__).parent / "data" / "scenarios" / "v1-default.evx"
    doc = scenario.open_scenario(path)
    assert window.open_file(str(path), ask=False)
    settle()
    assert window.session.showing_stored
    save_to(monkeypatch, tmp_path / "stored.xlsx")
    trigger(window, "export_xlsx")
    book = workbook(tmp_path / "stored.xlsx")
    rows = {r[0]: r for r in book["Results"]}
    np.testing.assert_allclose(np.array(rows["pack_cost"][2:], float),
                               doc.results.series["pack_cost"])
    about = dict(book["About"])
    lacking = [n for n in later_model(doc.parameters).series if n not in doc.results.series]
    assert about["numbers"].startswith(f"stored in the file, except {', '.join(lacking)}, "
                                       "computed by")


def test_a_failed_export_is_one_sentence_and_writes_nothing(window, monkeypatch, out, errors):
    save_to(monkeypatch, out / "missing" / "out.xlsx")
    trigger(window, "export_xlsx")
    assert len(errors) == 1
    title, text = errors[0]
    assert title == "Cannot export" and "\n" not in text and "does not exist" in text
    assert not any(out.iterdir())


def test_report_is_written_from_what_is_on_screen(window, qtbot, monkeypatch, tmp_path):
    type_value(qtbot, spin(window, "lithium_price"), "40000")
    window.headline.year.setValue(2035)
    window.meta.title.setFocus()
    qtbot.keyClicks(window.meta.title, "Report test")
    window.charts.mineral_choice.setCurrentIndex(1)  # the chart shows another mineral
    settle()
    save_to(monkeypatch, tmp_path / "report")
    trigger(window, "export_report")
    target = tmp_path / "report.pdf"
    reader = PdfReader(target)
    pages = [" ".join(p.extract_text().split()) for p in reader.pages]
    text = " ".join(pages)
    assert "Report test" in pages[0] and "Headline figures in 2035" in pages[0]
    i = list(window.session.shown.years).index(2035)
    pack = window.session.shown.series["pack_cost"][i]
    assert f"Pack cost (2035) {pack:,.0f} USD/kWh" in pages[0]
    assert "Lithium carbonate price lithium_price 40,000 USD/t LCE" in text
    for chart in window.charts.charts:
        assert render.chart_title(chart) in text
    assert window.charts.mineral_choice.currentText() in render.chart_title(window.charts.mineral)
    assert not any(d.isVisible() for d in window.findChildren(QProgressDialog))
    assert "Exported the report" in window.statusBar().currentMessage()


def test_report_cancel_writes_nothing(window, monkeypatch, out):
    save_to(monkeypatch, out / "cancelled.pdf")
    monkeypatch.setattr(QProgressDialog, "wasCanceled", lambda self: True)
    trigger(window, "export_report")
    assert not any(out.iterdir())
    assert "cancelled" in window.statusBar().currentMessage()


def chart_dialog(window):
    trigger(window, "export_charts")
    dialog = window.exports.chart_dialog
    assert dialog is not None and dialog.isVisible()
    return dialog


def test_charts_dialog_writes_one_file_per_chart(window, qtbot, out):
    dialog = chart_dialog(window)
    dialog.folder.clear()
    qtbot.keyClicks(dialog.folder, str(out))
    png = dialog.findChild(QRadioButton, "chart_format_png")
    qtbot.mouseClick(png, Qt.MouseButton.LeftButton)
    assert dialog.chosen_format() == "png"
    assert dialog.files.text().startswith(f"Writes {len(window.charts.charts)} files: "
                                          "pack_cost.png, ")
    assert dialog.ok_button.isEnabled()
    qtbot.keyClick(dialog, Qt.Key.Key_Return)
    settle()
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted(f"{c.key}.png" for c in window.charts.charts)
    assert window.settings.value("export/charts_format") == "png"
    assert window.settings.value("export/charts_folder") == str(out)
    # The dialog offers the last choice again and says which files it will replace.
    dialog = chart_dialog(window)
    assert dialog.chosen_format() == "png" and dialog.folder.text() == str(out)
    assert "exist there already and will be replaced" in dialog.files.text()
    dialog.reject()


def test_charts_dialog_refuses_a_missing_folder(window, qtbot, tmp_path):
    dialog = chart_dialog(window)
    dialog.folder.setText(str(tmp_path / "nowhere"))
    assert not dialog.ok_button.isEnabled()
    assert "does not exist" in dialog.files.text()
    dialog.reject()


def test_charts_dialog_browse_button(window, qtbot, monkeypatch, tmp_path):
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(tmp_path))
    dialog = chart_dialog(window)
    qtbot.mouseClick(dialog.findChild(QPushButton, "chart_export_browse"),
                     Qt.MouseButton.LeftButton)
    assert dialog.folder.text() == str(tmp_path)
    dialog.reject()


def right_click(chart) -> QMenu:
    view = chart.widget
    center = view.mapFromScene(chart.plot.getViewBox().sceneBoundingRect().center())
    QTest.mouseClick(view.viewport(), Qt.MouseButton.RightButton, pos=QPoint(center.x(),
                                                                             center.y()))
    settle()
    menu = QApplication.activePopupWidget()
    assert isinstance(menu, QMenu)
    return menu


def test_right_click_offers_copy_and_export_only(window):
    chart = window.charts.pack
    menu = right_click(chart)
    visible = [a.text() for a in menu.actions() if a.isVisible() and not a.isSeparator()]
    assert visible == ["&Copy Chart", "&Export Chart…"]
    menu.close()


def test_copy_chart_puts_an_image_and_svg_on_the_clipboard(window, qtbot):
    QApplication.clipboard().clear()
    menu = right_click(window.charts.price)
    copy = next(a for a in menu.actions() if a.text() == "&Copy Chart")
    menu.close()
    copy.trigger()
    data = QApplication.clipboard().mimeData()
    assert data.hasImage()
    svg = bytes(data.data("image/svg+xml").data())
    texts = [" ".join("".join(e.itertext()).split())
             for e in ET.fromstring(svg).iter("{http://www.w3.org/2000/svg}text")]
    assert "EV vs gasoline car price" in texts and "USD" in texts
    assert "Copied the chart" in window.statusBar().currentMessage()


def test_edit_menu_copies_every_chart(window):
    for chart in window.charts.charts:
        QApplication.clipboard().clear()
        trigger(window, f"copy_chart_{chart.key}")
        assert QApplication.clipboard().mimeData().hasImage(), chart.key


def test_export_one_chart_from_its_menu(window, monkeypatch, tmp_path):
    target = tmp_path / "price.pdf"
    save_to(monkeypatch, target)
    menu = right_click(window.charts.price)
    export = next(a for a in menu.actions() if a.text() == "&Export Chart…")
    menu.close()
    export.trigger()
    settle()
    reader = PdfReader(target)
    assert len(reader.pages) == 1
    assert "EV vs gasoline car price" in " ".join(reader.pages[0].extract_text().split())
    assert window.settings.value("export/charts_format") == "pdf"


def test_exports_leave_the_charts_on_screen_unchanged(window, qtbot, monkeypatch, tmp_path):
    type_value(qtbot, spin(window, "lithium_price"), "30000")
    before = [curve_y(window.charts.pack.total), window.charts.pack.plot.geometry(),
              window.charts.grab().toImage()]
    save_to(monkeypatch, tmp_path / "r.pdf")
    trigger(window, "export_report")
    assert (tmp_path / "r.pdf").exists()
    settle()
    np.testing.assert_array_equal(curve_y(window.charts.pack.total), before[0])
    assert window.charts.pack.plot.geometry() == before[1]
    assert window.charts.grab().toImage() == before[2]
