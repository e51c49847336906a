"""Foster recruitment and attrition, monthly.

This module owns the fostering services' month (``foster_month``): empty households deregister
(fewer where a recruitment hub supports councils' carers), and each service's approvals
(Poisson at a rate that falls as its carers fill and rises with a hub or an agency's
prospects, ``sim.agents.providers.approval_mean``) enter a pipeline that opens them as
households after the approval lag. Draws are keyed by unit or service and month, so a lever
shifts counts rather than reshuffling later draws.
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

# Deregistrations fall on empty households: the yearly rate (``params.supply.
# deregistration_rate``) over the share of households that are empty, that share counted as at
# least 5% (so that a full market does not divide by nothing) and at least 30% in the divisor
# (so that a few empty households are not all lost in a month): assumptions.
MIN_EMPTY_SHARE, EMPTY_SHARE_FLOOR = 0.05, 0.3
# Carers' occupancy at which a service approves at the observed rate (``approval_rate``);
# above it recruitment rises (``recruitment_elasticity``): assumption (near the 2025 level).
REFERENCE_OCCUPANCY = 0.80


# ---- monthly supply ---------------------------------------------------------------------------
def foster_month(model, day: int) -> None:
    """Foster carers' month: attrition of empty households, then each service's approvals.

    Approvals enter the pipeline and open as households after the approval lag.
    """
    s = model.supply
    rng = model.streams["supply"]
    sp = model.p.supply
    n = s.n
    # Foster attrition: empty households retire; households with children rarely resign.
    foster = s.open[:n] & ((s.kind[:n] == INHOUSE) | (s.kind[:n] == IFA))
    empty = foster & (s.occupied[:n] == 0)
    empty_share = max(empty.sum() / max(foster.sum(), 1), MIN_EMPTY_SHARE)
    p_empty = min(1.0, sp.deregistration_rate / 12.0 / max(empty_share, EMPTY_SHARE_FLOOR))
    policy = model.policy
    hub = policy.recruitment_hub.factors(day) if policy.recruitment_hub is not None else None
    if hub is not None:
        # Hub support keeps councils' carers: fewer deregistrations in covered councils.
        carer_la = model.provider_la[s.provider[:n]]
        keep = np.where((s.kind[:n] == INHOUSE) & (carer_la >= 0), hub[1][carer_la], 1.0)
        p_empty = p_empty * keep
    # Keyed uniforms (unit, month): a lever that keeps carers changes whose turn it is, not
    # everyone's draws (common random numbers across paired scenarios).
    month_key = np.arange(n, dtype=np.int64) * (1 << 20) + day
    leave = np.flatnonzero(
        empty & (keyed_uniforms("attrition", model.cfg.seed, model.rep, month_key) < p_empty)
    )
    for u in leave:
        s.close(int(u), day)
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
        (geo.la_order, geo.d_start, geo.d_cumw),
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
