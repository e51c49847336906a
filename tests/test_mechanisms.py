"""Directions of effect over paired replicates (common random numbers) in the tiny world."""

import dataclasses

from sim.config import Params, PlacementParams
from sim.io import ssda903 as io903
from sim.metrics import headline, indicators

from .conftest import run_tiny

SEEDS = (1, 2, 3)


def changes(model) -> float:
    ind = indicators(io903.episodes_frame(model), io903.header_frame(model), [2026, 2027])
    return sum(headline(ind, y).get("placement_changes", 0.0) for y in (2026, 2027))


def test_higher_breakdown_hazard_means_more_placement_changes():
    base = PlacementParams()
    more = dataclasses.replace(base, unplanned_rate=[r * 2 for r in base.unplanned_rate])
    for seed in SEEDS:
        a = changes(run_tiny(seed=seed))
        b = changes(run_tiny(seed=seed, params=Params(placements=more)))
        assert b > a, (seed, a, b)


def test_more_entries_mean_more_children_in_care():
    from sim.config import EntryParams

    for seed in SEEDS:
        a = run_tiny(seed=seed, years=1)
        b = run_tiny(seed=seed, years=1, params=Params(entry=EntryParams(rate_multiplier=1.5)))
        assert b.counters["entries"] > a.counters["entries"]
        assert len(b.children) > len(a.children)


def test_same_draws_for_the_same_child_across_scenarios():
    """Common random numbers: a child's own uniforms do not depend on the scenario."""
    base = run_tiny(seed=5, years=1)
    other = run_tiny(
        seed=5,
        years=1,
        params=Params(placements=dataclasses.replace(PlacementParams(), p_status_change=0.0)),
    )
    shared = sorted(set(base.children) & set(other.children))[:50]
    assert shared
    for cid in shared:
        assert (base.children[cid].u == other.children[cid].u).all()
