"""Children's homes' month: income, costs and margins; closures; openings.

This module owns the homes' economics (``homes_month``): each home's income (its children's
fees, background places, voids an RCC pays) and costs (fixed and variable), a smoothed margin,
closures at the observed exit rates raised by losses or an inadequate grade, and new homes
registering after a lag at a rate that follows private homes' margin; the state of that
entry (``HomeEntry``: the margins entrants watch, the homes in registration, where new homes
open) is this module's, held by the model.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sim.market import pricing
from sim.policies.actions import cap_clawback, void_payments
from sim.records import (
    DAYS_PER_MONTH,
    DAYS_PER_WEEK,
    HOME,
    SECTOR_LA,
    SECTOR_PRIVATE,
    SECTOR_VOLUNTARY,
)
from sim.supply.units import add_homes, group_for_new_homes, new_provider

# A home's margin is smoothed month by month: this share of last month's value and the rest
# from this month's (an exponential average over about six months): assumption.
MARGIN_KEEP, MARGIN_NEW = 0.85, 0.15
# Private entrants' view of the market margin, smoothed faster (about five months): assumption.
ENTRY_MARGIN_KEEP, ENTRY_MARGIN_NEW = 0.8, 0.2
# Multipliers on a home's observed closure rate (``params.supply.home_exit_rate``): loss-making
# homes close twice as often, profitable ones at 0.6 of it (so that the sector's rate holds
# when most make money), inadequate ones four times as often (Ofsted can cancel their
# registration): assumptions.
CLOSE_IF_LOSING, CLOSE_IF_PROFITABLE, CLOSE_IF_INADEQUATE = 2.0, 0.6, 4
INADEQUATE = 3  # Ofsted grade code of "inadequate" (0 outstanding .. 3 inadequate)


@dataclass
class HomeEntry:
    """What new children's homes' openings follow (``homes_month``); the model holds one.

    Attributes:
        margin: private homes' operating margin (share of income), smoothed month by month
            (``ENTRY_MARGIN_KEEP``); it starts where private entry runs at its 2022-23
            observed rate (``pricing.observed_entry_margin``).
        expected_margin: the margin a new private home could expect (``margin`` less the fixed
            costs of the homes in registration; ``pricing.private_entry_rate``).
        weight: where new private homes open, by LA (sums to 1; ``build_homes``).
        last_urn: the number of the last home added (new homes are ``SIMH`` + the next).
        pending: homes in registration, as (opening day, LA, sector slot of
            ``sector_slot``), in order of application.
    """

    margin: float
    expected_margin: float
    weight: np.ndarray
    last_urn: int = 0
    pending: list[tuple[int, int, int]] = field(default_factory=list)


def homes_month(model, day: int, rng) -> None:
    """One month of every open home: income, costs, margin, closures, then openings."""
    s = model.supply
    sp = model.p.supply
    pp = model.p.prices
    n = s.n
    homes = np.flatnonzero(s.open[:n] & (s.kind[:n] == HOME))
    weeks = DAYS_PER_MONTH / DAYS_PER_WEEK
    # Background places (children of councils outside a regional world) pay the list price.
    revenue = (s.income_rate[homes] + s.reserved[homes] * s.list_price[homes]) * weeks
    revenue = revenue + void_payments(model, day, homes, weeks)
    cost = (
        pricing.home_weekly_cost(
            s.cost[homes],
            s.capacity[homes],
            s.occupied[homes] + s.reserved[homes],
            pp.home_fixed_cost_share,
        )
        + s.extra_cost_rate[homes]
    ) * weeks
    np.add.at(model.accounts.cost, s.provider[homes], cost)  # home by home, in order
    revenue = revenue - cap_clawback(model, day, homes, revenue, cost)
    s.rev_month[homes] = revenue
    s.cost_month[homes] = cost
    m = np.where(revenue > 1.0, (revenue - cost) / np.maximum(revenue, 1.0), -1.0)
    s.margin[homes] = MARGIN_KEEP * s.margin[homes] + MARGIN_NEW * np.clip(m, -1.0, 1.0)
    # Closures: observed exit rates by sector, higher when loss-making or inadequate.
    sector = s.sector[homes]
    rate = np.asarray(sp.home_exit_rate)[sector_slot(sector)] / 12.0
    losing = np.where(s.margin[homes] < 0, CLOSE_IF_LOSING, CLOSE_IF_PROFITABLE)
    rate = rate * losing * np.where(s.grade[homes] >= INADEQUATE, CLOSE_IF_INADEQUATE, 1)
    close = homes[rng.random(len(homes)) < rate]
    for h in close.tolist():  # each owner closes its home (at once if empty, else winds down)
        model.providers[int(s.provider[h])].close_home(s, h, day)
    # Openings, registered after a lag. Council and voluntary homes open at their observed
    # rates. Private entrants look at the margin a new home could expect: the private homes'
    # recent margin (all their income over all their costs, smoothed) less the fixed costs of
    # the homes already in registration, which will share the same children. At the reference
    # margin openings replace the homes that close (a steady market when demand holds); above
    # it they rise, up to the 2022-23 entry rate; below it they fall away.
    priv = sector == SECTOR_PRIVATE
    rev_p, cost_p = float(revenue[priv].sum()), float(cost[priv].sum())
    month_margin = (rev_p - cost_p) / rev_p if rev_p > 0 else sp.entry_reference_margin
    ent = model.home_entry
    ent.margin = ENTRY_MARGIN_KEEP * ent.margin + ENTRY_MARGIN_NEW * month_margin
    pipeline = sp.new_home_places * sum(1 for h in ent.pending if h[2] == 0)
    places_p = float(s.capacity[homes][priv].sum())
    cost_per_place = float((s.cost[homes][priv] * s.capacity[homes][priv]).sum()) / max(places_p, 1)
    entry_rate, exit_rate = sp.home_entry_rate, sp.home_exit_rate
    private_rate, ent.expected_margin = pricing.private_entry_rate(
        ent.margin,
        rev_p / weeks,
        pp.home_fixed_cost_share * cost_per_place * pipeline,
        sp.entry_reference_margin,
        sp.entry_margin_elasticity,
        exit_rate[0],
        entry_rate[0],
    )
    counts = np.bincount(sector_slot(sector), minlength=3)
    policy = model.policy
    cap_mult = policy.profit_cap.entry_multiplier(day) if policy.profit_cap is not None else 1.0
    rates = np.array([private_rate * cap_mult, entry_rate[1], entry_rate[2]])
    expected = rates * counts / 12.0
    weights = ent.weight
    if policy.pooled_commissioning is not None:
        weights = policy.pooled_commissioning.entry_weights(day, weights)
    for slot, lam in enumerate(expected):
        k = int(rng.poisson(lam))
        for _ in range(k):
            la = int(rng.choice(len(weights), p=weights))
            # Outside a regional world only the kept share of new homes is represented.
            if rng.random() >= model.supply_keep[la] / model.cfg.world.scale:
                continue
            ent.pending.append((day + int(sp.registration_lag_days), la, slot))
    ready = [h for h in ent.pending if h[0] <= day]
    ent.pending = [h for h in ent.pending if h[0] > day]
    for _, la, slot in ready:
        sector = [SECTOR_PRIVATE, SECTOR_LA, SECTOR_VOLUNTARY][slot]
        if sector == SECTOR_LA:
            prov = np.array([model.councils[la].provider])
        elif sector == SECTOR_PRIVATE:
            prov = group_for_new_homes(model, rng, 1)
        else:
            prov = np.array(
                [
                    new_provider(
                        model,
                        f"Voluntary home {len(model.providers)}",
                        SECTOR_VOLUNTARY,
                        "home_group",
                    ).index
                ]
            )
        ent.last_urn += 1
        add_homes(
            model,
            rng,
            [f"SIMH{ent.last_urn:05d}"],
            np.array([la]),
            np.array([sector]),
            prov,
            np.array([sp.new_home_places]),
            HOME,
            grade=np.array([1], np.int8),
            day=day,
        )


def sector_slot(sector: np.ndarray) -> np.ndarray:
    """Map sector codes to the slots of the (private, LA, voluntary) parameter lists."""
    return np.select([sector == SECTOR_PRIVATE, sector == SECTOR_LA], [0, 1], 2)
