"""Supply over the years: carers leaving, the approvals in the pipeline at day 0, the homes a
world before 2023 leaves out, and the stock placed in its plans' kinds of unit.

Hand-worked cases for the rules; the counts drawn are checked against their expectations with
tolerances of four standard deviations.
"""

import dataclasses

import numpy as np
import pytest

from sim.io import embedded
from sim.io.outputs import world_data
from sim.model import PlacementModel
from sim.population import table
from sim.records import HOME, IFA, INHOUSE, PLAN_FOSTER, SECURE
from sim.supply.foster import MIN_EMPTY_SHARE, leave_probabilities
from sim.world.supply import not_yet_open
from tests.conftest import tiny_config


def test_carers_leave_at_the_rate_empty_households_first():
    foster = np.ones(10, bool)
    empty = np.array([True, True] + [False] * 8)  # 20% empty
    # a month's leavers (5% of 10) all fit among the 2 empty households: 0.25 each
    p = leave_probabilities(empty, foster, 0.05)
    np.testing.assert_allclose(p, [0.25, 0.25] + [0.0] * 8)
    assert p.sum() == pytest.approx(0.05 * 10)
    # 30% leave: both empty ones, and (0.3 - 0.2) / 0.8 of the others
    p = leave_probabilities(empty, foster, 0.3)
    np.testing.assert_allclose(p, [1.0, 1.0] + [0.125] * 8)
    assert p.sum() == pytest.approx(0.3 * 10)
    # none empty: the empty share counts as 5%, so (r - 0.05) / 0.95 of the others
    p = leave_probabilities(np.zeros(10, bool), foster, 0.1)
    np.testing.assert_allclose(p, (0.1 - MIN_EMPTY_SHARE) / (1 - MIN_EMPTY_SHARE))


@pytest.fixture(scope="module")
def tiny():
    return PlacementModel(tiny_config(years=1), embedded.england(), world_data())


def test_the_world_starts_with_the_lags_approvals_in_the_pipeline(tiny):
    m = tiny
    sp = m.p.supply
    s = m.supply
    n = s.n
    foster = s.open[:n] & ((s.kind[:n] == INHOUSE) | (s.kind[:n] == IFA))
    services = m.foster_table["services"]
    hh = np.bincount(s.provider[:n][foster], minlength=len(m.providers))[services]
    council = m.foster_table["council"]
    kept = ~council | (m.supply_keep[np.maximum(m.foster_table["la"], 0)] > 0)
    months = int(sp.approval_lag_days) // 30
    expected = sp.approval_rate / 12 * hh[kept].sum() * months
    rows = m.foster_pipeline.rows[: m.foster_pipeline.n]
    assert len(rows) > 0
    got = rows[:, 3].sum()
    assert abs(got - expected) < 4 * np.sqrt(expected) + 1, (got, expected)
    # they open during the lag, the latest approved last
    assert rows[:, 1].min() > 0 and rows[:, 1].max() <= sp.approval_lag_days


def test_a_world_before_2023_leaves_out_the_homes_that_opened_since():
    geo = embedded.england()
    homes = embedded.homes()
    homes = homes[homes["short_break"] == 0].reset_index(drop=True)
    la = homes["ons_code"].map(geo.index_of).to_numpy()
    flows = embedded.home_flows()
    rng = np.random.default_rng(5)
    out = not_yet_open(homes, la, flows, 400, geo, rng)
    assert out.sum() == 400
    assert (homes["kind"][out] == "home").all()  # secure homes stay
    sectors = homes["sector"][out]
    # net growth 2022-23: private +244, council +10, voluntary -8 (none left out)
    p_private = 244 / 254
    sd = np.sqrt(400 * p_private * (1 - p_private))
    assert abs((sectors == "private").sum() - 400 * p_private) < 4 * sd
    assert (sectors == "voluntary").sum() == 0


