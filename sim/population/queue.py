"""The planned queue: children awaiting a planned move, read from the child table's flag."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from sim.population import table
from sim.population.children import Child


class PlannedQueue:
    """Children awaiting a planned move: the child table's ``waiting`` flag, read as a queue.

    The compiled handlers and placements set and clear the flag; the weekly round reads the
    flagged rows in order of child number.
    """

    def __init__(self, model) -> None:
        self._model = model

    def rows(self) -> np.ndarray:
        """Rows of the waiting children, in order of child number."""
        t = self._model.table
        rows = np.flatnonzero(t.W[: t.n])
        return rows[np.argsort(t.I[rows, table.C_CID], kind="stable")]

    def __len__(self) -> int:
        t = self._model.table
        return int(np.count_nonzero(t.W[: t.n]))

    def _row(self, cid: int) -> int:
        t = self._model.table
        r = int(t.row_of[cid]) if 0 <= cid < len(t.row_of) else -1
        return r if r >= 0 and t.W[r] else -1

    def __contains__(self, cid: int) -> bool:
        return self._row(cid) >= 0

    def __iter__(self) -> Iterator[int]:
        t = self._model.table
        return iter(t.I[self.rows(), table.C_CID].tolist())

    def get(self, cid: int, default=None):
        """Child ``cid`` if it is waiting, else ``default``."""
        return self._model.children[cid] if self._row(cid) >= 0 else default

    def values(self) -> list[Child]:
        """The waiting children, in order of child number."""
        children = self._model.children
        return [children[cid] for cid in self]

    def __setitem__(self, cid: int, child: Child) -> None:
        child._t.W[child.row] = 1

    def pop(self, cid: int, default=None):
        """Take child ``cid`` out of the queue and return it (``default`` if not waiting)."""
        r = self._row(cid)
        if r < 0:
            return default
        self._model.table.W[r] = 0
        return self._model.children[cid]
