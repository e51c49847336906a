"""What every reform lever shares: dates, activity, ramps and the ledger items of its costs.

This module owns the ``Lever`` base class (docs/design.md §4): a lever is built from its config
section once the world exists, is active from its start date up to (not including) its end
date, and answers the model's hooks with values; it never changes agents itself. It also owns
the grouping of the ledger items that levers' costs are booked under and the conversion of
ISO dates to model days (days since 31 March 2025).
"""

from __future__ import annotations

import datetime as dt

from sim.records import (
    DAYS_PER_YEAR,
    ITEM_CAPITAL,
    ITEM_CLAWBACK,
    ITEM_OVERHEAD,
    ITEM_PROGRAMME,
    ITEM_RCC,
    ITEM_VOID,
    ORIGIN,
)

NEVER = 10**9  # a day after any run ends
# How spend is grouped in the outputs, by ledger item (``sim.records.ITEM_*``).
ITEM_GROUPS = {
    ITEM_OVERHEAD: "overhead",
    ITEM_RCC: "rcc",
    ITEM_VOID: "void",
    ITEM_CAPITAL: "capital",
}
ITEM_GROUPS.update({ITEM_PROGRAMME: "programme", ITEM_CLAWBACK: "clawback"})


def day_of(date: str, origin: dt.date = ORIGIN) -> int:
    """Model day of an ISO date (``"2026-04-01"``), counted from ``origin``."""
    return (dt.date.fromisoformat(date) - origin).days


class Lever:
    """A reform lever: active on ``[start, end)``; hooks return values, never mutate agents.

    Args:
        cfg: the lever's config section (a ``LeverConfig`` subclass).
        model: the model, read at construction and by hooks (never written).
    """

    name = ""

    def __init__(self, cfg, model) -> None:
        self.cfg = cfg
        self.origin = getattr(model, "origin", ORIGIN)
        self.start_day = day_of(cfg.start, self.origin)
        self.end_day = day_of(cfg.end, self.origin) if cfg.end else NEVER

    def active(self, day: int) -> bool:
        """True from the start day up to (not including) the end day."""
        return self.start_day <= day < self.end_day

    def ramp(self, day: int, years: float) -> float:
        """Share of full effect on ``day``: 0 before the start, rising linearly over ``years``."""
        if not self.active(day):
            return 0.0
        if years <= 0:
            return 1.0
        return min(1.0, (day - self.start_day + 1) / (years * DAYS_PER_YEAR))
