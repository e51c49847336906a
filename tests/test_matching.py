"""Matching on hand-worked cases: candidates, scores and capacity-respecting resolution."""

import numpy as np
import pytest

from sim.market import matching, pricing, scoring, terms


def test_resolve_three_by_three_hand_worked():
    # Children 0,1,2; units 10,11,12 with one free place each. Scores (child x unit):
    #      u10  u11  u12
    # c0    5    4    1
    # c1    6    2    0
    # c2    3    1    2
    # Round 1: c0->u10 (5), c1->u10 (6), c2->u10 (3): u10 accepts c1 (best score).
    # Round 2: c0->u11 (4), c2->u12 (2).  Final: c0=11, c1=10, c2=12.
    child = np.repeat([0, 1, 2], 3)
    unit = np.tile([10, 11, 12], 3)
    score = np.array([5, 4, 1, 6, 2, 0, 3, 1, 2], float)
    free = np.zeros(13, dtype=np.int64)
    free[10:13] = 1
    assigned, pair = matching.resolve(child, unit, score, np.ones(3, np.int64), free, 3)
    assert assigned.tolist() == [11, 10, 12]
    assert free[10:13].tolist() == [0, 0, 0]
    assert (unit[pair] == assigned).all()


def test_resolve_respects_group_need_and_capacity():
    # A sibling group of 2 (child 0) and a single child (1) both prefer unit 5 (2 places).
    # Child 1 scores higher there, so it takes a place; the group no longer fits and goes to
    # unit 6 (3 places).
    child = np.array([0, 0, 1])
    unit = np.array([5, 6, 5])
    score = np.array([3.0, 1.0, 4.0])
    free = np.zeros(7, dtype=np.int64)
    free[5], free[6] = 2, 3
    assigned, _ = matching.resolve(child, unit, score, np.array([2, 1]), free, 2)
    assert assigned.tolist() == [6, 5]
    assert free[5] == 1 and free[6] == 1


def test_resolve_never_overfills_random_cases():
    rng = np.random.default_rng(0)
    for _ in range(50):
        n, m = 30, 12
        child = np.repeat(np.arange(n), 5)
        unit = rng.integers(0, m, size=len(child))
        score = rng.normal(size=len(child))
        cap = rng.integers(0, 3, size=m)
        free = cap.copy()
        need = rng.integers(1, 3, size=n)
        assigned, _ = matching.resolve(child, unit, score, need, free, n)
        used = np.bincount(assigned[assigned >= 0], weights=need[assigned >= 0], minlength=m)
        assert (used <= cap).all()
        assert (free == cap - used).all()


def _resolve_reference(child, unit, score, need, free, n_children, max_rounds=8):
    """Resolution as array operations (the formulation the compiled loops replaced)."""
    assigned = np.full(n_children, -1, dtype=np.int64)
    chosen = np.full(n_children, -1, dtype=np.int64)
    alive = np.ones(len(child), dtype=bool)
    for _ in range(max_rounds):
        m = alive & (free[unit] >= need[child])
        if not m.any():
            break
        p = np.flatnonzero(m)
        o = p[np.lexsort((-score[p], child[p]))]
        c = child[o]
        first = o[np.r_[True, c[1:] != c[:-1]]]
        o2 = first[np.lexsort((-score[first], unit[first]))]
        u = unit[o2]
        nd = need[child[o2]]
        cs = np.cumsum(nd)
        new_group = np.r_[True, u[1:] != u[:-1]]
        base = np.maximum.accumulate(np.where(new_group, cs - nd, 0))
        acc = o2[(cs - base) <= free[u]]
        assigned[child[acc]] = unit[acc]
        chosen[child[acc]] = acc
        np.subtract.at(free, unit[acc], need[child[acc]])
        alive &= assigned[child] < 0
    return assigned, chosen


def test_compiled_resolve_equals_the_array_formulation():
    # Same assignments, chosen pairs and remaining places as the array formulation, with
    # sibling groups (need 1-3) and many tied scores (ties break by pair, then child order).
    rng = np.random.default_rng(2)
    for trial in range(300):
        n, m = int(rng.integers(1, 40)), int(rng.integers(1, 15))
        k = int(rng.integers(1, 6))
        child = np.repeat(np.arange(n), k)
        unit = rng.integers(0, m, size=len(child))
        score = np.round(rng.normal(size=len(child)), 0 if trial % 2 else 3)
        need = rng.integers(1, 4, size=n)
        cap = rng.integers(0, 4, size=m)
        free_a, free_b = cap.copy(), cap.copy()
        got = matching.resolve(child, unit, score, need, free_a, n)
        want = _resolve_reference(child, unit, score, need, free_b, n)
        assert np.array_equal(got[0], want[0]) and np.array_equal(got[1], want[1])
        assert np.array_equal(free_a, free_b)


