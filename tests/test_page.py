"""The policy page's scenario: one source of truth with ``configs/policy/``.

Every policy file the repository ships reads back as Hydra composes it; a scenario written by
the page reads back the same; a value out of range is refused with the allowed range; each
lever's explanation is its schema's own text, sources included.
"""

import os
from pathlib import Path

import pytest

from sim.config import ConfigError
from sim.io.cli import validate
from sim.page import outcomes, scenario

POLICIES = sorted((Path(__file__).resolve().parents[1] / "configs" / "policy").glob("*.yaml"))


@pytest.mark.parametrize("path", POLICIES, ids=lambda p: p.stem)
def test_every_policy_file_reads_as_hydra_composes_it(path):
    mine = scenario.from_yaml(path.read_text(), str(path))
    assert mine == validate([f"policy={path.stem}"]).policy


@pytest.mark.parametrize("path", POLICIES, ids=lambda p: p.stem)
def test_a_scenario_written_by_the_page_reads_back_the_same(path):
    policy = scenario.from_yaml(path.read_text())
    text = scenario.to_yaml(policy, "written by the page")
    assert scenario.from_yaml(text) == policy
    # the form of the repository's files: a defaults list of lever files, then _self_
    if policy.enabled():
        assert text.splitlines()[1] == "defaults:"
        assert f"  - lever/{policy.enabled()[0]}@{policy.enabled()[0]}" in text
        assert "  - _self_" in text


def test_a_changed_strength_is_written_and_read_back():
    policy = scenario.build_policy(
        "cap_15", {"profit_cap": {"enabled": True, "start": "2027-04-01", "max_margin": 0.15}}
    )
    text = scenario.to_yaml(policy)
    assert "max_margin: 0.15" in text and "lever/profit_cap@profit_cap" in text
    assert scenario.from_yaml(text).profit_cap.max_margin == 0.15


def test_a_value_out_of_range_is_refused_with_the_allowed_range():
    with pytest.raises(ConfigError, match=r"policy.profit_cap.max_margin=1.5 is out of range"):
        scenario.build_lever("profit_cap", {"enabled": True, "max_margin": 1.5})
    with pytest.raises(ConfigError, match=r"expected a value in \[0.0, 0.9\]"):
        scenario.build_lever("profit_cap", {"max_margin": -0.1})
    with pytest.raises(ConfigError, match="unknown setting 'strength'"):
        scenario.build_lever("prevention", {"strength": 2})
    with pytest.raises(ConfigError, match="'magic' is not a lever"):
        scenario.from_yaml("name: x\nmagic: {enabled: true}\n")
    with pytest.raises(ConfigError, match="not lever/<lever>@<lever>"):
        scenario.from_yaml("defaults:\n  - lever/prevention@kinship_support\nname: x\n")


def test_each_lever_is_explained_from_its_schema_with_sources():
    for name in scenario.lever_names():
        spec = scenario.lever_spec(name)
        assert spec.explanation, name
        assert [f.name for f in spec.fields][:3] == ["enabled", "start", "end"]
    text = scenario.explain("public_homes")
    assert "new council (or rcc) children's homes" in text.lower()
    assert "[pub] NAO 2025" in text  # the running cost's source, as the schema writes it
    block = {f.name: f for f in scenario.lever_spec("pooled_commissioning").fields}
    # a field written with its neighbour shares its comment
    assert block["block_discount"].explanation == block["block_share"].explanation != ""


def test_a_page_run_pairs_with_the_comparison_and_is_cached(tmp_path):
    """The page's run (a process, replicate by replicate) gives the comparison's outcomes;
    the baseline, cached, serves the next scenario at once; a cancelled run writes nothing."""

    import pandas as pd

    from sim.io.compare import run_scenarios
    from sim.page import runs
    from tests.conftest import tiny_config

    cfg = tiny_config(years=1, reps=2)
    pol = scenario.build_policy(
        "prevention", {"prevention": {"enabled": True, "start": "2025-06-01"}}
    )
    job = _finished(cfg, pol, cache_dir=tmp_path)
    assert job.error == "" and job.done == job.total == 4
    got = runs.outcomes(job)
    la = got[got["area_type"] == "la"]
    assert set(la["outcome"]) == set(runs.COUNCIL_OUTCOMES)  # the map's council rows
    got = got[got["area_type"] != "la"]
    got = got.sort_values(["scenario", "rep", "year", "area_type", "area", "outcome"])
    import dataclasses

    want = run_scenarios([cfg, dataclasses.replace(cfg, policy=pol)], 2, 1).sort_values(
        ["scenario", "rep", "year", "area_type", "area", "outcome"]
    )
    pd.testing.assert_frame_equal(
        got[want.columns].reset_index(drop=True), want.reset_index(drop=True), check_dtype=False
    )
    # The baseline is cached: a new scenario runs its own replicates only.
    pol2 = scenario.build_policy(
        "hub", {"recruitment_hub": {"enabled": True, "start": "2025-06-01"}}
    )
    job2 = runs.start(cfg, pol2, cache_dir=tmp_path)
    runs.cancel(job2)
    assert job2.cancelled and not runs.cached(cfg, pol2, tmp_path).exists()
    again = runs.start(cfg, pol, cache_dir=tmp_path)
    assert again.finished and again.process is None  # both cached: nothing runs


