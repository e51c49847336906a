"""The compiled placement bookkeeping and event handlers on hand-worked cases (engine)."""

import mesa
import numpy as np
import pytest

from sim import engine
from sim.calendar import EV_EXIT, EV_PLACEMENT
from sim.config import PlacementParams
from sim.io import embedded
from sim.io.outputs import world_data
from sim.model import PlacementModel
from sim.population.children import N_UNIFORMS, U_18, Child
from sim.population.table import ChildTable
from sim.records import HOME, INHOUSE, REC, RPC, UNPLANNED_RPC

from .conftest import tiny_config


@pytest.fixture
def model() -> PlacementModel:
    """A tiny world at day 0: its stock placed, no day run yet."""
    return PlacementModel(tiny_config(), embedded.england(), world_data())


def _one(m: PlacementModel, kind: int) -> Child:
    return next(m.children[c] for c in sorted(m.children) if m.children[c].kind == kind)


def test_a_child_almost_never_moving_gets_no_event():
    """A propensity so low that the next event lies beyond any exit: none is drawn.

    (Its time in days overflows a 64-bit integer: the event must not wrap round to day 1.)
    """
    m = mesa.Model(rng=1)
    m.table = ChildTable(16)  # a lone child's table
    c = Child(m, 1, 0, np.full(N_UNIFORMS, 0.5))
    c.dob = -12 * 365
    c.propensity = 1e-20
    pp, rates = engine.hazard_params(PlacementParams())
    when, what = engine.next_event(c._t.kernel_view, c.row, HOME, 0, 0, False, 1, pp, *rates)
    assert (when, what) == (-1, 0)
    assert c.n_draws == 1  # the draw is taken all the same


def run_day(m: PlacementModel, day: int) -> None:
    """Day ``day`` through the model's one path (``run_days``), with no arrivals."""
    m.entry_rate_per_day[:] = 0.0
    m.run_days(day, day)


def test_leaving_at_18_from_foster_care_stays_put_and_bills_the_stay(model):
    m = model
    c = _one(m, INHOUSE)
    cid, la, unit, price, since = c.cid, c.la, c.unit, c.price, c.billed_to
    c.exit_route = "at18"
    c.u[U_18] = 0.0  # below the staying-put share: E17
    occupied, stock = int(m.supply.occupied[unit]), int(m.stock[la])
    n_ep, n_led = len(m.episodes), len(m.ledger)
    m.calendar.add(5, EV_EXIT, cid, c.version)
    run_day(m, 5)
    ep = m.episodes.frame().iloc[n_ep:]
    # Every child of the council who left care by day 5 (this one and any whose time came).
    left = ep[(ep["la"] == la) & (ep["rec"] >= 0) & (ep["rec"] != REC["X1"])]["child"]
    assert cid not in m.children and cid in set(left)
    assert m.stock[la] == stock - left.nunique()
    assert m.supply.occupied[unit] == occupied - 1
    mine = ep[ep["child"] == cid]
    assert mine["dec"].tolist() == [5] and mine["rec"].tolist() == [REC["E17"]]
    led = m.ledger.frame().iloc[n_led:]
    paid = led[led["child"] == cid]
    assert paid["days"].tolist() == [5 - since]
    assert paid["amount_gbp"].tolist() == [pytest.approx(price * (5 - since) / 7.0)]
    assert m.table.row_of[cid] == -1


def test_an_event_for_a_day_already_handled_comes_first_on_the_next_day(model):
    """A late event (scheduled for day 2 once day 3 ran) is handled on day 4, before day 4's
    own events: the child leaves care with its episode ending on day 4."""
    m = model
    run_day(m, 3)
    c = _one(m, INHOUSE)
    cid = c.cid
    c.exit_route = "at18"
    m.calendar.add(2, EV_EXIT, cid, c.version)
    assert m.calendar.due(4) == -1  # waiting to be merged
    n_ep = len(m.episodes)
    run_day(m, 4)
    assert cid not in m.children
    ep = m.episodes.frame().iloc[n_ep:]
    assert ep[ep["child"] == cid]["dec"].tolist() == [4]
    assert len(m.calendar.late) == 0


def test_unplanned_ending_frees_the_unit_and_the_urgent_round_places_the_child(model):
    """The ending closes the episode with an unplanned reason; the same day's urgent round
    starts a new placement (RNE P), so the child is not left waiting."""
    m = model
    c = _one(m, HOME)
    cid, n_placements = c.cid, c.n_placements
    c.pending = "unplanned"
    m.calendar.add(3, EV_PLACEMENT, cid, c.version)
    n_ep = len(m.episodes)
    run_day(m, 3)
    assert c.place_start == 3 and c.unit >= 0 and c.n_placements == n_placements + 1
    ep = m.episodes.frame().iloc[n_ep:]
    ended = ep[(ep["child"] == cid) & (ep["dec"] == 3)]
    assert ended["rpc"].tolist()[0] in [RPC[r] for r in UNPLANNED_RPC]
    assert m.urgent == []


