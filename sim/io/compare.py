"""Scenario comparison: paired replicates of every scenario, outcomes, effects with intervals.

This module owns the comparison users run to test reforms (issue 3): each scenario is run for
replicates 0..R-1 with the same root seed, so replicate k of every scenario shares its random
numbers (each child's futures, each provider's draws); the outcomes of each run are read from
its indicators; the effect of a scenario on an outcome is the mean over replicates of its
paired difference from the baseline, with a 90% interval from Student's t over the paired
differences. Outcomes cover stability, distance, cost, sufficiency and the market, for
England, regions and the RCC pathfinder areas. Results are written atomically.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from sim.config import RunConfig
from sim.records import DAYS_PER_WEEK, DAYS_PER_YEAR

# The main job's scenarios (``experiments/compare.py`` with no ``scenarios=``; the page shows
# them as "England's eight scenarios"): policy files in configs/policy/.
MAIN_JOB_SCENARIOS = (
    "baseline",
    "rcc_pathfinders",
    "rcc_national",
    "profit_cap",
    "public_homes",
    "recruitment_hub",
    "prevention",
    "reform_package",
)
# The main job's run: England, 10 years from 31 March 2025, 3 paired replicates.
MAIN_JOB_YEARS, MAIN_JOB_REPS = 10, 3

# Outcome name -> (group, indicator it comes from or how it is derived, unit).
OUTCOMES = {
    "share_3plus_placements": ("stability", "share of CLA with 3+ placements in the year"),
    "long_term_stability": ("stability", "share of long-stay under-16s 2+ years in place"),
    "moves_per_child_year": ("stability", "placement changes per child-year looked after"),
    "share_over_20_miles_of_known": ("distance", "share of CLA placed over 20 miles"),
    "share_outside_la": ("distance", "share of CLA placed outside their LA"),
    "mean_distance_km": ("distance", "mean distance from home, km"),
    "spend_total_gbp": ("cost", "councils' total CLA spend in the year, £"),
    "cost_per_child_week": ("cost", "spend per child-week looked after, £"),
    "spend_fostering_gbp": ("cost", "foster placements paid for (in-house, agency, kinship), £"),
    "spend_residential_gbp": ("cost", "children's homes, secure homes and unregistered, £"),
    "spend_supported_gbp": ("cost", "supported accommodation, £"),
    "spend_overhead_gbp": ("cost", "councils' other costs of children in care, £"),
    "spend_rcc_gbp": ("cost", "RCC running costs, £"),
    "spend_void_gbp": ("cost", "empty block and public places paid for, £"),
    "spend_capital_gbp": ("cost", "capital on new public homes, £"),
    "spend_programme_gbp": ("cost", "programme costs (hub, prevention, support), £"),
    "spend_clawback_gbp": ("cost", "profit above a cap returned to councils (negative), £"),
    "mean_price_childrens_home_gbp_week": ("cost", "mean price paid per home place-week, £"),
    "mean_price_foster_ifa_gbp_week": ("cost", "mean price paid per IFA place-week, £"),
    "children_unregistered_in_year": ("sufficiency", "children in unregistered settings"),
    "unregistered_at_31_march": ("sufficiency", "children in unregistered settings at 31 March"),
    "children_waiting": ("sufficiency", "children waiting for a planned move at 31 March"),
    "mean_days_waiting": ("sufficiency", "mean days waited so far at 31 March"),
    "cla": ("sufficiency", "children looked after at 31 March"),
    "starts": ("sufficiency", "children starting to be looked after"),
    "childrens_homes_private_share": ("market", "share of children's homes private"),
    "private_home_margin": ("market", "private homes' operating margin"),
    "childrens_homes": ("market", "children's homes open at 31 March"),
    "homes_opened": ("market", "children's homes opened in the year"),
    "homes_closed": ("market", "children's homes closed in the year"),
    "foster_places": ("market", "in-house and IFA foster places at 31 March"),
    "children_at_10k_plus_week": ("market", "children in placements at £10,000+ a week"),
}
FAN_OUTCOMES = (
    "cla",
    "spend_total_gbp",
    "share_over_20_miles_of_known",
    "unregistered_at_31_march",
    "childrens_homes",
    "foster_places",
)


def run_one(cfg: RunConfig, rep: int) -> pd.DataFrame:
    """Run replicate ``rep`` of ``cfg`` and return its outcomes (tidy; no child-level data)."""
    from sim.io.outputs import run_replicate

    r = run_replicate(cfg, rep)
    return outcomes(r["indicators"]).assign(scenario=cfg.policy.name, rep=rep)


def outcomes(ind: pd.DataFrame) -> pd.DataFrame:
    """The comparison's outcomes (England, region, RCC areas) from a run's indicators."""
    ind = ind[ind["area_type"].isin(("england", "region", "rcc"))]
    wide = ind.pivot_table(
        index=["year", "area_type", "area"], columns="indicator", values="value", aggfunc="sum"
    )
    if "child_years" in wide:
        cy = wide["child_years"].where(wide["child_years"] > 0)
        if "placement_changes" in wide:
            wide["moves_per_child_year"] = wide["placement_changes"] / cy
        if "spend_total_gbp" in wide:
            wide["cost_per_child_week"] = wide["spend_total_gbp"] / (
                cy * DAYS_PER_YEAR / DAYS_PER_WEEK
            )
    extra = ("rcc", "void", "capital", "programme", "clawback")
    for col in [f"spend_{g}_gbp" for g in extra]:
        if col not in wide and "spend_total_gbp" in wide:
            wide[col] = np.where(wide["spend_total_gbp"].notna(), 0.0, np.nan)
    keep = [c for c in OUTCOMES if c in wide]
    out = wide[keep].stack().rename("value").reset_index()
    return out.rename(columns={"indicator": "outcome"})


def _run_job(job: tuple[RunConfig, int]) -> pd.DataFrame:
    return run_one(*job)


def run_scenarios(
    cfgs: list[RunConfig],
    reps: int,
    workers: int = 1,
    progress: Callable[[str], None] | None = None,
    executor: str | None = None,
    address: str | None = None,
) -> pd.DataFrame:
    """Every (scenario, replicate) run on ``executor``; identical for any executor and workers.

    ``executor``: ``serial``, ``joblib`` (default for several workers) or ``dask``, with
    ``address`` a running Dask cluster (``sim.executors``). ``progress``, if given, is
    called with one line as each run's outcomes come back, e.g. ``[3/24] profit_cap,
    replicate 2: done at 5 min 10 s``.
    """
    from sim.executors import ordered

    jobs = [(c, r) for c in cfgs for r in range(reps)]
    t0 = time.perf_counter()

    def report(i: int, done: int) -> None:
        if progress is not None:
            c, r = jobs[i]
            m, sec = divmod(int(time.perf_counter() - t0), 60)
            progress(
                f"[{done}/{len(jobs)}] {c.policy.name}, replicate {r}: done at {m} min {sec} s"
            )

    parts = ordered(_run_job, jobs, executor, workers, address, report)
    cols = ["scenario", "rep", "year", "area_type", "area", "outcome", "value"]
    return pd.concat(parts, ignore_index=True)[cols]


def effects(out: pd.DataFrame, baseline: str = "baseline", level: float = 0.90) -> pd.DataFrame:
    """Each scenario's paired difference from ``baseline`` per outcome, with an interval.

    Two periods: ``final_year`` (the last simulated year) and ``all_years`` (the mean over the
    years). The interval is the ``level`` Student-t interval of the mean paired difference
    over replicates (NaN with one replicate).
    """
    last = out["year"].max()
    periods = {
        "final_year": out[out["year"] == last],
        "all_years": out.groupby(
            ["scenario", "rep", "area_type", "area", "outcome"], as_index=False
        )["value"].mean(),
    }
    rows = []
    key = ["area_type", "area", "outcome", "rep"]
    for period, frame in periods.items():
        base = frame[frame["scenario"] == baseline].set_index(key)["value"]
        for scen in [s for s in frame["scenario"].unique() if s != baseline]:
            alt = frame[frame["scenario"] == scen].set_index(key)["value"]
            both = pd.concat({"b": base, "s": alt}, axis=1).dropna()
            both["d"] = both["s"] - both["b"]
            g = both.groupby(level=["area_type", "area", "outcome"])
            agg = g.agg(
                baseline=("b", "mean"),
                with_policy=("s", "mean"),
                diff=("d", "mean"),
                sd=("d", "std"),
                reps=("d", "count"),
            ).reset_index()
            t = stats.t.ppf(0.5 + level / 2, np.maximum(agg["reps"] - 1, 1))
            half = np.where(agg["reps"] > 1, t * agg["sd"] / np.sqrt(agg["reps"]), np.nan)
            agg["lo"] = agg["diff"] - half
            agg["hi"] = agg["diff"] + half
            denom = agg["baseline"].abs().where(agg["baseline"].abs() > 0)
            agg["rel_diff"] = agg["diff"] / denom
            agg["rel_lo"] = agg["lo"] / denom
            agg["rel_hi"] = agg["hi"] / denom
            agg.insert(0, "scenario", scen)
            agg.insert(0, "period", period)
            rows.append(agg.drop(columns="sd"))
    res = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame()
    if len(res):
        res["group"] = res["outcome"].map(lambda o: OUTCOMES[o][0])
    return res


def write_comparison(
    out_dir: Path,
    cfgs: list[RunConfig],
    out: pd.DataFrame,
    eff: pd.DataFrame,
    manifest: dict,
    figures: bool = True,
    extra: dict[str, str] | None = None,
) -> list[Path]:
    """Write outcomes, effects, the manifest, configs and figures into ``out_dir`` atomically.

    ``extra``: further text files by name (the HTML report), written with the rest.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    stage = out_dir / f".staging-{os.getpid()}"
    shutil.rmtree(stage, ignore_errors=True)
    stage.mkdir()
    try:
        out.to_csv(stage / "outcomes.csv", index=False)
        eff.to_csv(stage / "effects.csv", index=False)
        (stage / "manifest.json").write_text(json.dumps(manifest, indent=2))
        (stage / "configs.json").write_text(
            json.dumps({c.policy.name: asdict(c) for c in cfgs}, indent=2, default=str)
        )
        if figures:
            from sim import plots

            (stage / "figures").mkdir()
            plots.fan_charts(out, FAN_OUTCOMES, stage / "figures")
            plots.forest(eff, stage / "figures" / "forest.png")
        for name, text in (extra or {}).items():
            (stage / name).write_text(text)
        from sim.io.staging import commit_stage

        return commit_stage(stage, out_dir)
    finally:
        shutil.rmtree(stage, ignore_errors=True)
