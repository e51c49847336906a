"""Disclosure control of indicators from observed data: no count of 1 to 4 can be recomputed.

This module owns which published figures are blanked. It follows the DfE's convention for
children's social care statistics: counts of 1 to 4 are suppressed (primary suppression), and
so is whatever would give one back (secondary suppression):

- a share or mean whose denominator is under 5, or whose numerator (the count it is a share of,
  published or not: share x denominator) is 1 to 4 or suppressed;
- a part of a total split into parts (children looked after by placement group and by
  provider group, placement changes by reason) when it is the only part suppressed in its
  total: the next smallest positive part is suppressed with it (else total minus the others);
- an area's count when it is the only one of its parent's areas suppressed (a council in its
  region, an RCC's members, every council in the extract), the next smallest positive sibling
  likewise;
- a year's starts or ceased when the other is suppressed and both years' children looked
  after are published (the stock and flow identity would give it back).

The rules are applied until nothing changes. ``tests/test_observed.py`` tries every one of
these routes on a real run's indicators and must fail to recompute any suppressed count.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pandas as pd

SUPPRESS_BELOW = 5  # counts 1-4 are suppressed (DfE statistical practice)

# Shares and means, with the count each is a share of (numerator) and of which (denominator).
RATIOS = {
    "share_3plus_placements": ("cla_3plus_placements", "cla"),
    "share_outside_la": ("placed_outside_la", "cla"),
    "share_over_20_miles_of_known": ("placed_over_20_miles", "distance_known"),
    "long_term_stability": (None, "long_term_stability_eligible"),
    "mean_distance_km": (None, "distance_known"),
}


def ratio_terms(name: str) -> tuple[str | None, str | None]:
    """(numerator count, denominator count) of a share or mean; (None, None) for a count."""
    if name.startswith("share_place_"):
        return "cla_place_" + name[len("share_place_") :], "cla"
    return RATIOS.get(name, (None, None))


def is_ratio(name: str) -> bool:
    """True for shares and means (suppressed by their terms, not their value)."""
    return ratio_terms(name)[1] is not None or name.startswith(("share_", "mean_"))


def partitions(indicators: set[str]) -> list[tuple[str, list[str]]]:
    """Totals split into parts (every child or change of the total is in exactly one part)."""
    out = []
    for prefix in ("cla_place_", "cla_provider_"):
        parts = sorted(i for i in indicators if i.startswith(prefix))
        if parts:
            out.append(("cla", parts))
    reasons = sorted(i for i in indicators if i.startswith("changes_") and i != "changes_unplanned")
    if reasons:
        out.append(("placement_changes", reasons))
    return out


def _parents(keys, geo) -> dict[tuple[str, str], list[str]]:
    """Each parent area (area_type, area) with its councils (``la`` areas) present."""
    las = sorted({area for atype, area in keys if atype == "la"})
    out: dict[tuple[str, str], list[str]] = {("all", "extract"): las, ("england", "England"): las}
    if geo is not None:
        info = geo.las.set_index("ons_code")
        for la in las:
            if la in info.index:
                out.setdefault(("region", str(info.at[la, "region"])), []).append(la)
                rcc = str(info.at[la, "rcc_pathfinder"])
                if rcc:
                    out.setdefault(("rcc", rcc), []).append(la)
    return out


def suppress(ind: pd.DataFrame, geo=None) -> pd.DataFrame:
    """Blank every figure that is or would give back a count of 1-4; flag it ``suppressed``.

    Args:
        ind: tidy indicators (year, area_type, area, indicator, value).
        geo: geography, for the councils of each region and RCC (without it only the whole
            extract is a parent of its councils).

    Returns:
        The same rows with ``value`` NaN and ``suppressed`` True where disclosure control
        applies.
    """
    out = ind.copy()
    years, atypes, areas = (out[c].to_numpy() for c in ("year", "area_type", "area"))
    names, values = out["indicator"].to_numpy(), out["value"].to_numpy(float)
    val = {
        (y, t, a, n): v for y, t, a, n, v in zip(years, atypes, areas, names, values, strict=True)
    }
    ratio = {n: is_ratio(n) for n in set(names)}
    hidden = {k for k, v in val.items() if not ratio[k[3]] and 0 < v < SUPPRESS_BELOW}
    counts = sorted({n for n in ratio if not ratio[n]})
    parts = partitions(set(counts))
    places = sorted({(t, a) for _, t, a, _ in val})
    parents = _parents(places, geo)
    years_of = sorted({k[0] for k in val})

    def hide_smallest(cands: list[tuple]) -> bool:
        """Hide the smallest positive published figure of ``cands``; whether one was."""
        shown = [k for k in cands if k in val and k not in hidden and val[k] > 0]
        if not shown:
            return False
        hidden.add(min(shown, key=lambda k: (val[k], k)))
        return True

    changed = True
    while changed:
        changed = False
        by_place: dict[tuple, list] = defaultdict(list)
        for k in hidden:
            by_place[k[:3]].append(k[3])
        # Parts of a total: never one alone.
        for (y, t, a), hid in list(by_place.items()):
            for total, members in parts:
                inside = [n for n in hid if n in members]
                if len(inside) == 1 and (y, t, a, total) not in hidden:
                    changed |= hide_smallest([(y, t, a, n) for n in members])
        # Councils of a parent area: never one alone.
        for (pt, pa), las in parents.items():
            for y in years_of:
                for n in counts:
                    if (y, pt, pa, n) not in val or (y, pt, pa, n) in hidden:
                        continue
                    kids = [(y, "la", la, n) for la in las]
                    if sum(k in hidden for k in kids) == 1 and len(las) > 1:
                        changed |= hide_smallest(kids)
        # Stock and flow: starts and ceased of a year never one alone.
        for t, a in places:
            for y in years_of:
                pair = [(y, t, a, "starts"), (y, t, a, "ceased")]
                stocks = [(y - 1, t, a, "cla"), (y, t, a, "cla")]
                if all(s in val and s not in hidden for s in stocks):
                    if sum(k in hidden for k in pair) == 1:
                        changed |= hide_smallest(pair)
    # Shares and means follow their terms.
    for k, v in val.items():
        if not ratio[k[3]]:
            continue
        num, den = ratio_terms(k[3])
        d = val.get((*k[:3], den)) if den else None
        bad = d is None or not d >= SUPPRESS_BELOW or (*k[:3], den) in hidden
        if not bad and num is not None and k[3].startswith("share"):
            n_key = (*k[:3], num)
            bad = n_key in hidden
        if not bad and k[3].startswith(("share", "long")):
            n = round(v * d) if v == v else 0
            bad = 0 < n < SUPPRESS_BELOW
        if bad:
            hidden.add(k)
    small = np.array(
        [k in hidden for k in zip(years, atypes, areas, names, strict=True)], dtype=bool
    )
    out["value"] = out["value"].where(~small)
    out["suppressed"] = small
    return out
