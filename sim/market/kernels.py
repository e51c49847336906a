"""Compiled kernels of the matching search (numba): a day's search in one call.

This module owns the hot loops of docs/design.md §3.2 as numba functions over plain arrays: the
daily vacancy index (``vacancy_csr``), the kinds a care plan accepts at each stage
(``_allowed_kinds``), the nearest-first scan for candidate (child, unit) pairs
(``scan_candidates``), the filter, price (``placement_price``) and score (``pair_score``) of each
pair with the pooled-commissioning and profit-cap terms (``score_pairs_stage``), the resolution of
competing proposals so that no unit takes more than its free places (``resolve``), and a day's whole
search stage by stage (``search``). They are scalar loops: a search stage in a regional world
handles a handful of children, where a chain of small numpy operations costs hundreds of
microseconds a call. The tests compare the scan and the resolution with array formulations of the
same rules (same pairs, same order, same ties). numba compiles them on first use and caches the
machine code beside this file (``cache=True``).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from sim.geography import EARTH_RADIUS_KM
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
    SECTOR_LA,
    SECURE,
)

# Positions in the ``prm`` vector of scalar parameters passed to ``score_pairs_stage``.
(
    P_DECLINE_PER_TIER,
    P_ACCEPT_UNREG,
    P_SCARCITY_MARKUP,
    P_COMPLEX_PREMIUM,
    P_EMERGENCY_PREMIUM,
    P_EMERGENCY,
    P_W_DIST,
    P_W_PRICE,
    P_W_MISFIT,
    P_W_QUALITY,
    P_OWN_BONUS,
    P_OUTSIDE_PENALTY,
    P_POOL_MARKUP,
    P_POOL_DISCOUNT,
    P_POOL_BLOCK_DISCOUNT,
    P_CAP_MAX_MARGIN,
    P_HOME_FIXED_SHARE,
    P_OCCUPANCY_REF,
    P_BASE_MARKUP,
) = range(19)
N_PRM = 19
MAX_ROUNDS = 8  # proposal rounds of a resolution (a speed setting: few stay unresolved)

# Rows of the tuples passed to ``search``: the searching children (each an array over them),
# and the units (each an array over the supply registry), in this order.
KID_FIELDS = ("la", "age", "tier", "plan", "prev", "unreg", "away", "need", "lat", "lon")
UNIT_FIELDS = (
    "min_age",
    "max_age",
    "skill",
    "kind",
    "provider",
    "la",
    "lat",
    "lon",
    "sector",
    "list_price",
    "grade",
    "block",
    "open",
    "capacity",
    "occupied",
    "reserved",
    "cost",
)


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
) -> tuple[np.ndarray, np.ndarray]:  # pragma: no cover - compiled
    """Candidate (child position, unit id) pairs, in the order kind, child, nearness, offset.

    Each child keeps, for each kind its plan allows, the first ``max_las`` LAs in distance
    order within ``radius`` (and at least ``lo`` away) that hold a vacancy of the kind, and in
    each up to ``per_la`` of its vacant units from a rotating offset. ``start``/``units`` are a
    ``VacancyIndex``'s CSR (key kind * n_la + la).
    """
    n, n_kinds = allowed.shape
    size = 0
    for i in range(n):
        for k in range(n_kinds):
            if allowed[i, k]:
                size += max_las * per_la
    out_c = np.empty(size, np.int64)
    out_u = np.empty(size, np.int64)
    m = 0
    n_cols = dist_sorted.shape[1]
    for k in range(n_kinds):
        base = k * n_la
        for i in range(n):
            if not allowed[i, k]:
                continue
            h = home_la[i]
            kept = 0
            for j in range(n_cols):
                d = dist_sorted[h, j]
                if d > radius[i]:
                    break
                if d < lo[i]:
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
    return out_c[:m], out_u[:m]


@njit(cache=True)
def resolve(
    child: np.ndarray,
    unit: np.ndarray,
    score: np.ndarray,
    need: np.ndarray,
    free: np.ndarray,
    n_children: int,
    max_rounds: int = MAX_ROUNDS,
) -> tuple[np.ndarray, np.ndarray]:  # pragma: no cover - compiled
    """Assign each child at most one unit so that no unit takes more than its free places.

    Rounds of proposals: every unassigned child proposes its best remaining candidate (ties:
    the earlier pair); each unit takes its proposals in score order (ties: the lower child
    position) while the places they need, counted cumulatively, fit its free places. Rejected
    children propose again among the units that still have room. ``free`` (indexed by unit)
    is updated in place.

    Returns:
        The unit assigned to each child (or -1) and the index of the chosen pair (or -1).
    """
    n_pairs = len(child)
    assigned = np.full(n_children, -1, np.int64)
    chosen = np.full(n_children, -1, np.int64)
    alive = np.ones(n_pairs, np.bool_)
    best = np.empty(n_children, np.int64)
    for _ in range(max_rounds):
        best[:] = -1
        n_prop = 0
        for p in range(n_pairs):
            if alive[p] and free[unit[p]] >= need[child[p]]:
                c = child[p]
                b = best[c]
                if b < 0:
                    best[c] = p
                    n_prop += 1
                elif score[p] > score[b]:
                    best[c] = p
        if n_prop == 0:
            break
        prop = np.empty(n_prop, np.int64)  # proposals by child position
        q = 0
        for c in range(n_children):
            if best[c] >= 0:
                prop[q] = best[c]
                q += 1
        # Order by unit, then score descending; both sorts stable, so ties keep child order.
        neg = np.empty(n_prop)
        for q in range(n_prop):
            neg[q] = -score[prop[q]]
        prop = prop[np.argsort(neg, kind="mergesort")]
        uu = np.empty(n_prop, np.int64)
        for q in range(n_prop):
            uu[q] = unit[prop[q]]
        prop = prop[np.argsort(uu, kind="mergesort")]
        q = 0
        while q < n_prop:
            u = unit[prop[q]]
            room = free[u]
            cum = 0
            r = q
            while r < n_prop and unit[prop[r]] == u:
                p = prop[r]
                cum += need[child[p]]
                if cum <= room:
                    assigned[child[p]] = u
                    chosen[child[p]] = p
                    free[u] -= need[child[p]]
                r += 1
            q = r
        for p in range(n_pairs):
            if alive[p] and assigned[child[p]] >= 0:
                alive[p] = False
    return assigned, chosen


@njit(cache=True)
def placement_price(
    list_price: float,
    is_council: bool,
    scarcity_index: float,
    tier: int,
    emergency: float,
    scarcity_markup: float,
    complex_premium: float,
    emergency_premium: float,
) -> float:  # pragma: no cover - compiled
    """Weekly price (£) of a new placement (docs/design.md §3.6).

    Args:
        list_price: the unit's list price per place-week (cost plus base markup), £.
        is_council: the unit is run by a council (charged at cost, no premiums).
        scarcity_index: scarcity of the unit's kind in its region (``pricing.scarcity``).
        tier: the child's needs tier (0 standard, 1 complex, 2 very complex).
        emergency: 1.0 when the placement is made on the day of need (spot), else 0.0.
        scarcity_markup, complex_premium, emergency_premium: proportional uplifts.
    """
    if is_council:
        return list_price
    return list_price * (
        (1 + scarcity_markup * scarcity_index)
        * (1 + complex_premium * tier)
        * (1 + emergency_premium * emergency)
    )


@njit(cache=True)
def pair_score(
    dist_km: float,
    price_gbp_week: float,
    misfit: int,
    grade: int,
    own: bool,
    outside_la: bool,
    w_dist: float,
    w_price: float,
    w_misfit: float,
    w_quality: float,
    own_bonus: float,
    outside_penalty: float,
) -> float:  # pragma: no cover - compiled
    """Score of a candidate pair (higher is better).

    Args:
        dist_km: distance from the child's home to the unit, km.
        price_gbp_week: weekly price the council would pay, £.
        misfit: needs tiers of the child above the unit's skill level (0 = fits).
        grade: Ofsted grade of the unit (0 outstanding, 1 good, 2 requires improvement,
            3 inadequate).
        own: the unit is the council's own provision (or, pooled, its RCC's).
        outside_la: the unit is outside the child's council.
        w_dist, w_price, w_misfit, w_quality: weights per 10 km, per £1,000 a week, per tier,
            per grade step.
        own_bonus, outside_penalty: additive terms for own provision and out-of-area.
    """
    return (
        -w_dist * dist_km / 10.0
        - w_price * price_gbp_week / 1000.0
        - w_misfit * misfit
        - w_quality * grade
        + own_bonus * (1.0 if own else 0.0)
        - outside_penalty * (1.0 if outside_la else 0.0)
    )


@njit(cache=True)
def haversine_km_nb(
    lat1: float, lon1: float, lat2: float, lon2: float
) -> float:  # pragma: no cover - compiled
    """Great-circle distance in km between two points (degrees), compiled."""
    p1 = math.radians(lat1)
    p2 = math.radians(lat2)
    a = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(min(a, 1.0)))


@njit(cache=True)
def score_pairs_stage(
    idx: np.ndarray,
    ci: np.ndarray,
    un: np.ndarray,
    u: np.ndarray,
    kids: tuple,
    units: tuple,
    market: tuple,
    prm: np.ndarray,
    flags: tuple,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # pragma: no cover - compiled
    """Filter, price and score candidate pairs of one stage, then resolve them.

    ``idx`` maps a searching child's position in this stage to its row of the ``c_*``
    arrays; ``ci``/``un`` are the stage's pairs and ``u`` one uniform per pair for the
    provider's acceptance. A pair is kept when the unit takes the child's age, the child is
    not leaving it, the misfit is at most one tier, an in-house carer belongs to the child's
    council (or, with regional foster care, to a fellow RCC member), a block-contracted unit
    is held by the child's RCC, and the provider accepts. The weekly price is the list price
    with the scarcity, complex-needs and emergency uplifts (council units at list), the RCC's
    framework discount and block price for members, within the profit cap's limit; the score
    is ``pair_score``.

    Returns:
        For each child of the stage: the unit assigned (or -1), its weekly price (£) and its
        distance from the child's home (km).
    """
    c_la, c_age, c_tier, _, c_prev, c_unreg, _, c_need, c_lat, c_lon = kids
    (
        s_min_age,
        s_max_age,
        s_skill,
        s_kind,
        s_provider,
        s_la,
        s_lat,
        s_lon,
        s_sector,
        s_list_price,
        s_grade,
        s_block,
        s_open,
        s_capacity,
        s_occupied,
        s_reserved,
        s_cost,
    ) = units
    provider_la, region_of, scarcity, accept_prob, rcc_of_la, cap_kind = market
    pool_on, regional_foster, cap_on = flags[0], flags[1], flags[2]
    n = len(idx)
    n_pairs = len(ci)
    keep = np.empty(n_pairs, np.int64)
    misfit = np.empty(n_pairs, np.int64)
    m = 0
    for p in range(n_pairs):
        row = idx[ci[p]]
        j = un[p]
        a = c_age[row]
        if not (a >= s_min_age[j] and a < s_max_age[j] + 1 and j != c_prev[row]):
            continue
        mf = max(0, c_tier[row] - s_skill[j])
        if mf > 1:
            continue
        owner = provider_la[s_provider[j]]
        own_carer = owner == c_la[row]
        if pool_on:
            crcc = rcc_of_la[c_la[row]]
            urcc = rcc_of_la[owner] if owner >= 0 else -2
            if regional_foster and crcc >= 0 and urcc == crcc:
                own_carer = True
            if not (s_block[j] == 0 or s_block[j] - 1 == crcc):
                continue
        if s_kind[j] == INHOUSE and not own_carer:
            continue
        acc = accept_prob[s_kind[j]] * (1 - prm[P_DECLINE_PER_TIER] * c_tier[row])
        if c_unreg[row]:
            acc = acc * prm[P_ACCEPT_UNREG]
        if not u[p] < acc:
            continue
        keep[m] = p
        misfit[m] = mf
        m += 1
    assigned_out = np.full(n, -1, np.int64)
    price_out = np.zeros(n)
    dist_out = np.zeros(n)
    if m == 0:
        return assigned_out, price_out, dist_out
    kc = np.empty(m, np.int64)
    ku = np.empty(m, np.int64)
    score = np.empty(m)
    price = np.empty(m)
    dist = np.empty(m)
    for q in range(m):
        p = keep[q]
        i = ci[p]
        row = idx[i]
        j = un[p]
        kc[q] = i
        ku[q] = j
        d = haversine_km_nb(c_lat[row], c_lon[row], s_lat[j], s_lon[j])
        tier = c_tier[row]
        council = s_sector[j] == SECTOR_LA
        owner = provider_la[s_provider[j]]
        sc = scarcity[region_of[s_la[j]], s_kind[j]]
        member = False
        fellow = False
        if pool_on:
            crcc = rcc_of_la[c_la[row]]
            member = crcc >= 0
            fellow = member and owner >= 0 and rcc_of_la[owner] == crcc
            if member:
                sc = sc * prm[P_POOL_MARKUP]
        lp = s_list_price[j]
        pr = placement_price(
            lp,
            council,
            sc,
            tier,
            prm[P_EMERGENCY],
            prm[P_SCARCITY_MARKUP],
            prm[P_COMPLEX_PREMIUM],
            prm[P_EMERGENCY_PREMIUM],
        )
        own = (council and s_la[j] == c_la[row]) or owner == c_la[row]
        if pool_on:
            if member and not council:
                pr = pr * (1 - prm[P_POOL_DISCOUNT])
            if s_block[j] > 0:
                pr = lp * (1 - prm[P_POOL_BLOCK_DISCOUNT])
                own = True
            if fellow:
                own = True
        if cap_on and not council and cap_kind[s_kind[j]]:
            if s_kind[j] == HOME:
                fs = prm[P_HOME_FIXED_SHARE]
                per_child = (
                    s_cost[j] * (fs + (1 - fs) * prm[P_OCCUPANCY_REF]) / prm[P_OCCUPANCY_REF]
                )
            else:
                per_child = s_cost[j]
            extra = lp * prm[P_COMPLEX_PREMIUM] * tier / (1 + prm[P_BASE_MARKUP])
            limit = (per_child + extra) / (1.0 - prm[P_CAP_MAX_MARGIN])
            pr = min(pr, limit)
        score[q] = pair_score(
            d,
            pr,
            misfit[q],
            s_grade[j],
            own,
            s_la[j] != c_la[row],
            prm[P_W_DIST],
            prm[P_W_PRICE],
            prm[P_W_MISFIT],
            prm[P_W_QUALITY],
            prm[P_OWN_BONUS],
            prm[P_OUTSIDE_PENALTY],
        )
        price[q] = pr
        dist[q] = d
    # Resolve over the candidate units only (local ids), not the whole registry.
    uniq = np.unique(ku)
    local = np.searchsorted(uniq, ku)
    free = np.empty(len(uniq), np.int64)
    for k in range(len(uniq)):
        j = uniq[k]
        free[k] = s_capacity[j] - s_occupied[j] - s_reserved[j] if s_open[j] else 0
    need = np.empty(n, np.int64)
    for i in range(n):
        need[i] = c_need[idx[i]]
    assigned, chosen = resolve(kc, local, score, need, free, n)
    for i in range(n):
        if assigned[i] >= 0:
            q = chosen[i]
            assigned_out[i] = uniq[assigned[i]]
            price_out[i] = price[q]
            dist_out[i] = dist[q]
    return assigned_out, price_out, dist_out


@njit(cache=True)
def _allowed_kinds(
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
        or (plan == PLAN_FOSTER and age >= 11 and later and tier >= 1)
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
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:  # pragma: no cover - compiled
    """A day's search for the children of ``kids``, pass by pass (docs/design.md §3.2).

    In pass ``t`` every child not yet placed searches at stage ``stage0 + t``: its kinds
    (``_allowed_kinds``), its radius ``stage_radius[stage]`` (from at least ``min_km_away``
    for children placed away from home), candidates (``scan_candidates``, rotated by
    ``rot0``), one acceptance uniform per pair from ``rng`` (a numpy Generator, advanced in
    place), scores and resolution (``score_pairs_stage``). The places taken in a pass are
    counted in the occupancy the next pass sees, and given back before returning: the caller
    makes the placements, in pass order and, within a pass, in child order.

    Args:
        vacancies: (start, units, n_la) of the day's ``VacancyIndex``.
        geo: (dist_sorted, la_order), LAs nearest first from each LA.

    Returns:
        For each child: the unit assigned (or -1), weekly price (£), distance (km) and the
        pass that placed it (or -1).
    """
    c_la, c_age, c_tier, c_plan, _, _, c_away, c_need, _, _ = kids
    s_occupied = units[14]
    start, vac_units, n_la = vacancies
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
            lo[a] = min_km_away if c_away[row] else 0.0
            home[a] = c_la[row]
            _allowed_kinds(allowed, a, c_plan[row], c_age[row], c_tier[row], st)
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
                s_occupied[assigned[a]] += c_need[row]
            else:
                active[n_left] = row
                n_left += 1
        active = active[:n_left].copy()
    for row in range(n):
        if out_unit[row] >= 0:
            s_occupied[out_unit[row]] -= c_need[row]
    return out_unit, out_price, out_dist, out_pass
