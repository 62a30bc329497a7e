"""Links to the sources of the reference data: the loader accepts an optional https address
per source, exposes it, and refuses anything else; the shipped links are well formed."""

from __future__ import annotations

import json
from urllib.parse import urlparse

import pytest

from evexplorer._resources import resource_path
from evexplorer.model import PARAMETERS, data

RAW = json.loads(resource_path("reference_data.json").read_text(encoding="utf-8"))


def with_source(**entry):
    raw = json.loads(json.dumps(RAW))
    raw["sources"]["bnef_2025"] = {"citation": "BNEF", "vintage": 2025, "tag": "V", **entry}
    return raw


def test_a_source_may_carry_its_publishers_page():
    sources = data.check_sources(with_source(url="https://about.bnef.com/"))
    assert sources["bnef_2025"].url == "https://about.bnef.com/"
    assert data.check_sources(with_source())["bnef_2025"].url is None


@pytest.mark.parametrize("url", ["http://example.org/", "www.iea.org", "", 42,
                                 "https://a page.org/", "javascript:alert(1)"])
def test_an_address_that_is_not_https_is_refused(url):
    with pytest.raises(data.DataError, match="https://"):
        data.check_sources(with_source(url=url))


def test_the_shipped_links_are_https_addresses_of_public_pages():
    sources = data.load().sources
    linked = {key: s.url for key, s in sources.items() if s.url}
    assert len(linked) >= 10
    for key, url in linked.items():
        parts = urlparse(url)
        assert parts.scheme == "https" and "." in parts.netloc, key
        assert sources[key].tag in ("V", "D", "U"), key  # assumptions have no publisher
    assert linked["eu_battery_regulation"] == "https://eur-lex.europa.eu/eli/reg/2023/1542/oj"
    assert linked["iea_gevo_2025"] == "https://www.iea.org/reports/global-ev-outlook-2025"


def test_levers_whose_default_has_a_published_source_show_its_link():
    from evexplorer.app.levers import info_html

    linked = [name for name, p in PARAMETERS.items()
              if data.load().source(p.source).url]
    assert "lithium_recovery" in linked and "learning_rate" not in linked
    for name in linked:
        url = data.load().source(PARAMETERS[name].source).url
        assert f'<a href="{url}">' in info_html(PARAMETERS[name])
