"""Fit chosen parameters to the national targets or to an observed extract; report the fit.

python experiments/calibrate.py                       # national targets, England, default fit
python experiments/calibrate.py world=greater_manchester reps=2 max_evals=20
python experiments/calibrate.py observed=PATH fit=params.entry.rate_multiplier:0.5:2.0
python experiments/calibrate.py targets=dynamics fit=params.exits.uasc_p_short:0.05:0.5

``fit=`` lists parameters as ``key:lower:upper``; a key ending in ``*`` fits a multiplier on every
element of a list (e.g. ``params.placements.unplanned_rate*:0.5:2``). With ``observed=`` the world
is the extract's LAs started from the extract at its first 31 March (override with ``start_date=``)
and the targets are the extract's indicators for the years after it; without it the targets are the
national ones for the year to 31 March 2026, or with ``targets=dynamics`` each year 2022-2025 of a
synthetic England started on 31 March 2021 (the back-cast: CLA, starts, ceased and the placement mix
against the DfE series). Other overrides (``seed=``, ``world=``, ``params.*``, ``workers=``) go to
the run; each evaluation's replicates run on ``executor=serial|joblib|dask`` (default joblib when
workers > 1; ``executor.address=`` a running Dask cluster). Writes fitted.yaml, fit_report.csv,
fit_history.csv, figures/fit.png and manifest.json to ``out`` (default outputs/calibrate/<time>) and
prints the report. ``method=history`` gives a posterior sample instead of a point: history matching
with Gaussian-process emulators (``waves=3 runs=40`` runs per wave, ``draws=200``,
``sim/calibration/history.py``), then the posterior predictive 90% interval of each target from 20
draws; writes posterior.csv (``uncertainty.posterior=`` takes it), waves.csv, history_runs.csv,
fit_report.csv and figures/posterior.png.
"""

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sim.config import ConfigError  # noqa: E402
from sim.io.cli import (  # noqa: E402
    UserError,
    executor_args,
    observed_overrides,
    run_main,
    validate,
    whole_numbers,
)

DEFAULT_FIT = "params.entry.rate_multiplier:0.7:1.4,params.placements.unplanned_rate*:0.6:1.6"
OWN = ("fit", "observed", "reps", "max_evals", "out", "targets", "method", "waves", "runs", "draws")


def parse_fit(text: str):
    """``key:lo:hi,...`` -> FitParam list."""
    from sim.calibration.fit import FitParam

    out = []
    for item in [s for s in text.split(",") if s]:
        parts = item.split(":")
        if len(parts) != 3:
            raise UserError(f"fit={item}: expected key:lower:upper, e.g. params.x.y:0.5:2")
        key, lo, hi = parts
        try:
            lo_f, hi_f = float(lo), float(hi)
        except ValueError:
            raise UserError(f"fit={item}: bounds must be numbers") from None
        scale = key.endswith("*")
        out.append(FitParam(key.rstrip("*"), lo_f, hi_f, scale))
    return out


def main(argv: list[str]) -> None:
    """Parse, validate, fit and write the report."""
    import json

    import pandas as pd

    from sim.calibration.fit import (
        apply,
        dynamics_fit_targets,
        fit,
        national_targets,
        observed_targets,
        write_report,
    )
    from sim.io import embedded
    from sim.io.outputs import code_version, read_cached
    from sim.metrics import indicators

    executor, address, argv = executor_args(argv)
    own = {k: v for k, _, v in (a.partition("=") for a in argv) if k in OWN}
    rest = [a for a in argv if a.partition("=")[0] not in OWN]
    params = parse_fit(own.get("fit", DEFAULT_FIT))
    reps = int(own.get("reps", "2"))
    max_evals = int(own.get("max_evals", "30"))
    out = Path(own.get("out") or Path("outputs/calibrate") / time.strftime("%Y-%m-%d_%H-%M-%S"))
    geo = embedded.england()
    keys = {a.partition("=")[0] for a in rest}
    if "observed" in own:
        ex = read_cached(own["observed"], geo)
        extra, _, years = observed_overrides(own["observed"], ex, rest)
        cfg = validate(rest + extra)
        obs = indicators(ex.episodes, ex.header, years, geo)
        targets = observed_targets(obs, years)
    elif own.get("targets", "national") == "dynamics":
        if keys & {"start_date", "years", "world"}:
            raise UserError(
                "targets=dynamics runs England from 2021-03-31 for 4 years; drop start_date=,"
                " years= and world="
            )
        cfg = validate([*rest, "start_date=2021-03-31", "years=4"])
        targets = dynamics_fit_targets()
    elif own.get("targets", "national") == "national":
        cfg = validate(rest + ([] if "years" in keys else ["years=1"]))
        targets = national_targets(2026)
    else:
        raise UserError(f"targets={own['targets']}: expected national or dynamics")
    for p in params:
        try:
            apply(cfg, [p], [p.lower])
        except ConfigError as e:
            raise UserError(str(e)) from None
    t0 = time.perf_counter()
    method = own.get("method", "point")
    if method == "history":
        history(cfg, params, targets, own, out, executor, address)
        return
    if method != "point":
        raise UserError(f"method={method}: expected point (Nelder-Mead) or history")
    result = fit(
        cfg, params, targets, reps=reps, max_evals=max_evals, log=print,
        executor=executor, address=address,
    )  # fmt: skip
    files = write_report(result, out)
    manifest = {
        "code_version": code_version(),
        "params": [p.__dict__ for p in params],
        "start_values": result.start_values.tolist(),
        "fitted_values": result.values.tolist(),
        "objective_start": result.start_objective,
        "objective_fitted": result.objective,
        "evaluations": result.evaluations,
        "reps": reps,
        "seed": cfg.seed,
        "world": cfg.world.name.value,
        "targets": "observed" if "observed" in own else own.get("targets", "national"),
        "wall_s": round(time.perf_counter() - t0, 1),
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2))
    cols = ["year", "label", "target", "simulated", "lo", "hi", "residual"]
    with pd.option_context("display.width", 200):
        print(result.report[cols].to_string(index=False, float_format=lambda v: f"{v:,.4g}"))
    print(
        "fitted:", {p.path: round(float(v), 4) for p, v in zip(params, result.values, strict=True)}
    )
    print(f"objective {result.start_objective:.4g} -> {result.objective:.4g}")
    print(f"wrote {len(files) + 1} files to {out}")