def test_candidate_pairs_search_outward_and_radius():
    # 3 LAs on a line, 10 km apart; vacancies of kind 0: LA1 has units 7,8; LA2 has unit 9.
    dist = np.array([[0, 10, 20], [10, 0, 10], [20, 10, 0]], float)
    order = np.argsort(dist, axis=1, kind="stable")
    key = np.array([0 * 3 + 1, 0 * 3 + 1, 0 * 3 + 2])
    units = np.array([7, 8, 9])
    vac = matching.VacancyIndex(
        units=units, start=np.searchsorted(key, np.arange(3 * 1 + 1)), n_la=3
    )
    ci, un = matching.candidate_pairs(
        np.array([0, 0]), np.array([15.0, 25.0]), 0, vac, dist, order, max_las=5, per_la=5
    )
    got = sorted(zip(ci.tolist(), un.tolist(), strict=True))
    assert got == [(0, 7), (0, 8), (1, 7), (1, 8), (1, 9)]
    # max_las=1 keeps only the nearest LA with a vacancy.
    ci, un = matching.candidate_pairs(
        np.array([2]), np.array([100.0]), 0, vac, dist, order, max_las=1, per_la=5
    )
    assert un.tolist() == [9]


def test_score_prefers_near_cheap_fitting_own_provision():
    w = (1.0, 1.0, 1.0, 1.0, 2.0, 1.0)  # distance, price, misfit, quality, own, outside

    def s(d=10.0, p=1000.0, mis=0, g=1, own=False, out=False):
        return scoring.pair_score(d, p, mis, g, own, out, *w)

    # Hand-worked: -1 x 10/10 - 1 x 1000/1000 - 0 - 1 x 1 + 0 - 0 = -3.
    assert s() == pytest.approx(-3.0)
    assert s(d=10) > s(d=50)
    assert s(p=800) > s(p=5000)
    assert s(mis=0) > s(mis=1)
    assert s(g=0) > s(g=3)
    assert s(own=True) - s(own=False) == pytest.approx(2.0)
    assert s(out=False) > s(out=True)


def _random_las(rng, n_la):
    """LAs at random points: each LA's others nearest first, and their distances."""
    pts = rng.uniform(0, 300, size=(n_la, 2))
    dist = np.hypot(*(pts[:, None, :] - pts[None, :, :]).transpose(2, 0, 1))
    order = np.argsort(dist, axis=1, kind="stable")
    return order, np.take_along_axis(dist, order, axis=1)


def _random_vacancies(rng, n_la, n_kinds, n_units):
    """A vacancy index of ``n_units`` units of random kinds in random LAs (ids from 1000)."""
    kind = rng.integers(0, n_kinds, size=n_units)
    la = rng.integers(0, n_la, size=n_units)
    key = np.sort(kind * n_la + la)
    return matching.VacancyIndex(
        units=np.arange(len(key)) + 1000,
        start=np.searchsorted(key, np.arange(n_kinds * n_la + 1)),
        n_la=n_la,
    )


