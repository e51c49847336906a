"""A day's child events: leaving care, adoption, legal status, placement endings, transfers.

This module owns the handlers (``handle_events``) of each event due on a day, in the order
they were scheduled: leaving care (the reason by route, staying put, Staying Close), the
adoptive placement, legal-status changes, placement events (an unplanned ending sends the
child to the urgent queue, a planned move to the planned queue, a status change opens a new
episode with the same carer) and an unaccompanied child's transfer to another council under
the National Transfer Scheme (``transfer``).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from sim.calendar import (
    EV_ADOPTION,
    EV_EXIT,
    EV_LS,
    EV_PLACEMENT,
    EV_SA16,
    EV_TRANSFER,
)
from sim.engine.episodes import close_episode, open_episode
from sim.engine.ledger import release
from sim.engine.other_settings import plan_after
from sim.engine.placements import draw_event, placement_uniforms, schedule_next
from sim.engine.state import (
    EXIT_CODES,
    EXIT_CUM,
    EXIT_N,
    IS_ADOPTION_PLACE,
    IS_FOSTER_PLACE,
    LS_C1,
    LS_C2,
    LS_E1,
    LS_L1,
    LS_L2,
    OUT_EXIT,
    OUT_STAYING_CLOSE,
    OUT_TRANSFER,
    OUT_URGENT,
    PENDING_PLANNED,
    PENDING_STATUS,
    PENDING_UNPLANNED,
    PLACE_A5,
    PLACE_A6,
    PLAN_FOSTER_,
    PLAN_HOME_,
    PLAN_KIN_,
    PLAN_OTHER_,
    PLAN_SA_,
    PR_OWN_LA,
    PR_VOLUNTARY_,
    REC_E3,
    REC_E5,
    REC_E17,
    REC_E45,
    REC_E46,
    REC_E47,
    REC_E48,
    REC_X1,
    RNE_B,
    RNE_L,
    RNE_T,
    RNE_U,
    ROUTE_ADOPTION,
    ROUTE_AT18,
    ROUTE_YOUNG_LONG,
    RPC_CARPL,
    RPC_OTHER,
    RPC_PLACE,
    STATUS_PLACE,
    UNPLANNED_CODES,
    UNPLANNED_CUM,
    V_DEREGISTER,
    V_ESCALATE,
    V_HUB_ON,
    V_OTHER_SHARE,
    V_SC_DAYS,
    V_SC_ON,
    V_SC_STAY,
    V_SC_TAKE_UP,
    V_STAYING_PUT,
    V_STEP_DOWN,
)
from sim.geography import district_of
from sim.population.children import (
    U_18,
    U_EXIT_REASON,
    U_LS_DAYS,
    U_SA16,
)
from sim.population.entry import pick_index
from sim.population.legal import C2_AFTER_DAYS, C2_AFTER_MIN_STAY_DAYS, C2_AFTER_SPREAD_DAYS
from sim.population.table import (
    C_CARE_START,
    C_CID,
    C_DOB,
    C_EXIT_DAY,
    C_EXIT_ROUTE,
    C_FIRST_CID,
    C_FOLD_RNE,
    C_KIND,
    C_LA,
    C_LAST_ROW,
    C_LS,
    C_LS_DAY,
    C_MOVE_RPC,
    C_N_DRAWS,
    C_N_PLACEMENTS,
    C_NEXT_LS,
    C_PAYEE,
    C_PENDING,
    C_PL_D,
    C_PLACE,
    C_PLAN,
    C_PREV_UNIT,
    C_PROVIDER,
    C_STATUS_CHANGED,
    C_TEMPORARY,
    C_TIER,
    C_TRANSFER_TO,
    C_UASC,
    C_UNIT,
    C_VERSION,
    C_WAITING_SINCE,
    CF_PRICE,
)
from sim.population.transfers import NO_TRANSFER, OUTSIDE
from sim.records import (
    DAYS_PER_YEAR,
    HOME,
    IFA,
    INHOUSE,
    KIN,
    NO_UNIT,
    UNREG,
)

# A foster placement's breakdown may escalate the plan to residential care from this age
# (years; ``params.placements.p_escalate_after_breakdown``): assumption.
ESCALATE_MIN_AGE_YEARS = 11
# A planned move from a children's home may step down to foster care below this age (years;
# ``params.placements.p_step_down``): assumption.
STEP_DOWN_MAX_AGE_YEARS = 15.5
# The adoptive placement: share placed with adopters (A6) rather than with foster carers
# approved as adopters (A5), share by the council's own agency (PR1) rather than a voluntary
# one (PR5), and the nearest councils the adopters live in (the child's own uniform picks one):
# assumptions.
ADOPTION_A6_SHARE = 0.7
ADOPTION_OWN_LA_SHARE = 0.8
ADOPTION_NEAREST_LAS = 8


@njit(cache=True)
def exit_reason(route, u):
    """The REC code of a child leaving by ``route`` with uniform ``u`` (``EXIT_CODES``)."""
    return EXIT_CODES[route, pick_index(EXIT_CUM[route, : EXIT_N[route]], u)]


@njit(cache=True)
def report(out, on, what, a, b):
    """Append a report (``OUT_*``, a, b) to the handlers' output ``out`` at ``on[0]``."""
    k = on[0]
    out[k, 0] = what
    out[k, 1] = a
    out[k, 2] = b
    on[0] = k + 1