def test_the_page_renders_refuses_out_of_range_and_shows_effects(tmp_path, monkeypatch):
    """The components without a browser (Solara's own way to test them): a lever value out of
    range is refused on the page with its range; a finished run shows a table of effects for
    each outcome family and a fan chart."""

    import ipyvuetify as v
    import ipywidgets as widgets
    import solara

    from sim.page import app, figures, results, runs
    from tests.conftest import tiny_config

    monkeypatch.setattr(runs, "CACHE_DIR", tmp_path / "page-cache")  # not the user's cache
    box, rc = solara.render(app.Page(), handle_error=False)
    # It opens on the RCC pathfinders' scenario, ready to run.
    assert not rc.find(v.Btn, children=["Run"]).widget.disabled
    state = solara.reactive({"profit_cap": {"enabled": True, "max_margin": 1.5}})
    box, rc = solara.render(app.LeverPanel("profit_cap", state), handle_error=False)
    alerts = [str(a.children) for a in rc.find(v.Alert).widgets]
    assert any(
        "max_margin=1.5 is out of range; expected a value in [0.0, 0.9]" in a for a in alerts
    )
    cfg = tiny_config(years=2, reps=2)
    pol = scenario.build_policy(
        "hub", {"recruitment_hub": {"enabled": True, "start": "2025-06-01"}}
    )
    job = _finished(cfg, pol, cache_dir=tmp_path)
    assert job.error == ""
    box, rc = solara.render(results.Results(job, "hub", solara.reactive("spend_total_gbp")))
    tables = [w for w in _walk(box) if type(w).__name__ == "DataTableWidget"]
    # the five families, the costs and the councils
    assert len(tables) == len(outcomes.FAMILIES) + 2
    assert len([w for w in _walk(box) if isinstance(w, widgets.Image)]) == 2  # map, fan chart
    # The map's changes are each council's reform less baseline, means over years and reps.
    out = runs.outcomes(job)
    fig, by_council = figures.council_map(
        out.assign(scenario=out["scenario"].where(out["scenario"] == "baseline", "reform")),
        "share_over_20_miles_of_known",
        "hub",
    )
    la = out[(out["area_type"] == "la") & (out["outcome"] == "share_over_20_miles_of_known")]
    m = la.groupby(["scenario", "area"])["value"].mean()
    first = by_council.index[0]
    assert by_council.loc[first, "change"] == pytest.approx(
        100 * (m["hub", first] - m["baseline", first]), abs=0.006
    )
    # The cost breakdown: the parts add up to the total in each scenario.
    out = runs.outcomes(job).assign(
        scenario=lambda d: d["scenario"].where(d["scenario"] == "baseline", "reform")
    )
    costs = outcomes.cost_breakdown(out)
    total = out[(out["area_type"] == "england") & (out["outcome"] == "spend_total_gbp")]
    total = total.groupby("scenario")["value"].mean() / 1e6
    for scen in ("baseline", "reform"):
        assert costs[scen].sum() == pytest.approx(total[scen], rel=1e-9)


def _walk(w):
    yield w
    for c in getattr(w, "children", None) or []:
        if not isinstance(c, str):
            yield from _walk(c)


