"""The supply registry: every placement unit's hot state in growable numpy arrays.

This module owns the units (foster households in-house, IFA and kinship; children's homes;
secure homes; supported accommodation; unregistered settings): their kind, owner, LA and
postcode district, places, occupancy, age range, skill, Ofsted grade, list price and cost, and
whether they are open. Providers (``sim.agents.providers``) are the agents that decide; this
registry only stores, indexes vacancies for matching (kept sorted by kind and LA so the daily
vacancy index costs one mask) and enforces occupancy + reserved <= places, where ``reserved``
places are held by children of councils outside a regional world (background demand). It also
marks units an RCC holds on block contract and the homes a ``public_homes`` lever built.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from sim.engine.state import NewUnitColumns
from sim.market.kernels import search_keys, vacancy_csr
from sim.market.matching import VacancyIndex
from sim.records import N_KINDS

_FIELDS = {
    "kind": np.int8,
    "sector": np.int8,
    "provider": np.int64,
    "la": np.int64,
    "district": np.int64,
    "lat": np.float64,
    "lon": np.float64,
    "capacity": np.int64,
    "occupied": np.int64,
    "min_age": np.int8,
    "max_age": np.int8,
    "skill": np.int8,
    "grade": np.int8,
    "list_price": np.float64,
    "cost": np.float64,
    "open": np.bool_,
    "open_day": np.int64,
    "close_day": np.int64,
    "matchable": np.bool_,
    "income_rate": np.float64,
    # Extra weekly staffing cost of the complex-needs children placed in the unit, £.
    "extra_cost_rate": np.float64,
    "reserved": np.int64,
    "margin": np.float64,
    "rev_month": np.float64,  # a home's income and cost last month, £
    "cost_month": np.float64,
    # RCC index + 1 holding the unit on a block contract (0 = none); new public home.
    "block": np.int64,
    "public": np.bool_,
}


class SupplyRegistry:
    """Structure-of-arrays store of placement units, with a vacancy index for matching."""

    def __init__(self, n_la: int, initial: int = 1024) -> None:
        self.n_la = n_la
        self.n = 0
        self._cap = initial
        for name, dt in _FIELDS.items():
            setattr(self, name, np.zeros(initial, dtype=dt))
        self.urn: list[str] = []
        self._order: np.ndarray | None = None
        self._added: list[np.ndarray] = []  # matchable units added since the order was built
        self._order_key: np.ndarray | None = None

    def _grow(self, need: int) -> None:
        if self.n + need <= self._cap:
            return
        cap = max(self._cap * 2, self.n + need)
        for name in _FIELDS:
            old = getattr(self, name)
            new = np.zeros(cap, dtype=old.dtype)
            new[: self.n] = old[: self.n]
            setattr(self, name, new)
        self._cap = cap

    def reserve(self, k: int) -> None:
        """Room for ``k`` more units (filled in place by compiled code, then ``registered``)."""
        self._grow(k)

    def registered(self, urns: list[str]) -> None:
        """Count the units just written in place after the last one (never matched ones)."""
        self.urn.extend(urns)
        self.n += len(urns)

    def add(self, urns: list[str], **cols: np.ndarray) -> np.ndarray:
        """Add units (one per URN) with the given columns; returns their ids."""
        k = len(urns)
        self._grow(k)
        ids = np.arange(self.n, self.n + k)
        for name, values in cols.items():
            getattr(self, name)[ids] = values
        if "matchable" not in cols:
            self.matchable[ids] = True
        if "open" not in cols:
            self.open[ids] = True
        self.close_day[ids] = -1
        self.urn.extend(urns)
        self.n += k
        if self.matchable[ids].any():
            # Units never matched (kinship, unregistered) need no place in the search order.
            self._added.append(ids)
        return ids

    def free(self) -> np.ndarray:
        """Free places of every unit (0 for closed units)."""
        n = self.n
        return np.where(self.open[:n], self.capacity[:n] - self.occupied[:n] - self.reserved[:n], 0)

    def n_cells(self) -> int:
        """Cells of the vacancy index: (kind, LA), then in-house carers by (owner, LA)."""
        return N_KINDS * self.n_la + self.n_la * self.n_la

    def vacancy_index(self, provider_la: np.ndarray | None = None) -> VacancyIndex:
        """Units with a free place, open and matchable, grouped by cell (``search_order``)."""
        self.search_order(provider_la)
        units, start = vacancy_csr(
            self._order,
            self._order_key,
            self.open,
            self.matchable,
            self.capacity,
            self.occupied,
            self.reserved,
            self.n_cells(),
        )
        return VacancyIndex(units=units, start=start, n_la=self.n_la)

    def new_unit_columns(self) -> NewUnitColumns:
        """The columns a kernel writes when it registers a unit (``more``; room made before)."""
        return NewUnitColumns(
            self.sector, self.la, self.lat, self.lon, self.min_age, self.max_age, self.cost,
            self.open_day,
        )  # fmt: skip

    def search_order(self, provider_la: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Units that may take a child, sorted by their cell, and their keys (as the index).

        A unit's cell is kind * n_la + the LA where it is, except a council's own foster carers
        (in-house), whose cell is N_KINDS * n_la + owner * n_la + LA
        (``kernels.search_keys``): a council's search looks at its own carers wherever they
        live. ``provider_la``: each provider's council (-1 for others); without it (a registry
        used on its own) every unit is keyed by where it is. A unit in the order may since have
        closed or been taken out of matching; the index checks.
        """
        if self._order is None or self._added:
            # Units closed or no longer matchable never take a child again (neither flag is
            # ever set back): they leave the search order when it is next rebuilt. Units added
            # since the last build have higher ids than every unit in it, so a stable sort of
            # the old order and the new units is the stable sort of all units (filtered),
            # without sorting the many closed kinship and unregistered units again.
            if self._order is None:
                cand = np.arange(self.n)
            else:
                cand = np.concatenate([self._order, *self._added])
            self._added = []
            cand = cand[self.matchable[cand] & self.open[cand]]
            owner = (
                np.full(len(cand), -1, np.int64)
                if provider_la is None
                else provider_la[self.provider[cand]]
            )
            key = search_keys(self.kind[cand].astype(np.int64), self.la[cand], owner, self.n_la)
            order = np.argsort(key, kind="stable")
            self._order = cand[order]
            self._order_key = key[order]
        return self._order, self._order_key

    def occupy(self, unit: int, places: int = 1) -> None:
        """Take ``places`` in ``unit``; raises if that would exceed its capacity."""
        free = self.capacity[unit] - self.occupied[unit] - self.reserved[unit]
        if places > free or not self.open[unit]:
            raise RuntimeError(
                f"unit {unit} ({self.urn[unit]}) has {free} free places, asked for {places}"
            )
        self.occupied[unit] += places

    def release(self, unit: int, places: int = 1) -> None:
        """Free ``places`` in ``unit``."""
        self.occupied[unit] -= places
        if self.occupied[unit] < 0:
            raise RuntimeError(f"unit {unit} occupancy below zero")

    def close(self, unit: int, day: int) -> None:
        """Close ``unit`` to new placements (children still there must be moved by the caller)."""
        self.open[unit] = False
        self.close_day[unit] = day

    def places_by_cell(self, cell_of_la: np.ndarray, n_cells: int) -> tuple[np.ndarray, np.ndarray]:
        """Places and occupied places of open units by (cell of their LA, kind), as floats.

        Index ``cell * N_KINDS + kind``; summed unit by unit in id order (as ``np.bincount``
        with weights).
        """
        return _places_by_cell(
            cell_of_la, self.la, self.kind, self.open, self.capacity, self.occupied, self.n, n_cells
        )

    def totals(self, kind: int, by: np.ndarray | None = None, size: int = 0):
        """Open places and occupied places of ``kind``, optionally summed by ``by`` (e.g. LA)."""
        n = self.n
        m = (self.kind[:n] == kind) & self.open[:n]
        if by is None:
            return int(self.capacity[:n][m].sum()), int(self.occupied[:n][m].sum())
        b = by[:n][m]
        return (
            np.bincount(b, weights=self.capacity[:n][m], minlength=size),
            np.bincount(b, weights=self.occupied[:n][m], minlength=size),
        )


@njit(cache=True)
def _places_by_cell(
    cell_of_la, la, kind, open_, capacity, occupied, n, n_cells
):  # pragma: no cover - compiled
    cap = np.zeros(n_cells * N_KINDS)
    occ = np.zeros(n_cells * N_KINDS)
    for j in range(n):
        if open_[j]:
            c = cell_of_la[la[j]] * N_KINDS + kind[j]
            cap[c] += capacity[j]
            occ[c] += occupied[j]
    return cap, occ
