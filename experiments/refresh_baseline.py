"""Refresh the saved regression baseline of the tiny world's KPIs (only on purpose).

    python experiments/refresh_baseline.py

Writes tests/baseline_tiny.json: England-level indicators of the tiny world (seed 1, 2 years).
Run it when a change to the model is meant to change results, and say so in the commit.
"""

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

KPIS = [
    "cla",
    "starts",
    "ceased",
    "placement_changes",
    "new_placements",
    "cla_3plus_placements",
    "long_term_stability",
    "placed_over_20_miles",
    "placed_outside_la",
    "spend_total_gbp",
    "cla_place_foster",
    "cla_place_homes_secure",
    "children_unregistered_in_year",
]


def kpis() -> dict:
    from sim.config import RunConfig, WorldConfig, WorldName
    from sim.io.outputs import run_replicate

    world = WorldConfig(name=WorldName.tiny, las=["E08000002", "E08000009", "E08000007"], scale=0.2)
    ind = run_replicate(RunConfig(world=world, years=2, seed=1), 0)["indicators"]
    e = ind[(ind["area_type"] == "england") & ind["indicator"].isin(KPIS)]
    return {f"{int(r.year)}:{r.indicator}": float(r.value) for r in e.itertuples()}


if __name__ == "__main__":
    path = ROOT / "tests" / "baseline_tiny.json"
    path.write_text(json.dumps(kpis(), indent=1, sort_keys=True) + "\n")
    print(f"wrote {path}")
