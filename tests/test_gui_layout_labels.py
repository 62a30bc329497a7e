"""Labels for people in the window: the what-changed list and the headline cards use the
registry's labels and units; every card follows the chosen year; an empty lever search says
so; the lever information links its source; help is one key away."""

from __future__ import annotations

import re

import numpy as np
import pytest
from gui_helpers import settle, spin, type_value
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QApplication, QComboBox, QLabel, QTextBrowser, QWhatsThis

from evexplorer._resources import resource_path
from evexplorer.app import help as app_help
from evexplorer.app import info_popup
from evexplorer.model import PARAMETERS, data, evaluate, labels
from evexplorer.session import presets

pytestmark = pytest.mark.gui

ROOT = resource_path("reference_data.json").parent.parent


def changes_text(window) -> list[str]:
    items = window.changes.list
    return [items.item(i).text() for i in range(items.count())]


def test_what_changed_shows_labels_and_units_for_people(window, qtbot):
    window.session.update({"manufacturing_region": "korea", "price_shock_year": 2031,
                           "price_shock_years": 1, "chemistry_mix": {"LFP": 0.7, "NA_ION": 0.3},
                           "price_shock_mineral": "cobalt"})
    settle()
    text = "\n".join(changes_text(window))
    region = labels.lever_value("manufacturing_region", PARAMETERS["manufacturing_region"].default)
    for piece in ("Battery manufacturing region: South Korea", f"baseline {region}",
                  "Price shock: first year: 2031", "baseline 2028", "duration: 1 year",
                  "baseline 2 years", "LFP 70 %, Sodium-ion 30 %", "Price shock: mineral: Cobalt",
                  "baseline No shock"):
        assert piece in text, piece
    for raw in ("korea", "NA_ION", "NA-ION", "2031 year", "none", "cobalt"):
        assert not re.search(rf"\b{raw}\b", text), raw


def test_choice_levers_offer_labels_not_ids(window):
    combo = window.findChild(QComboBox, "use_region")
    shown = [combo.itemText(i) for i in range(combo.count())]
    assert "European Union" in shown and "United States" in shown
    assert not set(shown) & set(data.REGIONS)
    mix_labels = {label.text() for label in window.levers.levers["chemistry_mix"]
                  .editor.findChildren(QLabel)}
    assert "Sodium-ion" in mix_labels and "NA_ION" not in mix_labels


def year_index(window, year):
    return list(window.session.shown.years).index(year)


def test_every_card_follows_the_chosen_year(window, qtbot):
    squeeze = next(p for p in presets() if p.title == "Lithium squeeze")
    window.session.update(dict(squeeze.parameters))
    settle()
    results = evaluate(dict(squeeze.parameters))
    series, parity = results.series, results.scalars["cost_parity_year"]
    shortage = [int(y) for y, v in zip(results.years, series["lithium_shortfall"], strict=True)
                if v > 0]
    assert parity is not None and shortage  # the preset shows both states
    year_box = window.headline.year
    for year in sorted({parity - 1, parity, shortage[0], 2045}):
        year_box.setFocus()
        year_box.selectAll()
        qtbot.keyClicks(year_box, str(year))
        qtbot.keyClick(year_box, Qt.Key.Key_Return)
        settle()
        i = list(results.years).index(year)
        cards = window.headline.cards
        assert cards["pack_cost"].accessibleName() == \
            f"Pack cost: {series['pack_cost'][i]:,.0f} USD/kWh"
        assert cards["breakeven_distance"].accessibleName() == \
            f"Emissions break-even: {series['breakeven_distance'][i]:,.0f} km"
        assert cards["fleet_emissions_avoided"].accessibleName() == \
            f"Avoided by that year's EVs: {series['fleet_emissions_avoided'][i]:,.0f} Mt CO2e"
        premium = series["ev_price_premium"][i]
        assert cards["cost_parity_year"].accessibleName() == (
            f"Price parity with gasoline: reached in {parity}" if premium <= 0 else
            f"Price parity with gasoline: {premium:,.0f} USD dearer")
        short = series["lithium_shortfall"][i]
        assert cards["lithium_shortfall_years"].accessibleName() == (
            f"Lithium shortfall: {short:,.0f} kt LCE" if short > 0 else
            "Lithium shortfall: none")
        assert f"In {year}" in cards["lithium_shortfall_years"].toolTip()
        assert f"In {year}" in cards["cost_parity_year"].toolTip()


def test_deltas_read_as_people_write_them(window, qtbot):
    window.levers.sections["advanced"].set_expanded(True)
    type_value(qtbot, spin(window, "ice_vehicle_price"), "31000")  # parity comes earlier
    delta = window.headline.cards["cost_parity_year"].delta.text()
    assert re.search(r"\d+ years? earlier", delta), delta
    assert "\u2212" not in delta and "-" not in re.sub(r"<[^>]+>", "", delta)
    type_value(qtbot, spin(window, "lithium_price"), "60000")
    pack = window.headline.cards["pack_cost"].delta.text()
    assert re.search(r"\+\d+ USD/kWh", pack), pack
    short = window.headline.cards["lithium_shortfall_years"].delta.text()
    assert "kt LCE" in short or "= baseline" in short


def test_a_figure_too_wide_for_its_card_gets_a_smaller_font_not_cut(window, qtbot):
    window.resize(1280, 720)
    window.default_layout()
    settle()
    window.levers.sections["advanced"].set_expanded(True)
    type_value(qtbot, spin(window, "ice_vehicle_price"), "10000")  # EV dearer by ~19,000 USD
    card = window.headline.cards["cost_parity_year"]
    assert "USD dearer" in card.accessibleName()
    assert card.value.sizeHint().width() <= card.value.width() + 1
    assert "font-size:" in card.value.text().split("USD")[0]  # the number was set smaller
    type_value(qtbot, spin(window, "ice_vehicle_price"), "30000")
    assert card.value.sizeHint().width() <= card.value.width() + 1


