"""The benchmark's phase timings: every phase is timed, they fit in the run, wrappers go away."""

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _benchmark():
    spec = importlib.util.spec_from_file_location(
        "benchmark", ROOT / "experiments" / "benchmark.py"
    )
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_phase_timings_cover_the_run_and_are_removed_afterwards():
    from sim import engine
    from sim.model import PlacementModel

    bench = _benchmark()
    before = (PlacementModel.place, PlacementModel.run_days, engine.run_days)
    r = bench.one("tiny", 1, 1, phases=True)
    spent = r["phases"]
    assert list(spent) == [label for _, _, label in bench.PHASES]
    top = [label for label in spent if not label.startswith("within")]
    # The clock's phases do not nest, so together they take at most the run's wall time.
    assert sum(spent[k] for k in top) <= r["run_s"]
    for label in ("the days: entries, events, urgent round", "weekly planned round", "year end"):
        assert spent[label] > 0, label
    for label in (
        "compiled days",
        "entrants' agents and header rows",
        "leavers' and transfers' agents",
    ):
        assert spent[f"within: {label}"] > 0, label
    assert spent["within: planned search and placements"] > 0
    assert r["matches"] > 0
    assert (PlacementModel.place, PlacementModel.run_days, engine.run_days) == before
