"""The DfE's SSDA903 rules on returns, by the DfE's own code (``csc-validator-be-903``).

python experiments/validate.py observed=PATH                 # a council's returns
python experiments/validate.py observed=outputs/RUN/ssda903/returns/rep0   # a run's returns
python experiments/validate.py observed=PATH out=DIR la=Manchester years=2024-2025

Runs every rule of the DfE's validator (the package councils use before they submit) on each
LA's return for each year, with the year before as its previous return, and writes to ``out``
(default outputs/validation/<time>):

- ``summary.csv``: one row per rule that fails anywhere: code, message, failing rows (every
  table together), returns failing, returns checked;
- ``by_return.csv``: la, year, ruleset, code, message, rows.

Neither holds a child identifier. The validator pins pandas < 2 and numpy < 1.25, which clash
with ours, so it runs in an environment of its own, made on first use (``pip install
csc-validator-be-903`` into ``~/.cache/sim-dfe-validator``, about 220 MB; ``validator_python=``
points at another). Its bugs are its own: rules 361 and 362 change the tables later rules read
when run together, so each rule runs on its own copy; 231 and 233 raise on some returns and are
listed as "failed to run". PATH is read as ``observed_indicators.py`` reads it (file names by
the year a collection starts or ends, ``year_naming=`` to say which; an LA folder, LA column or
``la=``).
"""

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from sim.io.cli import UserError, run_main  # noqa: E402

KEYS = ("observed", "out", "la", "years", "year_naming", "validator_python")
ENV = Path.home() / ".cache" / "sim-dfe-validator"
PACKAGE = "csc-validator-be-903==0.1.17"  # the version whose rules (2022-23 to 2026-27) we ran
WORKER = Path(__file__).with_name("dfe_validator_worker.py")


def validator_python(given: str | None) -> Path:
    """The Python of the validator's environment, made (once) if it is not there."""
    from tool_env import tool_python

    return tool_python(ENV, PACKAGE, "lac_validator", given)


def jobs_of(path: str, la: str | None, years: list[int] | None, naming: str) -> list[dict]:
    """Each LA's return for each year, with its files and the year before's."""
    from sim.io import embedded
    from sim.io.read903 import file_year_naming
    from sim.io.read903_files import find_files, la_lookup, load_table, norm_column

    geo = embedded.england()
    files = [f for f in find_files(Path(path), geo) if f.table in ("header", "episodes", "uasc")]
    loaded = [(f, load_table(f)) for f in files]
    file_year_naming(loaded, naming)
    code = None
    if la:
        code = la_lookup(geo).get(norm_column(la))
        if code is None:
            raise UserError(f"la={la!r} is not an English LA (ONS code, DfE number, name)")
    by: dict[tuple[str, int], list[str]] = {}
    for f, _ in loaded:
        owner = f.la or code
        if owner is None:
            raise UserError(
                f"{f.path}: no LA for this return (the validator checks postcodes against the"
                " council): pass la=<ONS code or name>, or put the files in a folder named by it"
            )
        if f.year is None:
            raise UserError(f"{f.path}: no year in the file's name (e.g. 2024-episodes.csv)")
        by.setdefault((owner, int(f.year)), []).append(str(f.path))
    jobs = []
    for (owner, year), paths in sorted(by.items()):
        if years and year not in years:
            continue
        jobs.append(
            {"la": owner, "year": year, "this": paths, "prev": by.get((owner, year - 1), [])}
        )
    if not jobs:
        raise UserError(f"{path}: no return to validate (years={years})")
    return jobs


def summarise(by_return):
    """One row per rule: code, message, failing rows, returns failing, returns checked."""
    import pandas as pd

    n = by_return.attrs.get("returns", 0)
    if by_return.empty:
        return pd.DataFrame(columns=["code", "message", "rows", "returns_failing", "returns"])
    g = by_return.groupby(["code", "message"], sort=False)
    s = g.agg(rows=("rows", lambda r: int(r[r > 0].sum())), returns_failing=("la", "size"))
    s = s.reset_index().assign(returns=n)
    return s.sort_values(["rows", "code"], ascending=[False, True], kind="stable")


def main(argv: list[str]) -> None:
    """Validate every return of the extract; write the summary by rule and by return."""
    import json
    import subprocess
    import tempfile

    import pandas as pd

    from sim.io.staging import Staged

    sys.path.insert(0, str(Path(__file__).parent))
    from observed_indicators import parse, parse_years

    args = parse(argv, KEYS)
    years = parse_years(args["years"]) if "years" in args else None
    jobs = jobs_of(args["observed"], args.get("la"), years, args.get("year_naming", "auto"))
    py = validator_python(args.get("validator_python"))
    out = Path(args.get("out") or Path("outputs/validation") / time.strftime("%Y-%m-%d_%H-%M-%S"))
    with tempfile.TemporaryDirectory() as tmp:
        jobs_path, raw = Path(tmp) / "jobs.json", Path(tmp) / "by_return.csv"
        jobs_path.write_text(json.dumps(jobs))
        r = subprocess.run([str(py), str(WORKER), str(jobs_path), str(raw)], text=True)
        if r.returncode != 0:
            raise UserError(f"the DfE validator stopped (exit {r.returncode}); see its messages")
        by_return = pd.read_csv(raw, dtype={"code": str})
    by_return.attrs["returns"] = len(jobs)
    summary = summarise(by_return)
    st = Staged(out)
    with st as stage:
        summary.to_csv(stage / "summary.csv", index=False)
        by_return.to_csv(stage / "by_return.csv", index=False)
    print(f"{'rule':>6} {'rows':>8} {'returns':>8}  message")
    for r in summary.itertuples():
        print(f"{r.code:>6} {r.rows:>8,} {r.returns_failing:>4}/{r.returns:<3}  {r.message[:110]}")
    print(f"{len(jobs)} returns checked; wrote {len(st.files)} files to {out}")


if __name__ == "__main__":
    run_main(main, sys.argv[1:])