@njit(cache=True)
def leave_care(tab, sup, books, logs, r, day, vp, world, out, on):
    """Row ``r`` leaves care on ``day``.

    The reason by its route; staying put at 18 from foster care (E17) or Staying Close from a
    home (E5); its episode written, its unit released, the stock counted down; reported as
    ``OUT_EXIT`` (and ``OUT_STAYING_CLOSE``).
    """
    ti, tu, tw = tab.I, tab.U, tab.W
    cid, la, kind = ti[r, C_CID], ti[r, C_LA], ti[r, C_KIND]
    route = ti[r, C_EXIT_ROUTE]
    u18 = tu[r, U_18]
    ux = tu[r, U_EXIT_REASON]
    if route == ROUTE_AT18:
        fostered = kind == INHOUSE or kind == IFA or kind == KIN
        if fostered and u18 < vp[V_STAYING_PUT]:
            rec = REC_E17
        elif kind == HOME and vp[V_SC_ON] != 0.0 and u18 < vp[V_SC_TAKE_UP]:
            rec = REC_E5  # independent living with formal support (Staying Close)
            report(out, on, OUT_STAYING_CLOSE, la, day + np.int64(vp[V_SC_DAYS]))
        else:
            rec = exit_reason(ROUTE_AT18, ux)
    elif route == ROUTE_ADOPTION and ti[r, C_PLACE] >= 0 and IS_ADOPTION_PLACE[ti[r, C_PLACE]]:
        rec = exit_reason(ROUTE_ADOPTION, ux)
    elif route == ROUTE_ADOPTION:
        rec = exit_reason(ROUTE_YOUNG_LONG, ux)
    else:
        rec = exit_reason(route, ux)
    place = ti[r, C_PLACE]
    if (rec == REC_E45 or rec == REC_E46) and (place < 0 or not IS_FOSTER_PLACE[place]):
        rec = REC_E47 if rec == REC_E45 else REC_E48  # guardians other than foster carers
    tw[r] = 0
    if ti[r, C_PLACE] >= 0:
        close_episode(tab, logs, r, day, rec, -1)
        release(tab, sup, books, logs, r, day)
    world.stock[la] -= 1
    if ti[r, C_UASC] != 0:
        world.uasc_stock[la] -= 1
    if ti[r, C_TRANSFER_TO] >= 0:  # left before the transfer was due
        world.nts_due[ti[r, C_TRANSFER_TO]] -= 1
    forget(ti, r, world.row_of)
    report(out, on, OUT_EXIT, cid, r)


@njit(cache=True)
def forget(ti, r, row_of):
    """Row ``r``'s child has left: its numbers no longer index the row.

    Its number (and its first, if transferred) are cleared, and the events still scheduled
    for it are stale.
    """
    ti[r, C_VERSION] += 1
    row_of[ti[r, C_CID]] = -1
    if ti[r, C_FIRST_CID] >= 0:
        row_of[ti[r, C_FIRST_CID]] = -1


