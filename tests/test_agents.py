"""Agents' local behaviour on hand-worked cases: councils, RCCs, children's futures, supply."""

import math

import mesa
import numpy as np
import pytest

from sim import engine
from sim.agents.councils import Council
from sim.agents.rcc import RCC
from sim.agents.supply import SupplyRegistry
from sim.config import PlacementParams
from sim.population import entry
from sim.population.children import N_UNIFORMS, Child
from sim.population.table import PENDING, ChildTable
from sim.records import HOME, INHOUSE


def test_council_plans_next_budget_from_spend():
    m = mesa.Model(rng=1)
    c = Council(m, 0, "E1", "A", 0, True, 32.2, 4.0)
    c.pay(100.0)
    c.pay(50.0)
    c.plan_year(growth=0.1)
    assert c.budget_gbp == pytest.approx(165.0)
    assert c.spend_gbp == 0.0 and c.history == [150.0]


def test_rcc_forecast_carries_stock_and_arrivals():
    m = mesa.Model(rng=1)
    r = RCC(m, "gm", [0, 2], 1.5e6)
    stock = np.array([100, 999, 50])
    arrivals = np.array([40, 999, 10])
    # 150 members' children, of whom 34,450/81,770 leave in a year, plus 50 arrivals.
    assert r.forecast_need(stock, arrivals) == 150 * (1 - 34450 / 81770) + 50
    assert r.forecasts == [r.forecasts[0]]


def test_age_bands():
    ages = (0.5, 1.0, 4.99, 5.0, 15.99, 16.0, 17.5)
    assert [entry.age_band_index(a) for a in ages] == [0, 1, 1, 2, 3, 4, 4]


def make_child(age_years=12.0, **kw):
    m = mesa.Model(rng=1)
    m.table = ChildTable(16)  # a lone child's table
    u = np.full(N_UNIFORMS, 0.5)
    c = Child(m, 1, 0, u)
    c.dob = -int(age_years * 365.25)
    for k, v in kw.items():
        setattr(c, k, v)
    return c


def next_event(c, kind, day, misfit, far, grade, p):
    """The compiled rule (``engine.next_event``) for child ``c``: (day, pending type)."""
    pp, rates = engine.hazard_params(p)
    when, what = engine.next_event(
        c._t.kernel_view, c.row, kind, day, misfit, far, grade, pp, *rates
    )
    return int(when), PENDING[what]


def hand_hazard(p, kind, band, misfit, far, grade):
    """The yearly unplanned-ending hazard, worked by hand from the parameters' definitions."""
    h = p.unplanned_rate[kind] * p.age_multiplier[band]
    h *= p.misfit_multiplier**misfit
    h *= p.distance_multiplier if far else 1.0
    h *= p.quality_multiplier ** max(grade - 1, 0)
    return h


@pytest.mark.parametrize(
    "misfit,far,grade", [(0, False, 1), (1, False, 1), (2, False, 1), (0, True, 1), (0, True, 3)]
)
def test_next_event_uses_the_unplanned_hazard(misfit, far, grade):
    """The unplanned ending comes at the Weibull time of the hand-worked hazard (u = 0.99):
    misfit, distance over 20 miles and a poor grade each multiply it."""
    p = PlacementParams(p_status_change=0.0)
    c = make_child(place_start=0)
    c.u = (
        [0.5] * 24 + [0.99, 0.01, 0.5, 0.5] + [0.5] * (N_UNIFORMS - 28)
    )  # an early breakdown, late move
    day, what = next_event(c, INHOUSE, 0, misfit, far, grade, p)
    h = hand_hazard(p, INHOUSE, 3, misfit, far, grade)  # aged 12: band 10-15
    expect = (-math.log(0.99) / h) ** (1 / p.hazard_shape) * 365.25
    assert what == "unplanned" and day == max(1, int(expect))


def test_weibull_clock_resumes_where_it_stands():
    """A placement already a year old ends later than a new one with the same draw."""
    p = PlacementParams(p_status_change=0.0)
    new = make_child(place_start=0)
    old = make_child(place_start=-365)
    t_new, _ = next_event(new, HOME, 0, 0, False, 1, p)
    t_old, _ = next_event(old, HOME, 0, 0, False, 1, p)
    # Hand-worked: with u = 0.5, E = ln 2; rate r, shape a: new T = (E/r)^(1/a) years;
    # old remaining = ((E/r + 1)^(1/a) - 1) years.
    a = p.hazard_shape
    e = math.log(2)
    rates = [p.unplanned_rate[HOME] * p.age_multiplier[3], p.planned_rate[HOME]]
    expect_new = min((e / r) ** (1 / a) for r in rates) * 365.25
    expect_old = min(((e / r + 1) ** (1 / a) - 1) for r in rates) * 365.25
    assert t_new == max(1, int(expect_new))
    assert t_old == max(1, int(expect_old))


