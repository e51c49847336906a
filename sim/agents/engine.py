"""Compiled placement bookkeeping: starting and ending placements over rows of the child table.

This module owns what happens to a child's record, its unit and the money when a placement
starts or ends (docs/design.md §3.3-3.5), compiled with numba over the rows of ``sim.agents.table``:
billing the placement into the ledger (and the payee's revenue, the council's spend),
releasing the unit (closing a kinship household or unregistered setting left empty, or a unit
winding down), writing the episode that ends (one episode per child and start date: changes on
one day fold into one episode), opening the next, and drawing the new placement's next event
(an unplanned ending, a planned move or a change of the carers' approval, each a Weibull or
exponential time from the child's own uniforms). ``place`` starts a batch of placements in
order, as the matching or the model's other paths chose them. The model keeps the rules'
Python side (queues, policies' terms); the arithmetic is the same operation for operation as
the Python it replaced, so outputs are identical.

State is passed as tuples of arrays: ``tab`` = (I, F, U, W) of the child table; ``sup`` the
supply registry's columns (``SUP_FIELDS``); ``books`` = (provider sector, provider LA,
provider revenue £, council spend £); ``logs`` = (episode rows, count, ledger rows, count,
scheduled events (day, event, child, version), count), each count a one-element array that the
kernels advance; ``pp`` the placement parameters (``Q_*``) and ``rates`` = (unplanned rate by
kind, planned rate by kind, age multiplier by band).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from sim.agents.children import (
    EXIT_TABLES,
    N_PLACEMENT_DRAWS,
    PER_PLACEMENT,
    PLACEMENT_SLOT,
    U_18,
    U_EXIT_REASON,
    U_KIN,
    U_LS_DAYS,
    U_SA16,
    UNPLANNED_CUM_LIST,
)
from sim.agents.entry import admit_rows, age_band_index, pick_index
from sim.agents.table import (
    C_AWAY,
    C_BILLED_TO,
    C_CID,
    C_CIN,
    C_DOB,
    C_EP_RNE,
    C_EP_START,
    C_EP_UNIT,
    C_EXIT_DAY,
    C_EXIT_ROUTE,
    C_FAR,
    C_FOLD_RNE,
    C_GROUP_SIZE,
    C_HOME_D,
    C_KIND,
    C_LA,
    C_LAST_ROW,
    C_LS,
    C_LS_DAY,
    C_MATCHED,
    C_MOVE_RPC,
    C_N_DRAWS,
    C_N_PLACEMENTS,
    C_NEXT_LS,
    C_PAYEE,
    C_PENDING,
    C_PL_D,
    C_PLACE,
    C_PLACE_START,
    C_PLAN,
    C_PREV_UNIT,
    C_PROVIDER,
    C_SIBLING_OF,
    C_STATUS_CHANGED,
    C_TEMPORARY,
    C_TIER,
    C_UASC,
    C_UNIT,
    C_VERSION,
    C_WAITING_SINCE,
    CF_EXTRA_COST,
    CF_PRICE,
    CF_PROPENSITY,
    PENDING_CODE,
    ROUTE_CODE,
    ROUTES,
)
from sim.calendar import (
    EV_ADOPTION,
    EV_EXIT,
    EV_LS,
    EV_PLACEMENT,
    EV_SA16,
    EVENT_HORIZON_DAYS,
    M_NFREE,
    M_USED,
    push_events,
    take_events,
)
from sim.geography import district_of
from sim.market.kernels import haversine_km_nb, vacancy_csr
from sim.market.kernels import search as _search_kernel
from sim.records import (
    DAYS_PER_YEAR,
    HOME,
    IFA,
    INHOUSE,
    KIN,
    LS,
    NO_UNIT,
    PLACE,
    PLACE_CODES,
    PROVIDER,
    REC,
    RNE,
    RNE_CODES,
    RPC,
    SA,
    SECTOR_LA,
    SECTOR_PRIVATE,
    SECURE,
    UNPLANNED_RPC,
    UNREG,
    fold_rne,
)

# The supply registry's columns a kernel reads or changes, in this order.
SUP_FIELDS = (
    "kind",
    "occupied",
    "capacity",
    "reserved",
    "open",
    "matchable",
    "close_day",
    "provider",
    "district",
    "list_price",
    "income_rate",
    "extra_cost_rate",
    "skill",
    "grade",
)
# Placement parameters (``PlacementParams`` and prices) as ``pp`` entries.
(
    Q_HAZARD_SHAPE,
    Q_TEMPORARY_MEAN_DAYS,
    Q_P_STATUS_CHANGE,
    Q_STATUS_CHANGE_MEAN_DAYS,
    Q_MISFIT_MULTIPLIER,
    Q_DISTANCE_MULTIPLIER,
    Q_QUALITY_MULTIPLIER,
    Q_COMPLEX_PREMIUM,
    Q_BASE_MARKUP,
    Q_KIN_SUPPORT_ON,  # 1 when a kinship-support lever exists (its weekly payment is added)
    Q_KIN_SUPPORT_GBP,  # £/week added to a kinship placement's price
    Q_KIN_HAZARD,  # multiplier on the kinship unplanned hazard (1 when the lever is inactive)
    Q_MATCHED_MULTIPLIER,  # multiplier on both hazards of a placement found by planned search
    Q_TWENTY_MILES_KM,
) = range(14)
N_PP = 14

# Episode rows: EpisodeLog.COLUMNS; ledger rows: Ledger.COLUMNS.
E_CHILD, E_DEC, E_RPC = 0, 8, 10
REC_X1 = REC["X1"]
RNE_S, RNE_P = RNE["S"], RNE["P"]
RPC_OTHER = RPC["OTHER"]
ROUTE_ADOPTION = ROUTE_CODE["adoption"]
PENDING_UNPLANNED = PENDING_CODE["unplanned"]
PENDING_PLANNED = PENDING_CODE["planned"]
PENDING_STATUS = PENDING_CODE["status"]
PR_OWN_LA, PR_OTHER_LA, PR_PRIVATE, PR_VOLUNTARY = (
    PROVIDER[c] for c in ("PR1", "PR2", "PR4", "PR5")
)
PR_PARENTS = PROVIDER["PR0"]
PLACE_P1, PLACE_U4, PLACE_U5, PLACE_U6 = (PLACE[c] for c in ("P1", "U4", "U5", "U6"))
# PLACE code of a unit of each kind (foster care's depends on the child: see ``_place_code``).
KIND_PLACE = np.full(7, -1, np.int64)
KIND_PLACE[KIN], KIND_PLACE[HOME], KIND_PLACE[SECURE] = PLACE["U3"], PLACE["K2"], PLACE["K1"]
KIND_PLACE[SA], KIND_PLACE[UNREG] = PLACE["K3"], PLACE["Z1"]
# Kinds whose independent providers price complex needs (and bear their extra staffing cost).
PREMIUM_KIND = np.zeros(7, np.bool_)
PREMIUM_KIND[[IFA, HOME, SECURE, SA]] = True
# RNE of one episode standing for two changes on one day (``sim.records.fold_rne``).
FOLD_RNE = np.array(
    [[fold_rne(a, b) for b in range(len(RNE_CODES))] for a in range(len(RNE_CODES))], np.int64
)


def hazard_params(p) -> tuple[np.ndarray, tuple]:
    """``pp`` (the hazard entries set, the rest 0) and ``rates`` of ``PlacementParams`` ``p``."""
    pp = np.zeros(N_PP)
    pp[Q_HAZARD_SHAPE] = p.hazard_shape
    pp[Q_TEMPORARY_MEAN_DAYS] = p.temporary_mean_days
    pp[Q_P_STATUS_CHANGE] = p.p_status_change
    pp[Q_STATUS_CHANGE_MEAN_DAYS] = p.status_change_mean_days
    pp[Q_MISFIT_MULTIPLIER] = p.misfit_multiplier
    pp[Q_DISTANCE_MULTIPLIER] = p.distance_multiplier
    pp[Q_QUALITY_MULTIPLIER] = p.quality_multiplier
    pp[Q_KIN_HAZARD] = 1.0
    pp[Q_MATCHED_MULTIPLIER] = p.planned_match_multiplier
    rates = (
        np.asarray(p.unplanned_rate, float),
        np.asarray(p.planned_rate, float),
        np.asarray(p.age_multiplier, float),
    )
    return pp, rates


@njit(cache=True)
def bill(tab, books, logs, r, day):
    """Bill row ``r``'s placement from its ``billed_to`` day to ``day`` into the ledger."""
    ti, tf = tab[0], tab[1]
    days = day - ti[r, C_BILLED_TO]
    if days <= 0 or ti[r, C_UNIT] < 0:
        ti[r, C_BILLED_TO] = max(ti[r, C_BILLED_TO], day)
        return
    amount = tf[r, CF_PRICE] * days / 7.0
    L, ln = logs[2], logs[3]
    k = ln[0]
    la, payee = ti[r, C_LA], ti[r, C_PAYEE]
    L[k, 0] = day
    L[k, 1] = la
    L[k, 2] = payee
    L[k, 3] = ti[r, C_UNIT]
    L[k, 4] = ti[r, C_CID]
    L[k, 5] = ti[r, C_KIND]
    L[k, 6] = days
    L[k, 7] = amount
    L[k, 8] = 0
    ln[0] = k + 1
    books[2][payee] += amount
    books[3][la] += amount
    ti[r, C_BILLED_TO] = day


