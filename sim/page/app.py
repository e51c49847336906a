"""The policy page (Solara): build a reform, run it against the baseline, read what it does.

This module owns the page's components: the world, years and replicates; a panel per lever
with its settings (each checked by the lever's schema as it is typed, the allowed range shown
when refused) and its explanation from the schema; the run, in a process of its own with a
progress bar and a cancel button (``sim.page.runs``); the effects in plain units with their
intervals by outcome family, the cost breakdown, the map and a fan chart over the years
(``sim.page.outcomes``, ``sim.page.figures``) and the outcomes to download (CSV, Parquet, the
HTML report); and the scenario saved or loaded as a ``configs/policy`` YAML file.
``experiments/app.py`` serves it.
"""

from __future__ import annotations

import functools
import html
import io
import time

import matplotlib

matplotlib.use("Agg")
import pandas as pd  # noqa: E402
import solara  # noqa: E402

from sim.config import (  # noqa: E402
    ConfigError,
    RunConfig,
    UncertaintyConfig,
    WorldConfig,
    WorldName,
)
from sim.page import figures, outcomes, runs, scenario  # noqa: E402
from sim.page.report import html_report  # noqa: E402

WORLDS = {
    "Greater Manchester (RCC pathfinder)": WorldName.greater_manchester,
    "South East (RCC pathfinder)": WorldName.south_east,
    "England": WorldName.england,
}
PICKED = "Councils picked from the list"


@functools.cache
def councils() -> pd.DataFrame:
    """England's councils: name, ONS code and region (the embedded table)."""
    from sim.io import embedded

    return embedded.england().las[["la_name", "ons_code", "region"]]


def world_labels() -> list[str]:
    """The worlds the page offers: the pathfinders, England, each region, picked councils."""
    regions = sorted(set(councils()["region"]))
    return [*WORLDS, *(f"Region: {r}" for r in regions), PICKED]


def world_config(label: str, picked: list[str]) -> WorldConfig:
    """The world of ``label`` (``picked``: council names, for ``PICKED``).

    Raises:
        ConfigError: picked councils that are none, or not councils.
    """
    if label in WORLDS:
        return WorldConfig(name=WORLDS[label])
    c = councils()
    if label.startswith("Region: "):
        codes = c.loc[c["region"] == label.removeprefix("Region: "), "ons_code"].tolist()
    else:
        codes = c.loc[c["la_name"].isin(picked), "ons_code"].tolist()
        if not codes:
            raise ConfigError("pick at least one council from the list")
    return WorldConfig(name=WorldName.custom, las=codes)


def _values(name: str, raw: dict) -> dict:
    """A lever's typed settings from the page's text inputs (lists as comma-separated text)."""
    spec = {f.name: f for f in scenario.lever_spec(name).fields}
    out = {}
    for k, v in raw.items():
        kind = spec[k].kind
        if kind == "list" and isinstance(v, str):
            v = [x.strip() for x in v.split(",") if x.strip()]
        out[k] = v
    return out


@solara.component
def LeverPanel(name: str, state: solara.Reactive[dict]) -> None:
    """A lever's switch, dates and strengths, checked by its schema as they change."""
    spec = scenario.lever_spec(name)
    raw = state.value.get(name, {})
    error = ""
    try:
        scenario.build_lever(name, _values(name, raw))
    except ConfigError as exc:
        error = str(exc)
    except (TypeError, ValueError) as exc:
        error = f"policy.{name}: {exc}"

    def set_field(field: str, value) -> None:
        new = dict(state.value)
        new[name] = {**new.get(name, {}), field: value}
        state.value = new

    on = bool(raw.get("enabled", False))
    with solara.Details(summary=f"{'[on] ' if on else ''}{spec.title}", expand=False):
        Words(spec.explanation)
        for f in spec.fields:
            value = raw.get(f.name, f.default)
            label = f.name.replace("_", " ")
            if f.kind == "bool":
                solara.Switch(
                    label=label, value=bool(value), on_value=lambda v, k=f.name: set_field(k, v)
                )
            elif f.kind == "int":
                solara.InputInt(
                    label=label, value=int(value), on_value=lambda v, k=f.name: set_field(k, v)
                )
            elif f.kind == "float":
                solara.InputFloat(
                    label=label, value=float(value), on_value=lambda v, k=f.name: set_field(k, v)
                )
            elif f.kind == "list":
                text = value if isinstance(value, str) else ", ".join(map(str, value))
                solara.InputText(
                    label=label, value=text, on_value=lambda v, k=f.name: set_field(k, v)
                )
            else:
                solara.InputText(
                    label=label, value=str(value), on_value=lambda v, k=f.name: set_field(k, v)
                )
            if f.explanation and f.name not in ("enabled", "start", "end"):
                solara.Text(f.explanation, style={"font-size": "0.8em", "color": "#555"})
        if error:
            solara.Error(error)


