"""Levers on the market's rules: a profit cap, financial oversight, a collapse, enforcement.

This module owns four levers of docs/design.md §4. ``profit_cap``: prices of non-council children's
homes and fostering agencies (and optionally supported accommodation) may not exceed the
price that earns the cap at the reference occupancy; providers whose required margin (a hurdle,
fixed per provider) is above the cap wind their provision down, and entrants above it stay
out. ``financial_oversight``: large groups report their finances, so failure is rarer and more
of a failed group's homes carry on under new owners. ``provider_collapse``: a stress test in
which the largest (or n-th largest, by homes in the world at the first month) children's-home
group fails on a date.
``ofsted_enforcement``: unregistered settings are investigated, fined, closed (their children
move) or registered as children's homes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.policies.base import Lever
from sim.records import HOME, IFA, ITEM_PROGRAMME, SA
from sim.rng import keyed_uniforms


@dataclass
class CapTerms:
    """A profit cap as the matching applies it."""

    max_margin: float
    kinds: tuple[int, ...]


class ProfitCap(Lever):
    """A maximum operating margin for non-council providers."""

    name = "profit_cap"

    def __init__(self, cfg, model) -> None:
        super().__init__(cfg, model)
        kinds = (
            [HOME] + ([IFA] if cfg.include_ifa else []) + ([SA] if cfg.include_supported else [])
        )
        self._terms = CapTerms(cfg.max_margin, tuple(kinds))
        self.seed, self.rep = model.cfg.seed, model.rep
        self.exits_done = False

    def terms(self, day: int) -> CapTerms | None:
        """The cap on ``day`` (None when not active)."""
        return self._terms if self.active(day) else None

    def hurdles(self, providers: np.ndarray) -> np.ndarray:
        """Each provider's required margin (uniform on [low, high], fixed per provider)."""
        c = self.cfg
        u = keyed_uniforms("profit_cap_hurdle", self.seed, self.rep, providers)
        return c.hurdle_margin_low + (c.hurdle_margin_high - c.hurdle_margin_low) * u

    def leaving(self, providers: np.ndarray) -> np.ndarray:
        """Which of ``providers`` leave the market under the cap (hurdle above it)."""
        u = keyed_uniforms("profit_cap_leave", self.seed, self.rep, providers)
        return (self.hurdles(providers) > self.cfg.max_margin) & (u < self.cfg.supply_response)

    def exits(self, day: int) -> bool:
        """True once, on the first month the cap is active: providers decide whether to stay."""
        if self.active(day) and not self.exits_done:
            self.exits_done = True
            return True
        return False

    def entry_multiplier(self, day: int) -> float:
        """Share of would-be entrants (homes, agencies' carers) whose hurdle is under the cap."""
        if not self.active(day):
            return 1.0
        c = self.cfg
        above = (c.hurdle_margin_high - c.max_margin) / (c.hurdle_margin_high - c.hurdle_margin_low)
        return 1.0 - c.supply_response * float(np.clip(above, 0.0, 1.0))


class FinancialOversight(Lever):
    """Financial oversight of large providers: failure rarer and more orderly."""

    name = "financial_oversight"

    def failure_terms(self, day: int) -> tuple[float, float] | None:
        """(multiplier on the failure hazard, share of homes transferred) or None."""
        if not self.active(day):
            return None
        return self.cfg.failure_multiplier, self.cfg.orderly_transfer_share

    def costs(self, day: int, model) -> list[tuple[int, int, float]]:
        """The regime's cost, shared by simulated councils by children looked after."""
        if not self.active(day):
            return []
        total = float(model.stock.sum())
        if total <= 0:
            return []
        share = model.world_share_of_cla
        month = self.cfg.cost_gbp_year * share / 12.0
        return [
            (int(la), ITEM_PROGRAMME, month * model.stock[la] / total)
            for la in np.flatnonzero(model.stock > 0)
        ]


class ProviderCollapse(Lever):
    """The ``group_rank``-th largest children's-home group fails on the start date."""

    name = "provider_collapse"

    def __init__(self, cfg, model) -> None:
        super().__init__(cfg, model)
        self.done = False

    def due(self, day: int) -> int | None:
        """The rank of the group failing now (once), else None."""
        if self.active(day) and not self.done:
            self.done = True
            return self.cfg.group_rank
        return None


class OfstedEnforcement(Lever):
    """Investigations, fines and registration of unregistered settings."""

    name = "ofsted_enforcement"

    def monthly_probability(self, day: int) -> float:
        """Chance an open unregistered setting is investigated this month (0 when off)."""
        if not self.active(day):
            return 0.0
        return float(1.0 - np.exp(-self.cfg.investigation_rate_per_year / 12.0))