@njit(cache=True)
def release(tab, sup, books, logs, r, day):
    """End row ``r``'s occupation of its unit (billing it); the episode is closed elsewhere."""
    ti, tf = tab[0], tab[1]
    u = ti[r, C_UNIT]
    if u >= 0:
        bill(tab, books, logs, r, day)
        occupied, reserved = sup[1], sup[3]
        open_, matchable, close_day = sup[4], sup[5], sup[6]
        occupied[u] -= 1
        if occupied[u] < 0:
            raise RuntimeError("unit occupancy below zero")
        sup[10][u] -= tf[r, CF_PRICE]
        sup[11][u] -= tf[r, CF_EXTRA_COST]
        kind = ti[r, C_KIND]
        if kind == KIN or kind == UNREG:
            if occupied[u] == 0:
                open_[u] = False
                close_day[u] = day
        elif not matchable[u] and occupied[u] + reserved[u] == 0 and open_[u]:
            open_[u] = False  # a home winding down, a carer who stopped
            close_day[u] = day
    ti[r, C_UNIT] = -1
    ti[r, C_KIND] = -1
    tf[r, CF_PRICE] = 0.0
    tf[r, CF_EXTRA_COST] = 0.0


@njit(cache=True)
def open_episode(tab, r, day, rne):
    """Start row ``r``'s current episode on ``day`` (in its current unit, if any)."""
    ti = tab[0]
    if ti[r, C_FOLD_RNE] >= 0:
        rne = FOLD_RNE[ti[r, C_FOLD_RNE], rne]
        ti[r, C_FOLD_RNE] = -1
    ti[r, C_EP_START] = day
    ti[r, C_EP_RNE] = rne
    ti[r, C_EP_UNIT] = ti[r, C_UNIT]


@njit(cache=True)
def close_episode(tab, logs, r, day, rec, rpc):
    """Write row ``r``'s current episode, ending on ``day`` with ``rec`` (and ``rpc``).

    An episode that would end on the day it began, with another following (X1), is not
    written: a change of legal status and a move on one day are one episode, and two moves on
    one day are one move. The reason for leaving the last written placement is kept (or, if it
    had none, the folded episode's reason).
    """
    ti = tab[0]
    E, en = logs[0], logs[1]
    if rec == REC_X1 and ti[r, C_EP_START] == day:
        last = ti[r, C_LAST_ROW]
        if ti[r, C_EP_RNE] == RNE_S:
            ti[r, C_FOLD_RNE] = RNE_S
            return
        if last >= 0 and E[last, E_CHILD] == ti[r, C_CID] and E[last, E_DEC] == day:
            if rpc >= 0 and E[last, E_RPC] < 0:
                E[last, E_RPC] = rpc
            ti[r, C_FOLD_RNE] = ti[r, C_EP_RNE]
            return
    k = en[0]
    E[k, 0] = ti[r, C_CID]
    E[k, 1] = ti[r, C_LA]
    E[k, 2] = ti[r, C_EP_START]
    E[k, 3] = ti[r, C_EP_RNE]
    E[k, 4] = ti[r, C_LS]
    E[k, 5] = ti[r, C_CIN]
    E[k, 6] = ti[r, C_PLACE]
    E[k, 7] = ti[r, C_PROVIDER]
    E[k, 8] = day
    E[k, 9] = rec
    E[k, 10] = rpc
    E[k, 11] = ti[r, C_HOME_D]
    E[k, 12] = ti[r, C_PL_D]
    E[k, 13] = ti[r, C_EP_UNIT]
    en[0] = k + 1
    ti[r, C_LAST_ROW] = k


@njit(cache=True)
def placement_uniforms(tab, r):
    """Row ``r``'s four uniforms of its next draw (unplanned, planned, reason, status).

    Each scheduling of a placement event takes the next block of the child's own uniforms
    (past the last block they are remixed by an irrational rotation): ``Child``'s rule.
    """
    ti, tu = tab[0], tab[2]
    n = ti[r, C_N_DRAWS]
    s = PLACEMENT_SLOT + PER_PLACEMENT * (n % N_PLACEMENT_DRAWS)
    v = tu[r, s : s + PER_PLACEMENT].copy()
    if n >= N_PLACEMENT_DRAWS:
        shift = n * 0.3819660112501051
        for i in range(PER_PLACEMENT):
            v[i] = min(max((v[i] * 1.618033988749895 + shift) % 1.0, 1e-12), 1 - 1e-12)
    return v


@njit(cache=True)
def next_event(tab, r, kind, day, misfit, far, grade, pp, unplanned_rate, planned_rate, age_mult):
    """Day and type (``PENDING`` code) of row ``r``'s placement's next event; (-1, 0) if none.

    As ``Child.next_placement_event``: the Weibull unplanned ending (its hazard by kind, age,
    fit, distance and grade, times the child's propensity), the planned move (or the end of a
    short-term placement) and the carers' change of approval, whichever comes first.
    """
    ti, tf = tab[0], tab[1]
    uu = placement_uniforms(tab, r)
    ti[r, C_N_DRAWS] += 1
    if kind < 0:
        return -1, 0
    a = pp[Q_HAZARD_SHAPE]
    d = max(0.0, (day - ti[r, C_PLACE_START]) / DAYS_PER_YEAR)
    da = d**a
    best = math.inf
    what = 0
    prop = tf[r, CF_PROPENSITY]
    h = unplanned_rate[kind] * age_mult[age_band_index((day - ti[r, C_DOB]) / DAYS_PER_YEAR)]
    if misfit > 0:
        h *= pp[Q_MISFIT_MULTIPLIER] ** float(misfit)
    if far:
        h *= pp[Q_DISTANCE_MULTIPLIER]
    if grade >= 2:
        h *= pp[Q_QUALITY_MULTIPLIER] ** float(grade - 1)
    h = h * prop
    if h > 0:
        best = (((-math.log(uu[0])) / h + da) ** (1.0 / a) - d) * DAYS_PER_YEAR
        what = PENDING_UNPLANNED
    temporary = ti[r, C_TEMPORARY] != 0
    if temporary:
        t = -math.log(uu[1]) * pp[Q_TEMPORARY_MEAN_DAYS]
    else:
        rate = planned_rate[kind] * prop
        if rate > 0:
            t = (((-math.log(uu[1])) / rate + da) ** (1.0 / a) - d) * DAYS_PER_YEAR
        else:
            t = math.inf
    if t < best:
        best = t
        what = PENDING_PLANNED
    if (kind == INHOUSE or kind == IFA or kind == KIN) and ti[r, C_STATUS_CHANGED] == 0:
        if not temporary and uu[3] < pp[Q_P_STATUS_CHANGE]:
            t = -math.log(uu[3] / pp[Q_P_STATUS_CHANGE]) * pp[Q_STATUS_CHANGE_MEAN_DAYS]
            if t < best:
                best = t
                what = PENDING_STATUS
    if kind == UNREG and what == 0:
        what = PENDING_PLANNED
    if best > 1e15:  # never (beyond any exit; an int64 would overflow where Python's cannot)
        return -1, 0
    return day + max(1, int(best)), what


@njit(cache=True)
def schedule_next(tab, sup, logs, r, day, pp, rates):
    """Draw row ``r``'s placement's next event and queue it (``logs[4]``) before it leaves."""
    ti = tab[0]
    u = ti[r, C_UNIT]
    if u < 0:
        return
    kind = ti[r, C_KIND]
    misfit = max(0, ti[r, C_TIER] - np.int64(sup[12][u]))
    unplanned, planned = rates[0], rates[1]
    scaled = False
    kin_mult = 1.0
    if kind == KIN and pp[Q_KIN_HAZARD] != 1.0:
        kin_mult = pp[Q_KIN_HAZARD]
        scaled = True
    matched_mult = 1.0
    if ti[r, C_MATCHED] != 0 and pp[Q_MATCHED_MULTIPLIER] != 1.0:
        matched_mult = pp[Q_MATCHED_MULTIPLIER]
        scaled = True
    if scaled:  # as ``PlacementModel._scaled_params``: (rate * matched) * kin
        unplanned = unplanned * matched_mult
        unplanned[KIN] *= kin_mult
        planned = planned * matched_mult
    when, what = next_event(
        tab,
        r,
        kind,
        day,
        misfit,
        ti[r, C_FAR] != 0,
        np.int64(sup[13][u]),
        pp,
        unplanned,
        planned,
        rates[2],
    )
    if 0 <= when < ti[r, C_EXIT_DAY]:
        ti[r, C_PENDING] = what
        S, sn = logs[4], logs[5]
        k = sn[0]
        S[k, 0] = when
        S[k, 1] = EV_PLACEMENT
        S[k, 2] = ti[r, C_CID]
        S[k, 3] = ti[r, C_VERSION]
        sn[0] = k + 1


