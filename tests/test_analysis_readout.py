"""Reading one output at one year, and the numbers written in sentences."""

from __future__ import annotations

import numpy as np
import pytest

from evexplorer.analysis.readout import AnalysisError, check_year, number, quantity, readout
from evexplorer.model import evaluate


def test_a_series_is_read_at_its_year_in_one_run_and_in_a_batch():
    what = readout("pack_cost", 2030, range(2025, 2051))
    assert (what.unit, what.is_scalar, what.describe()) == ("USD/kWh", False, "pack_cost in 2030")
    single = evaluate()
    assert what.read(single).tolist() == [single.series["pack_cost"][5]]
    batch = evaluate({"lithium_price": np.array([10_000.0, 40_000.0])})
    assert what.read(batch).tolist() == batch.series["pack_cost"][:, 5].tolist()


def test_a_scalar_is_read_without_year_and_never_is_nan():
    what = readout("cost_parity_year", 2030)
    assert what.is_scalar and what.year is None and what.unit == "year"
    assert what.read(evaluate()).tolist() == [evaluate().scalars["cost_parity_year"]]
    never = evaluate({"ev_nonbattery_price": 80_000, "ice_vehicle_price": 10_000})
    assert np.isnan(what.read(never)).all()


@pytest.mark.parametrize(("args", "kwargs", "match"), [
    (("pack_cots", 2030), {}, "Unknown output 'pack_cots'; did you mean pack_cost"),
    (("pack_cost", None), {}, "pack_cost is a series; give the year"),
    (("pack_cost", 2030.5), {}, "whole number"),
    (("pack_cost", 2051, range(2025, 2051)), {}, "2051 is outside the years shown, 2025-2050"),
    (("cost_parity_year", None), {"series_only": True}, "single number"),
])
def test_bad_outputs_and_years_are_refused(args, kwargs, match):
    with pytest.raises(AnalysisError, match=match):
        readout(*args, **kwargs)


def test_check_year_gives_the_position():
    assert check_year(2030, [2028, 2029, 2030]) == 2
    with pytest.raises(AnalysisError, match="2031 is outside the years shown, 2028-2030"):
        check_year(2031, [2028, 2029, 2030])


@pytest.mark.parametrize(("value", "unit", "text"), [
    (71.234, "USD/kWh", "71.2 USD/kWh"),
    (140.55, "USD/kWh", "140.6 USD/kWh"),
    (40_021.2, "Mt CO2e", "40,021 Mt CO2e"),
    (0.01234, "", "0.0123"),
    (-3500.4, "USD", "-3,500 USD"),
    (0.0, "years", "0 years"),
    (2030.0, "year", "2030"),
    (float("nan"), "km", "never"),
])
def test_numbers_in_sentences(value, unit, text):
    assert quantity(value, unit) == text
    assert number(value, unit) == text.removesuffix(f" {unit}")


@pytest.mark.parametrize("name", ["readout", "targets"])
def test_doctests_of_the_analysis_modules(name):
    import doctest
    import importlib

    module = importlib.import_module(f"evexplorer.analysis.{name}")
    result = doctest.testmod(module, verbose=False)
    assert result.attempted >= 1 and result.failed == 0
