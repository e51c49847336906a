"""Matching children to vacancies as pure functions over arrays (no agents imported).

This module owns the commissioning search of docs/design.md §3.2 over arrays: an index of vacancies
by unit kind and LA (``VacancyIndex``), candidate generation that searches outward from each
child's home LA through the nearest LAs holding a vacancy of an allowed kind
(``candidate_pairs``) and the resolution of a day's competing requests into assignments that
never exceed a unit's free places (``resolve``). The loops themselves are compiled in
``sim.market.kernels``, with the score of a pair (distance, price, fit, quality, own
provision). Nothing here scores every vacancy: a child looks at ``per_la`` vacancies in each
of its ``max_las`` nearest LAs with one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.market import kernels, scoring
from sim.market.terms import NO_FELLOWS


@dataclass
class VacancyIndex:
    """Units with a free place, grouped by (kind, LA) as a CSR over ``units``."""

    units: np.ndarray  # unit ids sorted by kind, then LA
    start: np.ndarray  # start[kind * n_la + la] .. start[kind * n_la + la + 1]
    n_la: int

    @classmethod
    def build(
        cls, key_order: np.ndarray, key: np.ndarray, free_mask: np.ndarray, n_kinds: int, n_la: int
    ) -> VacancyIndex:
        """Index the units in ``key_order`` (sorted by ``key`` = kind*n_la+la) with free places."""
        sel = key_order[free_mask[key_order]]
        start = np.searchsorted(key[sel], np.arange(n_kinds * n_la + 1))
        return cls(units=sel, start=start, n_la=n_la)

    def count(self, kind: int) -> np.ndarray:
        """Number of units with a vacancy of ``kind`` in each LA."""
        s = self.start[kind * self.n_la : (kind + 1) * self.n_la + 1]
        return np.diff(s)


def candidate_pairs(
    home_la: np.ndarray,
    radius_km: np.ndarray,
    kind: int,
    vac: VacancyIndex,
    dist_la: np.ndarray,
    la_order: np.ndarray,
    max_las: int,
    per_la: int,
    rotation: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Candidate (child, unit) pairs of one unit ``kind`` for children at ``home_la``.

    Each child looks outward from its home LA (LAs ordered by distance) and keeps the first
    ``max_las`` LAs within ``radius_km`` that hold a vacancy of ``kind``; in each it sees up to
    ``per_la`` vacant units, starting at a rotating offset so that repeated searches do not
    always see the same units.

    Returns:
        (child position in the input arrays, unit id), both int64 arrays of equal length.
    """
    allowed = np.zeros((len(home_la), kind + 1), dtype=bool)
    allowed[:, kind] = True
    dist_sorted = np.take_along_axis(dist_la, la_order, axis=1)
    return candidate_pairs_multi(
        home_la, radius_km, allowed, vac, dist_sorted, la_order, max_las, per_la, rotation
    )


def candidate_pairs_multi(
    home_la: np.ndarray,
    radius_km: np.ndarray,
    allowed: np.ndarray,
    vac: VacancyIndex,
    dist_sorted: np.ndarray,
    la_order: np.ndarray,
    max_las: int,
    per_la: int,
    rotation: int = 0,
    min_km: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """``candidate_pairs`` for every unit kind at once.

    Args:
        allowed: (children x kinds) which kinds each child's plan accepts; kind k is column k.
        dist_sorted: LA-to-LA distances with each row in ``la_order`` (nearest first).
        min_km: optional per-child minimum distance (children placed away from home).

    Returns:
        (child position, unit id) for all kinds together, in the order kind, child, nearness,
        then units from the rotating offset (the order acceptance draws follow).
    """
    n = len(home_la)
    if n == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    lo = np.full(n, -1.0) if min_km is None else np.asarray(min_km, float)
    return kernels.scan_candidates(
        np.asarray(home_la, np.int64),
        np.asarray(radius_km, float),
        lo,
        np.asarray(allowed, np.bool_),
        vac.start,
        vac.units,
        dist_sorted,
        la_order,
        vac.n_la,
        max_las,
        per_la,
        int(rotation),
        False,  # every unit kept by where it is (``kernels.search_keys`` without owners)
        *NO_FELLOWS,
    )


# Rounds of proposals: every unassigned child proposes its best remaining candidate; each unit
# accepts proposals in score order while the places they need fit; rejected children propose
# again among the units that still have room. Compiled (``scoring.resolve``); ``free`` (int64,
# by unit id) is updated in place.
resolve = scoring.resolve
