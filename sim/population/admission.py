"""Admitting children: new entrants' rows, records and first placements.

This module owns the Python side of entry: the arguments the compiled entry rules take
(``entry_inputs``), the entrants' header rows (``record_entrants``), the events fixed at
entry (``care_events``), and the placements that need no search (with parents, with kin:
``place_without_search``). The rules themselves are compiled in ``sim.population.entry``.
"""

from __future__ import annotations

import numpy as np
from scipy.special import gammaincinv

from sim import engine
from sim.calendar import EV_ADOPTION, EV_EXIT, EV_LS, EV_SA16, EV_TRANSFER
from sim.market.terms import KinTerms, districts
from sim.population import arrivals, entry, table
from sim.population.children import (
    ETHNIC,
    ETHNIC_UASC,
    N_UNIFORMS,
    U_PROPENSITY,
    U_SA16,
    Child,
)
from sim.records import (
    DAYS_PER_YEAR,
    PLAN_FOSTER,
    PLAN_HOME,
)
from sim.rng import uniforms_base, uniforms_of


def new_children(model, las, serial=None) -> list[Child]:
    """Create Child agents for arrivals in ``las`` with their keys and uniforms.

    Each LA's entry serial numbers the children in order of creation (or ``serial`` gives the
    serials already reserved); the uniforms go to the children's rows of the table.
    """
    n = len(las)
    if n == 0:
        return []
    t = model.table
    if t.n == 0:  # the initial population: room for a quarter more children (never copied)
        t.reserve(n + n // 4)
    if serial is None:
        ser = model.la_serial
        serial = np.empty(n, dtype=np.int64)
        for i, la in enumerate(las):
            serial[i] = ser[la]
            ser[la] += 1
    uu = uniforms_of(model.cfg.seed, model.rep, las, serial, N_UNIFORMS)
    rows = t.alloc(n)
    cid0 = model.take_cids(n)
    cids = np.arange(cid0, cid0 + n, dtype=np.int64)
    t.U[rows] = uu
    t.I[rows, table.C_CID] = cids
    t.I[rows, table.C_LA] = las
    t.index(cids, rows)
    var = model.p.placements.move_propensity_variance
    if var > 0:  # the gamma quantile (mean 1, variance var) of each child's own uniform
        t.F[rows, table.CF_PROPENSITY] = gammaincinv(1.0 / var, uu[:, U_PROPENSITY]) * var
    return [
        Child(model, cid, la, row=r)
        for cid, la, r in zip(cids.tolist(), np.asarray(las).tolist(), rows.tolist(), strict=True)
    ]


def entry_inputs(model, day: int, las: np.ndarray, n_events: int = 0) -> tuple:
    """``arrivals.admit_rows``' arguments but the calendar and the day, room made for them.

    Child numbers: three for each arrival and one for a transfer by each of ``n_events``.

    Returns:
        (plan, table state, stock, first child number, event codes, propensity variance).
    """
    las = np.asarray(las, dtype=np.int64)
    n = len(las)
    prm, bands = model.entry_params(day)
    geo = model.geo
    t = model.table
    cid0 = model.next_cid
    t.reserve_new(3 * n)  # groups of at most three
    t.reserve_cids(cid0 + 3 * n + n_events)
    plan = arrivals.EntryPlan(
        base=uniforms_base(model.cfg.seed, model.rep),
        las=las,
        la_serial=model.la_serial,
        age_cum_non_uasc=model.entry_year(day)[1],
        age_cum_uasc=model.entry_age_cum[1],
        prm=prm,
        la_factor=model.la_exit_factor,
        bands=bands,
        districts=(geo.d_start, geo.d_cumw),
        uasc_share=model.entry_uasc_on(day),
        uasc_stock=model.uasc_stock,
        nts=model.nts_on(day),
    )
    table_state = t.state()
    var = model.p.placements.move_propensity_variance
    return plan, table_state, model.stock, cid0, _ENTRY_EVENTS, var


def record_entrants(model, tab, cids, rows) -> None:
    """The entrants ``admit_rows`` wrote: their agents, header rows and count."""
    k = len(tab)
    if k == 0:
        return
    cid_list, la_list = cids.tolist(), tab[:, entry.F_LA].tolist()
    uasc_e = tab[:, entry.F_UASC] == 1
    eth = tab[:, entry.F_ETHNIC]
    ethnic = np.empty(k, object)  # the codes' own strings, as the tuples held them
    ethnic[uasc_e] = _ETHNIC_UASC_CODES[eth[uasc_e]]
    ethnic[~uasc_e] = _ETHNIC_CODES[eth[~uasc_e]]
    model.header.add_columns(
        child=cids,
        la=tab[:, entry.F_LA],
        sex=tab[:, entry.F_SEX],
        dob=tab[:, entry.F_DOB],
        ethnic=ethnic,
        uasc=uasc_e,
    )
    model.children.update(
        (cid, Child(model, cid, la, row=r))
        for cid, la, r in zip(cid_list, la_list, rows.tolist(), strict=True)
    )
    model.counters["entries"] += k


def after_events(model, said: np.ndarray) -> None:
    """The event handlers' reports (``engine.OUT_*``), the leavers' rows already freed.

    Transferred children's agents and header rows (first: one may leave after), leavers'
    agents removed, young people starting Staying Close.
    """
    what = said[:, 0]
    if (what == engine.OUT_TRANSFER).any():
        record_transfers(model, said[what == engine.OUT_TRANSFER])
    children = model.children
    for a in said[what == engine.OUT_EXIT, 1].tolist():
        del children[a]
    close = said[what == engine.OUT_STAYING_CLOSE, 1:].tolist()
    if close:  # only with the lever on (``engine.V_SC_ON``)
        model.policy.staying_close.support(close)


def record_transfers(model, moved: np.ndarray) -> None:
    """Children transferred to another council: their agents and header rows.

    ``moved``: ``engine.OUT_TRANSFER`` rows (what, new number, old number).
    """
    ti = model.table.I
    children = model.children
    for new, old in moved[:, 1:].tolist():
        row = children.pop(old).row
        la = int(ti[row, table.C_LA])
        children[new] = Child(model, new, la, row=row)
        model.header.transfer(new, old, la)
    model.counters["transfers"] += len(moved)


_ETHNIC_CODES = np.array(ETHNIC[0], object)


_ETHNIC_UASC_CODES = np.array(ETHNIC_UASC[0], object)


# The events fixed at entry, in the order they are scheduled (``arrivals.to_table``).
_ENTRY_EVENTS = np.array([EV_EXIT, EV_SA16, EV_ADOPTION, EV_LS, EV_TRANSFER], np.int64)


def initial_events(model, rows: np.ndarray) -> None:
    """Schedule the initial population's events, child by child in the order of ``rows``.

    First the events fixed when care started (``care_events``), then, for a child in a unit,
    its placement's next event: the placement began before 31 March 2025 and its clock
    resumes where it stands.
    """
    iv = model.table.I
    care = care_events(model, rows)
    in_unit = np.flatnonzero(iv[rows, table.C_UNIT] >= 0)
    iv[rows[in_unit], table.C_VERSION] += 1
    tab, sup, _, logs = model.kernel_state(len(in_unit))
    pp, rates = model.placement_terms(0)
    n0 = model.drawn_count()
    engine.schedule_rows(tab, sup, logs, rows[in_unit], 0, pp, rates)
    drawn = model.take_drawn(n0)
    # Each child's care events, then its placement event.
    cids = iv[rows, table.C_CID]
    pos = np.zeros(int(cids.max(initial=0)) + 1, np.int64)
    pos[cids] = np.arange(len(rows))
    key = np.concatenate([care[:, 4] * 8 + care[:, 5], pos[drawn[:, 2]] * 8 + 4])
    events = np.concatenate([care[:, :4], drawn])[np.argsort(key, kind="stable")]
    model.calendar.push(events)


def care_events(model, rows: np.ndarray) -> np.ndarray:
    """The events fixed when care starts, of the children in ``rows``.

    Leaving care, the move to supported accommodation between the 16th birthday and 17 and a
    half (not for a child in foster or residential care at day 0 past that age: the 31 March
    stock already holds those who moved), the adoptive placement and the change of legal
    status.

    Returns:
        Rows of (day, event, child, version, position in ``rows``, order within the child).
    """
    t = model.table
    iv = t.I[rows]
    p = model.p.placements
    n = len(rows)
    dob, plan, start = iv[:, table.C_DOB], iv[:, table.C_PLAN], iv[:, table.C_CARE_START]
    exit_day = iv[:, table.C_EXIT_DAY]
    u = t.U[rows, U_SA16]
    frac = (u / p.p_step_to_sa_at_16 * 7.0) % 1.0
    when = dob + ((16 + 1.5 * frac) * DAYS_PER_YEAR).astype(np.int64)
    at = np.where(start <= 0, 0, start)
    sa16 = (
        (u < p.p_step_to_sa_at_16)
        & ((plan == PLAN_FOSTER) | (plan == PLAN_HOME))
        & ~((start <= 0) & (when < 1))
        & (np.maximum(when, 1) < exit_day)
        & ((at - dob) / DAYS_PER_YEAR < 17.5)
    )
    adopt = iv[:, table.C_ADOPTION_DAY]
    due = np.stack(
        [
            exit_day,
            np.where(sa16, np.maximum(np.maximum(when, start + 1), 1), -1),
            np.where((iv[:, table.C_EXIT_ROUTE] == entry.R_ADOPTION) & (adopt > 0), adopt, -1),
            np.where(iv[:, table.C_NEXT_LS] >= 0, np.maximum(1, iv[:, table.C_LS_DAY]), -1),
        ],
        axis=1,
    )
    keep = np.zeros((n, 4), np.bool_)
    keep[:, 0] = True
    keep[:, 1] = sa16
    keep[:, 2:] = due[:, 2:] >= 0
    who, slot = np.nonzero(keep)
    out = np.empty((len(who), 6), np.int64)
    out[:, 0] = due[who, slot]
    out[:, 1] = _ENTRY_EVENTS[slot]
    out[:, 2] = iv[who, table.C_CID]
    out[:, 3] = iv[who, table.C_VERSION]
    out[:, 4] = who
    out[:, 5] = slot
    return out


def place_without_search(model, rows: np.ndarray, day: int) -> np.ndarray:
    """Placements needing no search, in the order of ``rows``; returns the rows left.

    With parents (P1) and with kin: a sibling whose lead is in a kinship household with room
    joins it; anybody else placed with kin gets a household of its own, sized for its group:
    far away (among the 10th to 40th nearest councils) with share ``kin_far_share``, otherwise
    65% in the home LA and 35% in one of its six nearest neighbours (assumption). The
    households are registered and the placements made in one compiled call
    (``engine.place_without_search_rows``).
    """
    t, sup, geo = model.table, model.supply, model.geo
    rows = np.asarray(rows, np.int64)
    if len(rows) == 0:
        return rows
    sup.reserve(len(rows))  # room for a household per child
    tab, sup_cols, books, logs = model.kernel_state(len(rows))
    pp, rates = model.placement_terms(day)
    more = sup.new_unit_columns()
    left, made, made_for, placed = engine.place_without_search_rows(
        tab,
        sup_cols,
        more,
        books,
        logs,
        rows,
        t.row_of,
        sup.n,
        day,
        KinTerms(
            model.p.placements.kin_far_share,
            model.p.prices.kin_cost_gbp_week,
            model.council_provider,
        ),
        districts(geo),
        pp,
        rates,
    )
    if made:
        sup.registered([f"KIN{cid}" for cid in t.I[made_for, table.C_CID].tolist()])
    if placed:
        model.counters["matches"] += placed
        model.queue_drawn()
    return left
