"""Providers: the agents that own placement units and decide to recruit, open and close.

This module owns provider behaviour (docs/design.md §2, §3.5): council fostering services and IFAs
recruit foster households (approval after a lag, faster when occupancy is high) and lose them
(empty households retire; occupied ones rarely resign); children's-home operators review their
homes' margins monthly and close loss-making or failing homes (to new placements at once, for
good when empty, or at once if inadequate), and open new homes after a registration lag where
margins and demand are high. Hot state lives in the ``SupplyRegistry``; a provider keeps its
identity, sector, region and money. A month's foster recruitment over every service, and the
draws of new households, are compiled (``recruit_month``, ``foster_draws``), taking the supply
stream's draws service by service; the approvals waiting out their lag are rows of a
``FosterPipeline`` (``Provider.pending`` reads a provider's).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import mesa
import numpy as np
from numba import njit

from sim.geography import districts_of
from sim.records import SECTOR_LA


@dataclass
class PendingUnits:
    """Units a provider will open on ``day`` (approval or registration lag)."""

    day: int
    la: int
    n: int


class Provider(mesa.Agent):
    """An organisation owning placement units: a council, an IFA, a home group, an SA provider.

    Attributes:
        name: organisation name (Ofsted operator, council name or a generated name).
        sector: 0 council, 1 private, 2 voluntary.
        role: "council", "ifa", "home_group", "supported", "unregistered".
        la: home LA of a council provider (-1 otherwise).
        region: region index where it operates (-1 for national groups).
        pending: approvals or registrations in the pipeline.
        revenue_gbp, cost_gbp: money earned and spent in the current financial year.
    """

    def __init__(
        self, model: mesa.Model, name: str, sector: int, role: str, la: int = -1, region: int = -1
    ) -> None:
        super().__init__(model)
        self.name = name
        self.sector = sector
        self.role = role
        self.la = la
        self.region = region
        self.pipeline: FosterPipeline | None = None  # the model's, once it recruits
        self._revenue = 0.0
        self._accounts = None  # the model's ``Accounts`` once listed (``open_account``)
        self._cost = 0.0
        self.index = -1  # position in the model's provider list (payee id in the ledger)
        self.exited = False  # left the market (e.g. under a profit cap): recruits no more
        self.failed = False  # the group failed (its homes closed or were transferred)

    def open_account(self, accounts) -> None:
        """List the provider in the model's ``Accounts``: its index is its payee id."""
        self.index = accounts.add_provider(self.sector, self.la)
        accounts.revenue[self.index] = self._revenue
        accounts.cost[self.index] = self._cost
        self._accounts = accounts

    @property
    def revenue_gbp(self) -> float:
        """Revenue this financial year, £ (kept in the model's accounts once listed)."""
        if self._accounts is None:
            return self._revenue
        return self._accounts.revenue.item(self.index)

    @revenue_gbp.setter
    def revenue_gbp(self, value: float) -> None:
        if self._accounts is None:
            self._revenue = value
        else:
            self._accounts.revenue[self.index] = value

    @property
    def cost_gbp(self) -> float:
        """Costs this financial year, £ (kept in the model's accounts once listed)."""
        if self._accounts is None:
            return self._cost
        return self._accounts.cost.item(self.index)

    @cost_gbp.setter
    def cost_gbp(self, value: float) -> None:
        if self._accounts is None:
            self._cost = value
        else:
            self._accounts.cost[self.index] = value

    @property
    def is_council(self) -> bool:
        """True for a council's own provision."""
        return self.sector == SECTOR_LA

    @property
    def pending(self) -> list[PendingUnits]:
        """Approvals of this provider in the pipeline, in order of approval."""
        return [] if self.pipeline is None else self.pipeline.of(self.index)

    def close_home(self, supply, unit: int, day: int) -> bool:
        """Close home ``unit`` (its owner's decision, taken this month): at once if empty.

        A home with children (or places other councils use) stops taking new children and
        closes when its last child leaves (``SupplyRegistry.release``). Returns whether it
        closed today.
        """
        if supply.occupied[unit] + supply.reserved[unit] == 0:
            supply.close(unit, day)
            return True
        supply.matchable[unit] = False  # winds down
        return False

    def close_year(self) -> None:
        """Close the financial year's books: revenue and costs start again from zero."""
        self.revenue_gbp = 0.0
        self.cost_gbp = 0.0


def approval_mean(
    approval_rate_year: float,
    households,
    occupancy,
    occupancy_ref: float,
    elasticity: float,
    uplift,
):
    """Mean monthly approvals of a foster service; arrays or scalars.

    Poisson with mean ``approval_rate_year / 12`` per household, scaled up by ``elasticity``
    per point of occupancy above ``occupancy_ref`` (services recruit harder when carers are
    full), times ``uplift`` (a recruitment hub; an agency's prospects under a profit cap, 0
    once it has left the market).
    """
    push = np.maximum(0.0, 1.0 + elasticity * (occupancy - occupancy_ref))
    return approval_rate_year / 12.0 * np.maximum(households, 1) * push * uplift