@njit(cache=True)
def schedule_rows(tab, sup, logs, rows, day, pp, rates):
    """``schedule_next`` for each of ``rows``, in order."""
    for j in range(len(rows)):
        schedule_next(tab, sup, logs, rows[j], day, pp, rates)


@njit(cache=True)
def _place_code(tab, r, kind, day):
    ti = tab[0]
    if kind == INHOUSE or kind == IFA:
        if ti[r, C_EXIT_ROUTE] == ROUTE_ADOPTION and (day - ti[r, C_DOB]) / DAYS_PER_YEAR < 2:
            return PLACE_U5
        return PLACE_U4 if ti[r, C_STATUS_CHANGED] != 0 else PLACE_U6
    return KIND_PLACE[kind]


@njit(cache=True)
def place(
    tab, sup, books, logs, d_start, rows, units, prices, dists, rnes, matched, day, pp, rates
):
    """Start a placement for each of ``rows`` in order (``units`` < 0: with parents, P1).

    ``prices`` (£/week; NaN: the unit's list price) and ``dists`` (km from home) come from
    the matching, or the model for placements made without a search; ``d_start``: each LA's
    first district (where a child of unknown home is placed with parents). Returns the number
    of unregistered placements made.
    """
    ti, tf, tw = tab[0], tab[1], tab[3]
    kind_of, occupied, capacity, reserved, open_ = sup[0], sup[1], sup[2], sup[3], sup[4]
    provider, district, list_price = sup[7], sup[8], sup[9]
    prov_sector, prov_la = books[0], books[1]
    n_unreg = 0
    for j in range(len(rows)):
        r = rows[j]
        unit = units[j]
        if ti[r, C_PLACE] >= 0:
            if ti[r, C_UNIT] >= 0:
                release(tab, sup, books, logs, r, day)
            close_episode(tab, logs, r, day, REC_X1, ti[r, C_MOVE_RPC])
            ti[r, C_TEMPORARY] = 0  # only the first placement can be a short-term one
        ti[r, C_VERSION] += 1
        ti[r, C_MOVE_RPC] = RPC_OTHER
        ti[r, C_PREV_UNIT] = -1
        ti[r, C_WAITING_SINCE] = -1
        tw[r] = 0  # out of the planned queue
        la = ti[r, C_LA]
        if unit >= 0:
            kind = np.int64(kind_of[unit])
            if 1 > capacity[unit] - occupied[unit] - reserved[unit] or not open_[unit]:
                raise RuntimeError("a placement in a unit with no free place")
            occupied[unit] += 1
            ti[r, C_UNIT] = unit
            ti[r, C_KIND] = kind
            ti[r, C_PL_D] = district[unit]
            pv = provider[unit]
            ti[r, C_PAYEE] = pv
            sector = prov_sector[pv]
            if sector == SECTOR_LA:
                ti[r, C_PROVIDER] = PR_OWN_LA if prov_la[pv] == la else PR_OTHER_LA
            else:
                ti[r, C_PROVIDER] = PR_PRIVATE if sector == SECTOR_PRIVATE else PR_VOLUNTARY
            lp = list_price[unit]
            price = lp if math.isnan(prices[j]) else prices[j]
            if kind == KIN and pp[Q_KIN_SUPPORT_ON] != 0.0:
                price += pp[Q_KIN_SUPPORT_GBP]
            tf[r, CF_PRICE] = price
            sup[10][unit] += price
            if sector != SECTOR_LA and PREMIUM_KIND[kind]:
                extra = lp * pp[Q_COMPLEX_PREMIUM] * ti[r, C_TIER] / (1 + pp[Q_BASE_MARKUP])
                tf[r, CF_EXTRA_COST] = extra
                sup[11][unit] += extra
            ti[r, C_BILLED_TO] = day
            ti[r, C_PLACE] = _place_code(tab, r, kind, day)
            if kind == UNREG:
                n_unreg += 1
        else:
            ti[r, C_UNIT] = -1
            ti[r, C_KIND] = NO_UNIT
            ti[r, C_PAYEE] = -1
            tf[r, CF_PRICE] = 0.0
            ti[r, C_PLACE] = PLACE_P1
            ti[r, C_PROVIDER] = PR_PARENTS
            ti[r, C_PL_D] = ti[r, C_HOME_D] if ti[r, C_HOME_D] >= 0 else d_start[la]
        home = ti[r, C_HOME_D]
        ti[r, C_FAR] = 1 if (home >= 0 and dists[j] > pp[Q_TWENTY_MILES_KM]) else 0
        ti[r, C_MATCHED] = matched[j]
        open_episode(tab, r, day, rnes[j])
        ti[r, C_N_PLACEMENTS] += 1
        ti[r, C_PLACE_START] = day
        schedule_next(tab, sup, logs, r, day, pp, rates)
    return n_unreg


@njit(cache=True)
def bill_rows(tab, books, logs, rows, day):
    """Bill each of ``rows``' placements to ``day``, in order (the year-end billing)."""
    for j in range(len(rows)):
        bill(tab, books, logs, rows[j], day)


class Accounts:
    """Money this financial year: providers' revenue and costs, councils' spend (£).

    Arrays, so that the kernels post payments where the agents read them
    (``Provider.revenue_gbp``, ``Provider.cost_gbp``, ``Council.spend_gbp``) and a month's
    costs are posted in one call; a provider's sector and LA (who owns a unit, as the kernels
    see it).
    """

    def __init__(self, n_la: int) -> None:
        self.spend = np.zeros(n_la)
        self.sector = np.zeros(64, np.int64)
        self.la = np.zeros(64, np.int64)
        self.revenue = np.zeros(64)
        self.cost = np.zeros(64)
        self.n_providers = 0

    def add_provider(self, sector: int, la: int) -> int:
        """Open a provider's account; returns its index."""
        i = self.n_providers
        if i >= len(self.revenue):
            for name in ("sector", "la", "revenue", "cost"):
                old = getattr(self, name)
                new = np.zeros(2 * len(old), old.dtype)
                new[: len(old)] = old
                setattr(self, name, new)
        self.sector[i] = sector
        self.la[i] = la
        self.n_providers = i + 1
        return i


# ---- a day's child events -------------------------------------------------------------------
# What ``handle_events`` reports back, in order: (what, a, b): (OUT_URGENT, child, 0),
# (OUT_EXIT, child, its row), (OUT_STAYING_CLOSE, LA, last day of support).
OUT_URGENT, OUT_EXIT, OUT_STAYING_CLOSE = range(3)
# Event parameters (``ev_prm``).
(
    V_STAYING_PUT,  # share of fostered 18-year-olds staying put
    V_SC_ON,  # Staying Close active today (1/0)
    V_SC_TAKE_UP,
    V_SC_DAYS,  # days of Staying Close support
    V_SC_STAY,  # share of 16-17s in homes who stay rather than move out (Staying Close)
    V_DEREGISTER,  # share of carers who stop after a breakdown
    V_HUB_ON,  # recruitment hub active today (1/0)
    V_ESCALATE,
    V_OTHER_SHARE,
    V_STEP_DOWN,
) = range(10)
N_V = 10
PLAN_PARENTS_, PLAN_KIN_, PLAN_FOSTER_, PLAN_HOME_, PLAN_SECURE_, PLAN_SA_ = range(6)
RPC_CARPL, RPC_PLACE = RPC["CARPL"], RPC["PLACE"]
REC_E17, REC_E5 = REC["E17"], REC["E5"]
LS_E1, LS_C1, LS_C2 = LS["E1"], LS["C1"], LS["C2"]
RNE_T, RNE_B, RNE_L = RNE["T"], RNE["B"], RNE["L"]
PLACE_A5, PLACE_A6 = PLACE["A5"], PLACE["A6"]
PR_VOLUNTARY_ = PROVIDER["PR5"]
# Whether a PLACE code is a placement for adoption (A*); the carers' change of approval
# (short-term to long-term: U6, U5 -> U4; U3 -> U1; -1 none).
IS_ADOPTION_PLACE = np.array([c.startswith("A") for c in PLACE_CODES], np.bool_)
STATUS_PLACE = np.full(len(PLACE_CODES), -1, np.int64)
for _a, _b in (("U6", "U4"), ("U3", "U1"), ("U5", "U4")):
    STATUS_PLACE[PLACE[_a]] = PLACE[_b]
