"""Building the world at day 0: which councils it simulates, its councils, providers and RCCs.

This module owns the pieces of a world that are not supply or children: which councils it
simulates, its councils and their in-house services, RCCs where pooled commissioning is on, the
demand from councils outside a regional world, each LA's entry rate and exit factors. Each
returns what it builds; ``PlacementModel.build_world`` calls them in order and keeps the
results (the initial supply is ``sim.world.supply``'s, the initial children
``sim.world.children``'s or, from an observed extract, ``sim.world.observed``'s). Nothing
here runs after day 0.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.agents.councils import Council
from sim.agents.rcc import RCC
from sim.config import ConfigError, WorldName
from sim.records import (
    DAYS_PER_YEAR,
    HOME,
    IFA,
    SA,
    SECTOR_LA,
    SECURE,
)
from sim.supply.units import new_provider
from sim.world import uasc

TINY_LAS = ["E08000002", "E08000009", "E08000007"]  # Bury, Trafford, Stockport


def check_world(world, geo) -> None:
    """Raise ``ConfigError`` if the world names an unknown LA (before anything runs)."""
    simulated_las(world, geo)


def simulated_las(w, geo) -> np.ndarray:
    """Indices of LAs whose children the world ``w`` simulates."""
    las = geo.las
    if w.las and w.name not in (WorldName.custom, WorldName.tiny):
        raise ConfigError(
            f"world.las is read only with world=custom (or tiny); world={w.name.value} has its"
            f" own councils. For these councils alone: world=custom world.las=[{','.join(w.las)}]"
        )
    if w.name == WorldName.england:
        sel = np.flatnonzero(las["cla_2025"].to_numpy() > 0)
    elif w.name in (WorldName.greater_manchester, WorldName.south_east):
        sel = np.flatnonzero((las["rcc_pathfinder"] == w.name.value).to_numpy())
    else:
        codes = list(w.las) or (TINY_LAS if w.name == WorldName.tiny else [])
        if not codes:
            raise ConfigError("world.las is empty: a custom world needs a list of LA codes")
        try:
            sel = geo.la_indices(codes)
        except KeyError as e:
            raise ConfigError(
                f"world.las: unknown LA code {e.args[0]!r}; expected an ONS code such as"
                " E08000003 (see sim/data/las.csv)"
            ) from None
    return np.sort(sel)


def simulated_mask(sim_las: np.ndarray, n_la: int) -> np.ndarray:
    """By LA: True for the councils whose children the world simulates."""
    is_sim = np.zeros(n_la, bool)
    is_sim[sim_las] = True
    return is_sim


def world_share_of_cla(geo, is_sim: np.ndarray, scale: float) -> float:
    """The world's share of England's children looked after at 31 March 2025, times the scale."""
    cla = geo.las["cla_2025"].to_numpy(float)
    return float(cla[is_sim].sum() / cla.sum()) * scale


def build_rccs(model) -> list:
    """An RCC agent for each pooled-commissioning region (none when the lever is off).

    Its running cost is the lever's cost per child looked after a year times its members'
    children at 31 March 2025.
    """
    pooled = model.policy.pooled_commissioning
    if pooled is None:
        return []
    cla = model.geo.las["cla_2025"].to_numpy(float)
    rccs = []
    for k, name in enumerate(pooled.names):
        members = np.flatnonzero(pooled.all_rcc_of_la == k)
        cost = pooled.cfg.running_cost_gbp_per_cla_year * float(cla[members].sum())
        rcc = RCC(
            model,
            name,
            members.tolist(),
            cost,
            index=k,
            block_share=pooled.cfg.block_share,
            market_shaping=pooled.cfg.market_shaping,
        )
        rccs.append(rcc)
    return rccs


def build_councils(model, is_sim: np.ndarray) -> list:
    """A council agent for every LA in England, each with its in-house provider (and RCC)."""
    geo = model.geo
    mp = model.p.matching
    councils = []
    for i in range(geo.n_la):
        row = geo.las.iloc[i]
        c = Council(
            model,
            i,
            row["ons_code"],
            row["la_name"],
            int(geo.region_of[i]),
            bool(is_sim[i]),
            mp.radius_km,
            mp.own_provision_bonus,
        )
        councils.append(c)
        p = new_provider(
            model,
            f"{row['la_name']} Council",
            SECTOR_LA,
            "council",
            la=i,
            region=int(geo.region_of[i]),
        )
        c.provider = p.index
        if model.rccs:
            k = int(model.policy.pooled_commissioning.all_rcc_of_la[i])
            c.rcc = model.rccs[k] if k >= 0 else None
    return councils


def supply_keep(world, is_sim: np.ndarray) -> np.ndarray:
    """By LA: the share of its supply the world represents, times the world's scale.

    All of it in the simulated councils, ``world.external_supply_share`` outside them.
    """
    return np.where(is_sim, 1.0, world.external_supply_share) * world.scale


def observed_extract(data: dict):
    """The observed extract passed with the world data (``world.observed``)."""
    ex = data.get("observed")
    if ex is None:
        raise ConfigError(
            "world.observed is set but no extract was passed: build the world data with"
            " sim.io.outputs.world_data(cfg)"
        )
    return ex


# Share of places of each kind filled at any time (in-house carers serve only their own
# council, so they carry no background demand): homes 9,480 children in ~14,300 places
# [file]/[pub]; IFA and supported accommodation: assumption.
BACKGROUND_OCCUPANCY = {IFA: 0.8, HOME: 0.7, SECURE: 0.9, SA: 0.76}


# Distance scale of demand for a place, km: assumption (the median placement is ~10 km from
# home, 22% are over 32 km [file] DfE 2025).
DEMAND_KERNEL_KM = 40.0


def background_demand(model, is_sim: np.ndarray, rng) -> None:
    """Reserve the places that councils outside a regional world would hold in its area.

    In a world that simulates only some councils, a place in a simulated council's area is
    also sought by the neighbouring councils that are not simulated. Each unit there reserves
    a share of its places equal to its kind's usual occupancy times the share of nearby demand
    (children looked after, weighted by exp(-distance / 40 km)) that comes from councils
    outside the world. England has no reserved places. Reserved places pay the list price.
    """
    if is_sim.all():
        return
    geo = model.geo
    cla = geo.las["cla_2025"].to_numpy(float)
    k = np.exp(-geo.dist_la / DEMAND_KERNEL_KM)  # k[a, b]: demand of a on places in b
    total = (cla[:, None] * k).sum(axis=0)
    inside = ((cla * is_sim)[:, None] * k).sum(axis=0)
    outside_share = 1.0 - np.divide(inside, total, out=np.ones_like(total), where=total > 0)
    s = model.supply
    n = s.n
    units = np.flatnonzero(is_sim[s.la[:n]])
    for kind, occ in BACKGROUND_OCCUPANCY.items():
        u = units[s.kind[units] == kind]
        expected = s.capacity[u] * occ * outside_share[s.la[u]]
        base = np.floor(expected)
        s.reserved[u] = (base + (rng.random(len(u)) < expected - base)).astype(np.int64)


def entry_rates(model, is_sim: np.ndarray) -> tuple[tuple, np.ndarray, np.ndarray]:
    """Arrivals per day per LA from its 2024-25 starts, and who they are.

    Each council's starts are split (``uasc.entry_split``) into children who are not
    unaccompanied, who arrive in sibling groups (divided by the groups' mean size), and
    unaccompanied children, who arrive alone where they present (or are transferred in from
    councils outside the world).

    Returns:
        The cumulative shares of the entry age bands (non-UASC, UASC), the arrivals a day by
        LA, and each LA's arrivals' shares (rows: not unaccompanied; unaccompanied arriving
        at the port; arriving elsewhere; transferred in from outside the world).
    """
    ep = model.p.entry
    split = uasc.entry_split(model.geo.las, is_sim, ep)
    uasc_bands = np.array([0, 0, 0, 1 - ep.uasc_share_16plus, ep.uasc_share_16plus])
    terms = entry_terms(ep, ep.age_share, ep.uasc_share)
    age_cum = (np.cumsum(terms.non_uasc_age), np.cumsum(uasc_bands))
    per_day = model.cfg.world.scale * ep.rate_multiplier / DAYS_PER_YEAR
    parts = np.vstack(
        (
            split.non_uasc / (1.0 + terms.siblings),
            split.port,
            split.presenting,
            split.transfers_in,
        )
    )
    rate = parts.sum(axis=0)
    mix = np.divide(parts, rate, out=np.zeros_like(parts), where=rate > 0)
    mix[0, rate <= 0] = 1.0
    return age_cum, rate * per_day, mix


@dataclass(frozen=True)
class EntryTerms:
    """What a year's starts make of arrivals (a child alone or a sibling group).

    Attributes:
        non_uasc_age: non-UASC entrants' shares by age band (all starts' less the UASC).
        arrival_share: the share of arrivals that are UASC (who come alone).
        mean_size: children per arrival, 1 + (1 - a) K, K siblings per non-UASC arrival.
        siblings: K.
    """

    non_uasc_age: np.ndarray
    arrival_share: float
    mean_size: float
    siblings: float


def entry_terms(ep, age_share, child_share: float) -> EntryTerms:
    """``EntryTerms`` of starts with shares ``age_share`` by band, ``child_share`` of them UASC.

    UASC are ``ep.uasc_share_16plus`` aged 16-17, the rest 10-15. Non-UASC children under 16
    enter with siblings at ``ep.sibling_group_share`` (a group of three at
    ``ep.sibling_group_of_three``, else two), so K = (share under 16) x that x (1 + threes).
    UASC arrive alone, so u = a / (1 + (1 - a) K), solved for a: a = u (1 + K) / (1 + u K).
    """
    uasc_bands = np.array([0, 0, 0, 1 - ep.uasc_share_16plus, ep.uasc_share_16plus])
    non = np.clip(np.array(age_share, float) - child_share * uasc_bands, 0, None)
    non = non / non.sum()
    k = non[:4].sum() * ep.sibling_group_share * (1 + ep.sibling_group_of_three)
    a = child_share * (1 + k) / (1 + child_share * k)
    return EntryTerms(non, a, 1 + (1 - a) * k, k)


def la_exit_factors(model, is_sim: np.ndarray) -> np.ndarray:
    """``exit_factors`` of the councils, the port's expected transfers out taken from ceased."""
    split = uasc.entry_split(model.geo.las, is_sim, model.p.entry)
    return exit_factors(model.geo.las, split.transfers_out)


