"""Placements: starting them and drawing when each ends.

This module owns a placement's start (``place``: the unit, its price and distance, the
episode, the bill) and the draw of its next event (``next_event``): an unplanned ending at a
Weibull time whose hazard depends on the kind of place, the child's age, the fit of needs to
the unit's skill, distance over 20 miles and the Ofsted grade, times the child's propensity to
move; a planned move (or the end of a short-term placement); or the carers' change of
approval; whichever comes first, from the child's own uniforms (``placement_uniforms``).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from sim.calendar import (
    EV_PLACEMENT,
)
from sim.engine.episodes import close_episode, open_episode
from sim.engine.ledger import release
from sim.engine.other_settings import setting_of, stay_end_day
from sim.engine.state import (
    KIND_PLACE,
    PENDING_PLANNED,
    PENDING_STATUS,
    PENDING_UNPLANNED,
    PLACE_P1,
    PLACE_U4,
    PLACE_U5,
    PLACE_U6,
    PLAN_OTHER_,
    PR_OTHER_LA,
    PR_OWN_LA,
    PR_PARENTS,
    PR_PRIVATE,
    PR_VOLUNTARY,
    PREMIUM_KIND,
    Q_BASE_MARKUP,
    Q_COMPLEX_PREMIUM,
    Q_DISTANCE_MULTIPLIER,
    Q_HAZARD_SHAPE,
    Q_KIN_HAZARD,
    Q_KIN_SUPPORT_GBP,
    Q_KIN_SUPPORT_ON,
    Q_MATCHED_MULTIPLIER,
    Q_MISFIT_MULTIPLIER,
    Q_P_STATUS_CHANGE,
    Q_QUALITY_MULTIPLIER,
    Q_STATUS_CHANGE_MEAN_DAYS,
    Q_TEMPORARY_MEAN_DAYS,
    Q_TWENTY_MILES_KM,
    REC_X1,
    ROUTE_ADOPTION,
    RPC_OTHER,
)
from sim.geography import haversine_km_nb
from sim.population.children import (
    N_PLACEMENT_DRAWS,
    PER_PLACEMENT,
    PLACEMENT_SLOT,
    U_OTHER_KIND,
)
from sim.population.entry import age_band_index
from sim.population.table import (
    C_BILLED_TO,
    C_CID,
    C_DOB,
    C_EXIT_DAY,
    C_EXIT_ROUTE,
    C_FAR,
    C_HOME_D,
    C_KIND,
    C_LA,
    C_MATCHED,
    C_MOVE_RPC,
    C_N_DRAWS,
    C_N_PLACEMENTS,
    C_PAYEE,
    C_PENDING,
    C_PL_D,
    C_PLACE,
    C_PLACE_START,
    C_PLAN,
    C_PREV_UNIT,
    C_PROVIDER,
    C_STATUS_CHANGED,
    C_TEMPORARY,
    C_TIER,
    C_UNIT,
    C_VERSION,
    C_WAITING_SINCE,
    CF_EXTRA_COST,
    CF_PRICE,
    CF_PROPENSITY,
)
from sim.records import (
    DAYS_PER_YEAR,
    IFA,
    INHOUSE,
    KIN,
    NO_UNIT,
    SECTOR_LA,
    SECTOR_PRIVATE,
    UNREG,
)


@njit(cache=True)
def placement_uniforms(tab, r):
    """Row ``r``'s four uniforms of its next draw (unplanned, planned, reason, status).

    Each scheduling of a placement event takes the next block of the child's own uniforms
    (past the last block they are remixed by an irrational rotation): ``Child``'s rule.
    """
    ti, tu = tab.I, tab.U
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
    ti, tf = tab.I, tab.F
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
    """Draw row ``r``'s placement's next event and queue it (``logs.drawn``) before it leaves."""
    ti = tab.I
    u = ti[r, C_UNIT]
    if u < 0:  # no unit: only a setting outside the care market has an end to draw
        if ti[r, C_PLAN] == PLAN_OTHER_ and ti[r, C_PLACE] >= 0:
            when = stay_end_day(ti, r, day, pp, placement_uniforms(tab, r))
            queue_placement_event(ti, logs, r, when, PENDING_PLANNED)
        return
    kind = ti[r, C_KIND]
    misfit = max(0, ti[r, C_TIER] - np.int64(sup.skill[u]))
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
    if scaled:  # (rate x matched) x kin
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
        np.int64(sup.grade[u]),
        pp,
        unplanned,
        planned,
        rates[2],
    )
    queue_placement_event(ti, logs, r, when, what)


@njit(cache=True)
def queue_placement_event(ti, logs, r, when, what):
    """Queue row ``r``'s placement event ``what`` (``PENDING`` code) on day ``when``.

    Nothing is queued for a day before 0 (none drawn) or from the day the child leaves care.
    """
    if 0 <= when < ti[r, C_EXIT_DAY]:
        ti[r, C_PENDING] = what
        draw_event(logs, when, EV_PLACEMENT, ti[r, C_CID], ti[r, C_VERSION])


@njit(cache=True)
def schedule_rows(tab, sup, logs, rows, day, pp, rates):
    """``schedule_next`` for each of ``rows``, in order."""
    for j in range(len(rows)):
        schedule_next(tab, sup, logs, rows[j], day, pp, rates)


@njit(cache=True)
def place_code(tab, r, kind, day):
    """PLACE code of row ``r`` placed in a unit of ``kind`` on ``day`` (foster care by status)."""
    ti = tab.I
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
    ti, tf, tw = tab.I, tab.F, tab.W
    kind_of, occupied, capacity, reserved, open_ = (
        sup.kind,
        sup.occupied,
        sup.capacity,
        sup.reserved,
        sup.open,
    )
    provider, district, list_price = sup.provider, sup.district, sup.list_price
    prov_sector, prov_la = books.sector, books.la
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
            sup.income_rate[unit] += price
            if sector != SECTOR_LA and PREMIUM_KIND[kind]:
                extra = lp * pp[Q_COMPLEX_PREMIUM] * ti[r, C_TIER] / (1 + pp[Q_BASE_MARKUP])
                tf[r, CF_EXTRA_COST] = extra
                sup.extra_cost_rate[unit] += extra
            ti[r, C_BILLED_TO] = day
            ti[r, C_PLACE] = place_code(tab, r, kind, day)
            if kind == UNREG:
                n_unreg += 1
        else:
            ti[r, C_UNIT] = -1
            ti[r, C_KIND] = NO_UNIT
            ti[r, C_PAYEE] = -1
            tf[r, CF_PRICE] = 0.0
            if ti[r, C_PLAN] == PLAN_OTHER_:  # its district was drawn by the caller
                age = (day - ti[r, C_DOB]) / DAYS_PER_YEAR
                ti[r, C_PLACE], ti[r, C_PROVIDER] = setting_of(age, tab.U[r, U_OTHER_KIND])
            else:
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
def draw_event(logs, when, ev, cid, version):
    """Queue event ``ev`` of child ``cid`` (at ``version``) on day ``when`` in the drawn events."""
    s, sn = logs.drawn, logs.n_drawn
    k = sn[0]
    s[k, 0] = when
    s[k, 1] = ev
    s[k, 2] = cid
    s[k, 3] = version
    sn[0] = k + 1


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
