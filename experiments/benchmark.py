"""Benchmark: one national and one Greater Manchester run of 10 years, each in a fresh process.

    python experiments/benchmark.py [--years 10] [--worlds england greater_manchester]
    python experiments/benchmark.py --phases            # and the time in each phase of a day
    python experiments/benchmark.py --cold-only         # without the second, warm run
    python experiments/benchmark.py --observed PATH     # reading and scoring an extract
    python experiments/benchmark.py --cli --cold         # the whole command, from outside
    python experiments/benchmark.py --sweep 200 --years 1 # a sweep's executors and overhead

Prints wall time (build and run), peak memory (max RSS), events and matches per second and simulated
child-years per second, then the wall time of the same run again in the same process, as a sweep's
worker runs every job after its first (compiled code loaded, data read). Targets (docs/design.md
§7): national <= 15 s and 1.5 GB on 2 cores; Greater Manchester about 1 s, "so that a 1,000-run
regional sweep takes minutes". With ``--phases`` it also prints the seconds spent in each phase of
the model's clock (they do not nest) and, within them: the compiled call for a run of days (entries,
events, the urgent round), the entrants' Mesa agents and header rows, the leavers' agents removed,
the planned round's search and its vacancy index (timed by wrappers, which add about 0.3 us a call).
With ``--observed`` it times the observed-data path instead: reading and cleaning the extract, its
indicators, the stock-and-flow fit and projection (200 draws) and writing it back as returns.

With ``--cli`` it times what a user waits for: the whole ``experiments/run.py`` command
(start-up, build, run, indicators, writing every table and figure), measured from outside
the process, twice with the compile cache in place, and with ``--cold`` once more for the
tiny world with an empty compile cache (a fresh clone's first run), against the targets in
``CLI_TARGETS``.

With ``--sweep N`` it runs ``experiments/sweep.py`` with N Greater Manchester jobs (replicates
0..N-1, ``--years`` each) on 2 workers with each executor, timed from outside (a fresh output
folder each time), and one job in this process twice (the second is a worker's later job);
the executor's overhead per job is ``wall x 2 / N`` less that job's own time.
"""

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


# The model's phases (``PlacementModel`` methods called by the clock; they do not nest), then
# parts that run within them: (owner, attribute, label). Only functions called from Python are
# wrapped: a compiled kernel calling a wrapped one would fail to compile.
PHASES = [
    ("model", "run_days", "the days: entries, events, urgent round"),
    ("model", "match_planned", "weekly planned round"),
    ("model", "supply_step", "monthly supply"),
    ("model", "price_step", "monthly prices"),
    ("model", "year_end_step", "year end"),
    ("model", "finish", "finish"),
    ("engine", "run_days", "within: compiled days"),
    ("model_module", "record_entrants", "within: entrants' agents and header rows"),
    ("model_module", "after_events", "within: leavers' and transfers' agents"),
    ("model", "search_and_place", "within: planned search and placements"),
    ("supply", "vacancy_index", "within: vacancy index of the planned round"),
]


def _instrument() -> tuple[dict[str, float], list]:
    """Wrap the phases of ``PHASES`` with timers.

    Returns:
        The seconds accumulated by label, and the (owner, name, original) to put back.
    """
    from sim import engine, model
    from sim.agents.supply import SupplyRegistry

    owners = {
        "model": model.PlacementModel,
        "engine": engine,
        "supply": SupplyRegistry,
        "model_module": model,  # names the model imported (``record_entrants``)
    }
    spent = {label: 0.0 for _, _, label in PHASES}
    originals = []

    def wrap(owner, name: str, label: str) -> None:
        f = getattr(owner, name)
        originals.append((owner, name, f))

        def timed(*args, **kwargs):
            t = time.perf_counter()
            try:
                return f(*args, **kwargs)
            finally:
                spent[label] += time.perf_counter() - t

        setattr(owner, name, timed)

    for owner, name, label in PHASES:
        wrap(owners[owner], name, label)
    return spent, originals


def one(world: str, years: int, seed: int, phases: bool = False, warm: bool = False) -> dict:
    """Build and run one world; its timings and rates (and, with ``phases``, seconds by phase).

    With ``warm``, the same run is built and run a second time in the same process, as every
    run after the first in a sweep's worker: no compiled code to load, the data read.
    """
    spent, originals = _instrument() if phases else (None, [])
    try:
        r = _timed(world, years, seed, spent)
    finally:
        for owner, name, f in originals:
            setattr(owner, name, f)
    if warm:
        again = _timed(world, years, seed, None)
        r.update(warm_build_s=again["build_s"], warm_run_s=again["run_s"])
        r["warm_total_s"] = again["total_s"]
    return r


