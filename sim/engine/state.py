"""The compiled mechanisms' shared terms: supply columns, parameter slots, codes, reports.

This module owns the names the kernels index by: the supply registry's columns a kernel reads
(``SUP_FIELDS``), the placement parameters' slots (``Q_*``, built by ``hazard_params``), the
event parameters' slots (``V_*``), what the event handlers report back (``OUT_*``), and the
code tables the rules read (PLACE of a unit's kind, exit reasons by route, the folding of two
changes on one day into one episode).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from sim.population.children import (
    EXIT_TABLES,
    UNPLANNED_CUM_LIST,
)
from sim.population.table import (
    PENDING_CODE,
    ROUTE_CODE,
    ROUTES,
)
from sim.records import (
    HOME,
    IFA,
    KIN,
    LS,
    PLACE,
    PLACE_CODES,
    PROVIDER,
    REC,
    RNE,
    RNE_CODES,
    RPC,
    SA,
    SECURE,
    UNPLANNED_RPC,
    UNREG,
    fold_rne,
)


class SupplyColumns(NamedTuple):
    """The supply registry's columns a kernel reads or changes (``sup``), one entry per unit."""

    kind: np.ndarray  # kind of place (``sim.records`` INHOUSE .. UNREG)
    occupied: np.ndarray  # children placed
    capacity: np.ndarray  # places
    reserved: np.ndarray  # places taken by children of councils outside a regional world
    open: np.ndarray  # registered and not closed
    matchable: np.ndarray  # may take a new child (False while winding down)
    close_day: np.ndarray  # model day it closed (-1 open)
    provider: np.ndarray  # owning provider (index)
    district: np.ndarray  # postcode district (index)
    list_price: np.ndarray  # GBP a week
    income_rate: np.ndarray  # GBP a week its children's placements pay, summed
    extra_cost_rate: np.ndarray  # GBP a week of complex needs' extra staffing, summed
    skill: np.ndarray  # 0 standard, 1 complex, 2 specialist
    grade: np.ndarray  # Ofsted grade, 0 outstanding .. 3 inadequate


SUP_FIELDS = SupplyColumns._fields


class NewUnitColumns(NamedTuple):
    """The supply's further columns a kernel writes when it registers a unit (``more``)."""

    sector: np.ndarray
    la: np.ndarray
    lat: np.ndarray  # degrees
    lon: np.ndarray  # degrees
    min_age: np.ndarray  # years
    max_age: np.ndarray  # years
    cost: np.ndarray  # GBP a week
    open_day: np.ndarray  # model day


class Books(NamedTuple):
    """Money by provider and council this financial year (``books``; ``ledger.Accounts``)."""

    sector: np.ndarray  # each provider's sector
    la: np.ndarray  # each provider's LA (-1 none)
    revenue: np.ndarray  # each provider's revenue, GBP
    spend: np.ndarray  # each council's spend, GBP


class Logs(NamedTuple):
    """The records kernels append to, each with its count (a one-element array) (``logs``)."""

    episodes: np.ndarray  # episode rows (``sim.records.EpisodeLog.COLUMNS``)
    n_episodes: np.ndarray
    ledger: np.ndarray  # payment rows (``sim.records.Ledger.COLUMNS``)
    n_ledger: np.ndarray
    drawn: np.ndarray  # events drawn, (day, event, child, version), until queued
    n_drawn: np.ndarray


class EventWorld(NamedTuple):
    """What the event handlers read besides the table and supply (``world``)."""

    row_of: np.ndarray  # table row of each child number (-1 none)
    stock: np.ndarray  # children in care by LA
    uasc_stock: np.ndarray  # UASC in care by LA
    provider_la: np.ndarray  # each provider's LA (councils) or -1
    hub_keep: np.ndarray  # by LA: factor on carers stopping after a breakdown (hub)
    la_order: np.ndarray  # each LA's LAs, nearest first
    d_start: np.ndarray  # each LA's first postcode district
    d_cumw: np.ndarray  # districts' cumulative population weights
    nts_due: np.ndarray  # by LA: UASC referred to it and not yet transferred
    next_cid: np.ndarray  # the next child number (one element; a transfer takes one)


class Entrants(NamedTuple):
    """A run of days' entrants as ``engine.admit_day`` stores them for the model."""

    futures: np.ndarray  # their ``entry_futures`` rows
    cids: np.ndarray  # child numbers
    rows: np.ndarray  # table rows
    count: np.ndarray  # how many are stored (a one-element array)


class DayEntry(NamedTuple):
    """What a run of days' entries read and write (``engine.run_days``)."""

    plan: tuple  # the arrivals and entry terms (``arrivals.EntryPlan``), every day's LAs
    starts: np.ndarray  # where each day's arrivals begin in ``plan.las`` (days + 1 entries)
    table: tuple  # the child table's state (``table.TableState``)
    freed: np.ndarray  # rows freed today (``ChildTable.freed``)
    stock: np.ndarray  # children in care by LA
    cid0: int  # the next child number
    ev_codes: np.ndarray  # the calendar's codes of the events fixed at entry
    var: float  # variance of the propensity to move (``placements.move_propensity_variance``)
    child_days: np.ndarray  # child-days by LA this year (each day adds the stock)
    entrants: Entrants  # where the entrants go for the model