def test_a_search_without_a_match_says_so_and_escape_clears_it(window, qtbot):
    message = window.findChild(QLabel, "lever_search_empty")
    assert message is not None and not message.isVisibleTo(window)
    window.levers.search.setFocus()
    qtbot.keyClicks(window.levers.search, "xyz")
    assert message.isVisibleTo(window)
    assert message.text() == "No lever matches \u201cxyz\u201d. Press Esc to clear the search."
    assert not any(s.isVisibleTo(window) for s in window.levers.sections.values())
    qtbot.keyClick(window.levers.search, Qt.Key.Key_Escape)
    assert window.levers.search.text() == ""
    assert not message.isVisibleTo(window)
    assert window.levers.levers["lithium_price"].isVisibleTo(window)
    qtbot.keyClicks(window.levers.search, "recycl")
    assert not message.isVisibleTo(window)


def test_the_lever_information_links_its_source(window, qtbot, monkeypatch):
    opened = []
    monkeypatch.setattr(info_popup, "open_link", opened.append)
    view = window.levers.levers["lithium_recovery"]
    window.levers.focus_lever("lithium_recovery")
    qtbot.mouseClick(view.info_button, Qt.MouseButton.LeftButton)
    popup = view.info_popup
    assert popup is not None and popup.isVisible()
    source = data.load().source(PARAMETERS["lithium_recovery"].source)
    assert source.url == "https://eur-lex.europa.eu/eli/reg/2023/1542/oj"
    assert f'<a href="{source.url}">' in popup.text.text()
    # The keyboard reaches the link and opens it.
    popup.text.setFocus()
    qtbot.keyClick(popup.text, Qt.Key.Key_Tab)
    qtbot.keyClick(popup.text, Qt.Key.Key_Return)
    assert opened == [source.url]
    qtbot.keyClick(popup, Qt.Key.Key_Escape)
    assert not popup.isVisible()


def test_a_source_without_a_page_is_plain_text(window, qtbot):
    view = window.levers.levers["lithium_price"]
    view.show_info()
    assert data.load().source(PARAMETERS["lithium_price"].source).url is None
    assert "<a " not in view.info_popup.text.text()
    assert "Source:" in view.info_popup.text.text()
    view.info_popup.close()


def test_f1_opens_the_user_guide_inside_the_application(window, qtbot, monkeypatch):
    opened = []
    monkeypatch.setattr(app_help, "open_link", opened.append)
    guide_action = window.findChild(QAction, "action_user_guide")
    assert guide_action is not None and Qt.Key.Key_F1 in [
        k[0].key() for k in guide_action.shortcuts()]
    guide_action.trigger()
    guide = window.user_guide
    assert guide is not None and guide.isVisible() and not guide.isModal()
    browser = guide.findChild(QTextBrowser, "user_guide")
    text = browser.toPlainText()
    assert text.startswith("EV Explorer user guide")
    for topic in ("ghost", "P10", "parity marker", "clipped", "2,500", "Presets", "Compare",
                  "Attribution", "Goal seek", "Targets", "Sharing a scenario",
                  "Where the numbers come from"):
        assert topic in text, topic
    titles = [guide.sections.item(i).text().strip() for i in range(guide.sections.count())]
    assert "Reading the charts" in titles and "A five-minute tour with the presets" in titles
    guide.go_to("Sharing a scenario")
    assert browser.textCursor().block().text() == "Sharing a scenario"
    guide._on_link(app_help.QUrl("https://www.iea.org/reports/global-ev-outlook-2025"))
    assert opened == ["https://www.iea.org/reports/global-ev-outlook-2025"]
    guide.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is guide)
    browser.setFocus()
    qtbot.keyClick(browser, Qt.Key.Key_Escape)  # from the text, as a reader would
    assert not guide.isVisible()


def test_the_user_guide_names_every_preset_and_ships_with_the_application():
    guide = app_help.user_guide_path().read_text(encoding="utf-8")
    for preset in presets():
        assert preset.title.lower() in guide.lower(), preset.title
    spec = (ROOT / "packaging" / "evexplorer.spec").read_text(encoding="utf-8")
    assert '(str(ROOT / "docs" / "user-guide.md"), "resources")' in spec
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert '"docs/user-guide.md" = "evexplorer/resources/user-guide.md"' in pyproject


def test_whats_this_mode_explains_the_panels(window):
    whats_this = window.findChild(QAction, "action_whats_this")
    assert whats_this is not None and whats_this.shortcut().toString() == "Shift+F1"
    whats_this.trigger()
    try:
        assert QWhatsThis.inWhatsThisMode()
    finally:
        QWhatsThis.leaveWhatsThisMode()
    for widget in (window.levers_dock, window.headline, window.changes_dock,
                   window.analysis_dock, window.statusBar(),
                   *window.headline.cards.values()):
        assert len(widget.whatsThis()) > 40, widget.objectName()
    assert "parity" in window.headline.cards["cost_parity_year"].whatsThis()


def test_cards_react_to_the_year_without_moving(window, qtbot):
    """A new number never changes a card's size (that would resize every chart mid-drag)."""
    geometries = [card.geometry() for card in window.headline.cards.values()]
    window.levers.sections["advanced"].set_expanded(True)
    for price in ("10000", "30000", "60000"):
        type_value(qtbot, spin(window, "ice_vehicle_price"), price)
        assert [c.geometry() for c in window.headline.cards.values()] == geometries
    assert np.isfinite(window.session.shown.series["pack_cost"]).all()
    assert QApplication.focusWidget() is spin(window, "ice_vehicle_price")
