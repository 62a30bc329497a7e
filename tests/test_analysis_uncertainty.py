"""Uncertainty specs: the shipped defaults, the plain record of scenario files, refusals.

The record (``{"seed", "levers", "correlations"}``) is what scenario files store, so its
round trip and its refusal of bad input are checked here in detail.
"""

from __future__ import annotations

import copy
import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from evexplorer._resources import resource_path
from evexplorer.analysis import uncertainty as U
from evexplorer.analysis.uncertainty import (
    Correlation,
    LeverUncertainty,
    UncertaintyError,
    UncertaintySpec,
)
from evexplorer.model import PARAMETERS
from evexplorer.model.data import DataError, check_sources, iter_numbers
from evexplorer.model.registry import ParameterError

NUMERIC = [n for n, p in PARAMETERS.items() if p.numeric]
SAMPLEABLE = [n for n in NUMERIC if n not in U.TIME_AXIS]


@pytest.fixture(scope="module")
def raw():
    with open(resource_path("uncertainty.json"), encoding="utf-8") as fh:
        return json.load(fh)


# ---------------------------------------------------------------------------------------------
# The shipped defaults


def test_every_numeric_lever_has_a_default_entry(raw):
    missing = sorted(set(NUMERIC) - set(raw["levers"]))
    assert not missing, f"add these levers to resources/uncertainty.json: {missing}"
    defaults = U.load_defaults()
    for name in NUMERIC:
        assert (name in defaults.spec.levers) != (name in defaults.certain), name
        assert len(defaults.notes[name]) > 20, name


def test_only_numeric_registry_levers_are_listed(raw):
    assert set(raw["levers"]) <= set(NUMERIC)


def test_every_number_has_a_known_source_and_every_source_is_used(raw):
    sources = check_sources(raw)
    used = {source for _, _, source in iter_numbers(raw)}
    assert used == set(raw["sources"])
    for key, source in sources.items():
        assert 2000 <= source.vintage <= 2026, key
    # Bounds are numbers with sources; certain levers carry none.
    paths = {path for path, _, _ in iter_numbers(raw)}
    for name in U.load_defaults().spec.levers:
        assert {f"/levers/{name}/low", f"/levers/{name}/high"} <= paths


def test_time_axis_and_what_if_levers_are_certain_by_default():
    certain = set(U.load_defaults().certain)
    assert {"start_year", "end_year", "price_shock_year", "price_shock_factor",
            "price_shock_years"} <= certain


def test_prices_have_relative_log_spreads_and_rates_absolute_ones():
    spec = U.default_spec()
    for name in ("lithium_price", "nickel_price", "cobalt_price", "manganese_price",
                 "graphite_price", "ndpr_price"):
        assert spec.levers[name].spread == "relative", name
        assert spec.levers[name].distribution in U.LOG_DISTRIBUTIONS, name
    for name, lever in spec.levers.items():
        if PARAMETERS[name].unit in ("%", "%/yr", "% per doubling"):
            assert lever.spread == "absolute", name


def test_default_spreads_quoted_in_the_sources():
    spec = U.default_spec()
    # Lithium: 5th-95th percentiles 6,000-40,000 USD/t LCE around 10,000 (2020 trough to the
    # 2023 annual average, resources/uncertainty.json).
    lithium = spec.levers["lithium_price"]
    assert lithium.bounds(10_000) == pytest.approx((6_000, 40_000))
    # Learning rate 15-25 % around BloombergNEF's 18 % (literature range).
    assert spec.levers["learning_rate"].bounds(18.0) == (15.0, 25.0)
    # Cell-plant energy 20-60 kWh/kWh around Degen et al.'s 30 (two- to three-fold spread).
    assert spec.levers["cell_energy"].bounds(30.0) == pytest.approx((20.1, 60.0))


def test_default_correlation_is_nickel_and_cobalt_with_its_source():
    defaults = U.load_defaults()
    assert defaults.spec.correlations == (Correlation("nickel_price", "cobalt_price", 0.5),)
    source = defaults.correlation_sources[("nickel_price", "cobalt_price")]
    assert source.tag == "A" and "by-product" in source.citation


