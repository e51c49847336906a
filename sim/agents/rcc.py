"""Regional Care Co-operatives: member councils planning and commissioning together.

This module owns the RCC agent (docs/design.md §2): its member councils, pooled budget, running
costs and its regional forecast of need. The levers of the reform (pooled commissioning, block
contracts, build programme, recruitment hub) use it; with no lever on, no RCC exists. The lever
(``sim.policies.commissioning``) holds its rules; this agent holds its identity and record.
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
        self, model: mesa.Model, name: str, members: list[int], running_cost_gbp_year: float
    ) -> None:
        super().__init__(model)
        self.name = name
        self.members = list(members)
        self.running_cost_gbp_year = running_cost_gbp_year
        self.pooled_budget_gbp = 0.0
        self.forecasts: list[float] = []

    def forecast_need(self, stock: np.ndarray, arrivals_per_year: np.ndarray) -> float:
        """Record and return members' projected CLA a year on.

        Today's stock, less the share of it that leaves in a year (34,450 ceased of 81,770
        [file] DfE 2025), plus this year's expected arrivals.
        """
        m = np.asarray(self.members)
        f = float(stock[m].sum() * (1 - 34450 / 81770) + arrivals_per_year[m].sum())
        self.forecasts.append(f)
        return f
