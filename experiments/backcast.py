"""Back-cast: start from an earlier date of an observed extract, run to its end, and score.

python experiments/backcast.py observed=PATH                      # from its first 31 March
python experiments/backcast.py observed=PATH start_date=2022-03-31 reps=8 draws=500
python experiments/backcast.py observed=PATH incumbent=true   # and cs-demand-model's CLA

The agent-based model starts from the extract's children at ``start_date`` (see
``world.observed``) and runs replicates to the extract's end; the stock-and-flow comparator is
fitted on the year to ``start_date`` and projected with posterior draws. Both are scored
against the extract's indicators for each year after ``start_date``. Writes backcast.csv
(observed, each method's mean and 90% interval, error, coverage; observed counts under 5
suppressed), backcast_summary.csv (mean absolute % error, or points for shares, and coverage
per method and indicator), figures/backcast.png and manifest.json to ``out`` (default
outputs/backcast/<time>). With ``incumbent=true`` Data to Insight's cs-demand-model (the tool the
councils use, ``experiments/incumbent.py``) is fitted on the same window and its projected
children looked after are scored beside them (method ``cs_demand_model``: each council's, and
their sum for the world; a point projection, so no interval). Other overrides (``seed=``,
``params.*``, ``world=``) go to the run.
"""

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from sim.io.cli import UserError, executor_args, observed_overrides, run_main, validate  # noqa: E402

OWN = ("observed", "reps", "draws", "workers", "out", "fit_years", "incumbent")


def main(argv: list[str]) -> None:
    """Run both methods from the start date and score them against what happened."""
    executor, address, argv = executor_args(argv)
    import json

    import pandas as pd

    from sim.calibration import evaluate as ev
    from sim.io import embedded
    from sim.io.outputs import code_version, read_cached
    from sim.io.staging import Staged
    from sim.metrics import indicators

    own = {k: v for k, _, v in (a.partition("=") for a in argv) if k in OWN}
    rest = [a for a in argv if a.partition("=")[0] not in OWN]
    if "observed" not in own:
        raise UserError("observed=PATH is required (an SSDA903 extract of several years)")
    try:
        reps, draws = int(own.get("reps", "4")), int(own.get("draws", "200"))
        workers, fit_years = int(own.get("workers", "2")), int(own.get("fit_years", "1"))
    except ValueError:
        raise UserError("reps, draws, workers and fit_years must be whole numbers") from None
    out = Path(own.get("out") or Path("outputs/backcast") / time.strftime("%Y-%m-%d_%H-%M-%S"))
    geo = embedded.england()
    ex = read_cached(own["observed"], geo)
    extra, start, years = observed_overrides(own["observed"], ex, rest)
    cfg = validate(rest + extra)
    t0 = time.perf_counter()
    codes = sorted(set(ex.episodes["LA"]) & set(geo.code[i] for i in _sim_las(cfg, geo)))
    abm = ev.run_reps(cfg, reps, workers, executor, address)
    sf = ev.stockflow_reps(
        ex, geo, codes, pd.Timestamp(start), len(years), draws, cfg.seed, fit_years
    )
    obs = indicators(ex.episodes, ex.header, years, geo)
    methods = {"agent_based": abm, "stock_and_flow": sf}
    if own.get("incumbent", "false").lower() == "true":
        from incumbent import as_runs

        methods["cs_demand_model"] = as_runs(
            ex, start, len(years), fit_years, codes, ("england", "England")
        )
    scored = ev.score(obs, methods, years)
    summ = ev.summary(scored)
    st = Staged(out, figures=True)
    with st as stage:
        scored.to_csv(stage / "backcast.csv", index=False)
        summ.to_csv(stage / "backcast_summary.csv", index=False)
        ev.backcast_figure(scored, stage / "figures" / "backcast.png")
        manifest = {
            "code_version": code_version(),
            "start_date": start,
            "years_scored": years,
            "reps": reps,
            "draws": draws,
            "fit_years": fit_years,
            "seed": cfg.seed,
            "las": len(codes),
            "wall_s": round(time.perf_counter() - t0, 1),
        }
        (stage / "manifest.json").write_text(json.dumps(manifest, indent=2))
    files = st.files
    s = summ[summ["area_type"] == "england"]
    table = s.pivot_table(
        index="indicator",
        columns="method",
        values=["mean_abs_pct_error", "mean_abs_points_error", "coverage"],
    )
    with pd.option_context("display.width", 200):
        print(f"back-cast from {start}, scored on {years[0]}-{years[-1]} (all LAs of the world)")
        print(table.round(2).to_string())
    print(f"wrote {len(files)} files to {out}")


def _sim_las(cfg, geo):
    from sim.world.build import simulated_las

    return simulated_las(cfg.world, geo)


if __name__ == "__main__":
    run_main(main, sys.argv[1:])
