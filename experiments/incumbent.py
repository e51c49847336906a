"""The incumbent beside us: Data to Insight's cs-demand-model and our stock-and-flow, same data.

python experiments/incumbent.py observed=PATH start_date=2020-03-31
python experiments/incumbent.py observed=PATH start_date=2024-03-31 years=2 window_years=2 la=...

For each council of the extract (read as ``observed_indicators.py`` reads it, repairs and all)
both demand models are fitted on the same cleaned episodes over the ``window_years`` years to
``start_date`` and project the children looked after at each of the ``years`` 31 Marches after
it: ``cs-demand-model`` 0.5.1 (the published tool the pathfinder councils use; it pins pandas <
2, so it runs in an environment of its own, made on first use in ``~/.cache/sim-cs-demand-model``
from the package registry) and ``sim.stockflow`` (our implementation of the same kind of model).
Writes ``incumbent.csv`` (la, year, observed, cs_demand_model, stock_and_flow; observed counts
of 1-4 suppressed) to ``out`` (default outputs/incumbent/<time>) and prints it. Both models and
the observed count leave out short breaks (LS V3/V4), as DfE does. On Data to Insight's own
sample, from 31 March 2020: the tool 120.2, ours 120.0, observed 122 a year on.
"""

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from sim.io.cli import UserError, run_main  # noqa: E402

KEYS = (
    "observed",
    "start_date",
    "years",
    "window_years",
    "la",
    "out",
    "year_naming",
    "tool_python",
)
ENV = Path.home() / ".cache" / "sim-cs-demand-model"
PACKAGE = "cs-demand-model==0.5.1"
WORKER = Path(__file__).with_name("cs_demand_worker.py")
EPISODE_FIELDS = [
    "CHILD", "DECOM", "RNE", "LS", "CIN", "PLACE", "PLACE_PROVIDER", "DEC", "REC",
    "REASON_PLACE_CHANGE", "HOME_POST", "PL_POST",
]  # fmt: skip
HEADER_FIELDS = ["CHILD", "SEX", "DOB", "ETHNIC", "UPN", "MOTHER", "MC_DOB"]


def write_tool_input(ep, hd, folder: Path) -> None:
    """One council's clean episodes and header as the tool reads them (dd/mm/yyyy dates).

    Short breaks (LS V3, V4) are left out, as DfE's figures and our own indicators and
    stock-and-flow leave them out. The tool links a child's episodes by their dates (one ends
    the day the next begins), so care that follows a short break is an entry to it, and care
    that goes on into one an exit, as in ``sim.episode_arrays.without_short_breaks``.
    """
    from sim.episode_arrays import SHORT_BREAK_LS

    folder.mkdir(parents=True, exist_ok=True)
    ep = ep[~ep["LS"].isin(SHORT_BREAK_LS)]
    e = ep.reindex(columns=EPISODE_FIELDS)
    for c in ("DECOM", "DEC"):
        e[c] = e[c].dt.strftime("%d/%m/%Y")
    e.to_csv(folder / "episodes.csv", index=False)
    h = hd.reindex(columns=HEADER_FIELDS)
    h["DOB"] = hd["DOB"].dt.strftime("%d/%m/%Y")
    h.to_csv(folder / "header.csv", index=False)


