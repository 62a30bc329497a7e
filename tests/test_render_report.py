"""The PDF report read back with pypdf: pages, paper, title, figures with units as computed,
levers with their sources, charts, targets, drivers, bands, versions and checksum."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import io

import numpy as np
import pytest
from pypdf import PdfReader

from evexplorer import scenario
from evexplorer._atomic import WriteError
from evexplorer._version import MODEL_VERSION, __version__
from evexplorer.app import render
from evexplorer.app.report_pdf import ReportCancelled, report_pdf_bytes, write_report_pdf
from evexplorer.export import (
    Bands,
    Reference,
    ScenarioInfo,
    Snapshot,
    build_report,
    from_document,
    target_rows,
)
from evexplorer.model import PARAMETERS, evaluate
from evexplorer.model.data import load

pytestmark = pytest.mark.gui

LEVERS = {"lithium_price": 40_000.0, "recycling_rate": 60.0}
DATE = dt.date(2026, 3, 9)
POINTS_PER_MM = 72 / 25.4


def pdf_text(data: bytes) -> tuple[PdfReader, list[str]]:
    reader = PdfReader(io.BytesIO(data))
    return reader, [" ".join((page.extract_text() or "").split()) for page in reader.pages]


@pytest.fixture(scope="module")
def results():
    return evaluate(LEVERS)


@pytest.fixture(scope="module")
def baseline():
    return evaluate()


@pytest.fixture(scope="module")
def snapshot(results, baseline):
    target = {"id": "pack_cost<=80@2030", "description": "Pack cost at most 80 USD/kWh in 2030",
              "source": "user", "output": "pack_cost", "year": 2030, "comparison": "<=",
              "required": 80.0}
    return Snapshot(results=results,
                    info=ScenarioInfo(title="Lithium squeeze, recycled", author="Strategy team",
                                      notes="Lithium stays at 40,000 USD/t.\nHalf of retired "
                                      "batteries are recycled."),
                    reference=Reference("Baseline", baseline),
                    targets=target_rows(results, [target]))


@pytest.fixture(scope="module")
def panel(qapp, snapshot):
    return render.offscreen_charts(snapshot, 2030)


def make(snapshot, panel, **kwargs) -> tuple[PdfReader, list[str]]:
    report = build_report(snapshot, year=kwargs.pop("year", 2030), date=DATE,
                          charts=[c.key for c in panel.charts], **kwargs)
    return pdf_text(report_pdf_bytes(report, panel.charts))


@pytest.fixture(scope="module")
def document(snapshot, panel):
    return make(snapshot, panel, territory="de_DE")


def test_a4_pages_with_page_numbers(document):
    reader, pages = document
    assert 4 <= len(pages) <= 6
    for page in reader.pages:
        assert abs(float(page.mediabox.width) / POINTS_PER_MM - 210) < 0.5
        assert abs(float(page.mediabox.height) / POINTS_PER_MM - 297) < 0.5
    for number, text in enumerate(pages, 1):
        assert f"Page {number} of {len(pages)}" in text
    assert reader.metadata.title == "Lithium squeeze, recycled"


def test_letter_in_the_united_states(snapshot, panel):
    reader, _ = make(snapshot, panel, territory="en_US")
    page = reader.pages[0]
    assert abs(float(page.mediabox.width) - 612) < 1 and abs(float(page.mediabox.height) - 792) < 1


def test_first_page_has_title_author_date_and_notes(document):
    first = document[1][0]
    assert "Lithium squeeze, recycled" in first
    assert "Strategy team · 9 March 2026" in first
    assert "Lithium stays at 40,000 USD/t." in first and "Half of retired batteries" in first


def test_headline_figures_are_the_computed_ones_with_units(document, results, baseline):
    first = document[1][0]
    i = list(results.years).index(2030)
    pack, pack0 = results.series["pack_cost"][i], baseline.series["pack_cost"][i]
    assert "Headline figures in 2030" in first
    assert f"Pack cost (2030) {pack:,.0f} USD/kWh {pack0:,.0f} USD/kWh " \
           f"+{pack - pack0:,.0f} USD/kWh (worse)" in first
    km = results.series["breakeven_distance"][i]
    assert f"{km:,.0f} km" in first
    parity = results.scalars["cost_parity_year"]
    assert f"Price parity with gasoline {parity}" in first
    assert "Mt CO2e" in first and "years" in first


def test_levers_that_differ_come_with_their_sources(document):
    text = " ".join(document[1])
    data = load()
    for name in LEVERS:
        param = PARAMETERS[name]
        assert f"{param.label} {name}" in text
        source = data.source(param.source)
        words = " ".join(source.citation.split()[:6])
        assert words in text, words
        assert f"(data of {source.vintage})" in text
    assert "40,000 USD/t LCE" in text


def test_every_chart_is_drawn_with_its_title_and_unit(document, panel):
    text = " ".join(document[1])
    for chart in panel.charts:
        assert render.chart_title(chart) in text
        assert chart.unit in text
    reader = document[0]
    assert not any(page.images for page in reader.pages)  # vectors, not pictures


def test_targets_versions_and_checksum(document, results):
    text = " ".join(document[1])
    i = list(results.years).index(2030)
    assert "Targets" in text and "Pack cost at most 80 USD/kWh in 2030" in text
    assert ("NOT MET" if results.series["pack_cost"][i] > 80 else "met") in text
    assert f"EV Explorer {__version__}" in text and f"Model of the numbers {MODEL_VERSION}" in text
    assert "Checksum not saved to a file" in text
    assert f"computed by EV Explorer {__version__}, model {MODEL_VERSION}" in text


def test_a_saved_file_reports_its_checksum_and_sha256(tmp_path, panel, baseline):
    path = tmp_path / "squeeze.evx"
    results = evaluate({"lithium_price": 35_000.0})
    scenario.save_scenario(path, results.parameters, results, title="Saved squeeze")
    document = scenario.open_scenario(path)
    snapshot = from_document(document, results, reference=Reference("Baseline", baseline))
    _, pages = make(snapshot, panel)
    text = " ".join(pages)
    assert "stored in the file" in text
    assert "(verified)" in text or "verified" in text
    assert hashlib.sha256(path.read_bytes()).hexdigest() in text.replace(" ", "")
    assert f"File written by EV Explorer {document.app_version}" in text


def test_bands_add_a_range_column(snapshot, panel, results):
    pack = np.asarray(results.series["pack_cost"])
    bands = Bands(series={"pack_cost": np.vstack([pack * 0.9, pack, pack * 1.2])},
                  n_samples=1000)
    _, pages = make(dataclasses.replace(snapshot, bands=bands), panel)
    i = list(results.years).index(2030)
    assert "P10–P90 range" in pages[0]
    assert f"{0.9 * pack[i]:,.0f}–{1.2 * pack[i]:,.0f} USD/kWh" in pages[0]
    assert "Ranges: P10–P90 of 1,000 samples" in pages[0]


def test_drivers_are_listed(snapshot, panel):
    drivers = ({"lever": "lithium_price", "low": 88.5, "high": 120.25},
               {"lever": "learning_rate", "low": 95.0, "high": 101.0})
    _, pages = make(dataclasses.replace(snapshot, drivers=drivers), panel)
    text = " ".join(pages)
    assert "Drivers" in text and "lithium_price 88.5 120.2" in text


def test_long_notes_flow_over_pages(snapshot, panel):
    words = " ".join(f"word{i}" for i in range(6000))
    info = dataclasses.replace(snapshot.info, notes=words)
    _, pages = make(dataclasses.replace(snapshot, info=info), panel)
    text = " ".join(pages)
    assert "word0 " in text and "word5999" in text and "word3000" in text
    assert len(pages) >= 7


def test_no_changed_lever_says_so(panel, baseline):
    _, pages = make(Snapshot(results=baseline, reference=Reference("Baseline", baseline)), panel)
    assert "Every lever is as in Baseline." in pages[0]


def test_cancelling_writes_nothing(snapshot, panel, tmp_path):
    report = build_report(snapshot, charts=[c.key for c in panel.charts])
    target = tmp_path / "report.pdf"
    with pytest.raises(ReportCancelled):
        write_report_pdf(report, panel.charts, target, progress=lambda done, total: done < 3)
    assert not target.exists() and not any(tmp_path.iterdir())


def test_unwritable_target_is_one_sentence(snapshot, panel, tmp_path):
    report = build_report(snapshot, charts=[c.key for c in panel.charts])
    with pytest.raises(WriteError) as caught:
        write_report_pdf(report, panel.charts, tmp_path / "missing" / "report.pdf")
    assert "\n" not in str(caught.value) and "does not exist" in str(caught.value)
