"""The placement model: its state, declared here, and the phases the schedule calls.

This module owns the model's state (``PlacementModel.__init__`` declares every attribute) and
the phases of the model's time, which ``sim.schedule`` runs as SimPy processes in this order
at one instant:

  1-3. Every day (``run_days``, one compiled call for a run of days, ``sim.engine.run_days``):
     entries (each entrant's futures drawn from its own uniforms), the child events due (late
     ones first), and the urgent round (placements with parents and kin, a search stage by
     stage with siblings together, unregistered settings for those left).
  4. Every 7th day (``match_planned``): the planned round for children awaiting a planned
     move or in unregistered settings.
  5-6. The 1st of each month (``supply_step``, ``price_step``): foster carers, children's
     homes, the levers' actions (``sim.policies.actions.policy_month``), then prices.
  7. Each 31 March (``year_end_step``): billing, the snapshot, councils' and RCCs' plans.

Councils, providers and RCCs are Mesa agents; children are rows of the child table
(``sim.population.table``); the calendar (``sim.calendar``) holds the children's scheduled
events; the supply registry the units' state; the records everything the indicators are
computed from.
"""

from __future__ import annotations

import collections
import contextlib
import datetime as dt
import gc
import itertools
import math
import weakref
from collections.abc import Iterator

import mesa
import numpy as np
import simpy

from sim import engine, schedule
from sim.agents.councils import Council
from sim.agents.providers import Provider
from sim.agents.rcc import RCC
from sim.agents.supply import SupplyRegistry
from sim.calendar import EVENT_HORIZON_DAYS, Calendar
from sim.config import RunConfig
from sim.geography import TWENTY_MILES_KM, Geography, haversine_km_scalar
from sim.market import kernels, matching, pricing
from sim.policies.actions import policy_month, set_block_contracts
from sim.population import entry, table
from sim.population.admission import entry_inputs, record_entrants
from sim.population.children import (
    Child,
)
from sim.population.table import ChildTable
from sim.records import (
    DAYS_PER_YEAR,
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
    HOME,
    IFA,
    INHOUSE,
    ITEM_OVERHEAD,
    KIN,
    N_KINDS,
    OPEN_DAY,
    PLACE,
    PROVIDER,
    REC,
    RNE,
    RPC,
    SA,
    SECURE,
    UNREG,
    EpisodeLog,
    HeaderLog,
    Ledger,
    year_end_day,
)
from sim.rng import stream
from sim.snapshot import snapshot
from sim.supply.foster import foster_month
from sim.supply.homes import homes_month

REC_X1, RNE_S, RNE_P, RPC_OTHER = REC["X1"], RNE["S"], RNE["P"], RPC["OTHER"]

PR_OWN_LA, PR_OTHER_LA, PR_PRIVATE, PR_VOLUNTARY = (
    PROVIDER[c] for c in ("PR1", "PR2", "PR4", "PR5")
)
FOSTER_KINDS = (INHOUSE, IFA, KIN)
# Kinds whose independent providers price complex needs (and bear their extra staffing cost).
_PREMIUM_KINDS = (IFA, HOME, SECURE, SA)
_KIND_PLACE = {
    KIN: PLACE["U3"],
    HOME: PLACE["K2"],
    SECURE: PLACE["K1"],
    SA: PLACE["K3"],
    UNREG: PLACE["Z1"],
}


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


def _free_finished_models() -> None:
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


_free_finished_models()


class PlannedQueue:
    """Children awaiting a planned move: the child table's ``waiting`` flag, read as a queue.

    The compiled handlers and placements set and clear the flag; the weekly round reads the
    flagged rows in order of child number.
    """

    def __init__(self, model: PlacementModel) -> None:
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


