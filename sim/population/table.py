"""The children's state as a table of numpy columns: one row per child in care.

This module owns where a child's state lives. Every attribute of a ``Child`` that changes or
is read in the daily processes is a column here (``I`` integers and flags, ``F`` money and
multipliers, ``U`` the child's 85 own uniforms), so that compiled kernels can handle a day's
events and placements over many children at once, and the ``Child`` agent is a view on its
row. Rows are reused: a child's row is freed when it leaves care and offered again from the
next day (never on the same day, so a view still held in a day's queue reads its own child
until the queue is done). Columns are named by ``C_*`` (into ``I``) and ``CF_*`` (into ``F``).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit

from sim.records import (
    CIN,
    LS,
    PLAN_FOSTER,
)

N_UNIFORMS = 88

# Integer columns and their defaults (a new row's value when the entry rules leave it unset).
INT_COLUMNS: tuple[tuple[str, int], ...] = (
    ("cid", 0),  # SSDA903 CHILD
    ("la", 0),  # responsible LA
    ("home_d", -1),  # home postcode district (-1 unknown)
    ("dob", 0),  # model day
    ("sex", 1),
    ("uasc", 0),
    ("cin", CIN["N1"]),
    ("ls", LS["V2"]),
    ("tier", 0),
    ("plan", PLAN_FOSTER),
    ("care_start", 0),
    ("exit_day", 0),
    ("exit_route", 0),  # index into ROUTES
    ("adoption_day", -1),
    ("sibling_of", -1),
    ("group_size", 1),
    ("unit", -1),
    ("place", -1),
    ("provider", -1),
    ("payee", -1),
    ("kind", -1),
    ("pl_d", -1),
    ("ep_start", 0),
    ("ep_rne", 0),
    ("place_start", 0),
    ("n_placements", 0),
    ("billed_to", 0),
    ("version", 0),
    ("waiting_since", -1),
    ("temporary", 0),
    ("status_changed", 0),
    ("pending", 0),  # index into PENDING
    ("move_rpc", -1),
    ("prev_unit", -1),
    ("next_ls", -1),
    ("ls_day", 0),
    ("far", 0),
    ("matched", 0),
    ("ep_unit", -1),
    ("last_row", -1),
    ("observed", 0),
    ("fold_rne", -1),
    ("n_draws", 0),
    ("away", 0),
    ("transfer_to", -1),  # the council a UASC is due to be transferred to (-2 outside the world)
    ("first_cid", -1),  # after a transfer, the child number its events at entry are keyed by
)
FLOAT_COLUMNS: tuple[tuple[str, float], ...] = (
    ("price", 0.0),  # £/week
    ("extra_cost", 0.0),  # £/week
    ("propensity", 1.0),
)
BOOL_COLUMNS = (
    "uasc",
    "temporary",
    "status_changed",
    "far",
    "matched",
    "observed",
    "away",
)

(
    C_CID,
    C_LA,
    C_HOME_D,
    C_DOB,
    C_SEX,
    C_UASC,
    C_CIN,
    C_LS,
    C_TIER,
    C_PLAN,
    C_CARE_START,
    C_EXIT_DAY,
    C_EXIT_ROUTE,
    C_ADOPTION_DAY,
    C_SIBLING_OF,
    C_GROUP_SIZE,
    C_UNIT,
    C_PLACE,
    C_PROVIDER,
    C_PAYEE,
    C_KIND,
    C_PL_D,
    C_EP_START,
    C_EP_RNE,
    C_PLACE_START,
    C_N_PLACEMENTS,
    C_BILLED_TO,
    C_VERSION,
    C_WAITING_SINCE,
    C_TEMPORARY,
    C_STATUS_CHANGED,
    C_PENDING,
    C_MOVE_RPC,
    C_PREV_UNIT,
    C_NEXT_LS,
    C_LS_DAY,
    C_FAR,
    C_MATCHED,
    C_EP_UNIT,
    C_LAST_ROW,
    C_OBSERVED,
    C_FOLD_RNE,
    C_N_DRAWS,
    C_AWAY,
    C_TRANSFER_TO,
    C_FIRST_CID,
) = range(len(INT_COLUMNS))
CF_PRICE, CF_EXTRA_COST, CF_PROPENSITY = range(len(FLOAT_COLUMNS))
INT_INDEX = {name: i for i, (name, _) in enumerate(INT_COLUMNS)}
FLOAT_INDEX = {name: i for i, (name, _) in enumerate(FLOAT_COLUMNS)}

# Why a child will leave care (the entry rules' route codes, ``sim.population.entry.R_*``).
ROUTES = ("short", "young_long", "older_long", "uasc", "at18", "adoption")
ROUTE_CODE = {r: i for i, r in enumerate(ROUTES)}
# The pending placement event's type.
PENDING = ("", "unplanned", "planned", "status")
PENDING_CODE = {p: i for i, p in enumerate(PENDING)}


class ChildColumns(NamedTuple):
    """The child table's arrays as the compiled kernels take them (``tab``)."""

    I: np.ndarray  # noqa: E741 - integer columns, ``C_*``
    F: np.ndarray  # float columns, ``CF_*``
    U: np.ndarray  # each child's own uniforms (``sim.population.children`` slots)
    W: np.ndarray  # waiting for a planned move (0/1)