def _array_scan_reference(
    home_la,
    radius_km,
    allowed,
    vac,
    dist_sorted,
    la_order,
    max_las,
    per_la,
    rotation=0,
    min_km=None,
    chunk=16,
):
    """The nearest-first scan as array operations over chunks of LAs (the formulation the
    compiled scan replaced): an independent reference for its pairs and their order."""
    n, n_kinds = allowed.shape
    if n == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    kinds = np.flatnonzero(allowed.any(axis=0))
    n_la = vac.n_la
    cnt = np.diff(vac.start)[: n_kinds * n_la].reshape(n_kinds, n_la)[kinds]  # K x L
    has = cnt > 0
    alw = allowed[:, kinds].T  # K x n
    found = np.zeros((len(kinds), n), dtype=np.int64)  # LAs kept so far, per kind and child
    parts: list[tuple[np.ndarray, ...]] = []
    active = np.arange(n)
    n_cols = dist_sorted.shape[1]
    # LAs are scanned nearest first in chunks: most children find their ``max_las`` LAs (or
    # pass their radius) in the first chunk, so few rows ever see all 153 columns.
    for c0 in range(0, n_cols, chunk):
        h = home_la[active]
        order = la_order[h, c0 : c0 + chunk]  # a x w
        d = dist_sorted[h, c0 : c0 + chunk]
        near = d <= radius_km[active, None]
        if min_km is not None:
            near &= d >= min_km[active, None]
        ok = has[:, order] & near[None, :, :] & alw[:, active, None]
        rank = np.cumsum(ok, axis=2) + found[:, active, None]
        ki, ai, j = np.nonzero(ok & (rank <= max_las))
        parts.append((ki, active[ai], order[ai, j], c0 + j))
        found[:, active] = rank[:, :, -1]
        more = (alw[:, active] & (found[:, active] < max_las)).any(axis=0) & (
            d[:, -1] <= radius_km[active]
        )
        active = active[more]
        if len(active) == 0:
            break
    ki = np.concatenate([p[0] for p in parts])
    if len(ki) == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    ci = np.concatenate([p[1] for p in parts])
    la = np.concatenate([p[2] for p in parts])
    j = np.concatenate([p[3] for p in parts])
    o = np.lexsort((j, ci, ki))  # kind, child, nearness: the order of the full scan
    ki, ci, la = ki[o], ci[o], la[o]
    c = cnt[ki, la]
    take = np.minimum(c, per_la)
    s = vac.start[kinds[ki] * n_la + la]
    rep = np.repeat(np.arange(len(la)), take)
    offs = np.arange(take.sum()) - np.repeat(np.cumsum(take) - take, take)
    rot = (ci * 7919 + la * 104729 + rotation)[rep] % c[rep]
    pos = s[rep] + (rot + offs) % c[rep]
    return ci[rep].astype(np.int64), vac.units[pos].astype(np.int64)


def test_compiled_candidate_scan_equals_the_array_formulation():
    # The compiled scan must give exactly the pairs, in the same order, of the array scan
    # (the order matters: acceptance draws follow it), whatever the chunking of the latter.
    rng = np.random.default_rng(11)
    n_la, n_kinds = 40, 4
    order, dist_sorted = _random_las(rng, n_la)
    compared = 0
    for trial in range(300):
        vac = _random_vacancies(rng, n_la, n_kinds, int(rng.integers(0, 200)))
        n = int(rng.integers(1, 60))
        home = rng.integers(0, n_la, size=n)
        radius = rng.choice([30.0, 60.0, 1e5], size=n)
        allowed = rng.random((n, n_kinds)) < 0.5
        min_km = np.where(rng.random(n) < 0.3, 32.2, 0.0) if trial % 2 else None
        args = (home, radius, allowed, vac, dist_sorted, order, int(rng.integers(1, 6)), 3)
        got = matching.candidate_pairs_multi(*args, rotation=trial * 17, min_km=min_km)
        want = _array_scan_reference(
            *args, rotation=trial * 17, min_km=min_km, chunk=int(rng.choice([1, 3, 16]))
        )
        assert np.array_equal(got[0], want[0]) and np.array_equal(got[1], want[1])
        compared += len(got[0])
    assert compared > 5000  # the cases found plenty of pairs


def test_complex_needs_premium_pays_for_staff_not_profit():
    # Hand-worked: list £5,000, tier 2, premium 15% a tier, markup 22%:
    # extra cost = 5,000 x 0.30 / 1.22 = £1,229.51 a week; councils carry none here.
    extra = pricing.complex_needs_cost(np.array([5000.0, 5000.0]), 2, [False, True], 0.15, 0.22)
    assert extra == pytest.approx([1229.508, 0.0], abs=1e-3)
    # At the reference occupancy a home full of complex children earns the base margin
    # m / (1 + m), as one of standard children does: the premium carries no extra profit.
    places, occ_ref, fixed, m = 4, 0.75, 0.7, 0.22
    list_price = np.array([5000.0])
    cost = pricing.cost_from_price(list_price, m, occ_ref, fixed)
    for tier in (0, 1, 2):
        occupied = places * occ_ref
        price = scoring.placement_price(5000.0, False, 0.0, tier, 0.0, 1.5, 0.15, 0.1)
        revenue = price * occupied
        spend = pricing.home_weekly_cost(cost, places, occupied, fixed) + occupied * (
            pricing.complex_needs_cost(list_price, tier, False, 0.15, m)
        )
        assert (1 - spend / revenue) == pytest.approx(m / (1 + m), rel=1e-9)


