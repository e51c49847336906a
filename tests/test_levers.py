"""Reform levers: nothing before the start date, a no-op changes no event, and each lever moves
its outcome the way its mechanism says, over paired replicates of the tiny world.

Tolerances: a direction asserted "in every replicate" holds for each paired replicate (the
replicates share every child's uniforms, so the difference is the lever's); where an outcome
is noisy the assertion is on the mean over the pairs.
"""

import dataclasses

import numpy as np
import pandas as pd
import pytest

from sim.config import (
    ConfigError,
    PolicyConfig,
    PooledCommissioningConfig,
    PreventionConfig,
    ProfitCapConfig,
    PublicHomesConfig,
    RecruitmentHubConfig,
    RunConfig,
    WorldConfig,
    WorldName,
)
from sim.io import embedded
from sim.io import ssda903 as io903
from sim.io.compare import effects, outcomes
from sim.metrics import indicators
from sim.policies import LEVERS, check
from sim.policies.base import day_of

from .conftest import tiny_config

START = "2026-04-01"
BURY = "E08000002"


def policy(**levers) -> PolicyConfig:
    return PolicyConfig(name="test", **levers)


def lever_on(name: str, **kw):
    """The named lever switched on with its defaults (and ``kw``)."""
    default = getattr(PolicyConfig(), name)
    return dataclasses.replace(default, enabled=True, **kw)


def run(pol: PolicyConfig | None = None, rep: int = 0, years: int = 2):
    from sim.io.outputs import world_data
    from sim.model import PlacementModel

    cfg = tiny_config(years=years, **({"policy": pol} if pol else {}))
    m = PlacementModel(cfg, embedded.england(), world_data(), rep=rep)
    m.run()
    return m


def kpis(m) -> pd.DataFrame:
    """England-wide outcomes by year (wide) from a finished model."""
    ep, hd = io903.episodes_frame(m), io903.header_frame(m)
    lg, sn = io903.ledger_frame(m), io903.snapshot_rows(m)
    years = list(range(2026, 2026 + m.cfg.years))
    ind = indicators(ep, hd, years, m.geo, lg, sn)
    return ind


def england(ind: pd.DataFrame, name: str, year: int) -> float:
    e = ind[(ind["area_type"] == "england") & (ind["year"] == year)]
    return float(e.loc[e["indicator"] == name, "value"].iloc[0])


@pytest.fixture(scope="module")
def baseline():
    return {rep: run(rep=rep) for rep in (0, 1)}


@pytest.fixture(scope="module")
def baseline_kpis(baseline):
    return {rep: kpis(m) for rep, m in baseline.items()}


@pytest.mark.parametrize("name", sorted(LEVERS))
def test_lever_changes_nothing_before_its_start(name, baseline):
    start = START
    m = run(policy(**{name: lever_on(name, start=start)}))
    b = baseline[0]
    s = day_of(start)
    mine = [r for r in m.episodes.all_rows() if 0 <= r[8] < s]
    theirs = [r for r in b.episodes.all_rows() if 0 <= r[8] < s]
    assert mine == theirs  # every episode closed before the start is the same
    paid = [r for r in m.ledger.all_rows() if r[0] < s]
    assert paid == [r for r in b.ledger.all_rows() if r[0] < s]


def test_lever_after_the_run_changes_nothing(baseline):
    every = {name: lever_on(name, start="2030-04-01") for name in LEVERS}
    m = run(policy(**every))
    assert m.episodes.all_rows() == baseline[0].episodes.all_rows()
    assert m.ledger.all_rows() == baseline[0].ledger.all_rows()


def test_no_op_prevention_leaves_events_identical(baseline):
    m = run(
        policy(prevention=PreventionConfig(enabled=True, start="2025-04-01", entry_reduction=0))
    )
    assert m.episodes.all_rows() == baseline[0].episodes.all_rows()


def test_prevention_lowers_entries_in_every_replicate(baseline):
    prev = PreventionConfig(enabled=True, start="2025-04-01", entry_reduction=0.2, ramp_years=0)
    for rep, b in baseline.items():
        m = run(policy(prevention=prev), rep=rep)
        assert m.counters["prevented"] > 0
        assert m.counters["entries"] < b.counters["entries"]


def run_gm(pol: PolicyConfig | None, rep: int, years: int = 2):
    from sim.io.outputs import world_data
    from sim.model import PlacementModel

    cfg = RunConfig(world=WorldConfig(name=WorldName.greater_manchester), years=years)
    if pol is not None:
        cfg = dataclasses.replace(cfg, policy=pol)
    m = PlacementModel(cfg, embedded.england(), world_data(), rep=rep)
    m.run()
    return m


def test_pooling_lowers_the_price_members_pay():
    """Greater Manchester's ten councils (the tiny world is too small for price means)."""
    pool = PooledCommissioningConfig(enabled=True, start="2025-04-01")
    for rep in (0, 1):
        base = kpis(run_gm(None, rep))
        ind = kpis(run_gm(policy(pooled_commissioning=pool), rep))
        name = "mean_price_childrens_home_gbp_week"
        assert england(ind, name, 2027) < england(base, name, 2027), rep
        # All in: spend (RCC running and block void costs included) per child-week.
        per_week = [
            england(k, "spend_total_gbp", 2027) / england(k, "child_years", 2027)
            for k in (ind, base)
        ]
        assert per_week[0] < per_week[1], rep


