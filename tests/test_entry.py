"""A child's entry to care on hand-worked cases: the compiled rules of ``sim.population.entry``."""

import datetime as dt

import numpy as np
import pytest

from sim.io import embedded
from sim.io.outputs import world_data
from sim.model import PlacementModel
from sim.population import arrivals, children, entry, legal
from sim.population.children import N_UNIFORMS
from sim.records import LS, PLAN_FOSTER, PLAN_HOME, PLAN_KIN, PLAN_PARENTS
from tests.conftest import tiny_config

DAY = 100
E = np.exp(-1.0)  # -ln(E) = 1: a stay of the mean
E2 = np.exp(-0.503)  # -ln(E2) = 0.503


@pytest.fixture(scope="module")
def model() -> PlacementModel:
    return PlacementModel(tiny_config(), embedded.england(), world_data())


def uniforms(**slots: float) -> np.ndarray:
    """One child's uniforms: 0.5 except the named slots (e.g. ``U_STAY=0.1``)."""
    u = np.full(N_UNIFORMS, 0.5)
    for name, value in slots.items():
        u[getattr(children, name)] = value
    return u


def admit(model, rows, la: int, prm=None, sib_rows=None, stock=None, nts=None):
    """Run the two entry kernels on leads ``rows`` arriving in ``la``."""
    p, bands = model.entry_params(DAY)
    if prm is not None:
        p = prm
    uu = np.array(rows)
    las = np.full(len(rows), la, np.int64)
    serial = np.zeros(model.geo.n_la, np.int64)
    uasc, age, size, prevented, sib_la, _ = entry.lead_plans(
        uu, las, serial, model.entry_age_cum[0], model.entry_age_cum[1], p, model.entry_uasc_on(DAY)
    )
    uu_sib = np.array(sib_rows) if sib_rows is not None else np.full((len(sib_la), N_UNIFORMS), 0.5)
    tab = entry.entry_futures(
        uu,
        uu_sib.reshape(len(sib_la), N_UNIFORMS),
        las,
        uasc,
        age,
        size,
        prevented,
        DAY,
        model.la_exit_factor,
        p,
        bands,
        (model.geo.d_start, model.geo.d_cumw),
        stock if stock is not None else np.zeros(model.geo.n_la),
        nts if nts is not None else quota_of(model, 2.0),
    )
    return tab, age


def quota_of(model, quota: float):
    """The model's National Transfer Scheme terms with every council's quota ``quota``."""
    n = model.geo.n_la
    return model.nts._replace(quota=np.full(n, quota), due=np.zeros(n))


def test_a_short_stay_with_parents(model):
    """Aged 5-9, a short stay of exactly the mean (150 days over the council's exit factor)."""
    la = int(model.sim_las[0])
    cum = model.entry_age_cum[0]
    u = uniforms(
        U_UASC=0.99, U_AGE=cum[1] + 1e-6, U_AGE_POS=0.5, U_SIB=0.99, U_STAY=0.01,
        U_DURATION=E, U_PLAN=0.01, U_TIER=0.1, U_LS=0.1, U_SA16=0.99,
    )  # fmt: skip
    tab, age = admit(model, [u], la)
    assert age[0] == 5 + 5 * 0.5 * 0.999
    (r,) = tab
    dob = DAY - int(age[0] * 365.25)
    assert r[entry.F_DOB] == dob
    assert r[entry.F_EXIT_DAY] == DAY + int(150 / model.la_exit_factor[la])
    assert entry.ROUTES[r[entry.F_ROUTE]] == "short"
    assert r[entry.F_PLAN] == PLAN_PARENTS and r[entry.F_TIER] == 0
    # Drawn V2 (U_LS = 0.1), but a child placed with parents is on an interim care order,
    # never accommodated under s20 (the DfE's rule 378); the full order follows only a stay
    # of more than 200 days.
    stay = r[entry.F_EXIT_DAY] - DAY
    assert r[entry.F_LS] == LS["C1"]
    assert r[entry.F_NEXT_LS] == (LS["C2"] if stay > legal.C2_AFTER_MIN_STAY_DAYS else -1)
    assert r[entry.F_ADOPTION_DAY] == -1 and r[entry.F_SA16_DAY] == -1
    assert r[entry.F_TEMPORARY] == 0 and r[entry.F_UASC] == 0


