"""``evexplorer compare``, ``explain``, ``seek`` and ``targets``, run as a user runs them.

Each contract is checked through ``python -m evexplorer ...`` in a subprocess; the many kinds of
bad input run the same command line in this process (quicker), and the stored reference and
stored targets of a file are given through a stand-in document.
"""

from __future__ import annotations

import json
import math
from types import SimpleNamespace

import pytest
from cli_helpers import ok, run

from evexplorer._resources import resource_path
from evexplorer.analysis.targets import builtin_targets
from evexplorer.model import evaluate

SQUEEZE = str(resource_path("presets", "lithium_squeeze.evx"))
LFP = str(resource_path("presets", "lfp_everywhere.evx"))
GREEN = str(resource_path("presets", "green_gigafactories.evx"))


def fails(status: int, *args: str) -> str:
    """Run a command that must fail with ``status`` and one line on stderr; return the line."""
    out = run(*args)
    assert out.returncode == status, (out.returncode, out.stdout, out.stderr)
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("evexplorer: error: "), out.stderr
    assert out.stdout == ""
    return lines[0]


def fails_here(capsys, status: int, *args: str) -> str:
    """:func:`fails` in this process (quicker, for the many kinds of bad input)."""
    from evexplorer.cli import run_headless

    assert run_headless(list(args)) == status
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("evexplorer: error: "), captured.err
    assert captured.out == ""
    return lines[0]


def at(document: dict, name: str, year: int) -> float:
    return document["series"][name]["values"][document["years"].index(year)]


@pytest.fixture(scope="module")
def computed():
    """``compute FILE --json`` of the files used here (the baseline under None), on demand."""
    cache = {}

    def get(path=None):
        if path not in cache:
            cache[path] = json.loads(ok("compute", *([path] if path else []), "--json").stdout)
        return cache[path]

    return get


# ---------------------------------------------------------------------------------------------
# compare


@pytest.fixture(scope="module")
def short_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("files") / "short.evx"
    ok("compute", "--set", "end_year=2035", "--set", "lithium_price=20000", "--save", str(path))
    return str(path)


def test_compare_json_holds_exactly_what_compute_gives(short_file, computed):
    out = json.loads(ok("compare", SQUEEZE, LFP, short_file, "--json").stdout)
    assert set(out) == {"years", "scenarios"}
    assert [s["file"] for s in out["scenarios"]] == [SQUEEZE, LFP, short_file]
    assert [s["title"] for s in out["scenarios"]] == ["Lithium squeeze", "LFP everywhere",
                                                      "short"]
    for entry in out["scenarios"]:
        assert set(entry) == {"file", "title", "years", "series", "scalars"}
        alone = computed(entry["file"])
        assert entry["years"] == alone["years"]
        assert entry["series"] == alone["series"]
        assert entry["scalars"] == alone["scalars"]
    # Scenarios over different years: the top level lists every year of any of them.
    assert out["years"] == list(range(2025, 2051))
    assert out["scenarios"][2]["years"] == list(range(2025, 2036))


def test_compare_table_shows_headlines_with_units_and_differences():
    text = ok("compare", SQUEEZE, LFP, GREEN, "--year", "2035").stdout
    assert "Headline figures in 2035" in text
    for title in ("Lithium squeeze", "LFP everywhere", "Green gigafactories"):
        assert title in text
    for label in ("Pack cost [USD/kWh]", "Price parity with gasoline",
                  "Emissions break-even [km]", "Lithium shortfall [years]",
                  "Avoided by that year's EVs [Mt CO2e]"):
        assert label in text
    assert "against Lithium squeeze; * differs" in text
    assert ")*" in text


@pytest.mark.parametrize(("args", "match"), [
    ((SQUEEZE,), "Compare takes 2 to 6 scenarios, not 1."),
    ((SQUEEZE,) * 7, "Compare takes 2 to 6 scenarios, not 7."),
    ((SQUEEZE, LFP, "--year", "2070"), "2070 is outside the years shown, 2025-2050"),
    ((SQUEEZE, LFP, "--year", "soon"), "whole number"),
])
def test_compare_refuses_bad_input(capsys, args, match):
    assert match in fails_here(capsys, 2, "compare", *args)


def test_compare_refuses_a_file_that_cannot_be_read(tmp_path, capsys):
    bad = tmp_path / "bad.evx"
    bad.write_bytes(b"not a scenario")
    fails(1, "compare", SQUEEZE, str(bad))
    fails_here(capsys, 1, "compare", SQUEEZE, str(tmp_path / "missing.evx"))


