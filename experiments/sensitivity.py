"""Global sensitivity: which assumptions drive an outcome, or a reform's effect (SALib).

python3 experiments/sensitivity.py                        # the baseline, Greater Manchester
python3 experiments/sensitivity.py scenario=rcc_pathfinders \
    outputs=spend_total_gbp,share_over_20_miles_of_known
python3 experiments/sensitivity.py scenario=profit_cap outputs=childrens_homes,foster_places
python3 experiments/sensitivity.py ranges=my_ranges.yaml method=morris trajectories=20
python3 experiments/sensitivity.py executor=dask workers=2          # or executor.address=tcp://...

Morris screening over the factors (default: every key of configs/uncertainty/assumptions.yaml
as a multiplier over two log-scale sds either way, lever strengths only for the scenario's
levers; ``ranges=`` a YAML of ``key: [lower, upper]``, ``key*`` for a multiplier), then Sobol
first- and total-order indices for the ``top`` factors screening finds (``method=morris`` stops
after screening). With ``scenario=`` the outputs are the scenario's effects: its paired
difference from the baseline, run by run, with the same factors and replicate. Outputs are the
comparison's outcomes for the whole world, mean over the years. Other overrides (``world=``,
``years=``, ``seed=``, ``params.*``) go to every run (default world=greater_manchester years=5).
Writes morris.csv/.parquet, sobol.csv/.parquet, responses_<method>.csv, figures/ and the
sweeps' Parquet datasets (<method>_runs/indicators, one partition per job) to ``out``
(default outputs/sensitivity/<time>); run again with the same ``out`` to resume.
"""

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sim.io.cli import UserError, executor_args, run_main, validate, whole_numbers  # noqa: E402

OWN = ("scenario", "outputs", "method", "trajectories", "sobol_n", "top", "ranges", "out")
DEFAULTS = {"world": "greater_manchester", "years": "5"}
DEFAULT_OUTPUTS = "spend_total_gbp,share_over_20_miles_of_known,share_3plus_placements"


