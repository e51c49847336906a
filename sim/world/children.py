"""The initial children: each LA's children looked after at the start's 31 March (2021-2025).

This module owns the synthetic stock (that year's national mix by age, UASC and placement,
``sim.world.years``, and time in care), its synthetic history before that date, and its
placing in the supply by the same matching the run uses (``place_initial``, shared with an
observed start).
"""

from __future__ import annotations

import math

import numpy as np

from sim.population import entry, stock, table
from sim.population.admission import initial_events, new_children, place_without_search
from sim.population.children import (
    ETHNIC,
    ETHNIC_UASC,
    U_LS,
    U_LS_DAYS,
    Child,
)
from sim.records import (
    LS,
    PLACE,
    PROVIDER,
    RNE,
)
from sim.world import uasc, years

# Placement of the stock by age band (parents, kin, foster, home, secure, SA, adoption,
# unregistered, settings outside the care market): the shape by age is an assumption; its
# margins are fitted to each year's age shares and placement mix [file] DfE
# (``sim.world.years.stock_mix``). Kinship care (15.6% of CLA in 2025 [sec] FOI census) is part
# of DfE's foster placements: the group's total is fitted, and the shape's split between kin
# and other carers kept. The last column's shape (mother and baby units for babies; care homes,
# schools, health settings and custody for older children: ``sim.engine.other_settings``) is
# an assumption too.
STOCK_PLAN = np.array(
    [
        [0.05, 0.22, 0.63, 0.00, 0.00, 0.00, 0.10, 0.00, 0.02],
        [0.09, 0.24, 0.55, 0.00, 0.00, 0.00, 0.12, 0.00, 0.005],
        [0.09, 0.22, 0.645, 0.03, 0.00, 0.00, 0.015, 0.00, 0.008],
        [0.06, 0.15, 0.55, 0.215, 0.006, 0.00, 0.00, 0.009, 0.015],
        [0.03, 0.08, 0.38, 0.14, 0.004, 0.35, 0.00, 0.016, 0.025],
    ]
)


STOCK_PLAN = STOCK_PLAN / STOCK_PLAN.sum(axis=1, keepdims=True)


# Mean time in care of the stock by age band, years (exponential, capped at age): assumption
# fitted to 59,430 of 81,770 CLA in care 2+ years and 28,710 under-16s in care 2.5+ years
# [file] DfE 2025.
STOCK_TIME_MEAN_YEARS = np.array([0.45, 2.2, 5.0, 7.0, 7.0])


# Share of stock children still in their first placement of the period of care: assumption
# tuned to long-term stability 69% [file] DfE 2025.
STOCK_FIRST_PLACEMENT = 0.5


# Extra search passes for children of the initial stock refused in the first: assumption.
INIT_RETRIES = 6


# Mean remaining stay of children already in care on a long stay, by current age band, years:
# assumption fitted to ceased 2024-25 by age (under 1 1,770; 1-4 6,250; 5-9 3,710; 10-15
# 4,860 [file] DfE 2025) net of new entrants' short stays.
STOCK_RESIDUAL_MEAN_YEARS = np.array([1.9, 3.5, 7.0, 14.0, 6.0])


def stock_mix_of(year: int, other: bool = True) -> years.StockMix:
    """The stock's mix at 31 March ``year``: ``STOCK_PLAN``'s shape fitted to that year.

    ``other`` false leaves out settings outside the care market
    (``params.placements.other_settings``).
    """
    return years.stock_mix(year, STOCK_PLAN, other=other)


# ---- initial children ---------------------------------------------------------------------------
def initial_children(model) -> int:
    """Each simulated LA's CLA at the start's 31 March, with a history, placed in the supply.

    Returns:
        The children left without a place (``place_initial``).
    """
    geo = model.geo
    mix = stock_mix_of(model.world_year, model.p.placements.other_settings)
    cla = years.la_stock(geo.las, model.world_year)
    n_la = np.round(cla * model.cfg.world.scale).astype(int) * model.is_sim
    las = np.repeat(np.arange(geo.n_la), n_la)
    children = new_children(model, las)
    n = len(children)
    t = model.table
    rows = np.fromiter((c.row for c in children), np.int64, n)
    bands, ages, uascs = stock.stock_draws(
        t.U, rows, np.cumsum(mix.age_share), np.asarray(mix.uasc_band), las,
        uasc.stock_factors(geo.las, cla),
    )  # fmt: skip
    prm, bands_prm = model.entry_params(0)
    who = entry.identities(t.U[rows], las, ages, uascs, 0, prm, (geo.d_start, geo.d_cumw))
    first = stock.stock_children(
        t.I,
        t.U,
        rows,
        who,
        bands,
        ages,
        uascs,
        np.cumsum(mix.plan, axis=1),
        STOCK_TIME_MEAN_YEARS,
        STOCK_RESIDUAL_MEAN_YEARS,
        model.la_exit_factor,
        prm,
        bands_prm,
    )
    np.add.at(model.uasc_stock, las[uascs], 1)
    np.add.at(model.stock, las, 1)
    ethnic = [
        (ETHNIC_UASC[0] if u else ETHNIC[0])[e]
        for u, e in zip(uascs.tolist(), who[:, 4].tolist(), strict=True)
    ]
    model.header.rows.extend(
        zip(
            t.I[rows, table.C_CID].tolist(),
            las.tolist(),
            who[:, 1].tolist(),
            who[:, 0].tolist(),
            ethnic,
            uascs.tolist(),
            strict=True,
        )
    )
    model.children.update((c.cid, c) for c in children)
    no_search, to_search, to_unreg, adoption = (
        [children[i] for i in np.flatnonzero(first == k).tolist()]
        for k in (stock.S_NO_SEARCH, stock.S_SEARCH, stock.S_UNREG, stock.S_ADOPTION)
    )
    return place_initial(model, children, no_search, to_search, to_unreg, adoption, backdate)