class DayCalendar(NamedTuple):
    """The calendar as a run of days takes it (``engine.run_days``)."""

    arrays: tuple  # ``calendar.CalendarArrays``
    done: int  # the last day handled
    late: np.ndarray  # events for a day already handled: (event, child, version) rows


class DayUrgent(NamedTuple):
    """What a run of days' urgent rounds read and write (``engine.run_days``)."""

    before: np.ndarray  # children queued before the first day, in order
    row_of: np.ndarray  # table row of each child number (-1 none)
    base: int  # the first new unit (kinship households and unregistered settings)
    kin: tuple  # kinship terms (``KernelInputs.urgent_inputs``)
    geo: tuple  # geography
    search: tuple  # the search's terms and vacancy state (``terms.UrgentSearch``)
    said: np.ndarray  # out: the handlers' reports (``OUT_*``, a, b)
    names: np.ndarray  # out: each new unit's child number (kinship) or -1 (unregistered)
    out_n: np.ndarray  # out: how many reports and names were written


class DaysRun(NamedTuple):
    """What ``engine.run_days`` returns."""

    day: int  # the first day not run (``last`` + 1 when all ran)
    next_cid: int  # the next child number
    base: int  # the next new unit
    prevented: int  # leads kept out of care (prevention)
    queued: int  # events queued
    placed: int  # placements made
    unregistered: int  # of them, in unregistered settings
    split: int  # children of sibling groups placed apart
    vac_start: np.ndarray  # the vacancy index's start (``matching.VacancyIndex``)
    vac_units: np.ndarray  # and its units


# Placement parameters (``PlacementParams`` and prices) as ``pp`` entries.
(
    Q_HAZARD_SHAPE,
    Q_TEMPORARY_MEAN_DAYS,
    Q_P_STATUS_CHANGE,
    Q_STATUS_CHANGE_MEAN_DAYS,
    Q_MISFIT_MULTIPLIER,
    Q_DISTANCE_MULTIPLIER,
    Q_QUALITY_MULTIPLIER,
    Q_COMPLEX_PREMIUM,
    Q_BASE_MARKUP,
    Q_KIN_SUPPORT_ON,  # 1 when a kinship-support lever exists (its weekly payment is added)
    Q_KIN_SUPPORT_GBP,  # £/week added to a kinship placement's price
    Q_KIN_HAZARD,  # multiplier on the kinship unplanned hazard (1 when the lever is inactive)
    Q_MATCHED_MULTIPLIER,  # multiplier on both hazards of a placement found by planned search
    Q_TWENTY_MILES_KM,
    Q_OTHER_STAY_DAYS,  # mean stay in a setting outside the care market, days
) = range(15)


N_PP = 15


REC_X1 = REC["X1"]


RNE_S, RNE_P = RNE["S"], RNE["P"]


RPC_OTHER = RPC["OTHER"]


ROUTE_ADOPTION = ROUTE_CODE["adoption"]


PENDING_UNPLANNED = PENDING_CODE["unplanned"]


PENDING_PLANNED = PENDING_CODE["planned"]


PENDING_STATUS = PENDING_CODE["status"]


PR_OWN_LA, PR_OTHER_LA, PR_PRIVATE, PR_VOLUNTARY = (
    PROVIDER[c] for c in ("PR1", "PR2", "PR4", "PR5")
)


PR_PARENTS = PROVIDER["PR0"]


PLACE_P1, PLACE_U4, PLACE_U5, PLACE_U6 = (PLACE[c] for c in ("P1", "U4", "U5", "U6"))


# PLACE code of a unit of each kind (foster care's depends on the child: see ``place_code``).
KIND_PLACE = np.full(7, -1, np.int64)


KIND_PLACE[KIN], KIND_PLACE[HOME], KIND_PLACE[SECURE] = PLACE["U3"], PLACE["K2"], PLACE["K1"]


KIND_PLACE[SA], KIND_PLACE[UNREG] = PLACE["K3"], PLACE["Z1"]


# Kinds whose independent providers price complex needs (and bear their extra staffing cost).
PREMIUM_KIND = np.zeros(7, np.bool_)


PREMIUM_KIND[[IFA, HOME, SECURE, SA]] = True


# RNE of one episode standing for two changes on one day (``sim.records.fold_rne``).
FOLD_RNE = np.array(
    [[fold_rne(a, b) for b in range(len(RNE_CODES))] for a in range(len(RNE_CODES))], np.int64
)