def main(argv: list[str]) -> None:
    """Parse, validate, screen, then Sobol; write the tables and figures; print the ranking."""
    import dataclasses

    import numpy as np
    import pandas as pd

    from sim.config import ConfigError
    from sim.io import sweep as sw
    from sim.io.compare import OUTCOMES
    from sim.sensitivity import analysis as sa
    from sim.sensitivity.figures import ranked_bars

    executor, address, argv = executor_args(argv)
    own = {k: v for k, _, v in (a.partition("=") for a in argv) if k in OWN}
    rest = [a for a in argv if a.partition("=")[0] not in OWN]
    keys = {a.partition("=")[0] for a in rest}
    if keys & {"policy", "reps"}:
        raise UserError("use scenario= for the reform; each run is one replicate (no reps=)")
    rest += [f"{k}={v}" for k, v in DEFAULTS.items() if k not in keys]
    outputs = [o for o in own.get("outputs", DEFAULT_OUTPUTS).split(",") if o]
    for o in outputs:
        if o not in OUTCOMES:
            raise UserError(
                f"outputs: {o!r} is not an outcome; expected one of {', '.join(OUTCOMES)}"
            )
    method = own.get("method", "both")
    if method not in ("morris", "both"):
        raise UserError(f"method={method}: expected morris or both")
    nums = whole_numbers(own, {"trajectories": 10, "sobol_n": 32, "top": 3})
    if nums["sobol_n"] & (nums["sobol_n"] - 1):
        raise UserError(f"sobol_n={nums['sobol_n']}: expected a power of 2 (Sobol sequence)")
    scenario = own.get("scenario")
    base = validate([*rest, "reps=1"])
    bases = {"baseline": base}
    if scenario and scenario != "baseline":
        bases[scenario] = validate([*rest, "reps=1", f"policy={scenario}"])
    else:
        scenario = None
    policy = bases[scenario].policy if scenario else None
    try:
        if "ranges" in own:
            path = Path(own["ranges"])
            if not path.is_file():
                raise UserError(f"ranges={path}: no such file")
            factors = sa.factors_from_yaml(path.read_text(), str(path))
        else:
            factors = sa.default_factors(policy, bases[scenario] if scenario else None)
        for b in bases.values():
            sa.check(factors, b)
    except ConfigError as exc:
        raise UserError(str(exc)) from None
    out = Path(own.get("out") or Path("outputs/sensitivity") / time.strftime("%Y-%m-%d_%H-%M-%S"))
    out.mkdir(parents=True, exist_ok=True)
    scen = [*bases]
    what = f"effect of {scenario}" if scenario else "baseline"

    def run(design: str, fs, X) -> pd.DataFrame:
        group = sa.groups(design, len(fs), len(X))
        jobs = sa.jobs_for(X, fs, scen, group)
        t0 = time.perf_counter()
        try:
            res = sw.sweep(bases, jobs, out / f"{design}_runs", executor, base.workers, address)
        except ConfigError as exc:
            raise UserError(str(exc)) from None
        print(
            f"{design}: {len(jobs)} runs ({res.ran} now, {res.skipped} already done, "
            f"{len(res.failed)} failed) in {time.perf_counter() - t0:.0f} s"
        )
        if res.failed:
            raise UserError(
                f"{len(res.failed)} runs failed (listed with their values in "
                f"{out / f'{design}_runs' / 'failures.csv'}); indices need every run"
            )
        resp = sa.responses(sw.read(out / f"{design}_runs"), jobs, outputs)
        resp.to_csv(out / f"responses_{design}.csv", index=False)
        return resp

    def write(table: pd.DataFrame, name: str, rank_by: str) -> None:
        table.insert(0, "of", what)
        table.to_csv(out / f"{name}.csv", index=False)
        table.to_parquet(out / f"{name}.parquet", index=False)
        ranked_bars(table, rank_by, out / "figures", what)

    k = len(factors)
    X = sa.morris_design(factors, nums["trajectories"], base.seed)
    resp = run("morris", factors, X)
    morris = pd.concat(
        [sa.morris_indices(factors, X, sa.effect_matrix(resp, o, scenario), o, base.seed)
         for o in outputs],
        ignore_index=True,
    )  # fmt: skip
    write(morris, "morris", "mu_star")
    print(f"Morris screening ({nums['trajectories']} trajectories of {k + 1} points), {what}:")
    _print(morris[morris["index"] == "mu_star"])
    if method == "both":
        keep = sa.screened(morris, nums["top"])
        fs = [f for f in factors if f.key in keep]
        if fs:
            Xs = sa.sobol_design(fs, nums["sobol_n"], base.seed)
            resp = run("sobol", fs, Xs)
            sobol = pd.concat(
                [sa.sobol_indices(fs, sa.effect_matrix(resp, o, scenario), o, base.seed)
                 for o in outputs],
                ignore_index=True,
            )  # fmt: skip
            write(sobol, "sobol", "ST")
            print(f"Sobol indices ({nums['sobol_n']} base rows, the top {len(fs)} factors):")
            _print(sobol)
    manifest = {
        "factors": [dataclasses.asdict(f) for f in factors],
        "outputs": outputs,
        "scenario": scenario,
        "seed": base.seed,
        "world": base.world.name.value,
        "years": base.years,
        **nums,
        "finite": bool(np.isfinite(morris["value"]).all()),
    }
    import json

    (out / "manifest.json").write_text(json.dumps(manifest, indent=1))
    print(f"wrote {out}")


def _print(table) -> None:
    """The indices in words, largest first within each output."""
    import pandas as pd

    from sim.sensitivity.figures import output_words

    bounds = zip(table["lower"], table["upper"], strict=True)
    show = table.assign(interval=[f"[{lo:.3g}, {hi:.3g}]" for lo, hi in bounds])
    show = show.sort_values(["output", "index", "value"], ascending=[True, True, False])
    show["output"] = show["output"].map(output_words)
    cols = ["output", "index", "label", "value", "interval"]
    with pd.option_context("display.width", 220, "display.max_colwidth", 60):
        print(show[cols].to_string(index=False, float_format=lambda v: f"{v:.4g}"))


if __name__ == "__main__":
    run_main(main, sys.argv[1:])
