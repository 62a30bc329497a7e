"""Write the preset scenarios shipped in resources/presets/.

    python tools/make_presets.py

Each preset is an ordinary scenario file written by the current writer, so it
doubles as an example of the format. Its notes tell the story and where the
numbers come from. A test checks that the shipped files match this table.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from evexplorer import scenario  # noqa: E402
from evexplorer.model import evaluate  # noqa: E402

AUTHOR = "EV Explorer"
CREATED = "2026-11-23T00:00:00Z"

PRESETS = {
    "lithium_squeeze": {
        "title": "Lithium squeeze",
        "notes": "Lithium carbonate quadruples for three years from 2027 (the 2022 China spot "
        "peak, about 86,000 USD/t, was 8.6 times the 2025 level used as the baseline), "
        "stationary storage grows 25 %/yr instead of 17 %/yr, and new lithium supply beyond "
        "today's announced projects adds only 3 %/yr after 2035. Lithium stays short from "
        "the late 2020s to 2050; packs cost about 16 USD/kWh more during the shock and up to "
        "9 more around 2040 than in the baseline.",
        "levers": {"price_shock_mineral": "lithium", "price_shock_factor": 4.0,
                   "price_shock_year": 2027, "price_shock_years": 3, "supply_growth": 3.0,
                   "storage_growth": 25.0},
    },
    "lfp_everywhere": {
        "title": "LFP everywhere",
        "notes": "The market moves to iron-phosphate chemistries by 2030: 85 % LFP, 10 % LMFP, "
        "5 % sodium-ion. No nickel or cobalt, less lithium per kWh, cheaper but heavier "
        "packs.",
        "levers": {"chemistry_mix": {"LFP": 0.85, "LMFP": 0.10, "NA_ION": 0.05},
                   "chemistry_target_year": 2030},
    },
    "green_gigafactories": {
        "title": "Green gigafactories",
        "notes": "Cells are made in the EU on 80 % dedicated renewable electricity, with plant "
        "energy at the low end of published figures (25 kWh per kWh of cell; Degen et al. 2023 "
        "report 20-38), grids decarbonising 4 %/yr on the world average (the EU's faster) and "
        "battery supply chains cutting their heat and process emissions 4 %/yr. Battery "
        "footprints halve against the baseline by 2050; European packs cost more.",
        "levers": {"manufacturing_region": "eu", "renewable_share": 80.0, "cell_energy": 25.0,
                   "grid_decarbonization": 4.0, "supply_chain_decarbonization": 4.0},
    },
    "circular_2040": {
        "title": "Circular 2040",
        "notes": "Nine in ten retiring batteries are collected and recycled and lithium "
        "recovery reaches 95 % (the EU requires 80 % by 2031). Batteries last their cars, so "
        "feedstock is what limits recycled lithium: about 15 % of new batteries' lithium in "
        "2040, a third in 2050.",
        "levers": {"recycling_rate": 90.0, "lithium_recovery": 95.0},
    },
    "slow_demand_mode_shift": {
        "title": "Slow demand with mode shift",
        "notes": "EV sales grow 12 %/yr toward a 70 % ceiling while public transport, cycling "
        "and walking take 20 % of car sales by 2040. Lithium never runs short.",
        "levers": {"demand_growth": 12.0, "ev_share_ceiling": 70.0, "mode_shift": 20.0,
                   "mode_shift_year": 2040},
    },
    "sodium_ion_breakthrough": {
        "title": "Sodium-ion breakthrough",
        "notes": "Sodium-ion takes 30 % of the market by 2035 alongside LFP, with a faster "
        "learning rate (20 % per doubling, Ziegler & Trancik 2021). Made at scale, it loses "
        "its small-scale premium; lithium demand falls by a third and battery-grade "
        "manganese, which sodium-ion cathodes use, tightens.",
        "levers": {"chemistry_mix": {"LFP": 0.5, "NA_ION": 0.3, "NMC811": 0.2},
                   "chemistry_target_year": 2035, "learning_rate": 20.0},
    },
}


def main() -> None:
    folder = ROOT / "resources" / "presets"
    folder.mkdir(parents=True, exist_ok=True)
    for stem, preset in PRESETS.items():
        results = evaluate(preset["levers"])
        path = folder / f"{stem}.evx"
        scenario.save_scenario(path, results.parameters, results, title=preset["title"],
                               author=AUTHOR, notes=preset["notes"], created=CREATED)
        print(f"wrote {path.relative_to(ROOT)} ({path.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()
