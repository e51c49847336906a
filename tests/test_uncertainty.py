"""Parameter uncertainty: replicate draws are keyed, paired across scenarios and applied."""

import dataclasses
import math
from statistics import NormalDist

import numpy as np
import pytest

from sim import uncertainty
from sim.config import ConfigError, PreventionConfig, UncertaintyConfig
from sim.io.cli import UserError, validate
from sim.rng import keyed_uniforms

from .conftest import tiny_config

KEY = "params.placements.unplanned_rate"


def spread(*entries: str) -> UncertaintyConfig:
    return UncertaintyConfig(name="test", spread=list(entries))


def test_multiplier_is_the_lognormal_quantile_of_the_keyed_uniform():
    cfg = tiny_config(uncertainty=spread(f"{KEY}:0.2"), seed=7)
    for rep in range(3):
        u = float(keyed_uniforms(f"uncertainty:{KEY}", 7, rep, np.array([0]))[0])
        want = math.exp(0.2 * NormalDist().inv_cdf(u))
        assert uncertainty.multipliers(cfg, rep)[KEY] == pytest.approx(want, rel=1e-12)


def test_draws_are_paired_across_scenarios_and_differ_across_replicates():
    entries = (f"{KEY}:0.2", "policy.prevention.entry_reduction:0.3")
    base = tiny_config(uncertainty=spread(*entries))
    other = dataclasses.replace(
        base, policy=dataclasses.replace(base.policy, name="x", prevention=PreventionConfig())
    )
    m = [uncertainty.multipliers(base, r) for r in range(4)]
    assert m == [uncertainty.multipliers(other, r) for r in range(4)]  # same in every scenario
    assert len({round(d[KEY], 12) for d in m}) == 4  # each replicate its own draw
    # A key's draw does not depend on the other keys listed.
    alone = tiny_config(uncertainty=spread(f"{KEY}:0.2"))
    assert [uncertainty.multipliers(alone, r)[KEY] for r in range(4)] == [d[KEY] for d in m]


def test_lists_scale_elementwise_and_zero_spread_changes_nothing():
    cfg = tiny_config(uncertainty=spread(f"{KEY}:0.2", "params.matching.max_las:0.5"))
    drawn, mult = uncertainty.draw(cfg, 1)
    base = cfg.params.placements.unplanned_rate
    assert drawn.params.placements.unplanned_rate == pytest.approx([b * mult[KEY] for b in base])
    assert drawn.params.matching.max_las == round(5 * mult["params.matching.max_las"])
    none = tiny_config(uncertainty=spread(f"{KEY}:0"))
    assert uncertainty.draw(none, 3)[0] == none


def test_the_run_uses_its_replicates_draw():
    # Replicate 0 with a drawn prevention strength gives exactly the events of a run with that
    # strength set by hand.
    from sim.io.outputs import run_replicate

    on = PreventionConfig(enabled=True, start="2025-04-01", entry_reduction=0.2, ramp_years=0.0)
    cfg = tiny_config(years=1, uncertainty=spread("policy.prevention.entry_reduction:0.5"))
    cfg = dataclasses.replace(cfg, policy=dataclasses.replace(cfg.policy, prevention=on))
    m0 = uncertainty.multipliers(cfg, 0)["policy.prevention.entry_reduction"]
    by_hand = dataclasses.replace(
        cfg,
        uncertainty=UncertaintyConfig(),
        policy=dataclasses.replace(
            cfg.policy, prevention=dataclasses.replace(on, entry_reduction=0.2 * m0)
        ),
    )
    a, b = run_replicate(cfg, 0), run_replicate(by_hand, 0)
    assert a["draws"] == {"policy.prevention.entry_reduction": m0} and b["draws"] == {}
    assert a["episodes"].equals(b["episodes"])
    # and the draw matters: the configured strength gives other events
    plain = dataclasses.replace(cfg, uncertainty=UncertaintyConfig())
    assert not run_replicate(plain, 0)["episodes"].equals(a["episodes"])


@pytest.mark.parametrize(
    "entry, words",
    [
        (f"{KEY}", "expected '<params.* or policy.* key>:<log sd"),
        (f"{KEY}:-1", "log sd from 0 to 2"),
        ("seed:0.2", "params.* or policy.*"),
        ("params.placements.nope:0.2", "unknown key 'params.placements.nope'"),
        ("policy.pooled_commissioning.rccs:0.2", "only numbers"),
    ],
)
def test_bad_entries_are_refused_with_the_entry_named(entry, words):
    with pytest.raises(ConfigError, match=words.replace("*", r"\*").replace(".", r"\.")):
        tiny_config(uncertainty=spread(entry))


def test_command_line_refuses_a_bad_key_and_accepts_the_preset():
    with pytest.raises(UserError, match="params.nope.x"):
        validate(["world=tiny", "uncertainty.spread=[params.nope.x:0.2]"])
    cfg = validate(["world=tiny", "uncertainty=assumptions"])
    assert cfg.uncertainty.name == "assumptions" and len(cfg.uncertainty.spread) >= 10
    for r in range(5):  # every preset draw is a valid config at the default seed
        uncertainty.draw(cfg, r)