def nts_terms(model, is_sim: np.ndarray):
    """The National Transfer Scheme's terms (``uasc.nts_terms``) at ``params.entry``'s quota."""
    q = model.p.entry.nts_quota_per_child
    due = np.zeros(model.geo.n_la)
    return uasc.nts_terms(model.geo.las, is_sim, q, model.cfg.world.scale, due)


def exit_factors(las, transfers_out: np.ndarray | None = None) -> np.ndarray:
    """Each council's exit propensity relative to England's, from its observed turnover.

    Factor = (ceased 2024-25 / CLA at 31 March 2025) of the council over the same ratio for
    England [file] DfE 2025, clipped to [0.5, 2]; councils with many short-staying children
    leave care faster. DfE's ceased count the National Transfer Scheme's transfers, which the
    model makes as transfers (``transfers_out``, ``uasc.entry_split``), so they are taken out
    of the council's own; England's ratio stays the published one, so that councils without
    transfers keep the factors the exit parameters were fitted with. Stays (not 18th
    birthdays) are divided by the factor.
    """
    cla = las["cla_2025"].to_numpy(float)
    ceased = las["ceased_2025"].to_numpy(float)
    national = ceased.sum() / cla.sum()
    if transfers_out is not None:
        ceased = np.clip(ceased - transfers_out, 0.0, None)
    ratio = np.divide(ceased, cla, out=np.full_like(cla, national), where=cla > 20)
    return np.clip(ratio / national, 0.5, 2.0)
