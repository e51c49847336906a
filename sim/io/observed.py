"""Reporting from observed data: indicators of an extract, disclosure control, the headline table.

This module owns what may leave the process when the model meets real SSDA903 data: the
indicators of an extract computed by ``sim.metrics.indicators`` (the one code path the model's
own runs use), with disclosure control (``sim.io.disclosure``: counts of 1 to 4 suppressed and
everything that would give one back), and the headline table printed by
``experiments/observed_indicators.py``. No child-level row leaves this module.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.geography import Geography
from sim.io.disclosure import SUPPRESS_BELOW, suppress
from sim.io.read903 import Extract, ObservedDataError
from sim.io.read903_files import UNNAMED_LA
from sim.metrics import indicators

# Indicators scored against observed data (back-cast, evaluation) and fitted by calibration.
SCORED = (
    "cla",
    "starts",
    "ceased",
    "placement_changes",
    "share_place_foster",
    "share_place_homes_secure",
    "share_place_supported_independent",
    "share_3plus_placements",
    "long_term_stability",
    "share_over_20_miles_of_known",
    "share_outside_la",
)
# The printed headline table: the scored indicators plus the placed-with-parents share.
_AT = SCORED.index("share_3plus_placements")
HEADLINE = [*SCORED[:_AT], "share_place_placed_with_parents", *SCORED[_AT:]]


# Indicators that need to know where the council is (left out for an extract naming no LA).
NEEDS_THE_LA = ("placed_outside_la", "share_outside_la")


def observed_indicators(ex: Extract, geo: Geography, years: list[int] | None = None):
    """Suppressed tidy indicators of an extract for ``years`` (default: the extract's).

    Raises:
        ObservedDataError: a year the extract does not cover (its indicators would be made up
            of the children still open at the extract's end).
    """
    outside = [y for y in years or [] if y not in ex.years] if ex.years else []
    if outside:
        raise ObservedDataError(
            f"years={','.join(map(str, outside))}: outside the extract, which covers the years"
            f" to 31 March {ex.years[0]}-{ex.years[-1]}"
        )
    ind = indicators(ex.episodes, ex.header, years or ex.years, geo)
    ind = ind[ind["area_type"].isin(("england", "region", "rcc", "la"))]
    if (ex.episodes["LA"] == UNNAMED_LA).any():
        # A council that names itself nowhere: where it is, and so which placements are
        # outside it, is unknown (``la=`` names it); its region is unknown too.
        unknown = ind["indicator"].isin(NEEDS_THE_LA) & ind["area_type"].isin(("england", "la"))
        unknown |= ind["area_type"].isin(("region", "rcc")) & (ind["area"] == "unknown")
        ind = ind[~unknown]
    # 'england' here is the whole extract, whichever LAs it holds.
    ind = ind.assign(area=np.where(ind["area_type"] == "england", "extract", ind["area"]))
    ind = ind.assign(area_type=ind["area_type"].replace({"england": "all"}))
    return suppress(ind, geo).reset_index(drop=True)


def headline_table(ind: pd.DataFrame, area_type: str = "all") -> pd.DataFrame:
    """The headline indicators by year for one area type, as printed text values."""
    h = ind[(ind["area_type"] == area_type) & ind["indicator"].isin(HEADLINE)]

    def fmt(row) -> str:
        if row["suppressed"]:
            return "c"
        v = row["value"]
        if pd.isna(v):
            return ""
        return f"{100 * v:.1f}%" if row["indicator"].startswith(("share", "long")) else f"{v:,.0f}"

    h = h.assign(text=h.apply(fmt, axis=1))
    t = h.pivot_table(index=["area", "indicator"], columns="year", values="text", aggfunc="first")
    order = {n: i for i, n in enumerate(HEADLINE)}
    t = t.sort_index(key=lambda s: s.map(order) if s.name == "indicator" else s)
    return t.fillna("")


def cleaning_report(ex: Extract) -> dict[str, object]:
    """What reading repaired and cleaning did, with counts under 5 shown as '<5'.

    Also how file names were read (``year_naming``: the year a collection "start"s or "end"s)
    and which LAs the extract holds (none named: ``unnamed LA``).
    """
    return {
        k: ("<5" if 0 < v < SUPPRESS_BELOW else int(v)) for k, v in sorted(ex.cleaning.items())
    } | {
        "years": ex.years,
        "files": len(ex.files),
        "year_naming": ex.year_naming,
        "las": sorted(set(ex.episodes["LA"])),
    }
