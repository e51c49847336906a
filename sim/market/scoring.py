"""The price and score of a (child, place) pair, and a search stage's filtered, scored pairs.

This module owns what a council pays for a place (``placement_price``: list price, scarcity
markup, complex-needs and emergency premiums, pooled commissioning's framework and block
prices, a profit cap), how it ranks the places it may take (``pair_score``: distance, price,
fit, Ofsted grade, own provision, outside its area) and a stage's pairs filtered by acceptance
and scored, and the resolution of competing proposals so that no unit takes more than its
free places (``resolve``).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from sim.geography import haversine_km_nb
from sim.market.terms import (
    MAX_ROUNDS,
    P_ACCEPT_UNREG,
    P_BASE_MARKUP,
    P_CAP_MAX_MARGIN,
    P_COMPLEX_PREMIUM,
    P_DECLINE_PER_TIER,
    P_EMERGENCY,
    P_EMERGENCY_PREMIUM,
    P_HOME_FIXED_SHARE,
    P_OCCUPANCY_REF,
    P_OUTSIDE_PENALTY,
    P_OWN_BONUS,
    P_POOL_BLOCK_DISCOUNT,
    P_POOL_DISCOUNT,
    P_POOL_MARKUP,
    P_SCARCITY_MARKUP,
    P_W_DIST,
    P_W_MISFIT,
    P_W_PRICE,
    P_W_QUALITY,
)
from sim.records import (
    HOME,
    INHOUSE,
    SECTOR_LA,
)


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
def eligible_pairs(idx, ci, un, u, kids, units, market, prm, flags):  # pragma: no cover
    """The stage's pairs a unit may take: ages, fit, ownership, block contracts, acceptance.

    A pair is kept when the unit takes the child's age, the child is not leaving it, the
    misfit is at most one tier, an in-house carer belongs to the child's council (or, with
    regional foster care, to a fellow RCC member), a block-contracted unit is held by the
    child's RCC, and the provider accepts (``u`` below the acceptance for its kind and the
    child's needs).

    Returns:
        (the kept pairs' indices, their misfits, how many).
    """
    provider_la, rcc_of_la, accept_prob = market.provider_la, market.rcc_of_la, market.accept_prob
    pool_on, regional_foster = flags.pooled, flags.regional_foster
    n_pairs = len(ci)
    keep = np.empty(n_pairs, np.int64)
    misfit = np.empty(n_pairs, np.int64)
    m = 0
    for p in range(n_pairs):
        row = idx[ci[p]]
        j = un[p]
        a = kids.age[row]
        if not (a >= units.min_age[j] and a < units.max_age[j] + 1 and j != kids.prev[row]):
            continue
        mf = max(0, kids.tier[row] - units.skill[j])
        if mf > 1:
            continue
        owner = provider_la[units.provider[j]]
        own_carer = owner == kids.la[row]
        if pool_on:
            crcc = rcc_of_la[kids.la[row]]
            urcc = rcc_of_la[owner] if owner >= 0 else -2
            if regional_foster and crcc >= 0 and urcc == crcc:
                own_carer = True
            if not (units.block[j] == 0 or units.block[j] - 1 == crcc):
                continue
        if units.kind[j] == INHOUSE and not own_carer:
            continue
        acc = accept_prob[units.kind[j]] * (1 - prm[P_DECLINE_PER_TIER] * kids.tier[row])
        if kids.unreg[row]:
            acc = acc * prm[P_ACCEPT_UNREG]
        if not u[p] < acc:
            continue
        keep[m] = p
        misfit[m] = mf
        m += 1
    return keep, misfit, m


@njit(cache=True)
def price_and_score(
    keep, misfit, m, idx, ci, un, kids, units, market, prm, flags
):  # pragma: no cover
    """The kept pairs' weekly prices, distances and scores.

    The price is the list price with the scarcity, complex-needs and emergency uplifts
    (``placement_price``; council units at list), the RCC's framework discount and block price
    for members, within the profit cap's limit (cost per child at the reference occupancy plus
    complex needs' staffing, at the capped margin); the score is ``pair_score``.

    Returns:
        (each pair's child position, unit, score, price (GBP a week), distance (km)).
    """
    provider_la, region_of, scarcity = market.provider_la, market.region_of, market.scarcity
    rcc_of_la, cap_kind = market.rcc_of_la, market.cap_kind
    pool_on, cap_on = flags.pooled, flags.capped
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
        d = haversine_km_nb(kids.lat[row], kids.lon[row], units.lat[j], units.lon[j])
        tier = kids.tier[row]
        council = units.sector[j] == SECTOR_LA
        owner = provider_la[units.provider[j]]
        sc = scarcity[region_of[units.la[j]], units.kind[j]]
        member = False
        fellow = False
        if pool_on:
            crcc = rcc_of_la[kids.la[row]]
            member = crcc >= 0
            fellow = member and owner >= 0 and rcc_of_la[owner] == crcc
            if member:
                sc = sc * prm[P_POOL_MARKUP]
        lp = units.list_price[j]
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
        own = (council and units.la[j] == kids.la[row]) or owner == kids.la[row]
        if pool_on:
            if member and not council:
                pr = pr * (1 - prm[P_POOL_DISCOUNT])
            if units.block[j] > 0:
                pr = lp * (1 - prm[P_POOL_BLOCK_DISCOUNT])
                own = True
            if fellow:
                own = True
        if cap_on and not council and cap_kind[units.kind[j]]:
            if units.kind[j] == HOME:
                fs = prm[P_HOME_FIXED_SHARE]
                per_child = (
                    units.cost[j] * (fs + (1 - fs) * prm[P_OCCUPANCY_REF]) / prm[P_OCCUPANCY_REF]
                )
            else:
                per_child = units.cost[j]
            extra = lp * prm[P_COMPLEX_PREMIUM] * tier / (1 + prm[P_BASE_MARKUP])
            limit = (per_child + extra) / (1.0 - prm[P_CAP_MAX_MARGIN])
            pr = min(pr, limit)
        score[q] = pair_score(
            d,
            pr,
            misfit[q],
            units.grade[j],
            own,
            units.la[j] != kids.la[row],
            prm[P_W_DIST],
            prm[P_W_PRICE],
            prm[P_W_MISFIT],
            prm[P_W_QUALITY],
            prm[P_OWN_BONUS],
            prm[P_OUTSIDE_PENALTY],
        )
        price[q] = pr
        dist[q] = d
    return kc, ku, score, price, dist


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
    """Filter, price and score one stage's pairs, then resolve them.

    The filter is ``eligible_pairs``, the prices and scores ``price_and_score``, the
    resolution ``resolve``.
    ``idx`` maps a searching child's position in this stage to its row of the ``c_*``
    arrays; ``ci``/``un`` are the stage's pairs and ``u`` one uniform per pair for the
    provider's acceptance.

    Returns:
        For each child of the stage: the unit assigned (or -1), its weekly price (£) and its
        distance from the child's home (km).
    """
    n = len(idx)
    keep, misfit, m = eligible_pairs(idx, ci, un, u, kids, units, market, prm, flags)
    assigned_out = np.full(n, -1, np.int64)
    price_out = np.zeros(n)
    dist_out = np.zeros(n)
    if m == 0:
        return assigned_out, price_out, dist_out
    kc, ku, score, price, dist = price_and_score(
        keep, misfit, m, idx, ci, un, kids, units, market, prm, flags
    )
    # Resolve over the candidate units only (local ids), not the whole registry.
    uniq = np.unique(ku)
    local = np.searchsorted(uniq, ku)
    free = np.empty(len(uniq), np.int64)
    for k in range(len(uniq)):
        j = uniq[k]
        free[k] = units.capacity[j] - units.occupied[j] - units.reserved[j] if units.open[j] else 0
    need = np.empty(n, np.int64)
    for i in range(n):
        need[i] = kids.need[idx[i]]
    assigned, chosen = resolve(kc, local, score, need, free, n)
    for i in range(n):
        if assigned[i] >= 0:
            q = chosen[i]
            assigned_out[i] = uniq[assigned[i]]
            price_out[i] = price[q]
            dist_out[i] = dist[q]
    return assigned_out, price_out, dist_out
