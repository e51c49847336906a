"""Evaluate an RCC pathfinder: observed before and after go-live, and the model with and without.

python experiments/evaluate_pathfinder.py observed=PATH                       # GM, live 2025-06-01
python experiments/evaluate_pathfinder.py observed=PATH rcc=south_east go_live=2025-06-01 reps=8

For the pathfinder's LAs (``rcc=greater_manchester`` or ``south_east``), the model starts from
the extract's children at the last 31 March before ``go_live`` (or ``start_date=``) and runs to
the extract's end twice with paired replicates: factual (the RCC from ``go_live``, policy
``rcc_pathfinders`` for this RCC) and counterfactual (``baseline``). The stock-and-flow
comparator is fitted on the year before the start and projected. Writes evaluation.csv (per
year, LA and RCC: period before/after, observed, each method's mean and 90% interval, and the
RCC's paired effect with its interval), evaluation_scores.csv and evaluation_summary.csv
(errors and interval coverage after go-live), figures/ and manifest.json to ``out`` (default
outputs/evaluation/<time>). Observed counts under 5 are suppressed; no child-level data is
written. With ``incumbent=true`` Data to Insight's cs-demand-model (``experiments/incumbent.py``)
is fitted on the same year and its projected children looked after shown beside them
(``cs_demand_model_mean``, each council's and the RCC's sum). Other overrides (``seed=``,
``params.*``, ``policy.pooled_commissioning.*``) go to both runs.
"""

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from sim.io.cli import UserError, executor_args, observed_overrides, run_main, validate  # noqa: E402

OWN = ("observed", "rcc", "go_live", "reps", "draws", "workers", "out", "incumbent")
RCCS = ("greater_manchester", "south_east")
HEADLINE = [
    "cla",
    "starts",
    "placement_changes",
    "share_place_foster",
    "share_over_20_miles_of_known",
    "share_outside_la",
]


def main(argv: list[str]) -> None:
    """Run factual, counterfactual and the comparator; write and print the evaluation."""
    executor, address, argv = executor_args(argv)
    import datetime as dt
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
        raise UserError("observed=PATH is required (the pathfinder councils' SSDA903 returns)")
    rcc = own.get("rcc", "greater_manchester")
    if rcc not in RCCS:
        raise UserError(f"rcc={rcc} is not allowed; choose one of: {', '.join(RCCS)}")
    go_live = own.get("go_live", "2025-06-01")
    try:
        gl = dt.date.fromisoformat(go_live)
        reps, draws = int(own.get("reps", "4")), int(own.get("draws", "200"))
        workers = int(own.get("workers", "2"))
    except ValueError:
        raise UserError(
            "go_live must be a date (2025-06-01); reps, draws, workers numbers"
        ) from None
    last_march = gl.year if (gl.month, gl.day) > (3, 31) else gl.year - 1
    if not any(a.startswith("start_date=") for a in rest):
        rest.append(f"start_date={last_march}-03-31")
    geo = embedded.england()
    ex = read_cached(own["observed"], geo)
    extra, start, years_after = observed_overrides(own["observed"], ex, [f"world={rcc}", *rest])
    base = [f"world={rcc}", *rest, *extra]
    live = [
        f"policy.pooled_commissioning.start={go_live}",
        f"policy.pooled_commissioning.rccs=[{rcc}]",
    ]
    factual = validate(["policy=rcc_pathfinders", *base, *live])
    counterfactual = validate(["policy=baseline", *base])
    t0 = time.perf_counter()
    from sim.world.build import simulated_las

    codes = [str(geo.code[i]) for i in simulated_las(factual.world, geo)]
    runs = {
        "factual": ev.run_reps(factual, reps, workers, executor, address),
        "counterfactual": ev.run_reps(counterfactual, reps, workers, executor, address),
        "stock_and_flow": ev.stockflow_reps(
            ex, geo, codes, pd.Timestamp(start), len(years_after), draws, factual.seed
        ),
    }
    if own.get("incumbent", "false").lower() == "true":
        from incumbent import as_runs

        runs["cs_demand_model"] = as_runs(
            ex, start, len(years_after), 1, [c for c in codes if c in set(ex.episodes["LA"])],
            ("rcc", rcc),
        )  # fmt: skip
    obs = indicators(ex.episodes, ex.header, ex.years, geo)
    go_live_year = gl.year + (1 if (gl.month, gl.day) > (3, 31) else 0)
    report = ev.pathfinder_report(obs, runs, go_live_year, ex.years)
    after = [y for y in years_after if y >= go_live_year]
    scores = ev.score(obs[obs["area_type"].isin(("la", "rcc"))], runs, after)
    summ = ev.summary(scores)
    out = Path(own.get("out") or Path("outputs/evaluation") / time.strftime("%Y-%m-%d_%H-%M-%S"))
    st = Staged(out, figures=True)
    with st as stage:
        report.to_csv(stage / "evaluation.csv", index=False)
        scores.to_csv(stage / "evaluation_scores.csv", index=False)
        summ.to_csv(stage / "evaluation_summary.csv", index=False)
        ev.evaluation_figure(report, rcc, stage / "figures" / "evaluation.png", go_live_year)
        manifest = {
            "code_version": code_version(),
            "rcc": rcc,
            "go_live": go_live,
            "start_date": start,
            "years": ex.years,
            "reps": reps,
            "draws": draws,
            "seed": factual.seed,
            "las": codes,
            "wall_s": round(time.perf_counter() - t0, 1),
            "pairing": "replicate k of factual and counterfactual share their random numbers",
        }
        (stage / "manifest.json").write_text(json.dumps(manifest, indent=2))
    files = st.files
    r = report[(report["area_type"] == "rcc") & report["indicator"].isin(HEADLINE)]
    cols = ["year", "period", "indicator", "observed", "factual_mean", "counterfactual_mean"]
    cols += ["stock_and_flow_mean", "effect", "effect_lo", "effect_hi"]
    with pd.option_context("display.width", 220, "display.max_rows", 200):
        print(f"{rcc}: RCC live {go_live}; model from {start} (effect = factual - counterfactual)")
        print(r[cols].to_string(index=False, float_format=lambda v: f"{v:,.3g}"))
    print(f"wrote {len(files)} files to {out}")


if __name__ == "__main__":
    run_main(main, sys.argv[1:])
