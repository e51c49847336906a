"""The policy page's figures: fan charts over the years and the map of councils.

This module owns the page's matplotlib figures: an outcome by year for the baseline and the
reform (median and 90% range over replicates, colour-blind-safe colours) and the map of the
world's councils at their representative points coloured by the reform's change (no map tiles:
the page has no internet).
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from sim.page import outcomes  # noqa: E402

# Okabe-Ito, colour-blind safe: the baseline grey, then the scenarios.
PALETTE = ("#999999", "#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442")


def fan_chart(
    out: pd.DataFrame, key: str, labels: dict[str, str] | None = None, area_type: str = "england"
):
    """``key`` by year for each scenario: median and 90% range over replicates.

    ``labels`` names scenarios in the legend (default: the name, underscores as spaces; the
    baseline is "no reform (baseline)").
    """
    o = outcomes.BY_KEY[key]
    e = out[(out["area_type"] == area_type) & (out["outcome"] == key)]
    fig, ax = plt.subplots(figsize=(6, 3.2))
    for (name, g), colour in zip(e.groupby("scenario", sort=False), PALETTE, strict=False):
        q = g.groupby("year")["value"].quantile([0.05, 0.5, 0.95]).unstack() * o.factor
        label = (labels or {}).get(name, name.replace("_", " "))
        label = "no reform (baseline)" if name == "baseline" else label
        ax.fill_between(q.index, q[0.05], q[0.95], color=colour, alpha=0.2)
        ax.plot(q.index, q[0.5], "o-", color=colour, label=label, markersize=4)
    ax.set_title(o.label, fontsize=10)
    ax.set_xlabel("year to 31 March")
    ax.set_xticks(sorted(e["year"].unique()))
    ax.set_ylabel(o.unit)
    ax.legend(fontsize=7)
    fig.tight_layout()
    return fig


MAP_OUTCOMES = {
    "Placed over 20 miles from home": "share_over_20_miles_of_known",
    "Placed outside their council": "share_outside_la",
    "Children with 3+ placements in the year": "share_3plus_placements",
    "Long-term stability of under-16s": "long_term_stability",
    "Councils' spend on children in care": "spend_total_gbp",
}


def council_map(out: pd.DataFrame, key: str, scenario_name: str):
    """The reform's change in ``key`` by council, on a map of councils' points.

    Each simulated council sits at its representative point, coloured by the change (mean over
    years and replicates) and sized by its children in care; England's other councils are grey
    for place (no map tiles: the page has no internet).
    """
    from sim.io import embedded

    o = outcomes.BY_KEY[key]
    las = embedded.england().las
    la = out[out["area_type"] == "la"]
    mean = la.groupby(["scenario", "area", "outcome"])["value"].mean().unstack("scenario")
    change = (mean["reform"] - mean["baseline"]).xs(key, level="outcome") * o.factor
    cla = mean["baseline"].xs("cla", level="outcome")
    pts = las.set_index("ons_code").loc[change.index]
    fig, ax = plt.subplots(figsize=(6, 6.5))
    ax.scatter(las["lon"], las["lat"], s=6, color="#dddddd")
    lim = max(float(change.abs().max()), 1e-9)
    sc = ax.scatter(
        pts["lon"], pts["lat"], c=change, cmap="PuOr", vmin=-lim, vmax=lim,
        s=20 + 200 * cla / max(float(cla.max()), 1.0), edgecolors="#333333", linewidths=0.4,
    )  # fmt: skip
    fig.colorbar(sc, ax=ax, shrink=0.6, label=f"change, {o.unit}")
    ax.set_title(f"{o.label}: {scenario_name} against no reform", fontsize=10)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_aspect(1.6)
    fig.tight_layout()
    return fig, pts.assign(change=change.round(2))[["la_name", "change"]]


def pick_map_option(picked: list[str]) -> dict:
    """An ECharts map of England's councils as points, ``picked`` (names) highlighted.

    ECharts (bundled with solara-assets, so no internet) reports the council's name on a click.
    Axes are longitude and latitude over England's extent, latitude stretched to keep shapes.
    """
    from sim.io import embedded

    las = embedded.england().las
    chosen = set(picked)

    def points(mask) -> list[dict]:
        rows = las[mask]
        return [
            {"name": n, "value": [round(float(x), 4), round(float(y), 4)]}
            for n, x, y in zip(rows["la_name"], rows["lon"], rows["lat"], strict=True)
        ]

    is_picked = las["la_name"].isin(chosen)
    axis = {"show": False, "scale": True}
    return {
        "animation": False,
        "tooltip": {"trigger": "item", "formatter": "{b}"},
        "grid": {"left": 10, "right": 10, "top": 10, "bottom": 10},
        "xAxis": {**axis, "min": MAP_EXTENT[0], "max": MAP_EXTENT[1]},
        "yAxis": {**axis, "min": MAP_EXTENT[2], "max": MAP_EXTENT[3]},
        "series": [
            {
                "name": "councils",
                "type": "scatter",
                "symbolSize": 8,
                "itemStyle": {"color": "#bbbbbb"},
                "data": points(~is_picked),
            },
            {
                "name": "picked",
                "type": "scatter",
                "symbolSize": 11,
                "itemStyle": {"color": PALETTE[1]},
                "data": points(is_picked),
            },
        ],
    }


# England's extent on the picking map (degrees): longitude -6.5 to 1.9, latitude 49.8 to 55.4.
MAP_EXTENT = (-6.5, 1.9, 49.8, 55.4)
