"""Compare reform scenarios with paired replicates: effects on outcomes with 90% intervals.

python experiments/compare.py                                  # the eight scenarios, England
python experiments/compare.py scenarios=baseline,rcc_pathfinders world=greater_manchester reps=8
python experiments/compare.py years=5 reps=4 workers=2 out=outputs/compare/mine
python experiments/compare.py executor=dask executor.address=tcp://scheduler:8786 reps=30

The runs go to ``executor=serial|joblib|dask`` (default joblib for workers > 1; the results are
identical on any), ``executor.address=`` a running Dask cluster. Any other override (``params.*``,
``policy.<lever>.*`` for every scenario, ``seed``) is passed to each scenario's config. Writes
outcomes.csv, effects.csv, manifest.json, configs.json and figures/ (fan charts, forest plot) to
``out`` (default outputs/compare/<time>), with ``report=true`` also report.html (the policy page's
report: self-contained, figures embedded), and prints the England effects table.
"""

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sim.io.cli import UserError, executor_args, run_main, validate  # noqa: E402
from sim.io.compare import MAIN_JOB_REPS, MAIN_JOB_SCENARIOS, MAIN_JOB_YEARS  # noqa: E402

# Defaults of the comparison (the main job): 10 years, 3 paired replicates, 2 processes.
DEFAULTS = {"years": str(MAIN_JOB_YEARS), "reps": str(MAIN_JOB_REPS), "workers": "2"}
TABLE = [
    "share_3plus_placements",
    "moves_per_child_year",
    "share_over_20_miles_of_known",
    "spend_total_gbp",
    "cost_per_child_week",
    "unregistered_at_31_march",
    "childrens_homes",
    "foster_places",
    "private_home_margin",
]


def parse(argv: list[str]) -> tuple[list[str], Path, list[str], bool]:
    """Split the command line into scenarios, output folder, config overrides and ``report``."""
    scenarios, out, rest, report = list(MAIN_JOB_SCENARIOS), None, [], False
    seen = set()
    for a in argv:
        key, _, value = a.partition("=")
        if key == "scenarios":
            scenarios = [s for s in value.split(",") if s]
        elif key == "out":
            out = Path(value)
        elif key == "report":
            if value not in ("true", "false"):
                raise UserError(f"report={value!r}: expected true or false")
            report = value == "true"
        elif key == "policy":
            raise UserError("use scenarios=a,b,... (each is a policy file) instead of policy=")
        else:
            rest.append(a)
            seen.add(key)
    rest += [f"{k}={v}" for k, v in DEFAULTS.items() if k not in seen]
    if "baseline" not in scenarios:
        scenarios.insert(0, "baseline")
    if len(set(scenarios)) != len(scenarios):
        raise UserError(f"scenarios={','.join(scenarios)}: a scenario is named twice")
    out = out or Path("outputs/compare") / time.strftime("%Y-%m-%d_%H-%M-%S")
    return scenarios, out, rest, report


def main(argv: list[str]) -> None:
    """Validate everything, run every scenario and replicate, write and print the results."""
    import dataclasses

    import pandas as pd

    from sim import uncertainty
    from sim.io.compare import effects, run_scenarios, write_comparison
    from sim.io.outputs import code_version

    executor, address, argv = executor_args(argv)
    scenarios, out, rest, report = parse(argv)
    cfgs = [validate([f"policy={s}", *rest]) for s in scenarios]
    cfgs = [
        dataclasses.replace(c, policy=dataclasses.replace(c.policy, name=s))
        for c, s in zip(cfgs, scenarios, strict=True)
    ]
    base = cfgs[0]
    t0 = time.perf_counter()
    print(
        f"{len(scenarios)} scenarios x {base.reps} replicates, {base.years} year(s), "
        f"world {base.world.name.value}, {base.workers} processes",
        file=sys.stderr,
        flush=True,
    )
    res = run_scenarios(
        cfgs,
        base.reps,
        base.workers,
        progress=lambda s: print(s, file=sys.stderr, flush=True),
        executor=executor,
        address=address,
    )
    eff = effects(res)
    manifest = {
        "code_version": code_version(),
        "scenarios": scenarios,
        "seed": base.seed,
        "reps": base.reps,
        "years": base.years,
        "world": base.world.name.value,
        "overrides": rest,
        "wall_s": round(time.perf_counter() - t0, 1),
        "pairing": "replicate k of every scenario shares the root seed and replicate number",
        "uncertainty": {
            "spread": list(base.uncertainty.spread),
            "multipliers": [{"rep": r, **uncertainty.draw(base, r)[1]} for r in range(base.reps)],
        },
    }
    extra = {}
    if report:  # the same report the policy page downloads
        from sim.page.report import html_report

        meta = {
            "world": manifest["world"],
            "years": manifest["years"],
            "replicates": manifest["reps"],
            "seed": manifest["seed"],
            "code version": manifest["code_version"],
        }
        extra["report.html"] = html_report(res, eff, meta)
    files = write_comparison(out, cfgs, res, eff, manifest, extra=extra)
    e = eff[(eff["area_type"] == "england") & (eff["period"] == "all_years")]
    e = e[e["outcome"].isin(TABLE)]
    if len(e):
        e = e.assign(
            effect=[
                f"{d:+,.3g} [{lo:+,.3g}, {hi:+,.3g}]"
                for d, lo, hi in zip(e["diff"], e["lo"], e["hi"], strict=True)
            ]
        )
        table = e.pivot(index="outcome", columns="scenario", values="effect").reindex(TABLE)
        with pd.option_context("display.width", 250, "display.max_colwidth", 40):
            print("England, mean over the years: difference from baseline [90% interval]")
            print(table.dropna(how="all").to_string())
    print(f"wrote {len(files)} files to {out}")


if __name__ == "__main__":
    run_main(main, sys.argv[1:])