def test_poisson_quantile_matches_scipy_and_is_monotone_in_the_mean():
    from scipy.stats import poisson

    from sim.agents.providers import poisson_quantile

    rng = np.random.default_rng(3)
    for u in rng.random(200):
        for lam in (0.3, 2.0, 11.5, 80.0):
            assert poisson_quantile(u, lam) == int(poisson.ppf(u, lam))
        ks = [poisson_quantile(u, lam) for lam in np.linspace(0.0, 30.0, 61)]
        assert ks == sorted(ks)  # a lever raising the mean never lowers the count


def test_private_entry_replaces_closures_at_the_reference_margin_and_counts_the_pipeline():
    # Hand-worked: exit 3.9% a year, entry at most 15.1%, reference 22.6%, elasticity 10.
    args = (0.226, 10.0, 0.039, 0.151)
    rate, expected = pricing.private_entry_rate(0.226, 100_000.0, 0.0, *args)
    assert rate == pytest.approx(0.039) and expected == pytest.approx(0.226)
    # A pipeline whose fixed costs are 5% of the income lowers the expected margin 5 points:
    # openings fall by half (1 + 10 x -0.05 = 0.5).
    rate, expected = pricing.private_entry_rate(0.226, 100_000.0, 5_000.0, *args)
    assert expected == pytest.approx(0.176) and rate == pytest.approx(0.0195)
    # Bounds: no openings at a thin margin; never above the observed 2022-23 entry rate.
    assert pricing.private_entry_rate(0.05, 1e5, 0.0, *args)[0] == 0.0
    assert pricing.private_entry_rate(0.90, 1e5, 0.0, *args)[0] == pytest.approx(0.151)


def test_a_world_starts_at_the_margin_where_openings_run_at_the_observed_rate():
    # Hand-worked: reference 10%, elasticity 34, exit 3.9%, observed entry 15.1%:
    # 0.10 + (0.151 / 0.039 - 1) / 34 = 0.10 + 2.8718 / 34 = 0.18446.
    m0 = pricing.observed_entry_margin(0.10, 34.0, 0.039, 0.151)
    assert m0 == pytest.approx(0.10 + (0.151 / 0.039 - 1) / 34)
    assert m0 == pytest.approx(0.18446, abs=1e-5)
    # At that margin, with nothing in registration, openings run at the observed rate.
    rate, _ = pricing.private_entry_rate(m0, 1e5, 0.0, 0.10, 34.0, 0.039, 0.151)
    assert rate == pytest.approx(0.151)
    # Without a response to margins, the reference.
    assert pricing.observed_entry_margin(0.10, 0.0, 0.039, 0.151) == 0.10


def _one_child_stage(units: dict, pool=None, cap_margin=None, u=0.0, emergency=1.0, regional=False):
    """Score and resolve one stage for one child (LA 0, age 12, tier 1) and the given units.

    ``units`` maps UNIT_FIELDS names to lists (one entry per unit); every unit is a candidate.
    Parameters: scarcity 0.1 everywhere, markup x1.5 per unit of scarcity, complex premium
    15% a tier, emergency premium 10%; cap: homes' fixed cost share 0.7 at occupancy 0.75,
    base markup 22%; pool: member markup factor 0.5, discount 5%, block discount 10%.
    """
    n_u = len(units["kind"])
    full = {f: np.zeros(n_u, np.int64) for f in terms.UNIT_FIELDS}
    full.update({f: np.zeros(n_u) for f in ("lat", "lon", "list_price", "cost")})
    full["open"] = np.ones(n_u, np.bool_)
    full["max_age"] = np.full(n_u, 17)
    full["capacity"] = np.ones(n_u, np.int64)
    for f, v in units.items():
        full[f] = np.asarray(v, full[f].dtype)
    kids = terms.KidColumns(
        np.array([0]),  # la
        np.array([12.0]),  # age
        np.array([1]),  # tier
        np.array([0]),  # plan
        np.array([-1]),  # prev
        np.array([False]),  # unreg
        np.array([False]),  # away
        np.array([1]),  # need
        np.array([0.0]),  # lat
        np.array([0.0]),  # lon
    )
    prm = np.zeros(terms.N_PRM)
    prm[terms.P_SCARCITY_MARKUP] = 1.5
    prm[terms.P_COMPLEX_PREMIUM] = 0.15
    prm[terms.P_EMERGENCY_PREMIUM] = 0.1
    prm[terms.P_EMERGENCY] = emergency
    prm[terms.P_W_DIST] = 1.0
    prm[terms.P_W_PRICE] = 1.0
    prm[terms.P_HOME_FIXED_SHARE] = 0.7
    prm[terms.P_OCCUPANCY_REF] = 0.75
    prm[terms.P_BASE_MARKUP] = 0.22
    rcc_of_la = np.array([-1, -1])
    if pool is not None:
        rcc_of_la = np.array(pool)
        prm[terms.P_POOL_MARKUP] = 0.5
        prm[terms.P_POOL_DISCOUNT] = 0.05
        prm[terms.P_POOL_BLOCK_DISCOUNT] = 0.10
    cap_kind = np.zeros(7, np.bool_)
    if cap_margin is not None:
        cap_kind[3] = True  # children's homes
        prm[terms.P_CAP_MAX_MARGIN] = cap_margin
    market = terms.Market(
        np.array([0, 1, -1]),  # provider 0: LA 0's council, 1: LA 1's, 2: private
        np.array([0, 0]),  # one region
        np.full((1, 7), 0.1),  # scarcity
        np.ones(7),  # every provider accepts (before the uniform)
        rcc_of_la,
        cap_kind,
    )
    flags = terms.MarketFlags(pool is not None, regional, cap_margin is not None)
    return scoring.score_pairs_stage(
        np.array([0]),
        np.zeros(n_u, np.int64),
        np.arange(n_u),
        np.full(n_u, u),
        kids,
        terms.UnitColumns(*(full[f] for f in terms.UNIT_FIELDS)),
        market,
        prm,
        flags,
    )