def _timed(world: str, years: int, seed: int, spent: dict | None) -> dict:
    from sim.config import RunConfig, WorldConfig, WorldName
    from sim.io import embedded
    from sim.io.outputs import world_data
    from sim.model import PlacementModel

    geo, data = embedded.england(), world_data()
    t0 = time.perf_counter()
    m = PlacementModel(
        RunConfig(world=WorldConfig(name=WorldName(world)), years=years, seed=seed), geo, data
    )
    if spent is not None:  # the run's phases only (building the world prices and places too)
        for label in spent:
            spent[label] = 0.0
    t1 = time.perf_counter()
    m.run()
    t2 = time.perf_counter()
    c = m.counters
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "world": world,
        "years": years,
        "build_s": t1 - t0,
        "run_s": t2 - t1,
        "total_s": t2 - t0,
        "peak_rss_mb": rss_mb,
        "events": c["events"],
        "matches": c["matches"],
        "events_per_s": c["events"] / (t2 - t1),
        "matches_per_s": c["matches"] / (t2 - t1),
        "child_years_per_s": c["child_days"] / 365.25 / (t2 - t1),
        "children_start": None,
        "episodes": len(m.episodes),
        "phases": spent,
    }


# Whole-process targets (the issue "Legible mechanisms"): seconds and MB a user waits for.
CLI_TARGETS = {
    "england": (15.0, 1024.0),
    "greater_manchester": (2.0, None),
    "tiny, empty compile cache": (20.0, None),
}
# Runs the command and reports its wall time and peak memory (the only child of this wrapper).
_WRAPPER = (
    "import resource, subprocess, sys, time\n"
    "t = time.perf_counter()\n"
    "r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)\n"
    "s = time.perf_counter() - t\n"
    "if r.returncode:\n"
    "    sys.exit(r.stderr.decode()[-2000:])\n"
    "print(s, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)\n"
)


def whole_process(world: str, years: int, seed: int, cache_base: str | None = None) -> tuple:
    """Wall seconds and peak MB of ``experiments/run.py`` for one world, from outside.

    The run writes every output (episodes, ledger, indicators, figures) to a temporary folder.
    ``cache_base``: a compile-cache folder to use instead of the user's (empty: a cold start).
    """
    import os
    import tempfile

    env = dict(os.environ)
    if cache_base is not None:
        env["SIM_NUMBA_CACHE_BASE"] = cache_base
        env.pop("NUMBA_CACHE_DIR", None)
    run = Path(__file__).resolve().parent / "run.py"
    with tempfile.TemporaryDirectory() as out:
        args = [f"world={world}", f"years={years}", f"seed={seed}", f"hydra.run.dir={out}"]
        r = subprocess.run(
            [sys.executable, "-c", _WRAPPER, sys.executable, str(run), *args],
            capture_output=True,
            text=True,
            env=env,
            check=True,
        )
    sec, mb = r.stdout.split()
    return float(sec), float(mb)


def cli(worlds: list[str], years: int, seed: int, cold: bool) -> None:
    """Time the whole command for each world (warm cache, twice), and a cold first run."""
    import tempfile

    rows = []
    for w in worlds:
        whole_process(w, years, seed)  # fills the compile cache if it was empty
        for _ in range(2):
            rows.append((f"{w}, {years} years", w, *whole_process(w, years, seed)))
    if cold:
        with tempfile.TemporaryDirectory() as cache:
            sec, mb = whole_process("tiny", 2, seed, cache_base=cache)
        rows.append(("tiny, 2 years, empty compile cache", "tiny, empty compile cache", sec, mb))
    print(f"{'whole command (experiments/run.py)':>42}  {'seconds':>8}  {'peak MB':>8}  target")
    for label, key, sec, mb in rows:
        target = CLI_TARGETS.get(key)
        want = ""
        if target is not None:
            ok = sec <= target[0] and (target[1] is None or mb <= target[1])
            want = f"<= {target[0]:g} s" + (f", <= {target[1]:g} MB" if target[1] else "")
            want += "  met" if ok else "  NOT met"
        print(f"{label:>42}  {sec:8.2f}  {mb:8.0f}  {want}")


def observed(path: str) -> None:
    """Time each step of the observed-data path on the extract at ``path``."""
    import tempfile

    import pandas as pd

    from sim import stockflow
    from sim.io import embedded
    from sim.io import ssda903 as io903
    from sim.io.read903 import read_extract
    from sim.metrics import indicators

    geo = embedded.england()
    t = [time.perf_counter()]
    ex = read_extract(path, geo)
    t.append(time.perf_counter())
    indicators(ex.episodes, ex.header, ex.years, geo)
    t.append(time.perf_counter())
    end = pd.Timestamp(ex.years[-1] - 1, 3, 31)
    stockflow.fit_and_project(
        ex.episodes, ex.header, end - pd.DateOffset(years=1) + pd.Timedelta(days=1), end, 1, 200
    )
    t.append(time.perf_counter())
    with tempfile.TemporaryDirectory() as d:
        io903.write_returns(ex.episodes, ex.header, ex.years, d)
    t.append(time.perf_counter())
    n = len(ex.episodes)
    print(f"extract: {len(ex.files)} files, {n:,} clean episodes, years {ex.years}")
    for name, a, b in zip(
        ["read and clean", "indicators (all years)", "stock and flow (200 draws)", "write returns"],
        t[:-1],
        t[1:],
        strict=True,
    ):
        print(f"{name:>28}: {b - a:7.2f} s")


