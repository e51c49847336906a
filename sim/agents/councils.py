"""Councils: the responsible authorities that commission placements and pay for them.

This module owns the Council agent (docs/design.md §2): its LA, region, whether its children are
simulated, how it commissions (search radius, the weight it puts on its own provision, which
RCC if any commissions for it) and its money (spend in the financial year, budget). Its yearly
planning sets next year's budget from this year's spend.
"""

from __future__ import annotations

import mesa
import numpy as np


class Council(mesa.Agent):
    """A children's services authority.

    Attributes:
        la: LA index; code: ONS code; name: LA name; region: region index.
        simulated: its children are in the model (else only its supply is).
        radius_km: first search radius; own_bonus: weight on its own provision (search order).
        rcc: the RCC commissioning for it, or None.
        spend_gbp: payments this financial year; budget_gbp: this year's budget.
        provider: index of its own provider (in-house fostering, kinship, its homes).
    """

    def __init__(
        self,
        model: mesa.Model,
        la: int,
        code: str,
        name: str,
        region: int,
        simulated: bool,
        radius_km: float,
        own_bonus: float,
    ) -> None:
        super().__init__(model)
        self.la = la
        self.code = code
        self.name = name
        self.region = region
        self.simulated = simulated
        self.radius_km = radius_km
        self.own_bonus = own_bonus
        self.rcc = None
        accounts = getattr(model, "accounts", None)
        # This year's spend: the model's accounts (where the compiled billing posts it).
        self._spend = accounts.spend if accounts is not None else np.zeros(la + 1)
        self.budget_gbp = 0.0
        self.provider = -1
        self.history: list[float] = []

    @property
    def spend_gbp(self) -> float:
        """Payments this financial year, £."""
        return self._spend.item(self.la)

    @spend_gbp.setter
    def spend_gbp(self, value: float) -> None:
        self._spend[self.la] = value

    def pay(self, amount_gbp: float) -> None:
        """Record a payment made by the council."""
        self._spend[self.la] += amount_gbp

    def plan_year(self, growth: float = 0.03) -> None:
        """Close the financial year: next budget = this year's spend grown by ``growth``.

        ``growth`` 3% a year: assumption (CLA spend grew 4% real in 2024-25 [sec] CYP Now).
        """
        self.history.append(self.spend_gbp)
        self.budget_gbp = self.spend_gbp * (1 + growth)
        self.spend_gbp = 0.0
