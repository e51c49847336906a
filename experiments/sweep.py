"""A parameter sweep on any executor: every combination of values, replicates, a Parquet dataset.

python3 experiments/sweep.py params.matching.radius_km=30,40,50 reps=4
python3 experiments/sweep.py policy=baseline,profit_cap policy.profit_cap.max_margin=0.06,0.1 \
    world=south_east years=5 reps=10 executor=dask workers=2
python3 experiments/sweep.py ... executor=dask executor.address=tcp://scheduler:8786

Hydra's multirun syntax (``key=a,b,c``) over numeric keys (``params.*``, ``policy.<lever>.*``) and
``policy=`` (scenarios); ``reps=N`` runs replicates 0..N-1 of every combination (replicate k shares
its random numbers across combinations: paired). Other overrides (``world=``, ``years=``, ``seed=``)
are fixed for the sweep (default world=greater_manchester). Jobs run on
``executor=serial|joblib|dask`` (default joblib), ``workers=`` processes (default 2), or a running
Dask cluster at ``executor.address=`` (on SLURM, start one with dask-jobqueue: README "Sweeps");
results are byte-identical on any. Writes ``out`` (default outputs/sweep/<time>): jobs.csv (each
job's scenario, replicate and values), indicators/job=<id>/ (Parquet, one partition per job;
``keep_la=true`` keeps each council's rows), failures.csv (failed jobs, their values and why) and
manifest.json. Run again with the same ``out`` to resume: jobs already written are skipped. Read it
in one line: ``pd.read_parquet("<out>/indicators")``.
"""

import itertools
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sim.io.cli import UserError, executor_args, run_main, validate  # noqa: E402

OWN = ("out", "keep_la", "reps")
DEFAULTS = {"world": "greater_manchester", "workers": "2"}


def parse(argv: list[str]):
    """Split into grid keys (several values), the scenarios, fixed overrides and own keys."""
    own, grid, fixed, scenarios = {}, {}, [], ["baseline"]
    for a in argv:
        key, _, value = a.partition("=")
        if key in OWN:
            own[key] = value
        elif key == "policy":
            scenarios = [s for s in value.split(",") if s]
        elif "," in value:
            if not key.startswith(("params.", "policy.")):
                raise UserError(f"{a}: a sweep varies numeric params.* or policy.* keys only")
            try:
                grid[key] = [float(v) for v in value.split(",")]
            except ValueError:
                raise UserError(f"{a}: expected numbers separated by commas") from None
        else:
            fixed.append(a)
    if len(set(scenarios)) != len(scenarios):
        raise UserError(f"policy={','.join(scenarios)}: a scenario is named twice")
    return own, grid, fixed, scenarios


def main(argv: list[str]) -> None:
    """Validate every value, then run and write the sweep."""
    from sim.config import ConfigError, set_values
    from sim.io.sweep import Job, sweep

    executor, address, argv = executor_args(argv)
    own, grid, fixed, scenarios = parse(argv)
    given = {a.partition("=")[0] for a in fixed}
    fixed += [f"{k}={v}" for k, v in DEFAULTS.items() if k not in given]
    reps_text = own.get("reps", "1")
    if not reps_text.isdigit() or int(reps_text) < 1:
        raise UserError(f"reps={reps_text}: expected a whole number of at least 1")
    if own.get("keep_la", "false") not in ("true", "false"):
        raise UserError(f"keep_la={own['keep_la']}: expected true or false")
    bases = {s: validate([*fixed, f"policy={s}", "reps=1"]) for s in scenarios}
    for key, values in grid.items():
        for v in values:
            try:
                set_values(bases[scenarios[0]], ((key, v),))
            except ConfigError as exc:
                raise UserError(f"{key}={v:g}: {exc}") from None
    combos = list(itertools.product(*grid.values())) or [()]
    jobs = []
    for s in scenarios:
        for combo in combos:
            values = tuple(zip(grid, combo, strict=True))
            for r in range(int(reps_text)):
                jobs.append(Job(len(jobs), s, r, values))
    base = bases[scenarios[0]]
    out = Path(own.get("out") or Path("outputs/sweep") / time.strftime("%Y-%m-%d_%H-%M-%S"))
    print(
        f"{len(jobs)} jobs: {len(scenarios)} scenario(s) x {len(combos)} combination(s) x "
        f"{reps_text} replicate(s), world {base.world.name.value}, {base.years} year(s)",
        file=sys.stderr,
        flush=True,
    )
    try:
        res = sweep(
            bases, jobs, out, executor or "joblib", base.workers, address,
            keep_la=own.get("keep_la") == "true",
        )  # fmt: skip
    except ConfigError as exc:
        raise UserError(str(exc)) from None
    print(
        f"{res.ran} jobs run in {res.seconds:.0f} s, {res.skipped} already done, "
        f"{len(res.failed)} failed{' (failures.csv)' if res.failed else ''}; wrote {out}"
    )
    print(f'read it with: pd.read_parquet("{out}/indicators")')


if __name__ == "__main__":
    run_main(main, sys.argv[1:])
