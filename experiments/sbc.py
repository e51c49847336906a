"""Simulation-based calibration of history matching on the tiny world: does the posterior cover.

python3 experiments/sbc.py                      # 10 datasets, 2 parameters, 2 waves of 12 runs
python3 experiments/sbc.py datasets=20 waves=3 runs=16 workers=2 executor=joblib

For each dataset d: true values of the entry rate (x0.6-1.6) and the placement breakdown rate
(x0.6-1.6 on every age band) are drawn from their uniform priors (seeded by d); the tiny world
runs at them with its own seed, and its CLA, starts, ceased and placement moves in each year are
the targets (sd sqrt(n) or 5%, as for an observed extract); history matching
(``sim.calibration.history``) gives 200 posterior draws. Reported per parameter: the share of
datasets whose true value lies in the posterior's 90% interval (nominal 0.9), and the rank of
the true value among the draws, which is uniform when the posterior is calibrated (Talts et al.
2018), with a chi-square test of uniformity over 4 bins. Writes sbc.csv and manifest.json to
``out`` (default outputs/sbc/<time>).
"""

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sim.io.cli import UserError, executor_args, run_main, whole_numbers  # noqa: E402

OWN = ("datasets", "waves", "runs", "out", "workers")
PRIOR = {
    "params.entry.rate_multiplier": (0.6, 1.6),
    "params.placements.unplanned_rate*": (0.6, 1.6),
}
NAMES = ("cla", "starts", "ceased", "placement_changes")


def main(argv: list[str]) -> None:
    """Run every dataset's calibration and report coverage and ranks."""
    import dataclasses
    import json

    import numpy as np
    import pandas as pd
    from scipy import stats

    from sim.calibration.fit import FitParam, observed_targets
    from sim.calibration.history import history_match
    from sim.config import RunConfig, WorldConfig, WorldName, set_values
    from sim.io.outputs import run_replicate

    executor, address, argv = executor_args(argv)
    own = {k: v for k, _, v in (a.partition("=") for a in argv) if k in OWN}
    other = [a for a in argv if a.partition("=")[0] not in OWN]
    if other:
        raise UserError(f"{other[0]}: expected one of {', '.join(OWN)}, executor=")
    nums = whole_numbers(own, {"datasets": 10, "waves": 2, "runs": 12, "workers": 1})
    out = Path(own.get("out") or Path("outputs/sbc") / time.strftime("%Y-%m-%d_%H-%M-%S"))
    world = WorldConfig(name=WorldName.tiny, las=["E08000002", "E08000009", "E08000007"], scale=0.2)
    base = RunConfig(world=world, years=2, workers=nums["workers"])
    params = [FitParam(k.rstrip("*"), lo, hi, k.endswith("*")) for k, (lo, hi) in PRIOR.items()]
    rows = []
    t0 = time.perf_counter()
    for d in range(nums["datasets"]):
        rng = np.random.default_rng(1000 + d)
        truth = {k: float(rng.uniform(lo, hi)) for k, (lo, hi) in PRIOR.items()}
        made = set_values(dataclasses.replace(base, seed=5000 + d), list(truth.items()))
        obs = run_replicate(made, 0)["indicators"]
        years = sorted(obs["year"].unique())
        targets = observed_targets(obs, years, names=NAMES)
        hm = history_match(
            base, params, targets, out / f"dataset_{d}", waves=nums["waves"],
            runs_per_wave=nums["runs"], draws=200, seed=d, executor=executor, address=address,
        )  # fmt: skip
        for k, true in truth.items():
            draws = hm.posterior[k].to_numpy()
            lo, hi = np.quantile(draws, [0.05, 0.95])
            rows.append(
                {
                    "dataset": d,
                    "parameter": k,
                    "true": true,
                    "posterior_median": float(np.median(draws)),
                    "lo90": float(lo),
                    "hi90": float(hi),
                    "covered": bool(lo <= true <= hi),
                    "rank": int((draws < true).sum()),
                    "width_share_of_prior": float((hi - lo) / (PRIOR[k][1] - PRIOR[k][0])),
                }
            )
        print(f"dataset {d}: {truth} -> {hm.posterior.median().round(3).to_dict()}", flush=True)
    table = pd.DataFrame(rows)
    out.mkdir(parents=True, exist_ok=True)
    table.to_csv(out / "sbc.csv", index=False)
    summary = {}
    for k, g in table.groupby("parameter"):
        counts = np.histogram(g["rank"], bins=4, range=(0, 200))[0]
        summary[k] = {
            "coverage_90": float(g["covered"].mean()),
            "mean_width_share_of_prior": float(g["width_share_of_prior"].mean()),
            "rank_counts_4_bins": counts.tolist(),
            "chi2_uniform_p": float(stats.chisquare(counts).pvalue),
        }
    manifest = {**nums, "summary": summary, "wall_s": round(time.perf_counter() - t0, 1)}
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1))
    for k, v in summary.items():
        print(
            f"{k}: true value inside the 90% interval in {v['coverage_90']:.0%} of "
            f"{nums['datasets']} datasets; interval {v['mean_width_share_of_prior']:.0%} of the "
            f"prior's width; ranks by quarter {v['rank_counts_4_bins']} "
            f"(chi-square p = {v['chi2_uniform_p']:.2f})"
        )
    print(f"wrote {out}")


if __name__ == "__main__":
    run_main(main, sys.argv[1:])
