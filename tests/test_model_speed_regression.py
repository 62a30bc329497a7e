"""The model computes the same numbers however it is made faster.

``tests/data/model_regression.npz`` holds the results of batches of random scenarios (every
numeric lever sampled over its range, each batch with other choices, years and code paths:
one retirement distribution per sample or one for the batch, with and without the price
response, a shock on each market, tight markets), of single scenarios, and the percentile
bands of a live 1,000-sample band, all written by ``tools/make_model_regression.py`` from the
model before its speed work. Every number must come out the same to 1e-12 relative.

"Relative" is measured against the size of the quantity in that scenario (its largest value
over the years; for recycled, supply and shortfall quantities, their mineral's demand, from
which they are computed by differences and by a convolution whose round-off is relative to
its largest input; a share in % against 100 %). A quantity that is a small difference of
large ones (a shortfall of a few tonnes against a demand of a thousand kilotonnes) keeps its
absolute precision, not its relative precision, under any reordering of the arithmetic.
Years of parity and counts of shortfall years must be equal; "never" (NaN) must stay never.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from evexplorer.analysis.bands import compute_bands
from evexplorer.analysis.uncertainty import default_spec
from evexplorer.model import evaluate

DATA = Path(__file__).parent / "data" / "model_regression.npz"
RELATIVE = 1e-12
#: Series computed from a mineral's demand by differences or the retirement convolution.
_FROM_DEMAND = ("recycled", "supply", "shortfall")


def _load() -> dict[str, np.ndarray]:
    with np.load(DATA, allow_pickle=False) as stored:
        return {name: stored[name] for name in stored.files}


STORED = _load()
CASES: dict[str, dict] = json.loads(str(STORED["cases"]))
SERIES_NAMES: list[str] = [str(n) for n in STORED["series_names"]]
SCALAR_NAMES: list[str] = [str(n) for n in STORED["scalar_names"]]
HINT = (f"differs from the numbers of model {STORED['model_version']} stored by "
        "tools/make_model_regression.py; if the model's numbers changed on purpose, run it "
        "again")


def scale(name: str, expected: dict[str, np.ndarray]) -> np.ndarray:
    """Size of series ``name`` per sample (shape (..., 1)), the yardstick of its tolerance."""
    values = np.abs(expected[name])
    size = np.nanmax(np.where(np.isfinite(values), values, 0.0), axis=-1, keepdims=True)
    mineral, _, what = name.rpartition("_")
    if what in _FROM_DEMAND:
        demand = np.max(np.abs(expected[f"{mineral}_demand"]), axis=-1, keepdims=True)
        size = np.maximum(size, demand)
    if name.endswith("_recycled_content"):
        size = np.maximum(size, 100.0)
    if name == "ev_price_premium":
        size = np.maximum(size, np.max(np.abs(expected["ev_price"]), axis=-1, keepdims=True))
    return size


def assert_same(name: str, got: np.ndarray, want: np.ndarray, size: np.ndarray) -> None:
    """``got`` equals ``want`` within RELATIVE × ``size``, "never" (NaN, inf) in the same places."""
    got, want = np.asarray(got, float), np.asarray(want, float)
    assert got.shape == want.shape, f"{name}: shape {got.shape}, stored {want.shape}"
    never = ~np.isfinite(want)
    np.testing.assert_array_equal(got[never], want[never], err_msg=f"{name} {HINT}")
    error = np.abs(np.where(never, 0.0, got) - np.where(never, 0.0, want))
    limit = RELATIVE * np.broadcast_to(size, error.shape)
    bad = ~(error <= limit)
    if np.any(bad):
        with np.errstate(divide="ignore", invalid="ignore"):
            worst = np.unravel_index(np.argmax(np.where(bad, error / limit, 0.0)), bad.shape)
        raise AssertionError(
            f"{name} {HINT}: at {worst} got {got[worst]!r}, stored {want[worst]!r} "
            f"(difference {error[worst]:.3g}, allowed {limit[worst]:.3g}; "
            f"{int(bad.sum())} values outside)")


def _params(case: str) -> dict:
    spec = CASES[case]
    return {**spec["fixed"], **{name: STORED[f"{case}/lever/{name}"]
                                for name in spec["sampled"]}}


MODEL_CASES = [case for case, spec in CASES.items() if spec["kind"] in ("batch", "single")]


@pytest.mark.parametrize("case", MODEL_CASES)
def test_every_series_and_scalar_is_unchanged(case):
    results = evaluate(_params(case))
    np.testing.assert_array_equal(results.years, STORED[f"{case}/years"])
    expected = dict(zip(SERIES_NAMES, STORED[f"{case}/series"], strict=True))
    for name in SERIES_NAMES:
        assert_same(name, results.series[name], expected[name], scale(name, expected))
    stored_scalars = dict(zip(SCALAR_NAMES, STORED[f"{case}/scalars"], strict=True))
    for name in SCALAR_NAMES:
        got = np.array([np.nan if v is None else v
                        for v in np.atleast_1d(np.asarray(results.scalars[name], dtype=object))],
                       dtype=float)
        want = np.atleast_1d(stored_scalars[name])
        if name == "fleet_emissions_avoided_total":  # a sum over the years of a series
            size = np.sum(np.abs(expected["fleet_emissions_avoided"]), axis=-1)
            assert_same(name, got, want, np.atleast_1d(size))
        else:  # a year or a count of years
            np.testing.assert_array_equal(got, want, err_msg=f"{name} {HINT}")


def test_the_live_band_is_unchanged():
    spec = CASES["band_defaults"]
    bands = compute_bands(spec["fixed"], default_spec(), spec["samples"])
    for names, got, levels, never in (
            (SERIES_NAMES, bands.series, "band_defaults/series", "band_defaults/never"),
            (SCALAR_NAMES, bands.scalars, "band_defaults/scalars",
             "band_defaults/never_scalars")):
        for name, want, want_never in zip(names, STORED[levels], STORED[never], strict=True):
            finite = np.abs(want[np.isfinite(want)])
            assert_same(name, got[name], want, np.max(finite, initial=0.0))
            np.testing.assert_array_equal(bands.never[name], want_never, err_msg=name)


def test_the_tolerance_catches_a_change_of_the_last_digits_that_matter():
    # The comparison is not vacuous: a change of 1e-11 of a series' size fails it, and a
    # "never" that becomes a number fails it.
    case = MODEL_CASES[0]
    expected = dict(zip(SERIES_NAMES, STORED[f"{case}/series"], strict=True))
    want = expected["pack_cost"]
    size = scale("pack_cost", expected)
    assert_same("pack_cost", want * (1 + 1e-13), want, size)
    with pytest.raises(AssertionError, match="pack_cost"):
        assert_same("pack_cost", want + 1e-11 * size, want, size)
    with pytest.raises(AssertionError, match="breakeven"):
        assert_same("breakeven_distance", np.zeros(3), np.array([1.0, np.nan, 2.0]),
                    np.array(2.0))


# ---------------------------------------------------------------------------------------------
# The shortcuts that make it fast give the numbers of a plain run


def _batch(n: int, seed: int = 3) -> dict:
    """``n`` random samples of every lever the stored batches sample."""
    rng = np.random.default_rng(seed)
    case = MODEL_CASES[0]
    return {name: rng.permutation(np.resize(STORED[f"{case}/lever/{name}"], n))
            for name in CASES[case]["sampled"]}


@pytest.mark.parametrize("names", [["pack_cost"], ["lithium_supply", "breakeven_distance"],
                                   ["ev_lifecycle_emissions", "pack_specific_energy",
                                    "nickel_shortfall", "supply_concentration"]])
def test_a_subset_of_series_has_the_numbers_of_the_full_run(names):
    params = _batch(40)
    full = evaluate(params)
    part = evaluate(params, series=names)
    assert list(part.series) == [name for name in full.series if name in names]
    for name in names:
        np.testing.assert_array_equal(part.series[name], full.series[name], err_msg=name)
    for name, value in full.scalars.items():
        np.testing.assert_array_equal(part.scalars[name], value, err_msg=name)


def test_an_unknown_series_is_refused_with_the_closest_names():
    from evexplorer.model import ParameterError

    with pytest.raises(ParameterError, match="pack_cost"):
        evaluate(series=["pack_cots"])


@pytest.mark.parametrize("levers", ["all", "price_response"])
def test_a_batch_run_in_blocks_has_the_numbers_of_one_run(monkeypatch, levers):
    # Blocks of 7 samples against one block for the whole batch. With the price response
    # as the only sampled lever and its first block all zero, the first block has no
    # response (its series are one row) and the later ones do: the series put together
    # must still be every sample's own.
    from evexplorer.model import core

    if levers == "all":
        params = _batch(30)
    else:
        params = {"price_response": np.r_[np.zeros(8), np.linspace(1.0, 50.0, 22)],
                  "supply_growth": 0.0, "demand_growth": 40.0}
    whole = evaluate(params)
    monkeypatch.setattr(core, "BLOCK_SAMPLES", 7)
    blocks = evaluate(params)
    for name in SERIES_NAMES:
        want = np.broadcast_to(whole.series[name], blocks.series[name].shape)
        assert_same(name, blocks.series[name], want,
                    scale(name, {n: np.asarray(a) for n, a in whole.series.items()}))
    for name, value in whole.scalars.items():
        np.testing.assert_array_equal(blocks.scalars[name], value, err_msg=name)
