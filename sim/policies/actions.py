"""The levers' monthly actions on supply, after the market's own decisions.

This module owns what a lever does to providers and units each month (``policy_month``, in
this order): an RCC's block contracts, a profit cap's exits, public homes opening, home groups
failing (and a buyer taking their homes), Ofsted's enforcement on unregistered settings, and
the levers' running costs; also the voids an RCC pays on its block places and a cap's
clawback, which the homes' month reads (``void_payments``, ``cap_clawback``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.population.children import (
    Child,
)
from sim.records import (
    HOME,
    IFA,
    RNE,
    RPC,
    SECTOR_LA,
    SECTOR_PRIVATE,
    UNREG,
)
from sim.rng import keyed_uniforms
from sim.supply.units import add_homes, add_units, new_provider

# ---- reform levers acting on supply (called monthly after the market's own decisions) ---------
# Share of a departing agency's carers who join their council's fostering service (after a new
# approval): assumption.
CARERS_JOIN_COUNCIL = 0.5


# Places of a setting registered as a children's home after an Ofsted investigation: assumption.
REGISTERED_SETTING_PLACES = 2


@dataclass
class HomeGroups:
    """Private and voluntary children's-home groups ranked for failure (``group_failures``).

    Ranked once, in the first month (``rank``); the model holds one.

    Attributes:
        by_size: providers owning open homes, largest first (ties in provider order).
        large: those with at least ``supply.large_group_homes`` homes.
        leveraged: by large group, True if it carries heavy debt (a keyed uniform below
            ``supply.leveraged_share_large``).
    """

    by_size: np.ndarray | None = None
    large: np.ndarray | None = None
    leveraged: np.ndarray | None = None

    def rank(self, model) -> None:
        """Rank the groups by their open homes now (once; later calls keep the first)."""
        if self.by_size is not None:
            return
        sp = model.p.supply
        s = model.supply
        n = s.n
        homes = s.open[:n] & (s.kind[:n] == HOME) & (s.sector[:n] != SECTOR_LA)
        counts = np.bincount(s.provider[:n][homes], minlength=len(model.providers))
        ranked = np.flatnonzero(counts > 0)
        self.by_size = ranked[np.argsort(-counts[ranked], kind="stable")]
        self.large = self.by_size[counts[self.by_size] >= sp.large_group_homes]
        lev = keyed_uniforms("leveraged", model.cfg.seed, model.rep, self.large)
        self.leveraged = lev < sp.leveraged_share_large


def policy_month(model, day: int) -> None:
    """The month's lever actions, in a fixed order, and the levers' running costs."""
    policy = model.policy
    pooled = policy.pooled_commissioning
    if pooled is not None and pooled.active(day) and not pooled.blocks_set:
        set_block_contracts(model, day)
    cap_exits(model, day)
    public_homes(model, day)
    group_failures(model, day)
    enforcement(model, day)
    for la, item, amount in policy.costs(day, model):
        model.ledger.add(day, la, amount, item=item)
        model.councils[la].pay(amount)
    if policy.staying_close is not None:
        policy.staying_close.expire(day)


def set_block_contracts(model, day: int) -> None:
    """Each RCC's block contracts for the coming year (``PooledCommissioning.block_plan``)."""
    s = model.supply
    s.block[: s.n] = 0
    for k, units in model.policy.pooled_commissioning.block_plan(day, model).items():
        s.block[units] = k + 1


def void_payments(model, day: int, homes: np.ndarray, weeks: float):
    """Pay for empty places the buyer carries: RCC block contracts and new public homes.

    An RCC pays the block price of every empty block place, shared by its members by children
    looked after; a council pays the fixed running cost of its empty public-home places.
    Returns each home's void income this month (added to its revenue).
    """
    from sim.records import ITEM_VOID

    pooled = model.policy.pooled_commissioning
    s = model.supply
    void = np.zeros(len(homes))
    if pooled is None and not model.public_units:
        return void
    empty = np.maximum(s.capacity[homes] - s.occupied[homes] - s.reserved[homes], 0)
    if pooled is not None and pooled.active(day):
        blk = s.block[homes]
        price = s.list_price[homes] * (1 - pooled.cfg.block_discount)
        void = np.where(blk > 0, empty * price * weeks, 0.0)
        for k in np.unique(blk[blk > 0]):
            total = float(void[blk == k].sum())
            members = pooled.members(int(k) - 1)
            members = members[model.stock[members] > 0]
            if total <= 0 or len(members) == 0:
                continue
            share = model.stock[members] / model.stock[members].sum()
            for la, sh in zip(members, share, strict=True):
                model.ledger.add(day, int(la), total * sh, item=ITEM_VOID, kind=HOME)
                model.councils[int(la)].pay(total * sh)
    pub = s.public[homes]
    if pub.any():
        fixed = model.p.prices.home_fixed_cost_share
        pv = np.where(pub, empty * s.cost[homes] * fixed * weeks, 0.0)
        for h, amount in zip(homes[pv > 0], pv[pv > 0], strict=True):
            la = int(model.provider_la[s.provider[h]])
            model.ledger.add(day, la, float(amount), item=ITEM_VOID, unit=int(h), kind=HOME)
            model.councils[la].pay(float(amount))
        void = void + pv
    for h, v in zip(homes[void > 0], void[void > 0], strict=True):
        model.providers[int(s.provider[h])].revenue_gbp += float(v)
    return void


