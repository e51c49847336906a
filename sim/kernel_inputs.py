"""What the compiled kernels take from the model: its state with room made, the day's terms.

This module owns how the model's state and parameters become the kernels' arguments: the
child table, supply, books and records as named tuples with room for a call
(``kernel_state``), the placement, event and market parameters of a day (``placement_terms``,
``event_terms``, ``market_terms``, ``search_terms``), the urgent round's inputs, the day's
vacancy index, and the queueing of the events kernels drew (``queue_drawn``). Its methods read
the levers' terms for the day; the terms are cached while they stay the same.
"""

from __future__ import annotations

import numpy as np

from sim import engine
from sim.geography import TWENTY_MILES_KM
from sim.market import matching, terms
from sim.population import arrivals, transfers
from sim.records import (
    DAYS_PER_YEAR,
    N_KINDS,
)
from sim.world import build, uasc, years


class KernelInputs:
    """What the compiled kernels take from the model (a mixin of ``PlacementModel``)."""

    def entry_year(self, day: int) -> tuple[np.ndarray, np.ndarray, int]:
        """Arrivals on ``day`` relative to 2024-25's, by who arrives, and non-UASC ages.

        A synthetic world's entries follow England's observed starts (all, unaccompanied and
        by age) of the year to 31 March holding ``day`` (``sim.world.years``), up to 2024-25;
        later years, and an observed start, keep 2024-25's (the parameters). Children who are
        not unaccompanied arrive in sibling groups, so their factor is divided by the change
        in the groups' mean size (``build.entry_terms``); unaccompanied children's starts are
        arrivals at the port and elsewhere and transfers, in that year's proportions
        (``uasc.uasc_factors``).

        Returns:
            The factors on the four parts of ``entry_rate_per_day`` (``entry_mix``'s rows),
            the cumulative shares of non-UASC entrants by age band, and the year.
        """
        ep = self.p.entry
        y = years.year_to_march(self.origin, day)
        if not self.entry_by_year or y >= years.LAST_YEAR:
            y = years.LAST_YEAR
        cache = self._entry_years
        if cache.get("params") is not ep:
            cache.clear()
            cache["params"] = ep
        if y not in cache:
            if y == years.LAST_YEAR:
                cache[y] = (np.ones(4), self.entry_age_cum[0], y)
            else:
                base = build.entry_terms(ep, ep.age_share, ep.uasc_share)
                ratio, child_share = years.entry_factors(y, ep.uasc_share)
                t = build.entry_terms(ep, years.start_age_share(y), child_share)
                f_non = ratio * (1 - child_share) / max(1 - ep.uasc_share, 1e-12)
                f_non *= (1 + base.siblings) / (1 + t.siblings)
                f_uasc = uasc.uasc_factors(ep, y, ratio * child_share, ep.uasc_share)
                cache[y] = (np.r_[f_non, f_uasc], np.cumsum(t.non_uasc_age), y)
        return cache[y]

    def entry_rate_on(self, day: int) -> np.ndarray:
        """Arrivals a day by LA on ``day`` (``entry_rate_per_day`` by ``entry_year``'s factors)."""
        f = self.entry_year(day)[0]
        if (f == 1.0).all():
            return self.entry_rate_per_day
        return self.entry_rate_per_day * (f @ self.entry_mix)

    def entry_uasc_on(self, day: int) -> np.ndarray:
        """The share of each LA's arrivals on ``day`` that are unaccompanied."""
        f = self.entry_year(day)[0]
        mix = self.entry_mix
        total = f @ mix
        uasc_part = f[1:] @ mix[1:]
        return np.divide(uasc_part, total, out=np.zeros_like(total), where=total > 0)

    def nts_on(self, day: int) -> transfers.Nts:
        """The National Transfer Scheme's terms on ``day`` (a regional plan's quota if active)."""
        ud = self.policy.uasc_dispersal
        if ud is not None and ud.active(day):
            return self.nts._replace(quota=ud.quota)
        return self.nts

    def entry_params(self, day: int) -> tuple[np.ndarray, np.ndarray]:
        """Entry's scalar (``E_*``) and per-age-band (``B_*``) parameters on ``day``.

        Built once for the run's parameters (and the year's referral share under the National
        Transfer Scheme) while no lever that changes them exists.
        """
        p, policy = self.p, self.policy
        year = years.year_to_march(self.origin, day)
        if self._entry_bands is None or self._entry_bands[0] is not p:
            self._entry_bands = (p, {})
        by_year = self._entry_bands[1]
        if year not in by_year:
            by_year[year] = arrivals.entry_bands(p, year)
        bands = by_year[year]
        steady = policy.prevention is None and policy.kinship_support is None
        steady = steady and policy.uasc_dispersal is None
        refer = uasc.referral_share(p.entry, self.entry_year(day)[2])
        cached = self._entry_prm
        if steady and cached is not None and cached[0] is p and cached[1] == refer:
            return cached[2], bands
        prm = arrivals.entry_scalars(p, policy, day, self.origin, refer)
        if steady:
            self._entry_prm = (p, refer, prm)
        return prm, bands

    def day_terms(self, day: int) -> tuple:
        """What a lever may change from day to day in phases 1-3, as bytes to compare.

        The entry, placement and event parameters and the urgent search's market terms.
        """
        prm, bands = self.entry_params(day)
        pp, rates = self.placement_terms(day)
        (keep,) = self.event_terms(day)
        market, mprm, flags = self.market_terms(day, True)
        arrays = (prm, bands, pp, *rates, self._vp, keep, mprm, *market[2:])
        return (*(np.asarray(a).tobytes() for a in arrays), flags)

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

    def event_world(self, day: int) -> engine.EventWorld:
        """What the event handlers read besides the table and supply (``handle_events``)."""
        return engine.EventWorld(
            self.table.row_of,
            self.stock,
            self.uasc_stock,
            self.provider_la,
            *self.event_terms(day),
            self.geo.la_order,
            self.geo.d_start,
            self.geo.d_cumw,
            self.nts.due,
            np.array([self.next_cid], np.int64),
        )

    def event_terms(self, day: int) -> tuple[np.ndarray]:
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
            vp[engine.V_SC_DAYS] = int(sc.cfg.years * DAYS_PER_YEAR)
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

    def kernel_state(self, rows: int) -> tuple:
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

    def placement_terms(self, day: int) -> tuple[np.ndarray, tuple]:
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

    def drawn_count(self) -> int:
        """Events the kernels have drawn and not yet queued."""
        return int(self._drawn_n[0])

    def take_drawn(self, since: int) -> np.ndarray:
        """The events drawn after the first ``since`` (a copy), taken out of the buffer."""
        out = self._drawn[since : int(self._drawn_n[0])].copy()
        self._drawn_n[0] = since
        return out

    def queue_drawn(self, after: int = -1) -> None:
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

    def urgent_inputs(self, day: int, n: int) -> tuple:
        """``engine.urgent_round``'s arguments for up to ``n`` children, room made for them.

        The supply may grow (new arrays): take ``kernel_state`` after.

        Returns:
            (the supply's further columns, ``row_of``, the first new unit, kinship terms,
            geography, the search's terms with the vacancy index as it stands).
        """
        sup, g = self.supply, self.geo
        sup.reserve(2 * n)  # a kinship household or an unregistered setting per child at most
        more = sup.new_unit_columns()
        kin = terms.KinTerms(
            self.p.placements.kin_far_share,
            self.p.prices.kin_cost_gbp_week,
            self.council_provider,
        )
        order, order_key = sup.search_order(self.carer_owners())
        vac = self._vac
        if vac is None:
            vac = matching.VacancyIndex(
                units=self._no_rows, start=np.zeros(sup.n_cells() + 1, np.int64), n_la=g.n_la
            )
            self._vac_day = -1
        search = terms.UrgentSearch(
            terms=self.search_terms(day, True)._replace(
                vacancies=terms.Vacancies(vac.start, vac.units, vac.n_la)
            ),
            vac_state=np.array([self._vac_day, self._vac_n], np.int64),
            order=order,
            order_key=order_key,
            unregistered=self.unregistered_terms(),
        )
        return more, self.table.row_of, sup.n, kin, terms.districts(g), search

    def unregistered_terms(self) -> terms.UnregisteredTerms:
        """An unregistered setting's list price and provider."""
        return terms.UnregisteredTerms(
            self.p.prices.unregistered_gbp_week, self.unregistered_provider
        )

    def search_terms(self, day: int, emergency: bool) -> terms.SearchTerms:
        """A search's terms as ``engine.search_rows`` takes them, less the vacancy index."""
        # The same all day (prices move after the day's searches) while the supply's columns
        # are (they are new arrays when it grows); the terms hold both, so no id is reused.
        key = (day, emergency, id(self.scarcity), id(self.supply.kind), self.plan_kinds_only)
        if self._terms_key != key:
            mp = self.p.matching
            if self._radius is None:  # each stage's search radius, km (the last unbounded)
                stage = np.arange(mp.stages)
                self._radius = np.where(
                    stage >= mp.stages - 1, 1e5, mp.radius_km * mp.widen_factor**stage
                )
            market, prm, flags = self.market_terms(day, emergency)
            g = self.geo
            self._terms = terms.SearchTerms(
                points=terms.Points(g.d_lat, g.d_lon, g.la_lat, g.la_lon),
                units=self.unit_columns(),
                market=market,
                prm=prm,
                flags=flags,
                radius_km=self._radius,
                min_km_away=TWENTY_MILES_KM,
                vacancies=terms.NO_VACANCIES,
                nearest=terms.Nearest(g.dist_sorted, g.la_order),
                max_las=self.p.matching.max_las,
                per_la=self.p.matching.per_la,
                district_start=g.d_start,
                carers=self.carer_terms(market, flags),
            )
            self._terms_key = key
        return self._terms

    def carer_owners(self) -> np.ndarray | None:
        """Each provider's council, when in-house carers are indexed by it, else None."""
        return self.provider_la if self.p.matching.own_carers_anywhere else None

    def carer_terms(self, market: terms.Market, flags: terms.MarketFlags) -> terms.Carers:
        """Whose in-house carers each council's children may take (``kernels.scan_candidates``).

        With ``own_carers_anywhere``: its own and, with an RCC's regional foster care, its
        fellow members'.
        """
        own = self.p.matching.own_carers_anywhere
        if not own or not flags.regional_foster:
            return terms.Carers(own, *terms.NO_FELLOWS)
        rcc = market.rcc_of_la
        n_la = len(rcc)
        fellows = [np.flatnonzero((rcc == rcc[a]) & (np.arange(n_la) != a)) if rcc[a] >= 0
                   else np.zeros(0, np.int64) for a in range(n_la)]  # fmt: skip
        start = np.zeros(n_la + 1, np.int64)
        start[1:] = np.cumsum([len(f) for f in fellows])
        return terms.Carers(True, start, np.concatenate(fellows).astype(np.int64))

    def unit_columns(self) -> tuple:
        """The supply's columns the search reads (``terms.UNIT_FIELDS``), rebuilt on growth."""
        s = self.supply
        if self._units is None or self._units[0] is not s.kind:
            self._units = (s.kind, terms.UnitColumns(*(getattr(s, f) for f in terms.UNIT_FIELDS)))
        return self._units[1]

    def vacancies(self, day: int) -> matching.VacancyIndex:
        """The day's vacancy index (built once a day; free places are re-checked on use)."""
        if self._vac_day != day or self._vac is None or self._vac_n != self.supply.n:
            self._vac = self.supply.vacancy_index(self.carer_owners())
            self._vac_day = day
            self._vac_n = self.supply.n
        return self._vac

    def fresh_vacancies(self) -> None:
        """Drop the vacancy index: the next search builds a fresh one (``vacancies``)."""
        self._vac = None

    def market_terms(self, day: int, emergency: bool) -> tuple[tuple, np.ndarray, tuple]:
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
            each LA, capped kinds), the scalar parameters ``prm`` (``terms.P_*``) and the
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
        prm = np.zeros(terms.N_PRM)
        prm[terms.P_DECLINE_PER_TIER] = mp.decline_per_tier
        prm[terms.P_PLAN_KINDS_ONLY] = 1.0 if self.plan_kinds_only else 0.0
        prm[terms.P_ACCEPT_UNREG] = mp.accept_unregistered_factor
        prm[terms.P_SCARCITY_MARKUP] = pp.scarcity_markup
        prm[terms.P_COMPLEX_PREMIUM] = pp.complex_premium
        prm[terms.P_EMERGENCY_PREMIUM] = pp.emergency_premium
        prm[terms.P_EMERGENCY] = 1.0 if emergency else 0.0
        prm[terms.P_W_DIST] = mp.w_distance_per_10km
        prm[terms.P_W_PRICE] = mp.w_price_per_1000
        prm[terms.P_W_MISFIT] = mp.w_misfit
        prm[terms.P_W_QUALITY] = mp.w_quality
        prm[terms.P_OWN_BONUS] = mp.own_provision_bonus
        prm[terms.P_OUTSIDE_PENALTY] = mp.outside_la_penalty
        prm[terms.P_HOME_FIXED_SHARE] = pp.home_fixed_cost_share
        prm[terms.P_OCCUPANCY_REF] = pp.occupancy_ref
        prm[terms.P_BASE_MARKUP] = pp.base_markup
        rcc_of_la = self._no_rcc
        if pool is not None:
            rcc_of_la = np.asarray(pool.rcc_of_la, np.int64)
            prm[terms.P_POOL_MARKUP] = pool.markup_factor
            prm[terms.P_POOL_DISCOUNT] = pool.discount
            prm[terms.P_POOL_BLOCK_DISCOUNT] = pool.block_discount
        cap_kind = np.zeros(N_KINDS, np.bool_)
        if cap is not None:
            cap_kind[np.asarray(cap.kinds, np.int64)] = True
            prm[terms.P_CAP_MAX_MARGIN] = cap.max_margin
        market = terms.Market(
            self.provider_la,
            self.geo.region_of,
            self.scarcity,
            self._accept_prob,
            rcc_of_la,
            cap_kind,
        )
        flags = terms.MarketFlags(
            pool is not None, bool(pool is not None and pool.regional_foster), cap is not None
        )
        return market, prm, flags