def test_hostile_default_data_are_refused(raw):
    def refused(mutate, match):
        hostile = copy.deepcopy(raw)
        mutate(hostile)
        with pytest.raises(DataError, match=match):
            U.build_defaults(hostile)

    def bare(d):
        d["levers"]["lithium_price"]["low"] = 0.6

    def unknown(d):
        d["levers"]["lithium_prize"] = d["levers"].pop("lithium_price")

    def bad_shape(d):
        d["levers"]["nickel_price"]["distribution"] = "gaussian"

    def no_note(d):
        d["levers"]["nickel_price"]["note"] = " "

    def split_sources(d):
        d["levers"]["nickel_price"]["high"]["source"] = "cobalt_price_range"

    def wrong_format(d):
        d["format"] = "something-else"

    def bad_matrix(d):
        d["correlations"].append({"a": "lithium_price", "b": "lithium_price",
                                  "rho": {"value": 0.5, "source": "assumed_nickel_cobalt"}})

    refused(bare, "has no source")
    refused(unknown, "unknown lever 'lithium_prize'")
    refused(bad_shape, "nickel_price is invalid.*gaussian")
    refused(no_note, "no note")
    refused(split_sources, "different sources")
    refused(wrong_format, "format")
    refused(bad_matrix, "invalid")


# ---------------------------------------------------------------------------------------------
# The plain record


def test_default_record_has_exactly_the_documented_shape():
    record = U.default_spec().to_record()
    assert set(record) == {"seed", "levers", "correlations"}
    assert isinstance(record["seed"], int)
    for name, entry in record["levers"].items():
        assert name in SAMPLEABLE
        assert set(entry) == {"distribution", "spread", "low", "high"}
        assert entry["distribution"] in U.DISTRIBUTIONS and entry["spread"] in U.SPREADS
        assert isinstance(entry["low"], float) and entry["low"] < entry["high"]
    for entry in record["correlations"]:
        assert set(entry) == {"a", "b", "rho"}
    assert json.loads(json.dumps(record)) == record


_SHAPES = st.sampled_from(U.DISTRIBUTIONS)


@st.composite
def lever_uncertainties(draw, name):
    kind = PARAMETERS[name].kind
    distribution = draw(_SHAPES if kind != "int" else st.sampled_from(("uniform",
                                                                        "triangular")))
    spread = "relative" if distribution in U.LOG_DISTRIBUTIONS else (
        "absolute" if kind == "int" else draw(st.sampled_from(U.SPREADS)))
    if spread == "relative":
        low = draw(st.floats(0.05, 1.0) if distribution != "triangular" else st.floats(0.0, 1.0))
        high = draw(st.floats(max(low, 1.0) + 0.01, 5.0))
    else:
        low = draw(st.floats(-20.0, 0.0))
        high = draw(st.floats(0.01, 20.0))
    return LeverUncertainty(distribution, spread, low, high)


@st.composite
def specs(draw):
    names = draw(st.lists(st.sampled_from(SAMPLEABLE), unique=True, max_size=8))
    levers = {name: draw(lever_uncertainties(name)) for name in names}
    correlations = []
    if len(names) >= 2:
        rho = draw(st.floats(-1.0, 1.0))
        correlations.append(Correlation(names[0], names[1], rho))
    return UncertaintySpec(draw(st.integers(0, U.MAX_SEED)), levers, tuple(correlations))


@given(specs())
def test_record_round_trip(spec):
    record = spec.to_record()
    assert UncertaintySpec.from_record(record) == spec
    again = UncertaintySpec.from_record(json.loads(json.dumps(record)))
    assert again == spec and hash(again) == hash(spec)
    assert again.to_record() == record


def test_specs_are_canonical_and_immutable():
    a = UncertaintySpec(1, {"learning_rate": LeverUncertainty("uniform", "absolute", -1, 1),
                            "lithium_price": LeverUncertainty("loguniform", "relative", .5, 2)},
                        (Correlation("learning_rate", "lithium_price", 0.3),))
    assert a.uncertain == ("lithium_price", "learning_rate")  # registry order
    assert a.correlations == (Correlation("lithium_price", "learning_rate", 0.3),)
    assert a.rho("learning_rate", "lithium_price") == 0.3 and a.rho("lithium_price", "x") == 0
    with pytest.raises(TypeError):
        a.levers["demand_growth"] = a.levers["learning_rate"]
    b = a.with_lever("learning_rate", None)
    assert b.uncertain == ("lithium_price",) and b.correlations == ()
    assert a.uncertain == ("lithium_price", "learning_rate")
    c = a.with_correlation("lithium_price", "learning_rate", 0)
    assert c.correlations == () and c.with_seed(9).seed == 9