def test_the_adoption_path_and_the_interim_order(model):
    """Aged 1-4, long stay, adoption path: placement at 300 x (0.5 + 0.1/0.4) days."""
    la = int(model.sim_las[0])
    cum = model.entry_age_cum[0]
    u = uniforms(
        U_UASC=0.99, U_AGE=cum[0] + 1e-6, U_SIB=0.99, U_STAY=0.99, U_DURATION=E2, U_ADOPT=0.1,
        U_PLAN=0.5, U_LS=0.6, U_LEVER=0.99,
    )  # fmt: skip
    (r,), _ = admit(model, [u], la)
    assert entry.ROUTES[r[entry.F_ROUTE]] == "adoption"
    assert r[entry.F_ADOPTION_DAY] == DAY + 225
    # The order follows the placement after 70 + 130 x 0.503 days.
    assert r[entry.F_EXIT_DAY] == DAY + 225 + 70 + 65
    # LS at 0.6 is C1 (cumulative 0.565-0.876): a full care order follows after 150 + 50 days.
    assert r[entry.F_LS] == LS["C1"] and r[entry.F_NEXT_LS] == LS["C2"]
    assert r[entry.F_LS_DAY] == DAY + 150 + 50
    assert r[entry.F_PLAN] == PLAN_FOSTER


def test_a_long_stay_ends_on_the_18th_birthday_and_may_move_to_supported_at_16(model):
    """Aged 10-15 (just under 16), a long stay of 15 years: capped at 18, route at18."""
    la = int(model.sim_las[0])
    cum = model.entry_age_cum[0]
    u = uniforms(
        U_UASC=0.99, U_AGE=cum[2] + 1e-6, U_AGE_POS=0.99, U_SIB=0.99, U_STAY=0.99,
        U_DURATION=E, U_PLAN=0.99, U_TEMP=0.99, U_SA16=0.35,
    )  # fmt: skip
    (r,), age = admit(model, [u], la)
    dob = DAY - int(age[0] * 365.25)
    born = model.origin + dt.timedelta(days=int(dob))
    eighteen = born.replace(year=born.year + 18)  # (not 29 February: no leap-day rule here)
    assert r[entry.F_EXIT_DAY] == dob + (eighteen - born).days  # on the birthday itself
    assert entry.ROUTES[r[entry.F_ROUTE]] == "at18"
    assert r[entry.F_PLAN] == PLAN_FOSTER
    # U_SA16 = 0.35 < 0.7: half way, so frac = (0.5 x 7) mod 1 = 0.5; at 16.75 years.
    assert r[entry.F_SA16_DAY] == dob + int(16.75 * 365.25) > DAY


def test_siblings_share_home_and_need_and_follow_the_leads_plan(model):
    """A group of three: siblings 1.5 and 3 years younger, planned as the lead (kin)."""
    la = int(model.sim_las[1])
    cum = model.entry_age_cum[0]
    lead = uniforms(
        U_UASC=0.99, U_AGE=cum[2] + 1e-6, U_AGE_POS=0.9, U_SIB=0.01, U_PLAN=0.2, U_LEVER=0.99,
    )  # fmt: skip
    home_plan = uniforms(U_PLAN=0.99)  # on its own: foster care
    tab, age = admit(model, [lead], la, sib_rows=[home_plan, home_plan])
    assert len(tab) == 3
    assert tab[0, entry.F_PLAN] == PLAN_KIN and tab[0, entry.F_GROUP] == 3
    assert list(tab[1:, entry.F_LEAD]) == [0, 0]
    assert list(tab[:, entry.F_SRC]) == [0, -1, -2]
    assert (tab[:, entry.F_HOME] == tab[0, entry.F_HOME]).all()
    assert (tab[:, entry.F_CIN] == tab[0, entry.F_CIN]).all()
    assert (tab[1:, entry.F_PLAN] == PLAN_KIN).all()
    ages = [min(15.9, age[0] - 1.5), min(15.9, age[0] - 3.0)]
    assert list(tab[1:, entry.F_DOB]) == [DAY - int(a * 365.25) for a in ages]


def test_a_childrens_home_lead_sends_siblings_to_foster_care(model):
    la = int(model.sim_las[1])
    cum = model.entry_age_cum[0]
    p_home = model.p.placements
    x = p_home.p_parents[3] + p_home.p_kin[3] + 0.5 * p_home.p_home[3]
    lead = uniforms(U_UASC=0.99, U_AGE=cum[2] + 1e-6, U_AGE_POS=0.1, U_SIB=0.1, U_PLAN=x)
    tab, _ = admit(model, [lead], la)
    assert tab[0, entry.F_PLAN] == PLAN_HOME and tab[0, entry.F_TIER] >= 1
    assert (tab[1:, entry.F_PLAN] == PLAN_FOSTER).all()