@njit(cache=True)
def transfer(tab, sup, books, logs, r, day, world, out, on):
    """Row ``r``, an unaccompanied child referred on arrival, is transferred on ``day``.

    The National Transfer Scheme (``sim.population.transfers``): its episode in the first
    council ends with REC E3 (care taken by another council) and its unit is released. To a
    council outside the world it leaves (``OUT_EXIT``). Otherwise it becomes a child of the
    receiving council under a new child number (that council's own record, ``OUT_TRANSFER``;
    the events fixed at entry stay keyed by its first number, ``C_FIRST_CID``), and its period
    of care there starts with the placement today's urgent round finds (RNE S).
    """
    ti, tw = tab.I, tab.W
    to = ti[r, C_TRANSFER_TO]
    if to == NO_TRANSFER:
        return
    cid, la = ti[r, C_CID], ti[r, C_LA]
    ti[r, C_TRANSFER_TO] = NO_TRANSFER
    tw[r] = 0
    if ti[r, C_PLACE] >= 0:
        close_episode(tab, logs, r, day, REC_E3, -1)
        release(tab, sup, books, logs, r, day)
    world.stock[la] -= 1
    world.uasc_stock[la] -= 1
    if to == OUTSIDE:
        forget(ti, r, world.row_of)
        report(out, on, OUT_EXIT, cid, r)
        return
    world.nts_due[to] -= 1
    new = world.next_cid[0]
    world.next_cid[0] = new + 1
    ti[r, C_FIRST_CID] = cid
    world.row_of[new] = r
    ti[r, C_CID] = new
    ti[r, C_LA] = to
    world.stock[to] += 1
    world.uasc_stock[to] += 1
    ti[r, C_PLACE] = -1  # the next placement opens a period of care (RNE S)
    ti[r, C_UNIT] = -1
    ti[r, C_PAYEE] = -1
    ti[r, C_PL_D] = -1
    ti[r, C_N_PLACEMENTS] = 0
    ti[r, C_CARE_START] = day
    ti[r, C_LAST_ROW] = -1
    ti[r, C_FOLD_RNE] = -1
    ti[r, C_PREV_UNIT] = -1
    ti[r, C_VERSION] += 1  # the placement's events are stale
    report(out, on, OUT_TRANSFER, new, cid)
    report(out, on, OUT_URGENT, new, 0)


@njit(cache=True)
def end_unplanned(tab, sup, books, logs, r, day, vp, world, out, on):
    """Row ``r``'s placement breaks down on ``day``.

    The reason is drawn; the carer may stop (less often with a recruitment hub); a foster child
    of ``ESCALATE_MIN_AGE_YEARS`` or more may have its plan escalated to a children's home; the
    unit is released and the child reported for today's urgent round (``OUT_URGENT``).
    """
    ti = tab.I
    kind = ti[r, C_KIND]
    ti[r, C_N_DRAWS] -= 1
    uu = placement_uniforms(tab, r)
    ti[r, C_N_DRAWS] += 1
    reason = UNPLANNED_CODES[pick_index(UNPLANNED_CUM, uu[2])]
    unit = ti[r, C_UNIT]
    ti[r, C_PREV_UNIT] = unit
    keep = 1.0
    if vp[V_HUB_ON] != 0.0 and kind == INHOUSE:
        keep = world.hub_keep[world.provider_la[sup.provider[unit]]]
    if (kind == INHOUSE or kind == IFA) and uu[2] * 7.0 % 1.0 < vp[V_DEREGISTER] * keep:
        sup.matchable[unit] = False  # carer stops after the breakdown
    if (
        (kind == INHOUSE or kind == IFA)
        and (day - ti[r, C_DOB]) / DAYS_PER_YEAR >= ESCALATE_MIN_AGE_YEARS
        and uu[3] < vp[V_ESCALATE]
    ):
        ti[r, C_PLAN] = PLAN_HOME_
        ti[r, C_TIER] = max(ti[r, C_TIER], 1)
    release(tab, sup, books, logs, r, day)
    ti[r, C_MOVE_RPC] = reason
    report(out, on, OUT_URGENT, ti[r, C_CID], 0)


