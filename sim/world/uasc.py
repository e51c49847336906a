"""Where unaccompanied children arrive, and the National Transfer Scheme's terms by council.

This module owns the world-building side of unaccompanied children (docs/facts.md §1.9): each
council's 2024-25 starts split into children who are not unaccompanied and unaccompanied
children presenting there (``entry_split``: most at the port council, Kent, the rest in
proportion to child population), the transfers that carry the rest of DfE's UASC starts, and
the scheme's quotas and rota by region (``nts_terms``). The compiled rules are in
``sim.population.transfers``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.config.checks import ConfigError
from sim.population import transfers
from sim.world.years import LAST_YEAR

# The first year to 31 March that ``params.entry.nts_referral_share`` gives.
FIRST_SHARE_YEAR = 2022


@dataclass(frozen=True)
class EntrySplit:
    """Each council's starts a year in 2024-25, split by who they are (``entry_split``).

    Attributes:
        non_uasc: children who are not unaccompanied starting in care, by LA.
        port: unaccompanied children presenting at the port council (zero elsewhere).
        presenting: unaccompanied children presenting at the other councils.
        transfers_in: unaccompanied children transferred in from councils outside the world.
        transfers_out: unaccompanied children expected to be transferred out, by LA.
    """

    non_uasc: np.ndarray
    port: np.ndarray
    presenting: np.ndarray
    transfers_in: np.ndarray
    transfers_out: np.ndarray


def port_index(las, ep) -> int:
    """The row of ``params.entry.uasc_port_la`` in ``las``; refuses a name that is no council."""
    hit = np.flatnonzero(las["la_name"].to_numpy() == ep.uasc_port_la)
    if len(hit) != 1:
        raise ConfigError(
            f"params.entry.uasc_port_la={ep.uasc_port_la!r} is not a council; expected a"
            " name from sim/data/las.csv (e.g. 'Kent')"
        )
    return int(hit[0])


def by_year(shares, year: int) -> float:
    """The share for the year to 31 March ``year`` of a list for 2022 to 2025.

    Earlier years take 2022's, later years 2025's.
    """
    return float(shares[min(max(year - FIRST_SHARE_YEAR, 0), len(shares) - 1)])


def flows(ep, year: int, uasc_starts: float) -> tuple[float, float, float]:
    """England's unaccompanied arrivals at the port, elsewhere, and transfers, in a year.

    England's UASC starts U are arrivals A plus transfers T, since DfE counts a transferred
    child as starting again in the second council. The port council takes a share w of
    arrivals and transfers a share f of them, and the transfers come from it alone:
    T = f w A, so A = U / (1 + f w) (w and f that year's, ``params.entry``).
    """
    w = by_year(ep.uasc_port_share, year)
    f = by_year(ep.nts_referral_share, year)
    arrivals = uasc_starts / (1.0 + f * w)
    return w * arrivals, (1.0 - w) * arrivals, f * w * arrivals


def entry_split(las, is_sim: np.ndarray, ep) -> EntrySplit:
    """Each council's 2024-25 starts split into non-UASC starts, arrivals and transfers.

    England's flows (``flows``, UASC starts ``ep.uasc_share`` of all starts): the other
    councils take the arrivals not at the port and receive the transfers, each in proportion
    to its child population (the scheme's aim). A council's non-UASC starts are its observed
    starts less its UASC starts (arrivals and transfers in), at least zero. In a world of
    some councils, a simulated council receives the transfers from councils outside it as
    arrivals (``transfers_in``); the port's referrals to councils outside leave the world.
    """
    starts = las["starts_2025"].to_numpy(float)
    pop = las["pop_0_17"].to_numpy(float)
    port_i = port_index(las, ep)
    at_port, elsewhere, transfers_all = flows(ep, LAST_YEAR, ep.uasc_share * starts.sum())
    others = pop.copy()
    others[port_i] = 0.0
    share = others / others.sum()
    port = np.zeros_like(starts)
    port[port_i] = at_port
    presenting = elsewhere * share
    received = transfers_all * share
    non_uasc = np.clip(starts - port - presenting - received, 0.0, None)
    out = np.zeros_like(starts)
    out[port_i] = transfers_all
    from_outside = 0.0 if is_sim[port_i] else transfers_all
    return EntrySplit(
        non_uasc=non_uasc * is_sim,
        port=port * is_sim,
        presenting=presenting * is_sim,
        transfers_in=from_outside * share * is_sim,
        transfers_out=out,
    )


def uasc_factors(ep, year: int, uasc_starts: float, uasc_starts_last: float) -> np.ndarray:
    """Arrivals at the port, other arrivals and transfers in a year, relative to 2024-25's.

    ``flows`` of the year to 31 March ``year``; the UASC starts in any common unit.
    """
    now = np.array(flows(ep, year, uasc_starts))
    last = np.array(flows(ep, LAST_YEAR, uasc_starts_last))
    return np.divide(now, last, out=np.ones(3), where=last > 0)


def stock_factors(las, cla: np.ndarray) -> np.ndarray:
    """Each council's factor on England's UASC share of its children in care at the start.

    The scheme shares unaccompanied children in proportion to child population, so a
    council's UASC in care are taken in proportion to its child population (assumption; DfE's
    counts by council are not embedded): its UASC share of children in care is England's
    times (its children per child in care) over England's.
    """
    pop = las["pop_0_17"].to_numpy(float)
    national = pop.sum() / cla.sum()
    return np.divide(pop / national, cla, out=np.zeros_like(pop), where=cla > 0)


def referral_share(ep, year: int) -> float:
    """The share of arrivals over a quota transferred in the year to 31 March ``year``.

    From ``params.entry.nts_referral_share``.
    """
    return by_year(ep.nts_referral_share, year)


def rota_regions(las) -> np.ndarray:
    """Each council's region on the scheme's rota: the nine English regions, London one."""
    names = [
        "London" if r in ("Inner London", "Outer London") else r for r in las["region"].tolist()
    ]
    order = sorted(set(names))
    return np.array([order.index(n) for n in names], np.int64)


def nts_terms(las, is_sim: np.ndarray, quota_per_child: float, scale: float, due) -> transfers.Nts:
    """The scheme's terms by council and region.

    Quotas (``quota_per_child`` of each council's children, times the world's ``scale``),
    the rota's regions by share of England's children, and the share of each region's
    children in simulated councils. ``due`` is the model's count of children referred to
    each council and not yet transferred (shared, so the lever's terms see it).
    """
    pop = las["pop_0_17"].to_numpy(float)
    region = rota_regions(las)
    n_reg = int(region.max()) + 1
    by_region = np.bincount(region, weights=pop, minlength=n_reg)
    simulated = np.bincount(region, weights=pop * is_sim, minlength=n_reg)
    return transfers.Nts(
        quota=quota_per_child * pop * scale,
        is_sim=np.asarray(is_sim, np.bool_),
        region=region,
        region_cum=np.cumsum(by_region) / by_region.sum(),
        region_sim_share=simulated / by_region,
        due=due,
    )
