"""A day in one compiled call: entries, the day's events, the urgent round; runs of days.

This module owns the order of a day's phases 1-3 in compiled code (``run_days``): the day's
entrants are admitted (``sim.population.arrivals.admit_rows``), its events handled
(``sim.engine.events``), and the urgent round (``urgent_round``: placements with parents and
kin, then a search stage by stage, then unregistered settings) places every child who needs a
place today. ``room_for`` checks that the records have room for a day before it starts.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from sim.calendar import (
    EVENT_HORIZON_DAYS,
    M_NFREE,
    M_USED,
    push_events,
    take_events,
)
from sim.engine.events import handle_events
from sim.engine.search import search_groups
from sim.engine.settings import place_unregistered_rows, place_without_search_rows
from sim.engine.state import OUT_EXIT, OUT_URGENT, TRUE_FLAG, DaysRun
from sim.market.kernels import vacancy_csr
from sim.market.terms import SearchTerms, UrgentSearch, Vacancies
from sim.population.arrivals import admit_rows
from sim.population.table import C_CID, ROWS_FREED_TODAY, ROWS_USED, new_day_rows


@njit(cache=True)
def unique_rows(row_of, cids):
    """The rows of children ``cids`` still in care, each once, in order of first mention."""
    n = len(cids)
    rows = np.empty(n, np.int64)
    m = 0
    for i in range(n):
        c = cids[i]
        if 0 <= c < len(row_of) and row_of[c] >= 0:
            rows[m] = row_of[c]
            m += 1
    rows = rows[:m]
    order = np.argsort(rows, kind="mergesort")
    keep = np.ones(m, np.bool_)
    for k in range(1, m):
        if rows[order[k]] == rows[order[k - 1]]:
            keep[order[k]] = False
    return rows[keep]


@njit(cache=True)
def urgent_round(
    tab, sup, more, books, logs, cids, row_of, base, day, kin, geo, pp, rates, search, rng
):
    """The day's urgent round in one call.

    The children of ``cids`` still in care, each once in order of first mention: placements
    needing no search (``place_without_search_rows``, registering kinship households from unit
    ``base``), then a search stage by stage, siblings together (``search_groups``), then
    unregistered settings for those left (``place_unregistered_rows``, registered after the
    households). The vacancy index is the day's (``PlacementModel.vacancies``): built again
    when the day or the number of units has changed since ``vac_state`` = [day, units] was set.

    Args:
        search: the search's terms (``terms.UrgentSearch``), their vacancies the index as it
            stood at the call.
        rng: the matching stream (a numpy Generator; numba types a tuple holding one slowly,
            in Python, so it is passed on its own).

    Returns:
        (households registered, the row each was made for, unregistered settings registered,
        placements made, of them unregistered, children of split groups, the vacancy index's
        start and units).
    """
    rows = unique_rows(row_of, cids)
    left, made, made_for, placed = place_without_search_rows(
        tab, sup, more, books, logs, rows, row_of, base, day, kin, geo, pp, rates
    )
    n_units = base + made
    n_unreg = 0
    split = 0
    terms = search.terms
    v_start, v_units = terms.vacancies.start, terms.vacancies.units
    if len(left):
        vac_state = search.vac_state
        if vac_state[0] != day or vac_state[1] != n_units:
            v_units, v_start = vacancy_csr(
                search.order,
                search.order_key,
                sup.open,
                sup.matchable,
                sup.capacity,
                sup.occupied,
                sup.reserved,
                len(v_start) - 1,
            )
            vac_state[0] = day
            vac_state[1] = n_units
            terms = terms_with(terms, v_start, v_units)
        left, found, u1, split = search_groups(
            tab, sup, books, logs, left, day, TRUE_FLAG <= day, terms, pp, rates, rng
        )
        placed += found
        n_unreg += u1
    n_left = len(left)
    if n_left:
        n_unreg += place_unregistered_rows(
            tab, sup, more, books, logs, left, n_units, day, search.unregistered, geo, pp, rates,
            rng,
        )  # fmt: skip
        placed += n_left
    return made, made_for, n_left, placed, n_unreg, split, v_start, v_units


@njit(cache=True)
def terms_with(t, v_start, v_units):
    """Search terms ``t`` with the vacancy index (``start``, ``units``): numba's ``_replace``."""
    return SearchTerms(
        t.points, t.units, t.market, t.prm, t.flags, t.radius_km, t.min_km_away,
        Vacancies(v_start, v_units, t.vacancies.n_la), t.nearest, t.max_las, t.per_la,
        t.district_start, t.carers,
    )  # fmt: skip