@njit(cache=True)
def plan_move(tab, r, day, vp):
    """Row ``r``'s planned move is due on ``day``: it joins the planned queue.

    The reason (the end of a short-term placement, care plan or other); the plan after a stay
    in a setting outside the care market (``other_settings.plan_after``, CARPL); a step down
    from a home for a child under ``STEP_DOWN_MAX_AGE_YEARS``; a child in an unregistered
    setting with a kinship plan is planned for foster care.
    """
    ti, tw = tab.I, tab.W
    ti[r, C_N_DRAWS] -= 1
    uu = placement_uniforms(tab, r)
    ti[r, C_N_DRAWS] += 1
    age = (day - ti[r, C_DOB]) / DAYS_PER_YEAR
    if ti[r, C_TEMPORARY] != 0:
        ti[r, C_MOVE_RPC] = RPC_CARPL
    else:
        ti[r, C_MOVE_RPC] = RPC_OTHER if uu[2] < vp[V_OTHER_SHARE] else RPC_CARPL
    plan = ti[r, C_PLAN]
    if plan == PLAN_OTHER_:  # the stay in a setting outside the care market ends
        ti[r, C_PLAN] = plan_after(ti, r, day)
        ti[r, C_MOVE_RPC] = RPC_CARPL
    elif plan == PLAN_HOME_ and age < STEP_DOWN_MAX_AGE_YEARS and uu[3] < vp[V_STEP_DOWN]:
        ti[r, C_PLAN] = PLAN_FOSTER_  # step-down
        ti[r, C_TIER] = min(ti[r, C_TIER], 1)
    elif ti[r, C_KIND] == UNREG and plan == PLAN_KIN_:
        ti[r, C_PLAN] = PLAN_FOSTER_
    ti[r, C_WAITING_SINCE] = day
    tw[r] = 1


@njit(cache=True)
def change_status(tab, sup, logs, r, day, pp, rates):
    """Row ``r``'s carers' approval changes (short-term to long-term).

    A new episode with the same carer (RNE T, reason PLACE) where the PLACE code changes; the
    placement's next event is drawn.
    """
    ti = tab.I
    ti[r, C_STATUS_CHANGED] = 1
    code = STATUS_PLACE[ti[r, C_PLACE]]
    if code >= 0:
        close_episode(tab, logs, r, day, REC_X1, RPC_PLACE)
        ti[r, C_PLACE] = code
        open_episode(tab, r, day, RNE_T)
        ti[r, C_N_PLACEMENTS] += 1
    schedule_next(tab, sup, logs, r, day, pp, rates)


@njit(cache=True)
def adoptive_placement(tab, sup, books, logs, r, day, world):
    """Row ``r`` on the adoption route is placed for adoption on ``day``.

    A5 or A6, by its council's or a voluntary agency, with adopters in one of the nearest
    councils, under a placement order (E1). The new episode changes the legal status and the
    placement: with new carers, the adopters (A6, RNE B), or with the same carers, foster
    carers approved as adopters (A5, RNE U) (SSDA903 RNE codes; the DfE's rules 217, 408).
    """
    ti, tf, tu, tw = tab.I, tab.F, tab.U, tab.W
    if ti[r, C_EXIT_ROUTE] != ROUTE_ADOPTION or ti[r, C_PLACE] < 0:
        return
    tw[r] = 0
    close_episode(tab, logs, r, day, REC_X1, RPC_CARPL)
    release(tab, sup, books, logs, r, day)
    ti[r, C_LS] = LS_E1
    ti[r, C_KIND] = NO_UNIT
    ti[r, C_UNIT] = -1
    ti[r, C_PAYEE] = -1
    uls = tu[r, U_LS_DAYS]
    ti[r, C_PLACE] = PLACE_A6 if uls < ADOPTION_A6_SHARE else PLACE_A5
    ti[r, C_NEXT_LS] = -1  # the placement order supersedes a care order still to come
    ti[r, C_PROVIDER] = PR_OWN_LA if uls < ADOPTION_OWN_LA_SHARE else PR_VOLUNTARY_
    la2 = world.la_order[ti[r, C_LA], np.int64(tu[r, U_18] * ADOPTION_NEAREST_LAS)]
    ti[r, C_PL_D] = district_of(world.d_start, world.d_cumw, la2, tu[r, U_EXIT_REASON])
    tf[r, CF_PRICE] = 0.0
    open_episode(tab, r, day, RNE_B if ti[r, C_PLACE] == PLACE_A6 else RNE_U)
    ti[r, C_N_PLACEMENTS] += 1
    ti[r, C_VERSION] += 1


@njit(cache=True)
def move_to_supported(tab, r, day, vp):
    """Row ``r`` (16-17, in foster care or a home) is planned for supported accommodation.

    It joins the planned queue, unless Staying Close keeps it in its home.
    """
    ti, tu, tw = tab.I, tab.U, tab.W
    plan = ti[r, C_PLAN]
    kind = ti[r, C_KIND]
    if (plan != PLAN_FOSTER_ and plan != PLAN_HOME_) or ti[r, C_PLACE] < 0:
        return
    if kind == UNREG or tw[r] != 0:
        return
    if kind == HOME and vp[V_SC_ON] != 0.0 and tu[r, U_SA16] * 13.0 % 1.0 < vp[V_SC_STAY]:
        return  # stays in the home, moving on at 18 with Staying Close
    ti[r, C_PLAN] = PLAN_SA_
    ti[r, C_MOVE_RPC] = RPC_CARPL
    ti[r, C_WAITING_SINCE] = day
    tw[r] = 1


