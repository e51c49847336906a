"""The outcomes the page shows, in words and plain units, grouped by family.

This module owns how an outcome of the comparison (``sim.io.compare.outcomes``) is named and
scaled for a policy team: each has a label in words, a unit, the factor from the model's unit
(shares become percentage points, pounds a year become £m a year) and its family (stability,
distance, cost, sufficiency, market); ``effect_table`` turns ``sim.io.compare.effects`` rows
into that table.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd


@dataclass(frozen=True)
class Outcome:
    """An outcome as the page shows it."""

    key: str
    label: str
    unit: str
    factor: float
    family: str
    explanation: str


OUTCOMES: tuple[Outcome, ...] = (
    Outcome(
        "share_3plus_placements",
        "Children with 3+ placements in the year",
        "percentage points",
        100.0,
        "stability",
        "DfE's stability measure: the share of children looked after at 31 March who had three "
        "or more placements during the year (DfE 2025: 10%).",
    ),
    Outcome(
        "long_term_stability",
        "Long-term stability of under-16s",
        "percentage points",
        100.0,
        "stability",
        "Under-16s looked after for 2.5 years or more who have lived in the same placement for "
        "2 years (DfE 2025: 69%).",
    ),
    Outcome(
        "moves_per_child_year",
        "Placement moves per child a year",
        "moves",
        1.0,
        "stability",
        "Placement changes in the year over the years children spent in care.",
    ),
    Outcome(
        "share_over_20_miles_of_known",
        "Placed over 20 miles from home",
        "percentage points",
        100.0,
        "distance",
        "Children placed more than 20 miles from the home they were taken into care from, of "
        "those with a known distance (DfE 2025: 22%).",
    ),
    Outcome(
        "share_outside_la",
        "Placed outside their council",
        "percentage points",
        100.0,
        "distance",
        "Children placed outside their own council's area (DfE 2025: 44.5%).",
    ),
    Outcome(
        "spend_total_gbp",
        "Councils' spend on children in care",
        "£m a year",
        1e-6,
        "cost",
        "Placements, councils' other costs of children in care, RCC running costs, voids of "
        "block contracts and capital, in 2024-25 prices (RO3 2024-25: £8.9bn for England).",
    ),
    Outcome(
        "cost_per_child_week",
        "Spend per child-week",
        "£",
        1.0,
        "cost",
        "Councils' spend over the weeks children spent in care.",
    ),
    Outcome(
        "unregistered_at_31_march",
        "Children in unregistered settings at 31 March",
        "children",
        1.0,
        "sufficiency",
        "Children placed where no registered place could be found (about 800 in England, PAC "
        "2026).",
    ),
    Outcome(
        "children_waiting",
        "Children waiting for a planned move at 31 March",
        "children",
        1.0,
        "sufficiency",
        "Children whose planned move has not yet found a place.",
    ),
    Outcome(
        "childrens_homes",
        "Children's homes open at 31 March",
        "homes",
        1.0,
        "sufficiency",
        "Registered children's homes of every sector (Ofsted 2025: 4,009 with secure homes).",
    ),
    Outcome(
        "foster_places",
        "Foster places at 31 March",
        "places",
        1.0,
        "sufficiency",
        "Approved places of councils' and agencies' foster carers and kinship carers.",
    ),
    Outcome(
        "mean_price_childrens_home_gbp_week",
        "Price paid for a children's home place",
        "£ a week",
        1.0,
        "market",
        "The mean weekly fee councils pay (NAO 2025: £6,100).",
    ),
    Outcome(
        "private_home_margin",
        "Private homes' operating margin",
        "percentage points",
        100.0,
        "market",
        "Private children's homes' income less costs over income (CMA: 22.6% for the largest "
        "groups).",
    ),
)
BY_KEY = {o.key: o for o in OUTCOMES}
FAMILIES = ("stability", "distance", "cost", "sufficiency", "market")


def _fmt(x: float) -> str:
    if pd.isna(x):
        return "n/a"
    a = abs(x)
    if a >= 100:
        return f"{x:+,.0f}"
    if a >= 10:
        return f"{x:+.1f}"
    return f"{x:+.2f}"


def effect_table(eff: pd.DataFrame, area: str = "England", period: str = "all_years") -> list:
    """Rows (family, outcome in words, effect with its 90% interval in plain units, unit).

    ``eff`` is ``sim.io.compare.effects``' output for one scenario against the baseline.
    """
    e = eff[(eff["area"] == area) & (eff["period"] == period)].set_index("outcome")
    rows = []
    for o in OUTCOMES:
        if o.key not in e.index:
            continue
        r = e.loc[o.key]
        d, lo, hi = (float(r[k]) * o.factor for k in ("diff", "lo", "hi"))
        rows.append(
            {
                "family": o.family,
                "outcome": o.label,
                "effect": f"{_fmt(d)} [{_fmt(lo)} to {_fmt(hi)}]",
                "unit": o.unit,
                "baseline": f"{float(r['baseline']) * o.factor:,.1f}",
            }
        )
    return rows


# The cost breakdown: councils' spend by what it pays for (the ledger's groups, a partition of
# ``spend_total_gbp``; the clawback of a profit cap is negative).
COST_PARTS: tuple[tuple[str, str], ...] = (
    ("spend_fostering_gbp", "foster placements"),
    ("spend_residential_gbp", "children's homes, secure and unregistered"),
    ("spend_supported_gbp", "supported accommodation"),
    ("spend_overhead_gbp", "councils' other costs"),
    ("spend_rcc_gbp", "RCC running costs"),
    ("spend_void_gbp", "empty places paid for (voids)"),
    ("spend_capital_gbp", "capital (new public homes)"),
    ("spend_programme_gbp", "programmes (hubs, prevention, support)"),
    ("spend_clawback_gbp", "profit returned under a cap"),
)


def cost_breakdown(out: pd.DataFrame) -> pd.DataFrame:
    """Mean spend a year by part and scenario, £m, over the years and replicates.

    The area is the world's (area type ``england``: England or the world's councils).
    """
    e = out[(out["area_type"] == "england") & out["outcome"].isin([k for k, _ in COST_PARTS])]
    mean = e.groupby(["scenario", "outcome"])["value"].mean().unstack("scenario") / 1e6
    names = dict(COST_PARTS)
    mean.index = [names[k] for k in mean.index]
    mean.columns.name = None
    return mean.reindex([n for _, n in COST_PARTS]).fillna(0.0)


def side_by_side(
    eff: pd.DataFrame, area: str = "England", period: str = "all_years"
) -> pd.DataFrame:
    """Each scenario's effects (``effect_table``) as columns, one row per outcome in words."""
    cols = {}
    for scen in dict.fromkeys(eff["scenario"]):
        rows = effect_table(eff[eff["scenario"] == scen], area, period)
        cols[scen] = {(r["outcome"], r["unit"]): r["effect"] for r in rows}
    table = pd.DataFrame(cols)
    table.index = pd.MultiIndex.from_tuples(table.index, names=["outcome", "unit"])
    return table.reset_index()