def place_initial(model, children, no_search, to_search, to_unreg, adoption, backdate) -> int:
    """Place the children in care at day 0, date their histories and schedule their events.

    Args:
        children: every child of the initial population.
        no_search: children with parents or kin (placed first, in this order).
        to_search: children to be matched (in this order after a seeded shuffle).
        to_unreg: children in unregistered settings at day 0.
        adoption: children placed for adoption at day 0.
        backdate: ``backdate(model, children)`` moves each child's current episode and
            placement start before day 0 and writes its earlier episodes.

    Returns:
        The children the searches left without a place (they start in unregistered settings).
    """
    place_without_search(model, np.fromiter((c.row for c in no_search), np.int64), 0)
    rng = model.streams["init"]
    order = rng.permutation(len(to_search))
    search = np.fromiter((to_search[i].row for i in order), np.int64, len(to_search))
    # The stock's plans are where DfE counts its children at that 31 March (``stock_mix``):
    # they are placed in their plan's kinds of unit (a wider search before any other kind),
    # and only those still refused after the retries may go to another kind.
    parts = []
    for k in range(0, len(search), 4000):
        model.fresh_vacancies()  # a fresh vacancy index for each chunk of the stock
        chunk = search[k : k + 4000]
        parts.append(model.search_and_place(chunk, 0, emergency=True, plan_kinds_only=True))
    left = np.concatenate(parts) if parts else np.zeros(0, np.int64)
    # Children already in care were placed at some point: those refused in the first pass are
    # offered again (fresh referrals) before any is counted in an unregistered setting.
    for attempt in range(INIT_RETRIES):
        if len(left) == 0:
            break
        model.fresh_vacancies()
        last = attempt == INIT_RETRIES - 1  # the last pass may use another kind
        left = model.search_and_place(left, 0, emergency=True, plan_kinds_only=not last)
    unplaced = len(left)
    unreg = np.concatenate([left, np.fromiter((c.row for c in to_unreg), np.int64, len(to_unreg))])
    model.place_unregistered(unreg, 0)
    model.table.W[unreg] = 0  # already settled there at day 0
    model.table.I[unreg, table.C_WAITING_SINCE] = -1
    for c in adoption:
        # Placed for adoption: the order follows in months (1,660 placed for adoption at 31
        # March 2025 against 3,040 adoptions a year [file] -> mean 200 days: derived).
        c.exit_route = "adoption"
        c.adoption_day = -1
        c.exit_day = max(1, int(-math.log(c.u[U_LS_DAYS]) * 200))
        model.place(c, -1, 0, False, RNE["S"])
        c.place = PLACE["A6"]
        c.provider = PROVIDER["PR1"]
        c.ls = LS["E1"]
    # Histories: move each child's current episode start back to its placement start, with one
    # synthetic earlier episode from the start of care when it is not in its first placement.
    backdate(model, children)
    initial_events(model, np.fromiter((c.row for c in children), np.int64, len(children)))
    model.counters["matches"] = 0
    model.counters["unregistered"] = 0
    return unplaced


def stock_legal_status(c: Child, tic: float) -> int:
    """Legal status of a child of the initial population (``stock.stock_ls``)."""
    return stock.stock_ls(bool(c.uasc), float(tic), float(c.u[U_LS]))


def backdate(model, children: list[Child]) -> None:
    """The initial population's placements dated before day 0 (``stock.stock_history``)."""
    episodes = model.episodes
    episodes.reserve(len(children))
    t = model.table
    rows = np.fromiter((c.row for c in children), np.int64, len(children))
    stock.stock_history(t.I, t.U, rows, episodes.buf, episodes.count, STOCK_FIRST_PLACEMENT)
