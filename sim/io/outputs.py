"""Running replicates and writing a run folder: tables, manifest, figures.

This module owns the run as a user sees it: build the model for each replicate (in parallel
processes when asked; results are identical for any number of workers because every replicate
seeds its own streams), turn each finished model into SSDA903 tables, the ledger, snapshots and
indicators, and write them into the run folder atomically (everything is written into a hidden
staging folder and moved into place only when complete, so a failure leaves nothing
half-written). It also writes ``manifest.json`` (code version, seed, package versions, data
vintage) and the figures.
"""

from __future__ import annotations

import gc
import json
import os
import platform
import shutil
import subprocess
import time
from concurrent.futures import wait
from dataclasses import asdict
from importlib import metadata
from pathlib import Path

import numpy as np
import pandas as pd

from sim.config import RunConfig
from sim.io import embedded
from sim.io import ssda903 as io903
from sim.io.staging import commit_stage
from sim.io.tables import write_csv, write_csv_later
from sim.metrics import indicators

DATA_VINTAGE = {
    "cla": "DfE Children looked after in England 2025 release (year to 31 March 2025)",
    "providers": "Ofsted social care providers at 31 March 2023; joiners/leavers 2022-23",
    "postcodes": "ONS Postcode Directory November 2025 (district points)",
    "spend": "MHCLG revenue outturn RO3 2024-25",
}
PACKAGES = (
    "mesa",
    "simpy",
    "numpy",
    "scipy",
    "pandas",
    "seaborn",
    "hydra-core",
    "omegaconf",
    "numba",  # the search draws acceptance uniforms through numba's Generator support
)


def world_data(cfg: RunConfig | None = None) -> dict:
    """The embedded supply tables the model is built from (and the observed extract, if any)."""
    data = {"homes": embedded.homes(), "ifas": embedded.ifas(), "home_flows": embedded.home_flows()}
    if cfg is not None and cfg.world.observed:
        data["observed"] = read_cached(cfg.world.observed, embedded.england())
    return data


_EXTRACTS: dict[str, object] = {}


def read_cached(path: str, geo):
    """Read an observed extract, keeping the last one read in this process."""
    from sim.io.read903 import read_extract

    if path not in _EXTRACTS:
        ex = read_extract(path, geo)
        _EXTRACTS.clear()
        _EXTRACTS[path] = ex
    return _EXTRACTS[path]


def run_replicate(cfg: RunConfig, rep: int) -> dict:
    """Build and run replicate ``rep``; return its tables (no file I/O)."""
    from sim import uncertainty
    from sim.model import PlacementModel

    t0 = time.perf_counter()
    cfg, draws = uncertainty.draw(cfg, rep)  # this replicate's parameters (if any are uncertain)
    model = PlacementModel(cfg, embedded.england(), world_data(cfg), rep=rep)
    t1 = time.perf_counter()
    model.run()
    t2 = time.perf_counter()
    episodes = io903.episodes_frame(model)
    header = io903.header_frame(model)
    ledger = io903.ledger_frame(model)
    snaps = io903.snapshot_rows(model)
    y0 = model.origin.year + 1
    years = list(range(y0, y0 + cfg.years))
    supply = (
        pd.concat(
            [s["supply"].assign(year=y0 + i) for i, s in enumerate(model.snapshots)],
            ignore_index=True,
        )
        if model.snapshots
        else pd.DataFrame()
    )
    if len(supply):
        supply["la"] = model.geo.code[supply["la"].to_numpy()]
        from sim.records import KIND_NAMES

        supply["kind"] = np.asarray(KIND_NAMES)[supply["kind"].to_numpy()]
    counters = {k: float(v) for k, v in model.counters.items()}
    # The model is done with once its tables are made. Its agents and the model refer to each
    # other, so only the cycle collector frees it: a national run's arrays (about 300 MB) are
    # let go before the indicators are worked out instead of after.
    del model
    gc.collect()
    ind = indicators(episodes, header, years, embedded.england(), ledger, snaps)
    return {
        "rep": rep,
        "episodes": episodes,
        "header": header,
        "ledger": ledger,
        "indicators": ind,
        "supply": supply,
        "draws": draws,
        "timing": {
            "build_s": t1 - t0,
            "run_s": t2 - t1,
            "indicators_s": time.perf_counter() - t2,
            **counters,
        },
    }