class FosterPipeline:
    """Approved foster households waiting out the approval lag, in order of approval.

    Rows (provider, day the households open, LA, households). The compiled monthly round
    (``recruit_month``) adds each service's approvals and takes a provider's entries due by
    the day in the order they were added, marking them taken (provider -1) for ``compact``.
    """

    def __init__(self, capacity: int = 256) -> None:
        self.rows = np.zeros((capacity, 4), np.int64)
        self.n = 0

    def reserve(self, k: int) -> None:
        """Make room for ``k`` more rows."""
        if self.n + k > len(self.rows):
            new = np.zeros((max(2 * len(self.rows), self.n + k), 4), np.int64)
            new[: self.n] = self.rows[: self.n]
            self.rows = new

    def add(self, provider: int, day: int, la: int, n: int) -> None:
        """Add ``n`` households of ``provider`` in ``la`` opening on ``day``."""
        self.reserve(1)
        self.rows[self.n] = (provider, day, la, n)
        self.n += 1

    def of(self, provider: int) -> list[PendingUnits]:
        """The entries of ``provider``, in order."""
        r = self.rows[: self.n]
        return [PendingUnits(int(d), int(la), int(k)) for _, d, la, k in r[r[:, 0] == provider]]

    def compact(self) -> None:
        """Drop the rows taken (provider -1), keeping the order of the rest."""
        r = self.rows[: self.n]
        keep = r[r[:, 0] >= 0]
        self.rows[: len(keep)] = keep
        self.n = len(keep)


@njit(cache=True)
def foster_draws(
    rng: np.random.Generator,
    n: int,
    la: np.ndarray,
    ifa: bool,
    homes: tuple,
    d_start: np.ndarray,
    d_cumw: np.ndarray,
    places_cdf: np.ndarray,
    ages_cdf: np.ndarray,
    skill_cdf: np.ndarray,
) -> tuple:  # pragma: no cover - compiled
    """Where ``n`` new foster households of LAs ``la`` live, and the draws of their terms.

    In the stream's order: the LA the carers live in (from ``homes``, the CSR of
    ``sim.supply.foster.carer_home_table``: (start, LAs, cumulative shares) per LA), the
    postcode district, the number of places, the ages taken, for an agency a price factor
    (standard normal), and the skill. Places, ages and skill are indices into their tables
    (weighted draws by bisecting the normalised cumulative shares ``*_cdf``, as numpy's
    ``Generator.choice`` does).

    Returns:
        (home LA, district, places index, ages index, skill, price normal) per household;
        the price normals are zeros for in-house carers.
    """
    h_start, h_la, h_cumw = homes
    u_home = rng.random(n)
    home = np.empty(n, np.int64)
    for i in range(n):
        s, e = h_start[la[i]], h_start[la[i] + 1]
        k = s + np.searchsorted(h_cumw[s:e], u_home[i], side="right")
        home[i] = h_la[min(k, e - 1)]
    district = districts_of(d_start, d_cumw, home, rng.random(n))
    places = np.searchsorted(places_cdf, rng.random(n), side="right")
    ages = np.searchsorted(ages_cdf, rng.random(n), side="right")
    z = rng.standard_normal(n) if ifa else np.zeros(n)
    skill = np.searchsorted(skill_cdf, rng.random(n), side="right")
    return home, district, places, ages, skill, z


# Columns of ``recruit_month``'s new households.
(H_LA, H_DISTRICT, H_PLACES, H_AGES, H_SKILL, H_PROVIDER, H_IFA) = range(7)


