"""Providers: the agents that own placement units and decide to recruit, open and close.

This module owns provider behaviour (DESIGN §2, §3.5): council fostering services and IFAs
recruit foster households (approval after a lag, faster when occupancy is high) and lose them
(empty households retire; occupied ones rarely resign); children's-home operators review their
homes' margins monthly and close loss-making or failing homes (to new placements at once, for
good when empty, or at once if inadequate), and open new homes after a registration lag where
margins and demand are high. Hot state lives in the ``SupplyRegistry``; a provider keeps its
identity, sector, region and money.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import mesa
import numpy as np

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
        self.pending: list[PendingUnits] = []
        self._revenue = 0.0
        self._accounts = None  # the model's ``Accounts`` once listed (``open_account``)
        self.cost_gbp = 0.0
        self.index = -1  # position in the model's provider list (payee id in the ledger)
        self.exited = False  # left the market (e.g. under a profit cap): recruits no more
        self.failed = False  # the group failed (its homes closed or were transferred)

    def open_account(self, accounts) -> None:
        """List the provider in the model's ``Accounts``: its index is its payee id."""
        self.index = accounts.add_provider(self.sector, self.la)
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
    def is_council(self) -> bool:
        """True for a council's own provision."""
        return self.sector == SECTOR_LA

    def recruit(
        self,
        day: int,
        households: int,
        occupancy: float,
        occupancy_ref: float,
        approval_rate_year: float,
        elasticity: float,
        lag_days: float,
        rng: np.random.Generator,
        las: np.ndarray,
        la_weights: np.ndarray,
        uplift: float = 1.0,
        u: float | None = None,
    ) -> int:
        """Start a month's foster recruitment: approvals arrive after ``lag_days``.

        The monthly number of approvals is Poisson with mean ``approval_rate_year / 12`` per
        household, scaled up by ``elasticity`` per point of occupancy above ``occupancy_ref``
        (services recruit harder when carers are full), times ``uplift`` (a recruitment hub;
        an agency's prospects under a profit cap). Given ``u``, the count is the Poisson
        quantile of ``u`` (a keyed uniform): a higher mean then never gives fewer approvals
        than a lower one with the same ``u``, so paired scenarios differ by the lever only.

        Returns:
            The number of households entering the pipeline.
        """
        push = max(0.0, 1.0 + elasticity * (occupancy - occupancy_ref))
        lam = approval_rate_year / 12.0 * max(households, 1) * push * uplift
        n = int(rng.poisson(lam)) if u is None else poisson_quantile(u, lam)
        if n:
            counts = rng.multinomial(n, la_weights)
            for la, k in zip(las, counts, strict=True):
                if k:
                    self.pending.append(PendingUnits(day + int(lag_days), int(la), int(k)))
        return n

    def due(self, day: int) -> list[PendingUnits]:
        """Pop the pipeline entries due by ``day``."""
        ready = [p for p in self.pending if p.day <= day]
        if ready:
            self.pending = [p for p in self.pending if p.day > day]
        return ready


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
