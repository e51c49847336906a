"""How the model's pattern of outcomes across councils compares with DfE's, council by council.

This module owns the comparison of simulated LA indicators with DfE's published LA outcomes
(``sim/data/la_outcomes_2025_half.csv``: a random half of the 153 councils; the other half is
held back to check the model and is never read here): each council's observed and simulated
percentage side by side (``compare``), and per outcome the rank correlation across councils
(Spearman's rho), the mean absolute error in percentage points and the spread of each
(``summary``), the same by region (``by_region``), and each region's share of children placed
outside it against DfE's figures for all councils (``out_of_region``). The model is judged on
the pattern, not fitted to it: no parameter is set per council.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import spearmanr

# DfE's LA outcome (column of the table) -> the model's indicator (a share, 0-1).
OUTCOMES = {
    "pct_over_20_miles": "share_over_20_miles_of_known",
    "pct_3plus_placements_year": "share_3plus_placements",
    "pct_long_term_stable": "long_term_stability",
}
# Plain words for each outcome, for tables and figures.
LABELS = {
    "pct_over_20_miles": "placed over 20 miles from home, % of CLA",
    "pct_3plus_placements_year": "3+ placements in the year, % of CLA",
    "pct_long_term_stable": "long-term stability, % of under-16s in care 2.5+ years",
}


def compare(
    indicators: pd.DataFrame, observed: pd.DataFrame, las: pd.DataFrame, year: int
) -> pd.DataFrame:
    """Each council's observed and simulated outcome, in percent.

    Args:
        indicators: The model's tidy indicators (year, area_type, area, indicator, value, and
            rep when there are several replicates: their mean is taken).
        observed: DfE's outcomes by council (ons_code and the ``OUTCOMES`` columns, percent).
        las: The councils (ons_code, la_name, region).
        year: The simulated year (ending 31 March) to compare.

    Returns:
        One row per (council, outcome) observed and simulated: ons_code, la_name, region,
        outcome, observed, simulated, error (simulated - observed, points).
    """
    sim = indicators[
        (indicators["area_type"] == "la")
        & (indicators["year"] == year)
        & indicators["indicator"].isin(OUTCOMES.values())
    ]
    sim = sim.groupby(["area", "indicator"], sort=True)["value"].mean() * 100.0
    names = las.set_index("ons_code")[["la_name", "region"]]
    rows = []
    for outcome, indicator in OUTCOMES.items():
        obs = observed.set_index("ons_code")[outcome].dropna()
        for code, value in obs.items():
            key = (code, indicator)
            if key not in sim.index or code not in names.index:
                continue
            rows.append(
                {
                    "ons_code": code,
                    "la_name": names.at[code, "la_name"],
                    "region": names.at[code, "region"],
                    "outcome": outcome,
                    "observed": float(value),
                    "simulated": float(sim[key]),
                }
            )
    out = pd.DataFrame(
        rows, columns=["ons_code", "la_name", "region", "outcome", "observed", "simulated"]
    )
    out["error"] = out["simulated"] - out["observed"]
    return out


def summary(table: pd.DataFrame) -> pd.DataFrame:
    """Per outcome: councils, Spearman's rho, mean absolute error and the spread of each.

    Returns:
        outcome, label, councils, rho, mae_points, observed_mean, simulated_mean, observed_sd,
        simulated_sd (standard deviations across councils, points).
    """
    rows = []
    for outcome in OUTCOMES:
        t = table[table["outcome"] == outcome]
        n = len(t)
        rho = float(spearmanr(t["observed"], t["simulated"]).statistic) if n > 2 else np.nan
        rows.append(
            {
                "outcome": outcome,
                "label": LABELS[outcome],
                "councils": n,
                "rho": rho,
                "mae_points": float(t["error"].abs().mean()) if n else np.nan,
                "observed_mean": float(t["observed"].mean()) if n else np.nan,
                "simulated_mean": float(t["simulated"].mean()) if n else np.nan,
                "observed_sd": float(t["observed"].std()) if n > 1 else np.nan,
                "simulated_sd": float(t["simulated"].std()) if n > 1 else np.nan,
            }
        )
    return pd.DataFrame(rows)


def by_region(table: pd.DataFrame) -> pd.DataFrame:
    """Per outcome and region: councils, mean observed and simulated, mean error (points)."""
    g = table.groupby(["outcome", "region"], sort=True)
    out = g.agg(
        councils=("observed", "size"),
        observed_mean=("observed", "mean"),
        simulated_mean=("simulated", "mean"),
        mean_error=("error", "mean"),
    )
    return out.reset_index()


# Share of each region's children looked after at 31 March 2024 placed outside the region, %:
# 100 less the in-region share [sec] SESLIP Briefing #002 (DfE data released under FOI):
# https://www.seslip.co.uk/briefing-002-cross-regional-placements. London is one region.
OUT_OF_REGION_2024 = {
    "London": 23.0,
    "South East": 20.0,
    "East of England": 17.0,
    "East Midlands": 17.0,
    "South West": 17.0,
    "Yorkshire and The Humber": 12.0,
    "West Midlands": 10.0,
    "North East": 9.0,
    "North West": 6.0,
}


def out_of_region(indicators: pd.DataFrame, las: pd.DataFrame, year: int) -> pd.DataFrame:
    """Each region's % of children looked after placed outside it: the model's and DfE's.

    The model's is the sum over the region's councils of children placed outside the region
    over their children looked after (``placed_outside_region`` and ``cla``, mean over
    replicates); Inner and Outer London are London.

    Returns:
        region, observed (DfE 2024), simulated, error (points); no rows when the indicators
        lack ``placed_outside_region`` (a run written before it was computed).
    """
    sel = indicators[
        (indicators["area_type"] == "la")
        & (indicators["year"] == year)
        & indicators["indicator"].isin(["placed_outside_region", "cla"])
    ]
    columns = ["region", "observed", "simulated", "error"]
    if not {"placed_outside_region", "cla"} <= set(sel["indicator"]):
        return pd.DataFrame(columns=columns)  # a run written before the indicator existed
    v = sel.groupby(["area", "indicator"], sort=True)["value"].mean().unstack("indicator")
    region = las.set_index("ons_code")["region"].map(
        lambda r: "London" if "London" in str(r) else r
    )
    v = v.join(region.rename("region"), how="inner")
    sums = v.groupby("region", sort=True)[["placed_outside_region", "cla"]].sum()
    rows = []
    for name, observed in OUT_OF_REGION_2024.items():
        if name not in sums.index or sums.at[name, "cla"] <= 0:
            continue
        simulated = 100.0 * sums.at[name, "placed_outside_region"] / sums.at[name, "cla"]
        rows.append(
            {
                "region": name,
                "observed": observed,
                "simulated": simulated,
                "error": simulated - observed,
            }
        )
    return pd.DataFrame(rows, columns=columns)