# ---------------------------------------------------------------------------------------------
# explain


@pytest.fixture(scope="module")
def explained():
    return json.loads(ok("explain", SQUEEZE, "--output", "pack_cost", "--year", "2028",
                         "--json").stdout)


def test_explain_json_has_the_documented_structure(explained):
    assert {"output", "year", "unit", "reference", "scenario", "method",
            "contributions"} <= set(explained)
    assert (explained["output"], explained["year"], explained["unit"]) == (
        "pack_cost", 2028, "USD/kWh")
    assert explained["method"] == "exact" and explained["reference_title"] == "baseline"
    for c in explained["contributions"]:
        assert {"name", "from", "to", "effect"} <= set(c)
    by_name = {c["name"]: c for c in explained["contributions"]}
    assert set(by_name) == {"price_shock_mineral", "price_shock_year", "price_shock_factor",
                            "price_shock_years", "supply_growth", "storage_growth"}
    assert (by_name["price_shock_mineral"]["from"], by_name["price_shock_mineral"]["to"]) == (
        "none", "lithium")
    assert (by_name["price_shock_years"]["from"], by_name["price_shock_years"]["to"]) == (2, 3)


def test_explain_effects_are_sorted_and_sum_to_the_change(explained, computed):
    effects = [c["effect"] for c in explained["contributions"]]
    assert [abs(e) for e in effects] == sorted((abs(e) for e in effects), reverse=True)
    change = explained["scenario"] - explained["reference"]
    assert math.fsum(effects) == pytest.approx(change, rel=1e-9)
    baseline, scenario = computed(), computed(SQUEEZE)
    assert explained["reference"] == pytest.approx(at(baseline, "pack_cost", 2028), rel=1e-12)
    assert explained["scenario"] == pytest.approx(at(scenario, "pack_cost", 2028), rel=1e-12)


def test_explain_against_another_file_writes_a_mix_as_shares():
    out = json.loads(ok("explain", GREEN, "--against", LFP, "--output",
                        "ev_lifecycle_emissions", "--year", "2030", "--json").stdout)
    assert out["reference_title"] == "LFP everywhere"
    mix = next(c for c in out["contributions"] if c["name"] == "chemistry_mix")
    assert mix["from"] == {"LFP": 0.85, "LMFP": 0.1, "NA_ION": 0.05}
    assert math.fsum(mix["to"].values()) == pytest.approx(1.0)
    assert math.fsum(c["effect"] for c in out["contributions"]) == pytest.approx(
        out["scenario"] - out["reference"], rel=1e-9)


def test_explain_table_lists_levers_with_both_values():
    text = ok("explain", SQUEEZE, "--output", "pack_cost", "--year", "2028").stdout
    assert "pack_cost in 2028 [USD/kWh]" in text and "(baseline)" in text
    assert "Exact Shapley split among 6 changed levers (64 model runs)." in text
    assert "price_shock_factor   3.00 ×     4.00 ×" in text
    assert "total" in text


def test_explain_a_scalar_notes_that_the_year_is_not_used():
    out = run("explain", SQUEEZE, "--output", "cost_parity_year", "--year", "2030", "--json")
    assert out.returncode == 0, out.stderr
    assert "--year is not used" in out.stderr
    assert json.loads(out.stdout)["year"] is None


@pytest.mark.parametrize(("args", "match"), [
    (("--output", "pack_cots", "--year", "2030"), "did you mean pack_cost"),
    (("--output", "pack_cost", "--year", "2070"), "2070 is outside the years shown"),
    (("--output", "pack_cost"), "give the year"),
    (("--year", "2030"), "--output"),
])
def test_explain_refuses_bad_input(capsys, args, match):
    assert match in fails_here(capsys, 2, "explain", SQUEEZE, *args)


def test_explain_refuses_an_unreadable_file(tmp_path, capsys):
    fails(1, "explain", str(tmp_path / "missing.evx"), "--output", "pack_cost", "--year", "2030")
    fails_here(capsys, 1, "explain", SQUEEZE, "--against", str(tmp_path / "missing.evx"),
               "--output", "pack_cost", "--year", "2030")


def _stand_in(monkeypatch, **fields):
    """Make every scenario file open as a document with ``fields``."""
    import evexplorer.scenario

    document = SimpleNamespace(**{"title": "Mine", "warnings": (), "parameters": {}, **fields})
    monkeypatch.setattr(evexplorer.scenario, "open_scenario", lambda path: document)
    return document