def test_a_stale_placement_event_is_skipped(model):
    m = model
    c = _one(m, HOME)
    unit, version, start = c.unit, c.version, c.place_start
    c.pending = "unplanned"
    m.calendar.add(3, EV_PLACEMENT, c.cid, version - 1)  # a placement ago
    run_day(m, 3)
    assert c.unit == unit and c.version == version and c.place_start == start


def test_a_planned_move_joins_the_planned_queue_and_its_flag(model):
    m = model
    c = _one(m, HOME)
    c.pending = "planned"
    m.calendar.add(4, EV_PLACEMENT, c.cid, c.version)
    run_day(m, 4)
    assert m.planned.get(c.cid) is c and c.waiting and c.waiting_since == 4
    m.planned.pop(c.cid)
    assert not c.waiting


def test_siblings_join_the_lead_kin_household_while_it_has_room(model):
    """A lead with one sibling gets a household for two; a third child of the group, beyond
    its places, gets a household of its own."""
    from sim.population import table
    from sim.population.admission import place_without_search
    from sim.records import KIN, PLAN_KIN

    m = model
    t = m.table
    rows = t.alloc(3)
    cids = np.arange(m.next_cid, m.next_cid + 3)
    m.next_cid += 3
    t.I[rows, table.C_CID] = cids
    t.I[rows, table.C_LA] = 0
    t.I[rows, table.C_PLAN] = PLAN_KIN
    t.I[rows, table.C_SIBLING_OF] = [-1, cids[0], cids[0]]
    t.I[rows, table.C_GROUP_SIZE] = [2, 1, 1]
    t.U[rows] = 0.5
    t.index(cids, rows)
    base = m.supply.n
    assert len(place_without_search(m, rows, 1)) == 0
    s = m.supply
    assert t.I[rows, table.C_UNIT].tolist() == [base, base, base + 1]
    assert s.n == base + 2 and (s.kind[base : base + 2] == KIN).all()
    assert s.capacity[base : base + 2].tolist() == [2, 1]
    assert s.occupied[base : base + 2].tolist() == [2, 1]
    assert s.urn[base:] == [f"KIN{cids[0]}", f"KIN{cids[2]}"]


def test_a_placement_takes_the_child_out_of_the_planned_queue(model):
    from sim.population import table
    from sim.records import RNE

    m = model
    a, b = sorted(m.children)[-2:]
    for cid in (b, a):  # joined out of order: the round reads them by child number
        m.planned[cid] = m.children[cid]
    assert list(m.planned) == [a, b] and len(m.planned) == 2
    assert m.table.I[m.planned.rows(), table.C_CID].tolist() == [a, b]
    m.place(m.children[b], -1, 5, False, RNE["P"])
    assert list(m.planned) == [a] and b not in m.planned and m.planned.get(b) is None
    assert m.planned.pop(a) is m.children[a] and len(m.planned) == 0


def _new_rows(m: PlacementModel, n: int, plan: int, sibling_of_first: bool) -> np.ndarray:
    """``n`` children of LA 0 aged 8, out of care's units, with a plan; the rest lead's siblings."""
    from sim.population import table

    t = m.table
    rows = t.alloc(n)
    cids = np.arange(m.next_cid, m.next_cid + n)
    m.next_cid += n
    t.I[rows, table.C_CID] = cids
    t.I[rows, table.C_LA] = 0
    t.I[rows, table.C_PLAN] = plan
    t.I[rows, table.C_DOB] = -8 * 365
    if sibling_of_first:
        t.I[rows[1:], table.C_SIBLING_OF] = cids[0]
        t.I[rows[0], table.C_GROUP_SIZE] = n
    t.U[rows] = 0.5
    t.index(cids, rows)
    return rows