@njit(cache=True)
def search_with(s, v_start, v_units):
    """Urgent search ``s`` with the vacancy index (``start``, ``units``)."""
    terms = terms_with(s.terms, v_start, v_units)
    return UrgentSearch(terms, s.vac_state, s.order, s.order_key, s.unregistered)


@njit(cache=True)
def room_for(day, n, q, n_late, entry_cols, cal, tab, logs, out_room):
    """Whether every store has room for ``day`` with ``n`` arrivals and ``q`` children queued.

    ``n_late`` events wait to be handled first on ``day``. The bounds: three entrants an
    arrival, four events an entrant, the day's events and the urgent queue.
    """
    counts_t, row_of, cid0 = entry_cols
    head, nxt, meta, late_ix, count = cal.head, cal.nxt, cal.meta, cal.late_ix, cal.count
    n_said, n_names, said_cap, names_cap = out_room
    due = (count[day] if day < len(count) else 0) + n_late
    n_ev = due + 12 * n
    n_urgent = q + 3 * n + n_ev
    rows = 2 * n_ev + n_urgent + 8
    # Child numbers: three an arrival, one a transfer (at most one an event).
    ok = counts_t[ROWS_USED] + 3 * n <= len(tab.I) and cid0 + 3 * n + due < len(row_of)
    ok = (
        ok
        and logs.n_episodes[0] + 2 * rows + 8 <= len(logs.episodes)
        and logs.n_ledger[0] + rows + 8 <= len(logs.ledger)
    )
    ok = ok and logs.n_drawn[0] + rows + 8 <= len(logs.drawn)
    ok = ok and meta[M_USED] + 12 * n + rows - meta[M_NFREE] <= len(nxt)
    ok = ok and len(late_ix) >= 12 * n + rows and day + EVENT_HORIZON_DAYS < len(head)
    ok = ok and n_said + 2 * n_ev + 1 <= said_cap and n_names + 2 * n_urgent <= names_cap
    return ok, n_urgent


@njit(cache=True)
def new_day(table_state, freed, stock, child_days):
    """A new day: the rows freed the day before become free; the day's child-days by LA."""
    new_day_rows(table_state.free_stack, freed, table_state.counts)
    for a in range(len(stock)):
        child_days[a] += stock[a]


@njit(cache=True)
def admit_day(day, lo, hi, plan, table_state, cal, done, stock, cid0, ev_codes, var, ent_store):
    """Phase 1: the day's arrivals (``plan``'s LAs ``lo`` to ``hi``) admitted.

    ``arrivals.admit_rows`` writes their rows and queues their events; the entrants' futures,
    child numbers and rows go to ``ent_store``.

    Returns:
        (entrants, events queued, leads kept out of care, the next child number).
    """
    n_ent = ent_store.count
    ent, cids, rows, n_p, n_sib, events, pushed = admit_rows(
        plan, lo, hi, table_state, cal, done, TRUE_FLAG <= day, stock, cid0, day, ev_codes, var
    )
    if pushed != 0 and len(events):
        raise RuntimeError("no room in the calendar for the entrants' events")
    n_cids = len(cids)
    e0 = n_ent[0]
    for j in range(n_cids):
        ent_store.futures[e0 + j] = ent[j]
        ent_store.cids[e0 + j] = cids[j]
        ent_store.rows[e0 + j] = rows[j]
    n_ent[0] = e0 + n_cids
    return n_cids, len(events), n_p, cid0 + (hi - lo) + n_sib