# Exit reasons by route (``children.EXIT_REASONS``), padded: codes, cumulative shares, lengths.
EXIT_N = np.array([len(EXIT_TABLES[r][0]) for r in ROUTES], np.int64)
EXIT_CODES = np.full((len(ROUTES), int(EXIT_N.max())), -1, np.int64)
EXIT_CUM = np.full((len(ROUTES), int(EXIT_N.max())), 2.0)
for _i, _r in enumerate(ROUTES):
    EXIT_CODES[_i, : EXIT_N[_i]] = EXIT_TABLES[_r][0]
    EXIT_CUM[_i, : EXIT_N[_i]] = EXIT_TABLES[_r][1]
ROUTE_AT18, ROUTE_YOUNG_LONG = ROUTE_CODE["at18"], ROUTE_CODE["young_long"]
UNPLANNED_CODES = np.array([RPC[c] for c in UNPLANNED_RPC], np.int64)
UNPLANNED_CUM_ = np.array(UNPLANNED_CUM_LIST)


@njit(cache=True)
def _exit_reason(route, u):
    return EXIT_CODES[route, pick_index(EXIT_CUM[route, : EXIT_N[route]], u)]


@njit(cache=True)
def _out(out, on, what, a, b):
    k = on[0]
    out[k, 0] = what
    out[k, 1] = a
    out[k, 2] = b
    on[0] = k + 1


@njit(cache=True)
def _draw(logs, when, ev, cid, version):
    s, sn = logs[4], logs[5]
    k = sn[0]
    s[k, 0] = when
    s[k, 1] = ev
    s[k, 2] = cid
    s[k, 3] = version
    sn[0] = k + 1


@njit(cache=True)
def handle_events(tab, sup, books, logs, events, day, pp, rates, vp, world, counts, out, on):
    """Handle the day's due events ``events`` (event, child, version) in order.

    The rules of ``sim.model`` (docs/design.md §3.3-3.4): leaving care (with its reason, staying
    put, Staying Close), an unplanned ending (the carer may stop; a teenager's plan may escalate to
    residential care; the child joins the urgent queue), a planned move (joins the planned queue; a
    step down from a home), a change of the carers' approval, the adoptive placement, the planned
    move to supported accommodation at 16-17 and a change of legal status. An event of a child who
    has left, or a placement event made stale by a later placement, is skipped. ``world`` = (row of
    each child number, the model's stock and UASC stock by LA, provider LAs, the recruitment hub's
    retention factor by LA, LA order by distance, each LA's first district and districts' cumulative
    weights). The planned queue is the table's ``waiting`` flag, set and cleared here; who joins the
    urgent queue, leaves care or takes up Staying Close is reported in ``out`` (``OUT_*``), in
    order; events drawn go to ``logs[4]``.
    """
    ti, tf, tu, tw = tab[0], tab[1], tab[2], tab[3]
    row_of, stock, uasc_stock, provider_la, hub_keep = (
        world[0],
        world[1],
        world[2],
        world[3],
        world[4],
    )
    la_order, d_start, d_cumw = world[5], world[6], world[7]
    matchable, provider = sup[5], sup[7]
    handled = 0
    for j in range(len(events)):
        ev, cid, version = events[j, 0], events[j, 1], events[j, 2]
        r = row_of[cid] if cid < len(row_of) else -1
        if r < 0 or (ev == EV_PLACEMENT and ti[r, C_VERSION] != version):
            continue
        handled += 1
        la = ti[r, C_LA]
        kind = ti[r, C_KIND]
        if ev == EV_EXIT:
            route = ti[r, C_EXIT_ROUTE]
            u18 = tu[r, U_18]
            ux = tu[r, U_EXIT_REASON]
            if route == ROUTE_AT18:
                fostered = kind == INHOUSE or kind == IFA or kind == KIN
                if fostered and u18 < vp[V_STAYING_PUT]:
                    rec = REC_E17
                elif kind == HOME and vp[V_SC_ON] != 0.0 and u18 < vp[V_SC_TAKE_UP]:
                    rec = REC_E5  # independent living with formal support (Staying Close)
                    _out(out, on, OUT_STAYING_CLOSE, la, day + np.int64(vp[V_SC_DAYS]))
                else:
                    rec = _exit_reason(ROUTE_AT18, ux)
            elif (
                route == ROUTE_ADOPTION
                and ti[r, C_PLACE] >= 0
                and IS_ADOPTION_PLACE[ti[r, C_PLACE]]
            ):
                rec = _exit_reason(ROUTE_ADOPTION, ux)
            elif route == ROUTE_ADOPTION:
                rec = _exit_reason(ROUTE_YOUNG_LONG, ux)
            else:
                rec = _exit_reason(route, ux)
            tw[r] = 0
            if ti[r, C_PLACE] >= 0:
                close_episode(tab, logs, r, day, rec, -1)
                release(tab, sup, books, logs, r, day)
            stock[la] -= 1
            if ti[r, C_UASC] != 0:
                uasc_stock[la] -= 1
            ti[r, C_VERSION] += 1
            row_of[cid] = -1
            _out(out, on, OUT_EXIT, cid, r)
        elif ev == EV_PLACEMENT:
            what = ti[r, C_PENDING]
            if what == PENDING_UNPLANNED:
                ti[r, C_N_DRAWS] -= 1
                uu = placement_uniforms(tab, r)
                ti[r, C_N_DRAWS] += 1
                reason = UNPLANNED_CODES[pick_index(UNPLANNED_CUM_, uu[2])]
                unit = ti[r, C_UNIT]
                ti[r, C_PREV_UNIT] = unit
                keep = 1.0
                if vp[V_HUB_ON] != 0.0 and kind == INHOUSE:
                    keep = hub_keep[provider_la[provider[unit]]]
                if (kind == INHOUSE or kind == IFA) and uu[2] * 7.0 % 1.0 < vp[V_DEREGISTER] * keep:
                    matchable[unit] = False  # carer stops after the breakdown
                if (
                    (kind == INHOUSE or kind == IFA)
                    and (day - ti[r, C_DOB]) / DAYS_PER_YEAR >= 11
                    and uu[3] < vp[V_ESCALATE]
                ):
                    ti[r, C_PLAN] = PLAN_HOME_
                    ti[r, C_TIER] = max(ti[r, C_TIER], 1)
                release(tab, sup, books, logs, r, day)
                ti[r, C_MOVE_RPC] = reason
                _out(out, on, OUT_URGENT, cid, 0)
            elif what == PENDING_PLANNED:
                ti[r, C_N_DRAWS] -= 1
                uu = placement_uniforms(tab, r)
                ti[r, C_N_DRAWS] += 1
                age = (day - ti[r, C_DOB]) / DAYS_PER_YEAR
                if ti[r, C_TEMPORARY] != 0:
                    ti[r, C_MOVE_RPC] = RPC_CARPL
                else:
                    ti[r, C_MOVE_RPC] = RPC_OTHER if uu[2] < vp[V_OTHER_SHARE] else RPC_CARPL
                plan = ti[r, C_PLAN]
                if plan == PLAN_HOME_ and age < 15.5 and uu[3] < vp[V_STEP_DOWN]:
                    ti[r, C_PLAN] = PLAN_FOSTER_  # step-down
                    ti[r, C_TIER] = min(ti[r, C_TIER], 1)
                elif kind == UNREG and plan == PLAN_KIN_:
                    ti[r, C_PLAN] = PLAN_FOSTER_
                ti[r, C_WAITING_SINCE] = day
                tw[r] = 1
            elif what == PENDING_STATUS:
                ti[r, C_STATUS_CHANGED] = 1
                code = STATUS_PLACE[ti[r, C_PLACE]]
                if code < 0:
                    schedule_next(tab, sup, logs, r, day, pp, rates)
                    continue
                close_episode(tab, logs, r, day, REC_X1, RPC_PLACE)
                ti[r, C_PLACE] = code
                open_episode(tab, r, day, RNE_T)
                ti[r, C_N_PLACEMENTS] += 1
                schedule_next(tab, sup, logs, r, day, pp, rates)
        elif ev == EV_ADOPTION:
            if ti[r, C_EXIT_ROUTE] != ROUTE_ADOPTION or ti[r, C_PLACE] < 0:
                continue
            tw[r] = 0
            close_episode(tab, logs, r, day, REC_X1, RPC_CARPL)
            release(tab, sup, books, logs, r, day)
            ti[r, C_LS] = LS_E1
            ti[r, C_KIND] = NO_UNIT
            ti[r, C_UNIT] = -1
            ti[r, C_PAYEE] = -1
            uls = tu[r, U_LS_DAYS]
            ti[r, C_PLACE] = PLACE_A6 if uls < 0.7 else PLACE_A5
            ti[r, C_PROVIDER] = PR_OWN_LA if uls < 0.8 else PR_VOLUNTARY_
            la2 = la_order[la, np.int64(tu[r, U_18] * 8)]
            ti[r, C_PL_D] = district_of(d_start, d_cumw, la2, tu[r, U_EXIT_REASON])
            tf[r, CF_PRICE] = 0.0
            open_episode(tab, r, day, RNE_B)
            ti[r, C_N_PLACEMENTS] += 1
            ti[r, C_VERSION] += 1
        elif ev == EV_SA16:
            plan = ti[r, C_PLAN]
            if (plan != PLAN_FOSTER_ and plan != PLAN_HOME_) or ti[r, C_PLACE] < 0:
                continue
            if kind == UNREG or tw[r] != 0:
                continue
            if kind == HOME and vp[V_SC_ON] != 0.0 and tu[r, U_SA16] * 13.0 % 1.0 < vp[V_SC_STAY]:
                continue  # stays in the home, moving on at 18 with Staying Close
            ti[r, C_PLAN] = PLAN_SA_
            ti[r, C_MOVE_RPC] = RPC_CARPL
            ti[r, C_WAITING_SINCE] = day
            tw[r] = 1
        elif ev == EV_LS:
            nls = ti[r, C_NEXT_LS]
            if nls < 0 or ti[r, C_LS] == nls:
                continue
            if ti[r, C_PLACE] < 0 or (tw[r] != 0 and kind == UNREG):
                _draw(logs, day + 7, EV_LS, cid, ti[r, C_VERSION])  # recorded once placed
                continue
            close_episode(tab, logs, r, day, REC_X1, -1)
            ti[r, C_LS] = nls
            ti[r, C_NEXT_LS] = -1
            open_episode(tab, r, day, RNE_L)
            if nls == LS_C1 and ti[r, C_EXIT_DAY] - day > 200:
                ti[r, C_NEXT_LS] = LS_C2
                ti[r, C_LS_DAY] = day + 150 + np.int64(100 * tu[r, U_LS_DAYS])
                _draw(logs, ti[r, C_LS_DAY], EV_LS, cid, ti[r, C_VERSION])
    counts[0] += handled


