"""Levers on who comes into care, where they live and how they leave.

This module owns four levers of docs/design.md §4. ``prevention``: family help avoids a share of
entries (not unaccompanied children), ramping up to full effect, at a yearly cost; which
children are prevented is fixed by each child's own uniform, so a prevented child is the same
child in every replicate pair. ``kinship_support``: more children planned for foster care go
to kin, and kinship placements end less often, with support paid per placement-week.
``uasc_dispersal``: an unaccompanied child arriving in a council already over its quota
(0.1% of its child population) becomes the responsibility of the council in scope with most
room. ``staying_close``: young people leaving children's homes at 18 get support to 21, and
fewer move out to supported accommodation at 16-17.
"""

from __future__ import annotations

import numpy as np

from sim.policies.base import ITEM_PROGRAMME, Lever


class Prevention(Lever):
    """Fewer entries into care, with a ramp and a cost."""

    name = "prevention"

    def prevented(self, day: int, u: float) -> bool:
        """Whether an arriving (non-UASC) child with uniform ``u`` stays out of care."""
        return u < self.cfg.entry_reduction * self.ramp(day, self.cfg.ramp_years)

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

    def to_kin(self, day: int, u: float) -> bool:
        """Whether a child planned for foster care (under 16, not UASC) goes to kin instead."""
        return self.active(day) and u < self.cfg.extra_kin_share

    def hazard_multiplier(self, day: int) -> float:
        """Multiplier on the unplanned-ending hazard of kinship placements."""
        return 1.0 - self.cfg.stability_gain if self.active(day) else 1.0

    def support_gbp_week(self, day: int) -> float:
        """Support added to the weekly cost of a kinship placement starting on ``day``."""
        return self.cfg.support_gbp_week if self.active(day) else 0.0


class UascDispersal(Lever):
    """A regional (or national) transfer of unaccompanied children on arrival."""

    name = "uasc_dispersal"

    def __init__(self, cfg, model) -> None:
        super().__init__(cfg, model)
        geo = model.geo
        self.quota = cfg.quota_per_child_population * geo.las["pop_0_17"].to_numpy(float)
        self.quota = self.quota * model.cfg.world.scale
        self.region = geo.region_of
        self.is_sim = model.is_sim

    def destination(self, day: int, la: int, uasc_stock: np.ndarray, u: float) -> int:
        """The council responsible for an unaccompanied child arriving in ``la``."""
        if not self.active(day) or uasc_stock[la] < self.quota[la] or u >= self.cfg.transfer_share:
            return la
        room = self.quota - uasc_stock
        ok = self.is_sim.copy()
        if self.cfg.scope == "region":
            ok &= self.region == self.region[la]
        room = np.where(ok, room, -np.inf)
        best = int(np.argmax(room))
        return best if room[best] > 0 else la


class StayingClose(Lever):
    """Support to 21 for young people leaving children's homes."""

    name = "staying_close"

    def takes_up(self, day: int, u: float) -> bool:
        """Whether an 18-year-old leaving a children's home takes Staying Close."""
        return self.active(day) and u < self.cfg.take_up

    def stays_in_home(self, day: int, u: float) -> bool:
        """Whether a 16-17-year-old in a children's home stays rather than moving out."""
        return self.active(day) and u < self.cfg.sa_move_reduction

    def costs(self, day: int, model) -> list[tuple[int, int, float]]:
        """Support for the month for young people on Staying Close (the model's list)."""
        weeks = 30.44 / 7.0
        out = []
        by_la: dict[int, int] = {}
        for la, end in model.staying_close:
            if end > day:
                by_la[la] = by_la.get(la, 0) + 1
        for la in sorted(by_la):
            out.append((la, ITEM_PROGRAMME, by_la[la] * self.cfg.support_gbp_week * weeks))
        return out
