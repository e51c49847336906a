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
from sim.page import figures, runs, scenario  # noqa: E402
from sim.page.results import RunStatus, Words  # noqa: E402

WORLDS = {
    "Greater Manchester (RCC pathfinder)": WorldName.greater_manchester,
    "South East (RCC pathfinder)": WorldName.south_east,
    "England": WorldName.england,
}
PICKED = "Councils picked from the list or the map"


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
            raise ConfigError("pick at least one council from the list or the map")
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

    use_watch(job, tick)
    main = solara.use_reactive(None)  # England's eight scenarios (the main job)
    use_watch(main, tick)

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
        main_cfg, main_policies = runs.main_job()  # England's eight, once cached: at once
        if all(runs.cached(main_cfg, p).exists() for p in (runs.BASELINE, *main_policies)):
            main.value = runs.start(main_cfg, *main_policies)
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
        if world.value == PICKED:
            PickMap(picked)
            if not picked.value:
                problem = problem or "Pick at least one council from the list or the map."
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
        MainJob(main, tick.value, chart)


def use_watch(job: solara.Reactive, tick: solara.Reactive[int]) -> None:
    """Poll ``job``'s process in a thread of the page's own; ``tick`` redraws its status.

    The run is a process of its own, so the page (and other tabs) stay responsive.
    """

    def watch():
        j = job.value
        while j is not None and not j.finished:
            time.sleep(0.5)
            runs.poll(j)
            tick.value += 1

    solara.use_thread(watch, dependencies=[job.value])


@solara.component
def PickMap(picked: solara.Reactive[list]) -> None:
    """England's councils as points: a click picks a council, or unpicks it."""

    def click(event: dict) -> None:
        name = event.get("name")
        if name not in set(councils()["la_name"]):
            return
        now = list(picked.value)
        picked.value = [n for n in now if n != name] if name in now else [*now, name]

    Words("Click a council on the map to pick it (again to unpick it), or use the list.")
    solara.FigureEcharts(
        option=figures.pick_map_option(picked.value),
        on_click=click,
        attributes={"style": "height: 520px; width: 460px;"},
    )


@solara.component
def MainJob(main: solara.Reactive, tick: int, chart: solara.Reactive[str]) -> None:
    """England's eight scenarios (the main job), shown once they are run and cached."""
    cfg, policies = runs.main_job()
    Words("England's eight scenarios (the main job)", "h3")
    Words(
        f"The scenarios of python3 experiments/compare.py on England: "
        f"{', '.join(p.name.replace('_', ' ') for p in policies)}; {cfg.years} years, "
        f"{cfg.reps} paired replicates. The page server runs them in the background on start; "
        "once cached they open at once."
    )

    def open_or_run() -> None:
        main.value = runs.start(cfg, *policies)

    def stop() -> None:
        if main.value is not None:
            runs.cancel(main.value)
            main.value = None

    if main.value is None:
        ready = all(runs.cached(cfg, p).exists() for p in (runs.BASELINE, *policies))
        label = "Show them" if ready else "Run them in the background (about 10 minutes)"
        solara.Button(label, on_click=open_or_run)
    else:
        if not main.value.finished:
            solara.Button("Cancel England's eight", on_click=stop)
        RunStatus(main.value, tick, "England's eight", chart)


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
