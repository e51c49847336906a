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

import datetime as dt
from collections.abc import Iterator

import mesa
import numpy as np
import simpy

from sim import engine, schedule
from sim.agents.councils import Council
from sim.agents.providers import FosterPipeline, Provider
from sim.agents.rcc import RCC
from sim.agents.supply import SupplyRegistry
from sim.calendar import EVENT_HORIZON_DAYS, Calendar
from sim.config import RunConfig
from sim.geography import Geography
from sim.kernel_inputs import KernelInputs
from sim.market import matching, pricing
from sim.placing import Placing
from sim.policies import Policy
from sim.policies.actions import HomeGroups, policy_month, set_block_contracts
from sim.population import entry, table, transfers
from sim.population.admission import after_events, entry_inputs, record_entrants
from sim.population.children import (
    Child,
)
from sim.population.queue import PlannedQueue
from sim.population.table import ChildTable
from sim.records import (
    DAYS_PER_YEAR,
    ITEM_OVERHEAD,
    N_KINDS,
    SECTOR_LA,
    SECTOR_PRIVATE,
    UNREG,
    EpisodeLog,
    HeaderLog,
    Ledger,
    year_end_day,
)
from sim.rng import stream
from sim.runtime import free_finished_models, paused_gc
from sim.snapshot import snapshot
from sim.supply.foster import carer_home_table, foster_month, seed_pipeline, service_table
from sim.supply.homes import HomeEntry, homes_month
from sim.supply.units import new_provider
from sim.world import build, years
from sim.world import observed as observed_start
from sim.world.children import initial_children
from sim.world.supply import build_foster, build_homes, build_sa

free_finished_models()