@njit(cache=True)
def follows_lead(ti, rows):
    """For each of ``rows``: whether its lead sibling (``C_SIBLING_OF``) is among ``rows``."""
    n = len(rows)
    cids = np.empty(n, np.int64)
    for i in range(n):
        cids[i] = ti[rows[i], C_CID]
    cids.sort()
    out = np.zeros(n, np.bool_)
    for i in range(n):
        lead = ti[rows[i], C_SIBLING_OF]
        j = np.searchsorted(cids, lead)
        out[i] = j < n and cids[j] == lead
    return out


@njit(cache=True)
def search_kids(ti, rows, day, d_lat, d_lon, la_lat, la_lon):
    """The searching children's columns as ``kernels.search`` takes them (``KID_FIELDS``).

    Returns (LA, age in years, tier, plan, the unit never offered (the one being left or
    still held), in unregistered care, placed away, home latitude and longitude (the LA's
    point when the home district is unknown), unit held).
    """
    n = len(rows)
    la = np.empty(n, np.int64)
    age = np.empty(n)
    tier = np.empty(n, np.int64)
    plan = np.empty(n, np.int64)
    prev = np.empty(n, np.int64)
    unreg = np.empty(n, np.bool_)
    away = np.empty(n, np.bool_)
    lat = np.empty(n)
    lon = np.empty(n)
    unit = np.empty(n, np.int64)
    for i in range(n):
        r = rows[i]
        a = ti[r, C_LA]
        la[i] = a
        age[i] = (day - ti[r, C_DOB]) / DAYS_PER_YEAR
        tier[i] = ti[r, C_TIER]
        plan[i] = ti[r, C_PLAN]
        u = ti[r, C_UNIT]
        p = ti[r, C_PREV_UNIT]
        prev[i] = p if p >= 0 else u
        unit[i] = u
        unreg[i] = ti[r, C_KIND] == UNREG
        away[i] = ti[r, C_AWAY] != 0
        hd = ti[r, C_HOME_D]
        lat[i] = d_lat[hd] if hd >= 0 else la_lat[a]
        lon[i] = d_lon[hd] if hd >= 0 else la_lon[a]
    return la, age, tier, plan, prev, unreg, away, lat, lon, unit


@njit(cache=True)
def search_rows(
    tab, sup, books, logs, rows, sib_start, sib_rows, day, emergency, terms, pp, rates, rng
):
    """Search for the children of ``rows`` (``kernels.search``) and place those it finds.

    Each child of ``rows`` leads the siblings ``sib_rows[sib_start[i]:sib_start[i + 1]]``
    (rows searched with it, needing a place each in the same unit). An urgent search runs
    stage by stage from the first (none of the children may hold a unit); a planned one once,
    at each child's stage of waiting (its weeks since ``C_WAITING_SINCE``, at most the last).
    The placements are then made (``place``) in the order of the pass that found them and,
    within a pass, of ``rows``, each lead followed by its siblings; a planned search's are
    matches (their hazards take ``planned_match_multiplier``).

    Args:
        terms: (points (district latitude, longitude; LA latitude, longitude), units, market,
            prm, flags, stage radii (km), min km away, vacancies, (dist_sorted, la_order),
            max_las, per_la, d_start) as ``kernels.search`` and ``place`` take them.

    Returns:
        (the rows of ``rows`` left without a place, placements made, of them unregistered).
    """
    (pts, units, market, prm, flags, radius, min_km, vac, geo, max_las, per_la, d_start) = terms
    ti = tab[0]
    n = len(rows)
    la, age, tier, plan, prev, unreg, away, lat, lon, held = search_kids(
        ti, rows, day, pts[0], pts[1], pts[2], pts[3]
    )
    need = np.empty(n, np.int64)
    for i in range(n):
        need[i] = 1 + sib_start[i + 1] - sib_start[i]
    n_stages = len(radius)
    stage0 = np.zeros(n, np.int64)
    if emergency:
        # Placements made at one stage take places the next stage sees; none frees one,
        # since a child searched urgently has already left its unit.
        for i in range(n):
            if held[i] >= 0:
                raise RuntimeError("an urgent search for a child still holding a unit")
        for k in range(len(sib_rows)):
            if ti[sib_rows[k], C_UNIT] >= 0:
                raise RuntimeError("an urgent search for a child still holding a unit")
        passes = n_stages
    else:
        for i in range(n):
            since = ti[rows[i], C_WAITING_SINCE]
            weeks = (day - since) // 7 if since >= 0 else 0
            stage0[i] = min(weeks, n_stages - 1)
        passes = 1
    kids = (la, age, tier, plan, prev, unreg, away, need, lat, lon)
    unit, price, dist, found_in = _search_kernel(
        kids,
        units,
        market,
        prm,
        flags,
        stage0,
        passes,
        radius,
        min_km,
        vac,
        geo,
        max_las,
        per_la,
        day,
        rng,
    )
    total = 0
    n_left = 0
    for i in range(n):
        if unit[i] >= 0:
            total += need[i]
        else:
            n_left += 1
    kid_rows = np.empty(total, np.int64)
    k_unit = np.empty(total, np.int64)
    k_price = np.empty(total)
    k_dist = np.empty(total)
    k = 0
    for t in range(passes):  # pass order, then the order of ``rows`` (a stable sort)
        for i in range(n):
            if unit[i] >= 0 and found_in[i] == t:
                for m in range(need[i]):
                    kid_rows[k] = rows[i] if m == 0 else sib_rows[sib_start[i] + m - 1]
                    k_unit[k] = unit[i]
                    k_price[k] = price[i]
                    k_dist[k] = dist[i]
                    k += 1
    rnes = np.empty(total, np.int64)
    for k in range(total):
        rnes[k] = RNE_S if ti[kid_rows[k], C_PLACE] < 0 else RNE_P
    matched = np.full(total, 0 if emergency else 1, np.int64)
    n_unreg = 0
    if total:
        n_unreg = place(
            tab,
            sup,
            books,
            logs,
            d_start,
            kid_rows,
            k_unit,
            k_price,
            k_dist,
            rnes,
            matched,
            day,
            pp,
            rates,
        )
    left = np.empty(n_left, np.int64)
    j = 0
    for i in range(n):
        if unit[i] < 0:
            left[j] = rows[i]
            j += 1
    return left, total, n_unreg


