"""A self-contained HTML report of a comparison: the same words, units and pictures as the page.

This module owns the report that ``experiments/compare.py report=true`` writes and the policy
page offers to download: the scenarios' effects side by side by outcome family (plain units,
90% intervals), where the money goes in each scenario, and fan charts of the key outcomes over
the years, the figures embedded as PNG so the file stands alone (no internet, no other file).
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from sim.page import outcomes  # noqa: E402
from sim.page.figures import fan_chart  # noqa: E402

# The outcomes drawn as fan charts, one per family.
FANS = (
    "share_3plus_placements",
    "share_over_20_miles_of_known",
    "spend_total_gbp",
    "unregistered_at_31_march",
    "mean_price_childrens_home_gbp_week",
)


def _png(fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100)
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode()


def _table(frame: pd.DataFrame) -> str:
    return frame.to_html(index=False, border=0, classes="t", escape=True)


def html_report(out: pd.DataFrame, eff: pd.DataFrame, meta: dict[str, str]) -> str:
    """The report of a comparison's outcomes ``out`` and effects ``eff`` (area England).

    ``meta``: what was run (world, years, replicates, seed, code version...), shown at the top.
    """
    scen = [s for s in dict.fromkeys(out["scenario"]) if s != "baseline"]
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'>",
        "<title>Children's care placements: reform comparison</title>",
        "<style>body{font-family:sans-serif;max-width:1000px;margin:2em auto;color:#222}"
        "table.t{border-collapse:collapse;font-size:0.85em;margin-bottom:1em}"
        "table.t td,table.t th{padding:3px 8px;border-bottom:1px solid #ddd;text-align:left}"
        "h2{margin-top:1.5em}</style></head><body>",
        "<h1>Children's care placements: what the reforms do</h1>",
        "<p>"
        + "; ".join(f"{html.escape(k)}: {html.escape(str(v))}" for k, v in meta.items())
        + f"; written {dt.date.today().isoformat()}.</p>",
        "<p>Each effect is the mean over the years of the difference from the baseline, with "
        "its 90% interval over paired replicates (replicate k of every scenario has the same "
        "children and draws).</p>",
    ]
    if scen:
        e = eff[eff["area_type"] == "england"]
        table = outcomes.side_by_side(e)
        for family in outcomes.FAMILIES:
            labels = {o.label for o in outcomes.OUTCOMES if o.family == family}
            part = table[table["outcome"].isin(labels)]
            if len(part):
                parts.append(f"<h2>{html.escape(family.capitalize())}</h2>")
                parts.append(_table(part))
    costs = outcomes.cost_breakdown(out)
    if len(costs.columns):
        parts.append("<h2>Where the money goes (mean £m a year)</h2>")
        parts.append(_table(costs.round(1).reset_index(names="spend on")))
    parts.append("<h2>Over the years</h2>")
    for key in FANS:
        if (out["outcome"] == key).any():
            parts.append(
                f"<img alt='{html.escape(outcomes.BY_KEY[key].label)}' "
                f"src='data:image/png;base64,{_png(fan_chart(out, key))}'>"
            )
    parts.append("</body></html>")
    return "\n".join(parts)