def test_a_prevented_lead_keeps_its_siblings_serials_reserved(model):
    """Family help keeps the lead (and its would-be siblings) out; later serials are unmoved."""
    la = int(model.sim_las[0])
    cum = model.entry_age_cum[0]
    prm, _ = model.entry_params(DAY)
    prm = prm.copy()
    prm[entry.E_PREVENT_BELOW] = 0.5
    kept = uniforms(U_UASC=0.99, U_AGE=cum[2] + 1e-6, U_SIB=0.01, U_PREVENT=0.4)
    later = uniforms(U_UASC=0.99, U_AGE=cum[2] + 1e-6, U_SIB=0.01, U_PREVENT=0.6)
    uu = np.array([kept, later])
    las = np.full(2, la, np.int64)
    serial = np.zeros(model.geo.n_la, np.int64)
    serial[la] = 2  # the two leads took serials 0 and 1
    _, _, size, prevented, sib_la, sib_serial = entry.lead_plans(
        uu, las, serial, model.entry_age_cum[0], model.entry_age_cum[1], prm,
        model.entry_uasc_on(DAY),
    )  # fmt: skip
    assert list(size) == [3, 3] and list(prevented) == [True, False]
    assert list(sib_la) == [la, la] and list(sib_serial) == [4, 5]  # 2, 3 stay reserved
    assert serial[la] == 6


def test_an_unaccompanied_child_over_quota_is_referred_to_the_council_with_most_room(model):
    """The arrival council is at its quota (2): the child starts there and is referred to the
    council of its region with most room, to be transferred ``E_NTS_DAYS`` later."""
    la, other, third = (int(x) for x in model.sim_las)
    cum = model.entry_age_cum[1]
    u = uniforms(U_UASC=0.001, U_AGE=cum[3] + 1e-6, U_LEVER=0.1)
    prm, _ = model.entry_params(DAY)
    prm = prm.copy()
    prm[entry.E_NTS_REFER] = 0.5
    prm[entry.E_NTS_REGION] = 1.0
    prm[entry.E_NTS_DAYS] = 10
    stock = np.zeros(model.geo.n_la)
    stock[[la, other, third]] = [2.0, 1.0, 0.0]
    nts = quota_of(model, 2.0)
    (r,), _ = admit(model, [u], la, prm=prm, stock=stock, nts=nts)
    assert r[entry.F_LA] == la and r[entry.F_UASC] == 1 and r[entry.F_HOME] == -1
    assert r[entry.F_TRANSFER_TO] == third and r[entry.F_TRANSFER_DAY] == DAY + 10
    assert stock[la] == 3.0 and nts.due[third] == 1  # responsible until the transfer
    # Not at its quota: no referral.
    stock[[la, other, third]] = [1.0, 1.0, 0.0]
    (r,), _ = admit(model, [u], la, prm=prm, stock=stock, nts=quota_of(model, 2.0))
    assert r[entry.F_TRANSFER_TO] == -1 and r[entry.F_TRANSFER_DAY] == -1


def test_admission_creates_and_schedules_each_entrant(model):
    """A day's entrants (through the day's one path) match the kernel's table, are placed or
    waiting by the day's end, and are numbered leads first, then their siblings."""
    before = dict(model.children)
    cid0 = model.next_cid
    model.entry_rate_per_day[:] = 0.0
    model.entry_rate_per_day[model.sim_las] = 30.0
    model.run_days(1, 1)
    new = [c for cid, c in model.children.items() if cid not in before]
    assert new and all(c.care_start == 1 and c.exit_day > 1 for c in new)
    assert all(c.place >= 0 and c.place_start == 1 for c in new)  # placed on the day
    assert model.urgent == []
    sibs = [c for c in new if c.sibling_of >= 0]
    leads = [c for c in new if c.sibling_of < 0]
    assert sibs and max(c.cid for c in leads) < min(c.cid for c in sibs)
    assert all(c.sibling_of < cid0 + len(leads) + 10 for c in sibs)
    for c in sibs:
        lead = model.children[c.sibling_of]
        assert c.home_d == lead.home_d and c.cin == lead.cin and c.la == lead.la
    # Each child's propensity to move comes from its own uniform.
    assert len({c.propensity for c in new}) == len(new)


