"""Rebuild the compact tables in ``sim/data/`` from the reference data in ``../shared/data``.

This module owns the derivation of every embedded table the model reads: the 153 local
authorities, postcode districts, the initial children's-home and secure-home supply (Ofsted
providers at 31 March 2023), independent fostering agencies, home joiners and leavers by LA
(2022-23) and the flattened national targets. Each table starts with ``#`` lines naming its
source and licence (Open Government Licence v3.0). Run it only when the reference data change:

    python -m sim.io.build_data --shared ../shared/data

The committed tables are what the model reads; a fresh clone never needs ``../shared``.
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections import Counter, defaultdict
from pathlib import Path

import yaml

OUT = Path(__file__).resolve().parent.parent / "data"
LICENCE = "Open Government Licence v3.0"

# Ofsted 2023 LA names that differ from the DfE 2025 LA list (or were reorganised).
OFSTED_ALIASES = {
    "Durham": "County Durham",
    "St Helens": "St. Helens",
    "Herefordshire": "Herefordshire, County of",
    "Kingston upon Hull": "Kingston upon Hull, City of",
    "Bristol": "Bristol, City of",
    "Bournemouth, Christchurch & Poole": "Bournemouth, Christchurch and Poole",
    "Southend on Sea": "Southend-on-Sea",
}
# Cumbria was split on 1 April 2023; its providers are shared between the two successor
# councils in proportion to their population aged 0-17 (rule of this script, by URN order).
CUMBRIA = ("Cumberland", "Westmorland and Furness")
SECTORS = {
    "Private": "private",
    "Local Authority": "la",
    "Voluntary": "voluntary",
    "Health Authority": "voluntary",
}


def _write(name: str, header: list[str], rows: list[list], sources: list[str]) -> None:
    path = OUT / name
    tmp = path.with_suffix(".tmp")
    with tmp.open("w", newline="") as fh:
        for line in sources:
            fh.write(f"# {line}\n")
        fh.write(f"# licence: {LICENCE}; derived by sim/io/build_data.py\n")
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)
    tmp.replace(path)
    print(f"wrote {path.relative_to(OUT.parent.parent)} ({len(rows)} rows)")


def _num(value: str, fallback: float | None = None) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return fallback


def build(shared: Path) -> None:
    """Derive every embedded table from the reference data folder ``shared``."""
    las = list(csv.DictReader((shared / "england_las.csv").open()))
    name_to_code = {r["la_name"]: r["ons_code"] for r in las}
    rows = []
    for r in las:
        cla24 = _num(r["cla_31mar_2024"], 0.0)
        # 'c' (suppressed) falls back to the 2024 count; 'z' (not applicable) to 0.
        cla25 = _num(r["cla_31mar_2025"], cla24)
        rows.append(
            [
                r["ons_code"],
                r["dfe_la_code"],
                r["la_name"],
                r["region"],
                r["region_code"],
                r["lat"],
                r["lon"],
                int(_num(r["pop_0_17_2025"], 0)),
                int(cla24),
                int(cla25),
                int(_num(r["cla_starts_2025"], 0)),
                int(_num(r["cla_ceased_2025"], 0)),
                r["rcc_pathfinder"],
            ]
        )
    _write(
        "las.csv",
        [
            "ons_code",
            "dfe_la_code",
            "la_name",
            "region",
            "region_code",
            "lat",
            "lon",
            "pop_0_17",
            "cla_2024",
            "cla_2025",
            "starts_2025",
            "ceased_2025",
            "rcc_pathfinder",
        ],
        rows,
        [
            "source: DfE Children looked after in England 2025 (LA tables); ONS population 0-17;"
            " LA points = median of ONSPD Nov 2025 postcodes (england_las.csv)",
            "suppressed counts: 'c' -> 2024 value, 'z' -> 0",
        ],
    )

    districts = list(csv.DictReader((shared / "england_postcode_districts.csv").open()))
    _write(
        "districts.csv",
        ["ons_code", "district", "lat", "lon", "weight"],
        [[d["ons_code"], d["district"], d["lat"], d["lon"], d["n_postcodes"]] for d in districts],
        ["source: ONS Postcode Directory Nov 2025, outward codes per LA (mean point, postcodes)"],
    )

    pop = {r["la_name"]: _num(r["pop_0_17_2025"], 0.0) for r in las}
    share_cumberland = pop[CUMBRIA[0]] / (pop[CUMBRIA[0]] + pop[CUMBRIA[1]])

    def la_code(name: str, key: str, seq: dict[str, int], total: Counter) -> str:
        if name == "Cumbria":
            i = seq[key]
            seq[key] += 1
            first = i < round(share_cumberland * total[key])
            return name_to_code[CUMBRIA[0] if first else CUMBRIA[1]]
        name = OFSTED_ALIASES.get(name, name)
        if name not in name_to_code:
            raise SystemExit(
                f"build_data: Ofsted LA name {name!r} matches no LA in england_las.csv"
            )
        return name_to_code[name]

    providers = list(csv.DictReader((shared / "ofsted_providers_2023.csv").open()))
    providers.sort(key=lambda r: r["urn"])
    home_types = {
        "Children's home": "home",
        "Children's Home": "home",
        "Residential special school (registered as a children's home)": "home",
        "Secure children's home": "secure",
    }
    cumbria_total = Counter(
        "h"
        for r in providers
        if r["provision_type"] in home_types and r["local_authority"] == "Cumbria"
    )
    seq: dict[str, int] = defaultdict(int)
    homes = []
    for r in providers:
        kind = home_types.get(r["provision_type"])
        if kind is None:
            continue
        places = int(_num(r["places"], 0) or 0)
        if places <= 0:
            continue
        homes.append(
            [
                r["urn"],
                la_code(r["local_authority"], "h", seq, cumbria_total),
                kind,
                SECTORS[r["sector"]],
                places,
                1 if r["short_break_only"] else 0,
                (r["organisation"] or "").strip(),
                r["registration_date"],
            ]
        )
    _write(
        "homes.csv",
        ["urn", "ons_code", "kind", "sector", "places", "short_break", "group", "registered"],
        homes,
        [
            "source: Ofsted, Children's social care providers at 31 March 2023 ("
            "ofsted_providers_2023.csv): children's homes, residential special schools registered"
            " as children's homes, secure children's homes; Cumbria split by population 0-17",
        ],
    )

    ifas = [
        [r["urn"], r["region"], SECTORS[r["sector"]], (r["organisation"] or "").strip()]
        for r in providers
        if r["provision_type"] == "Independent Fostering Agency"
    ]
    _write(
        "ifas.csv",
        ["urn", "region", "sector", "group"],
        ifas,
        ["source: Ofsted providers at 31 March 2023: independent fostering agencies (region)"],
    )

    flows: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    jl = list(csv.DictReader((shared / "ofsted_joiners_leavers_2022_23.csv").open()))
    jl.sort(key=lambda r: r["urn"])
    cumbria_total = Counter(
        "j" for r in jl if "hildren's" in r["provision_type"] and r["local_authority"] == "Cumbria"
    )
    seq = defaultdict(int)
    for r in jl:
        if r["provision_type"] not in home_types or home_types[r["provision_type"]] != "home":
            continue
        code = la_code(r["local_authority"], "j", seq, cumbria_total)
        places = int(_num(r["places"], 0) or 0)
        f = flows[(code, SECTORS[r["sector"]])]
        if r["joiner_status"] == "Joiner":
            f[0] += 1
            f[2] += places
        if r["leaver_status"] == "Leaver":
            f[1] += 1
            f[3] += places
    _write(
        "home_flows_2022_23.csv",
        ["ons_code", "sector", "joiners", "leavers", "joiner_places", "leaver_places"],
        [[k[0], k[1], *v] for k, v in sorted(flows.items())],
        ["source: Ofsted joiners and leavers 2022-23 (children's homes), by LA and sector"],
    )

    targets = yaml.safe_load((shared / "national_targets.yaml").open())
    srcs = targets.get("sources", {})
    trows = []
    for t in targets["targets"]:
        values = t["value"] if isinstance(t["value"], dict) else {"": t["value"]}
        for key, value in values.items():
            trows.append(
                [
                    t["name"],
                    key,
                    t.get("year"),
                    value,
                    t.get("unit"),
                    t.get("status"),
                    srcs.get(t.get("source"), t.get("source")),
                ]
            )
    _write(
        "targets.csv",
        ["name", "key", "year", "value", "unit", "status", "source"],
        trows,
        ["source: national_targets.yaml (DfE, MHCLG RO3, Ofsted, NAO, CMA, LGA; see column)"],
    )

    # The training half of DfE's 2025 LA outcomes; "c" (suppressed) and "z" (not applicable)
    # become empty. The other half is held back to check the model, so it is never here.
    outcomes = list(csv.DictReader((shared / "la_outcomes_2025_half.csv").open()))
    cols = ["pct_over_20_miles", "pct_3plus_placements_year", "pct_long_term_stable"]
    _write(
        "la_outcomes_2025_half.csv",
        ["ons_code", "name", *cols],
        [
            [r["ons_code"], r["name"], *("" if r[c] in ("c", "z") else r[c] for c in cols)]
            for r in outcomes
        ],
        [
            "source: DfE Children looked after in England 2025, LA tables: % of CLA at 31 March"
            " placed over 20 miles from home, % with 3+ placements in the year, % of under-16s"
            " looked after 2.5+ years in the same placement 2+ years; a random half of the 153"
            " LAs (c suppressed, z not applicable: empty)"
        ],
    )

    # Every year 2021-2025: the back-cast from 31 March 2021 starts from that year's stock.
    national = list(csv.DictReader((shared / "cla_national_2021_2025.csv").open()))
    _write(
        "national_2021_2025.csv",
        ["table", "year", "group", "item", "number"],
        [[r["source_table"], r["year"], r["group"], r["item"], r["number"]] for r in national],
        ["source: DfE Children looked after in England 2025 release, national tables"],
    )


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--shared", type=Path, default=Path("../shared/data"))
    a = p.parse_args(argv)
    if not (a.shared / "england_las.csv").exists():
        print(f"build_data: no england_las.csv in {a.shared}", file=sys.stderr)
        return 2
    OUT.mkdir(parents=True, exist_ok=True)
    build(a.shared)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