def test_supply_refuses_overfill_and_respects_reserved():
    s = SupplyRegistry(n_la=2)
    u = s.add(["a"], kind=np.array([HOME]), capacity=np.array([3]), la=np.array([1]))[0]
    s.reserved[u] = 2
    s.occupy(u, 1)
    with pytest.raises(RuntimeError, match="0 free places"):
        s.occupy(u, 1)
    assert s.free()[u] == 0
    vac = s.vacancy_index()
    assert len(vac.units) == 0
    s.release(u, 1)
    assert s.vacancy_index().units.tolist() == [u]


@pytest.mark.parametrize(
    "u_unplanned,u_planned,what", [(0.9, 0.1, "unplanned"), (0.1, 0.9, "planned")]
)
@pytest.mark.parametrize("propensity", [0.5, 1.0, 3.0])
def test_propensity_to_move_multiplies_both_hazards(u_unplanned, u_planned, what, propensity):
    """With a constant hazard (shape 1), a child k times as prone to move waits 1/k as long
    for whichever event comes first: -ln(u) / (hazard x k) years."""
    p = PlacementParams(p_status_change=0.0, hazard_shape=1.0)
    c = make_child(place_start=0)
    c.propensity = propensity
    c.u = [0.5] * 24 + [u_unplanned, u_planned, 0.5, 0.5] + [0.5] * (N_UNIFORMS - 28)
    day, got = next_event(c, HOME, 0, 0, False, 1, p)
    if what == "unplanned":
        u, h = u_unplanned, hand_hazard(p, HOME, 3, 0, False, 1)
    else:
        u, h = u_planned, p.planned_rate[HOME]
    assert got == what
    assert day == max(1, int(-math.log(u) / (h * propensity) * 365.25))


def test_foster_pipeline_keeps_the_order_of_approval():
    from sim.agents.providers import FosterPipeline, PendingUnits

    p = FosterPipeline(capacity=2)  # grows as rows are added
    for row in [(7, 10, 0, 1), (8, 5, 1, 2), (7, 5, 2, 3), (7, 30, 3, 4), (8, 40, 4, 5)]:
        p.add(*row)
    assert p.of(7) == [PendingUnits(10, 0, 1), PendingUnits(5, 2, 3), PendingUnits(30, 3, 4)]
    p.rows[[0, 2], 0] = -1  # taken by the monthly round
    p.compact()
    assert p.rows[: p.n].tolist() == [[8, 5, 1, 2], [7, 30, 3, 4], [8, 40, 4, 5]]


