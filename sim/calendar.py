"""The event calendar: children's scheduled events by day, as arrays the compiled code reads.

This module owns when each child's scheduled events are due and the order they are handled in.
Each day's events form a linked list over one store of (event, child, version) rows, in the
order they were scheduled, which is the order they are handled in. Scheduling appends at a
day's tail and taking a day's events hands its rows back to a free list, both in compiled code
(numba), so a run's million events never pass through Python one by one; events scheduled one
at a time from Python are buffered and go in with the next push or take, in order. An event for
a day already handled ("late") waits in a small heap and is handled first thing on the next day
handled, in (day, order).
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator
from typing import NamedTuple

import numpy as np
from numba import njit

# The children's events: leaving care, a placement's next event (an unplanned ending, a planned
# move or a change of the carers' approval), the adoptive placement, a change of legal status and
# the move to supported accommodation at 16-17, and an unaccompanied child's transfer to another
# council (the National Transfer Scheme).
EV_EXIT, EV_PLACEMENT, EV_ADOPTION, EV_LS, EV_SA16, EV_TRANSFER = range(6)

# How far ahead of the day being handled an event can fall, days: a child's events come before
# it leaves care, at 18 at the latest (an entrant may be newborn); 8,000 days is 21.9 years.
EVENT_HORIZON_DAYS = 8000
# Meta slots: rows ever used (the store's high-water mark), head of the free list, its length.
M_USED, M_FREE, M_NFREE = 0, 1, 2


class CalendarArrays(NamedTuple):
    """The calendar's arrays, as the compiled code takes them (``Calendar.arrays``).

    Attributes:
        head: by day, the store row of its first event (-1: none).
        tail: by day, the store row of its last event (-1: none).
        store: (event, child, version) rows.
        nxt: by store row, the next row of the same day (or of the free list); -1 at the end.
        meta: rows ever used, head of the free list and its length (``M_*``).
        late_ix: where ``push_events`` writes the indices of events due on a day handled.
        count: by day, events queued.
    """

    head: np.ndarray
    tail: np.ndarray
    store: np.ndarray
    nxt: np.ndarray
    meta: np.ndarray
    late_ix: np.ndarray
    count: np.ndarray


@njit(cache=True)
def push_events(cal, events, n, done):
    """Append ``events[:n]`` (day, event, child, version) at their days' tails, in order.

    ``cal``: the calendar's arrays (``CalendarArrays``). Events due on or before ``done`` (a
    day handled) are not queued: their indices go to ``cal.late_ix``. Returns how many went
    there, or -1, with nothing queued, when the calendar has no room for them
    (``Calendar._room`` makes it).
    """
    head, tail, store, nxt, meta = cal.head, cal.tail, cal.store, cal.nxt, cal.meta
    late, count = cal.late_ix, cal.count
    if n > len(late) or meta[M_USED] + n - meta[M_NFREE] > len(nxt):
        return -1
    for j in range(n):
        if events[j, 0] >= len(head):
            return -1
    n_late = 0
    for j in range(n):
        day = events[j, 0]
        if day <= done:
            late[n_late] = j
            n_late += 1
            continue
        k = meta[M_FREE]
        if k >= 0:
            meta[M_FREE] = nxt[k]
            meta[M_NFREE] -= 1
        else:
            k = meta[M_USED]
            meta[M_USED] = k + 1
        store[k, 0] = events[j, 1]
        store[k, 1] = events[j, 2]
        store[k, 2] = events[j, 3]
        nxt[k] = -1
        t = tail[day]
        if t >= 0:
            nxt[t] = k
        else:
            head[day] = k
        tail[day] = k
        count[day] += 1
    return n_late


@njit(cache=True)
def _last_day(events, n):
    """The latest day of ``events[:n]``."""
    top = events[0, 0]
    for j in range(1, n):
        top = max(top, events[j, 0])
    return top


@njit(cache=True)
def take_events(cal, day):
    """The events of ``day`` in order, as (event, child, version) rows; their rows are freed.

    ``cal``: the calendar's arrays (``CalendarArrays``).
    """
    head, tail, store, nxt, meta, count = (
        cal.head,
        cal.tail,
        cal.store,
        cal.nxt,
        cal.meta,
        cal.count,
    )
    n = count[day]
    count[day] = 0
    out = np.empty((n, 3), np.int64)
    k = head[day]
    j = 0
    while k >= 0:
        out[j, 0] = store[k, 0]
        out[j, 1] = store[k, 1]
        out[j, 2] = store[k, 2]
        j += 1
        last = k
        k = nxt[k]
    if n:
        nxt[last] = meta[M_FREE]
        meta[M_FREE] = head[day]
        meta[M_NFREE] += n
        head[day] = -1
        tail[day] = -1
    return out


class Calendar:
    """Children's scheduled events by day (see the module docstring).

    Args:
        days: days the calendar first has room for (it grows).
        rows: events it first has room for (it grows).
    """

    def __init__(self, days: int = 4096, rows: int = 1 << 15) -> None:
        self.head = np.full(days, -1, np.int64)
        self.tail = np.full(days, -1, np.int64)
        self.store = np.zeros((rows, 3), np.int64)
        self.nxt = np.full(rows, -1, np.int64)
        self.meta = np.array([0, -1, 0], np.int64)
        self.count = np.zeros(days, np.int64)  # events queued for each day
        self.done = 0  # the last day whose events were taken (day 0 has none)
        self.late: list[tuple[int, int, int, int, int]] = []
        self._seq = 0
        self._late_ix = np.zeros(64, np.int64)
        self._added: list[tuple[int, int, int, int]] = []  # ``add``ed, not yet pushed

    def __len__(self) -> int:
        """Events pending (late ones included)."""
        return sum(1 for _ in self.pending())

    def _room(self, n: int, last_day: int) -> None:
        if last_day >= len(self.head):
            grow = max(last_day + 366, 2 * len(self.head)) - len(self.head)
            self.head = np.concatenate([self.head, np.full(grow, -1, np.int64)])
            self.tail = np.concatenate([self.tail, np.full(grow, -1, np.int64)])
            self.count = np.concatenate([self.count, np.zeros(grow, np.int64)])
        need = int(self.meta[M_USED]) + n - int(self.meta[M_NFREE])
        if need > len(self.nxt):
            size = max(2 * len(self.nxt), need)
            store = np.zeros((size, 3), np.int64)
            store[: len(self.store)] = self.store
            nxt = np.full(size, -1, np.int64)
            nxt[: len(self.nxt)] = self.nxt
            self.store, self.nxt = store, nxt
        if n > len(self._late_ix):
            self._late_ix = np.zeros(n, np.int64)

    def make_room(self, n: int, last_day: int) -> None:
        """Room for ``n`` more events, on days up to ``last_day`` (for compiled code's pushes)."""
        self._room(n, last_day)

    def push(self, events: np.ndarray, n: int | None = None) -> None:
        """Schedule ``events[:n]``, rows of (day, event, child, version), in order."""
        if self._added:
            self._flush()
        self._queue(events, n)

    def _flush(self) -> None:
        added, self._added = self._added, []
        self._queue(np.array(added, np.int64).reshape(-1, 4))

    def _queue(self, events: np.ndarray, n: int | None = None) -> None:
        n = len(events) if n is None else n
        if n == 0:
            return
        k = push_events(self.arrays(), events, n, self.done)
        if k < 0:  # no room: make it, then queue
            self._room(n, _last_day(events, n))
            k = push_events(self.arrays(), events, n, self.done)
        self.settle(events, n, k)

    def settle(self, events: np.ndarray, n: int, k: int) -> None:
        """Finish queueing ``events[:n]`` after ``push_events`` put them in and returned ``k``.

        The ``k`` late ones (indices in ``_late_ix``) wait in the heap, in (day, order).
        """
        seq = self._seq
        if k:
            for j in self._late_ix[:k].tolist():
                day, ev, cid, version = events[j].tolist()
                heapq.heappush(self.late, (day, seq + j, ev, cid, version))
        self._seq = seq + n

    def add(self, day: int, ev: int, cid: int, version: int) -> None:
        """Schedule one event (queued with the next push or take, in order)."""
        self._added.append((day, ev, cid, version))

    def due(self, day: int) -> int:
        """How many events ``take(day)`` would return.

        -1 when events scheduled late or one at a time are waiting: ``take`` merges them.
        """
        if self.late or self._added:
            return -1
        return int(self.count[day]) if day < len(self.count) else 0

    def arrays(self) -> CalendarArrays:
        """The calendar's arrays as the compiled code takes them (e.g. ``engine.run_days``).

        New arrays after it grows. Events queued by compiled code (``push_events``) are then
        ``settle``d.
        """
        return CalendarArrays(
            self.head, self.tail, self.store, self.nxt, self.meta, self._late_ix, self.count
        )

    def take_late(self) -> np.ndarray:
        """The events waiting for a day already handled, as (event, child, version) rows.

        In (day, order); events scheduled one at a time are queued first (those due on a day
        handled are late too). None wait afterwards.
        """
        if self._added:
            self._flush()
        late = []
        while self.late:
            _, _, ev, cid, version = heapq.heappop(self.late)
            late.append((ev, cid, version))
        return np.array(late, np.int64).reshape(-1, 3)

    def take(self, day: int) -> np.ndarray:
        """The events due on ``day`` as (event, child, version) rows; their rows are freed.

        Late events come first, in (day, order), then the day's own in order. Events pushed
        afterwards for ``day`` or before are late.
        """
        if self._added:
            self._flush()
        if day < len(self.head):
            own = take_events(self.arrays(), day)
        else:
            own = np.zeros((0, 3), np.int64)
        self.done = max(self.done, day)
        if not self.late:
            return own
        late = []
        while self.late:
            _, _, ev, cid, version = heapq.heappop(self.late)
            late.append((ev, cid, version))
        return np.concatenate([np.array(late, np.int64).reshape(-1, 3), own])

    def pending(self) -> Iterator[tuple[int, int, int, int]]:
        """Every pending event as (day, event, child, version), in the order of handling."""
        if self._added:
            self._flush()
        for day, _, ev, cid, version in sorted(self.late):
            yield day, ev, cid, version
        for day in range(self.done + 1, len(self.head)):
            k = int(self.head[day])
            while k >= 0:
                ev, cid, version = self.store[k].tolist()
                yield day, ev, cid, version
                k = int(self.nxt[k])