# Slots of ``ChildTable.counts``.
ROWS_USED = 0  # rows ever handed out
ROWS_FREE = 1  # rows on the free stack
ROWS_FREED_TODAY = 2  # rows freed today (free from the next day)


class TableState(NamedTuple):
    """The child table's arrays and row bookkeeping as an entry kernel takes them."""

    I: np.ndarray  # noqa: E741 - integer columns, ``C_*``
    F: np.ndarray  # float columns, ``CF_*``
    U: np.ndarray  # each child's own uniforms
    W: np.ndarray  # waiting for a planned move (0/1)
    free_stack: np.ndarray  # rows free to reuse (top last)
    counts: np.ndarray  # ``ROWS_USED``, ``ROWS_FREE``, ``ROWS_FREED_TODAY``
    default_i: np.ndarray  # a new row's integer columns
    default_f: np.ndarray  # a new row's float columns
    row_of: np.ndarray  # each child number's row (-1: not in care)


class ChildTable:
    """Rows of children's state, grown by doubling; freed rows are reused from the next day.

    Attributes:
        I: integer columns (``C_*``), one row per child.
        F: float columns (``CF_*``).
        U: the child's own uniforms (``sim.rng.child_uniforms``), ``N_UNIFORMS`` per row.
        W: 1 for a child in the model's planned queue (``PlacementModel.planned``), else 0;
            a column of its own so that the weekly round reads it in one contiguous pass.
        n: rows ever handed out (the high-water mark).
    """

    def __init__(self, capacity: int = 1024) -> None:
        self.default_i = np.array([v for _, v in INT_COLUMNS], dtype=np.int64)
        self.default_f = np.array([v for _, v in FLOAT_COLUMNS], dtype=float)
        self.I = np.empty((0, len(INT_COLUMNS)), np.int64)
        self.F = np.empty((0, len(FLOAT_COLUMNS)))
        self.U = np.empty((0, N_UNIFORMS))
        self.W = np.empty(0, np.int8)
        # [rows ever used, rows on the free stack, rows freed today]: shared with compiled code.
        self.counts = np.zeros(3, np.int64)
        self.row_of = np.full(1024, -1, np.int64)  # each child number's row (-1: not in care)
        # Rows free to reuse (a stack, top last) and rows freed today (free from the next day),
        # in the order freed; each has room for every row of the table.
        self.free_stack = np.zeros(0, np.int64)
        self.freed = np.zeros(0, np.int64)
        self._grow(capacity)

    @property
    def n(self) -> int:
        """Rows ever used (the table's high-water mark)."""
        return int(self.counts[ROWS_USED])

    def _grow(self, need: int) -> None:
        cap = max(need, 2 * len(self.I), 1024)
        old = self.W
        self.W = np.zeros(cap, np.int8)
        self.W[: len(old)] = old
        for name in ("free_stack", "freed"):
            old = getattr(self, name)
            new = np.zeros(cap, np.int64)
            new[: len(old)] = old
            setattr(self, name, new)
        for name, width in (("I", self.I.shape[1]), ("F", self.F.shape[1]), ("U", N_UNIFORMS)):
            old = getattr(self, name)
            new = np.zeros((cap, width), old.dtype)
            new[: len(old)] = old
            setattr(self, name, new)

    def reserve(self, rows: int) -> None:
        """Room for ``rows`` rows in all (a speed setting: growing copies the table)."""
        if rows > len(self.I):
            self._grow(rows)

    def reserve_new(self, k: int) -> None:
        """Room for ``k`` rows beyond the high-water mark (``alloc`` may then take them)."""
        if self.n + k > len(self.I):
            self._grow(self.n + k)

    def alloc(self, k: int) -> np.ndarray:
        """``k`` rows set to the defaults: reused rows first (last freed first), then new."""
        self.reserve_new(k)
        return alloc_rows(self.free_stack, self.counts, k, self.I, self.F, self.W, *self.defaults)

    def state(self) -> TableState:
        """The arrays and row bookkeeping an entry kernel writes (``arrivals.admit_rows``)."""
        return TableState(
            self.I, self.F, self.U, self.W, self.free_stack, self.counts, *self.defaults,
            self.row_of,
        )  # fmt: skip

    @property
    def defaults(self) -> tuple[np.ndarray, np.ndarray]:
        """A new row's integer and float columns."""
        return self.default_i, self.default_f

    @property
    def kernel_view(self) -> ChildColumns:
        """The table as the compiled kernels take it (``tab``)."""
        return ChildColumns(self.I, self.F, self.U, self.W)

    def rows_in_care(self) -> np.ndarray:
        """Rows of the children in care, in order of child number."""
        cids = self.I[: self.n, C_CID]
        ok = cids < len(self.row_of)
        rows = np.flatnonzero(ok)
        rows = rows[self.row_of[cids[rows]] == rows]
        return rows[np.argsort(cids[rows], kind="stable")]

    def free(self, row: int) -> None:
        """Free ``row`` (its child has left care): reusable from the next ``new_day``."""
        self.free_rows([row])

    def free_rows(self, rows: list[int]) -> None:
        """``free`` each of ``rows``, in order."""
        self.row_of[self.I[rows, C_CID]] = -1
        k = int(self.counts[ROWS_FREED_TODAY])
        self.freed[k : k + len(rows)] = rows
        self.counts[ROWS_FREED_TODAY] = k + len(rows)

    def index(self, cids: np.ndarray, rows: np.ndarray) -> None:
        """Record the rows of children ``cids`` (``row_of``)."""
        if len(cids) == 0:
            return
        self.reserve_cids(int(cids.max()))
        self.row_of[cids] = rows

    def reserve_cids(self, top: int) -> None:
        """Room in ``row_of`` for child numbers up to ``top``."""
        if top >= len(self.row_of):
            grown = np.full(max(2 * len(self.row_of), top + 1), -1, np.int64)
            grown[: len(self.row_of)] = self.row_of
            self.row_of = grown

    def new_day(self) -> None:
        """Rows freed before today become reusable."""
        if self.counts[ROWS_FREED_TODAY]:
            new_day_rows(self.free_stack, self.freed, self.counts)

    def live_rows(self) -> int:
        """Rows in use (children in care)."""
        return self.n - int(self.counts[ROWS_FREE]) - int(self.counts[ROWS_FREED_TODAY])


@njit(cache=True)
def alloc_rows(free_stack, counts, k, ti, tf, tw, default_i, default_f):  # pragma: no cover
    """``k`` rows set to the defaults: popped from the free stack first, then new ones.

    ``counts``: the table's (``ROWS_*``); the table has room for the new rows.
    """
    out = np.empty(k, np.int64)
    take = min(k, counts[ROWS_FREE])
    for j in range(take):
        out[j] = free_stack[counts[ROWS_FREE] - 1 - j]
    counts[ROWS_FREE] -= take
    for j in range(take, k):
        out[j] = counts[ROWS_USED] + j - take
    counts[ROWS_USED] += k - take
    for j in range(k):
        r = out[j]
        ti[r, :] = default_i
        tf[r, :] = default_f
        tw[r] = 0
    return out


@njit(cache=True)
def new_day_rows(free_stack, freed, counts):  # pragma: no cover - compiled
    """The rows freed before today go on the free stack, in the order freed (``new_day``)."""
    k, m = counts[ROWS_FREE], counts[ROWS_FREED_TODAY]
    for j in range(m):
        free_stack[k + j] = freed[j]
    counts[ROWS_FREE] = k + m
    counts[ROWS_FREED_TODAY] = 0