def test_from_ranges_expresses_bounds_around_the_value():
    values = {"lithium_price": 20_000, "demand_growth": 20.0}
    spec = UncertaintySpec.from_ranges(values, {
        "lithium_price": (10_000, 40_000, "loguniform"),
        "demand_growth": (10.0, 30.0, "triangular"),
        "renewable_share": (0.0, 50.0, "uniform"),
        "chemistry_target_year": (2030, 2040, "uniform")}, seed=4)
    assert spec.levers["lithium_price"] == LeverUncertainty("loguniform", "relative", 0.5, 2.0)
    assert spec.levers["demand_growth"] == LeverUncertainty("triangular", "absolute", -10, 10)
    # renewable_share is 0 by default: a spread around 0 must be absolute
    assert spec.levers["renewable_share"] == LeverUncertainty("uniform", "absolute", 0, 50)
    assert spec.levers["chemistry_target_year"].spread == "absolute"
    for name, (low, high, _) in {"lithium_price": (10_000, 40_000, ""),
                                 "demand_growth": (10.0, 30.0, "")}.items():
        assert spec.levers[name].bounds(values[name]) == pytest.approx((low, high))
    assert spec.seed == 4 and spec.correlations == ()


# ---------------------------------------------------------------------------------------------
# Refusals: one sentence naming what is wrong


def _record(**changes):
    record = {"seed": 3,
              "levers": {"nickel_price": {"distribution": "loguniform", "spread": "relative",
                                          "low": 0.6, "high": 1.6},
                         "cobalt_price": {"distribution": "lognormal", "spread": "relative",
                                          "low": 0.65, "high": 2.7},
                         "learning_rate": {"distribution": "triangular", "spread": "absolute",
                                           "low": -3.0, "high": 7.0}},
              "correlations": [{"a": "nickel_price", "b": "cobalt_price", "rho": 0.5}]}
    for path, value in changes.items():
        node = record
        keys = path.split("__")
        for key in keys[:-1]:
            node = node[int(key)] if isinstance(node, list) else node[key]
        if value is _DELETE:
            del node[keys[-1]]
        else:
            node[keys[-1]] = value
    return record


_DELETE = object()


def test_the_reference_record_is_valid():
    spec = UncertaintySpec.from_record(_record())
    assert spec.uncertain == ("nickel_price", "cobalt_price", "learning_rate")


@pytest.mark.parametrize("record, match", [
    (_record(levers__lithium_prise={"distribution": "uniform", "spread": "relative",
                                    "low": 0.5, "high": 2}),
     r"Unknown lever 'lithium_prise'; did you mean lithium_price"),
    (_record(levers__nickel_price__distribution="gaussian"),
     r"distribution of nickel_price must be one of uniform, triangular, lognormal, "
     r"loguniform, not 'gaussian'"),
    (_record(levers__nickel_price__distribution="logunifrom"), r"did you mean loguniform\?"),
    (_record(levers__nickel_price__spread="proportional"), r"spread of nickel_price"),
    (_record(levers__nickel_price__low=1.6), r"low bound of nickel_price \(1.6\) must be below"),
    (_record(levers__nickel_price__high=float("nan")), r"finite number"),
    (_record(levers__nickel_price__high="2"), r"high bound of nickel_price must be a number"),
    (_record(levers__nickel_price__spread="absolute"), r"loguniform spread of nickel_price "
                                                       r"must be relative"),
    (_record(levers__nickel_price__low=0.0), r"needs factors above 0"),
    (_record(levers__learning_rate__low=1.0), r"triangular spread of learning_rate.*enclose 0"),
    (_record(levers__learning_rate__spread="relative", levers__learning_rate__low=-1.0,
             levers__learning_rate__high=2.0), r"factors of learning_rate must be 0 or more"),
    (_record(levers__chemistry_target_year={"distribution": "uniform", "spread": "relative",
                                            "low": 0.9, "high": 1.1}),
     r"chemistry_target_year is a whole number: its spread must be absolute"),
    (_record(levers__start_year={"distribution": "uniform", "spread": "absolute",
                                 "low": -1, "high": 1}), r"start_year sets the time axis"),
    (_record(levers__chemistry_mix={"distribution": "uniform", "spread": "absolute",
                                    "low": -1, "high": 1}),
     r"chemistry_mix is not a number .* cannot be uncertain"),
    (_record(levers__nickel_price__note="x"), r"unknown keys note"),
    (_record(levers__nickel_price__high=_DELETE), r"uncertainty of nickel_price lacks high"),
    (_record(correlations__0__rho=1.5), r"between nickel_price and cobalt_price must be "
                                        r"between -1 and 1, not 1.5"),
    (_record(correlations__0__rho=True), r"must be a number"),
    (_record(correlations__0__b="nickel_price"), r"cannot be correlated with itself"),
    (_record(correlations__0__b="lithium_price"), r"names lithium_price, which is not "
                                                  r"uncertain"),
    (_record(correlations=[{"a": "nickel_price", "b": "cobalt_price", "rho": 0.5},
                           {"a": "cobalt_price", "b": "nickel_price", "rho": 0.2}]),
     r"nickel_price and cobalt_price is given twice"),
    (_record(correlations=[{"a": "nickel_price", "b": "cobalt_price", "rho": 0.9},
                           {"a": "cobalt_price", "b": "learning_rate", "rho": 0.9},
                           {"a": "nickel_price", "b": "learning_rate", "rho": -0.9}]),
     r"correlations between nickel_price, cobalt_price, learning_rate do not form a valid "
     r"correlation matrix"),
    (_record(correlations={"a": "nickel_price"}), r"list of \{a, b, rho\}"),
    (_record(seed=-1), r"seed must be a whole number from 0"),
    (_record(seed=True), r"seed must be a whole number"),
    (_record(seed=1.5), r"seed must be a whole number"),
    (_record(seed=_DELETE), r"record lacks seed"),
    (_record(extra=1), r"unknown keys extra"),
    (_record(levers=[]), r"'levers' must map lever names"),
    ("not a record", r"must be a mapping"),
])
def test_bad_records_are_refused_in_one_sentence(record, match):
    with pytest.raises(ParameterError, match=match) as info:
        UncertaintySpec.from_record(record)
    message = str(info.value)
    assert "\n" not in message and message.endswith((".", "?"))