def history(cfg, params, targets, own: dict, out: Path, executor, address) -> None:
    """History matching (``method=history``): waves, the posterior sample, its predictions."""
    import json

    import pandas as pd

    from sim.calibration.history import (
        history_match,
        posterior_figure,
        posterior_predictive,
        with_discrepancy,
        with_held_out_discrepancy,
    )
    from sim.io.outputs import code_version

    nums = whole_numbers(own, {"waves": 3, "runs": 40, "draws": 200, "reps": 1})
    t0 = time.perf_counter()
    out.mkdir(parents=True, exist_ok=True)
    try:
        hm = history_match(
            cfg, params, targets, out / "runs", waves=nums["waves"],
            runs_per_wave=nums["runs"], reps=nums["reps"], draws=nums["draws"],
            seed=cfg.seed, executor=executor, address=address, log=print,
        )  # fmt: skip
    except ValueError as exc:
        raise UserError(str(exc)) from None
    hm.posterior.to_csv(out / "posterior.csv", index=False)
    hm.waves.to_csv(out / "waves.csv", index=False)
    hm.runs.to_csv(out / "history_runs.csv", index=False)
    report = posterior_predictive(
        cfg, hm.posterior, targets, out / "runs" / "predictive", draws=min(20, nums["draws"]),
        executor=executor, address=address,
    )  # fmt: skip
    # Before: the same number of runs at the config's own values (replicates differ by chance
    # only), so each target's 90% interval with and without the posterior can be compared.
    n_pp = min(20, nums["draws"])
    before = posterior_predictive(
        cfg, pd.DataFrame(index=range(n_pp)), targets, out / "runs" / "before", draws=n_pp,
        executor=executor, address=address,
    )  # fmt: skip
    report = report.join(
        before[["pp_lo", "pp_hi", "covered"]].add_suffix("_before")
    )  # same rows, same order
    report = with_held_out_discrepancy(with_discrepancy(report))
    report.to_csv(out / "fit_report.csv", index=False)
    posterior_figure(hm, out / "figures" / "posterior.png")
    summary = hm.posterior.describe(percentiles=[0.05, 0.5, 0.95]).T
    manifest = {
        "code_version": code_version(),
        "method": "history matching with Gaussian-process emulators",
        "params": [p.__dict__ for p in params],
        **nums,
        "seed": cfg.seed,
        "world": cfg.world.name.value,
        "coverage_90": float(report["covered"].mean()),
        "coverage_90_before": float(report["covered_before"].mean()),
        "coverage_90_with_target_sd": float(report["covered_obs"].mean()),
        "coverage_90_with_held_out_discrepancy": float(report["covered_held"].mean()),
        "wall_s": round(time.perf_counter() - t0, 1),
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2))
    with pd.option_context("display.width", 200):
        print(summary[["5%", "50%", "95%"]].to_string(float_format=lambda v: f"{v:.4g}"))
        cols = ["year", "label", "value", "pp_lo", "pp_mean", "pp_hi", "covered"]
        cols += ["pp_lo_before", "pp_hi_before", "covered_before"]
        print(report[cols].to_string(index=False, float_format=lambda v: f"{v:,.4g}"))
    print(
        f"targets inside the posterior predictive 90% interval: {int(report['covered'].sum())} "
        f"of {len(report)} (at the config's values, chance only: "
        f"{int(report['covered_before'].sum())}; with each target's sd as the model's "
        f"discrepancy: {int(report['covered_obs'].sum())}; with each series' discrepancy "
        f"estimated from its other years: {int(report['covered_held'].sum())}); wrote {out} "
        "(uncertainty.posterior= takes its posterior.csv)"
    )


if __name__ == "__main__":
    run_main(main, sys.argv[1:])