@njit(cache=True)
def home_distances(ti, rows, units, district, d_lat, d_lon):
    """Distance (km) from each child's home district to its unit's (0 if either is unknown)."""
    out = np.zeros(len(rows))
    for i in range(len(rows)):
        home = ti[rows[i], C_HOME_D]
        u = units[i]
        if home >= 0 and u >= 0:
            d = district[u]
            out[i] = haversine_km_nb(d_lat[home], d_lon[home], d_lat[d], d_lon[d])
    return out


@njit(cache=True)
def _register_unit(
    sup, more, j, kind, sector, provider, la, d, pts, capacity, skill, grade, price, cost, day
):
    """Write unit ``j`` (never matched, open from ``day``, ages 0-17) into the supply's columns.

    ``sup`` and ``more`` as ``place_without_search_rows`` takes them; ``pts``: the districts'
    latitudes and longitudes.
    """
    sup[0][j] = kind
    sup[1][j] = 0  # occupied
    sup[2][j] = capacity
    sup[4][j] = True  # open
    sup[5][j] = False  # matchable
    sup[6][j] = -1  # close day
    sup[7][j] = provider
    sup[8][j] = d
    sup[9][j] = price
    sup[12][j] = skill
    sup[13][j] = grade
    more[0][j] = sector
    more[1][j] = la
    more[2][j] = pts[0][d]
    more[3][j] = pts[1][d]
    more[4][j] = 0  # minimum age
    more[5][j] = 17  # maximum age
    more[6][j] = cost
    more[7][j] = day


@njit(cache=True)
def place_without_search_rows(
    tab, sup, more, books, logs, rows, row_of, base, day, kin, geo, pp, rates
):
    """Placements needing no search (``sim.world.place_without_search``), in order.

    Of ``rows``, the children not yet placed whose plan is with parents (P1, no unit) or with
    kin: their kinship households (``kin_households``) are registered as units ``base``,
    ``base`` + 1, ... (the supply has room for them), then every placement is made (``place``:
    list prices, distances from home, RNE S).

    Args:
        more: the supply's columns ``sup`` lacks (sector, LA, latitude, longitude, minimum
            and maximum age, cost, opening day).
        kin: (share of relatives far away, weekly cost £, council provider of each LA).
        geo: (LA order, each LA's first district, districts' cumulative weights, district
            latitudes, longitudes).

    Returns:
        (rows left to search, households registered, the row each was made for, placements
        made).
    """
    ti, tu = tab[0], tab[2]
    capacity, occupied, district = sup[2], sup[1], sup[8]
    far, kin_cost, council = kin
    la_order, d_start, d_cumw, d_lat, d_lon = geo
    n = len(rows)
    mine = np.zeros(n, np.bool_)
    n_mine = 0
    n_kin = 0
    for i in range(n):
        r = rows[i]
        plan = ti[r, C_PLAN]
        if ti[r, C_PLACE] < 0 and (plan == PLAN_PARENTS_ or plan == PLAN_KIN_):
            mine[i] = True
            n_mine += 1
            if plan == PLAN_KIN_:
                n_kin += 1
    go = np.empty(n_mine, np.int64)
    left = np.empty(n - n_mine, np.int64)
    kin_rows = np.empty(n_kin, np.int64)
    a = b = c = 0
    for i in range(n):
        if mine[i]:
            go[a] = rows[i]
            if ti[rows[i], C_PLAN] == PLAN_KIN_:
                kin_rows[c] = rows[i]
                c += 1
            a += 1
        else:
            left[b] = rows[i]
            b += 1
    if n_mine == 0:
        return left, 0, np.empty(0, np.int64), 0
    units = np.full(n_mine, -1, np.int64)
    k_units, new_la, new_d, new_cap, made_for = kin_households(
        ti, tu, kin_rows, row_of, capacity, occupied, base, far, la_order, (d_start, d_cumw)
    )
    c = 0
    for a in range(n_mine):
        if ti[go[a], C_PLAN] == PLAN_KIN_:
            units[a] = k_units[c]
            c += 1
    for q in range(len(new_la)):  # register the new households
        provider = council[ti[made_for[q], C_LA]]
        _register_unit(
            sup,
            more,
            base + q,
            KIN,
            SECTOR_LA,
            provider,
            new_la[q],
            new_d[q],
            (d_lat, d_lon),
            new_cap[q],
            1,
            1,
            kin_cost,
            kin_cost,
            day,
        )
    dists = home_distances(ti, go, units, district, d_lat, d_lon)
    place(
        tab,
        sup,
        books,
        logs,
        d_start,
        go,
        units,
        np.full(n_mine, np.nan),
        dists,
        np.full(n_mine, RNE_S, np.int64),
        np.zeros(n_mine, np.int64),
        day,
        pp,
        rates,
    )
    return left, len(new_la), made_for, n_mine


@njit(cache=True)
def place_unregistered_rows(
    tab, sup, more, books, logs, rows, base, day, unreg, geo, pp, rates, rng
):
    """Unregistered settings for the children of ``rows``, in order, and their placements.

    One child to a setting (far more often than not: Ofsted 2024), in one of the 12 councils
    nearest the child's, in a district drawn by postcode weight, at a weekly price of
    ``unreg[0]`` x exp(0.4 z - 0.08) (cost 60% of it), drawn child by child from ``rng`` (an
    integer, a uniform and a normal each). The settings are registered as units ``base``,
    ``base`` + 1, ... (the supply has room for them) and the children placed there at list
    price; they keep searching from today (the planned queue).

    Args:
        more: the supply's columns ``sup`` lacks (as ``place_without_search_rows``).
        unreg: (the list price £ a week, the unregistered settings' provider).
        geo: (LA order, each LA's first district, districts' cumulative weights, district
            latitudes, longitudes).

    Returns:
        The number of unregistered placements made (``place``).
    """
    ti, tw = tab[0], tab[3]
    district = sup[8]
    price_gbp, unreg_provider = unreg
    la_order, d_start, d_cumw, d_lat, d_lon = geo
    n = len(rows)
    units = np.empty(n, np.int64)
    rnes = np.empty(n, np.int64)
    for i in range(n):
        r = rows[i]
        la = la_order[ti[r, C_LA], rng.integers(0, 12)]
        d = district_of(d_start, d_cumw, la, rng.random())
        price = price_gbp * math.exp(0.4 * rng.standard_normal() - 0.08)
        j = base + i
        _register_unit(
            sup,
            more,
            j,
            UNREG,
            SECTOR_PRIVATE,
            unreg_provider,
            la,
            d,
            (d_lat, d_lon),
            1,
            2,
            3,
            price,
            price * 0.6,
            day,
        )
        units[i] = j
        rnes[i] = RNE_S if ti[r, C_PLACE] < 0 else RNE_P
    dists = home_distances(ti, rows, units, district, d_lat, d_lon)
    n_unreg = place(
        tab,
        sup,
        books,
        logs,
        d_start,
        rows,
        units,
        np.full(n, np.nan),
        dists,
        rnes,
        np.zeros(n, np.int64),
        day,
        pp,
        rates,
    )
    for i in range(n):
        ti[rows[i], C_WAITING_SINCE] = day
        tw[rows[i]] = 1
    return n_unreg


@njit(cache=True)
def kin_households(ti, tu, rows, row_of, capacity, occupied, base, far, la_order, geo):
    """Kinship households for the children of ``rows`` (``sim.world.kin_households``).

    ``base`` is the id the first new household will take; ``far`` the share of relatives far
    away; ``geo`` = (each LA's first district, districts' cumulative weights).

    Returns:
        (the unit of each child, and for each new household its LA, district, places and
        the child it was made for).
    """
    n = len(rows)
    units = np.empty(n, np.int64)
    cids = np.empty(n, np.int64)
    new_la = np.empty(n, np.int64)
    new_d = np.empty(n, np.int64)
    new_cap = np.empty(n, np.int64)
    new_for = np.empty(n, np.int64)
    k = 0
    for j in range(n):
        r = rows[j]
        cid = ti[r, C_CID]
        cids[j] = cid
        lead = ti[r, C_SIBLING_OF]
        unit = -1
        for q in range(j):  # the lead's household, made or joined in this batch
            if cids[q] == lead:
                unit = units[q]
        if unit < 0 and 0 <= lead < len(row_of) and row_of[lead] >= 0:
            if ti[row_of[lead], C_KIND] == KIN:
                unit = ti[row_of[lead], C_UNIT]
        if unit >= 0:
            cap = new_cap[unit - base] if unit >= base else capacity[unit]
            held = occupied[unit] if unit < base else 0
            for q in range(j):
                if units[q] == unit:
                    held += 1
            if cap > held:
                units[j] = unit
                continue
        la0 = ti[r, C_LA]
        u = tu[r, U_KIN]
        if u < far:
            la = la_order[la0, 10 + int(u / far * 30)]
        else:
            v = (u - far) / (1 - far)
            la = la0 if v < 0.65 else la_order[la0, 1 + int((v - 0.65) / 0.35 * 6) % 6]
        new_la[k] = la
        new_d[k] = district_of(geo[0], geo[1], la, (u * 7.31) % 1.0)
        new_cap[k] = max(1, ti[r, C_GROUP_SIZE])
        new_for[k] = r
        units[j] = base + k
        k += 1
    return units, new_la[:k], new_d[:k], new_cap[:k], new_for[:k]


