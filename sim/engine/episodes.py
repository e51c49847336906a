"""Episodes: opening a child's episode and writing it when it ends.

This module owns the SSDA903 episode rows: one episode per child and start date (changes on
one day fold into one episode, ``state.FOLD_RNE``).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from sim.engine.state import FOLD_RNE, REC_X1, RNE_S
from sim.population.table import (
    C_CID,
    C_CIN,
    C_EP_RNE,
    C_EP_START,
    C_EP_UNIT,
    C_FOLD_RNE,
    C_HOME_D,
    C_LA,
    C_LAST_ROW,
    C_LS,
    C_PL_D,
    C_PLACE,
    C_PROVIDER,
    C_UNIT,
)
from sim.records import (
    EP_CHILD,
    EP_CIN,
    EP_DEC,
    EP_DECOM,
    EP_HOME_D,
    EP_LA,
    EP_LS,
    EP_PL_D,
    EP_PLACE,
    EP_PROVIDER,
    EP_REC,
    EP_RNE,
    EP_RPC,
    EP_UNIT,
    OPEN_DAY,
)


@njit(cache=True)
def open_episode(tab, r, day, rne):
    """Start row ``r``'s current episode on ``day`` (in its current unit, if any)."""
    ti = tab.I
    if ti[r, C_FOLD_RNE] >= 0:
        rne = FOLD_RNE[ti[r, C_FOLD_RNE], rne]
        ti[r, C_FOLD_RNE] = -1
    ti[r, C_EP_START] = day
    ti[r, C_EP_RNE] = rne
    ti[r, C_EP_UNIT] = ti[r, C_UNIT]


@njit(cache=True)
def close_episode(tab, logs, r, day, rec, rpc):
    """Write row ``r``'s current episode, ending on ``day`` with ``rec`` (and ``rpc``).

    An episode that would end on the day it began, with another following (X1), is not
    written: a change of legal status and a move on one day are one episode, and two moves on
    one day are one move. The reason for leaving the last written placement is kept (or, if it
    had none, the folded episode's reason).
    """
    ti = tab.I
    E, en = logs.episodes, logs.n_episodes
    if rec == REC_X1 and ti[r, C_EP_START] == day:
        last = ti[r, C_LAST_ROW]
        if ti[r, C_EP_RNE] == RNE_S:
            ti[r, C_FOLD_RNE] = RNE_S
            return
        if last >= 0 and E[last, EP_CHILD] == ti[r, C_CID] and E[last, EP_DEC] == day:
            if rpc >= 0 and E[last, EP_RPC] < 0:
                E[last, EP_RPC] = rpc
            ti[r, C_FOLD_RNE] = ti[r, C_EP_RNE]
            return
    k = en[0]
    write_episode(E, k, ti, r, day, rec, rpc)
    en[0] = k + 1
    ti[r, C_LAST_ROW] = k


@njit(cache=True)
def write_episode(E, k, ti, r, dec, rec, rpc):
    """Episode row ``k`` of ``E``: row ``r``'s current episode, ending ``dec`` with ``rec``.

    The one place a child's table row becomes an episode row (``EP_*`` columns of
    ``sim.records.EpisodeLog``): episodes that end (``close_episode``) and those still open
    when a run ends (``open_episode_rows``).
    """
    E[k, EP_CHILD] = ti[r, C_CID]
    E[k, EP_LA] = ti[r, C_LA]
    E[k, EP_DECOM] = ti[r, C_EP_START]
    E[k, EP_RNE] = ti[r, C_EP_RNE]
    E[k, EP_LS] = ti[r, C_LS]
    E[k, EP_CIN] = ti[r, C_CIN]
    E[k, EP_PLACE] = ti[r, C_PLACE]
    E[k, EP_PROVIDER] = ti[r, C_PROVIDER]
    E[k, EP_DEC] = dec
    E[k, EP_REC] = rec
    E[k, EP_RPC] = rpc
    E[k, EP_HOME_D] = ti[r, C_HOME_D]
    E[k, EP_PL_D] = ti[r, C_PL_D]
    E[k, EP_UNIT] = ti[r, C_EP_UNIT]


@njit(cache=True)
def open_episode_rows(ti, rows, n_columns):
    """The current episodes of ``rows`` as episode rows still open (no end, reason or change)."""
    out = np.empty((len(rows), n_columns), np.int64)
    for j in range(len(rows)):
        write_episode(out, j, ti, rows[j], OPEN_DAY, -1, -1)
    return out
