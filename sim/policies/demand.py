"""Levers on who comes into care, where they live and how they leave.

This module owns four levers of docs/design.md §4. ``prevention``: family help avoids a share of
entries (not unaccompanied children), ramping up to full effect, at a yearly cost; which
children are prevented is fixed by each child's own uniform, so a prevented child is the same
child in every replicate pair. ``kinship_support``: more children planned for foster care go
to kin, and kinship placements end less often, with support paid per placement-week.
``uasc_dispersal``: a regional plan for the National Transfer Scheme's referrals (the
council of the referring council's region with most room first, transferred sooner).
``staying_close``: young people leaving children's homes at 18 get support to 21, and fewer
move out to supported accommodation at 16-17.

Each child's part is decided in compiled code from the child's own uniforms, reading these
levers' terms: prevention, kinship plans and UASC referral at entry
(``sim.population.entry``), Staying Close at 16 and 18 (``sim.engine.events``), kinship
support in a placement's price and hazard (``sim.engine.placements``). Here are the terms and
the programmes' monthly costs.
"""

from __future__ import annotations

import numpy as np

from sim.policies.base import Lever
from sim.records import DAYS_PER_MONTH, DAYS_PER_WEEK, ITEM_PROGRAMME


class Prevention(Lever):
    """Fewer entries into care, with a ramp and a cost."""

    name = "prevention"

    def costs(self, day: int, model) -> list[tuple[int, int, float]]:
        """Programme cost for the month, shared by simulated councils by their starts."""
        if not self.active(day):
            return []
        starts = model.geo.las["starts_2025"].to_numpy(float)
        total = starts.sum()
        month = self.cfg.cost_gbp_year / 12.0
        return [
            (int(la), ITEM_PROGRAMME, month * starts[la] / total * model.cfg.world.scale)
            for la in np.flatnonzero(model.is_sim & (starts > 0))
        ]


class KinshipSupport(Lever):
    """More and steadier kinship placements, with support paid."""

    name = "kinship_support"

    def hazard_multiplier(self, day: int) -> float:
        """Multiplier on the unplanned-ending hazard of kinship placements."""
        return 1.0 - self.cfg.stability_gain if self.active(day) else 1.0

    def support_gbp_week(self, day: int) -> float:
        """Support added to the weekly cost of a kinship placement starting on ``day``."""
        return self.cfg.support_gbp_week if self.active(day) else 0.0


class UascDispersal(Lever):
    """A regional plan for unaccompanied children: its quota by council.

    The rest of its terms are read by ``arrivals.entry_scalars``; the transfers are made by
    ``sim.population.transfers``.
    """

    name = "uasc_dispersal"

    def __init__(self, cfg, model) -> None:
        super().__init__(cfg, model)
        pop = model.geo.las["pop_0_17"].to_numpy(float)
        self.quota = cfg.quota_per_child_population * pop * model.cfg.world.scale


class StayingClose(Lever):
    """Support to 21 for young people leaving children's homes."""

    name = "staying_close"

    def __init__(self, cfg, model) -> None:
        super().__init__(cfg, model)
        # Young people supported: (LA, last day of support), in order of leaving care.
        self.supported: list[tuple[int, int]] = []

    def support(self, pairs: list[tuple[int, int]]) -> None:
        """Young people who left homes at 18 today join (``engine.OUT_STAYING_CLOSE``)."""
        self.supported.extend((la, end) for la, end in pairs)

    def expire(self, day: int) -> None:
        """Support ends for those whose last day is ``day`` or before."""
        self.supported = [x for x in self.supported if x[1] > day]

    def costs(self, day: int, model) -> list[tuple[int, int, float]]:
        """Support for the month for young people on Staying Close (``supported``)."""
        weeks = DAYS_PER_MONTH / DAYS_PER_WEEK
        out = []
        by_la: dict[int, int] = {}
        for la, end in self.supported:
            if end > day:
                by_la[la] = by_la.get(la, 0) + 1
        for la in sorted(by_la):
            out.append((la, ITEM_PROGRAMME, by_la[la] * self.cfg.support_gbp_week * weeks))
        return out
