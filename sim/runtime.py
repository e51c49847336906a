"""The Python runtime around a run: the garbage collector paused, finished models freed.

This module owns two workarounds the model's speed and memory depend on: pausing CPython's
cyclic garbage collector while a run holds millions of small objects (``paused_gc``), and
freeing finished models under Mesa 3.3, which keeps every model alive
(``free_finished_models``, mesa/mesa#3179).
"""

from __future__ import annotations

import collections
import contextlib
import gc
import itertools
import weakref
from collections.abc import Iterator

import mesa


@contextlib.contextmanager
def paused_gc() -> Iterator[None]:
    """Pause CPython's cyclic garbage collector; reference counting still frees most things.

    A run holds millions of small objects (children, calendar entries, record rows) and the
    collector's passes over them took a fifth of a national run (75 s against 60 s over 10
    years) while finding nothing to free: the model drops no reference cycles while it runs
    (peak memory was the same, 1.08 GB; ``tests/test_invariants.py`` checks that a run leaves
    no cyclic garbage). The collector's previous state is restored on the way out; the model
    itself (a cycle of model and agents) is freed by the collector once it is dropped.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class _AgentIdCounters(weakref.WeakKeyDictionary):
    """Mesa 3.3's per-model agent counters, keyed weakly (see ``_free_finished_models``).

    The last model asked for is remembered (weakly), so that numbering many agents of one
    model costs one comparison each rather than a weak-key lookup.
    """

    def __init__(self) -> None:
        super().__init__()
        self._last: weakref.ref | None = None
        self._last_counter: itertools.count | None = None

    def __getitem__(self, model):
        last = self._last
        if last is not None and last() is model:
            return self._last_counter
        try:
            counter = super().__getitem__(model)
        except KeyError:
            counter = self[model] = itertools.count(1)
        self._last, self._last_counter = weakref.ref(model), counter
        return counter


def free_finished_models() -> None:
    """Let finished models be freed under Mesa 3.3.

    Mesa 3.3 numbers each model's agents from a class-level ``defaultdict`` keyed by the model,
    which keeps every model ever made alive for the life of the process (mesa/mesa#3179, fixed
    in Mesa 3.4 by mesa/mesa#3180): a worker running twelve national replicates held twelve
    models of about 1 GB each. Keyed weakly, a model goes once nothing else refers to it.
    Newer Mesa numbers agents in the model and has no such dict: nothing to do.
    """
    ids = getattr(mesa.Agent, "_ids", None)
    if isinstance(ids, collections.defaultdict):
        mesa.Agent._ids = _AgentIdCounters()