@njit(cache=True)
def events_of_day(
    day, late, cal, tab, sup, books, logs, pp, rates, vp, world, counts, freed, counts_t,
    said_out, out_n,
):  # fmt: skip
    """Phase 2: the events due on ``day`` (``late`` ones first) taken and handled.

    A child leaving care is taken out of ``row_of`` and its row freed for the next day; the
    handlers' reports are appended to ``said_out``.

    Returns:
        (the day's reports (``OUT_*``, a, b), how many joined the urgent queue).
    """
    todays = take_events(cal, day)
    if len(late):  # events scheduled for a day already handled come first
        todays = np.concatenate((late, todays))
    n_ev = len(todays)
    out = np.zeros((2 * n_ev + 1, 3), np.int64)
    on = np.zeros(1, np.int64)
    handle_events(tab, sup, books, logs, todays, day, pp, rates, vp, world, counts, out, on)
    row_of = world.row_of
    n_u = 0
    s0 = out_n[0]
    for j in range(on[0]):
        what = out[j, 0]
        if what == OUT_URGENT:
            n_u += 1
        elif what == OUT_EXIT:
            row_of[out[j, 1]] = -1
            freed[counts_t[ROWS_FREED_TODAY]] = out[j, 2]
            counts_t[ROWS_FREED_TODAY] += 1
        said_out[s0 + j] = out[j]
    out_n[0] = s0 + on[0]
    return out[: on[0]], n_u


@njit(cache=True)
def urgent_of_day(
    day, before, said, n_u, n_cids, ent_store, tab, sup, more, books, logs, row_of, base, kin,
    geo, pp, rates, search, v_start, v_units, rng, names_out, out_n,
):  # fmt: skip
    """Phase 3: the day's urgent queue placed (``urgent_round``).

    The queue: the children queued before the call (``before``, on its first day), then the
    day's entrants, then the children the events sent (``said``), in order. The units it
    registers are named in ``names_out`` (a kinship household's child, -1 for an unregistered
    setting).

    Returns:
        (the next unit, placements, of them unregistered, children of split groups, the
        vacancy index's start and units).
    """
    ti = tab.I
    cid_out, n_ent = ent_store.cids, ent_store.count
    q = len(before)
    queue = np.empty(q + n_cids + n_u, np.int64)
    if q:
        queue[:q] = before
    e0 = n_ent[0] - n_cids
    for j in range(n_cids):
        queue[q + j] = cid_out[e0 + j]
    k = q + n_cids
    for j in range(len(said)):
        if said[j, 0] == OUT_URGENT:
            queue[k] = said[j, 1]
            k += 1
    if len(queue) == 0:
        return base, 0, 0, 0, v_start, v_units
    made, made_for, n_left, p, u, sp, v_start, v_units = urgent_round(
        tab, sup, more, books, logs, queue, row_of, base, day, kin, geo, pp, rates,
            search_with(search, v_start, v_units),
        rng,
    )  # fmt: skip
    m0 = out_n[1]
    for j in range(made):
        names_out[m0 + j] = ti[made_for[j], C_CID]
    for j in range(n_left):
        names_out[m0 + made + j] = -1
    out_n[1] = m0 + made + n_left
    return base + made + n_left, p, u, sp, v_start, v_units


@njit(cache=True)
def queue_drawn_events(logs, cal, day):
    """The events drawn on ``day`` queued in the calendar, in the order drawn; how many."""
    drawn, dn = logs.drawn, logs.n_drawn
    m = dn[0]
    for j in range(m):
        if drawn[j, 0] <= day:
            raise RuntimeError("an event drawn for the day being handled or before")
    if m:
        if push_events(cal, drawn, m, day) != 0:
            raise RuntimeError("no room in the calendar for the events drawn today")
        dn[0] = 0
    return m


