"""The indicators of an observed SSDA903 extract, by the model's own indicator code.

python experiments/observed_indicators.py observed=PATH
python experiments/observed_indicators.py observed=PATH la=Manchester out=outputs/observed/mcr
python experiments/observed_indicators.py observed=PATH years=2021-2024
python experiments/observed_indicators.py observed=PATH year_naming=start strict=true

PATH is a folder of yearly files (2019-header.csv, 2019-episodes.csv, optionally 2019-uasc.csv;
CSV or Excel; one sub-folder per LA allowed), a workbook with Header and Episodes sheets, or
an episodes file with its header file beside it; CSV in any common encoding and delimiter.
``la=`` names the LA of files that have neither an LA column nor an LA folder (without it
they are one council whose geography is unknown: the indicators that need it are left out).
``year_naming=start|end`` says whether the years in file names are those collections start or
end (default: decided from the dates, and said). What reading repairs (a REC on an open
episode, a repeated row, an episode left open and followed in a later return) is counted in
``cleaning.json`` and printed; ``strict=true`` refuses it instead. Writes ``indicators.csv``
(year, area_type, area, indicator, value, suppressed: counts of 1-4 and shares with
denominators under 5 are blank)
and ``cleaning.json`` to ``out`` (default outputs/observed/<time>), and prints the headline
table. No child-level data is written.
"""

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sim.io.cli import UserError, run_main  # noqa: E402

KEYS = ("observed", "la", "out", "years", "year_naming", "strict")


def parse_years(text: str) -> list[int]:
    """'2021-2024' or '2021,2023' -> years ending 31 March."""
    try:
        if "-" in text:
            a, b = (int(x) for x in text.split("-", 1))
            return list(range(a, b + 1))
        return [int(x) for x in text.split(",") if x]
    except ValueError:
        raise UserError(f"years={text}: expected e.g. 2021-2024 or 2021,2023") from None


def parse(argv: list[str], keys: tuple[str, ...] = KEYS) -> dict[str, str]:
    """key=value arguments, refusing unknown keys."""
    args: dict[str, str] = {}
    for a in argv:
        key, eq, value = a.partition("=")
        if not eq or key not in keys:
            raise UserError(f"{a!r}: expected one of {', '.join(k + '=...' for k in keys)}")
        args[key] = value
    if "observed" not in args:
        raise UserError("observed=PATH is required (a folder or file of SSDA903 tables)")
    return args


def main(argv: list[str]) -> None:
    """Read, clean and validate the extract; write and print its indicators."""
    import json

    import pandas as pd

    from sim.io import embedded
    from sim.io.observed import cleaning_report, headline_table, observed_indicators
    from sim.io.read903 import REPAIRS, read_extract
    from sim.io.staging import Staged

    args = parse(argv)
    years = parse_years(args["years"]) if "years" in args else None
    geo = embedded.england()
    strict = args.get("strict", "false").lower()
    if strict not in ("true", "false"):
        raise UserError(f"strict={args['strict']}: expected true or false")
    ex = read_extract(
        args["observed"],
        geo,
        la=args.get("la"),
        year_naming=args.get("year_naming", "auto"),
        strict=strict == "true",
    )
    for note in ex.notes:
        print(f"read: {note}")
    for k, v in ex.cleaning.items():
        if v and k in REPAIRS:
            print(f"repaired: {v:,} x {k.replace('_', ' ')}")
    ind = observed_indicators(ex, geo, years)
    out = Path(args.get("out") or Path("outputs/observed") / time.strftime("%Y-%m-%d_%H-%M-%S"))
    st = Staged(out)
    with st as stage:
        ind.to_csv(stage / "indicators.csv", index=False)
        (stage / "cleaning.json").write_text(json.dumps(cleaning_report(ex), indent=2))
    files = st.files
    with pd.option_context("display.width", 200, "display.max_rows", 200):
        print(headline_table(ind).to_string())
    print(f"wrote {len(files)} files to {out}")


if __name__ == "__main__":
    run_main(main, sys.argv[1:])
