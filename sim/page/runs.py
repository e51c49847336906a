"""The page's runs: a scenario and its baseline in a process of their own, with progress.

This module owns how the page runs the model without blocking it: each run is a separate
process (``start``) that reports each replicate as it finishes on a queue (``poll``) and can
be stopped (``cancel``); two browser tabs run two processes. Outcomes are cached on disk by
what determines them (world, years, replicates, seed, uncertainty and the scenario's levers),
so the baseline of a world is run once and a scenario seen before opens at once. A scenario's
replicate k is paired with the baseline's replicate k (the same seed and replicate number:
common random numbers), so cached baselines pair with new scenarios as in one comparison.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import multiprocessing as mp
import os
import queue as queue_mod
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from sim.config import PolicyConfig, RunConfig

# Where outcomes are cached (``SIM_PAGE_CACHE`` to put them elsewhere).
BASELINE = PolicyConfig(name="baseline")  # no lever on
CACHE_DIR = Path(os.environ.get("SIM_PAGE_CACHE", Path.home() / ".cache" / "sim-page"))


@functools.cache
def code_hash() -> str:
    """A hash of the model's code and embedded data (``sim/``).

    Part of the cache key, so that outcomes cached by other code are not reused.
    """
    root = Path(__file__).resolve().parents[1]
    h = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if path.suffix in (".py", ".csv") and "__pycache__" not in path.parts:
            h.update(str(path.relative_to(root)).encode())
            h.update(path.read_bytes())
    return h.hexdigest()[:16]


def cache_key(cfg: RunConfig, policy: PolicyConfig) -> str:
    """The outcomes' key: what determines them (not the scenario's name), and the code."""
    what = {
        "code": code_hash(),
        "world": dataclasses.asdict(cfg.world),
        "years": cfg.years,
        "reps": cfg.reps,
        "seed": cfg.seed,
        "start_date": cfg.start_date,
        "uncertainty": dataclasses.asdict(cfg.uncertainty),
        "params": dataclasses.asdict(cfg.params),
        "policy": {k: v for k, v in dataclasses.asdict(policy).items() if k != "name"},
    }
    blob = json.dumps(what, sort_keys=True, default=str).encode()
    return hashlib.sha256(blob).hexdigest()[:20]


def cached(cfg: RunConfig, policy: PolicyConfig, cache_dir: Path | None = None) -> Path:
    """Where the outcomes of ``policy`` on ``cfg``'s world are (or will be) kept."""
    return Path(cache_dir or CACHE_DIR) / f"{cache_key(cfg, policy)}.parquet"


def _orphan_watch(parent: int) -> None:  # pragma: no cover - a thread of the run's process
    """End this run's process if the page server that started it has gone (even if killed)."""
    import time

    while os.getppid() == parent:
        time.sleep(1.0)
    os._exit(0)


def _work(cfgs: list[RunConfig], paths: list[str], q) -> None:  # pragma: no cover - a process
    """Run each config not yet cached (replicates in order), reporting each replicate."""
    import threading

    threading.Thread(target=_orphan_watch, args=(os.getppid(),), daemon=True).start()
    try:
        total = sum(c.reps for c, p in zip(cfgs, paths, strict=True) if not Path(p).exists())
        done = 0
        for c, p in zip(cfgs, paths, strict=True):
            if Path(p).exists():
                continue
            parts = []
            for r in range(c.reps):
                parts.append(run_with_councils(c, r))
                done += 1
                q.put(("progress", done, total, f"{c.policy.name}, replicate {r + 1}"))
            out = pd.concat(parts, ignore_index=True)
            Path(p).parent.mkdir(parents=True, exist_ok=True)
            tmp = Path(p).with_suffix(".part")
            out.to_parquet(tmp, index=False)
            tmp.replace(p)  # whole or not at all
        q.put(("done", done, total, ""))
    except Exception as exc:  # reported to the page, one line
        q.put(("error", 0, 0, f"{type(exc).__name__}: {exc}"))


# Council-level outcomes the page maps (the comparison's outcomes are England, region, RCC).
COUNCIL_OUTCOMES = (
    "share_over_20_miles_of_known",
    "share_outside_la",
    "share_3plus_placements",
    "long_term_stability",
    "spend_total_gbp",
    "cla",
)