def test_stage_price_hand_worked_with_and_without_cap_and_pool():
    home = {"kind": [3], "provider": [2], "sector": [1], "skill": [1], "min_age": [10]}
    home |= {"list_price": [5000.0], "cost": [3000.0]}
    # Spot price: 5,000 x (1 + 1.5 x 0.1) x (1 + 0.15 x 1) x (1 + 0.1) = £7,273.75 a week.
    unit, price, _ = _one_child_stage(home)
    assert unit.tolist() == [0] and price[0] == pytest.approx(7273.75)
    # Not an emergency: 5,000 x 1.15 x 1.15 = £6,612.50.
    assert _one_child_stage(home, emergency=0.0)[1][0] == pytest.approx(6612.50)
    # Capped at a 10% margin: cost per child at 75% occupancy 3,000 x 0.925 / 0.75 = 3,700,
    # plus the complex-needs staffing 5,000 x 0.15 / 1.22 = 614.75: (3,700 + 614.75) / 0.9.
    assert _one_child_stage(home, cap_margin=0.1)[1][0] == pytest.approx(4794.17, abs=0.01)
    # An RCC member: scarcity markup halved and a 5% framework discount:
    # 5,000 x 1.075 x 1.15 x 1.1 x 0.95 = £6,459.41.
    assert _one_child_stage(home, pool=[0, 0])[1][0] == pytest.approx(6459.41, abs=0.01)
    # A block-contracted place of the child's RCC: list price less 10%; of another RCC: none.
    blocked = home | {"block": [1]}
    assert _one_child_stage(blocked, pool=[0, 0])[1][0] == pytest.approx(4500.0)
    assert _one_child_stage(blocked, pool=[1, 1])[0].tolist() == [-1]
    # The provider declines (uniform above the acceptance probability of 1 - 0 x tier).
    assert _one_child_stage(home, u=1.0)[0].tolist() == [-1]


def test_stage_keeps_council_carers_for_their_own_children_and_charges_councils_at_list():
    carers = {"kind": [0, 0], "provider": [1, 0], "sector": [0, 0], "skill": [1, 1]}
    carers |= {"min_age": [0, 0], "list_price": [500.0, 600.0], "lat": [0.0, 0.5]}
    # The cheaper, nearer carer belongs to LA 1's council: only LA 0's own carer is offered,
    # at its list price (no scarcity, complex or emergency uplift for council provision).
    unit, price, dist = _one_child_stage(carers)
    assert unit.tolist() == [1] and price[0] == 600.0
    assert dist[0] == pytest.approx(55.6, abs=0.1)  # half a degree of latitude
    # In one RCC without regional foster care the other council's carer is still not offered;
    # with it, it is, and wins (cheaper, and nearer: a fellow member's carer counts as own).
    assert _one_child_stage(carers, pool=[0, 0])[0].tolist() == [1]
    unit, price, dist = _one_child_stage(carers, pool=[0, 0], regional=True)
    assert unit.tolist() == [0] and price[0] == 500.0 and dist[0] == 0.0