def test_effects_are_shown_in_plain_units():
    import pandas as pd

    eff = pd.DataFrame(
        {
            "period": "all_years",
            "area": "England",
            "outcome": ["spend_total_gbp", "share_over_20_miles_of_known"],
            "baseline": [8.4e9, 0.22],
            "diff": [-62e6, 0.0012],
            "lo": [-65e6, -0.0015],
            "hi": [-60e6, 0.0029],
        }
    )
    rows = {r["outcome"]: r for r in outcomes.effect_table(eff)}
    spend = rows["Councils' spend on children in care"]
    assert spend["effect"] == "-62.0 [-65.0 to -60.0]" and spend["unit"] == "£m a year"
    far = rows["Placed over 20 miles from home"]
    assert far["effect"] == "+0.12 [-0.15 to +0.29]" and far["unit"] == "percentage points"


def test_the_page_is_served_with_no_internet():
    """``experiments/app.py`` prints its address and serves the page and every asset it
    references from this machine (solara-assets), none from a CDN."""
    import re
    import socket
    import subprocess
    import sys
    import time
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    root = Path(__file__).resolve().parents[1]
    proc = subprocess.Popen(
        [sys.executable, str(root / "experiments" / "app.py"), "--port", str(port), "--no-warm"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        first = proc.stdout.readline()
        assert first.strip() == f"serving the policy page at http://127.0.0.1:{port}"
        url = f"http://127.0.0.1:{port}"
        for _ in range(120):
            try:
                html = urllib.request.urlopen(url + "/", timeout=2).read().decode()
                break
            except OSError:
                time.sleep(0.5)
        else:
            raise AssertionError("the page did not come up")
        refs = re.findall(r'(?:src|href)="([^"]+)"', html)
        assets = [r for r in refs if r.startswith("/")]
        assert any("solara-vuetify" in r for r in assets)
        assert not [r for r in refs if "cdn" in r and r.startswith("http")]
        for r in assets:
            with urllib.request.urlopen(url + r, timeout=10) as resp:
                assert resp.status == 200 and len(resp.read()) > 0, r
    finally:
        proc.terminate()
        proc.wait(10)


@pytest.mark.skipif(
    not Path("/usr/bin/chromium").exists(), reason="needs Debian's chromium (.ci/run installs it)"
)
def test_a_real_browser_runs_a_reform_with_no_internet(tmp_path):
    """Chromium (Playwright) opens the page on the opening scenario's results (the server ran
    it on start); starts England's eight scenarios in the background and picks a council on the
    map while they run; in a second tab, reopens a scenario from a link, runs it on Greater
    Manchester and reads the effects, while the first tab's England run goes on; cancels that.
    No request fails (none leaves this machine: there is no internet)."""
    import socket
    import subprocess
    import sys
    import time
    import urllib.request

    playwright = pytest.importorskip("playwright.sync_api")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, "SIM_PAGE_CACHE": str(tmp_path)}  # a fresh cache: the run is real
    proc = subprocess.Popen(
        [
            sys.executable,
            str(root / "experiments" / "app.py"),
            "--port",
            str(port),
            "--no-warm-main",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    try:
        proc.stdout.readline()
        for _ in range(120):  # until the server answers
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2).read()
                break
            except OSError:
                time.sleep(0.5)
        # The server runs the opening scenario on start; once it is cached the page opens on
        # its results, with nothing to click.
        from sim.io import embedded
        from sim.page import app, figures, runs

        cfg, opening = app.opening_config()
        wanted = [runs.cached(cfg, p, tmp_path) for p in (runs.BASELINE, opening)]
        for _ in range(600):
            if all(w.exists() for w in wanted):
                break
            time.sleep(0.5)
        with playwright.sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            failed = []
            page.on("requestfailed", lambda r: failed.append(r.url))
            page.goto(f"http://127.0.0.1:{port}/", wait_until="networkidle")
            page.get_by_text("What the reform does", exact=False).wait_for(timeout=60_000)
            # England's eight scenarios start in the background (cancelled below) ...
            page.get_by_role("button", name="Run them in the background", exact=False).click()
            page.get_by_text("runs done", exact=False).wait_for(timeout=60_000)
            # ... and, while they run, a click on the map picks Manchester.
            page.get_by_label("World").click(force=True)  # (Vuetify's select covers its input)
            page.get_by_role("option", name=app.PICKED).click()
            chart = page.locator(".solara-echarts")
            page.locator(".solara-echarts canvas").first.wait_for(timeout=30_000)
            box = chart.bounding_box()
            las = embedded.england().las.set_index("la_name")
            x0, x1, y0, y1 = figures.MAP_EXTENT
            inner = 10  # the map's grid margin, pixels (figures.pick_map_option)
            lon, lat = las.loc["Manchester", ["lon", "lat"]]
            page.mouse.click(
                box["x"] + inner + (lon - x0) / (x1 - x0) * (box["width"] - 2 * inner),
                box["y"] + inner + (y1 - lat) / (y1 - y0) * (box["height"] - 2 * inner),
            )
            page.get_by_text("Manchester", exact=True).wait_for(timeout=30_000)
            first = page
            # A link reopens a scenario (Prevention on, one year, one replicate); run it.
            prevention = scenario.build_policy(
                "prevention", {"prevention": {"enabled": True, "start": "2025-06-01"}}
            )
            query = scenario.to_link(prevention, world=app.OPENING_WORLD, years=1, reps=1)
            page = browser.new_page(viewport={"width": 1400, "height": 1000})  # a second tab
            page.on("requestfailed", lambda r: failed.append(r.url))
            page.goto(f"http://127.0.0.1:{port}/?{query}", wait_until="networkidle")
            page.get_by_text("loaded the link").wait_for(timeout=60_000)
            page.get_by_role("button", name="Run", exact=True).click()
            page.get_by_text("over 1 paired replicates", exact=False).wait_for(timeout=300_000)
            for family in ("Stability", "Distance", "Cost", "Sufficiency", "Market"):
                assert page.get_by_role("heading", name=family).count() == 1, family
            assert page.get_by_text("Councils' spend on children in care").count() >= 1
            # The first tab's England run went on meanwhile, and can be cancelled.
            first.get_by_text("runs done", exact=False).wait_for(timeout=30_000)
            first.get_by_role("button", name="Cancel England's eight").click()
            first.get_by_role("button", name="Run them in the background", exact=False).wait_for(
                timeout=30_000
            )
            assert failed == []
            browser.close()
    finally:
        proc.terminate()
        proc.wait(10)


def test_a_link_reopens_the_scenario_and_its_settings():
    policy = scenario.build_policy(
        "cap_15", {"profit_cap": {"enabled": True, "start": "2027-04-01", "max_margin": 0.15}}
    )
    query = scenario.to_link(policy, world="England", years=7, reps=4)
    back, settings = scenario.from_link(query)
    assert back == policy and settings == {"world": "England", "years": "7", "reps": "4"}
    assert scenario.from_link("") == (None, {})
    with pytest.raises(ConfigError, match="link's scenario"):
        scenario.from_link("scenario=bm90IHlhbWw6IFs=")  # "not yaml: [" : not a scenario


def test_kept_scenarios_are_compared_side_by_side(tmp_path):

    from sim.io.compare import effects
    from sim.page import runs
    from tests.conftest import tiny_config

    cfg = tiny_config(years=1, reps=2)
    a = scenario.build_policy("hub", {"recruitment_hub": {"enabled": True, "start": "2025-06-01"}})
    b = scenario.build_policy("kin", {"kinship_support": {"enabled": True, "start": "2025-06-01"}})
    job = _finished(cfg, a, b, cache_dir=tmp_path)
    assert job.error == "" and job.total == 6  # the baseline and two scenarios, 2 replicates
    table = outcomes.side_by_side(effects(runs.outcomes(job)))
    assert list(table.columns) == ["outcome", "unit", "hub", "kin"]
    spend = table[table["outcome"] == "Councils' spend on children in care"]
    assert spend["unit"].item() == "£m a year" and "[" in spend["hub"].item()
    # The fan chart draws every scenario: a median line and a 90% band each, named in words.
    from sim.page import figures

    fig = figures.fan_chart(runs.outcomes(job), "spend_total_gbp")
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "no reform (baseline)",
        "hub",
        "kin",
    ]
    assert len(ax.collections) == 3  # the bands


def test_the_main_job_on_the_page_is_the_comparisons_default():
    """The page's "England's eight scenarios" are what ``experiments/compare.py`` runs with no
    arguments: England, its years and replicates, the same policy files."""
    import importlib.util

    from sim.config import WorldName
    from sim.page import runs

    path = Path(__file__).resolve().parents[1] / "experiments" / "compare.py"
    spec = importlib.util.spec_from_file_location("compare_cli", path)
    cli = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(cli)
    scenarios, _, rest, _ = cli.parse([])
    cfg, policies = runs.main_job()
    assert cfg.world.name == WorldName.england
    assert f"years={cfg.years}" in rest and f"reps={cfg.reps}" in rest
    assert ["baseline", *(p.name for p in policies)] == scenarios
    assert policies == [validate([f"policy={n}"]).policy for n in scenarios[1:]]


def test_a_click_on_the_map_picks_a_council_and_a_second_unpicks_it():
    import solara
    from solara.components.echarts import EchartsWidget

    from sim.page import app, figures

    picked = solara.reactive(["Bury"])
    box, rc = solara.render(app.PickMap(picked), handle_error=False)
    chart = rc.find(EchartsWidget).widget
    chart.on_click({"componentType": "series", "name": "Manchester", "value": [-2.2, 53.5]})
    assert picked.value == ["Bury", "Manchester"]
    assert [d["name"] for d in chart.option["series"][1]["data"]] == ["Bury", "Manchester"]
    chart.on_click({"componentType": "series", "name": "Bury"})
    assert picked.value == ["Manchester"]
    chart.on_click({"componentType": "series", "name": "not a council"})
    assert picked.value == ["Manchester"]
    # Every council is on the map once, inside its extent.
    option = figures.pick_map_option(["Kent"])
    points = [d for s in option["series"] for d in s["data"]]
    assert len(points) == len(app.councils()) and len({d["name"] for d in points}) == 153
    x0, x1, y0, y1 = figures.MAP_EXTENT
    assert all(x0 < d["value"][0] < x1 and y0 < d["value"][1] < y1 for d in points)


def test_the_report_stands_alone(tmp_path):
    """``compare.py report=true`` writes the page's report: every family's table, the costs
    and the fan charts, figures embedded, nothing fetched from elsewhere."""
    import re
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[1]
    out = tmp_path / "cmp"
    subprocess.run(
        [sys.executable, str(root / "experiments" / "compare.py"), "scenarios=baseline,prevention",
         "world=tiny", "years=2", "reps=2", "workers=1", f"out={out}", "report=true"],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    text = (out / "report.html").read_text()
    assert text.startswith("<!doctype html>")
    for heading in ("Stability", "Distance", "Cost", "Sufficiency", "Market", "Where the money"):
        assert f"<h2>{heading}" in text, heading
    assert text.count("data:image/png;base64,") == 5
    assert not re.findall(r"(?:src|href)=.https?://", text)
    assert "prevention" in text  # the scenario's column


def test_what_moved_names_clear_changes_in_words():
    import pandas as pd

    eff = pd.DataFrame(
        {
            "period": "all_years",
            "area": "England",
            "outcome": ["mean_price_childrens_home_gbp_week", "foster_places", "childrens_homes"],
            "baseline": [6000.0, 50000.0, 4000.0],
            "diff": [-300.0, 100.0, 10.0],
            "lo": [-400.0, 50.0, -5.0],
            "hi": [-200.0, 150.0, 25.0],
        }
    )
    lines = outcomes.what_moved(eff)
    # The homes' change is not clear (its interval crosses zero); the price's is the largest.
    assert lines == [
        "The price paid for a children's home place fell by £300.0 a week [200.0 to 400.0]",
        "Foster places rose by 100.0 places [50.0 to 150.0]",
    ]


def test_the_baseline_is_set_beside_the_national_figures():
    import pandas as pd

    out = pd.DataFrame(
        {
            "scenario": "baseline",
            "rep": [0, 1],
            "year": 2026,
            "area_type": "england",
            "area": "England",
            "outcome": "cla",
            "value": [81000.0, 82000.0],
        }
    )
    row = outcomes.national_check(out).iloc[0]
    assert row["measure"] == "CLA at 31 March" and row["national figure"] == 81770
    assert row["model (first year)"] == 81500.0 and row["within"] == "yes"


def test_worlds_of_a_region_or_picked_councils():
    from sim.config import ConfigError as Refused
    from sim.config import WorldName
    from sim.page import app

    labels = app.world_labels()
    assert "Region: North East" in labels and app.PICKED in labels
    ne = app.world_config("Region: North East", [])
    assert ne.name == WorldName.custom and len(ne.las) == 12  # the North East's councils
    two = app.world_config(app.PICKED, ["Bury", "Kent"])
    assert sorted(two.las) == ["E08000002", "E10000016"]
    with pytest.raises(Refused, match="pick at least one council"):
        app.world_config(app.PICKED, [])
    assert app.world_config("England", []).name == WorldName.england


def _finished(cfg, *policies, cache_dir):
    """A page run of ``policies`` (and the baseline) on ``cfg``'s world, waited for."""
    import time

    from sim.page import runs

    job = runs.start(cfg, *policies, cache_dir=cache_dir)
    while not runs.poll(job).finished:
        time.sleep(0.2)
    return job
