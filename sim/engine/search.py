"""The search for a place: siblings together, stage by stage, and the placements it makes.

This module owns how children's requests become placements (``search_groups``): siblings who
arrived together are one request needing as many places; a group that finds none is split and
its children searched one by one; the search itself (``search_rows``) scores the candidate
units of the nearest councils (``sim.market.kernels.search``) and places the children found.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from sim.engine.placements import place
from sim.engine.state import RNE_P, RNE_S
from sim.market.kernels import search as market_search
from sim.market.terms import KidColumns
from sim.population.table import (
    C_AWAY,
    C_CID,
    C_DOB,
    C_HOME_D,
    C_KIND,
    C_LA,
    C_PLACE,
    C_PLAN,
    C_PREV_UNIT,
    C_SIBLING_OF,
    C_TIER,
    C_UNIT,
    C_WAITING_SINCE,
)
from sim.records import (
    DAYS_PER_YEAR,
    UNREG,
)


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
        terms: the search's terms (``terms.SearchTerms``), with the day's vacancies.

    Returns:
        (the rows of ``rows`` left without a place, placements made, of them unregistered).
    """
    pts, radius = terms.points, terms.radius_km
    ti = tab.I
    n = len(rows)
    la, age, tier, plan, prev, unreg, away, lat, lon, held = search_kids(
        ti, rows, day, pts.district_lat, pts.district_lon, pts.la_lat, pts.la_lon
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
    kids = KidColumns(la, age, tier, plan, prev, unreg, away, need, lat, lon)
    unit, price, dist, found_in = market_search(
        kids,
        terms.units,
        terms.market,
        terms.prm,
        terms.flags,
        stage0,
        passes,
        radius,
        terms.min_km_away,
        terms.vacancies,
        terms.nearest,
        terms.max_las,
        terms.per_la,
        day,
        terms.carers,
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
            terms.district_start,
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
def sibling_groups(ti, rows):
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
    leads, start, sib = sibling_groups(tab.I, rows)
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
    ti = tab.I
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