def test_bad_ranges_are_refused():
    with pytest.raises(UncertaintyError, match=r"low value of lithium_price \(40,000 USD/t "
                                               r"LCE\) must be below its high value"):
        UncertaintySpec.from_ranges({}, {"lithium_price": (40_000, 8_000, "uniform")})
    with pytest.raises(ParameterError, match=r"lithium_price must be within 3,000 to 150,000"):
        UncertaintySpec.from_ranges({}, {"lithium_price": (1_000, 8_000, "uniform")})
    with pytest.raises(UncertaintyError, match=r"mode at the scenario's value, so "
                                               r"lithium_price \(10,000 USD/t LCE\) must lie"):
        UncertaintySpec.from_ranges({}, {"lithium_price": (20_000, 30_000, "triangular")})
    with pytest.raises(UncertaintyError, match=r"renewable_share and its low value must be "
                                               r"above 0"):
        UncertaintySpec.from_ranges({}, {"renewable_share": (10, 50, "loguniform")})


def test_a_semi_definite_matrix_is_accepted():
    # rho = 1 between two levers: singular but valid (positive semi-definite).
    spec = UncertaintySpec.from_record(_record(correlations__0__rho=1.0))
    assert spec.rho("nickel_price", "cobalt_price") == 1.0


def test_copula_conversion_known_values():
    # Pearson (1907): r = 2 sin(pi rho / 6) maps a rank correlation to the normal copula's.
    assert U.normal_copula_r(0.0) == 0.0
    assert U.normal_copula_r(1.0) == pytest.approx(1.0, abs=1e-15)
    assert U.normal_copula_r(-0.5) == pytest.approx(-2 * math.sin(math.pi / 12), rel=1e-15)
    np.testing.assert_allclose(U.normal_copula_r(np.array([0.3, 0.9])),
                               2 * np.sin(np.pi * np.array([0.3, 0.9]) / 6), rtol=1e-15)


def test_importing_the_analysis_modules_leaves_scipy_stats_alone():
    # scipy.stats costs about 0.3 s to import: only drawing a design may pull it in.
    code = ("import sys, evexplorer.analysis as a\n"
            "a.UncertaintySpec, a.compute_bands, a.tornado, a.sobol, a.sample\n"
            "import evexplorer.analysis.sampling, evexplorer.analysis.sensitivity\n"
            "a.default_spec().to_record()\n"
            "assert 'scipy.stats' not in sys.modules, 'scipy.stats imported'\n"
            "a.warm_up()\n"
            "assert 'scipy.stats' in sys.modules\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=Path(__file__).resolve().parents[1], timeout=120)
    assert out.returncode == 0, out.stderr


def test_the_documented_table_of_defaults_is_up_to_date():
    import importlib.util

    docs = Path(__file__).resolve().parents[1] / "docs"
    spec = importlib.util.spec_from_file_location("make_uncertainty_table",
                                                  docs / "make_uncertainty_table.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    page = (docs / "uncertainty.md").read_text(encoding="utf-8")
    assert module.render(page) == page, "run python docs/make_uncertainty_table.py"
    for name in U.load_defaults().notes:
        assert f"| `{name}` |" in page, name
