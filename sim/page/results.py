"""The policy page's results: a run's progress, then what the reform does.

This module owns what the page shows of a run: its progress bar, error or cancellation
(``RunStatus``); for one scenario against the baseline, the effects in plain units with their
intervals by outcome family, the cost breakdown, what moved, the baseline beside the national
figures, the map of councils and a fan chart (``Results``); for several scenarios, their effects
side by side and a fan chart of all of them (``SideBySide``); and the downloads (CSV, Parquet,
the HTML report).
"""

from __future__ import annotations

import html
import io

import pandas as pd
import solara

from sim.config import WorldName
from sim.page import figures, outcomes, runs
from sim.page.report import html_report


@solara.component
def Words(text: str, tag: str = "p") -> None:
    """Plain text in a paragraph or heading.

    Not Markdown: its maths renderer (KaTeX) is not in solara-assets and would load from a CDN.
    """
    solara.HTML(tag=tag, unsafe_innerHTML=html.escape(text))


@solara.component
def RunStatus(j: runs.Job, tick: int, scenario_name: str, chart) -> None:
    """A run's progress, error or cancellation, or its results once finished.

    ``tick`` changes as the run reports, so the status is drawn again.
    """
    if j.error:
        solara.Error(j.error)
    elif j.cancelled:
        solara.Warning("Cancelled. Replicates already finished stay cached.")
    elif not j.finished:
        share = 100 * j.done / j.total if j.total else 0
        solara.ProgressLinear(value=share)
        solara.Text(f"{j.done} of {j.total} runs done. {j.last}")
    else:
        Results(j, scenario_name, chart)


def _meta(j: runs.Job) -> dict[str, str]:
    c = j.cfgs[0]
    return {"world": c.world.name.value, "years": c.years, "replicates": c.reps, "seed": c.seed}


def _parquet(frame: pd.DataFrame) -> bytes:
    buf = io.BytesIO()
    frame.to_parquet(buf, index=False)
    return buf.getvalue()


@solara.component
def Results(j: runs.Job, scenario_name: str, chart: solara.Reactive[str]) -> None:
    """The effects by family, in plain units, the costs, a map by council and a fan chart."""
    map_key = solara.use_reactive("share_over_20_miles_of_known")
    from sim.io.compare import effects

    out = runs.outcomes(j)
    if out["scenario"].nunique() < 2:
        solara.Warning("This scenario is the baseline: nothing to compare.")
        return
    if out["scenario"].nunique() > 2:  # kept scenarios, side by side
        SideBySide(j, chart)
        return
    out = out.assign(scenario=out["scenario"].where(out["scenario"] == "baseline", "reform"))
    eff = effects(out)
    rows = outcomes.effect_table(eff[eff["area_type"] == "england"], "England")
    Words(
        f"What the reform does (mean over the years, difference from the baseline, "
        f"90% interval over {j.cfgs[0].reps} paired replicates)",
        "h3",
    )
    for family in outcomes.FAMILIES:
        part = [r for r in rows if r["family"] == family]
        if part:
            Words(family.capitalize(), "h4")
            solara.DataFrame(pd.DataFrame(part).drop(columns="family"))
    Words("Where the money goes (mean £m a year)", "h4")
    costs = outcomes.cost_breakdown(out).rename(
        columns={"baseline": "no reform", "reform": scenario_name}
    )
    solara.DataFrame(costs.round(1).reset_index(names="spend on"))
    with solara.Row():
        solara.FileDownload(
            out.to_csv(index=False),
            filename=f"{scenario_name}_outcomes.csv",
            label="Outcomes (CSV)",
        )
        solara.FileDownload(
            lambda: _parquet(out), filename=f"{scenario_name}_outcomes.parquet", label="Parquet"
        )
        solara.FileDownload(
            eff.to_csv(index=False), filename=f"{scenario_name}_effects.csv", label="Effects (CSV)"
        )
        solara.FileDownload(
            lambda: html_report(
                out.assign(scenario=out["scenario"].replace("reform", scenario_name)),
                eff.assign(scenario=scenario_name),
                _meta(j),
            ),
            filename=f"{scenario_name}_report.html",
            label="Report (HTML)",
        )
    moved = outcomes.what_moved(eff)
    Words("What moved (the channels the effect runs through, where the change is clear)", "h4")
    if moved:
        for line in moved:
            Words(line)
    else:
        Words("No channel moved clearly beyond chance with these replicates.")
    if j.cfgs[0].world.name == WorldName.england:
        Words("The baseline against the national figures", "h4")
        solara.DataFrame(outcomes.national_check(out))
    la_scenarios = set(out.loc[out["area_type"] == "la", "scenario"])
    if {"baseline", "reform"} <= la_scenarios:
        Words("By council", "h4")
        pick_map = next(k for k, v in figures.MAP_OUTCOMES.items() if v == map_key.value)
        solara.Select(
            "Map", values=list(figures.MAP_OUTCOMES), value=pick_map,
            on_value=lambda v: map_key.set(figures.MAP_OUTCOMES[v]),
        )  # fmt: skip
        fig, by_council = figures.council_map(out, map_key.value, scenario_name)
        solara.FigureMatplotlib(fig)
        solara.DataFrame(by_council.sort_values("change").reset_index(names="council code"))
    Chart(out, chart, {"reform": scenario_name})


@solara.component
def SideBySide(j: runs.Job, chart: solara.Reactive[str]) -> None:
    """Several scenarios' effects side by side, and a fan chart of them all."""
    from sim.io.compare import effects

    out = runs.outcomes(j)
    Words(
        f"Scenarios side by side (mean over the years, difference from the baseline, "
        f"90% interval over {j.cfgs[0].reps} paired replicates)",
        "h3",
    )
    eff = effects(out)
    solara.DataFrame(outcomes.side_by_side(eff))
    with solara.Row():
        solara.FileDownload(
            lambda: html_report(out, eff, _meta(j)),
            filename="comparison_report.html",
            label="Report (HTML)",
        )
        solara.FileDownload(
            out.to_csv(index=False), filename="comparison_outcomes.csv", label="Outcomes (CSV)"
        )
        solara.FileDownload(
            lambda: _parquet(out), filename="comparison_outcomes.parquet", label="Parquet"
        )
    Chart(out, chart)


@solara.component
def Chart(out: pd.DataFrame, chart: solara.Reactive[str], labels: dict | None = None) -> None:
    """A fan chart of the outcome picked from a list, every scenario in ``out``."""
    names = {o.label: o.key for o in outcomes.OUTCOMES}
    pick = next(k for k, v in names.items() if v == chart.value)
    solara.Select("Chart", values=list(names), value=pick, on_value=lambda v: chart.set(names[v]))
    solara.FigureMatplotlib(figures.fan_chart(out, chart.value, labels))
