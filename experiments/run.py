"""Run one configuration (world, policy, years, replicates, seed) and write its run folder.

python experiments/run.py world=greater_manchester years=5 reps=4 seed=7
python experiments/run.py -m seed=1,2,3          # a sweep with Hydra's joblib launcher
"""

import sys
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig, OmegaConf

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from sim.io.cli import UserError, register_schema, validate  # noqa: E402

register_schema()


@hydra.main(config_path="../configs", config_name="config", version_base=None)
def run(cfg: DictConfig) -> None:
    import pandas as pd

    from sim.config import to_run_config
    from sim.io.outputs import run_all, write_run

    rc = to_run_config(cfg)
    out = Path(HydraConfig.get().runtime.output_dir)
    results = run_all(rc)
    files = write_run(out, rc, results, OmegaConf.to_yaml(cfg))
    if (out / "baseline_check.csv").exists():
        table = pd.read_csv(out / "baseline_check.csv")
        print(
            table[["target", "simulated", "target_value", "lower", "upper", "within"]].to_string(
                index=False
            )
        )
    if (out / "dynamics_check.csv").exists():  # a back-cast: each year against DfE's series
        table = pd.read_csv(out / "dynamics_check.csv")
        cols = ["year", "target", "simulated", "observed", "lower", "upper", "within"]
        print(table[cols].to_string(index=False))
    summary = pd.read_csv(out / "indicators_summary.csv")
    head = summary[
        (summary["area_type"] == "england")
        & summary["indicator"].isin(
            [
                "cla",
                "starts",
                "ceased",
                "placement_changes",
                "share_over_20_miles_of_known",
                "share_3plus_placements",
                "spend_total_gbp",
            ]
        )
    ]
    pivot = head.pivot(index="indicator", columns="year", values="mean")
    print(pivot.to_string(float_format=lambda v: f"{v:,.3f}" if abs(v) < 10 else f"{v:,.0f}"))
    print(f"wrote {len(files)} files to {out}")


if __name__ == "__main__":
    try:
        validate(sys.argv[1:])
    except UserError as e:
        print(f"error: {e}", file=sys.stderr)
        sys.exit(2)
    run()