@njit(cache=True)
def run_days(first, last, entry, cal, tab, sup, more, books, logs, pp, rates, vp, world, counts,
             urgent, rng):  # fmt: skip
    """Phases 1-3 (entries, events, the urgent round) of days ``first`` to ``last`` in one call.

    Each day in order: the rows freed the day before become free, the day's child-days
    are counted, the arrivals are admitted (``arrivals.admit_rows``, their events queued), the
    day's events taken and handled (``handle_events``; a child leaving care is taken out of
    ``row_of`` and its row freed), then the urgent queue (on the first day the children
    queued before, then the entrants and the children the events put in it, in order) goes
    through ``urgent_round``, and the events drawn are queued in the order drawn. A day
    starts only when every store has room for it (``room_for``); otherwise the call returns
    before it, for the caller to make room and call again from that day. Events scheduled for a
    day already handled (``cal.late``) are handled on ``first`` before its own; the parameters
    are the same every day of the call.

    Args:
        entry: the arrivals, the table and where the entrants go (``state.DayEntry``).
        cal: the calendar's arrays, the last day handled and the late events
            (``state.DayCalendar``).
        urgent: the children queued before, the urgent round's terms and its output stores
            (``state.DayUrgent``).
        rng: the matching stream (on its own: see ``urgent_round``).

    Returns:
        ``state.DaysRun``: the first day not run, the next child number and unit, and the
        days' counts.
    """
    plan, starts, table_state, freed, stock = (
        entry.plan, entry.starts, entry.table, entry.freed, entry.stock
    )  # fmt: skip
    cid0, ent_store = entry.cid0, entry.entrants
    arrays, done, late = cal.arrays, cal.done, cal.late
    before, row_of, base, said_out, names_out, out_n = (
        urgent.before, urgent.row_of, urgent.base, urgent.said, urgent.names, urgent.out_n
    )  # fmt: skip
    search = urgent.search
    counts_t = table_state.counts
    n_prev = 0
    n_queued = 0
    placed = 0
    n_unreg = 0
    split = 0
    v_start, v_units = search.terms.vacancies.start, search.terms.vacancies.units
    day = first
    while day <= last:
        lo, hi = starts[day - first], starts[day - first + 1]
        n = hi - lo
        q = len(before) if day == first else 0
        n_late = len(late) if day == first else 0
        ok, n_urgent = room_for(
            day,
            n,
            q,
            n_late,
            (counts_t, row_of, cid0),
            arrays,
            tab,
            logs,
            (out_n[0], out_n[1], len(said_out), len(names_out)),
        )
        if not ok or base + 2 * n_urgent > len(sup.kind):
            break
        new_day(table_state, freed, stock, entry.child_days)
        # Phase 1: entries.
        n_cids = 0
        if n > 0:
            n_cids, n_ev_queued, n_p, cid0 = admit_day(
                day, lo, hi, plan, table_state, arrays, done, stock, cid0, entry.ev_codes,
                entry.var, ent_store,
            )  # fmt: skip
            n_queued += n_ev_queued
            n_prev += n_p
        # Phase 2: the day's events (late ones first on the first day); a transfer takes the
        # next child number.
        world.next_cid[0] = cid0
        said, n_u = events_of_day(
            day, late[:n_late], arrays, tab, sup, books, logs, pp, rates, vp, world, counts,
            freed, counts_t, said_out, out_n,
        )  # fmt: skip
        cid0 = world.next_cid[0]
        done = day
        # Phase 3: the urgent round.
        base, p, u, sp, v_start, v_units = urgent_of_day(
            day, before[:q], said, n_u, n_cids, ent_store, tab, sup, more, books, logs, row_of,
            base, urgent.kin, urgent.geo, pp, rates, search, v_start, v_units, rng, names_out,
            out_n,
        )  # fmt: skip
        placed += p
        n_unreg += u
        split += sp
        n_queued += queue_drawn_events(logs, arrays, day)
        day += 1
    return DaysRun(day, cid0, base, n_prev, n_queued, placed, n_unreg, split, v_start, v_units)