def sweep_bench(jobs: int, years: int, seed: int) -> None:
    """Each executor's wall time for ``jobs`` GM jobs on 2 workers, and its overhead per job."""
    import tempfile

    from sim.io.cli import validate
    from sim.io.outputs import run_replicate

    cfg = validate(["world=greater_manchester", f"years={years}", f"seed={seed}"])
    run_replicate(cfg, 0)
    t = time.perf_counter()
    run_replicate(cfg, 1)
    job_s = time.perf_counter() - t
    print(f"one job in this process (warm): {job_s:.2f} s")
    script = str(Path(__file__).resolve().parent / "sweep.py")
    for executor in ("joblib", "dask"):
        with tempfile.TemporaryDirectory() as d:
            cmd = [
                sys.executable, "-c", _WRAPPER, sys.executable, script, f"reps={jobs}",
                f"years={years}", f"seed={seed}", f"executor={executor}", "workers=2",
                f"out={d}/sweep",
            ]  # fmt: skip
            r = subprocess.run(cmd, capture_output=True, text=True, check=True)
            wall = float(r.stdout.split()[0])
        per_job = wall * 2 / jobs
        print(
            f"{executor:>7}: {jobs} jobs in {wall:.1f} s from outside ({wall * 1000 / jobs:.0f} s "
            f"for 1,000); {per_job:.2f} core-s a job, overhead {per_job - job_s:+.2f} s "
            f"({(per_job - job_s) / job_s:+.0%} of a job)"
        )


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--years", type=int, default=10)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--worlds", nargs="+", default=["england", "greater_manchester"])
    p.add_argument("--one", help=argparse.SUPPRESS)
    p.add_argument("--observed", help="time the observed-data path on this extract")
    p.add_argument(
        "--cli",
        action="store_true",
        help="time the whole command (experiments/run.py) from outside, warm, against targets",
    )
    p.add_argument(
        "--cold", action="store_true", help="with --cli: also a first run with no compile cache"
    )
    p.add_argument("--phases", action="store_true", help="also time each phase of the day")
    p.add_argument(
        "--cold-only",
        action="store_true",
        help="skip the second run in the same process (a sweep worker's later runs)",
    )
    p.add_argument("--sweep", type=int, help="time a sweep of this many GM jobs per executor")
    a = p.parse_args()
    if a.sweep:
        sweep_bench(a.sweep, a.years, a.seed)
        return
    if a.observed:
        observed(a.observed)
        return
    if a.cli:
        cli(a.worlds, a.years, a.seed, a.cold)
        return
    if a.one:
        print(json.dumps(one(a.one, a.years, a.seed, a.phases, warm=not a.cold_only)))
        return
    rows = []
    for w in a.worlds:
        out = subprocess.run(
            [sys.executable, __file__, "--one", w, "--years", str(a.years), "--seed", str(a.seed)]
            + (["--phases"] if a.phases else [])
            + (["--cold-only"] if a.cold_only else []),
            capture_output=True,
            text=True,
            check=True,
        )
        rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
    cols = [
        "world",
        "years",
        "build_s",
        "run_s",
        "total_s",
        "peak_rss_mb",
        "events_per_s",
        "matches_per_s",
        "child_years_per_s",
    ]
    print("  ".join(f"{c:>17}" for c in cols))
    for r in rows:
        print(
            "  ".join(f"{r[c]:>17.1f}" if isinstance(r[c], float) else f"{r[c]:>17}" for c in cols)
        )
    if not a.cold_only:
        print("\nThe same run again in the same process (every later run of a sweep's worker):")
        for r in rows:
            per_core_hour = 3600 / r["warm_total_s"]
            print(
                f"{r['world']:>18}: build {r['warm_build_s']:.2f} s + run {r['warm_run_s']:.2f} s"
                f" = {r['warm_total_s']:.2f} s; {per_core_hour:,.0f} runs an hour per core"
            )
    for r in rows:
        if r["phases"]:
            print(f"\n{r['world']}, {r['years']} years: seconds in each phase (share of the run)")
            width = max(map(len, r["phases"]))
            for label, sec in r["phases"].items():
                print(f"{label:>{width}}: {sec:7.2f}  ({sec / r['run_s']:4.0%})")


if __name__ == "__main__":
    main()