def national_check(out: pd.DataFrame) -> pd.DataFrame:
    """The baseline's first year against the national figures it can be compared with.

    The targets of ``sim.calibration.targets`` (DfE, NAO, CMA, LGA, Ofsted) whose indicator is
    among the page's outcomes; only meaningful for the England world.
    """
    from sim.calibration.targets import BASELINE_TARGETS, MARKET_CHECKS, check

    base = out[out["scenario"] == "baseline"].rename(columns={"outcome": "indicator"})
    have = set(base["indicator"])
    targets = tuple(t for t in (*BASELINE_TARGETS, *MARKET_CHECKS) if t.indicator in have)
    rows = check(base, int(base["year"].min()), targets)
    return pd.DataFrame(
        {
            "measure": rows["target"],
            "model (first year)": rows["simulated"].round(1),
            "national figure": rows["target_value"],
            "band": [
                f"{lo:,.1f} to {hi:,.1f}"
                for lo, hi in zip(rows["lower"], rows["upper"], strict=True)
            ],
            "within": rows["within"].map({True: "yes", False: "no"}),
            "source": rows["source"],
        }
    )


# What carries a reform's effect: the market and supply outcomes a change in stability,
# distance or cost runs through (prices, supply, margins, search, RCCs' costs).
CHANNELS: tuple[tuple[str, str, str, float], ...] = (
    (
        "mean_price_childrens_home_gbp_week",
        "the price paid for a children's home place",
        "£ a week",
        1.0,
    ),
    (
        "mean_price_foster_ifa_gbp_week",
        "the price paid for an agency foster place",
        "£ a week",
        1.0,
    ),
    ("private_home_margin", "private homes' operating margin", "points", 100.0),
    ("childrens_homes", "children's homes open", "homes", 1.0),
    ("foster_places", "foster places", "places", 1.0),
    ("share_outside_la", "children placed outside their council", "points", 100.0),
    ("mean_distance_km", "the mean distance from home", "km", 1.0),
    ("unregistered_at_31_march", "children in unregistered settings", "children", 1.0),
    ("spend_void_gbp", "spend on empty places (block contracts, public homes)", "£m a year", 1e-6),
    ("spend_rcc_gbp", "RCCs' running costs", "£m a year", 1e-6),
    ("spend_programme_gbp", "programme spend (hubs, prevention, support)", "£m a year", 1e-6),
)


def amount(x: float, unit: str) -> str:
    """``x`` in ``unit`` as words: £229.5 a week, £1.2m a year, 165.1 places."""
    if unit == "£m a year":
        return f"£{x:,.1f}m a year"
    if unit.startswith("£"):
        return f"£{x:,.1f}{unit[1:]}"
    return f"{x:,.1f} {unit}"


def what_moved(eff: pd.DataFrame, area: str = "England", period: str = "all_years") -> list[str]:
    """Sentences on the channels whose change is clear, largest relative change first.

    A change is clear when its 90% interval excludes zero.
    """
    e = eff[(eff["area"] == area) & (eff["period"] == period)].set_index("outcome")
    found = []
    for key, words, unit, factor in CHANNELS:
        if key not in e.index:
            continue
        r = e.loc[key]
        lo, hi = float(r["lo"]), float(r["hi"])
        if not (lo > 0 or hi < 0):
            continue
        d = float(r["diff"])
        base = abs(float(r["baseline"])) or 1.0
        verb = "rose" if d > 0 else "fell"
        near, far = sorted((abs(lo), abs(hi)))
        found.append(
            (
                abs(d) / base,
                f"{words[0].upper()}{words[1:]} {verb} by {amount(abs(d) * factor, unit)} "
                f"[{near * factor:,.1f} to {far * factor:,.1f}]",
            )
        )
    return [text for _, text in sorted(found, key=lambda x: -x[0])]
