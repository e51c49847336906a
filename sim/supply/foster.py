"""Foster recruitment and attrition, monthly.

This module owns the fostering services' month (``foster_month``): carers decide to stop at
Ofsted's rate (fewer where a recruitment hub supports councils' carers; those with children
wind down), and each service's approvals (Poisson at a rate that falls as its carers fill and
rises with a hub or an agency's prospects, ``sim.agents.providers.approval_mean``) enter a
pipeline that opens them as households after the approval lag; the world starts with the
households approved in the lag before day 0 in that pipeline (``seed_pipeline``). Draws are
keyed by unit or service and month, so a lever shifts counts rather than reshuffling later
draws. It also owns where new carers live (``carer_home_table``: by each LA's housing factor,
``housing_factor``, of its child density).
"""

from __future__ import annotations

import numpy as np

from sim.agents.providers import (
    H_AGES,
    H_DISTRICT,
    H_IFA,
    H_LA,
    H_PLACES,
    H_PROVIDER,
    H_SKILL,
    approval_mean,
    poisson_quantiles,
    recruit_month,
)
from sim.records import (
    IFA,
    INHOUSE,
)
from sim.rng import keyed_uniforms
from sim.supply.units import AGES_CDF, PLACES_CDF, SKILL_CDF, add_units, foster_columns

# Carers leave at Ofsted's observed rate (``params.supply.deregistration_rate``, per household
# and year: 4,820 of 33,745 in 2023-24): each month that rate's twelfth of the mainstream
# households deregisters, chosen among the empty ones (carers leave between placements). Only
# when fewer are empty than a month's leavers do some with children stop taking new ones, to
# deregister when their last child leaves (no child is moved). Below 5% empty the count uses
# 5% (assumption), so that a full market does not lose every empty household in a month.
MIN_EMPTY_SHARE = 0.05
# Carers' occupancy at which a service approves at the observed rate (``approval_rate``);
# above it recruitment rises (``recruitment_elasticity``): assumption (near the 2025 level).
REFERENCE_OCCUPANCY = 0.80


def housing_factor(density: np.ndarray, elasticity: float) -> np.ndarray:
    """Each LA's room for foster carers per child living there, relative to England's median.

    ``(density / median density) ** -elasticity``, at most 1: where children live more densely
    than in England's median LA, fewer homes have a room to spare; elsewhere, 1.
    """
    rel = density / np.median(density)
    return np.minimum(1.0, rel ** (-elasticity))


