"""The child process that computes the window's bands and tornados (no Qt): the same numbers
as in-process, errors as one sentence, a crashed child replaced, no child → in-process."""

from __future__ import annotations

import multiprocessing
import threading
import time

import numpy as np
import pytest

from evexplorer.analysis.bands import compute_bands
from evexplorer.analysis.sensitivity import tornado
from evexplorer.analysis.uncertainty import default_spec
from evexplorer.app.compute_process import ComputeError, ComputeProcess, plain_values
from evexplorer.model.registry import ParameterError
from evexplorer.session import Session

SERIES = ("pack_cost", "ev_price", "lithium_demand")


@pytest.fixture(scope="module")
def child():
    process = ComputeProcess()
    yield process
    process.close()


def test_bands_from_the_child_equal_those_computed_here(child):
    session = Session()
    session.set("chemistry_mix", {"LFP": 0.7, "NMC811": 0.3})  # a mapping travels too
    values = plain_values(session.values)
    bands = child.call("bands", values=values, record=None, n_samples=256, series=SERIES)
    expected = compute_bands(session.values, default_spec(), 256, series=SERIES)
    assert not child.in_process and child.starts == 1
    assert bands.series.keys() == expected.series.keys()
    for name in SERIES:
        np.testing.assert_array_equal(bands.series[name], expected.series[name])
        assert not bands.series[name].flags.writeable
    for name, rows in expected.scalars.items():
        np.testing.assert_array_equal(bands.scalars[name], rows)
    assert (bands.n_samples, bands.seed, bands.varied) == (256, expected.seed, expected.varied)
    with pytest.raises(TypeError):
        bands.series["pack_cost"] = None  # read-only, as compute_bands gives them


def test_a_tornado_and_another_seed_from_the_child(child):
    record = default_spec().with_seed(9).to_record()
    result = child.call("tornado", values={"lithium_price": 25_000}, record=record,
                        output="cost_parity_year", year=None)
    expected = tornado({"lithium_price": 25_000}, default_spec().with_seed(9),
                       "cost_parity_year")
    assert [b.name for b in result.bars] == [b.name for b in expected.bars]
    np.testing.assert_array_equal(  # "never" (NaN) at some ends: compared as equal
        [[b.low_value, b.high_value, b.low, b.high] for b in result.bars],
        [[b.low_value, b.high_value, b.low, b.high] for b in expected.bars])
    assert (result.output, result.year, result.unit) == ("cost_parity_year", None, "year")


def test_bad_input_comes_back_as_one_sentence(child):
    record = {"seed": 1, "levers": {"lithium_prize": {
        "distribution": "uniform", "spread": "relative", "low": 0.5, "high": 2.0}},
        "correlations": []}
    with pytest.raises(ParameterError, match="lithium_price"):
        child.call("bands", values={}, record=record, n_samples=64, series=SERIES)
    with pytest.raises(ParameterError, match="outside the run"):
        child.call("tornado", values={}, record=None, output="pack_cost", year=2070)
    # the child is still there for the next request
    assert child.call("warm_up", record=None, n_samples=64) is None and child.starts == 1


def test_a_crashed_child_is_reported_and_replaced():
    process = ComputeProcess()
    try:
        process.call("warm_up", record=None, n_samples=64)
        outcome = []

        def long_call() -> None:
            try:
                process.call("bands", values={}, record=None, n_samples=100_000,
                             series=SERIES)
            except ComputeError as exc:
                outcome.append(str(exc))

        caller = threading.Thread(target=long_call)
        caller.start()
        while not process._lock.locked():  # the request is on its way
            time.sleep(0.001)
        process._process.kill()  # the child dies in the middle of the request
        caller.join(30)
        assert outcome and "stopped unexpectedly" in outcome[0]
        bands = process.call("bands", values={}, record=None, n_samples=64, series=SERIES)
        assert process.starts == 2 and bands.n_samples == 64
        process._process.kill()  # a child found dead between requests is replaced quietly
        process._process.join()
        assert process.call("warm_up", record=None, n_samples=64) is None
        assert process.starts == 3
    finally:
        process.close()
    assert process._process is None


def test_without_child_processes_the_work_is_done_in_the_caller(monkeypatch):
    def refuse(self):
        raise OSError("no processes here")

    monkeypatch.setattr(multiprocessing.get_context("spawn").Process, "start", refuse)
    process = ComputeProcess()
    bands = process.call("bands", values={}, record=None, n_samples=64, series=SERIES)
    assert process.in_process and process.starts == 0
    np.testing.assert_array_equal(bands.series["pack_cost"], compute_bands(
        {}, default_spec(), 64, series=SERIES).series["pack_cost"])
