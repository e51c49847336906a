"""The model's pattern across councils against DfE's 2025 LA outcomes (the half we may look at).

python experiments/la_pattern.py                         # England, first year, 2 replicates
python experiments/la_pattern.py reps=4 seed=3 params.entry.rate_multiplier=1.0
python experiments/la_pattern.py run=outputs/run/DATE    # an England run's indicators

Compares, council by council, the share of children looked after placed over 20 miles from
home, the share with 3+ placements in the year and long-term stability, simulated in the first
year of an England run (year to 31 March 2026, from the synthetic 31 March 2025), with DfE's
figures for the year to 31 March 2025 for the 76 councils of ``sim/data/la_outcomes_2025_half.csv``
(the other half is held back to check the model). Other ``key=value`` arguments are the run's
Hydra overrides (``world`` is England and ``years`` 1). Writes ``la_pattern.csv`` (ons_code,
la_name, region, outcome, observed, simulated, error in points), ``la_pattern_summary.csv``
(per outcome: councils, Spearman's rho, mean absolute error in points, mean and spread of
each), ``la_pattern_regions.csv``, ``out_of_region.csv`` (each region's % of children placed
outside it, simulated against DfE's 2024 figures for all councils) and
``figures/la_pattern.png`` to ``out`` (default outputs/la_pattern/<time>), and prints the
summary.
"""

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sim.io.cli import UserError, run_main  # noqa: E402

OWN = ("run", "out", "reps")


def _run_indicators(path: str):
    """The indicators of a run folder and its first simulated year."""
    import pandas as pd

    f = Path(path) / "indicators.csv"
    if not f.is_file():
        raise UserError(f"run={path}: no indicators.csv there (expected a run folder)")
    ind = pd.read_csv(f)
    la = ind[ind["area_type"] == "la"]
    if la.empty:
        raise UserError(f"run={path}: indicators.csv has no council (area_type la) rows")
    return ind, int(la["year"].min())


def _simulate(rest: list[str], reps: int):
    """Run England's first year and return its indicators and that year."""
    import pandas as pd

    from sim.io.cli import validate
    from sim.io.outputs import run_all

    for a in rest:
        if a.partition("=")[0] in ("world", "years", "reps", "start_date"):
            raise UserError(f"{a}: the LA pattern is England's first year from 31 March 2025")
    cfg = validate([*rest, "world=england", "years=1", f"reps={reps}"])
    results = run_all(cfg)
    ind = pd.concat([r["indicators"].assign(rep=r["rep"]) for r in results], ignore_index=True)
    return ind, int(cfg.start_date[:4]) + 1


def figure(table, path: Path) -> None:
    """Observed against simulated, one panel per outcome, London's councils marked."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from sim.calibration.la_pattern import LABELS, OUTCOMES

    fig, axes = plt.subplots(1, len(OUTCOMES), figsize=(13, 4.4))
    for ax, outcome in zip(axes, OUTCOMES, strict=True):
        t = table[table["outcome"] == outcome]
        london = t["region"].str.contains("London")
        ax.scatter(t.loc[~london, "observed"], t.loc[~london, "simulated"], s=16, c="#0072B2")
        ax.scatter(
            t.loc[london, "observed"], t.loc[london, "simulated"], s=22, c="#D55E00", marker="s"
        )
        hi = max(t["observed"].max(), t["simulated"].max(), 1.0) * 1.05
        ax.plot([0, hi], [0, hi], color="grey", lw=0.8)
        ax.set_xlim(0, hi)
        ax.set_ylim(0, hi)
        ax.set_title(LABELS[outcome], fontsize=9)
        ax.set_xlabel("DfE, year to 31 March 2025")
        ax.set_ylabel("model, first year")
    axes[0].legend(["councils outside London", "London councils", "equal"], fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv: list[str]) -> None:
    """Compare, write and print."""
    import json

    import pandas as pd

    from sim.calibration.la_pattern import by_region, compare, out_of_region, summary
    from sim.io import embedded
    from sim.io.outputs import code_version
    from sim.io.staging import Staged

    own = {k: v for k, _, v in (a.partition("=") for a in argv) if k in OWN}
    rest = [a for a in argv if a.partition("=")[0] not in OWN]
    try:
        reps = int(own.get("reps", "2"))
    except ValueError:
        raise UserError(f"reps={own['reps']}: expected a whole number") from None
    if "run" in own:
        if rest:
            raise UserError(f"{rest[0]}: with run=PATH the run's own settings are used")
        ind, year = _run_indicators(own["run"])
    else:
        ind, year = _simulate(rest, reps)
    geo = embedded.england()
    table = compare(ind, embedded.la_outcomes_half(), geo.las, year)
    if table.empty:
        raise UserError("no council of the half DfE table is in the run's indicators")
    summ = summary(table)
    regions = out_of_region(ind, geo.las, year)
    out = Path(own.get("out") or Path("outputs/la_pattern") / time.strftime("%Y-%m-%d_%H-%M-%S"))
    st = Staged(out, figures=True)
    with st as stage:
        table.to_csv(stage / "la_pattern.csv", index=False)
        summ.to_csv(stage / "la_pattern_summary.csv", index=False)
        by_region(table).to_csv(stage / "la_pattern_regions.csv", index=False)
        regions.to_csv(stage / "out_of_region.csv", index=False)
        figure(table, stage / "figures" / "la_pattern.png")
        manifest = {
            "code_version": code_version(),
            "year": year,
            "run": own.get("run"),
            "overrides": rest,
            "replicates": int(ind["rep"].nunique()) if "rep" in ind else 1,
        }
        (stage / "manifest.json").write_text(json.dumps(manifest, indent=2))
    with pd.option_context("display.width", 200):
        print(f"LA pattern, model year to 31 March {year} against DfE 2025 (training half)")
        print(summ.drop(columns="label").round(2).to_string(index=False))
        if len(regions):
            print("placed outside their region, % of CLA: model against DfE 2024 (all councils)")
            print(regions.round(1).to_string(index=False))
    print(f"wrote {len(st.files)} files to {out}")


if __name__ == "__main__":
    run_main(main, sys.argv[1:])
