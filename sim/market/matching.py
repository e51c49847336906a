"""Matching children to vacancies as pure functions over arrays (no agents imported).

This module owns the commissioning search of DESIGN §3.2 in vectorised form: an index of
vacancies by unit kind and LA (``VacancyIndex``), candidate generation that searches outward
from each child's home LA through the nearest LAs holding a vacancy of an allowed kind
(``candidate_pairs``), the score of a candidate (``score_pairs``: distance, price, fit,
quality, own provision) and the resolution of a day's competing requests into assignments that
never exceed a unit's free places (``resolve``). Nothing here scores every vacancy: a child
looks at ``per_la`` vacancies in each of its ``max_las`` nearest LAs with one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class VacancyIndex:
    """Units with a free place, grouped by (kind, LA) as a CSR over ``units``."""

    units: np.ndarray  # unit ids sorted by kind, then LA
    start: np.ndarray  # start[kind * n_la + la] .. start[kind * n_la + la + 1]
    n_la: int
    _start_list: list[int] | None = None

    def start_list(self) -> list[int]:
        """``start`` as a Python list (made once; for the scalar search of a few children)."""
        if self._start_list is None:
            self._start_list = self.start.tolist()
        return self._start_list

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
    chunk: int = 16,
    small: int = 8,
) -> tuple[np.ndarray, np.ndarray]:
    """``candidate_pairs`` for every unit kind at once (one set of array operations).

    Args:
        allowed: (children x kinds) which kinds each child's plan accepts; kind k is column k.
        dist_sorted: LA-to-LA distances with each row in ``la_order`` (nearest first).
        min_km: optional per-child minimum distance (children placed away from home).
        chunk: LAs scanned per step (a speed setting; results do not depend on it).
        small: up to this many children are searched by a scalar loop instead, which costs
            less than the array operations' fixed overhead (a speed setting; same results).

    Returns:
        (child position, unit id) for all kinds together.
    """
    n, n_kinds = allowed.shape
    if n == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    if n <= small:
        lo = np.full(n, -1.0) if min_km is None else min_km
        rows = [(dist_sorted[h].tolist(), la_order[h].tolist()) for h in home_la.tolist()]
        return _candidate_pairs_scalar(
            rows,
            allowed.tolist(),
            radius_km.tolist(),
            lo.tolist(),
            vac,
            max_las,
            per_la,
            int(rotation),
        )
    kinds = np.flatnonzero(allowed.any(axis=0))
    n_la = vac.n_la
    cnt = np.diff(vac.start)[: n_kinds * n_la].reshape(n_kinds, n_la)[kinds]  # K x L
    has = cnt > 0
    alw = allowed[:, kinds].T  # K x n
    found = np.zeros((len(kinds), n), dtype=np.int64)  # LAs kept so far, per kind and child
    parts: list[tuple[np.ndarray, ...]] = []
    active = np.arange(n)
    n_cols = dist_sorted.shape[1]
    # LAs are scanned nearest first in chunks: most children find their ``max_las`` LAs (or
    # pass their radius) in the first chunk, so few rows ever see all 153 columns.
    for c0 in range(0, n_cols, chunk):
        h = home_la[active]
        order = la_order[h, c0 : c0 + chunk]  # a x w
        d = dist_sorted[h, c0 : c0 + chunk]
        near = d <= radius_km[active, None]
        if min_km is not None:
            near &= d >= min_km[active, None]
        ok = has[:, order] & near[None, :, :] & alw[:, active, None]
        rank = np.cumsum(ok, axis=2) + found[:, active, None]
        ki, ai, j = np.nonzero(ok & (rank <= max_las))
        parts.append((ki, active[ai], order[ai, j], c0 + j))
        found[:, active] = rank[:, :, -1]
        more = (alw[:, active] & (found[:, active] < max_las)).any(axis=0) & (
            d[:, -1] <= radius_km[active]
        )
        active = active[more]
        if len(active) == 0:
            break
    ki = np.concatenate([p[0] for p in parts])
    if len(ki) == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    ci = np.concatenate([p[1] for p in parts])
    la = np.concatenate([p[2] for p in parts])
    j = np.concatenate([p[3] for p in parts])
    o = np.lexsort((j, ci, ki))  # kind, child, nearness: the order of the full scan
    ki, ci, la = ki[o], ci[o], la[o]
    c = cnt[ki, la]
    take = np.minimum(c, per_la)
    s = vac.start[kinds[ki] * n_la + la]
    rep = np.repeat(np.arange(len(la)), take)
    offs = np.arange(take.sum()) - np.repeat(np.cumsum(take) - take, take)
    rot = (ci * 7919 + la * 104729 + rotation)[rep] % c[rep]
    pos = s[rep] + (rot + offs) % c[rep]
    return ci[rep].astype(np.int64), vac.units[pos].astype(np.int64)


def _candidate_pairs_scalar(
    rows: list[tuple[list[float], list[int]]],
    alw: list[list[bool]],
    radius: list[float],
    lo: list[float],
    vac: VacancyIndex,
    max_las: int,
    per_la: int,
    rot0: int,
) -> tuple[np.ndarray, np.ndarray]:
    """``candidate_pairs_multi`` for a few children, one child and kind at a time.

    ``rows`` holds each child's distances to the LAs nearest first and those LAs; ``alw``,
    ``radius`` and ``lo`` (the minimum distance, -1 for none) are the per-child arguments as
    lists. The same pairs in the same order (kind, child, nearness, then units from the rotating
    offset): each child keeps, for each kind its plan allows, the first ``max_las`` LAs in
    distance order within its radius (and beyond ``lo``) that hold a vacancy of the kind.
    """
    n, n_kinds = len(alw), len(alw[0])
    n_la = vac.n_la
    start = vac.start_list()
    out_child: list[int] = []
    out_pos: list[int] = []
    for k in range(n_kinds):
        base = k * n_la
        for i in range(n):
            if not alw[i][k]:
                continue
            d_row, la_row = rows[i]
            r, m = radius[i], lo[i]
            kept = 0
            for d, la in zip(d_row, la_row, strict=True):
                if d > r:
                    break
                if d < m:
                    continue
                s0 = start[base + la]
                c = start[base + la + 1] - s0
                if c <= 0:
                    continue
                rot = (i * 7919 + la * 104729 + rot0) % c
                for offs in range(min(c, per_la)):
                    out_child.append(i)
                    out_pos.append(s0 + (rot + offs) % c)
                kept += 1
                if kept >= max_las:
                    break
    if not out_child:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    return np.array(out_child, dtype=np.int64), vac.units[out_pos].astype(np.int64)


def score_pairs(
    dist_km: np.ndarray,
    price_gbp_week: np.ndarray,
    misfit: np.ndarray,
    grade: np.ndarray,
    own: np.ndarray,
    outside_la: np.ndarray,
    w_dist: float,
    w_price: float,
    w_misfit: float,
    w_quality: float,
    own_bonus: float,
    outside_penalty: float,
) -> np.ndarray:
    """Score of each candidate pair (higher is better).

    Args:
        dist_km: distance from the child's home to the unit, km.
        price_gbp_week: weekly price the council would pay, £.
        misfit: needs tiers of the child above the unit's skill level (0 = fits).
        grade: Ofsted grade of the unit (0 outstanding, 1 good, 2 requires improvement,
            3 inadequate).
        own: the unit belongs to the child's own council (search order: own provision first).
        outside_la: the unit is outside the child's council.
        w_dist, w_price, w_misfit, w_quality: weights per 10 km, per £1,000 a week, per tier,
            per grade step.
        own_bonus, outside_penalty: additive terms for own provision and out-of-area.
    """
    return (
        -w_dist * dist_km / 10.0
        - w_price * price_gbp_week / 1000.0
        - w_misfit * misfit
        - w_quality * grade
        + own_bonus * own
        - outside_penalty * outside_la
    )


def resolve(
    child: np.ndarray,
    unit: np.ndarray,
    score: np.ndarray,
    need: np.ndarray,
    free: np.ndarray,
    n_children: int,
    max_rounds: int = 8,
) -> tuple[np.ndarray, np.ndarray]:
    """Assign each child at most one unit so that no unit takes more than its free places.

    Rounds of proposals: every unassigned child proposes its best remaining candidate; each
    unit accepts proposals in score order while the places they need fit. Rejected children
    propose again among the units that still have room.

    Args:
        child, unit, score: candidate pairs (child position, unit id, score).
        need: places each child needs (a sibling group needs several), indexed by position.
        free: free places of every unit, indexed by unit id; updated in place.
        n_children: number of children (positions 0..n_children-1).

    Returns:
        The unit assigned to each child (or -1) and the index of the chosen pair (or -1).
    """
    assigned = np.full(n_children, -1, dtype=np.int64)
    chosen = np.full(n_children, -1, dtype=np.int64)
    alive = np.ones(len(child), dtype=bool)
    for _ in range(max_rounds):
        m = alive & (free[unit] >= need[child])
        if not m.any():
            break
        p = np.flatnonzero(m)
        o = p[np.lexsort((-score[p], child[p]))]
        c = child[o]
        first = o[np.r_[True, c[1:] != c[:-1]]]
        o2 = first[np.lexsort((-score[first], unit[first]))]
        u = unit[o2]
        nd = need[child[o2]]
        cs = np.cumsum(nd)
        new_group = np.r_[True, u[1:] != u[:-1]]
        base = np.maximum.accumulate(np.where(new_group, cs - nd, 0))
        acc = o2[(cs - base) <= free[u]]
        assigned[child[acc]] = unit[acc]
        chosen[child[acc]] = acc
        np.subtract.at(free, unit[acc], need[child[acc]])
        alive &= assigned[child] < 0
    return assigned, chosen