def _replicate(job: tuple[RunConfig, int]) -> dict:
    return run_replicate(*job)


def replicate_indicators(job: tuple[RunConfig, int]) -> pd.DataFrame:
    """The indicators of ``(config, replicate)``, with a ``rep`` column (a job for executors)."""
    cfg, r = job
    return run_replicate(cfg, r)["indicators"].assign(rep=r)


def run_all(cfg: RunConfig, executor: str | None = None, address: str | None = None) -> list[dict]:
    """Run every replicate, in ``cfg.workers`` processes; results in replicate order.

    ``executor``, ``address``: where they run (``sim.executors``; default joblib for
    several workers).
    """
    from sim.executors import ordered

    jobs = [(cfg, r) for r in range(cfg.reps)]
    return ordered(_replicate, jobs, executor, cfg.workers, address)


def code_version() -> str:
    """Git commit of the code (with '-dirty' for uncommitted changes), or the package version."""
    here = Path(__file__).resolve().parent
    try:
        sha = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=here,
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=here,
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.strip()
        return sha + ("-dirty" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return metadata.version("sim") if _installed("sim") else "unknown"


def _installed(name: str) -> bool:
    try:
        metadata.version(name)
        return True
    except metadata.PackageNotFoundError:
        return False


def manifest(cfg: RunConfig, results: list[dict]) -> dict:
    """What is needed to reproduce the run."""
    return {
        "code_version": code_version(),
        "seed": cfg.seed,
        "reps": cfg.reps,
        "years": cfg.years,
        "world": cfg.world.name.value,
        "policy": cfg.policy.name,
        "python": platform.python_version(),
        "packages": {p: metadata.version(p) for p in PACKAGES if _installed(p)},
        "data_vintage": DATA_VINTAGE,
        "uncertainty": {
            "spread": list(cfg.uncertainty.spread),
            "multipliers": [{"rep": r["rep"], **r.get("draws", {})} for r in results],
        },
        "timing": [r["timing"] for r in results],
    }


def write_run(
    out_dir: Path,
    cfg: RunConfig,
    results: list[dict],
    resolved_config: str = "",
    figures: bool = True,
) -> list[Path]:
    """Write every output of the run into ``out_dir`` atomically; returns the files written."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    stage = out_dir / f".staging-{os.getpid()}"
    if stage.exists():
        shutil.rmtree(stage)
    (stage / "ssda903").mkdir(parents=True)
    ledger = None  # the ledger's writing thread
    try:
        multi = len(results) > 1
        if cfg.output.ledger:
            lg = pd.concat([r["ledger"].assign(rep=r["rep"]) for r in results], ignore_index=True)
            # Compressed on a thread while this one formats the rows. zlib level 4: a national
            # run's 150 MB of ledger text compresses to 31.7 MB in 1.5 s (level 6: 29.1 MB in
            # 3.0 s, longer than the formatting, so the formatting would wait for it).
            ledger = write_csv_later(lg, stage / "ledger.csv.gz", gzip_level=4)
            del lg
        ind = pd.concat([r["indicators"].assign(rep=r["rep"]) for r in results], ignore_index=True)
        write_csv(ind, stage / "indicators.csv")
        write_csv(summarise(ind), stage / "indicators_summary.csv")
        if cfg.output.ssda903:
            for name, writer in (
                ("episodes", io903.write_episodes),
                ("header", io903.write_header),
            ):
                path = stage / "ssda903" / f"{name}.csv"
                first = True
                for r in results:
                    tmp = stage / "ssda903" / f".{name}-{r['rep']}.csv"
                    writer(r[name], tmp, rep=r["rep"] if multi else None)
                    with path.open("a") as fh, tmp.open() as src:
                        if not first:
                            src.readline()
                        shutil.copyfileobj(src, fh)
                    tmp.unlink()
                    first = False
        if cfg.output.returns:
            y0 = int(cfg.start_date[:4])
            for r in results:
                io903.write_returns(
                    r["episodes"],
                    r["header"],
                    list(range(y0 + 1, y0 + 1 + cfg.years)),
                    stage / "ssda903" / "returns" / f"rep{r['rep']}",
                )
        sup = (
            pd.concat(
                [r["supply"].assign(rep=r["rep"]) for r in results if len(r["supply"])],
                ignore_index=True,
            )
            if any(len(r["supply"]) for r in results)
            else None
        )
        if sup is not None:
            write_csv(sup, stage / "snapshots.csv")
        if cfg.world.name.value == "england" and cfg.world.scale == 1.0:
            from sim.calibration.targets import MARKET_CHECKS, check, dynamics_check

            if (ind["year"] == 2026).any():  # the first year from the 2025 start
                check(ind).to_csv(stage / "baseline_check.csv", index=False)
                check(ind, targets=MARKET_CHECKS).to_csv(stage / "market_check.csv", index=False)

            dyn = dynamics_check(ind)  # a back-cast: the years the DfE series holds
            if len(dyn):
                dyn.to_csv(stage / "dynamics_check.csv", index=False)
        (stage / "manifest.json").write_text(json.dumps(manifest(cfg, results), indent=2))
        (stage / "config.json").write_text(json.dumps(asdict(cfg), indent=2, default=str))
        if resolved_config:
            (stage / "config_resolved.yaml").write_text(resolved_config)
        if figures and cfg.output.figures:
            from sim import plots

            (stage / "figures").mkdir()
            plots.run_figures(stage, stage / "figures")
        if ledger is not None:
            ledger.result()  # raises what the writing thread raised
        return commit_stage(stage, out_dir)
    finally:
        if ledger is not None:
            wait([ledger])  # the thread is done with the staging folder before it goes
        shutil.rmtree(stage, ignore_errors=True)


def summarise(ind: pd.DataFrame) -> pd.DataFrame:
    """Mean and 90% interval of each indicator over replicates.

    The quantiles are ``Series.quantile``'s (numpy's linear method over the values present,
    NaN when none is), computed at once for the groups of each size with no value missing.
    """
    g = ind.groupby(["year", "area_type", "area", "indicator"])["value"]
    out = g.agg(mean="mean", reps="count")
    n = len(out)
    group = g.ngroup().to_numpy()
    keep = group >= 0  # rows of a group (none has a missing key)
    group = group[keep].astype(np.int64)
    values = ind["value"].to_numpy(np.float64)[keep]
    order = np.argsort(group, kind="stable")
    vals = values[order]
    sizes = np.bincount(group, minlength=n)
    starts = np.cumsum(sizes) - sizes
    missing = np.bincount(group[np.isnan(values)], minlength=n) > 0
    p05, p95 = np.full(n, np.nan), np.full(n, np.nan)
    for m in np.unique(sizes[~missing]).tolist():
        sel = np.flatnonzero((sizes == m) & ~missing)
        if m:
            block = vals[starts[sel][:, None] + np.arange(m)]
            p05[sel], p95[sel] = np.quantile(block, [0.05, 0.95], axis=1, method="linear")
    for i in np.flatnonzero(missing).tolist():
        v = vals[starts[i] : starts[i] + sizes[i]]
        v = v[~np.isnan(v)]
        if len(v):
            p05[i], p95[i] = np.quantile(v, [0.05, 0.95], method="linear")
    out.insert(1, "p05", p05)
    out.insert(2, "p95", p95)
    return out.reset_index()