@njit(cache=True)
def recruit_month(
    rng: np.random.Generator,
    day: int,
    lag: int,
    services: np.ndarray,
    ifa: np.ndarray,
    approvals: np.ndarray,
    la_start: np.ndarray,
    las: np.ndarray,
    weights: np.ndarray,
    keep: np.ndarray,
    pipe: np.ndarray,
    n_pipe: int,
    n_providers: int,
    geo: tuple,
    cdfs: tuple,
) -> tuple:  # pragma: no cover - compiled
    """A month's foster recruitment for every service, in order.

    Each service's number of approvals (``approvals``) is the Poisson quantile of its keyed
    uniform (``poisson_quantiles`` of ``approval_mean``), so that a higher mean never gives
    fewer approvals than a lower one with the same uniform and paired scenarios differ by the
    lever only.

    For each service (``services``; ``approvals`` < 0 marks one that does not recruit this
    month): its approvals are shared among its LAs (``las[la_start[i]:la_start[i + 1]]``) by
    a multinomial draw with ``weights`` and enter ``pipe`` to open after ``lag`` days; then
    its entries due by ``day`` are taken in order, each giving an agency
    ``Poisson(households * keep[la])`` new households (a council its households as
    approved), drawn by ``foster_draws``. ``pipe`` (rows provider, day, LA, households; room
    for every approval reserved by the caller) is updated in place, taken rows marked
    provider -1.

    Returns:
        (rows of ``pipe`` in use, new households (columns ``H_*``), price normals).
    """
    homes, d_start, d_cumw = geo
    places_cdf, ages_cdf, skill_cdf = cdfs
    # Each provider's entries due today, in order: a linked list through ``nxt``.
    head = np.full(n_providers, -1, np.int64)
    tail = np.full(n_providers, -1, np.int64)
    nxt = np.full(len(pipe), -1, np.int64)
    for j in range(n_pipe):
        p = pipe[j, 0]
        if p >= 0 and pipe[j, 1] <= day:
            if head[p] < 0:
                head[p] = j
            else:
                nxt[tail[p]] = j
            tail[p] = j
    out = np.empty((64, 7), np.int64)
    out_z = np.empty(64)
    m = 0
    for i in range(len(services)):
        n = approvals[i]
        if n < 0:
            continue
        pi = services[i]
        s0, s1 = la_start[i], la_start[i + 1]
        if n > 0:
            # numpy's ``Generator.multinomial``: a binomial per category but the last.
            remaining = 1.0
            dn = n
            for c in range(s0, s1):
                if c == s1 - 1:
                    k = dn
                else:
                    k = rng.binomial(dn, weights[c] / remaining)
                    remaining -= weights[c]
                if k > 0:
                    pipe[n_pipe, 0] = pi
                    pipe[n_pipe, 1] = day + lag
                    pipe[n_pipe, 2] = las[c]
                    pipe[n_pipe, 3] = k
                    if lag <= 0:  # due at once
                        if head[pi] < 0:
                            head[pi] = n_pipe
                        else:
                            nxt[tail[pi]] = n_pipe
                        tail[pi] = n_pipe
                    n_pipe += 1
                dn -= k
                if dn <= 0:
                    break
        j = head[pi]
        while j >= 0:
            la = pipe[j, 2]
            k = rng.poisson(pipe[j, 3] * keep[la]) if ifa[i] else pipe[j, 3]
            pipe[j, 0] = -1
            if k > 0:
                if m + k > len(out):
                    grow = max(2 * len(out), m + k)
                    o2 = np.empty((grow, 7), np.int64)
                    o2[:m] = out[:m]
                    z2 = np.empty(grow)
                    z2[:m] = out_z[:m]
                    out, out_z = o2, z2
                home, district, places, ages, skill, z = foster_draws(
                    rng,
                    k,
                    np.full(k, la, np.int64),
                    ifa[i],
                    homes,
                    d_start,
                    d_cumw,
                    places_cdf,
                    ages_cdf,
                    skill_cdf,
                )
                for q in range(k):
                    out[m, H_LA] = home[q]
                    out[m, H_DISTRICT] = district[q]
                    out[m, H_PLACES] = places[q]
                    out[m, H_AGES] = ages[q]
                    out[m, H_SKILL] = skill[q]
                    out[m, H_PROVIDER] = pi
                    out[m, H_IFA] = ifa[i]
                    out_z[m] = z[q]
                    m += 1
            j = nxt[j]
        head[pi] = -1
    return n_pipe, out[:m], out_z[:m]


def poisson_quantiles(u: np.ndarray, lam: np.ndarray) -> np.ndarray:
    """``poisson_quantile`` of each pair of ``u`` and ``lam``."""
    out = _poisson_quantiles(np.asarray(u, np.float64), np.asarray(lam, np.float64))
    for i in np.flatnonzero(out < 0):  # beyond the summed terms' range: the normal approximation
        out[i] = poisson_quantile(float(u[i]), float(lam[i]))
    return out


@njit(cache=True)
def _poisson_quantiles(u: np.ndarray, lam: np.ndarray) -> np.ndarray:  # pragma: no cover
    """``poisson_quantile`` by summing terms, compiled; -1 where ``lam`` > 500."""
    out = np.zeros(len(u), np.int64)
    for i in range(len(u)):
        if lam[i] <= 0.0:
            continue
        if lam[i] > 500.0:
            out[i] = -1
            continue
        p = math.exp(-lam[i])
        cdf, k = p, 0
        while cdf < u[i] and k < 10_000:
            k += 1
            p *= lam[i] / k
            cdf += p
        out[i] = k
    return out


def poisson_quantile(u: float, lam: float) -> int:
    """Smallest k with P(Poisson(lam) <= k) >= u (inverse CDF by summing terms; lam < 700)."""
    if lam <= 0.0:
        return 0
    if lam > 500.0:  # e^-lam underflows: the normal approximation is exact enough there
        from statistics import NormalDist

        return max(0, round(lam + math.sqrt(lam) * NormalDist().inv_cdf(u)))
    p = math.exp(-lam)
    cdf, k = p, 0
    while cdf < u and k < 10_000:
        k += 1
        p *= lam / k
        cdf += p
    return k