def cap_clawback(model, day: int, homes: np.ndarray, revenue, cost) -> np.ndarray:
    """Under a profit cap, income above the capped margin is returned to councils.

    Capped prices hold the margin at the cap only at reference occupancy; a fuller home would
    earn more, so its monthly income above cost / (1 - cap) is clawed back (the annual returns
    and "disguised profit" provisions of the Bill [pub]) and credited to the simulated councils
    by their children looked after. Returns each home's clawback this month.
    """
    from sim.records import ITEM_CLAWBACK

    pc = model.policy.profit_cap
    terms = pc.terms(day) if pc is not None else None
    out = np.zeros(len(homes))
    if terms is None or HOME not in terms.kinds:
        return out
    s = model.supply
    capped = s.sector[homes] != SECTOR_LA
    out = np.where(capped, np.maximum(0.0, revenue - cost / (1.0 - terms.max_margin)), 0.0)
    total = float(out.sum())
    stock = model.stock * model.is_sim
    if total > 0 and stock.sum() > 0:
        for h, v in zip(homes[out > 0], out[out > 0], strict=True):
            model.providers[int(s.provider[h])].revenue_gbp -= float(v)
        for la in np.flatnonzero(stock):
            amount = -total * stock[la] / stock.sum()
            model.ledger.add(day, int(la), amount, item=ITEM_CLAWBACK, kind=HOME)
            model.councils[int(la)].pay(amount)
    return out


def children_by_unit(model, units: np.ndarray) -> dict[int, list]:
    """Children now in each of ``units`` (in child-id order)."""
    want = {int(u) for u in units}
    out: dict[int, list] = {}
    for cid in sorted(model.children):
        c = model.children[cid]
        if c.unit in want:
            out.setdefault(c.unit, []).append(c)
    return out


def move_out(model, child: Child, day: int, reason: str) -> None:
    """The child's placement ends now for ``reason`` (a closure); it is searched for today."""
    model.planned.pop(child.cid, None)
    child.prev_unit = child.unit
    model.release(child, day)
    child.move_rpc = RPC[reason]
    child.version += 1  # cancels the placement's pending event
    model.urgent.append(child.cid)


def cap_exits(model, day: int) -> None:
    """Under a profit cap, providers whose required margin is above it wind down."""
    pc = model.policy.profit_cap
    if pc is None or not pc.exits(day):
        return

    roles = {"home_group"} | ({"ifa"} if pc.cfg.include_ifa else set())
    roles |= {"supported"} if pc.cfg.include_supported else set()
    cand = np.array(
        [p.index for p in model.providers if p.sector != SECTOR_LA and p.role in roles],
        dtype=np.int64,
    )
    leave = cand[pc.leaving(cand)]
    for pi in leave:
        model.providers[int(pi)].exited = True
        model.exited_providers.add(int(pi))
    s = model.supply
    n = s.n
    kinds = list(pc.terms(day).kinds)
    units = np.flatnonzero(s.open[:n] & np.isin(s.provider[:n], leave) & np.isin(s.kind[:n], kinds))
    s.matchable[units] = False
    for u in units[s.occupied[units] + s.reserved[units] == 0]:
        s.close(int(u), day)
    carers = units[s.kind[units] == IFA]
    join = carers[keyed_uniforms("cap_carers_join", model.cfg.seed, model.rep, carers) < 0.5]
    lag = int(model.p.supply.approval_lag_days)
    for la, k in zip(*np.unique(s.la[join], return_counts=True), strict=True):
        model.foster_pipeline.add(model.councils[int(la)].provider, day + lag, int(la), int(k))
    model.counters["providers_exited_cap"] = len(leave)


def public_homes(model, day: int) -> None:
    """Start building new public homes (capital paid) and open those whose lead time is over."""
    from sim.records import ITEM_CAPITAL

    ph = model.policy.public_homes
    if ph is None:
        return
    for la in ph.builds(day, model):
        amount = ph.cfg.capital_gbp_per_home
        model.ledger.add(day, la, amount, item=ITEM_CAPITAL, kind=HOME)
        model.councils[la].pay(amount)
        ph.commission(day, la)
    prng = model.streams["policy"]
    for la in ph.opening(day):
        d = model.geo.sample_district(la, prng.random())
        price = ph.cfg.running_cost_gbp_place_week
        unit = add_units(
            model,
            [f"PUBH{len(model.public_units) + 1:05d}"],
            HOME,
            la,
            d,
            SECTOR_LA,
            model.councils[la].provider,
            ph.cfg.places_per_home,
            8,
            17,
            2,
            1,
            price,
            price,
            day,
        )
        model.supply.public[unit] = True
        model.public_units.append(int(unit[0]))


