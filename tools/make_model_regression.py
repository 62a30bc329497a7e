"""Write the model's reference numbers for the regression test, tests/data/model_regression.npz.

    python tools/make_model_regression.py

``tests/test_model_speed_regression.py`` re-runs every case stored here and requires the
same numbers to 1e-12 relative, so that work on the model's speed cannot change what it
computes. Run this script only when the model's numbers change on purpose (new equations or
data, with a new model version): the file then records the new numbers.

The file holds, per case, the lever values it was run with (so that the test does not depend
on a random generator's stream) and every series and scalar of the results; for the band case,
the P10/P50/P90 of every output and the share of "never" samples.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from evexplorer import MODEL_VERSION  # noqa: E402
from evexplorer.analysis.bands import compute_bands  # noqa: E402
from evexplorer.analysis.uncertainty import default_spec  # noqa: E402
from evexplorer.model import PARAMETERS, SCALARS, SERIES, evaluate  # noqa: E402

OUT = ROOT / "tests" / "data" / "model_regression.npz"
#: Samples of each batch case.
N_SAMPLES = 8
#: Samples of the band case (a live band's size).
BAND_SAMPLES = 1000
#: Levers that set the time axis and are never sampled.
TIME_AXIS = ("start_year", "end_year")

#: Batch cases: the levers held at one value; every other numeric lever is sampled over its
#: range (prices log-uniformly), or over ``ranges`` where given.
BATCHES: dict[str, dict[str, Any]] = {
    # Every path at once: one retirement distribution per sample (FFT), the price response on.
    "all_levers": {"fixed": {}},
    "all_levers_choices": {"fixed": {
        "manufacturing_region": "eu", "use_region": "norway", "price_shock_mineral": "lithium",
        "chemistry_mix": {"LFP": 0.5, "NA_ION": 0.2, "NMC811": 0.3},
        "start_year": 2030, "end_year": 2060}},
    # One retirement distribution for the batch (the Toeplitz product).
    "lifetime_shared": {"fixed": {
        "battery_lifetime": 12.0, "price_shock_mineral": "nickel", "manufacturing_region": "world",
        "use_region": "china", "chemistry_mix": "SOLID_STATE", "end_year": 2045}},
    # Without the price response.
    "no_response": {"fixed": {"price_response": 0.0, "price_shock_mineral": "cobalt",
                              "manufacturing_region": "korea", "use_region": "usa"}},
    # Tight markets: little supply growth, fast demand, slow recycling; scarcity everywhere.
    "tight_markets": {"fixed": {"price_shock_mineral": "graphite"}, "ranges": {
        "supply_growth": (-5.0, 1.0), "demand_growth": (30.0, 60.0), "storage_growth": (30.0, 60.0),
        "recycling_rate": (0.0, 20.0), "ev_share_ceiling": (80.0, 100.0)}},
}

#: Single scenarios (no samples): the small-N path of every step.
SINGLES: dict[str, dict[str, Any]] = {
    "single_defaults": {},
    "single_lithium_shock": {"price_shock_mineral": "lithium", "price_shock_factor": 4.0,
                             "price_shock_year": 2027, "price_shock_years": 3,
                             "supply_growth": 3.0, "storage_growth": 25.0},
    "single_lfp_now": {"chemistry_mix": "LFP", "chemistry_target_year": 2025,
                       "price_response": 30.0, "end_year": 2060},
    "single_short_lives": {"manufacturing_region": "usa", "use_region": "eu",
                           "battery_lifetime": 8.0, "recycling_rate": 90.0,
                           "grid_decarbonization": 0.0, "start_year": 2031},
}


def sampled_levers() -> list[str]:
    """Every numeric lever that may be sampled."""
    return [n for n, p in PARAMETERS.items() if p.numeric and n not in TIME_AXIS]


def draw(rng: np.random.Generator, name: str, n: int, bounds: tuple[float, float] | None
         ) -> np.ndarray:
    """``n`` values of one lever: uniform in its range (log-uniform for prices)."""
    p = PARAMETERS[name]
    lo, hi = bounds or (float(p.minimum), float(p.maximum))
    if p.scale == "log" and bounds is None:
        values = np.exp(rng.uniform(np.log(lo), np.log(hi), n))
    else:
        values = rng.uniform(lo, hi, n)
    if p.kind == "int":
        values = np.round(values)
    return np.clip(values, p.minimum, p.maximum)


def results_arrays(prefix: str, results) -> dict[str, np.ndarray]:
    """Every series and scalar of ``results`` under ``prefix``, stacked in name order.

    ``{prefix}/series`` has shape (series, samples, years) (no samples axis for a single
    scenario), ``{prefix}/scalars`` (scalars, samples); "never" is NaN.
    """
    scalars = [np.nan if v is None else v for v in results.scalars.values()]
    return {
        f"{prefix}/years": np.asarray(results.years),
        f"{prefix}/series": np.stack([np.asarray(v, float) for v in results.series.values()]),
        f"{prefix}/scalars": np.array(scalars, dtype=float),
    }


def build() -> dict[str, np.ndarray]:
    """Every case's inputs and results."""
    rng = np.random.default_rng(20261130)
    arrays: dict[str, np.ndarray] = {}
    cases: dict[str, dict[str, Any]] = {}
    for case, spec in BATCHES.items():
        fixed = spec["fixed"]
        ranges = spec.get("ranges", {})
        samples = {name: draw(rng, name, N_SAMPLES, ranges.get(name))
                   for name in sampled_levers() if name not in fixed}
        cases[case] = {"kind": "batch", "fixed": fixed, "sampled": sorted(samples)}
        for name, values in samples.items():
            arrays[f"{case}/lever/{name}"] = values
        arrays.update(results_arrays(case, evaluate({**fixed, **samples})))
    for case, params in SINGLES.items():
        cases[case] = {"kind": "single", "fixed": params, "sampled": []}
        arrays.update(results_arrays(case, evaluate(params)))
    bands = compute_bands({}, default_spec(), BAND_SAMPLES)
    cases["band_defaults"] = {"kind": "band", "fixed": {}, "sampled": [],
                              "samples": BAND_SAMPLES}
    arrays["band_defaults/series"] = np.stack(list(bands.series.values()))
    arrays["band_defaults/scalars"] = np.stack(list(bands.scalars.values()))
    arrays["band_defaults/never"] = np.stack([bands.never[name] for name in bands.series])
    arrays["band_defaults/never_scalars"] = np.array([bands.never[name]
                                                      for name in bands.scalars])
    arrays["cases"] = np.array(json.dumps(cases, sort_keys=True))
    arrays["series_names"] = np.array(list(SERIES))
    arrays["scalar_names"] = np.array(list(SCALARS))
    arrays["model_version"] = np.array(MODEL_VERSION)
    return arrays


def main() -> None:
    """Write the file."""
    arrays = build()
    OUT.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(OUT, **arrays)
    print(f"wrote {OUT.relative_to(ROOT)} ({OUT.stat().st_size:,} bytes, "
          f"{len(arrays)} arrays)")


if __name__ == "__main__":
    main()