def test_compiled_monthly_recruitment_draws_as_the_rules_do_service_by_service():
    """``recruit_month`` equals the rules written out with numpy's own draws, in order."""
    from sim.agents.providers import (
        H_AGES,
        H_DISTRICT,
        H_LA,
        H_PLACES,
        H_PROVIDER,
        H_SKILL,
        FosterPipeline,
        recruit_month,
    )

    # Where each LA's carers live (``carer_home_table``'s CSR): own LA at 0.8, then the other
    # three alike.
    la_order = np.array([[0, 1, 2, 3], [1, 0, 2, 3], [2, 1, 3, 0], [3, 2, 1, 0]])
    h_start, h_la = np.arange(0, 17, 4), la_order.ravel()
    h_cumw = np.tile([0.8, 0.8 + 0.2 / 3, 0.8 + 0.4 / 3, 1.0], 4)
    d_start = np.array([0, 2, 3, 6, 7])  # districts of each LA
    d_cumw = np.array([0.3, 1.0, 1.0, 0.2, 0.5, 1.0, 1.0])
    cdfs = (np.array([0.5, 0.91, 1.0]), np.array([0.4, 0.7, 1.0]), np.array([0.55, 0.9, 1.0]))
    keep = np.array([1.0, 0.5, 1.0, 1.0])
    day, lag = 100, 30
    # Service 0: a council in LA 1 (6 approvals); service 3: an agency over LAs 0, 2, 3.
    services, ifa = np.array([0, 3]), np.array([False, True])
    approvals = np.array([6, 40])
    la_start, las = np.array([0, 1, 4]), np.array([1, 0, 2, 3])
    weights = np.array([1.0, 0.2, 0.5, 0.3])
    pipe = FosterPipeline()
    for row in [(3, 90, 1, 4), (0, 99, 1, 2), (3, 95, 2, 3), (0, 200, 1, 9)]:
        pipe.add(*row)
    pipe.reserve(8)
    n_pipe, new, z = recruit_month(
        np.random.default_rng(11),
        day,
        lag,
        services,
        ifa,
        approvals,
        la_start,
        las,
        weights,
        keep,
        pipe.rows,
        pipe.n,
        4,
        ((h_start, h_la, h_cumw), d_start, d_cumw),
        cdfs,
    )
    # The rules, with numpy's draws.
    rng = np.random.default_rng(11)
    want_pipe = [[3, 90, 1, 4], [0, 99, 1, 2], [3, 95, 2, 3], [0, 200, 1, 9]]
    want = []
    for i, pi in enumerate(services):
        w = weights[la_start[i] : la_start[i + 1]]
        counts = rng.multinomial(approvals[i], w) if len(w) > 1 else [approvals[i]]
        for la, k in zip(las[la_start[i] : la_start[i + 1]], counts, strict=True):
            if k:
                want_pipe.append([pi, day + lag, la, k])
        for row in want_pipe:
            if row[0] == pi and row[1] <= day:
                row[0] = -1
                la = row[2]
                k = rng.poisson(row[3] * keep[la]) if ifa[i] else row[3]
                if not k:
                    continue
                pick = np.searchsorted(h_cumw[4 * la : 4 * la + 4], rng.random(k), side="right")
                home = la_order[la, np.minimum(pick, 3)]
                u_d = rng.random(k)
                dist = [  # bisect the LA's cumulative postcode weights
                    d_start[h]
                    + min(
                        np.searchsorted(d_cumw[d_start[h] : d_start[h + 1]], u),
                        d_start[h + 1] - d_start[h] - 1,
                    )
                    for h, u in zip(home, u_d, strict=True)
                ]
                places = np.searchsorted(cdfs[0], rng.random(k), side="right")
                ages = np.searchsorted(cdfs[1], rng.random(k), side="right")
                zz = rng.standard_normal(k) if ifa[i] else np.zeros(k)
                skill = np.searchsorted(cdfs[2], rng.random(k), side="right")
                for q in range(k):
                    want.append((home[q], dist[q], places[q], ages[q], skill[q], pi, zz[q]))
    assert pipe.rows[:n_pipe].tolist() == want_pipe
    assert len(new) == len(want) > 2  # the council's 2 due, then the agency's Poisson draws
    got = [
        (r[H_LA], r[H_DISTRICT], r[H_PLACES], r[H_AGES], r[H_SKILL], r[H_PROVIDER], zq)
        for r, zq in zip(new.tolist(), z.tolist(), strict=True)
    ]
    assert got == [tuple(x.item() if hasattr(x, "item") else x for x in w) for w in want]


def test_places_by_cell_sums_open_units_by_region_and_kind():
    s = SupplyRegistry(n_la=3)
    s.add(
        ["a", "b", "c", "d"],
        kind=np.array([HOME, HOME, INHOUSE, HOME]),
        capacity=np.array([4, 2, 1, 5]),
        la=np.array([0, 2, 1, 1]),
    )
    s.occupied[:4] = [3, 1, 1, 5]
    s.close(3, day=1)  # closed: not counted
    region_of_la = np.array([0, 1, 1])
    cap, occ = s.places_by_cell(region_of_la, 2)
    from sim.records import N_KINDS

    # Region 0: home a (4 places, 3 taken); region 1: home b (2, 1) and carer c (1, 1).
    want_cap = np.zeros(2 * N_KINDS)
    want_occ = np.zeros(2 * N_KINDS)
    want_cap[0 * N_KINDS + HOME], want_occ[0 * N_KINDS + HOME] = 4, 3
    want_cap[1 * N_KINDS + HOME], want_occ[1 * N_KINDS + HOME] = 2, 1
    want_cap[1 * N_KINDS + INHOUSE], want_occ[1 * N_KINDS + INHOUSE] = 1, 1
    assert cap.tolist() == want_cap.tolist() and occ.tolist() == want_occ.tolist()


