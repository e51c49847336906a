"""Same config and seed give identical outputs, whatever the number of workers."""

import hashlib

from sim.io import ssda903 as io903
from sim.io.outputs import run_all, write_run

from .conftest import run_tiny, tiny_config


def digest(model, tmp_path, name):
    p = tmp_path / f"{name}.csv"
    io903.write_episodes(io903.episodes_frame(model), p)
    return hashlib.sha256(p.read_bytes()).hexdigest()


def test_same_seed_identical_files(tmp_path, tiny_model):
    again = run_tiny()
    assert digest(tiny_model, tmp_path, "a") == digest(again, tmp_path, "b")
    assert again.ledger.frame().equals(tiny_model.ledger.frame())


def test_different_seed_different_events(tmp_path, tiny_model):
    other = run_tiny(seed=2)
    assert digest(tiny_model, tmp_path, "a") != digest(other, tmp_path, "c")


def test_workers_do_not_change_results(tmp_path):
    cfg1 = tiny_config(reps=2, years=1, workers=1)
    cfg2 = tiny_config(reps=2, years=1, workers=2)
    w1 = write_run(tmp_path / "w1", cfg1, run_all(cfg1), figures=False)
    w2 = write_run(tmp_path / "w2", cfg2, run_all(cfg2), figures=False)
    for a, b in zip(w1, w2, strict=True):
        if a.name in ("manifest.json", "config.json"):
            continue
        assert a.read_bytes() == b.read_bytes(), a.name


def test_scenario_runs_report_each_run_and_match_across_workers():
    import dataclasses

    from sim.config import PolicyConfig, ProfitCapConfig
    from sim.io.compare import run_scenarios

    base = tiny_config(years=1)
    cap = dataclasses.replace(
        base,
        policy=PolicyConfig(
            name="profit_cap", profit_cap=ProfitCapConfig(enabled=True, start="2025-06-01")
        ),
    )
    lines: list[str] = []
    one = run_scenarios([base, cap], 2, workers=1, progress=lines.append)
    two = run_scenarios([base, cap], 2, workers=2)
    assert one.equals(two)
    assert [ln.split(":")[0] for ln in lines] == [
        "[1/4] baseline, replicate 0",
        "[2/4] baseline, replicate 1",
        "[3/4] profit_cap, replicate 0",
        "[4/4] profit_cap, replicate 1",
    ]


def test_the_compiled_day_equals_its_three_phases_run_one_by_one(monkeypatch, tiny_model):
    """A day runs as one compiled call unless late events wait, when entries, events and the
    urgent round run one after the other. Forcing the second way every day gives the same
    episodes, payments, header and counters as the first (the session's tiny run)."""
    from sim.calendar import Calendar

    monkeypatch.setattr(Calendar, "due", lambda self, day: -1)
    slow = run_tiny()
    fast = tiny_model
    assert fast.episodes.frame().equals(slow.episodes.frame())
    assert fast.ledger.frame().equals(slow.ledger.frame())
    assert fast.header.frame().equals(slow.header.frame())
    assert fast.counters == slow.counters
    assert len(fast.episodes.frame()) > 100


def test_runs_of_days_equal_one_day_a_call_and_stopping_for_room(monkeypatch, tiny_model):
    """Phases 1-3 of the days up to the next Monday, month start or year end go in one
    compiled call. One day a call gives the same records; so does making room for the first
    day of each call only, so that a call stops before a day it has no room for and the next
    makes room from there."""
    from sim.model import PlacementModel

    def same(m):
        assert tiny_model.episodes.frame().equals(m.episodes.frame())
        assert tiny_model.ledger.frame().equals(m.ledger.frame())
        assert tiny_model.header.frame().equals(m.header.frame())
        assert tiny_model.counters == m.counters

    with monkeypatch.context() as mp:
        mp.setattr(PlacementModel, "span_end", lambda self, day: day)
        same(run_tiny())
    calls = []
    compiled = PlacementModel._compiled_days

    def counted(self, first, last, arrivals):
        day = compiled(self, first, last, arrivals)
        calls.append((first, last, day))
        return day

    monkeypatch.setattr(PlacementModel, "_room_until", lambda self, first, last: first)
    monkeypatch.setattr(PlacementModel, "_compiled_days", counted)
    same(run_tiny())
    assert any(day <= last for _, last, day in calls)  # some calls stopped for room


def test_with_levers_runs_of_days_change_where_a_lever_does(monkeypatch):
    """With levers, a run of days stops where a lever changes the next day's parameters
    (prevention's ramp, each lever's start): the reform package on the tiny world over two
    years gives the same records as one day a call."""
    from sim.io import embedded
    from sim.io.cli import validate
    from sim.io.outputs import world_data
    from sim.model import PlacementModel

    cfg = validate(["world=tiny", "policy=reform_package", "years=2", "seed=3"])

    def run():
        m = PlacementModel(cfg, embedded.england(), world_data())
        m.run()
        return m

    spans = []
    span_end = PlacementModel.span_end

    def recorded(self, day):
        last = span_end(self, day)
        spans.append(last - day + 1)
        return last

    monkeypatch.setattr(PlacementModel, "span_end", recorded)
    fast = run()
    assert max(spans) > 1 and min(spans) == 1  # runs of days, and days on their own
    monkeypatch.setattr(PlacementModel, "span_end", lambda self, day: day)
    slow = run()
    assert fast.episodes.frame().equals(slow.episodes.frame())
    assert fast.ledger.frame().equals(slow.ledger.frame())
    assert fast.counters == slow.counters