def test_public_homes_bring_an_areas_children_nearer(baseline_kpis):
    """Over four paired replicates: in the tiny world one replicate's difference (about 0.5
    km either way) is as large as the effect, so two replicates can point either way."""
    homes = PublicHomesConfig(
        enabled=True, start="2025-04-01", n_homes=8, per_year=8, las=[BURY], lead_time_days=0
    )
    diffs = []
    bases = {**baseline_kpis, **{rep: kpis(run(rep=rep)) for rep in (2, 3)}}
    for rep, base in bases.items():
        ind = kpis(run(policy(public_homes=homes), rep=rep))
        sel = (ind["area_type"] == "la") & (ind["area"] == BURY)
        sel &= ind["indicator"] == "mean_distance_km"
        bsel = (base["area_type"] == "la") & (base["area"] == BURY)
        bsel &= base["indicator"] == "mean_distance_km"
        diffs.append(ind[sel]["value"].mean() - base[bsel]["value"].mean())
    assert np.mean(diffs) < 0, diffs


def test_profit_cap_lowers_margins_and_slows_private_supply(baseline_kpis):
    cap = ProfitCapConfig(enabled=True, start="2025-06-01")
    for rep, base in baseline_kpis.items():
        ind = kpis(run(policy(profit_cap=cap), rep=rep))
        assert england(ind, "private_home_margin", 2027) < england(
            base, "private_home_margin", 2027
        )
        assert england(ind, "childrens_homes", 2027) < england(base, "childrens_homes", 2027)
        private = [
            england(k, "childrens_homes", 2027) * england(k, "childrens_homes_private_share", 2027)
            for k in (ind, base)
        ]
        assert private[0] < private[1]


def test_profit_cap_without_supply_response_keeps_providers(baseline_kpis):
    cap = ProfitCapConfig(enabled=True, start="2025-06-01", supply_response=0.0)
    m = run(policy(profit_cap=cap))
    assert m.counters["providers_exited_cap"] == 0


def test_recruitment_hub_raises_foster_places(baseline_kpis):
    hub = RecruitmentHubConfig(enabled=True, start="2025-04-01")
    for rep, base in baseline_kpis.items():
        ind = kpis(run(policy(recruitment_hub=hub), rep=rep))
        assert england(ind, "foster_places", 2027) > england(base, "foster_places", 2027)


def test_collapse_closes_or_transfers_the_largest_groups_homes():
    m = run(policy(provider_collapse=lever_on("provider_collapse", start="2025-06-01")), years=1)
    assert m.counters["group_failures"] >= 1
    assert m.counters["homes_transferred"] + m.counters["homes_closed_by_failure"] >= 1
    big = m.providers[int(m.home_groups.by_size[0])]
    assert big.failed
    s = m.supply
    assert not (s.open[: s.n] & s.matchable[: s.n] & (s.provider[: s.n] == big.index)).any()


def test_effects_interval_is_the_paired_t_interval():
    rows = []
    for rep, (b, s) in enumerate(((1.0, 2.0), (2.0, 4.0))):
        for scen, v in (("baseline", b), ("x", s)):
            rows.append((scen, rep, 2026, "england", "England", "cla", v))
    out = pd.DataFrame(
        rows, columns=["scenario", "rep", "year", "area_type", "area", "outcome", "value"]
    )
    e = effects(out).set_index("period").loc["final_year"]
    # Paired differences 1 and 2: mean 1.5, sd 0.7071; t(0.95, 1 df) = 6.3138.
    half = 6.313752 * 0.70710678 / np.sqrt(2)
    assert e["diff"] == pytest.approx(1.5)
    assert e["lo"] == pytest.approx(1.5 - half, rel=1e-5)
    assert e["hi"] == pytest.approx(1.5 + half, rel=1e-5)
    assert e["rel_diff"] == pytest.approx(1.0)


def test_outcomes_derive_moves_and_cost_per_child_week():
    ind = pd.DataFrame(
        [
            (2026, "england", "England", "placement_changes", 30.0),
            (2026, "england", "England", "child_years", 20.0),
            (2026, "england", "England", "spend_total_gbp", 365.25 / 7.0 * 20 * 100),
        ],
        columns=["year", "area_type", "area", "indicator", "value"],
    )
    o = outcomes(ind).set_index("outcome")["value"]
    assert o["moves_per_child_year"] == pytest.approx(1.5)
    assert o["cost_per_child_week"] == pytest.approx(100.0)


def test_bad_policy_names_are_refused():
    geo = embedded.england()
    bad = policy(pooled_commissioning=PooledCommissioningConfig(enabled=True, rccs=["Atlantis"]))
    with pytest.raises(ConfigError, match="Atlantis"):
        check(bad, geo)
    with pytest.raises(ConfigError, match="E99"):
        check(policy(public_homes=PublicHomesConfig(enabled=True, las=["E99"])), geo)
    with pytest.raises(ConfigError, match="end"):
        PreventionConfig(enabled=True, start="2027-01-01", end="2026-01-01")
    with pytest.raises(ConfigError, match="YYYY-MM-DD"):
        PreventionConfig(enabled=True, start="April 2026")