@njit(cache=True)
def change_legal_status(tab, logs, r, day):
    """Row ``r``'s legal status changes on ``day`` (a new episode, RNE L).

    An interim care order schedules its full order. A child not yet placed has no episode to
    change: its first opens with the new status. A child waiting in an unregistered setting
    has the change recorded a week on, except the end of police protection or an emergency
    protection order, which the law times (72 hours, 8 days).
    """
    ti, tu, tw = tab.I, tab.U, tab.W
    cid = ti[r, C_CID]
    nls = ti[r, C_NEXT_LS]
    if nls < 0 or ti[r, C_LS] == nls:
        return
    unplaced = ti[r, C_PLACE] < 0
    police = ti[r, C_LS] == LS_L1 or ti[r, C_LS] == LS_L2  # ends when the law says (72 h, 8 d)
    if not unplaced and not police and tw[r] != 0 and ti[r, C_KIND] == UNREG:
        draw_event(logs, day + 7, EV_LS, cid, ti[r, C_VERSION])  # recorded once placed
        return
    if not unplaced:  # (an unplaced child's first episode opens with the new status)
        close_episode(tab, logs, r, day, REC_X1, -1)
    ti[r, C_LS] = nls
    ti[r, C_NEXT_LS] = -1
    if not unplaced:
        open_episode(tab, r, day, RNE_L)
    if nls == LS_C1 and ti[r, C_EXIT_DAY] - day > C2_AFTER_MIN_STAY_DAYS:
        ti[r, C_NEXT_LS] = LS_C2
        wait = C2_AFTER_DAYS + np.int64(C2_AFTER_SPREAD_DAYS * tu[r, U_LS_DAYS])
        ti[r, C_LS_DAY] = day + wait
        draw_event(logs, ti[r, C_LS_DAY], EV_LS, cid, ti[r, C_VERSION])


@njit(cache=True)
def handle_events(tab, sup, books, logs, events, day, pp, rates, vp, world, counts, out, on):
    """Handle the day's due events ``events`` (event, child, version) in order.

    Each event goes to its handler: leaving care (``leave_care``), a placement's unplanned
    ending (``end_unplanned``), planned move (``plan_move``) or change of the carers' approval
    (``change_status``), the adoptive placement (``adoptive_placement``), the move to supported
    accommodation at 16-17 (``move_to_supported``), a change of legal status
    (``change_legal_status``) and a transfer (``transfer``). An event of a child who has
    left, or a placement event made stale by a later placement, is skipped. The planned
    queue is the table's ``waiting`` flag, set and cleared by the handlers; who joins the
    urgent queue, leaves care, is transferred or takes up Staying Close is reported in
    ``out`` (``OUT_*``), in order; events drawn go to ``logs.drawn``.
    """
    ti = tab.I
    row_of = world.row_of
    handled = 0
    for j in range(len(events)):
        ev, cid, version = events[j, 0], events[j, 1], events[j, 2]
        r = row_of[cid] if cid < len(row_of) else -1
        if r < 0 or (ev == EV_PLACEMENT and ti[r, C_VERSION] != version):
            continue
        handled += 1
        if ev == EV_EXIT:
            leave_care(tab, sup, books, logs, r, day, vp, world, out, on)
        elif ev == EV_PLACEMENT:
            what = ti[r, C_PENDING]
            if what == PENDING_UNPLANNED:
                end_unplanned(tab, sup, books, logs, r, day, vp, world, out, on)
            elif what == PENDING_PLANNED:
                plan_move(tab, r, day, vp)
            elif what == PENDING_STATUS:
                change_status(tab, sup, logs, r, day, pp, rates)
        elif ev == EV_ADOPTION:
            adoptive_placement(tab, sup, books, logs, r, day, world)
        elif ev == EV_SA16:
            move_to_supported(tab, r, day, vp)
        elif ev == EV_LS:
            change_legal_status(tab, logs, r, day)
        elif ev == EV_TRANSFER:
            transfer(tab, sup, books, logs, r, day, world, out, on)
    counts[0] += handled