@solara.component
def Words(text: str, tag: str = "p") -> None:
    """Plain text in a paragraph or heading.

    Not Markdown: its maths renderer (KaTeX) is not in solara-assets and would load from a CDN.
    """
    solara.HTML(tag=tag, unsafe_innerHTML=html.escape(text))


@functools.cache
def assumptions() -> UncertaintyConfig:
    """``uncertainty=assumptions`` as the command line composes it."""
    from sim.io.cli import validate

    return validate(["uncertainty=assumptions"]).uncertainty


def _policy(name: str, levers: dict) -> scenario.PolicyConfig:
    return scenario.build_policy(name, {k: _values(k, v) for k, v in levers.items() if v})


# What the page opens on: the RCC pathfinders' pooled commissioning in Greater Manchester, five
# years, three paired replicates (``experiments/app.py`` runs it on start, so it is cached).
OPENING_WORLD = "Greater Manchester (RCC pathfinder)"
OPENING_YEARS, OPENING_REPS = 5, 3
OPENING_POLICY = "rcc_pathfinders"


def opening_levers() -> dict:
    """The opening scenario's lever values, from ``configs/policy/<OPENING_POLICY>.yaml``."""
    path = scenario.POLICY_DIR / f"{OPENING_POLICY}.yaml"
    p = scenario.from_yaml(path.read_text(), str(path))
    return {k: scenario.dataclasses.asdict(getattr(p, k)) for k in p.enabled()}


def opening_config() -> tuple[RunConfig, scenario.PolicyConfig]:
    """The opening world's run and scenario (the ones ``experiments/app.py`` warms)."""
    cfg = RunConfig(world=world_config(OPENING_WORLD, []), years=OPENING_YEARS, reps=OPENING_REPS)
    return cfg, _policy(OPENING_POLICY, opening_levers())


