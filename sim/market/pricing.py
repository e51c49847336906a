"""Prices and provider economics as pure functions over arrays (no agents imported).

This module owns how a weekly price is set (docs/design.md §3.6): providers price at cost plus a
markup that rises with scarcity near the child (regional occupancy of that kind of place above a
threshold), with premiums for complex needs and emergency (same-day) spot purchases; council
provision is charged at cost. The price of one placement is computed where candidates are scored, in
the compiled ``sim.market.scoring.placement_price``; the scarcity it uses is here. It also owns a
home's weekly cost at a given occupancy (fixed and variable parts), from which margins and the
open/close decisions follow, the extra cost of complex needs, and the rate at which private homes
open (``private_entry_rate``).
"""

from __future__ import annotations

import numpy as np

SCARCITY_THRESHOLD = 0.85  # occupancy above which markups rise: assumption


def scarcity(occupied: np.ndarray, capacity: np.ndarray) -> np.ndarray:
    """Scarcity index per cell: occupancy above the threshold, 0 when capacity is nil."""
    occ = np.divide(occupied, capacity, out=np.ones_like(occupied, float), where=capacity > 0)
    return np.clip(occ - SCARCITY_THRESHOLD, 0.0, None)


def complex_needs_cost(
    list_price: np.ndarray | float,
    tiers: np.ndarray | int,
    is_council: np.ndarray | bool,
    complex_premium: float,
    base_markup: float,
) -> np.ndarray | float:
    """Extra weekly cost (£) to a provider of a child's complex needs: more staff per child.

    The complex-needs premium is priced like the rest of the place, at cost plus the base
    markup, so the extra cost is the premium over (1 + markup): the premium funds staffing
    (LGA 2023: nearly all £10,000+ placements have 2-3 staff per child [sec]), not profit.
    Council provision charges no premium and its cost is its price: no extra here.
    """
    if isinstance(is_council, bool) and np.isscalar(list_price) and np.isscalar(tiers):
        # One placement (the model's hot path): plain floats, no array round trip.
        return (
            0.0 if is_council else float(list_price) * complex_premium * tiers / (1 + base_markup)
        )
    extra = np.asarray(list_price, float) * complex_premium * np.asarray(tiers) / (1 + base_markup)
    return np.where(is_council, 0.0, extra)


def home_weekly_cost(
    cost_per_place: np.ndarray, places: np.ndarray, occupied: np.ndarray, fixed_share: float
) -> np.ndarray:
    """A home's weekly running cost (£): fixed part on all places, variable on occupied ones."""
    return cost_per_place * (fixed_share * places + (1 - fixed_share) * occupied)


def cost_from_price(
    price: np.ndarray, markup: float, occupancy_ref: float, fixed_share: float
) -> np.ndarray:
    """Cost per place-week at which ``price`` earns ``markup`` over cost at ``occupancy_ref``."""
    per_occupied = fixed_share + (1 - fixed_share) * occupancy_ref
    return price * occupancy_ref / ((1 + markup) * per_occupied)


def private_entry_rate(
    margin: float,
    revenue_week: float,
    pipeline_fixed_cost_week: float,
    reference_margin: float,
    elasticity: float,
    replacement_rate: float,
    max_rate: float,
) -> tuple[float, float]:
    """Yearly rate of new private homes per existing one, and the margin entrants expect.

    Entrants expect the private homes' current ``margin`` less the fixed costs of the homes
    already in registration (``pipeline_fixed_cost_week``, £/week), which will share the same
    children and income (``revenue_week``, £/week): counting the pipeline stops a registration
    lag from turning into a boom and bust. At ``reference_margin`` openings run at
    ``replacement_rate`` (homes opened replace homes closed), rising by ``elasticity`` times
    the gap, between 0 and ``max_rate``.
    """
    expected = margin - (pipeline_fixed_cost_week / revenue_week if revenue_week > 0 else 0.0)
    push = 1.0 + elasticity * (expected - reference_margin)
    return float(np.clip(replacement_rate * push, 0.0, max_rate)), float(expected)


def observed_entry_margin(
    reference_margin: float, elasticity: float, replacement_rate: float, observed_rate: float
) -> float:
    """The expected margin at which ``private_entry_rate`` opens homes at ``observed_rate``.

    A world starts with private openings at the rate last observed (Ofsted 2022-23's): its
    smoothed margin starts here, ``reference_margin + (observed / replacement - 1) /
    elasticity``, until its homes' own margins replace it. Without a response to margins
    (``elasticity`` 0) it is the reference.
    """
    if elasticity <= 0 or replacement_rate <= 0:
        return float(reference_margin)
    return float(reference_margin + (observed_rate / replacement_rate - 1.0) / elasticity)