def test_a_reused_row_is_not_left_in_the_planned_queue():
    from sim.population.table import C_CID, ChildTable

    t = ChildTable(4)
    rows = t.alloc(3)
    t.I[rows, C_CID] = [10, 11, 12]
    t.index(np.array([10, 11, 12]), rows)
    t.W[rows[1]] = 1  # child 11 waits for a planned move, then leaves care
    t.free(int(rows[1]))
    assert t.alloc(1)[0] != rows[1]  # not reused the same day
    t.new_day()
    again = t.alloc(1)[0]
    assert again == rows[1] and t.W[again] == 0
    assert np.flatnonzero(t.W[: t.n]).tolist() == []


def test_header_rows_added_as_columns_come_after_the_tuples_and_hold_no_views():
    """Rows appended as tuples, then as columns (views of a larger array), then as tuples:
    the frame has them in that order, and the columns kept are copies, not views keeping
    the larger array alive."""
    import numpy as np

    from sim.records import HeaderLog

    h = HeaderLog()
    h.add(1, 0, 1, -100, "WBRI", False)
    big = np.arange(40, dtype=np.int64).reshape(10, 4)
    h.add_columns(
        child=big[:2, 0],
        la=big[:2, 1],
        sex=np.array([2, 1]),
        dob=big[:2, 3],
        ethnic=np.array(["AOTH", "BAFR"], object),
        uasc=np.array([True, False]),
    )
    h.add(9, 2, 2, -5, "WOTH", True)
    f = h.frame()
    assert f["child"].tolist() == [1, 0, 4, 9]
    assert f["ethnic"].tolist() == ["WBRI", "AOTH", "BAFR", "WOTH"]
    assert f["uasc"].tolist() == [False, True, False, True]
    assert len(h) == 4
    assert all(col.base is None for col in h._packs[-1].values())


def _homes_market():
    s = SupplyRegistry(n_la=3)
    s.add(
        ["h0", "h1", "h2", "h3"],
        kind=np.full(4, HOME),
        la=np.array([0, 0, 1, 2]),
        capacity=np.array([2, 3, 2, 4]),
        list_price=np.array([900.0, 500.0, 700.0, 100.0]),
    )
    return s


@pytest.mark.parametrize("children,want", [(6, [1]), (8, [1, 2]), (20, [1, 2, 0]), (0, [])])
def test_rcc_block_buys_the_cheapest_member_homes_until_its_share_is_covered(children, want):
    """Members are LAs 0 and 1; half their children in homes is the target. Hand-worked with
    the members' homes by price: h1 (3 places), h2 (2), h0 (2); h3 is outside (LA 2)."""
    m = mesa.Model(rng=1)
    r = RCC(m, "gm", [0, 1], 0.0, index=0, block_share=0.5)
    s = _homes_market()
    in_homes = np.array([children / 2, children / 2, 50.0])
    chosen = r.choose_blocks(np.arange(4), in_homes, np.array([0, 0, -1]), s)
    assert chosen.tolist() == want


def test_rcc_plan_steers_new_homes_to_members_with_a_gap():
    m = mesa.Model(rng=1)
    r = RCC(m, "gm", [0, 1], 0.0, index=0, market_shaping=1.0)
    shaping = np.ones(3)
    gap, pop = np.array([30.0, 10.0, 99.0]), np.array([1000.0, 1000.0, 1000.0])
    r.steer_entry(gap, pop, np.array([0, 0, -1]), shaping)
    # Rates 0.03 and 0.01, mean 0.02: weights 1 + 1.5 and 1 + 0.5; LA 2 (not a member) stays 1.
    assert shaping.tolist() == pytest.approx([2.5, 1.5, 1.0])
    r.steer_entry(np.zeros(3), pop, np.array([0, 0, -1]), shaping := np.ones(3))
    assert shaping.tolist() == [1.0, 1.0, 1.0]


def test_a_provider_closes_an_empty_home_at_once_and_winds_down_a_full_one():
    from sim.agents.providers import Provider

    m = mesa.Model(rng=1)
    p = Provider(m, "group", 1, "home_group")
    s = _homes_market()
    s.occupy(1, 1)
    assert p.close_home(s, 0, 30) and not s.open[0] and s.close_day[0] == 30
    assert not p.close_home(s, 1, 30) and s.open[1] and not s.matchable[1]