def test_a_days_arrivals_in_one_call_equal_the_steps_one_by_one(model):
    """``admit_plan`` = serials, uniforms, leads' plans, siblings' uniforms, futures."""
    from sim.rng import uniforms_base, uniforms_of

    m = model
    rng = np.random.default_rng(3)
    las = np.sort(rng.choice(m.sim_las, size=40)).astype(np.int64)
    p, bands = m.entry_params(DAY)
    geo = (m.geo.d_start, m.geo.d_cumw)
    nts_a, nts_b = quota_of(m, 2.0), quota_of(m, 2.0)
    share = m.entry_uasc_on(DAY)
    ser_a, ser_b = m.la_serial.copy(), m.la_serial.copy()
    stock_a, stock_b = m.uasc_stock.astype(float), m.uasc_stock.astype(float)
    # One by one.
    serial = arrivals.reserve_serials(las, ser_a)
    uu = uniforms_of(7, 2, las, serial, N_UNIFORMS)
    cum = m.entry_age_cum
    uasc, age, size, prevented, sib_la, sib_serial = entry.lead_plans(
        uu, las, ser_a, cum[0], cum[1], p, share
    )
    uu_sib = uniforms_of(7, 2, sib_la, sib_serial, N_UNIFORMS)
    tab = entry.entry_futures(
        uu, uu_sib, las, uasc, age, size, prevented, DAY, m.la_exit_factor, p, bands, geo,
        stock_a, nts_a,
    )  # fmt: skip
    # In one call.
    tab2, uu2, uu_sib2, n_prevented = arrivals.admit_plan(
        uniforms_base(7, 2), las, ser_b, cum[0], cum[1], p, DAY, m.la_exit_factor, bands, geo,
        share, stock_b, nts_b,
    )  # fmt: skip
    assert len(tab) > 40  # some siblings came too
    assert np.array_equal(tab, tab2) and np.array_equal(uu, uu2)
    assert np.array_equal(uu_sib, uu_sib2) and n_prevented == int(prevented.sum())
    assert np.array_equal(ser_a, ser_b) and np.array_equal(stock_a, stock_b)
    assert np.array_equal(nts_a.due, nts_b.due)


def test_the_compiled_gamma_quantile_is_scipys_bit_for_bit():
    """The kernels call SciPy's own gammaincinv (``sim.special``): the same doubles as the
    ufunc for shapes from 0.1 to 10 and uniforms across (0, 1), ends included."""
    from numba import njit
    from scipy.special import gammaincinv as scipy_gammaincinv

    from sim.special import gammaincinv

    @njit
    def quantiles(a, u):
        out = np.empty(len(u))
        for i in range(len(u)):
            out[i] = gammaincinv(a, u[i], 0)
        return out

    u = np.concatenate([np.random.default_rng(3).random(20_000), [1e-12, 0.5, 1 - 1e-12]])
    for a in (0.1, 1 / 3, 1.0, 2.5, 10.0):
        assert np.array_equal(quantiles(a, u), scipy_gammaincinv(a, u))


def test_the_share_needing_a_home_grows_by_the_trend_from_2024_25_and_is_capped():
    """``p_home`` describes 2024-25's entrants; other years scale it, within the band's room."""
    import dataclasses

    from sim.config import params as params_mod

    p = params_mod.Params()
    p = dataclasses.replace(p, placements=dataclasses.replace(p.placements, home_need_trend=0.05))
    pl = p.placements
    b25 = arrivals.entry_bands(p, 2025)
    assert b25[entry.B_HOME, 3] == pl.p_home[3]
    b23 = arrivals.entry_bands(p, 2023)
    assert b23[entry.B_HOME, 3] == pytest.approx(pl.p_home[3] / 1.05**2, rel=1e-12)
    b30 = arrivals.entry_bands(p, 2030)
    assert b30[entry.B_HOME, 3] == pytest.approx(pl.p_home[3] * 1.05**5, rel=1e-12)
    # Far ahead the share needing a home takes all the room parents and kin leave, no more.
    b99 = arrivals.entry_bands(p, 2099)
    room = 1 - np.asarray(pl.p_parents) - np.asarray(pl.p_kin)
    assert b99[entry.B_HOME, 3] == pytest.approx(room[3], rel=1e-12)
    assert (b99[entry.B_HOME] <= room + 1e-12).all()
    # Bands needing no home stay at none; the other rows do not move.
    assert b99[entry.B_HOME, 0] == 0.0
    others = [r for r in range(len(b25)) if r != entry.B_HOME]
    assert (b99[others] == b25[others]).all()