def _own_index_case():
    """3 LAs on a line 10 km apart. Unit 10: council 0's carer living in LA 2 (20 km from
    LA 0); unit 11: council 1's carer living in LA 0; unit 12: an agency's carer in LA 1."""
    from sim.market.kernels import scan_candidates, search_keys
    from sim.records import IFA, INHOUSE, N_KINDS

    n_la = 3
    dist = np.array([[0, 10, 20], [10, 0, 10], [20, 10, 0]], float)
    la_order = np.argsort(dist, axis=1, kind="stable")
    dist_sorted = np.take_along_axis(dist, la_order, axis=1)
    ids = np.array([10, 11, 12])
    kind = np.array([INHOUSE, INHOUSE, IFA])
    where = np.array([2, 0, 1])
    owner = np.array([0, 1, -1])
    allowed = np.zeros((1, N_KINDS), bool)
    allowed[0, [INHOUSE, IFA]] = True

    def scan(own_index, fellow_start, fellow_las, radius=15.0, lo=0.0):
        key = search_keys(kind, where, owner if own_index else np.full(3, -1), n_la)
        o = np.argsort(key, kind="stable")
        start = np.searchsorted(key[o], np.arange(N_KINDS * n_la + n_la * n_la + 1))
        ci, un = scan_candidates(
            np.array([0]), np.array([radius]), np.array([lo]), allowed, start, ids[o],
            dist_sorted, la_order, n_la, 5, 4, 0, own_index, fellow_start, fellow_las,
        )  # fmt: skip
        return un.tolist()

    return scan


def test_own_carers_are_found_wherever_they_live_and_others_not_scanned():
    scan = _own_index_case()
    none = (np.zeros(1, np.int64), np.zeros(0, np.int64))
    # Kept by where they live: within 15 km of LA 0 the scan sees council 1's carer (whom
    # council 0 may not use) and the agency's, not council 0's own carer 20 km away.
    assert scan(False, *none) == [11, 12]
    # Kept by owner: council 0's own carer, beyond the radius, and the agency's carer.
    assert scan(True, *none) == [10, 12]
    # Its own carer 20 km away is still seen by a child placed at least 15 km away.
    assert scan(True, *none, lo=15.0) == [10]
    # Regional foster care: council 1 is council 0's fellow, so its carer living within the
    # radius follows council 0's own (council 1 has no fellows listed, council 2 none).
    fellows = (np.array([0, 1, 1, 1]), np.array([1]))
    assert scan(True, *fellows) == [10, 11, 12]
    # Within 5 km the fellow's carer (in LA 0) is still seen, the agency's (10 km) is not;
    # council 0's own carer is seen at any radius.
    assert scan(True, *fellows, radius=5.0) == [10, 11]
    # A fellow with no vacant carer adds none.
    assert scan(True, np.array([0, 1, 1, 1]), np.array([2])) == [10, 12]


def test_fellow_councils_are_an_rccs_other_members_only_with_regional_foster_care():
    """``carer_terms``: each council's fellows (CSR) are the other members of its RCC, in
    council order; councils outside an RCC have none; without regional foster care, or with
    the search by location, nobody has fellows."""
    from types import SimpleNamespace

    from sim.kernel_inputs import KernelInputs
    from sim.market import terms

    rcc = np.array([0, 0, -1, 1, 1, 0])
    none = np.zeros(0)
    market = terms.Market(none, none, none, none, rcc, none)

    def carers(own: bool, regional: bool) -> terms.Carers:
        matching = SimpleNamespace(own_carers_anywhere=own)
        model = SimpleNamespace(p=SimpleNamespace(matching=matching))
        flags = terms.MarketFlags(pooled=True, regional_foster=regional, capped=False)
        return KernelInputs.carer_terms(model, market, flags)

    c = carers(True, True)
    assert c.own_index
    fellows = [c.fellow_las[c.fellow_start[a] : c.fellow_start[a + 1]].tolist() for a in range(6)]
    assert fellows == [[1, 5], [0, 5], [], [4], [3], [0, 1]]
    for own, regional in ((True, False), (False, True)):
        c = carers(own, regional)
        assert c.own_index == own and len(c.fellow_start) == 1 and len(c.fellow_las) == 0
