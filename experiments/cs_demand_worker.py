"""Data to Insight's cs-demand-model on councils' episodes, in the tool's own environment.

    <tool python> experiments/cs_demand_worker.py JOBS.json OUT.csv

The part of ``incumbent.py`` that runs inside the environment that holds ``cs-demand-model``
(the published demand model the pathfinder councils use; it pins pandas < 2, so it cannot
share ours: ``incumbent.py`` makes that environment and calls this script). It imports nothing
from ``sim``. Each job names a folder holding one council's Episodes and Header tables, a
reference window and the 31 March dates to project to; the tool estimates its transition
rates and daily entrants over the window (``ModelPredictor.from_model``) and projects day by
day from the window's end. Its population includes a "not in care" bin per age band, where
leavers accumulate: those bins are left out of the number looked after. OUT.csv: key, date,
cla (the projection), stock (the tool's own count at the window's end).
"""

from __future__ import annotations

import csv
import json
import logging
import sys
from datetime import date


def main(jobs_path: str, out_path: str) -> None:
    """Project every job of JOBS.json and write the numbers looked after to OUT.csv."""
    logging.disable(logging.CRITICAL)
    from cs_demand_model import (
        Config,
        DemandModellingDataContainer,
        ModelPredictor,
        PopulationStats,
        fs_datastore,
    )

    with open(jobs_path) as fh:
        jobs = json.load(fh)
    rows = []
    for job in jobs:
        config = Config()
        dc = DemandModellingDataContainer(fs_datastore(job["folder"]), config)
        stats = PopulationStats(dc.enriched_view, config)
        start, end = (date.fromisoformat(job[k]) for k in ("ref_start", "ref_end"))
        dates = [date.fromisoformat(d) for d in job["dates"]]
        predictor = ModelPredictor.from_model(stats, start, end)
        pop = predictor.predict((max(dates) - end).days)
        in_care = [c for c in pop.columns if "NOT_IN_CARE" not in str(c)]
        stock = float(stats.stock_at(end).sum())  # (episodes in care only)
        for d in dates:
            value = float(pop.loc[pop.index == d, in_care].sum(axis=1).iloc[0])
            rows.append({"key": job["key"], "date": d.isoformat(), "cla": value, "stock": stock})
        print(f"projected {job['key']}", flush=True)
    with open(out_path, "w", newline="") as fh:
        w = csv.DictWriter(fh, ["key", "date", "cla", "stock"])
        w.writeheader()
        w.writerows(rows)


if __name__ == "__main__":
    main(*sys.argv[1:3])