def carer_home_table(geo, sp) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Where each LA's new foster carers live, as a CSR over LAs (``providers.foster_draws``).

    For LA ``c``: its own LA with ``sp.carer_in_own_la`` times its housing factor; the rest
    spread over the other LAs within ``sp.carer_home_radius_km`` (km, between LA points) in
    proportion to their children aged 0-17 times their housing factor times
    ``exp(-distance / sp.carer_home_distance_km)``; with no other LA in range, all at home.

    Returns:
        (start, LAs, cumulative shares): LA ``c``'s candidates are ``LAs[start[c]:start[c+1]]``,
        its own first.
    """
    h = housing_factor(geo.child_density, sp.carer_density_elasticity)
    pop = geo.las["pop_0_17"].to_numpy(float)
    start = [0]
    las: list[int] = []
    cumw: list[float] = []
    for c in range(geo.n_la):
        order, dist = geo.la_order[c], geo.dist_sorted[c]
        near = order[(dist <= sp.carer_home_radius_km) & (order != c)]
        d = geo.dist_la[c, near]
        w = pop[near] * h[near] * np.exp(-d / sp.carer_home_distance_km)
        own = sp.carer_in_own_la * h[c] if w.sum() > 0 else 1.0
        shares = np.r_[own, (1.0 - own) * w / w.sum()] if w.sum() > 0 else np.array([1.0])
        cw = np.cumsum(shares)
        cw /= cw[-1]
        las.extend([c, *near.tolist()][: len(cw)])
        cumw.extend(cw.tolist())
        start.append(len(las))
    return np.array(start, np.int64), np.array(las, np.int64), np.array(cumw)


def leave_probabilities(empty: np.ndarray, foster: np.ndarray, month_rate: float) -> np.ndarray:
    """Each unit's chance of deciding to stop fostering this month (``foster_month``).

    ``month_rate`` of the ``foster`` households leave on average: the empty ones first, each
    with ``month_rate / e`` (e the empty share, at least ``MIN_EMPTY_SHARE``), capped at 1; when
    fewer are empty than a month's leavers, the others each with ``(month_rate - e) / (1 - e)``.
    """
    empty_share = max(empty.sum() / max(foster.sum(), 1), MIN_EMPTY_SHARE)
    return np.where(
        empty,
        min(1.0, month_rate / empty_share),
        max(0.0, month_rate - empty_share) / (1.0 - empty_share),
    )


# ---- monthly supply ---------------------------------------------------------------------------
def foster_month(model, day: int) -> None:
    """Foster carers' month: attrition of empty households, then each service's approvals.

    Approvals enter the pipeline and open as households after the approval lag.
    """
    s = model.supply
    rng = model.streams["supply"]
    sp = model.p.supply
    n = s.n
    # Foster attrition: a month's leavers among the empty households (with too few empty, some
    # with children wind down: no new child, and they close when their last child leaves).
    foster = s.open[:n] & s.matchable[:n] & ((s.kind[:n] == INHOUSE) | (s.kind[:n] == IFA))
    empty = foster & (s.occupied[:n] + s.reserved[:n] == 0)
    p_stop = leave_probabilities(empty, foster, sp.deregistration_rate / 12.0)
    policy = model.policy
    hub = policy.recruitment_hub.factors(day) if policy.recruitment_hub is not None else None
    if hub is not None:
        # Hub support keeps councils' carers: fewer leave in covered councils.
        carer_la = model.provider_la[s.provider[:n]]
        p_stop = p_stop * np.where((s.kind[:n] == INHOUSE) & (carer_la >= 0), hub[1][carer_la], 1.0)
    # Keyed uniforms (unit, month): a lever that keeps carers changes whose turn it is, not
    # everyone's draws (common random numbers across paired scenarios).
    month_key = np.arange(n, dtype=np.int64) * (1 << 20) + day
    u = keyed_uniforms("attrition", model.cfg.seed, model.rep, month_key)
    stop = foster & (u < p_stop)
    for unit in np.flatnonzero(stop & empty):
        s.close(int(unit), day)
    s.matchable[np.flatnonzero(stop & ~empty)] = False  # winds down
    # Recruitment: each foster service's approvals enter a pipeline and open after the lag.
    kinds = s.kind[:n]
    prov = s.provider[:n]
    open_foster = s.open[:n] & ((kinds == INHOUSE) | (kinds == IFA))
    hh = np.bincount(prov[open_foster], minlength=len(model.providers))
    occ = np.bincount(
        prov[open_foster], weights=s.occupied[:n][open_foster], minlength=len(model.providers)
    )
    cap = np.bincount(
        prov[open_foster], weights=s.capacity[:n][open_foster], minlength=len(model.providers)
    )
    cap_mult = policy.profit_cap.entry_multiplier(day) if policy.profit_cap is not None else 1.0
    sv = model.foster_table
    services = sv["services"]
    u_recruit = keyed_uniforms("recruitment", model.cfg.seed, model.rep, services * (1 << 20) + day)
    council = sv["council"]
    keep = model.supply_keep
    # Each service's month (``providers.recruit_month``): occupancy of its carers, the uplift of a
    # hub (councils) or of an agency's prospects (0 once it has left the market).
    cap_s, occ_s = cap[services], occ[services]
    occupancy = np.where(cap_s != 0, occ_s / np.where(cap_s != 0, cap_s, 1.0), 1.0)
    if hub is not None:
        council_uplift = np.asarray(hub[0], float)[sv["la"]]
    else:
        council_uplift = np.ones(len(services))
    capped = policy.profit_cap is not None and policy.profit_cap.cfg.include_ifa
    ifa_uplift = cap_mult if capped else 1.0
    # Providers that left the market (``model.exited_providers`` holds every one: a profit
    # cap's exits and failed groups).
    exited = np.isin(services, np.fromiter(model.exited_providers, np.int64))
    uplift = np.where(council, council_uplift, np.where(exited, 0.0, ifa_uplift))
    lam = approval_mean(
        sp.approval_rate,
        hh[services],
        occupancy,
        REFERENCE_OCCUPANCY,
        sp.recruitment_elasticity,
        uplift,
    )
    approvals = poisson_quantiles(u_recruit, lam)
    approvals[council & (keep[np.maximum(sv["la"], 0)] == 0)] = -1  # councils not represented
    pipe = model.foster_pipeline
    la_start = sv["la_start"]
    pipe.reserve(int((la_start[1:] - la_start[:-1])[approvals > 0].sum()))
    geo = model.geo
    pipe.n, new, z = recruit_month(
        rng,
        day,
        int(sp.approval_lag_days),
        services,
        ~council,
        approvals,
        la_start,
        sv["las"],
        sv["weights"],
        keep,
        pipe.rows,
        pipe.n,
        len(model.providers),
        (model.carer_homes, geo.d_start, geo.d_cumw),
        (PLACES_CDF, AGES_CDF, SKILL_CDF),
    )
    pipe.compact()
    if len(new):  # registered together, in order of approval
        ifa = new[:, H_IFA] == 1
        f = foster_columns(
            model,
            new[:, H_LA],
            new[:, H_DISTRICT],
            new[:, H_PLACES],
            new[:, H_AGES],
            new[:, H_SKILL],
            ifa,
            z,
        )
        start = s.n
        prefix = np.where(ifa, "IFA", "LAF").tolist()
        add_units(
            model,
            [f"{p}{start + i}" for i, p in enumerate(prefix)],
            np.where(ifa, IFA, INHOUSE),
            f["la"],
            f["district"],
            model.accounts.sector[new[:, H_PROVIDER]],
            new[:, H_PROVIDER],
            f["capacity"],
            f["min_age"],
            f["max_age"],
            f["skill"],
            np.ones(len(new), np.int8),
            f["price"],
            f["cost"],
            day,
        )


def seed_pipeline(model, rng) -> None:
    """The households approved before day 0 that open during the approval lag.

    Each service approved at ``params.supply.approval_rate`` per household-year (at the
    reference occupancy) in each month of the ``approval_lag_days`` before day 0; each month's
    approvals (Poisson) open when the lag from the middle of that month ends, in the service's
    LAs by its weights. Without them no household would open in a run's first months.
    """
    sp = model.p.supply
    sv = model.foster_table
    s = model.supply
    n = s.n
    foster = s.open[:n] & ((s.kind[:n] == INHOUSE) | (s.kind[:n] == IFA))
    hh = np.bincount(s.provider[:n][foster], minlength=len(model.providers))
    lag = int(sp.approval_lag_days)
    keep = model.supply_keep
    month = 30  # days
    for i, pi in enumerate(sv["services"].tolist()):
        las = sv["las"][sv["la_start"][i] : sv["la_start"][i + 1]]
        w = sv["weights"][sv["la_start"][i] : sv["la_start"][i + 1]]
        if hh[pi] == 0 or (sv["council"][i] and keep[sv["la"][i]] == 0):
            continue
        for k in range(lag // month):
            opens = lag - month * k - month // 2  # approved in the k-th month before day 0
            count = int(rng.poisson(sp.approval_rate / 12.0 * hh[pi]))
            if count == 0 or opens <= 0:
                continue
            la = int(las[0]) if len(las) == 1 else int(las[rng.choice(len(las), p=w / w.sum())])
            model.foster_pipeline.add(pi, opens, la, count)


def service_table(model) -> dict:
    """The foster services in order of provider index, with the LAs each recruits in.

    A council recruits in its own LA; an agency in the LAs of its region, weighted by their
    population aged 0-17 (``build_foster``). Built once, with the world (the services do not
    change); each service's approvals go to the model's pipeline.
    """
    services = np.array(sorted(set(model.foster_services)), np.int64)
    council, la, las, weights, la_start = [], [], [], [], [0]
    for pi in services.tolist():
        pv = model.providers[pi]
        pv.pipeline = model.foster_pipeline
        is_council = pv.role == "council"
        council.append(is_council)
        la.append(pv.la)
        if is_council:
            las.append(np.array([pv.la], np.int64))
            weights.append(np.ones(1))
        else:
            las.append(np.asarray(pv.las, np.int64))
            weights.append(np.asarray(pv.la_weights, np.float64))
        la_start.append(la_start[-1] + len(las[-1]))
    sv = {
        "n": len(model.foster_services),
        "services": services,
        "council": np.array(council, np.bool_),
        "la": np.array(la, np.int64),
        "las": np.concatenate(las) if las else np.zeros(0, np.int64),
        "weights": np.concatenate(weights) if weights else np.zeros(0),
        "la_start": np.array(la_start, np.int64),
    }
    return sv