def test_the_stock_starts_in_its_plans_kinds_of_unit():
    """A foster plan goes to foster carers at day 0, however far, before a home is tried."""
    cfg = dataclasses.replace(tiny_config(years=1), start_date="2021-03-31")
    m = PlacementModel(cfg, embedded.england(), world_data(cfg))
    rows = m.table.rows_in_care()
    kind = m.table.I[rows, table.C_KIND]
    plan = m.table.I[rows, table.C_PLAN]
    fostered = plan == PLAN_FOSTER
    in_home = (kind == HOME) | (kind == SECURE)
    assert fostered.sum() > 100
    # only the last of the retries may use another kind
    assert (fostered & in_home).sum() <= 0.01 * fostered.sum()


def _households(m) -> int:
    s = m.supply
    n = s.n
    return int((s.open[:n] & ((s.kind[:n] == INHOUSE) | (s.kind[:n] == IFA))).sum())


@pytest.mark.parametrize("seed", [1, 2])
def test_carers_leaving_faster_means_fewer_households_and_approvals_offset_it(seed):
    """Paired runs of the tiny world for a year: a higher deregistration rate leaves fewer
    households; with approvals switched off the fall is the rate's."""
    from sim.config import Params, SupplyParams

    from .conftest import run_tiny

    base = SupplyParams()
    start = _households(PlacementModel(tiny_config(years=1), embedded.england(), world_data()))
    usual = _households(run_tiny(seed=seed, years=1))
    faster = dataclasses.replace(base, deregistration_rate=0.3)
    more = _households(run_tiny(seed=seed, years=1, params=Params(supply=faster)))
    assert more < usual, (more, usual)
    none = dataclasses.replace(base, approval_rate=0.0)
    without = _households(run_tiny(seed=seed, years=1, params=Params(supply=none)))
    assert without < usual
    # without approvals (none in the pipeline either) 14.3% leave in the year, within four
    # binomial standard deviations (and a few deregistering after breakdowns)
    rate = base.deregistration_rate
    assert abs(without - start * (1 - rate)) < 4 * np.sqrt(start * rate * (1 - rate)) + 5


def test_carers_live_where_housing_has_room():
    """``housing_factor`` by hand, and ``carer_home_table``'s shares: own LA first at 0.8 times
    its factor (``carer_in_own_la`` set to 0.8 here), the rest within the radius, a dense LA
    sending more of its carers away."""
    from sim.config import Params
    from sim.supply.foster import carer_home_table, housing_factor

    # Densities 1, 2, 4 and 8 have median 3: factors 1, 1, (4/3) ** -0.5, (8/3) ** -0.5.
    h = housing_factor(np.array([1.0, 2.0, 4.0, 8.0]), 0.5)
    assert h == pytest.approx([1.0, 1.0, (4 / 3) ** -0.5, (8 / 3) ** -0.5])
    assert (housing_factor(np.array([1.0, 2.0, 4.0, 8.0]), 0.0) == 1.0).all()

    geo = embedded.england()
    sp = dataclasses.replace(Params().supply, carer_density_elasticity=0.5, carer_in_own_la=0.8)
    start, las, cumw = carer_home_table(geo, sp)
    hf = housing_factor(geo.child_density, 0.5)
    for c in range(geo.n_la):
        s, e = start[c], start[c + 1]
        assert las[s] == c and cumw[e - 1] == pytest.approx(1.0)
        assert (np.diff(cumw[s:e]) >= 0).all()
        assert (geo.dist_la[c, las[s + 1 : e]] <= sp.carer_home_radius_km).all()
        if e - s > 1:
            assert cumw[s] == pytest.approx(0.8 * hf[c])
    # Tower Hamlets (dense) keeps fewer of its carers at home than North Yorkshire (sparse).
    th, ny = geo.index_of["E09000030"], geo.index_of["E06000065"]
    assert cumw[start[th]] < 0.5 < cumw[start[ny]] == pytest.approx(0.8)