def test_explain_uses_the_files_stored_reference(monkeypatch, capsys):
    from evexplorer.cli import main

    _stand_in(monkeypatch, parameters={"lithium_price": 50_000, "recycling_rate": 70},
              reference={"title": "Board plan", "parameters": {"lithium_price": 20_000}})
    assert main(["explain", "mine.evx", "--output", "pack_cost", "--year", "2035",
                 "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["reference_title"] == "Board plan"
    reference = evaluate({"lithium_price": 20_000})
    assert out["reference"] == pytest.approx(float(reference.series["pack_cost"][10]), rel=1e-12)
    assert {c["name"] for c in out["contributions"]} == {"lithium_price", "recycling_rate"}


def test_explain_without_a_stored_reference_uses_the_baseline(monkeypatch, capsys):
    from evexplorer.cli import main

    _stand_in(monkeypatch, parameters={"lithium_price": 50_000}, reference=None)
    assert main(["explain", "mine.evx", "--output", "pack_cost", "--year", "2035",
                 "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["reference_title"] == "baseline"
    assert out["reference"] == pytest.approx(float(evaluate().series["pack_cost"][10]),
                                             rel=1e-12)


# ---------------------------------------------------------------------------------------------
# seek


def test_seek_json_and_the_value_found_meets_the_target():
    out = json.loads(ok("seek", "--lever", "lithium_price", "--output", "pack_cost", "--year",
                        "2030", "--target", "90", "--json").stdout)
    assert {"lever", "value", "unit", "output", "year", "target", "achieved"} <= set(out)
    assert (out["lever"], out["unit"], out["output"], out["year"], out["target"]) == (
        "lithium_price", "USD/t LCE", "pack_cost", 2030, 90.0)
    again = json.loads(ok("compute", "--set", f"lithium_price={out['value']!r}",
                          "--json").stdout)
    assert at(again, "pack_cost", 2030) == pytest.approx(90.0, abs=1e-6)
    assert out["achieved"] == pytest.approx(90.0, abs=1e-6)


def test_seek_starts_from_a_file_and_its_overrides():
    out = json.loads(ok("seek", SQUEEZE, "--set", "supply_growth=8", "--lever",
                        "ice_vehicle_price", "--output", "ev_price_premium", "--year", "2029",
                        "--target", "0", "--json").stdout)
    again = json.loads(ok("compute", SQUEEZE, "--set", "supply_growth=8", "--set",
                          f"ice_vehicle_price={out['value']!r}", "--json").stdout)
    assert abs(at(again, "ev_price_premium", 2029)) < 1e-6


def test_seek_a_whole_number_lever_says_so():
    text = ok("seek", "--set", "chemistry_mix=LFP", "--lever", "chemistry_target_year",
              "--output", "pack_cost", "--year", "2030", "--target", "65").stdout
    assert text.startswith("chemistry_target_year = 20")
    assert "(the nearest whole value that meets the target)" in text


def test_seek_sentence_names_the_value_with_its_unit():
    text = ok("seek", "--lever", "lithium_price", "--output", "pack_cost", "--year", "2030",
              "--target", "100").stdout
    assert text.startswith("lithium_price = ") and "USD/t LCE" in text
    assert "pack_cost in 2030 is 100.0 USD/kWh (target 100.0 USD/kWh)." in text


def test_seek_an_unreachable_target_exits_1_naming_the_reachable_range():
    line = fails(1, "seek", "--lever", "lithium_price", "--output", "pack_cost", "--year",
                 "2030", "--target", "10")
    assert "pack_cost in 2030 stays between" in line
    assert "USD/kWh over lithium_price's range 3,000-150,000 USD/t LCE." in line


@pytest.mark.parametrize(("args", "match"), [
    (("--lever", "lithum_price", "--output", "pack_cost", "--year", "2030", "--target", "80"),
     "did you mean lithium_price"),
    (("--lever", "lithium_price", "--output", "pak_cost", "--year", "2030", "--target", "80"),
     "did you mean pack_cost"),
    (("--lever", "use_region", "--output", "pack_cost", "--year", "2030", "--target", "80"),
     "numeric lever"),
    (("--lever", "lithium_price", "--output", "pack_cost", "--year", "2030", "--target", "x"),
     "the target must be a number"),
    (("--lever", "lithium_price", "--output", "pack_cost", "--year", "1999", "--target", "80"),
     "outside the years shown"),
    (("--set", "lithium_price=1", "--lever", "nickel_price", "--output", "pack_cost", "--year",
      "2030", "--target", "80"), "lithium_price must be within"),
])
def test_seek_refuses_bad_input(capsys, args, match):
    assert match in fails_here(capsys, 2, "seek", *args)


# ---------------------------------------------------------------------------------------------
# targets


def test_targets_json_lists_builtin_and_given_targets(computed):
    out = json.loads(ok("targets", "--target", "pack_cost<=80@2030", "--target",
                        "ev_share >= 50 @ 2040", "--json").stdout)
    assert set(out) == {"targets"}
    records = out["targets"]
    assert [r["id"] for r in records[:6]] == [t.id for t in builtin_targets()]
    for record in records:
        assert {"id", "description", "source", "output", "year", "comparison", "required",
                "value", "met"} <= set(record)
        assert record["comparison"] in ("<=", ">=")
    baseline = computed()
    pack, share = records[6:]
    assert pack["value"] == at(baseline, "pack_cost", 2030)
    assert pack["met"] is (pack["value"] <= 80)
    assert share["value"] == at(baseline, "ev_share", 2040)
    assert share["met"] is (share["value"] >= 50)
    assert (share["source"], share["unit"]) == ("user", "%")


def test_targets_outside_the_years_shown_are_not_evaluated():
    out = json.loads(ok("targets", "--set", "end_year=2035", "--target", "pack_cost<=80@2036",
                        "--json").stdout)
    late = out["targets"][-1]
    assert (late["met"], late["value"]) == (None, None)
    assert late["reason"] == "2036 is after the last year shown (2035)"
    for record in out["targets"][:6]:
        if record["year"] == 2036:
            assert record["met"] is None


def test_targets_table_shows_status_value_and_unit():
    text = ok("targets", SQUEEZE, "--target", "pack_cost<=200@2030").stdout
    assert "[met] Pack cost ≤ 200 USD/kWh in 2030" in text
    assert "pack_cost <= 200.0 USD/kWh in 2030: " in text
    assert "EU Battery Regulation (EU) 2023/1542" in text


@pytest.mark.parametrize(("target", "match"), [
    ("pack_cost<80@2030", "OUTPUT<=VALUE@YEAR"),
    ("pak_cost<=80@2030", "did you mean pack_cost"),
    ("pack_cost<=80@2100", "within 2025-2060"),
])
def test_targets_refuse_bad_syntax(capsys, target, match):
    assert match in fails_here(capsys, 2, "targets", "--target", target)


def test_targets_stored_in_a_file_are_checked_and_bad_ones_noted(monkeypatch, capsys):
    from evexplorer.cli import main

    good = {"id": "mine", "description": "cheap packs", "source": "user",
            "output": "pack_cost", "year": 2030, "comparison": "<=", "required": 100.0}
    bad = {**good, "id": "broken", "comparison": "<"}
    _stand_in(monkeypatch, targets=[good, bad])
    assert main(["targets", "mine.evx", "--target", "pack_cost<=100@2030", "--json"]) == 0
    captured = capsys.readouterr()
    records = json.loads(captured.out)["targets"]
    assert [r["id"] for r in records[6:]] == ["mine", "pack_cost<=100@2030"]
    assert records[6]["met"] is True
    assert "a stored target was skipped" in captured.err and "'<=' or '>='" in captured.err


def test_explain_and_targets_read_what_a_real_file_stores(tmp_path):
    """The reference and user targets saved in a scenario file are what the commands use."""
    from evexplorer import scenario

    path = tmp_path / "plan.evx"
    params = {"lithium_price": 50_000, "recycling_rate": 70}
    target = {"id": "cheap", "description": "Packs at most 100 USD/kWh", "source": "board",
              "output": "pack_cost", "year": 2030, "comparison": "<=", "required": 100.0}
    scenario.save_scenario(path, params, evaluate(params), targets=[target],
                           reference={"title": "Board plan",
                                      "parameters": {"lithium_price": 20_000}})
    out = json.loads(ok("explain", str(path), "--output", "pack_cost", "--year", "2035",
                        "--json").stdout)
    assert out["reference_title"] == "Board plan"
    expected = evaluate({"lithium_price": 20_000}).series["pack_cost"][10]
    assert out["reference"] == pytest.approx(float(expected), rel=1e-12)
    records = json.loads(ok("targets", str(path), "--json").stdout)["targets"]
    mine = [r for r in records if r["id"] == "cheap"]
    assert len(mine) == 1
    value = float(evaluate(params).series["pack_cost"][5])
    assert mine[0]["value"] == pytest.approx(value) and mine[0]["met"] == (value <= 100.0)
