"""Compiled kernels of the matching search (numba): a day's search in one call.

This module owns the hot loops of docs/design.md §3.2 as numba functions over plain arrays: the
daily vacancy index (``vacancy_csr``), the kinds a care plan accepts at each stage
(``allowed_kinds``), the nearest-first scan for candidate (child, unit) pairs (``scan_candidates``),
the filter, price and score of each pair with the pooled-commissioning and profit-cap terms
(``sim.market.scoring``, which also resolves competing proposals so that no unit takes more than its
free places), and a day's whole search stage by stage (``search``). They are scalar loops: a search
stage in a regional world handles a handful of children, where a chain of small numpy operations
costs hundreds of microseconds a call. The tests compare the scan and the resolution with array
formulations of the same rules (same pairs, same order, same ties). numba compiles them on first use
and caches the machine code (``cache=True``; where: ``sim/__init__.py``).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from sim.market.scoring import score_pairs_stage
from sim.market.terms import P_PLAN_KINDS_ONLY
from sim.records import (
    HOME,
    IFA,
    INHOUSE,
    N_KINDS,
    PLAN_FOSTER,
    PLAN_HOME,
    PLAN_KIN,
    PLAN_PARENTS,
    PLAN_SA,
    PLAN_SECURE,
    SA,
    SECURE,
)


def search_keys(kind: np.ndarray, la: np.ndarray, owner: np.ndarray, n_la: int) -> np.ndarray:
    """Each unit's cell in the vacancy index.

    A unit is kept under (kind, the LA where it is): ``kind * n_la + la``; a council's own
    foster carer (in-house, ``owner`` its council) under (its council, the LA where it lives),
    after every kind's cells: ``N_KINDS * n_la + owner * n_la + la``. So a council's search
    finds its own carers wherever they live, nearest first, without scanning other councils'.
    """
    own = (kind == INHOUSE) & (owner >= 0)
    return np.where(own, N_KINDS * n_la + owner * n_la + la, kind * n_la + la)


@njit(cache=True)
def vacancy_csr(
    order: np.ndarray,
    order_key: np.ndarray,
    open_: np.ndarray,
    matchable: np.ndarray,
    capacity: np.ndarray,
    occupied: np.ndarray,
    reserved: np.ndarray,
    n_cells: int,
) -> tuple[np.ndarray, np.ndarray]:  # pragma: no cover - compiled
    """Units of ``order`` (sorted by ``order_key`` = kind * n_la + la) with a free place.

    A unit qualifies when open, matchable and with places beyond those occupied or reserved.

    Returns:
        (units, start): the qualifying units in ``order``'s order and, for each key, where its
        units begin (``start[key]`` .. ``start[key + 1]``).
    """
    m = len(order)
    units = np.empty(m, np.int64)
    start = np.zeros(n_cells + 1, np.int64)
    # One pass over the units in id order (streamed), then one gather per unit of ``order``.
    top = 0
    for i in range(m):
        top = max(top, order[i])
    free = np.empty(top + 1, np.bool_)
    for j in range(top + 1):
        free[j] = open_[j] & matchable[j] & (capacity[j] > occupied[j] + reserved[j])
    k = 0
    for i in range(m):
        j = order[i]
        if free[j]:
            units[k] = j
            start[order_key[i] + 1] += 1
            k += 1
    for c in range(n_cells):
        start[c + 1] += start[c]
    return units[:k], start


@njit(cache=True)
def scan_candidates(
    home_la: np.ndarray,
    radius: np.ndarray,
    lo: np.ndarray,
    allowed: np.ndarray,
    start: np.ndarray,
    units: np.ndarray,
    dist_sorted: np.ndarray,
    la_order: np.ndarray,
    n_la: int,
    max_las: int,
    per_la: int,
    rot0: int,
    own_index: bool,
    fellow_start: np.ndarray,
    fellow_las: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:  # pragma: no cover - compiled
    """Candidate (child position, unit id) pairs, in the order kind, child, nearness, offset.

    Each child keeps, for each kind its plan allows, the first ``max_las`` LAs in distance
    order within ``radius`` (and at least ``lo`` away) that hold a vacancy of the kind, and in
    each up to ``per_la`` of its vacant units from a rotating offset. ``start``/``units`` are a
    ``VacancyIndex``'s CSR (key kind * n_la + la; ``search_keys``).

    With ``own_index`` (in-house carers kept by owner), a child's in-house candidates are its
    own council's carers, nearest first wherever they live (no radius: ``nearest_cells``), then,
    when ``fellow_start`` gives its council fellow councils (an RCC's regional foster care),
    theirs within ``radius``.
    """
    n, n_kinds = allowed.shape
    size = 0
    for i in range(n):
        for k in range(n_kinds):
            if allowed[i, k]:
                size += max_las * per_la
                if own_index and k == INHOUSE:
                    size += max_las * per_la  # the fellows' carers
    out_c = np.empty(size, np.int64)
    out_u = np.empty(size, np.int64)
    m = 0
    own_base = N_KINDS * n_la
    has_fellows = len(fellow_start) > 1
    for k in range(n_kinds):
        base = k * n_la
        for i in range(n):
            if not allowed[i, k]:
                continue
            h = home_la[i]
            if own_index and k == INHOUSE:
                # Its own council's carers, kept by the LA where they live: no radius.
                m = nearest_cells(
                    i, h, np.inf, lo[i], own_base + h * n_la, start, units, dist_sorted,
                    la_order, max_las, per_la, rot0, out_c, out_u, m,
                )  # fmt: skip
                if has_fellows:  # an RCC's regional foster care: fellow members' carers
                    fellows = fellow_las[fellow_start[h] : fellow_start[h + 1]]
                    m = fellow_carers(
                        i, h, radius[i], lo[i], own_base, fellows,
                        start, units, dist_sorted, la_order, n_la, max_las, per_la, rot0,
                        out_c, out_u, m,
                    )  # fmt: skip
                continue
            m = nearest_cells(
                i, h, radius[i], lo[i], base, start, units, dist_sorted, la_order, max_las,
                per_la, rot0, out_c, out_u, m,
            )  # fmt: skip
    return out_c[:m], out_u[:m]


@njit(cache=True)
def nearest_cells(
    i,
    h,
    radius,
    lo,
    base,
    start,
    units,
    dist_sorted,
    la_order,
    max_las,
    per_la,
    rot0,
    out_c,
    out_u,
    m,
):  # pragma: no cover - compiled
    """Child ``i``'s candidates in cells ``base + la``, LAs nearest to ``h`` first.

    The first ``max_las`` LAs within ``radius`` (km; ``inf`` for a council's own carers,
    wherever they live) and at least ``lo`` away that hold a vacancy in their cell, and in
    each up to ``per_la`` units from a rotating offset, are written to ``out_c``/``out_u``
    from ``m``. Returns the new ``m``.
    """
    kept = 0
    for j in range(dist_sorted.shape[1]):
        d = dist_sorted[h, j]
        if d > radius:
            break
        if d < lo:
            continue
        la = la_order[h, j]
        s0 = start[base + la]
        c = start[base + la + 1] - s0
        if c <= 0:
            continue
        rot = (i * 7919 + la * 104729 + rot0) % c
        for offs in range(min(c, per_la)):
            out_c[m] = i
            out_u[m] = units[s0 + (rot + offs) % c]
            m += 1
        kept += 1
        if kept >= max_las:
            break
    return m


@njit(cache=True)
def fellow_carers(
    i,
    h,
    radius,
    lo,
    own_base,
    fellows,
    start,
    units,
    dist_sorted,
    la_order,
    n_la,
    max_las,
    per_la,
    rot0,
    out_c,
    out_u,
    m,
):  # pragma: no cover - compiled
    """Child ``i``'s fellow councils' vacant carers within ``radius`` of its council ``h``.

    LAs nearest first (at least ``lo`` away); in each, the carers who live there of each
    fellow in turn, ``per_la`` in all from the rotating offset over them; the first
    ``max_las`` LAs with any. Written to ``out_c``/``out_u`` from ``m``; returns the new ``m``.
    """
    kept = 0
    for j in range(dist_sorted.shape[1]):
        d = dist_sorted[h, j]
        if d > radius:
            break
        if d < lo:
            continue
        la = la_order[h, j]
        c = 0
        for f in fellows:
            c += start[own_base + f * n_la + la + 1] - start[own_base + f * n_la + la]
        if c <= 0:
            continue
        rot = (i * 7919 + la * 104729 + rot0) % c
        for offs in range(min(c, per_la)):
            q = (rot + offs) % c  # the q-th of the fellows' carers living in ``la``
            for f in fellows:
                s0 = start[own_base + f * n_la + la]
                cf = start[own_base + f * n_la + la + 1] - s0
                if q < cf:
                    out_c[m] = i
                    out_u[m] = units[s0 + q]
                    m += 1
                    break
                q -= cf
        kept += 1
        if kept >= max_las:
            break
    return m


# From a search's second stage, a child of this age (years) or older with complex needs whose
# plan is foster care may also go to a children's home: assumption.
HOME_FOR_FOSTER_MIN_AGE = 11


@njit(cache=True)
def allowed_kinds(
    allowed: np.ndarray, a: int, plan: int, age: float, tier: int, stage: int
) -> None:  # pragma: no cover - compiled
    """Row ``a`` of ``allowed``: the unit kinds a care plan accepts at its search stage.

    Foster plans take in-house and IFA carers, and from the second stage a children's home
    for an 11+ with complex needs; home plans take homes; secure plans secure homes, then
    homes; supported-accommodation plans (16+) take supported accommodation, then foster
    carers, then (third stage) homes; kinship and parents plans fall back to foster carers.
    """
    later = stage >= 1
    foster = (
        plan == PLAN_FOSTER
        or plan == PLAN_KIN
        or plan == PLAN_PARENTS
        or (plan == PLAN_SA and later)
    )
    home = (
        plan == PLAN_HOME
        or plan == PLAN_SECURE
        or (plan == PLAN_FOSTER and age >= HOME_FOR_FOSTER_MIN_AGE and later and tier >= 1)
        or (plan == PLAN_SA and stage >= 2)
    )
    allowed[a, INHOUSE] = foster
    allowed[a, IFA] = foster
    allowed[a, HOME] = home
    allowed[a, SECURE] = plan == PLAN_SECURE
    allowed[a, SA] = plan == PLAN_SA and age >= 16


@njit(cache=True)
def search(
    kids: tuple,
    units: tuple,
    market: tuple,
    prm: np.ndarray,
    flags: tuple,
    stage0: np.ndarray,
    n_passes: int,
    stage_radius: np.ndarray,
    min_km_away: float,
    vacancies: tuple,
    geo: tuple,
    max_las: int,
    per_la: int,
    rot0: int,
    carers: tuple,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:  # pragma: no cover - compiled
    """A day's search for the children of ``kids``, pass by pass (docs/design.md §3.2).

    In pass ``t`` every child not yet placed searches at stage ``stage0 + t``: its kinds
    (``allowed_kinds``; the first stage's at every stage when ``prm[P_PLAN_KINDS_ONLY]``),
    its radius ``stage_radius[stage]`` (from at least ``min_km_away``
    for children placed away from home), candidates (``scan_candidates``, rotated by
    ``rot0``), one acceptance uniform per pair from ``rng`` (a numpy Generator, advanced in
    place), scores and resolution (``score_pairs_stage``). The places taken in a pass are
    counted in the occupancy the next pass sees, and given back before returning: the caller
    makes the placements, in pass order and, within a pass, in child order.

    Args:
        vacancies: (start, units, n_la) of the day's ``VacancyIndex``.
        geo: (dist_sorted, la_order), LAs nearest first from each LA.
        carers: (own_index, fellow_start, fellow_las) (``terms.Carers``): whether in-house
            carers are indexed by their council, and each council's fellow councils.

    Returns:
        For each child: the unit assigned (or -1), weekly price (£), distance (km) and the
        pass that placed it (or -1).
    """
    start, vac_units, n_la = vacancies.start, vacancies.units, vacancies.n_la
    dist_sorted, la_order = geo
    n = len(stage0)
    out_unit = np.full(n, -1, np.int64)
    out_price = np.zeros(n)
    out_dist = np.zeros(n)
    out_pass = np.full(n, -1, np.int64)
    active = np.arange(n)
    for t in range(n_passes):
        na = len(active)
        if na == 0:
            break
        allowed = np.zeros((na, N_KINDS), np.bool_)
        radius = np.empty(na)
        lo = np.empty(na)
        home = np.empty(na, np.int64)
        for a in range(na):
            row = active[a]
            st = stage0[row] + t
            radius[a] = stage_radius[st]
            lo[a] = min_km_away if kids.away[row] else 0.0
            home[a] = kids.la[row]
            kinds_stage = 0 if prm[P_PLAN_KINDS_ONLY] > 0 else st  # wider radius, same kinds
            allowed_kinds(allowed, a, kids.plan[row], kids.age[row], kids.tier[row], kinds_stage)
        ci, un = scan_candidates(
            home,
            radius,
            lo,
            allowed,
            start,
            vac_units,
            dist_sorted,
            la_order,
            n_la,
            max_las,
            per_la,
            rot0,
            carers.own_index,
            carers.fellow_start,
            carers.fellow_las,
        )
        if len(ci) == 0:
            continue
        u = np.empty(len(un))
        for p in range(len(un)):
            u[p] = rng.random()
        assigned, price, dist = score_pairs_stage(
            active, ci, un, u, kids, units, market, prm, flags
        )
        n_left = 0
        for a in range(na):
            row = active[a]
            if assigned[a] >= 0:
                out_unit[row] = assigned[a]
                out_price[row] = price[a]
                out_dist[row] = dist[a]
                out_pass[row] = t
                units.occupied[assigned[a]] += kids.need[row]
            else:
                active[n_left] = row
                n_left += 1
        active = active[:n_left].copy()
    for row in range(n):
        if out_unit[row] >= 0:
            units.occupied[out_unit[row]] -= kids.need[row]
    return out_unit, out_price, out_dist, out_pass
