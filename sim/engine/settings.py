"""Placements without a search: with parents, with kin, and unregistered settings.

This module owns the placements that need no market search: placed with parents and with kin
(a kinship household registered in place, near home or, for a share, further away), and
unregistered settings for children with no suitable registered place (``place_unregistered_rows``).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from sim.engine.other_settings import setting_district
from sim.engine.placements import home_distances, place
from sim.engine.state import PLAN_KIN_, PLAN_OTHER_, PLAN_PARENTS_, RNE_P, RNE_S
from sim.geography import district_of, haversine_km_nb
from sim.population.children import (
    U_KIN,
)
from sim.population.table import (
    C_CID,
    C_GROUP_SIZE,
    C_HOME_D,
    C_KIND,
    C_LA,
    C_PL_D,
    C_PLACE,
    C_PLAN,
    C_SIBLING_OF,
    C_UNIT,
    C_WAITING_SINCE,
)
from sim.records import (
    KIN,
    SECTOR_LA,
    SECTOR_PRIVATE,
    UNREG,
)


@njit(cache=True)
def register_unit(
    sup, more, j, kind, sector, provider, la, d, pts, capacity, skill, grade, price, cost, day
):
    """Write unit ``j`` (never matched, open from ``day``, ages 0-17) into the supply's columns.

    ``sup`` and ``more`` as ``place_without_search_rows`` takes them; ``pts``: the districts'
    latitudes and longitudes.
    """
    sup.kind[j] = kind
    sup.occupied[j] = 0  # occupied
    sup.capacity[j] = capacity
    sup.open[j] = True  # open
    sup.matchable[j] = False  # matchable
    sup.close_day[j] = -1  # close day
    sup.provider[j] = provider
    sup.district[j] = d
    sup.list_price[j] = price
    sup.skill[j] = skill
    sup.grade[j] = grade
    more.sector[j] = sector
    more.la[j] = la
    more.lat[j] = pts[0][d]
    more.lon[j] = pts[1][d]
    more.min_age[j] = 0  # minimum age
    more.max_age[j] = 17  # maximum age
    more.cost[j] = cost
    more.open_day[j] = day


@njit(cache=True)
def place_without_search_rows(
    tab, sup, more, books, logs, rows, row_of, base, day, kin, geo, pp, rates
):
    """Placements needing no search (``sim.world.place_without_search``), in order.

    Of ``rows``, the children not yet placed whose plan is with parents (P1, no unit), a
    setting outside the care market (no unit: ``other_settings``, its district drawn here) or
    with kin: their kinship households (``kin_households``) are registered as units ``base``,
    ``base`` + 1, ... (the supply has room for them), then every placement is made (``place``:
    list prices, distances from home, RNE S).

    Args:
        more: the supply's columns ``sup`` lacks (sector, LA, latitude, longitude, minimum
            and maximum age, cost, opening day).
        kin: kinship households' terms (``terms.KinTerms``).
        geo: postcode districts (``terms.Districts``).

    Returns:
        (rows left to search, households registered, the row each was made for, placements
        made).
    """
    ti, tu = tab.I, tab.U
    capacity, occupied, district = sup.capacity, sup.occupied, sup.district
    far, kin_cost, council = kin.far_share, kin.cost_gbp_week, kin.council_provider
    n = len(rows)
    mine = np.zeros(n, np.bool_)
    n_mine = 0
    n_kin = 0
    for i in range(n):
        r = rows[i]
        plan = ti[r, C_PLAN]
        if ti[r, C_PLACE] < 0 and (
            plan == PLAN_PARENTS_ or plan == PLAN_KIN_ or plan == PLAN_OTHER_
        ):
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
        ti,
        tu,
        kin_rows,
        row_of,
        capacity,
        occupied,
        base,
        far,
        geo.la_order,
        (geo.d_start, geo.d_cumw),
    )
    c = 0
    for a in range(n_mine):
        if ti[go[a], C_PLAN] == PLAN_KIN_:
            units[a] = k_units[c]
            c += 1
    for q in range(len(new_la)):  # register the new households
        provider = council[ti[made_for[q], C_LA]]
        register_unit(
            sup,
            more,
            base + q,
            KIN,
            SECTOR_LA,
            provider,
            new_la[q],
            new_d[q],
            (geo.d_lat, geo.d_lon),
            new_cap[q],
            1,
            1,
            kin_cost,
            kin_cost,
            day,
        )
    dists = home_distances(ti, go, units, district, geo.d_lat, geo.d_lon)
    for a in range(n_mine):  # a setting outside the care market: where it is, how far
        r = go[a]
        if ti[r, C_PLAN] == PLAN_OTHER_:
            d = setting_district(ti, tu, r, geo.la_order, geo.d_start, geo.d_cumw)
            ti[r, C_PL_D] = d
            home = ti[r, C_HOME_D]
            if home >= 0:
                dists[a] = haversine_km_nb(
                    geo.d_lat[home], geo.d_lon[home], geo.d_lat[d], geo.d_lon[d]
                )
    place(
        tab,
        sup,
        books,
        logs,
        geo.d_start,
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
    ``unreg.list_price_gbp_week`` x exp(0.4 z - 0.08) (cost 60% of it), drawn child by child
    from ``rng`` (an integer, a uniform and a normal each). The settings are registered as
    units ``base``, ``base`` + 1, ... (the supply has room for them) and the children placed
    there at list price; they keep searching from today (the planned queue).

    Args:
        more: the supply's columns ``sup`` lacks (as ``place_without_search_rows``).
        unreg: the settings' list price and provider (``terms.UnregisteredTerms``).
        geo: (LA order, each LA's first district, districts' cumulative weights, district
            latitudes, longitudes).

    Returns:
        The number of unregistered placements made (``place``).
    """
    ti, tw = tab.I, tab.W
    district = sup.district
    price_gbp, unreg_provider = unreg.list_price_gbp_week, unreg.provider
    n = len(rows)
    units = np.empty(n, np.int64)
    rnes = np.empty(n, np.int64)
    for i in range(n):
        r = rows[i]
        la = geo.la_order[ti[r, C_LA], rng.integers(0, 12)]
        d = district_of(geo.d_start, geo.d_cumw, la, rng.random())
        price = price_gbp * math.exp(0.4 * rng.standard_normal() - 0.08)
        j = base + i
        register_unit(
            sup,
            more,
            j,
            UNREG,
            SECTOR_PRIVATE,
            unreg_provider,
            la,
            d,
            (geo.d_lat, geo.d_lon),
            1,
            2,
            3,
            price,
            price * 0.6,
            day,
        )
        units[i] = j
        rnes[i] = RNE_S if ti[r, C_PLACE] < 0 else RNE_P
    dists = home_distances(ti, rows, units, district, geo.d_lat, geo.d_lon)
    n_unreg = place(
        tab,
        sup,
        books,
        logs,
        geo.d_start,
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