def hazard_params(p) -> tuple[np.ndarray, tuple]:
    """``pp`` (the hazard entries set, the rest 0) and ``rates`` of ``PlacementParams`` ``p``."""
    pp = np.zeros(N_PP)
    pp[Q_HAZARD_SHAPE] = p.hazard_shape
    pp[Q_TEMPORARY_MEAN_DAYS] = p.temporary_mean_days
    pp[Q_P_STATUS_CHANGE] = p.p_status_change
    pp[Q_STATUS_CHANGE_MEAN_DAYS] = p.status_change_mean_days
    pp[Q_MISFIT_MULTIPLIER] = p.misfit_multiplier
    pp[Q_DISTANCE_MULTIPLIER] = p.distance_multiplier
    pp[Q_QUALITY_MULTIPLIER] = p.quality_multiplier
    pp[Q_KIN_HAZARD] = 1.0
    pp[Q_MATCHED_MULTIPLIER] = p.planned_match_multiplier
    pp[Q_OTHER_STAY_DAYS] = p.other_setting_mean_days
    rates = (
        np.asarray(p.unplanned_rate, float),
        np.asarray(p.planned_rate, float),
        np.asarray(p.age_multiplier, float),
    )
    return pp, rates


# ---- a day's child events -------------------------------------------------------------------
# What ``handle_events`` reports back, in order: (what, a, b): (OUT_URGENT, child, 0),
# (OUT_EXIT, child, its row), (OUT_STAYING_CLOSE, LA, last day of support), (OUT_TRANSFER,
# the child's new number in the council it was transferred to, its number before).
OUT_URGENT, OUT_EXIT, OUT_STAYING_CLOSE, OUT_TRANSFER = range(4)


# Event parameters (``ev_prm``).
(
    V_STAYING_PUT,  # share of fostered 18-year-olds staying put
    V_SC_ON,  # Staying Close active today (1/0)
    V_SC_TAKE_UP,
    V_SC_DAYS,  # days of Staying Close support
    V_SC_STAY,  # share of 16-17s in homes who stay rather than move out (Staying Close)
    V_DEREGISTER,  # share of carers who stop after a breakdown
    V_HUB_ON,  # recruitment hub active today (1/0)
    V_ESCALATE,
    V_OTHER_SHARE,
    V_STEP_DOWN,
) = range(10)


N_V = 10


PLAN_PARENTS_, PLAN_KIN_, PLAN_FOSTER_, PLAN_HOME_, PLAN_SECURE_, PLAN_SA_, PLAN_OTHER_ = range(7)


RPC_CARPL, RPC_PLACE = RPC["CARPL"], RPC["PLACE"]


REC_E17, REC_E5 = REC["E17"], REC["E5"]
REC_E3 = REC["E3"]  # care taken by another council (a National Transfer Scheme transfer)
# Special guardianship to former foster carers (E45 relative or friend, E46 other) needs a
# foster placement (U1-U6) to end; from any other the order is to other carers (E47, E48): the
# DfE's rule 516.
REC_E45, REC_E46, REC_E47, REC_E48 = REC["E45"], REC["E46"], REC["E47"], REC["E48"]


LS_E1, LS_C1, LS_C2, LS_L1, LS_L2 = LS["E1"], LS["C1"], LS["C2"], LS["L1"], LS["L2"]


RNE_T, RNE_B, RNE_L, RNE_U = RNE["T"], RNE["B"], RNE["L"], RNE["U"]


PLACE_A5, PLACE_A6 = PLACE["A5"], PLACE["A6"]


PR_VOLUNTARY_ = PROVIDER["PR5"]


# Whether a PLACE code is a placement for adoption (A*); the carers' change of approval
# (short-term to long-term: U6, U5 -> U4; U3 -> U1; -1 none).
IS_ADOPTION_PLACE = np.array([c.startswith("A") for c in PLACE_CODES], np.bool_)
IS_FOSTER_PLACE = np.array([c in ("U1", "U2", "U3", "U4", "U5", "U6") for c in PLACE_CODES])


STATUS_PLACE = np.full(len(PLACE_CODES), -1, np.int64)


for _a, _b in (("U6", "U4"), ("U3", "U1"), ("U5", "U4")):
    STATUS_PLACE[PLACE[_a]] = PLACE[_b]


# Exit reasons by route (``children.EXIT_REASONS``), padded: codes, cumulative shares, lengths.
EXIT_N = np.array([len(EXIT_TABLES[r][0]) for r in ROUTES], np.int64)


EXIT_CODES = np.full((len(ROUTES), int(EXIT_N.max())), -1, np.int64)


EXIT_CUM = np.full((len(ROUTES), int(EXIT_N.max())), 2.0)


for _i, _r in enumerate(ROUTES):
    EXIT_CODES[_i, : EXIT_N[_i]] = EXIT_TABLES[_r][0]
    EXIT_CUM[_i, : EXIT_N[_i]] = EXIT_TABLES[_r][1]


ROUTE_AT18, ROUTE_YOUNG_LONG = ROUTE_CODE["at18"], ROUTE_CODE["young_long"]


UNPLANNED_CODES = np.array([RPC[c] for c in UNPLANNED_RPC], np.int64)


UNPLANNED_CUM = np.array(UNPLANNED_CUM_LIST)


# ``TRUE_FLAG <= day`` is True on every day, typed as a plain bool: a literal True would make numba
# compile the callee a second time (for ``Literal[bool](True)``), as Python passes a bool.
TRUE_FLAG = -(1 << 62)
