"""Run the DfE's SSDA903 validator on returns: the part of ``validate.py`` in its environment.

    <validator python> experiments/dfe_validator_worker.py JOBS.json OUT.csv

Runs inside the environment that holds ``csc-validator-be-903`` (the package councils use; it
pins pandas < 2 and numpy < 1.25, so it cannot share ours: ``validate.py`` makes that
environment and calls this script). It imports nothing from ``sim``. JOBS.json lists, for each
LA and year, the files of that return ("this year") and of the year before ("prev year"). Each
rule runs on its own copy of the return (rules 361 and 362 change the tables that later rules
read when they share one; a rule that raises is recorded as ``failed to run``, as 231 and 233
do on some returns). OUT.csv holds one row per LA, year and rule with a failure: la, year,
ruleset, code, message, rows (failing rows, every table together); no child identifier.
"""

from __future__ import annotations

import contextlib
import copy
import csv
import importlib
import io
import json
import logging
import sys
from pathlib import Path


def ruleset_of(year: int) -> str:
    """The validator's rule module for the return of the year ending 31 March ``year``."""
    available = (2023, 2024, 2025, 2026, 2027)
    y = min(max(year, available[0]), available[-1])
    return f"lac{y - 1}_{str(y)[2:]}"


def run_job(job: dict, lac_validator, datastore, ingress) -> list[dict]:
    """Every rule of the year's ruleset on one return; the rules that fail, with their rows."""
    files = [
        {"name": Path(p).name, "file_content": Path(p).read_bytes(), "description": d}
        for d, key in (("This year", "this"), ("Prev year", "prev"))
        for p in job[key]
    ]
    dfs, extra = ingress.read_from_text(raw_files=files)
    metadata = {"collectionYear": str(job["year"]), "localAuthority": job["la"], **extra}
    store = datastore.create_datastore(dfs, metadata)
    ruleset = ruleset_of(job["year"])
    registry = importlib.import_module(f"lac_validator.rules.{ruleset}").registry
    out = []
    for code, rule in registry.items():
        try:
            with contextlib.redirect_stdout(io.StringIO()):  # some rules print their tables
                result = rule.func(copy.deepcopy(store))
        except Exception as exc:  # the validator's own failures are reported, not fatal
            out.append(
                {
                    "la": job["la"],
                    "year": job["year"],
                    "ruleset": ruleset,
                    "code": str(code),
                    "message": f"failed to run ({type(exc).__name__})",
                    "rows": -1,
                }
            )
            continue
        rows = sum(len(v) for v in (result or {}).values())
        if rows:
            out.append(
                {
                    "la": job["la"],
                    "year": job["year"],
                    "ruleset": ruleset,
                    "code": str(code),
                    "message": rule.message,
                    "rows": rows,
                }
            )
    return out


def main(jobs_path: str, out_path: str) -> None:
    """Run every job of JOBS.json and write the failures to OUT.csv."""
    logging.disable(logging.CRITICAL)  # the validator logs every rule at INFO
    from lac_validator import datastore, ingress, lac_validator

    jobs = json.loads(Path(jobs_path).read_text())
    rows: list[dict] = []
    for i, job in enumerate(jobs):
        rows += run_job(job, lac_validator, datastore, ingress)
        print(f"validated {i + 1}/{len(jobs)}: {job['la']} {job['year']}", flush=True)
    with open(out_path, "w", newline="") as fh:
        w = csv.DictWriter(fh, ["la", "year", "ruleset", "code", "message", "rows"])
        w.writeheader()
        w.writerows(rows)


if __name__ == "__main__":
    main(*sys.argv[1:3])