@solara.component
def Page() -> None:
    """The whole page."""
    world = solara.use_reactive(OPENING_WORLD)
    years = solara.use_reactive(OPENING_YEARS)
    reps = solara.use_reactive(OPENING_REPS)
    name = solara.use_reactive(OPENING_POLICY)
    levers = solara.use_reactive(opening_levers())
    job = solara.use_reactive(None)
    tick = solara.use_reactive(0)
    chart = solara.use_reactive("spend_total_gbp")
    message = solara.use_reactive("")
    kept = solara.use_reactive({})  # scenarios kept for comparison: name -> YAML
    uncertain = solara.use_reactive(False)  # draw the assumptions' values per replicate
    picked = solara.use_reactive([])  # council names, for the picked world

    problem = ""
    try:
        policy = _policy(name.value, levers.value)
    except (ConfigError, TypeError, ValueError) as exc:
        policy, problem = None, str(exc)

    def config() -> RunConfig:
        return RunConfig(
            world=world_config(world.value, picked.value),
            years=years.value,
            reps=reps.value,
            uncertainty=assumptions() if uncertain.value else UncertaintyConfig(),
        )

    def run() -> None:
        job.value = runs.start(config(), policy)
        tick.value += 1

    def keep() -> None:
        if policy is not None:
            kept.value = {**kept.value, policy.name: scenario.to_yaml(policy)}

    def compare() -> None:
        chosen = [scenario.from_yaml(text, label) for label, text in kept.value.items()]
        job.value = runs.start(config(), *chosen)
        tick.value += 1

    def stop() -> None:
        if job.value is not None:
            runs.cancel(job.value)
            tick.value += 1

    def watch():  # polls the run's process; the page stays responsive
        j = job.value
        while j is not None and not j.finished:
            time.sleep(0.5)
            runs.poll(j)
            tick.value += 1

    solara.use_thread(watch, dependencies=[job.value])

    def load_text(text: str, source: str) -> None:
        try:
            p = scenario.from_yaml(text, source)
        except ConfigError as exc:
            message.value = str(exc)
            return
        name.value = p.name
        levers.value = {
            k: {f: v for f, v in scenario.dataclasses.asdict(getattr(p, k)).items()}
            for k in p.enabled()
        }
        message.value = f"loaded {source}"

    def load(file) -> None:
        load_text(file["data"].decode(), file["name"])

    router = solara.use_router()

    def from_link() -> bool:  # a link made by "Link to this scenario" reopens it
        try:
            linked, settings = scenario.from_link(router.search)
        except ConfigError as exc:
            message.value = str(exc)
            return True
        if not linked and not settings:
            return False
        if linked is not None:
            load_text(scenario.to_yaml(linked), "the link")
        if settings.get("world") in world_labels() and settings["world"] != PICKED:
            world.value = settings["world"]
        for key, var in (("years", years), ("reps", reps)):
            if settings.get(key, "").isdigit():
                var.value = min(10, max(1, int(settings[key])))
        return True

    def from_link_or_cache() -> None:
        if from_link():
            return
        # Opening on a scenario already run: its results show at once (nothing runs here).
        if policy is not None and policy.enabled() and not problem:
            cfg = config()
            if all(runs.cached(cfg, p).exists() for p in (runs.BASELINE, policy)):
                job.value = runs.start(cfg, policy)

    solara.use_effect(from_link_or_cache, [])

    def link() -> None:
        if policy is None:
            return
        query = scenario.to_link(policy, world=world.value, years=years.value, reps=reps.value)
        router.push(f"{router.path}?{query}")
        message.value = "The address bar now holds a link that reopens this scenario."

    solara.Title("Children's care placements: test a reform")
    with solara.Sidebar():
        Settings(world, picked, years, reps, uncertain, name, levers)
    with solara.Column():
        Words(
            "Switch levers on in the sidebar, set their strengths and dates, then run. Each "
            "replicate of the reform is paired with the same replicate of the baseline (the "
            "same children and draws), so the difference is the reform's."
        )
        if world.value == PICKED and not picked.value:
            problem = problem or "Pick at least one council from the list in the sidebar."
        if problem:
            solara.Error(problem)
        elif policy is not None and not policy.enabled():
            solara.Info("Switch at least one lever on to compare a reform with the baseline.")
        with solara.Row():
            ready = policy is not None and bool(policy.enabled()) and not problem
            solara.Button("Run", on_click=run, disabled=not ready, color="primary")
            solara.Button("Cancel", on_click=stop)
            solara.Button("Link to this scenario", on_click=link, disabled=policy is None)
            if policy is not None:
                solara.FileDownload(
                    scenario.to_yaml(policy, "saved from the policy page"),
                    filename=f"{policy.name}.yaml",
                    label="Save scenario (YAML)",
                )
        with solara.Row():
            solara.Button("Keep for comparison", on_click=keep, disabled=policy is None)
            solara.Button(
                f"Compare the {len(kept.value)} kept side by side",
                on_click=compare,
                disabled=len(kept.value) < 2,
            )
            if kept.value:
                solara.Text("kept: " + ", ".join(kept.value))
        solara.FileDrop(label="Drop a scenario YAML here to load it", on_file=load)
        if message.value:
            solara.Info(message.value)
        if job.value is not None:
            RunStatus(job.value, tick.value, policy.name if policy else "reform", chart)


@solara.component
def Settings(world, picked, years, reps, uncertain, name, levers) -> None:
    """The sidebar: the world, years, replicates, uncertainty, the scenario's name, the levers."""
    Words("The world", "h3")
    solara.Select("World", values=world_labels(), value=world)
    if world.value == PICKED:
        solara.SelectMultiple("Councils", all_values=sorted(councils()["la_name"]), values=picked)
    solara.SliderInt("Years", value=years, min=1, max=10)
    solara.SliderInt("Replicates (paired with the baseline)", value=reps, min=1, max=10)
    solara.Checkbox(
        label="Uncertain assumptions: each replicate draws the levers' strengths and the "
        "assumed parameters (configs/uncertainty/assumptions.yaml)",
        value=uncertain,
    )
    solara.InputText("Scenario name", value=name)
    Words("Levers", "h3")
    for lever in scenario.lever_names():
        LeverPanel(lever, levers)


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
        Words(
            f"Kept scenarios side by side (mean over the years, difference from the baseline, "
            f"90% interval over {j.cfgs[0].reps} paired replicates)",
            "h3",
        )
        eff = effects(out)
        solara.DataFrame(outcomes.side_by_side(eff))
        solara.FileDownload(
            lambda: html_report(out, eff, _meta(j)),
            filename="comparison_report.html",
            label="Report (HTML)",
        )
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
    labels = {o.label: o.key for o in outcomes.OUTCOMES}
    pick = next(k for k, v in labels.items() if v == chart.value)
    solara.Select("Chart", values=list(labels), value=pick, on_value=lambda v: chart.set(labels[v]))
    solara.FigureMatplotlib(figures.fan_chart(out, chart.value, {"reform": scenario_name}))