def test_an_urgent_sibling_group_is_placed_together_in_one_unit(model):
    """A lead and two siblings searched together need three places in one unit: they get a
    three-place foster household added next to them, all three, and nobody is left (every
    provider accepting, so that the rule is tested rather than the acceptance draws)."""
    from sim.population import table
    from sim.records import IFA, PLAN_FOSTER, SECTOR_PRIVATE
    from sim.supply.units import add_units

    m = model
    rows = _new_rows(m, 3, PLAN_FOSTER, sibling_of_first=True)
    d = int(m.geo.d_start[0])
    ifa = next(p for p in m.providers if p.role == "ifa").index
    (unit,) = add_units(m, ["IFA-TEST"], IFA, [0], [d], SECTOR_PRIVATE, ifa, 3, 0, 17, 2, 1,
                         500.0, 400.0)  # fmt: skip
    matches, split = m.counters["matches"], m.counters["siblings_separated"]
    accept = m._accept_prob
    m._accept_prob = np.ones_like(accept)  # every provider accepts: the rule, not the draws
    try:
        left = m.search_and_place(rows, 1, emergency=True)
    finally:
        m._accept_prob = accept
    assert len(left) == 0
    assert m.table.I[rows, table.C_UNIT].tolist() == [unit] * 3
    assert m.supply.occupied[unit] == 3
    assert m.counters["matches"] == matches + 3 and m.counters["siblings_separated"] == split
    # Each starts a period of care in it (new entrants: RNE S, no episode closed).
    assert (m.table.I[rows, table.C_PLACE] >= 0).all()


def test_an_urgent_search_for_a_child_still_in_a_unit_is_refused(model):
    m = model
    c = _one(m, INHOUSE)
    with pytest.raises(RuntimeError, match="still holding a unit"):
        m.search_and_place(np.array([c.row]), 1, emergency=True)


def test_unregistered_settings_follow_the_matching_streams_draws(model):
    """Two children with nothing found: a setting each, drawn child by child from the matching
    stream as numpy draws them (a council among the 12 nearest, a district, a price), placed
    there at list price and left searching."""
    import copy
    import math

    from sim.population import table
    from sim.records import PLAN_FOSTER, UNREG

    m = model
    rows = _new_rows(m, 2, PLAN_FOSTER, sibling_of_first=False)
    ref = copy.deepcopy(m.streams["matching"])
    base, n_unreg = m.supply.n, m.counters["unregistered"]
    m.place_unregistered(rows, 3)
    s, g = m.supply, m.geo
    for i, r in enumerate(rows):
        la = int(g.la_order[0][int(ref.integers(0, 12))])
        d = g.sample_district(la, ref.random())
        price = m.p.prices.unregistered_gbp_week * math.exp(0.4 * ref.standard_normal() - 0.08)
        u = base + i
        assert (s.kind[u], s.la[u], s.district[u], s.capacity[u]) == (UNREG, la, d, 1)
        assert s.list_price[u] == price and s.cost[u] == price * 0.6
        assert not s.matchable[u] and s.urn[u] == f"UNREG{u}"
        assert m.table.I[r, table.C_UNIT] == u and s.occupied[u] == 1
        assert m.table.I[r, table.C_WAITING_SINCE] == 3 and m.table.W[r] == 1
    assert s.n == base + 2 and m.counters["unregistered"] == n_unreg + 2
    assert ref.random() == m.streams["matching"].random()  # the stream left where numpy's is


def test_the_urgent_queue_is_read_once_per_child_in_order_of_first_mention():
    """Children 3, 1, 3, 7, 1, 9, 2: 7 and 9 have left care (no row) and 99 was never in care;
    the others' rows come once each in the order they were first queued."""
    from sim.engine import unique_rows

    row_of = np.full(10, -1, np.int64)
    row_of[[1, 2, 3]] = [20, 5, 11]
    cids = np.array([3, 1, 3, 7, 1, 9, 2, 99], np.int64)
    assert unique_rows(row_of, cids).tolist() == [11, 20, 5]


def test_siblings_follow_their_lead_in_the_order_they_were_queued():
    """Rows 0-5 are children 10-15. 12 and 14 follow 10; 15 follows 13; 11 follows 99 (not
    searched), so it leads on its own. Leads in the order queued: 13, 10, 11; 13's group is
    15, 10's is 14 then 12 (as queued), 11's is empty."""
    from sim.engine import sibling_groups
    from sim.population import table

    ti = np.zeros((6, len(table.INT_COLUMNS)), np.int64)
    ti[:, table.C_CID] = np.arange(10, 16)
    ti[:, table.C_SIBLING_OF] = [-1, 99, 10, -1, 10, 13]
    rows = np.array([3, 0, 4, 1, 2, 5], np.int64)  # queued as 13, 10, 14, 11, 12, 15
    leads, start, sib = sibling_groups(ti, rows)
    assert leads.tolist() == [3, 0, 1]
    assert start.tolist() == [0, 1, 3, 3]
    assert sib.tolist() == [5, 4, 2]