class PlacementModel(KernelInputs, Placing, mesa.Model):
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
        self._vac = None
        self._terms_key = None
        self.plan_kinds_only = False  # the search set up keeps to plans' kinds (``placing``)
        self._terms = None
        self._radius = None
        self._units = None
        self._vac_day = -1
        self._vac_n = -1
        self.finished = False
        self.counters = {
            "siblings_separated": 0,
            "events": 0,
            "matches": 0,
            "unregistered": 0,
            "entries": 0,
            "child_days": 0.0,
            "prevented": 0,
            "transfers": 0,
            "group_failures": 0,
            "homes_transferred": 0,
            "homes_closed_by_failure": 0,
            "unregistered_investigated": 0,
            "fines_gbp": 0.0,
        }
        self.public_units: list[int] = []
        self._pp_scaled = None
        self.exited_providers: set[int] = set()
        # Set by the world builder (``build_world``), here declared with their meaning.
        self.policy = None  # the levers (``sim.policies.Policy``)
        self.sim_las: np.ndarray = np.zeros(0, np.int64)  # LAs whose children are simulated
        self.is_sim: np.ndarray = np.zeros(geo.n_la, bool)  # by LA
        self.world_share_of_cla = 1.0  # the world's share of England's children, scaled
        self.uasc_stock = np.zeros(geo.n_la)  # UASC in care by LA
        self.nts = transfers.no_nts(geo.n_la)  # the National Transfer Scheme (``world.uasc``)
        self.supply_keep = np.ones(geo.n_la)  # share of each LA's supply represented
        self.council_provider = np.zeros(0, np.int64)  # each council's own provider
        self.unregistered_provider = -1  # the provider of unregistered settings
        self.provider_la = np.zeros(0, np.int64)  # each provider's LA (councils) or -1
        self.entry_rate_per_day = np.zeros(geo.n_la)  # arrivals a day by LA
        self.entry_mix = np.zeros((4, geo.n_la))  # arrivals' shares by who (``entry_rates``)
        self.entry_age_cum = None  # cumulative age shares at entry
        self.world_year = years.clamp(self.origin.year)  # the 31 March the world is built at
        self.entry_by_year = not cfg.world.observed  # entries follow each year's DfE starts
        self.la_exit_factor = np.ones(geo.n_la)  # by LA: multiplier on the length of stay
        self.foster_pipeline = FosterPipeline()  # approved households not yet open
        self.foster_services: list[int] = []  # providers that recruit foster carers
        self.carer_homes: tuple = ()  # where each LA's new carers live (``carer_home_table``)
        self.foster_table: dict = {}  # the services and where they recruit (``service_table``)
        self.home_entry: HomeEntry | None = None  # new homes' entry (``sim.supply.homes``)
        self.home_groups = HomeGroups()  # ranked for failure (``sim.policies.actions``)
        self.init_unplaced = 0  # children of the initial stock left without a place
        self.observed_history: dict = {}  # an observed start's episodes by child
        # Caches of derived terms, kept while their inputs stay the same.
        self._entry_prm = None
        self._entry_years: dict = {}  # ``entry_year``'s terms by year, for ``params.entry``
        self._entry_bands = None
        # The run's time (``run``).
        self.end_day = 0
        self.year_ends: list[int] = []
        self._year_end_set: set[int] = set()
        with paused_gc():
            self.build_world(data)

    def build_world(self, data: dict) -> None:
        """The world at day 0 (``sim.world``), in order; each piece returns what it builds.

        The councils the world simulates, the levers, RCCs (with pooled commissioning), every
        council with its in-house service, the initial supply (homes, foster households,
        supported accommodation), the places councils outside the world hold in it, entry
        rates and exit factors, prices, then the initial children: synthetic or, with
        ``world.observed``, those of the extract.
        """
        cfg, geo = self.cfg, self.geo
        self.sim_las = build.simulated_las(cfg.world, geo)
        self.is_sim = build.simulated_mask(self.sim_las, geo.n_la)
        self.world_share_of_cla = build.world_share_of_cla(geo, self.is_sim, cfg.world.scale)
        self.policy = Policy(cfg.policy, self)
        self.rccs = build.build_rccs(self)
        self.councils = build.build_councils(self, self.is_sim)
        # Each council's own provider (its in-house service; fixed for the run).
        self.council_provider = np.array([c.provider for c in self.councils], np.int64)
        keep = self.supply_keep = build.supply_keep(cfg.world, self.is_sim)
        rng = self.streams["supply"]
        weight, last_urn = build_homes(self, data, keep, rng)
        sp = self.p.supply
        margin = pricing.observed_entry_margin(  # where entry runs at its observed rate
            sp.entry_reference_margin,
            sp.entry_margin_elasticity,
            sp.home_exit_rate[0],
            sp.home_entry_rate[0],
        )
        self.home_entry = HomeEntry(margin, margin, weight, last_urn)
        # Where each LA's new foster carers live (CSR over LAs; ``carer_home_table``).
        self.carer_homes = carer_home_table(self.geo, sp)
        self.foster_services = build_foster(self, data, keep, rng)
        self.foster_table = service_table(self)
        seed_pipeline(self, rng)
        build_sa(self, keep, rng)
        build.background_demand(self, self.is_sim, rng)
        self.unregistered_provider = new_provider(
            self, "Unregistered settings", SECTOR_PRIVATE, "unregistered"
        ).index
        self.entry_age_cum, self.entry_rate_per_day, self.entry_mix = build.entry_rates(
            self, self.is_sim
        )
        self.la_exit_factor = build.la_exit_factors(self, self.is_sim)
        self.nts = build.nts_terms(self, self.is_sim)
        self.price_step()
        if cfg.world.observed:
            ex = build.observed_extract(data)
            if cfg.world.observed_entry_rates:
                observed_start.entry_rates(self, ex)  # the observed starts (in place)
            self.init_unplaced = observed_start.observed_children(self, ex)
        else:
            self.init_unplaced = initial_children(self)
        self.price_step()

    def take_cids(self, n: int) -> int:
        """Reserve ``n`` child numbers for new children; returns the first."""
        cid0 = self.next_cid
        self.next_cid = cid0 + n
        return cid0

    def add_provider(self, provider: Provider) -> None:
        """Append a new provider (``sim.supply.units.new_provider``) and its LA (or -1)."""
        self.providers.append(provider)
        la = provider.la if provider.sector == SECTOR_LA else -1
        self.provider_la = np.append(self.provider_la, np.int64(la))

    # ---- event scheduling -------------------------------------------------------------------
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
        arrivals = float(self.entry_rate_on(int(self.env.now) + 1).sum()) * 1.2 * days
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
        first = self.day_terms(day) if any(x is not None for x in levers) else None
        last = day
        while not (
            schedule.is_week_end(last)
            or last >= self.end_day
            or last in self._year_end_set
            or schedule.is_month_start(self.origin, last)
        ):
            if first is not None and self.day_terms(last + 1) != first:
                break  # a lever changes the next day's parameters: it starts a run of its own
            last += 1
        return last

    def run_days(self, first: int, last: int) -> None:
        """Phases 1-3 of the days ``first`` to ``last``: the one path for a day.

        Compiled calls (``engine.run_days``), as many as room in the records takes: each call
        runs days until one it has no room for, and the next makes room from there. Events
        scheduled for a day already handled (``Calendar.take_late``) are handled first on
        ``first``, before its own. The days' arrivals are drawn first, all at once: the same
        draws as day by day, since nothing else draws from their stream.
        """
        rate = self.entry_rate_on(first)
        arrivals = self.streams["referrals"].poisson(rate, size=(last - first + 1, len(rate)))
        day = first
        while day <= last:
            if len(self.header.rows) >= self.header.PACK_ROWS:
                self.header.pack()
            day = self._compiled_days(day, last, arrivals[day - first :])

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
        plan, table_state, stock, cid0, ev_codes, var = entry_inputs(self, first, las, n_events)
        more, row_of, base, kin, geo, search = self.urgent_inputs(first, n_urgent)
        cal.make_room(12 * n + rows, last + EVENT_HORIZON_DAYS)
        first_rows = self._day_bounds(first, first, starts, len(late))[2]
        tab, sup_cols, books, logs = self.kernel_state(first_rows)
        pp, rates = self.placement_terms(first)
        world = self.event_world(first)  # (sets ``self._vp``)
        handled = np.zeros(1, np.int64)
        before = np.array(self.urgent, np.int64)
        t = self.table
        ent_store = engine.Entrants(
            futures=np.zeros((3 * n, entry.N_F), np.int64),
            cids=np.zeros(3 * n, np.int64),
            rows=np.zeros(3 * n, np.int64),
            count=np.zeros(1, np.int64),
        )
        said = np.zeros((2 * n_events + upto - first + 2, 3), np.int64)
        names = np.zeros(2 * n_urgent, np.int64)
        out_n = np.zeros(2, np.int64)
        out = engine.run_days(
            first,
            last,
            engine.DayEntry(
                plan, starts, table_state, t.freed, stock, cid0, ev_codes, var, self.child_days,
                ent_store,
            ),
            engine.DayCalendar(cal.arrays(), cal.done, late),
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
            engine.DayUrgent(before, row_of, base, kin, geo, search, said, names, out_n),
            self.streams["matching"],
        )  # fmt: skip
        day = out.day
        if day == first:  # the room made above is the first day's bound: never short
            raise RuntimeError(f"no room for day {first} after making room for it")
        cal.done = day - 1
        cal.settle(self._drawn, out.queued, 0)  # none late: all fall after the day handled
        self.urgent = []
        k = int(ent_store.count[0])
        record_entrants(self, ent_store.futures[:k], ent_store.cids[:k], ent_store.rows[:k])
        self.counters["prevented"] += out.prevented
        self.next_cid = out.next_cid
        self.counters["events"] += int(handled[0])
        if out_n[0]:
            after_events(self, said[: out_n[0]])
        if out.vac_start is not search.terms.vacancies.start:  # the round built a new index
            state = search.vac_state
            self._vac = matching.VacancyIndex(
                units=out.vac_units, start=out.vac_start, n_la=self.geo.n_la
            )
            self._vac_day, self._vac_n = int(state[0]), int(state[1])
        made = names[: out_n[1]].tolist()
        self.supply.registered(
            [f"KIN{c}" if c >= 0 else f"UNREG{base + j}" for j, c in enumerate(made)]
        )
        self.counters["matches"] += out.placed
        self.counters["unregistered"] += out.unregistered
        self.counters["siblings_separated"] += out.split
        return day

    # ---- episodes, placements and money (compiled: ``sim.engine``) ------------------
    # ---- phases 3-4: matching -------------------------------------------------------------------
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
            tab, sup, _, logs = self.kernel_state(len(drop))
            pp, rates = self.placement_terms(day)
            engine.schedule_rows(tab, sup, logs, drop, day, pp, rates)
            self.queue_drawn()

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
        tab, _, books, logs = self.kernel_state(len(rows))
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
            arrivals = self.entry_rate_on(day + 1) * DAYS_PER_YEAR
            self.agents_by_type[RCC].do("forecast_need", self.stock, arrivals)
        self.agents_by_type[Council].do("plan_year")  # next year's budgets
        self.agents_by_type[Provider].do("close_year")

    def finish(self) -> None:
        """Write the open episodes (no end date) at the end of the run."""
        rows = self.table.rows_in_care()
        rows = rows[self.table.I[rows, table.C_PLACE] >= 0]  # (placed: an episode is open)
        self.episodes.add_rows(
            engine.open_episode_rows(self.table.I, rows, len(self.episodes.COLUMNS))
        )
        self.finished = True
