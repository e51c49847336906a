"""Money: billing a placement into the ledger, releasing a unit, the year's accounts.

This module owns every payment of a placement (``bill``: the council's spend, the payee's
revenue, a ledger row), the release of a unit when a child leaves it (closing a kinship
household or unregistered setting left empty, or a unit winding down) and the accounts
(``Accounts``: providers' revenue and costs, councils' spend this financial year).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from sim.population.table import (
    C_BILLED_TO,
    C_CID,
    C_KIND,
    C_LA,
    C_PAYEE,
    C_UNIT,
    CF_EXTRA_COST,
    CF_PRICE,
)
from sim.records import (
    ITEM_PLACEMENT,
    KIN,
    L_AMOUNT,
    L_CHILD,
    L_DAY,
    L_DAYS,
    L_ITEM,
    L_KIND,
    L_PAYEE,
    L_PAYER_LA,
    L_UNIT,
    UNREG,
)


@njit(cache=True)
def bill(tab, books, logs, r, day):
    """Bill row ``r``'s placement from its ``billed_to`` day to ``day`` into the ledger."""
    ti, tf = tab.I, tab.F
    days = day - ti[r, C_BILLED_TO]
    if days <= 0 or ti[r, C_UNIT] < 0:
        ti[r, C_BILLED_TO] = max(ti[r, C_BILLED_TO], day)
        return
    amount = tf[r, CF_PRICE] * days / 7.0
    L, ln = logs.ledger, logs.n_ledger
    k = ln[0]
    la, payee = ti[r, C_LA], ti[r, C_PAYEE]
    L[k, L_DAY] = day
    L[k, L_PAYER_LA] = la
    L[k, L_PAYEE] = payee
    L[k, L_UNIT] = ti[r, C_UNIT]
    L[k, L_CHILD] = ti[r, C_CID]
    L[k, L_KIND] = ti[r, C_KIND]
    L[k, L_DAYS] = days
    L[k, L_AMOUNT] = amount
    L[k, L_ITEM] = ITEM_PLACEMENT
    ln[0] = k + 1
    books.revenue[payee] += amount
    books.spend[la] += amount
    ti[r, C_BILLED_TO] = day


@njit(cache=True)
def release(tab, sup, books, logs, r, day):
    """End row ``r``'s occupation of its unit (billing it); the episode is closed elsewhere."""
    ti, tf = tab.I, tab.F
    u = ti[r, C_UNIT]
    if u >= 0:
        bill(tab, books, logs, r, day)
        occupied, reserved = sup.occupied, sup.reserved
        open_, matchable, close_day = sup.open, sup.matchable, sup.close_day
        occupied[u] -= 1
        if occupied[u] < 0:
            raise RuntimeError("unit occupancy below zero")
        sup.income_rate[u] -= tf[r, CF_PRICE]
        sup.extra_cost_rate[u] -= tf[r, CF_EXTRA_COST]
        kind = ti[r, C_KIND]
        if kind == KIN or kind == UNREG:
            if occupied[u] == 0:
                open_[u] = False
                close_day[u] = day
        elif not matchable[u] and occupied[u] + reserved[u] == 0 and open_[u]:
            open_[u] = False  # a home winding down, a carer who stopped
            close_day[u] = day
    ti[r, C_UNIT] = -1
    ti[r, C_KIND] = -1
    tf[r, CF_PRICE] = 0.0
    tf[r, CF_EXTRA_COST] = 0.0


@njit(cache=True)
def bill_rows(tab, books, logs, rows, day):
    """Bill each of ``rows``' placements to ``day``, in order (the year-end billing)."""
    for j in range(len(rows)):
        bill(tab, books, logs, rows[j], day)


class Accounts:
    """Money this financial year: providers' revenue and costs, councils' spend (£).

    Arrays, so that the kernels post payments where the agents read them
    (``Provider.revenue_gbp``, ``Provider.cost_gbp``, ``Council.spend_gbp``) and a month's
    costs are posted in one call; a provider's sector and LA (who owns a unit, as the kernels
    see it).
    """

    def __init__(self, n_la: int) -> None:
        self.spend = np.zeros(n_la)
        self.sector = np.zeros(64, np.int64)
        self.la = np.zeros(64, np.int64)
        self.revenue = np.zeros(64)
        self.cost = np.zeros(64)
        self.n_providers = 0

    def add_provider(self, sector: int, la: int) -> int:
        """Open a provider's account; returns its index."""
        i = self.n_providers
        if i >= len(self.revenue):
            for name in ("sector", "la", "revenue", "cost"):
                old = getattr(self, name)
                new = np.zeros(2 * len(old), old.dtype)
                new[: len(old)] = old
                setattr(self, name, new)
        self.sector[i] = sector
        self.la[i] = la
        self.n_providers = i + 1
        return i