def run_with_councils(cfg: RunConfig, rep: int) -> pd.DataFrame:
    """Replicate ``rep``'s outcomes: the comparison's, and each council's for the map.

    The comparison's are ``sim.io.compare.run_one``'s rows; each council's (area type ``la``)
    are ``COUNCIL_OUTCOMES``.
    """
    from sim.io.compare import outcomes as comparison_outcomes
    from sim.io.outputs import run_replicate

    ind = run_replicate(cfg, rep)["indicators"]
    main = comparison_outcomes(ind).assign(scenario=cfg.policy.name, rep=rep)
    la = ind[(ind["area_type"] == "la") & ind["indicator"].isin(COUNCIL_OUTCOMES)]
    la = la.rename(columns={"indicator": "outcome"}).assign(scenario=cfg.policy.name, rep=rep)
    return pd.concat([main, la[main.columns]], ignore_index=True)


@dataclass
class Job:
    """A run in progress: its process, queue and what it has reported."""

    cfgs: list[RunConfig]
    paths: list[Path]
    process: mp.process.BaseProcess | None
    queue: object
    done: int = 0
    total: int = 0
    last: str = ""
    error: str = ""
    finished: bool = False
    cancelled: bool = False
    lines: list[str] = field(default_factory=list)


def main_job() -> tuple[RunConfig, list[PolicyConfig]]:
    """The main job's world and scenarios (``experiments/compare.py`` with its defaults)."""
    from sim.config import WorldConfig, WorldName
    from sim.io.compare import MAIN_JOB_REPS, MAIN_JOB_SCENARIOS, MAIN_JOB_YEARS
    from sim.page import scenario

    cfg = RunConfig(
        world=WorldConfig(name=WorldName.england), years=MAIN_JOB_YEARS, reps=MAIN_JOB_REPS
    )
    files = [scenario.POLICY_DIR / f"{n}.yaml" for n in MAIN_JOB_SCENARIOS if n != "baseline"]
    return cfg, [scenario.from_yaml(f.read_text(), str(f)) for f in files]


def start(cfg: RunConfig, *policies: PolicyConfig, cache_dir: Path | None = None) -> Job:
    """Start the baseline and each of ``policies`` on ``cfg``'s world in a process.

    Those already cached are not run again.
    """
    chosen = [BASELINE, *(p for p in policies if p.name != "baseline")]
    cfgs = [dataclasses.replace(cfg, policy=p) for p in chosen]
    paths = [cached(cfg, p, cache_dir) for p in chosen]
    ctx = mp.get_context("spawn")
    q = ctx.Queue()
    job = Job(cfgs, paths, None, q)
    if all(p.exists() for p in paths):
        job.finished = True
        return job
    job.process = ctx.Process(target=_work, args=(cfgs, [str(p) for p in paths], q), daemon=True)
    job.process.start()
    return job


def poll(job: Job) -> Job:
    """Read what the run has reported since the last poll."""
    while True:
        try:
            what, done, total, text = job.queue.get_nowait()
        except queue_mod.Empty:
            break
        if what == "progress":
            job.done, job.total, job.last = done, total, text
            job.lines.append(text)
        elif what == "done":
            job.finished = True
        elif what == "error":
            job.error, job.finished = text, True
    if not job.finished and job.process is not None and not job.process.is_alive():
        job.error = job.error or "the run stopped without a result"
        job.finished = True
    return job


def cancel(job: Job) -> None:
    """Stop the run; what it finished stays cached, the rest is not written."""
    if job.process is not None and job.process.is_alive():
        job.process.terminate()
        job.process.join(5)
    job.cancelled = job.finished = True


def outcomes(job: Job) -> pd.DataFrame:
    """The finished run's outcomes (``scenario``, ``rep``, ``year``, ...), both scenarios."""
    parts = []
    for c, p in zip(job.cfgs, job.paths, strict=True):
        parts.append(pd.read_parquet(p).assign(scenario=c.policy.name))
    return pd.concat(parts, ignore_index=True)