def group_failures(model, day: int) -> None:
    """Large children's-home groups fail at their hazard (and on a stress-test date).

    The large groups and which of them are leveraged are fixed in the first month; each month
    every large group draws its own uniform (so a lever changing the hazard changes which
    groups fail, not the luck of the others).
    """
    sp = model.p.supply
    policy = model.policy
    groups = model.home_groups
    groups.rank(model)
    order = groups.large
    mult, transfer = 1.0, sp.failure_transfer_share
    if policy.financial_oversight is not None:
        terms = policy.financial_oversight.failure_terms(day)
        if terms is not None:
            mult, transfer = terms
    rate = np.where(groups.leveraged, sp.group_failure_rate_leveraged, sp.group_failure_rate_other)
    p = 1.0 - np.exp(-rate * mult / 12.0)
    u = keyed_uniforms(f"group_failure:{day}", model.cfg.seed, model.rep, order)
    failing = [int(g) for g in order[u < p]]
    if policy.provider_collapse is not None:
        rank = policy.provider_collapse.due(day)
        if rank is not None and rank <= len(groups.by_size):
            failing.append(int(groups.by_size[rank - 1]))
    for g in sorted(set(failing)):
        if not model.providers[g].failed:
            fail_group(model, g, day, transfer)


def fail_group(model, g: int, day: int, transfer_share: float) -> None:
    """Provider group ``g`` fails: a share of its homes pass to a buyer, the rest close now.

    Children in closing homes move at once (REASON_PLACE_CHANGE CLOSE) and are searched for
    the same day; those in transferred homes stay (payments go to the buyer).
    """
    pv = model.providers[g]
    pv.failed = pv.exited = True
    model.exited_providers.add(g)
    model.counters["group_failures"] += 1
    s = model.supply
    n = s.n
    units = np.flatnonzero(s.open[:n] & (s.provider[:n] == g))
    u = keyed_uniforms("failure_transfer", model.cfg.seed, model.rep, units)
    moving, closing = units[u < transfer_share], units[u >= transfer_share]
    by_unit = children_by_unit(model, units)
    if len(moving):
        buyer = new_provider(model, f"Buyer of {pv.name}", SECTOR_PRIVATE, "home_group")
        s.provider[moving] = buyer.index
        for unit in moving:
            for c in by_unit.get(int(unit), []):
                c.payee = buyer.index
        model.counters["homes_transferred"] += len(moving)
    s.matchable[closing] = False
    for unit in closing:
        for c in by_unit.get(int(unit), []):
            move_out(model, c, day, "CLOSE")
        if s.open[unit]:
            s.close(int(unit), day)
    model.counters["homes_closed_by_failure"] += len(closing)


def enforcement(model, day: int) -> None:
    """Ofsted investigates unregistered settings: each is fined, and registers or closes."""
    oe = model.policy.ofsted_enforcement
    if oe is None:
        return
    p = oe.monthly_probability(day)
    if p <= 0:
        return
    s = model.supply
    n = s.n
    units = np.flatnonzero(s.open[:n] & (s.kind[:n] == UNREG))
    hit = units[keyed_uniforms(f"investigation:{day}", model.cfg.seed, model.rep, units) < p]
    if len(hit) == 0:
        return
    reg = keyed_uniforms("registers", model.cfg.seed, model.rep, hit) < oe.cfg.register_share
    by_unit = children_by_unit(model, hit)
    prng = model.streams["policy"]
    for unit, registers in zip(hit, reg, strict=True):
        unit = int(unit)
        model.counters["unregistered_investigated"] += 1
        model.counters["fines_gbp"] += oe.cfg.fine_gbp
        model.providers[int(s.provider[unit])].cost_gbp += oe.cfg.fine_gbp
        kids = by_unit.get(unit, [])
        if registers:
            prov = new_provider(model, f"Registered setting {unit}", SECTOR_PRIVATE, "home_group")
            new = add_homes(
                model,
                prng,
                [f"REGH{unit}"],
                np.array([int(s.la[unit])]),
                np.array([SECTOR_PRIVATE]),
                np.array([prov.index]),
                np.array([max(REGISTERED_SETTING_PLACES, len(kids))]),
                HOME,
                grade=np.array([2], np.int8),
                day=day,
                min_age=np.array([0]),
            )
            for c in kids:
                c.move_rpc = RPC["PLACE"]  # the same carer, now registered
                model.place(c, int(new[0]), day, False, RNE["T"])
        else:
            for c in kids:
                move_out(model, c, day, "STAND")
            if s.open[unit]:
                s.close(unit, day)