@njit(cache=True)
def _sibling_groups(ti, rows):
    """The leads of ``rows`` and each lead's siblings among them (``C_SIBLING_OF``), in order.

    A child whose lead sibling is among ``rows`` follows it; the others lead. Returns (the
    leads' rows, in order; the CSR start of each lead's followers; the followers' rows, each
    lead's in the order of ``rows``). A follower whose lead itself follows is in no group.
    """
    n = len(rows)
    fol = follows_lead(ti, rows)
    n_lead = 0
    for i in range(n):
        if not fol[i]:
            n_lead += 1
    leads = np.empty(n_lead, np.int64)
    k = 0
    for i in range(n):
        if not fol[i]:
            leads[k] = rows[i]
            k += 1
    lead_cid = np.empty(n_lead, np.int64)
    for a in range(n_lead):
        lead_cid[a] = ti[leads[a], C_CID]
    by_cid = np.argsort(lead_cid, kind="mergesort")
    sorted_cid = lead_cid[by_cid]
    of = np.full(n, -1, np.int64)  # the lead (position in ``leads``) each follower joins
    start = np.zeros(n_lead + 1, np.int64)
    for i in range(n):
        if fol[i]:
            c = ti[rows[i], C_SIBLING_OF]
            j = np.searchsorted(sorted_cid, c)
            if j < n_lead and sorted_cid[j] == c:
                of[i] = by_cid[j]
                start[of[i] + 1] += 1
    for a in range(n_lead):
        start[a + 1] += start[a]
    sib = np.empty(start[n_lead], np.int64)
    fill = start[:n_lead].copy()
    for i in range(n):
        if of[i] >= 0:
            sib[fill[of[i]]] = rows[i]
            fill[of[i]] += 1
    return leads, start, sib


@njit(cache=True)
def search_groups(tab, sup, books, logs, rows, day, emergency, terms, pp, rates, rng):
    """Search for the children of ``rows`` and place those found, siblings together.

    Siblings arriving together are searched as one request needing as many places as the
    group (``search_rows``, each lead with its followers); a group that finds no such place
    is split, and its children are searched again one by one, the split leads first, then
    their siblings.

    Returns:
        (the rows left without a place, placements made, of them unregistered, children of
        split groups).
    """
    n = len(rows)
    none = np.zeros(0, np.int64)
    if n == 0:
        return rows, 0, 0, 0
    leads, start, sib = _sibling_groups(tab[0], rows)
    if len(sib) == 0:
        left, placed, n_unreg = search_rows(
            tab, sup, books, logs, leads, start, none, day, emergency, terms, pp, rates, rng
        )
        return left, placed, n_unreg, 0
    left, placed, n_unreg = search_rows(
        tab, sup, books, logs, leads, start, sib, day, emergency, terms, pp, rates, rng
    )
    if len(left) == 0:
        return left, placed, n_unreg, 0
    ti = tab[0]
    lead_cid = np.empty(len(leads), np.int64)
    for a in range(len(leads)):
        lead_cid[a] = ti[leads[a], C_CID]
    by_cid = np.argsort(lead_cid, kind="mergesort")
    sorted_cid = lead_cid[by_cid]
    group = np.full(len(left), -1, np.int64)  # the lead position of a left row with followers
    n_split = 0
    n_single = 0
    for i in range(len(left)):
        c = ti[left[i], C_CID]
        a = by_cid[np.searchsorted(sorted_cid, c)]
        if start[a + 1] > start[a]:
            group[i] = a
            n_split += 1
            n_single += start[a + 1] - start[a]
    if n_split == 0:
        return left, placed, n_unreg, 0
    again = np.empty(n_split + n_single, np.int64)
    rest = np.empty(len(left) - n_split, np.int64)
    k = 0
    q = 0
    m = n_split
    for i in range(len(left)):
        a = group[i]
        if a >= 0:
            again[k] = left[i]
            k += 1
            for s in range(start[a], start[a + 1]):
                again[m] = sib[s]
                m += 1
        else:
            rest[q] = left[i]
            q += 1
    left2, placed2, n_unreg2 = search_rows(
        tab,
        sup,
        books,
        logs,
        again,
        np.zeros(len(again) + 1, np.int64),
        none,
        day,
        emergency,
        terms,
        pp,
        rates,
        rng,
    )
    out = np.empty(len(rest) + len(left2), np.int64)
    out[: len(rest)] = rest
    out[len(rest) :] = left2
    return out, placed + placed2, n_unreg + n_unreg2, n_split


# ``_TRUE <= day`` is True on every day, typed as a plain bool: a literal True would make numba
# compile the callee a second time (for ``Literal[bool](True)``), as Python passes a bool.
_TRUE = -(1 << 62)


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
    """The day's urgent round (``PlacementModel.match_urgent``) in one call.

    The children of ``cids`` still in care, each once in order of first mention: placements
    needing no search (``place_without_search_rows``, registering kinship households from unit
    ``base``), then a search stage by stage, siblings together (``search_groups``), then
    unregistered settings for those left (``place_unregistered_rows``, registered after the
    households). The vacancy index is the day's (``PlacementModel.vacancies``): built again
    when the day or the number of units has changed since ``vac_state`` = [day, units] was set.

    Args:
        search: (the search's terms without the vacancies, as ``search_rows`` takes them; the
            vacancy index (start, units, n_la) and ``vac_state``; the search order and its keys
            (``SupplyRegistry``); the unregistered settings' terms (price £ a week, provider)).
        rng: the matching stream (a numpy Generator; numba types a tuple holding one slowly,
            in Python, so it is passed on its own).

    Returns:
        (households registered, the row each was made for, unregistered settings registered,
        placements made, of them unregistered, children of split groups, the vacancy index's
        start and units).
    """
    terms, vac, vac_state, order, order_key, unreg = search
    pts, units, market, prm, flags, radius, min_km, geo_s, max_las, per_la, d_start = terms
    v_start, v_units, n_la = vac
    rows = unique_rows(row_of, cids)
    left, made, made_for, placed = place_without_search_rows(
        tab, sup, more, books, logs, rows, row_of, base, day, kin, geo, pp, rates
    )
    n_units = base + made
    n_unreg = 0
    split = 0
    if len(left):
        if vac_state[0] != day or vac_state[1] != n_units:
            s = sup
            v_units, v_start = vacancy_csr(
                order, order_key, s[4], s[5], s[2], s[1], s[3], len(v_start) - 1
            )
            vac_state[0] = day
            vac_state[1] = n_units
        full = (
            pts,
            units,
            market,
            prm,
            flags,
            radius,
            min_km,
            (v_start, v_units, n_la),
            geo_s,
            max_las,
            per_la,
            d_start,
        )
        left, found, u1, split = search_groups(
            tab, sup, books, logs, left, day, _TRUE <= day, full, pp, rates, rng
        )
        placed += found
        n_unreg += u1
    n_left = len(left)
    if n_left:
        n_unreg += place_unregistered_rows(
            tab, sup, more, books, logs, left, n_units, day, unreg, geo, pp, rates, rng
        )
        placed += n_left
    return made, made_for, n_left, placed, n_unreg, split, v_start, v_units


@njit(cache=True)
def day_events(cal, tab, sup, books, logs, day, pp, rates, vp, world, counts):
    """Take the day's events from the calendar, handle them and queue the events drawn.

    ``cal``: the calendar's arrays (``Calendar.arrays``), with no late events waiting. The
    events are handled as ``handle_events`` handles them; the events drawn (``logs[4]``) all
    fall after ``day`` and are queued at their days' tails in the order drawn, unless the
    calendar has no room for them (they are then left in ``logs[4]`` for the caller).

    Returns:
        (the reports ``out`` of ``handle_events``, in order; how many events were drawn;
        whether they were queued).
    """
    head, tail, store, nxt, meta, late_ix, count = cal
    events = take_events(head, tail, store, nxt, meta, day, count)
    n = len(events)
    out = np.zeros((2 * n + 1, 3), np.int64)
    on = np.zeros(1, np.int64)
    handle_events(tab, sup, books, logs, events, day, pp, rates, vp, world, counts, out, on)
    drawn, dn = logs[4], logs[5]
    m = dn[0]
    for j in range(m):
        if drawn[j, 0] <= day:
            raise RuntimeError("an event drawn for the day being handled or before")
    queued = True
    if m:
        k = push_events(head, tail, store, nxt, meta, drawn, m, day, late_ix, count)
        if k < 0:
            queued = False
        else:
            dn[0] = 0
    return out[: on[0]], m, queued


