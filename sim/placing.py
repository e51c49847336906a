"""Placements the model makes from Python code: the weekly search, unregistered settings, moves.

This module owns the Python entry points to the compiled placement rules for code that runs
outside the day's compiled call: the planned round's search (``search_and_place``),
unregistered settings (``place_unregistered``), a placement chosen by a lever or the
initialisation (``place``) and a child leaving its unit (``release``).
"""

from __future__ import annotations

import math

import numpy as np

from sim import engine
from sim.geography import haversine_km_scalar
from sim.market.terms import Vacancies, districts
from sim.population.children import (
    Child,
)


class Placing:
    """Placements the model makes from Python code (a mixin of ``PlacementModel``)."""

    def release(self, child: Child, day: int) -> None:
        """End the child's occupation of its unit (billing it); the episode is closed elsewhere."""
        tab, sup, books, logs = self.kernel_state(1)
        engine.release(tab, sup, books, logs, child.row, day)

    def place(
        self,
        child: Child,
        unit: int,
        day: int,
        emergency: bool,
        rne: int,
        price: float | None = None,
        dist_km: float | None = None,
        matched: bool = False,
    ) -> None:
        """Start a placement of ``child`` in ``unit`` (or without a unit when ``unit`` < 0).

        ``price`` (£/week) and ``dist_km`` come from the matching that chose the unit; for
        placements made without a search they are the unit's list price and the distance
        between the child's home and the unit's district. ``matched``: found by the weekly
        planned search (its hazards take ``planned_match_multiplier``).
        """
        if dist_km is None:
            home = child.home_d
            dist_km = (
                self.distance_km(home, int(self.supply.district[unit]))
                if home >= 0 and unit >= 0
                else 0.0
            )
        self._place_rows(
            np.array([child.row], np.int64),
            np.array([unit], np.int64),
            np.array([math.nan if price is None else price]),
            np.array([dist_km]),
            np.array([rne], np.int64),
            matched,
            day,
        )

    def _place_rows(self, rows, units, prices, dists, rnes, matched: bool, day: int) -> None:
        """Start the placements of the children in ``rows`` in order (``engine.place``).

        Each leaves the planned queue; the placements' events are queued.
        """
        tab, sup, books, logs = self.kernel_state(len(rows))
        pp, rates = self.placement_terms(day)
        n_unreg = engine.place(
            tab,
            sup,
            books,
            logs,
            self.geo.d_start,
            rows,
            units,
            prices,
            dists,
            rnes,
            np.full(len(rows), 1 if matched else 0, np.int64),
            day,
            pp,
            rates,
        )
        self.counters["matches"] += len(rows)
        self.counters["unregistered"] += n_unreg
        self.queue_drawn()

    def distance_km(self, d1: int, d2: int) -> float:
        """Distance between two postcode districts, km."""
        g = self.geo
        return haversine_km_scalar(g.d_lat[d1], g.d_lon[d1], g.d_lat[d2], g.d_lon[d2])

    def search_and_place(
        self, rows: np.ndarray, day: int, emergency: bool, plan_kinds_only: bool = False
    ) -> np.ndarray:
        """Search for a place for each child of ``rows``; returns the rows left without one.

        With ``plan_kinds_only`` every stage keeps to each plan's own kinds of unit (the
        radius still widens): the initial stock's placing (``place_initial``).

        Siblings arriving together are searched as one request needing as many places as the
        group; a group that finds no such place is split and its children searched one by one
        (``engine.search_groups``). An urgent search runs stage by stage from the first; a
        planned one once, at each child's stage of waiting. The placements are made in the
        order of the stage that found them and, within a stage, of ``rows``, each group's lead
        followed by its siblings.
        """
        rows = np.asarray(rows, np.int64)
        n = len(rows)
        if n == 0:
            return rows
        vac = self.vacancies(day)
        self.plan_kinds_only = plan_kinds_only
        terms = self.search_terms(day, emergency)
        self.plan_kinds_only = False
        full = terms._replace(vacancies=Vacancies(vac.start, vac.units, vac.n_la))
        tab, sup, books, logs = self.kernel_state(n)
        pp, rates = self.placement_terms(day)
        left, placed, n_unreg, split = engine.search_groups(
            tab, sup, books, logs, rows, day, emergency, full, pp, rates, self.streams["matching"]
        )
        self.counters["matches"] += placed
        self.counters["unregistered"] += n_unreg
        self.counters["siblings_separated"] += split
        self.queue_drawn()
        return left

    def place_unregistered(self, rows: np.ndarray, day: int) -> None:
        """No suitable registered place: unregistered settings (Z1), counted; keep searching.

        The settings are drawn, registered and taken in one compiled call
        (``engine.place_unregistered_rows``).
        """
        n = len(rows)
        if n == 0:
            return
        sup, g = self.supply, self.geo
        sup.reserve(n)
        base = sup.n
        tab, sup_cols, books, logs = self.kernel_state(n)
        pp, rates = self.placement_terms(day)
        more = sup.new_unit_columns()
        n_unreg = engine.place_unregistered_rows(
            tab,
            sup_cols,
            more,
            books,
            logs,
            np.asarray(rows, np.int64),
            base,
            day,
            self.unregistered_terms(),
            districts(g),
            pp,
            rates,
            self.streams["matching"],
        )
        sup.registered([f"UNREG{base + j}" for j in range(n)])
        self.counters["matches"] += n
        self.counters["unregistered"] += n_unreg
        self.queue_drawn()