def compare(ex, start: str, years: int, window_years: int, py: Path, las=None):
    """Both models' projections and the observed count, by council and year."""
    import json
    import subprocess
    import tempfile

    import pandas as pd

    from sim import stockflow
    from sim.metrics import indicators

    end = pd.Timestamp(start)
    fit_start = pd.Timestamp(end.year - window_years, 4, 1)
    years_after = [end.year + k for k in range(1, years + 1)]
    las = las or sorted(set(ex.episodes["LA"]))
    rows, jobs = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for la in las:
            ep = ex.episodes[ex.episodes["LA"] == la]
            hd = ex.header[ex.header["LA"] == la]
            if ep.empty:
                raise UserError(f"la={la}: not in the extract")
            write_tool_input(ep, hd, Path(tmp) / la)
            jobs.append(
                {
                    "key": la,
                    "folder": str(Path(tmp) / la),
                    "ref_start": fit_start.date().isoformat(),
                    "ref_end": end.date().isoformat(),
                    "dates": [f"{y}-03-31" for y in years_after],
                }
            )
            ours = stockflow.fit_and_project(ep, hd, fit_start, end, years)
            ours = ours[(ours["draw"] == -1) & (ours["indicator"] == "cla")]
            # What happened, counted as every indicator is counted (DfE's definition).
            seen = indicators(ep, hd, [y for y in years_after if y in ex.years])
            seen = seen[(seen["area_type"] == "england") & (seen["indicator"] == "cla")]
            seen = dict(zip(seen["year"], seen["value"], strict=True))
            for y in years_after:
                observed = float(seen.get(y, 0.0)) if y in ex.years else float("nan")
                value = float(ours.loc[ours["year"] == y, "value"].iloc[0])
                rows.append({"la": la, "year": y, "observed": observed, "stock_and_flow": value})
        jobs_path, out = Path(tmp) / "jobs.json", Path(tmp) / "tool.csv"
        jobs_path.write_text(json.dumps(jobs))
        r = subprocess.run([str(py), str(WORKER), str(jobs_path), str(out)], text=True)
        if r.returncode != 0:
            raise UserError(f"cs-demand-model stopped (exit {r.returncode}); see its messages")
        tool = pd.read_csv(out)
    tool["year"] = tool["date"].str[:4].astype(int)
    table = pd.DataFrame(rows).merge(
        tool.rename(columns={"key": "la", "cla": "cs_demand_model"})[
            ["la", "year", "cs_demand_model"]
        ],
        on=["la", "year"],
    )
    small = (table["observed"] > 0) & (table["observed"] < 5)
    table["observed"] = table["observed"].where(~small)  # disclosure control: 1-4 hidden
    return table[["la", "year", "observed", "cs_demand_model", "stock_and_flow"]]


def as_runs(ex, start: str, years: int, fit_years: int, codes: list[str], total: tuple[str, str]):
    """cs-demand-model's projected CLA by council, and their sum as the area ``total``.

    Tidy runs (rep 0, one point projection) for ``sim.calibration.evaluate``: the back-cast
    (``total`` = England) and the pathfinder evaluation (``total`` = the RCC).
    """
    import pandas as pd
    from tool_env import tool_python

    t = compare(ex, start, years, fit_years, tool_python(ENV, PACKAGE, "cs_demand_model"), codes)
    las = t.assign(area_type="la", area=t["la"])
    summed = t.groupby("year", as_index=False)["cs_demand_model"].sum()
    summed = summed.assign(area_type=total[0], area=total[1])
    both = pd.concat([las, summed], ignore_index=True)
    return both.assign(rep=0, indicator="cla", value=both["cs_demand_model"])[
        ["rep", "year", "area_type", "area", "indicator", "value"]
    ]


def main(argv: list[str]) -> None:
    """Read the extract, project with both models, write and print the comparison."""
    from observed_indicators import parse
    from tool_env import tool_python

    from sim.io import embedded
    from sim.io.read903 import read_extract
    from sim.io.read903_files import la_lookup, norm_column
    from sim.io.staging import Staged

    args = parse(argv, KEYS)
    if "start_date" not in args:
        raise UserError("start_date=YYYY-03-31 is required (the day both projections start)")
    try:
        years, window = int(args.get("years", "1")), int(args.get("window_years", "1"))
    except ValueError:
        raise UserError("years= and window_years= take whole numbers of years") from None
    import datetime as dt

    try:
        start = dt.date.fromisoformat(args["start_date"])
    except ValueError:
        raise UserError(
            f"start_date={args['start_date']}: expected a date such as 2020-03-31"
        ) from None
    if (start.month, start.day) != (3, 31) or years < 1 or window < 1:
        raise UserError("start_date= must be a 31 March; years= and window_years= at least 1")
    geo = embedded.england()
    ex = read_extract(args["observed"], geo, year_naming=args.get("year_naming", "auto"))
    first, last = ex.start.date(), ex.end.date()
    if dt.date(start.year - window, 4, 1) < first or start > last:
        raise UserError(
            f"start_date={start} window_years={window}: the fitting window"
            f" ({start.year - window}-04-01 to {start}) is not inside the extract"
            f" ({first} to {last})"
        )
    las = None
    if "la" in args:
        code = la_lookup(geo).get(norm_column(args["la"]))
        las = [code or args["la"]]
    py = tool_python(ENV, PACKAGE, "cs_demand_model", args.get("tool_python"))
    table = compare(ex, args["start_date"], years, window, py, las)
    out = Path(args.get("out") or Path("outputs/incumbent") / time.strftime("%Y-%m-%d_%H-%M-%S"))
    st = Staged(out)
    with st as stage:
        table.to_csv(stage / "incumbent.csv", index=False)
    print(table.to_string(index=False, float_format=lambda v: f"{v:,.1f}"))
    print(f"wrote {len(st.files)} file to {out}")


if __name__ == "__main__":
    run_main(main, sys.argv[1:])
