"""Regional Care Co-operatives: member councils planning and commissioning together.

This module owns the RCC agent (docs/design.md §2) and its yearly decisions: which homes it
block-buys for the coming year (``choose_blocks``), where its sufficiency plan steers new
private homes (``steer_entry``) and its forecast of need (``forecast_need``). The lever
(``sim.policies.commissioning.PooledCommissioning``) holds the terms every RCC shares and calls
its RCCs through Mesa's ``AgentSet``; with no lever on, no RCC exists.
"""

from __future__ import annotations

import mesa
import numpy as np


class RCC(mesa.Agent):
    """A Regional Care Co-operative.

    Attributes:
        name: e.g. "greater_manchester"; members: LA indices of member councils.
        running_cost_gbp_year: yearly running cost (pathfinder grants, docs/facts.md §5).
        pooled_budget_gbp: members' pooled placement budget for the year.
        forecasts: per year, the projected CLA of members at the next 31 March.
    """

    def __init__(
        self,
        model: mesa.Model,
        name: str,
        members: list[int],
        running_cost_gbp_year: float,
        index: int = 0,
        block_share: float = 0.0,
        market_shaping: float = 0.0,
    ) -> None:
        super().__init__(model)
        self.name = name
        self.index = index  # its number in the lever's RCC codes (``rcc_of_la``)
        self.members = list(members)
        self.running_cost_gbp_year = running_cost_gbp_year
        self.block_share = block_share  # share of members' residential need block-bought
        self.market_shaping = market_shaping  # strength of its steer on new homes
        self.pooled_budget_gbp = 0.0
        self.forecasts: list[float] = []

    def choose_blocks(
        self, homes: np.ndarray, in_homes: np.ndarray, rcc_of_la: np.ndarray, supply
    ) -> np.ndarray:
        """The homes it block-buys for the coming year, cheapest list price first.

        Whole private or voluntary homes (``homes``, the market's candidates) in the areas of
        its members now running with it (``rcc_of_la``), until their places cover
        ``block_share`` of its members' children now in such homes (``in_homes`` by LA: its
        forecast of residential need).
        """
        m = rcc_of_la == self.index
        target = self.block_share * in_homes[m].sum()
        cand = homes[m[supply.la[homes]]]
        cand = cand[np.argsort(supply.list_price[cand], kind="stable")]
        take = np.searchsorted(np.cumsum(supply.capacity[cand]), target) + 1 if target > 0 else 0
        return cand[: min(take, len(cand))]

    def steer_entry(
        self, gap: np.ndarray, pop: np.ndarray, rcc_of_la: np.ndarray, shaping: np.ndarray
    ) -> None:
        """Its sufficiency plan: weight new private homes towards members with a gap.

        A member's weight (in ``shaping``, by LA, 1 elsewhere) rises with its children placed
        far or unregistered per child of its population (``gap`` / ``pop``), relative to its
        fellow members', by ``market_shaping``.
        """
        m = rcc_of_la == self.index
        rate = gap[m] / np.maximum(pop[m], 1.0)
        if rate.sum() > 0:
            shaping[m] = 1.0 + self.market_shaping * rate / rate.mean()

    def forecast_need(self, stock: np.ndarray, arrivals_per_year: np.ndarray) -> float:
        """Record and return members' projected CLA a year on.

        Today's stock, less the share of it that leaves in a year (34,450 ceased of 81,770
        [file] DfE 2025), plus this year's expected arrivals.
        """
        m = np.asarray(self.members)
        f = float(stock[m].sum() * (1 - 34450 / 81770) + arrivals_per_year[m].sum())
        self.forecasts.append(f)
        return f
