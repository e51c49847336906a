"""The National Transfer Scheme: which unaccompanied children are transferred, and where to.

This module owns the compiled rules of the scheme (docs/facts.md §1.9): a council whose
unaccompanied children in care are at its quota (0.1% of its child population) refers a newly
arrived child (``refer``), the rota's region takes the referral and the council there with most
room under its quota takes the child (``destination``); a regional plan (the
``uasc_dispersal`` lever) looks in the referring council's own region first. The transfer
itself, ten days on (``params.entry.nts_transfer_days``), is an event
(``sim.engine.events.transfer``). In a world of some councils only, a referral to a region's
councils outside the world leaves the world (``OUTSIDE``).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit

# ``destination``'s answers besides a council: no transfer; a council outside the world.
NO_TRANSFER, OUTSIDE = -1, -2


class Nts(NamedTuple):
    """The scheme's terms by council and by region (the rota's nine English regions)."""

    quota: np.ndarray  # by LA: UASC in care at which it refers arrivals (0.1% of children)
    is_sim: np.ndarray  # by LA: simulated
    region: np.ndarray  # by LA: its region on the rota (London one region)
    region_cum: np.ndarray  # cumulative share of England's children by region: the rota's turns
    region_sim_share: np.ndarray  # by region: share of its children in simulated councils
    due: np.ndarray  # by LA: children referred to it and not yet transferred


@njit(cache=True)
def most_room(nts: Nts, stock: np.ndarray, region: int, la: int) -> int:  # pragma: no cover
    """The simulated council of ``region`` (not ``la``) with most room under its quota, or -1.

    Room is the quota less the children it is responsible for and those due to it; ties go to
    the first council.
    """
    best, room_best = -1, 0.0
    for j in range(len(nts.quota)):
        if j == la or not nts.is_sim[j] or nts.region[j] != region:
            continue
        room = nts.quota[j] - stock[j] - nts.due[j]
        if room > room_best:
            best, room_best = j, room
    return best


@njit(cache=True)
def destination(
    nts: Nts, stock: np.ndarray, la: int, u: float, own_region_first: bool
) -> int:  # pragma: no cover - compiled
    """Where a child referred by ``la`` goes, by uniform ``u``.

    With ``own_region_first`` (a regional plan) the council of ``la``'s region with most room,
    if any has room. Otherwise the rota: a region with probability its share of England's
    children (the scheme shares children in proportion to child population), then, with
    probability the share of that region's children in simulated councils, its council with
    most room (``NO_TRANSFER`` if none has room), else ``OUTSIDE`` the world.
    """
    if own_region_first:
        best = most_room(nts, stock, nts.region[la], la)
        if best >= 0:
            return best
    cum = nts.region_cum
    k = 0
    while k < len(cum) - 1 and u >= cum[k]:
        k += 1
    lo = cum[k - 1] if k > 0 else 0.0
    v = (u - lo) / max(cum[k] - lo, 1e-12)  # a uniform of its own within the region's turn
    if v >= nts.region_sim_share[k]:
        return OUTSIDE
    best = most_room(nts, stock, k, la)
    return best if best >= 0 else NO_TRANSFER


@njit(cache=True)
def refer(
    nts: Nts,
    stock: np.ndarray,
    la: int,
    u_refer: float,
    u_where: float,
    refer_share: float,
    own_region_first: bool,
) -> int:  # pragma: no cover - compiled
    """Whether an unaccompanied child arriving in ``la`` is referred, and to which council.

    A council at or over its quota refers a share ``refer_share`` of its arrivals (by
    ``u_refer``) to ``destination`` (by ``u_where``); the room is taken at once (``nts.due``).

    Returns:
        The council the child will be transferred to, ``OUTSIDE`` the world or
        ``NO_TRANSFER``.
    """
    if stock[la] < nts.quota[la] or u_refer >= refer_share:
        return NO_TRANSFER
    dest = destination(nts, stock, la, u_where, own_region_first)
    if dest >= 0:
        nts.due[dest] += 1
    return dest


def no_nts(n_la: int) -> Nts:
    """Terms under which no council ever refers (quotas no stock reaches)."""
    return Nts(
        quota=np.full(n_la, np.inf),
        is_sim=np.zeros(n_la, np.bool_),
        region=np.zeros(n_la, np.int64),
        region_cum=np.ones(1),
        region_sim_share=np.zeros(1),
        due=np.zeros(n_la),
    )