@njit(cache=True)
def _room(day, n, q, entry_cols, cal, tab, logs, out_room):
    """Whether every store has room for ``day`` with ``n`` arrivals and ``q`` children queued.

    The bounds are those the model's phases reserve (``PlacementModel.daily_step``): three
    entrants an arrival, four events an entrant, the day's events and the urgent queue.
    """
    counts_t, row_of, cid0 = entry_cols
    head, tail, store, nxt, meta, late_ix, count = cal
    n_said, n_names, said_cap, names_cap = out_room
    due = count[day] if day < len(count) else 0
    n_ev = due + 12 * n
    n_urgent = q + 3 * n + n_ev
    rows = 2 * n_ev + n_urgent + 8
    ok = counts_t[0] + 3 * n <= len(tab[0]) and cid0 + 3 * n < len(row_of)
    ok = ok and logs[1][0] + 2 * rows + 8 <= len(logs[0]) and logs[3][0] + rows + 8 <= len(logs[2])
    ok = ok and logs[5][0] + rows + 8 <= len(logs[4])
    ok = ok and meta[M_USED] + 12 * n + rows - meta[M_NFREE] <= len(nxt)
    ok = ok and len(late_ix) >= 12 * n + rows and day + EVENT_HORIZON_DAYS < len(head)
    ok = ok and n_said + 2 * n_ev + 1 <= said_cap and n_names + 2 * n_urgent <= names_cap
    return ok, n_urgent


@njit(cache=True)
def run_days(
    first, last, entry, cal, tab, sup, more, books, logs, pp, rates, vp, world, counts, urgent, rng
):
    """Phases 1-3 (entries, events, the urgent round) of days ``first`` to ``last`` in one call.

    Each day as ``PlacementModel.entries``, ``process_events`` and ``match_urgent`` would run
    it one after the other: the rows freed the day before become free, the day's child-days
    are counted, the arrivals are admitted (``entry.admit_rows``, their events queued), the
    day's events taken and handled (``handle_events``; a child leaving care is taken out of
    ``row_of`` and its row freed), then the urgent queue (on the first day the children
    queued before, then the entrants and the children the events put in it, in order) goes
    through ``urgent_round``, and the events drawn are queued in the order drawn. A day
    starts only when every store has room for it (``_room``); otherwise the call returns
    before it, for the caller to make room and call again from that day. There are no late
    events waiting, and the parameters are the same every day of the call.

    Args:
        entry: (``admit_rows``' plan with every day's arrivals as its LAs, where each day's
            begin (``starts``), table state, rows freed today, stock, first child number,
            event codes, propensity variance, child-days by LA, and the entrants' store:
            their ``entry_futures`` rows, child numbers and rows, with their count).
        cal: the calendar's arrays (``Calendar.arrays``) and the last day handled.
        urgent: (the children queued before the first day, then ``urgent_round``'s row of
            child numbers, first new unit, kinship terms, geography and search terms, and the
            output stores: reports (``OUT_*``) and the units' names (child number of a kinship
            household, -1 for an unregistered setting), with their counts).
        rng: the matching stream (on its own: see ``urgent_round``).

    Returns:
        (the first day not run (``last`` + 1 when all ran), the next child number, the next
        unit, leads kept out of care, events queued, placements, of them unregistered,
        children of split groups, the vacancy index's start and units).
    """
    plan, starts, table_state, freed, stock, cid0, ev_codes, var, child_days, ent_store = entry
    ent_out, cid_out, row_out, n_ent = ent_store
    head, tail, store, nxt, meta, late_ix, count, done = cal
    before, row_of, base, kin, geo, search, said_out, names_out, out_n = urgent
    base_plan = plan
    free_stack, counts_t = table_state[4], table_state[5]
    ti = tab[0]
    n_prev = 0
    n_queued = 0
    placed = 0
    n_unreg = 0
    split = 0
    v_start, v_units = search[1][0], search[1][1]
    day = first
    while day <= last:
        lo, hi = starts[day - first], starts[day - first + 1]
        n = hi - lo
        q = len(before) if day == first else 0
        ok, n_urgent = _room(
            day,
            n,
            q,
            (counts_t, row_of, cid0),
            (head, tail, store, nxt, meta, late_ix, count),
            tab,
            logs,
            (out_n[0], out_n[1], len(said_out), len(names_out)),
        )
        if not ok or base + 2 * n_urgent > len(sup[0]):
            break
        # A new day: rows freed before it become free; its child-days.
        k_f, m_f = counts_t[1], counts_t[2]
        for j in range(m_f):
            free_stack[k_f + j] = freed[j]
        counts_t[1] = k_f + m_f
        counts_t[2] = 0
        for a in range(len(stock)):
            child_days[a] += stock[a]
        # Phase 1: entries.
        n_cids = 0
        if n > 0:
            day_plan = (
                base_plan[0],
                base_plan[1][lo:hi],
                base_plan[2],
                base_plan[3],
                base_plan[4],
                base_plan[5],
                base_plan[6],
                base_plan[7],
                base_plan[8],
                base_plan[9],
                base_plan[10],
            )
            ent, cids, rows, n_p, n_sib, events, pushed = admit_rows(
                day_plan,
                table_state,
                (head, tail, store, nxt, meta, late_ix, count, done, _TRUE <= day),
                stock,
                cid0,
                day,
                ev_codes,
                var,
            )
            if pushed != 0 and len(events):
                raise RuntimeError("no room in the calendar for the entrants' events")
            n_queued += len(events)
            n_prev += n_p
            cid0 += n + n_sib
            n_cids = len(cids)
            e0 = n_ent[0]
            for j in range(n_cids):
                ent_out[e0 + j] = ent[j]
                cid_out[e0 + j] = cids[j]
                row_out[e0 + j] = rows[j]
            n_ent[0] = e0 + n_cids
        # Phase 2: the day's events.
        todays = take_events(head, tail, store, nxt, meta, day, count)
        done = day
        n_ev = len(todays)
        out = np.zeros((2 * n_ev + 1, 3), np.int64)
        on = np.zeros(1, np.int64)
        handle_events(tab, sup, books, logs, todays, day, pp, rates, vp, world, counts, out, on)
        n_u = 0
        s0 = out_n[0]
        for j in range(on[0]):
            what = out[j, 0]
            if what == OUT_URGENT:
                n_u += 1
            elif what == OUT_EXIT:
                row_of[out[j, 1]] = -1
                freed[counts_t[2]] = out[j, 2]
                counts_t[2] += 1
            said_out[s0 + j] = out[j]
        out_n[0] = s0 + on[0]
        # Phase 3: the urgent round.
        queue = np.empty(q + n_cids + n_u, np.int64)
        if q:
            queue[:q] = before
        e0 = n_ent[0] - n_cids
        for j in range(n_cids):
            queue[q + j] = cid_out[e0 + j]
        k = q + n_cids
        for j in range(on[0]):
            if out[j, 0] == OUT_URGENT:
                queue[k] = out[j, 1]
                k += 1
        if len(queue):
            made, made_for, n_left, p, u, sp, v_start, v_units = urgent_round(
                tab,
                sup,
                more,
                books,
                logs,
                queue,
                row_of,
                base,
                day,
                kin,
                geo,
                pp,
                rates,
                (search[0], (v_start, v_units, search[1][2]), search[2], search[3], search[4],
                 search[5]),
                rng,
            )  # fmt: skip
            m0 = out_n[1]
            for j in range(made):
                names_out[m0 + j] = ti[made_for[j], C_CID]
            for j in range(n_left):
                names_out[m0 + made + j] = -1
            out_n[1] = m0 + made + n_left
            base += made + n_left
            placed += p
            n_unreg += u
            split += sp
        # The events drawn today, queued in the order drawn.
        drawn, dn = logs[4], logs[5]
        m = dn[0]
        for j in range(m):
            if drawn[j, 0] <= day:
                raise RuntimeError("an event drawn for the day being handled or before")
        if m:
            if push_events(head, tail, store, nxt, meta, drawn, m, day, late_ix, count) != 0:
                raise RuntimeError("no room in the calendar for the events drawn today")
            dn[0] = 0
            n_queued += m
        day += 1
    return day, cid0, base, n_prev, n_queued, placed, n_unreg, split, v_start, v_units