class PlacementModel(mesa.Model):
    """England's children's care placement system (or a region of it).

    Args:
        cfg: the validated run configuration.
        geo: geography (LAs, districts, distances).
        data: embedded supply tables (``homes``, ``ifas``, ``home_flows``) as frames.
        rep: replicate number (seeds the named streams).
    """

    def __init__(self, cfg: RunConfig, geo: Geography, data: dict, rep: int = 0) -> None:
        super().__init__(rng=int(cfg.seed) * 1000 + rep)
        self.cfg = cfg
        # Day 0 of the clock: 31 March 2025 (the embedded data), or an observed extract's date.
        self.origin = dt.date.fromisoformat(cfg.start_date)
        self.p = cfg.params
        self.geo = geo
        self.rep = rep
        self.env = simpy.Environment()
        self.streams = {
            name: stream(name, cfg.seed, rep)
            for name in ("referrals", "init", "matching", "supply", "prices", "exits", "policy")
        }
        self.supply = SupplyRegistry(geo.n_la)
        self.episodes = EpisodeLog()
        self.header = HeaderLog()
        self.ledger = Ledger()
        self.snapshots: list[dict] = []
        self.daily: list[dict] = []
        self.children: dict[int, Child] = {}
        self.table = ChildTable()
        self.accounts = engine.Accounts(geo.n_la)
        # Events drawn by the compiled kernels, (day, event, child, version), until queued.
        self._drawn = np.zeros((1024, 4), np.int64)
        self._drawn_n = np.zeros(1, np.int64)
        self._pp_day = -1
        self._pp = None
        self._pp_base = None
        self._state = None
        self._no_hub = np.ones(geo.n_la)
        self._vp = np.zeros(engine.N_V)
        self._vp_of = None  # the parameters ``_vp`` was built from, when no lever changes it
        self.providers: list = []
        self.councils: list = []
        self.rccs: list = []
        self.calendar = Calendar()  # the children's scheduled events (see ``schedule``)
        self.next_cid = 1
        self.la_serial = np.zeros(geo.n_la, dtype=np.int64)
        self.urgent: list[int] = []  # child numbers, in order of joining
        self.planned = PlannedQueue(self)
        self.scarcity = np.zeros((len(geo.regions), N_KINDS))
        self._accept_prob = np.asarray(self.p.matching.accept_prob, float)
        self._no_rcc = np.full(geo.n_la, -1, np.int64)  # RCC of each LA without pooling
        self._no_rows = np.zeros(0, np.int64)  # no siblings searched with the leads
        self.stock = np.zeros(geo.n_la, dtype=np.int64)
        self.child_days = np.zeros(geo.n_la)
        self.pending_homes: list[tuple[int, int, int]] = []
        self._vac = None
        self._terms_key = None
        self._terms = None
        self._radius = None
        self._units = None
        self._vac_day = -1
        self._vac_n = -1
        # Private homes' smoothed margin (the entry signal) starts where entry runs at its
        # observed rate.
        self.private_home_margin = self.p.supply.entry_reference_margin
        self.private_entry_margin = self.p.supply.entry_reference_margin
        self.finished = False
        self.counters = {
            "siblings_separated": 0,
            "events": 0,
            "matches": 0,
            "unregistered": 0,
            "entries": 0,
            "child_days": 0.0,
            "prevented": 0,
            "group_failures": 0,
            "homes_transferred": 0,
            "homes_closed_by_failure": 0,
            "unregistered_investigated": 0,
            "fines_gbp": 0.0,
        }
        self.staying_close: list[tuple[int, int]] = []  # (LA, last day of support)
        self.public_units: list[int] = []
        self.pending_public: list[tuple[int, int]] = []  # (opening day, LA)
        self._pp_scaled = None
        self.exited_providers: set[int] = set()
        self.large_groups = None
        self.leveraged = None
        self.blocks_set = False
        from sim.world.build import build_world  # the world builder uses the model's agents

        with paused_gc():
            build_world(self, data)

    # ---- event scheduling -------------------------------------------------------------------
    def schedule(self, day: int, ev: int, child: Child) -> None:
        """Schedule event ``ev`` for ``child`` on ``day``.

        Leaving care, the adoptive placement and legal-status changes are scheduled once and
        checked when due; a placement event is cancelled when the child's version moves on
        (every new placement bumps it). Events are handled in the order they were scheduled
        (``sim.calendar``); one for a day already processed is handled first thing on the next
        day processed, in (day, order).
        """
        self.calendar.add(day, ev, child.cid, child.version)

    def scheduled(self) -> Iterator[tuple[int, int, int, int]]:
        """Every pending event as (day, event, child id, version), in the order of handling."""
        yield from self.calendar.pending()

    # ---- the clock --------------------------------------------------------------------------
    def run(self, years: int | None = None) -> None:
        """Run the model for ``years`` (default: the configured years)."""
        years = years or self.cfg.years
        self.end_day = year_end_day(self.origin.year + years, self.origin)
        # Room in the records for the run (a speed setting: the logs grow by copying, and
        # room never written costs no memory). About three episodes and three payments per
        # child in care or arriving (national runs: 3.2 and 3.5).
        days = self.end_day - int(self.env.now)
        arrivals = float(self.entry_rate_per_day.sum()) * 1.2 * days
        rows = int(4 * (len(self.children) + arrivals))
        self.episodes.reserve(rows)
        self.ledger.reserve(rows)
        y0 = self.origin.year + 1
        self.year_ends = [year_end_day(y, self.origin) for y in range(y0, y0 + years)]
        self._year_end_set = set(self.year_ends)
        schedule.start(self)
        with paused_gc():
            self.env.run(until=self.end_day + 1)
            self.finish()

    def span_end(self, day: int) -> int:
        """The last day of the run of days from ``day`` whose phases 1-3 can go in one call.

        Up to the next day on which another process acts (``sim.schedule``: the planned round,
        a month's first day, a year end) or the end of the run; with a lever that may change a
        day's parameters (entry, events, placements or the market), only while they stay those
        of ``day``.
        """
        pol = self.policy
        levers = (
            pol.prevention,
            pol.kinship_support,
            pol.uasc_dispersal,
            pol.staying_close,
            pol.recruitment_hub,
            pol.pooled_commissioning,
            pol.profit_cap,
        )
        first = self._day_terms(day) if any(x is not None for x in levers) else None
        last = day
        while not (
            schedule.is_week_end(last)
            or last >= self.end_day
            or last in self._year_end_set
            or schedule.is_month_start(self.origin, last)
        ):
            if first is not None and self._day_terms(last + 1) != first:
                break  # a lever changes the next day's parameters: it starts a run of its own
            last += 1
        return last

    def _day_terms(self, day: int) -> tuple:
        """What a lever may change from day to day in phases 1-3, as bytes to compare.

        The entry, placement and event parameters and the urgent search's market terms.
        """
        prm, bands = entry.entry_params(self, day)
        pp, rates = self._placement_terms(day)
        (keep,) = self._event_terms(day)
        market, mprm, flags = self._market_terms(day, True)
        arrays = (prm, bands, pp, *rates, self._vp, keep, mprm, *market[2:])
        return (*(np.asarray(a).tobytes() for a in arrays), flags)

    def run_days(self, first: int, last: int) -> None:
        """Phases 1-3 of the days ``first`` to ``last``: the one path for a day.

        Compiled calls (``engine.run_days``), as many as room in the records takes: each call
        runs days until one it has no room for, and the next makes room from there. Events
        scheduled for a day already handled (``Calendar.take_late``) are handled first on
        ``first``, before its own. The days' arrivals are drawn first, all at once: the same
        draws as day by day, since nothing else draws from their stream.
        """
        rate = self.entry_rate_per_day
        arrivals = self.streams["referrals"].poisson(rate, size=(last - first + 1, len(rate)))
        day = first
        while day <= last:
            if len(self.header.rows) >= self.header.PACK_ROWS:
                self.header.pack()
            day = self._compiled_days(day, last, arrivals[day - first :])

    def _day_bounds(
        self, first: int, last: int, starts: np.ndarray, n_late: int = 0
    ) -> tuple[int, int, int]:
        """The most events, urgent children and record rows days ``first`` to ``last`` need.

        Their arrivals come from ``starts`` (where each day's begin, from ``first``), and
        ``n_late`` events wait for ``first``; the bounds are ``engine.room_for``'s for one day.
        """
        cal = self.calendar
        due = int(cal.count[first : last + 1].sum()) if first < len(cal.count) else 0
        due += n_late
        n = int(starts[last - first + 1])
        n_events = due + 12 * n
        n_urgent = len(self.urgent) + 3 * n + n_events
        return n_events, n_urgent, 2 * n_events + n_urgent + 8

    def _room_until(self, first: int, last: int) -> int:
        """The last day of ``first`` to ``last`` that ``_compiled_days`` makes room for."""
        return last

    def _compiled_days(self, first: int, last: int, arrivals: np.ndarray) -> int:
        """Days ``first`` to ``last`` in one ``engine.run_days`` call, as far as room allows.

        Returns:
            The first day not run.
        """
        cal = self.calendar
        n_la = arrivals.shape[1]
        per_day = arrivals.sum(axis=1)
        starts = np.zeros(len(per_day) + 1, np.int64)
        np.cumsum(per_day, out=starts[1:])
        las = np.repeat(np.tile(np.arange(n_la), len(per_day)), arrivals.ravel())
        n = int(starts[-1])
        # Room for the days: at most three entrants an arrival and four events an entrant; the
        # records' rows as the phases reserve them (events 2 each, the urgent queue 1 each).
        # The records (episodes, payments: the large stores) get the first day's room, as a
        # day at a time would reserve it, the rest the whole run's. Events drawn for a day of
        # the run may need more: the call then stops before that day and the next makes room.
        if cal.done >= first:
            raise RuntimeError(f"day {first} runs after day {cal.done} was handled")
        late = cal.take_late()
        upto = self._room_until(first, last)
        n_events, n_urgent, rows = self._day_bounds(first, upto, starts, len(late))
        plan, table_state, stock, cid0, ev_codes, var = entry_inputs(self, first, las)
        more, row_of, base, kin, geo, search = self._urgent_inputs(first, n_urgent)
        cal.make_room(12 * n + rows, last + EVENT_HORIZON_DAYS)
        first_rows = self._day_bounds(first, first, starts, len(late))[2]
        tab, sup_cols, books, logs = self._kernel_state(first_rows)
        pp, rates = self._placement_terms(first)
        world = self._event_world(first)  # (sets ``self._vp``)
        handled = np.zeros(1, np.int64)
        before = np.array(self.urgent, np.int64)
        t = self.table
        ent_store = (
            np.zeros((3 * n, entry.N_F), np.int64),
            np.zeros(3 * n, np.int64),
            np.zeros(3 * n, np.int64),
            np.zeros(1, np.int64),
        )
        said = np.zeros((2 * n_events + upto - first + 2, 3), np.int64)
        names = np.zeros(2 * n_urgent, np.int64)
        out_n = np.zeros(2, np.int64)
        out = engine.run_days(
            first,
            last,
            (plan, starts, table_state, t.freed, stock, cid0, ev_codes, var, self.child_days,
             ent_store),
            (*cal.arrays(), cal.done, late),
            tab,
            sup_cols,
            more,
            books,
            logs,
            pp,
            rates,
            self._vp,
            world,
            handled,
            (before, row_of, base, kin, geo, search, said, names, out_n),
            self.streams["matching"],
        )  # fmt: skip
        day, next_cid, _, n_prev, n_queued, placed, n_unreg, split, start, units = out
        if day == first:  # the room made above is the first day's bound: never short
            raise RuntimeError(f"no room for day {first} after making room for it")
        cal.done = day - 1
        cal.settle(self._drawn, n_queued, 0)  # none late: all fall after the day handled
        self.urgent = []
        k = int(ent_store[3][0])
        record_entrants(self, ent_store[0][:k], ent_store[1][:k], ent_store[2][:k])
        self.counters["prevented"] += n_prev
        self.next_cid = next_cid
        self.counters["events"] += int(handled[0])
        if out_n[0]:
            self._after_events(said[: out_n[0]], free=False)
        if start is not search[1][0]:
            state = search[2]
            self._vac = matching.VacancyIndex(units=units, start=start, n_la=self.geo.n_la)
            self._vac_day, self._vac_n = int(state[0]), int(state[1])
        made = names[: out_n[1]].tolist()
        self.supply.registered(
            [f"KIN{c}" if c >= 0 else f"UNREG{base + j}" for j, c in enumerate(made)]
        )
        self.counters["matches"] += placed
        self.counters["unregistered"] += n_unreg
        self.counters["siblings_separated"] += split
        return day

    def _after_events(self, said: np.ndarray, free: bool = True) -> None:
        """The handlers' reports (``engine.OUT_*``): leavers' agents and rows, Staying Close.

        ``free``: free the leavers' rows (compiled code that freed them already passes False).
        """
        what = said[:, 0]
        left = said[what == engine.OUT_EXIT]
        if len(left):
            if free:
                self.table.free_rows(left[:, 2].tolist())
            children = self.children
            for a in left[:, 1].tolist():
                del children[a]
        close = said[what == engine.OUT_STAYING_CLOSE, 1:].tolist()
        self.staying_close.extend((a, b) for a, b in close)

    def _event_world(self, day: int) -> engine.EventWorld:
        """What the event handlers read besides the table and supply (``handle_events``)."""
        return engine.EventWorld(
            self.table.row_of,
            self.stock,
            self.uasc_stock,
            self.provider_la,
            *self._event_terms(day),
            self.geo.la_order,
            self.geo.d_start,
            self.geo.d_cumw,
        )

    def _event_terms(self, day: int) -> tuple[np.ndarray]:
        """The day's event parameters (``self._vp``, ``engine.V_*``) and hub retention by LA."""
        sc, hub = self.policy.staying_close, self.policy.recruitment_hub
        if sc is None and hub is None and self._vp_of is self.p:  # no lever: the same every day
            return (self._no_hub,)
        ex, pp, sp = self.p.exits, self.p.placements, self.p.supply
        vp = np.zeros(engine.N_V)
        vp[engine.V_STAYING_PUT] = ex.staying_put_share_fostered
        if sc is not None and sc.active(day):
            vp[engine.V_SC_ON] = 1.0
            vp[engine.V_SC_TAKE_UP] = sc.cfg.take_up
            vp[engine.V_SC_DAYS] = int(sc.cfg.years * 365.25)
            vp[engine.V_SC_STAY] = sc.cfg.sa_move_reduction
        vp[engine.V_DEREGISTER] = sp.deregister_after_breakdown
        vp[engine.V_ESCALATE] = pp.p_escalate_after_breakdown
        vp[engine.V_OTHER_SHARE] = pp.other_share_of_planned
        vp[engine.V_STEP_DOWN] = pp.p_step_down
        keep = self._no_hub
        if hub is not None and (f := hub.factors(day)) is not None:
            vp[engine.V_HUB_ON] = 1.0
            keep = np.asarray(f[1], float)
        self._vp = vp
        self._vp_of = self.p if sc is None and hub is None else None
        return (keep,)

    # ---- episodes, placements and money (compiled: ``sim.engine``) ------------------
    def _kernel_state(self, rows: int) -> tuple:
        """The state the engine's kernels take, with room for ``rows`` more of each record."""
        self.episodes.reserve(2 * rows + 8)
        self.ledger.reserve(rows + 8)
        if int(self._drawn_n[0]) + rows + 8 > len(self._drawn):
            grown = np.zeros((2 * len(self._drawn) + rows + 8, 4), np.int64)
            grown[: len(self._drawn)] = self._drawn
            self._drawn = grown
        t, s, a, e, led = self.table, self.supply, self.accounts, self.episodes, self.ledger
        st = self._state
        k = st[0] if st is not None else None
        if (
            k is None
            or k[0] is not t.I
            or k[1] is not s.kind
            or k[2] is not a.revenue
            or k[3] is not e.buf
            or k[4] is not led.buf
            or k[5] is not self._drawn
        ):
            key = (t.I, s.kind, a.revenue, e.buf, led.buf, self._drawn)
            # Built again only when an array has grown (a new object).
            st = self._state = (
                key,
                (
                    t.kernel_view,
                    engine.SupplyColumns(*(getattr(s, f) for f in engine.SUP_FIELDS)),
                    engine.Books(a.sector, a.la, a.revenue, a.spend),
                    engine.Logs(e.buf, e.count, led.buf, led.count, self._drawn, self._drawn_n),
                ),
            )
        return st[1]

    def _placement_terms(self, day: int) -> tuple[np.ndarray, tuple]:
        """The placement parameters of ``day`` as the kernels take them (``engine.Q_*``).

        The same every day (one array, never written by the kernels) but for kinship support's
        terms, which a day with the lever gets in a copy of its own.
        """
        if self._pp_day != day:
            if self._pp_base is None or self._pp_base[0] is not self.p:
                pp, rates = engine.hazard_params(self.p.placements)
                pp[engine.Q_COMPLEX_PREMIUM] = self.p.prices.complex_premium
                pp[engine.Q_BASE_MARKUP] = self.p.prices.base_markup
                pp[engine.Q_TWENTY_MILES_KM] = TWENTY_MILES_KM
                self._pp_base = (self.p, pp, rates)
            _, pp, rates = self._pp_base
            ks = self.policy.kinship_support
            if ks is not None:
                pp = pp.copy()
                pp[engine.Q_KIN_SUPPORT_ON] = 1.0
                pp[engine.Q_KIN_SUPPORT_GBP] = ks.support_gbp_week(day)
                if ks.active(day):
                    pp[engine.Q_KIN_HAZARD] = ks.hazard_multiplier(day)
            self._pp, self._pp_day = (pp, rates), day
        return self._pp

    def _queue_drawn(self, after: int = -1) -> None:
        """Schedule the events the kernels drew, in the order they drew them.

        With ``after`` (a day being handled), every event must come after it.
        """
        n = int(self._drawn_n[0])
        if n == 0:
            return
        if after >= 0 and int(self._drawn[:n, 0].min()) <= after:
            raise RuntimeError(f"an event drawn for day {after} or before while handling it")
        self.calendar.push(self._drawn, n)
        self._drawn_n[0] = 0

    def open_episode(self, child: Child, day: int, rne: int) -> None:
        """Start the child's current episode on ``day`` (in its current unit, if any)."""
        t = self.table
        engine.open_episode(t.kernel_view, child.row, day, rne)

    def close_episode(self, child: Child, day: int, rec: int, rpc: int) -> None:
        """Write the child's current episode, ending on ``day`` with ``rec`` (and ``rpc``).

        Changes on one day fold into one episode (``engine.close_episode``).
        """
        tab, _, _, logs = self._kernel_state(1)
        engine.close_episode(tab, logs, child.row, day, rec, rpc)

    def bill(self, child: Child, day: int) -> None:
        """Bill the child's current placement from ``billed_to`` to ``day`` into the ledger."""
        tab, _, books, logs = self._kernel_state(1)
        engine.bill(tab, books, logs, child.row, day)

    def release(self, child: Child, day: int) -> None:
        """End the child's occupation of its unit (billing it); the episode is closed elsewhere."""
        tab, sup, books, logs = self._kernel_state(1)
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
        tab, sup, books, logs = self._kernel_state(len(rows))
        pp, rates = self._placement_terms(day)
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
        self._queue_drawn()

    def schedule_placement_event(self, child: Child, day: int) -> None:
        """Schedule the current placement's next event (unplanned, planned or status)."""
        tab, sup, _, logs = self._kernel_state(1)
        pp, rates = self._placement_terms(day)
        engine.schedule_next(tab, sup, logs, child.row, day, pp, rates)
        self._queue_drawn()

    def distance_km(self, d1: int, d2: int) -> float:
        """Distance between two postcode districts, km."""
        g = self.geo
        return haversine_km_scalar(g.d_lat[d1], g.d_lon[d1], g.d_lat[d2], g.d_lon[d2])

    # ---- phases 3-4: matching -------------------------------------------------------------------
    def _urgent_inputs(self, day: int, n: int) -> tuple:
        """``engine.urgent_round``'s arguments for up to ``n`` children, room made for them.

        The supply may grow (new arrays): take ``_kernel_state`` after.

        Returns:
            (the supply's further columns, ``row_of``, the first new unit, kinship terms,
            geography, search terms).
        """
        sup, g = self.supply, self.geo
        sup.reserve(2 * n)  # a kinship household or an unregistered setting per child at most
        more = sup.new_unit_columns()
        kin = (
            self.p.placements.kin_far_share,
            self.p.prices.kin_cost_gbp_week,
            self.council_provider,
        )
        vac = self._vac
        if vac is None:
            vac = matching.VacancyIndex(
                units=self._no_rows, start=np.zeros(N_KINDS * g.n_la + 1, np.int64), n_la=g.n_la
            )
            self._vac_day = -1
        state = np.array([self._vac_day, self._vac_n], np.int64)
        search = (
            self._search_terms(day, True),
            (vac.start, vac.units, vac.n_la),
            state,
            *sup.search_order(),
            (self.p.prices.unregistered_gbp_week, self.unregistered_provider),
        )
        geo = (g.la_order, g.d_start, g.d_cumw, g.d_lat, g.d_lon)
        return more, self.table.row_of, sup.n, kin, geo, search

    def match_planned(self, day: int) -> None:
        """Weekly round for children awaiting a planned move (incl. those in unregistered care).

        Each child's search radius widens with the weeks it has waited; a move still not found
        after 12 weeks is dropped (the child stays where it is), except out of unregistered
        care, where the search goes on.
        """
        rows = self.planned.rows()
        if len(rows) == 0:
            return
        left = self.search_and_place(rows, day, emergency=False)
        iv = self.table.I
        since = iv[left, table.C_WAITING_SINCE]
        drop = left[(since >= 0) & (day - since > 12 * 7) & (iv[left, table.C_KIND] != UNREG)]
        if len(drop):
            self.table.W[drop] = 0
            iv[drop, table.C_WAITING_SINCE] = -1
            iv[drop, table.C_VERSION] += 1
            tab, sup, _, logs = self._kernel_state(len(drop))
            pp, rates = self._placement_terms(day)
            engine.schedule_rows(tab, sup, logs, drop, day, pp, rates)
            self._queue_drawn()

    def search_and_place(self, rows: np.ndarray, day: int, emergency: bool) -> np.ndarray:
        """Search for a place for each child of ``rows``; returns the rows left without one.

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
        terms = self._search_terms(day, emergency)
        full = (*terms[:7], (vac.start, vac.units, vac.n_la), *terms[7:])
        tab, sup, books, logs = self._kernel_state(n)
        pp, rates = self._placement_terms(day)
        left, placed, n_unreg, split = engine.search_groups(
            tab, sup, books, logs, rows, day, emergency, full, pp, rates, self.streams["matching"]
        )
        self.counters["matches"] += placed
        self.counters["unregistered"] += n_unreg
        self.counters["siblings_separated"] += split
        self._queue_drawn()
        return left

    def _search_terms(self, day: int, emergency: bool) -> tuple:
        """A search's terms as ``engine.search_rows`` takes them, less the vacancy index."""
        # The same all day (prices move after the day's searches) while the supply's columns
        # are (they are new arrays when it grows); the terms hold both, so no id is reused.
        key = (day, emergency, id(self.scarcity), id(self.supply.kind))
        if self._terms_key != key:
            mp = self.p.matching
            if self._radius is None:  # each stage's search radius, km (the last unbounded)
                stage = np.arange(mp.stages)
                self._radius = np.where(
                    stage >= mp.stages - 1, 1e5, mp.radius_km * mp.widen_factor**stage
                )
            market, prm, flags = self._market_terms(day, emergency)
            g = self.geo
            self._terms = (
                (g.d_lat, g.d_lon, g.la_lat, g.la_lon),
                self._unit_columns(),
                market,
                prm,
                flags,
                self._radius,
                TWENTY_MILES_KM,
                (g.dist_sorted, g.la_order),
                self.p.matching.max_las,
                self.p.matching.per_la,
                g.d_start,
            )
            self._terms_key = key
        return self._terms

    def _unit_columns(self) -> tuple:
        """The supply's columns the search reads (``kernels.UNIT_FIELDS``), rebuilt on growth."""
        s = self.supply
        if self._units is None or self._units[0] is not s.kind:
            self._units = (s.kind, tuple(getattr(s, f) for f in kernels.UNIT_FIELDS))
        return self._units[1]

    def vacancies(self, day: int) -> matching.VacancyIndex:
        """The day's vacancy index (built once a day; free places are re-checked on use)."""
        if self._vac_day != day or self._vac is None or self._vac_n != self.supply.n:
            self._vac = self.supply.vacancy_index()
            self._vac_day = day
            self._vac_n = self.supply.n
        return self._vac

    def _market_terms(self, day: int, emergency: bool) -> tuple[tuple, np.ndarray, tuple]:
        """What a search on ``day`` needs besides the children and units (``kernels.search``).

        With pooled commissioning, a member council's child may also go to another member's
        in-house carers, only members may use their RCC's block-contracted homes, members pay
        a framework price (discounted, with a weaker scarcity markup; block places at the block
        price) and fellow members' provision counts as their own in the score. A profit cap
        limits the price of capped providers' places to what keeps their margin within it:
        a home's cost per occupied place is taken at the reference occupancy (fixed costs
        spread over the places usually filled), a carer's or supported place's cost is per
        child, and a child's complex needs add their extra staffing cost
        (``pricing.complex_needs_cost``), which the capped price may cover.

        Returns:
            ``market`` (provider LAs, region of each LA, scarcity, acceptance by kind, RCC of
            each LA, capped kinds), the scalar parameters ``prm`` (``kernels.P_*``) and the
            flags (pooling on, regional foster care, cap on).
        """
        mp = self.p.matching
        pp = self.p.prices
        pool = (
            self.policy.pooled_commissioning.terms(day)
            if self.policy.pooled_commissioning is not None
            else None
        )
        cap = self.policy.profit_cap.terms(day) if self.policy.profit_cap is not None else None
        prm = np.zeros(kernels.N_PRM)
        prm[kernels.P_DECLINE_PER_TIER] = mp.decline_per_tier
        prm[kernels.P_ACCEPT_UNREG] = mp.accept_unregistered_factor
        prm[kernels.P_SCARCITY_MARKUP] = pp.scarcity_markup
        prm[kernels.P_COMPLEX_PREMIUM] = pp.complex_premium
        prm[kernels.P_EMERGENCY_PREMIUM] = pp.emergency_premium
        prm[kernels.P_EMERGENCY] = 1.0 if emergency else 0.0
        prm[kernels.P_W_DIST] = mp.w_distance_per_10km
        prm[kernels.P_W_PRICE] = mp.w_price_per_1000
        prm[kernels.P_W_MISFIT] = mp.w_misfit
        prm[kernels.P_W_QUALITY] = mp.w_quality
        prm[kernels.P_OWN_BONUS] = mp.own_provision_bonus
        prm[kernels.P_OUTSIDE_PENALTY] = mp.outside_la_penalty
        prm[kernels.P_HOME_FIXED_SHARE] = pp.home_fixed_cost_share
        prm[kernels.P_OCCUPANCY_REF] = pp.occupancy_ref
        prm[kernels.P_BASE_MARKUP] = pp.base_markup
        rcc_of_la = self._no_rcc
        if pool is not None:
            rcc_of_la = np.asarray(pool.rcc_of_la, np.int64)
            prm[kernels.P_POOL_MARKUP] = pool.markup_factor
            prm[kernels.P_POOL_DISCOUNT] = pool.discount
            prm[kernels.P_POOL_BLOCK_DISCOUNT] = pool.block_discount
        cap_kind = np.zeros(N_KINDS, np.bool_)
        if cap is not None:
            cap_kind[np.asarray(cap.kinds, np.int64)] = True
            prm[kernels.P_CAP_MAX_MARGIN] = cap.max_margin
        market = (
            self.provider_la,
            self.geo.region_of,
            self.scarcity,
            self._accept_prob,
            rcc_of_la,
            cap_kind,
        )
        flags = (pool is not None, bool(pool is not None and pool.regional_foster), cap is not None)
        return market, prm, flags

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
        tab, sup_cols, books, logs = self._kernel_state(n)
        pp, rates = self._placement_terms(day)
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
            (self.p.prices.unregistered_gbp_week, self.unregistered_provider),
            (g.la_order, g.d_start, g.d_cumw, g.d_lat, g.d_lon),
            pp,
            rates,
            self.streams["matching"],
        )
        sup.registered([f"UNREG{base + j}" for j in range(n)])
        self.counters["matches"] += n
        self.counters["unregistered"] += n_unreg
        self._queue_drawn()

    def _dists(self, rows: np.ndarray, units: np.ndarray) -> np.ndarray:
        """Distance (km) from each child's home district to its unit's (0 if either unknown)."""
        g = self.geo
        return engine.home_distances(
            self.table.I, rows, units, self.supply.district, g.d_lat, g.d_lon
        )

    # ---- phases 5-6: supply and prices -----------------------------------------------------------
    def supply_step(self, day: int) -> None:
        """The month's supply: foster carers, then children's homes, then the levers' actions."""
        foster_month(self, day)
        homes_month(self, day, self.streams["supply"])
        policy_month(self, day)

    def price_step(self) -> None:
        """Scarcity by region and kind of place from current occupancy."""
        nr = len(self.geo.regions)
        cap, occ = self.supply.places_by_cell(self.geo.region_of, nr)
        self.scarcity = pricing.scarcity(occ, cap).reshape(nr, N_KINDS)

    # ---- phase 7: year end ---------------------------------------------------------------------
    def year_end_step(self, day: int) -> None:
        """Bill open placements and overheads, snapshot supply, plan the next year."""
        rows = self.table.rows_in_care()
        tab, _, books, logs = self._kernel_state(len(rows))
        engine.bill_rows(tab, books, logs, rows, day)
        overhead = self.p.prices.council_overhead_gbp_week
        for la in np.flatnonzero(self.child_days):
            amount = float(self.child_days[la]) * overhead / 7.0
            days = int(self.child_days[la])
            self.ledger.add(day, int(la), amount, item=ITEM_OVERHEAD, days=days)
            self.councils[la].pay(amount)
        self.counters["child_days"] += float(self.child_days.sum())
        self.child_days[:] = 0
        snapshot(self, day)
        pooled = self.policy.pooled_commissioning
        if pooled is not None and pooled.active(day):
            pooled.plan_year(day, self)  # the regional sufficiency plan
            set_block_contracts(self, day)
            arrivals = self.entry_rate_per_day * DAYS_PER_YEAR
            self.agents_by_type[RCC].do("forecast_need", self.stock, arrivals)
        self.agents_by_type[Council].do("plan_year")  # next year's budgets
        self.agents_by_type[Provider].do("close_year")

    def finish(self) -> None:
        """Write the open episodes (no end date) at the end of the run."""
        iv = self.table.I
        rows = self.table.rows_in_care()
        rows = rows[iv[rows, table.C_PLACE] >= 0]
        ep = np.empty((len(rows), len(self.episodes.COLUMNS)), np.int64)
        open_ = iv[rows]
        ep[:, EP_CHILD] = open_[:, table.C_CID]
        ep[:, EP_LA] = open_[:, table.C_LA]
        ep[:, EP_DECOM] = open_[:, table.C_EP_START]
        ep[:, EP_RNE] = open_[:, table.C_EP_RNE]
        ep[:, EP_LS] = open_[:, table.C_LS]
        ep[:, EP_CIN] = open_[:, table.C_CIN]
        ep[:, EP_PLACE] = open_[:, table.C_PLACE]
        ep[:, EP_PROVIDER] = open_[:, table.C_PROVIDER]
        ep[:, EP_DEC], ep[:, EP_REC], ep[:, EP_RPC] = OPEN_DAY, -1, -1
        ep[:, EP_HOME_D] = open_[:, table.C_HOME_D]
        ep[:, EP_PL_D] = open_[:, table.C_PL_D]
        ep[:, EP_UNIT] = open_[:, table.C_EP_UNIT]
        self.episodes.add_rows(ep)
        self.finished = True
