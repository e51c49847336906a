"""Levers on who commissions and who provides: RCCs, new public homes, a recruitment hub.

This module owns three levers of docs/design.md §4 and the regional planning they share:
``pooled_commissioning`` (an RCC for any set of councils: one customer searching across its
members' own provision, a negotiated framework discount and weaker scarcity markups, block
contracts for a share of members' residential need with the RCC paying for empty places, a
yearly sufficiency plan that steers new private homes to where the gap is, and running costs
from the pathfinder grants); ``public_homes`` (council or RCC homes built where the sufficiency
gap is, after a lead time, with capital and running costs); and ``recruitment_hub`` (more
approvals and fewer deregistrations among councils' foster carers, at a cost). It also owns
RCC membership (pathfinders, regions, a national roll-out) and the sufficiency gap measure.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.agents.rcc import RCC
from sim.config import ConfigError
from sim.policies.base import Lever, day_of
from sim.records import HOME, ITEM_PROGRAMME, ITEM_RCC, SECTOR_LA, SECURE, UNREG

PATHFINDERS = ("greater_manchester", "south_east")


def rcc_membership(names: list[str], geo) -> tuple[list[str], np.ndarray]:
    """RCC names and each LA's RCC index (-1 for none) for the configured ``names``.

    A pathfinder name takes its member councils; a region name takes that region's councils
    not already in an RCC ("London" takes Inner and Outer London); ``all_regions`` makes one RCC
    of every region's remaining councils, after any pathfinders named before it.
    """
    las = geo.las
    region = las["region"].astype(str).str.replace(r"^(Inner|Outer) London$", "London", regex=True)
    region = region.to_numpy()
    rcc_of = np.full(len(las), -1, dtype=np.int64)
    out: list[str] = []
    regions = list(dict.fromkeys(region))

    def add(name: str, mask: np.ndarray) -> None:
        mask = mask & (rcc_of < 0)
        if mask.any():
            rcc_of[mask] = len(out)
            out.append(name)

    for name in names:
        if name in PATHFINDERS:
            add(name, (las["rcc_pathfinder"] == name).to_numpy())
        elif name == "all_regions":
            for r in regions:
                add(r, region == r)
        elif name in regions:
            add(name, region == name)
        else:
            allowed = ", ".join([*PATHFINDERS, "all_regions", *regions])
            raise ConfigError(
                f"policy.pooled_commissioning.rccs: unknown RCC {name!r}; choose from: {allowed}"
            )
    return out, rcc_of


def sufficiency_gap(model) -> np.ndarray:
    """Per LA: its children in homes over 20 miles away or in unregistered settings.

    Counts children in children's or secure homes more than 20 miles from home and children
    in unregistered settings (zero for councils not simulated).
    """
    n_la = model.geo.n_la
    las = []
    for cid in sorted(model.children):
        c = model.children[cid]
        if c.kind == UNREG or (c.kind in (HOME, SECURE) and c.far):
            las.append(c.la)
    gap = np.bincount(np.array(las, dtype=np.int64), minlength=n_la).astype(float)
    return gap * model.is_sim


@dataclass
class PoolTerms:
    """What pooling changes in a search, for children of member councils."""

    rcc_of_la: np.ndarray
    discount: float
    markup_factor: float
    regional_foster: bool
    block_discount: float


class PooledCommissioning(Lever):
    """Regional Care Co-operatives commissioning for their members as one customer."""

    name = "pooled_commissioning"

    def __init__(self, cfg, model) -> None:
        super().__init__(cfg, model)
        self.names, self.all_rcc_of_la = rcc_membership(list(cfg.rccs), model.geo)
        # Pathfinders start on ``start``; regional RCCs on ``region_start`` (if later).
        self.rcc_start = np.array(
            [
                self.start_day
                if name in PATHFINDERS
                else max(self.start_day, day_of(cfg.region_start, self.origin))
                for name in self.names
            ],
            dtype=np.int64,
        )
        self.shaping = np.ones(model.geo.n_la)
        self.blocks_set = False  # the first year's block contracts are in place
        self._phase = -1
        self.rcc_of_la = self.all_rcc_of_la
        self._terms: PoolTerms | None = None

    def _update(self, day: int) -> None:
        """Membership of the RCCs running on ``day`` (-1 for councils not yet in one)."""
        phase = int((self.rcc_start <= day).sum())
        if phase != self._phase:
            self._phase = phase
            started = self.rcc_start <= day
            r = self.all_rcc_of_la
            self.rcc_of_la = np.where((r >= 0) & started[np.maximum(r, 0)], r, -1)
            self._terms = PoolTerms(
                self.rcc_of_la,
                self.cfg.negotiated_discount,
                self.cfg.scarcity_markup_factor,
                self.cfg.regional_foster_search,
                self.cfg.block_discount,
            )

    def members(self, k: int) -> np.ndarray:
        """LA indices of RCC ``k``."""
        return np.flatnonzero(self.rcc_of_la == k)

    def terms(self, day: int) -> PoolTerms | None:
        """The search terms on ``day`` (None when the lever is not active)."""
        if not self.active(day):
            return None
        self._update(day)
        return self._terms

    def block_plan(self, day: int, model) -> dict[int, np.ndarray]:
        """Units each RCC holds on block contract for the coming year.

        The market's candidates (open, matchable private or voluntary children's homes with no
        background places) and each LA's children in such homes; each RCC chooses its own
        (``RCC.choose_blocks``).
        """
        if not self.active(day):
            return {}
        self._update(day)
        self.blocks_set = True
        s = model.supply
        n = s.n
        homes = np.flatnonzero(
            s.open[:n]
            & s.matchable[:n]
            & (s.kind[:n] == HOME)
            & (s.sector[:n] != SECTOR_LA)
            & (s.reserved[:n] == 0)
        )
        in_homes = np.zeros(model.geo.n_la)
        for cid in sorted(model.children):
            c = model.children[cid]
            if c.kind == HOME and c.unit >= 0 and s.sector[c.unit] != SECTOR_LA:
                in_homes[c.la] += 1
        rccs = model.agents_by_type[RCC]  # each RCC chooses its own (``RCC.choose_blocks``)
        chosen = rccs.map("choose_blocks", homes, in_homes, self.rcc_of_la, s)
        return {rcc.index: units for rcc, units in zip(rccs, chosen, strict=True)}

    def plan_year(self, day: int, model) -> None:
        """The regional sufficiency plan: new private homes are steered to members' gaps."""
        if not self.active(day) or self.cfg.market_shaping <= 0:
            self.shaping = np.ones(model.geo.n_la)
            return
        self._update(day)
        gap = sufficiency_gap(model)
        pop = model.geo.las["pop_0_17"].to_numpy(float)
        shaping = np.ones(model.geo.n_la)
        model.agents_by_type[RCC].do("steer_entry", gap, pop, self.rcc_of_la, shaping)
        self.shaping = shaping

    def entry_weights(self, day: int, base: np.ndarray) -> np.ndarray:
        """Where new private homes open (the base pattern, reweighted by the plan)."""
        if not self.active(day):
            return base
        w = base * self.shaping
        return w / w.sum()

    def costs(self, day: int, model) -> list[tuple[int, int, float]]:
        """Running costs of each RCC for the month, shared by members by children looked after."""
        if not self.active(day):
            return []
        self._update(day)
        rate = self.cfg.running_cost_gbp_per_cla_year / 12.0
        sim = model.is_sim
        return [
            (int(la), ITEM_RCC, float(model.stock[la]) * rate)
            for la in np.flatnonzero((self.rcc_of_la >= 0) & sim)
            if model.stock[la] > 0
        ]


class PublicHomes(Lever):
    """New council (or RCC member) children's homes, built where the gap is."""

    name = "public_homes"

    def __init__(self, cfg, model) -> None:
        super().__init__(cfg, model)
        self.listed = model.geo.la_indices(list(cfg.las)) if cfg.las else np.array([], int)
        self.started = 0
        self.next_start = self.start_day
        self.planned = np.zeros(model.geo.n_la)
        self.pending: list[tuple[int, int]] = []  # homes being built: (opening day, LA)

    def builds(self, day: int, model) -> list[int]:
        """LAs where homes start to be built on ``day`` (one entry per home)."""
        if not self.active(day) or day < self.next_start or self.started >= self.cfg.n_homes:
            return []
        k = min(self.cfg.per_year, self.cfg.n_homes - self.started)
        self.started += k
        self.next_start += 365
        out: list[int] = []
        if len(self.listed):
            for i in range(k):
                out.append(int(self.listed[(self.started - k + i) % len(self.listed)]))
            return out
        gap = sufficiency_gap(model) - self.planned
        for _ in range(k):
            la = int(np.argmax(gap))
            out.append(la)
            gap[la] -= self.cfg.places_per_home
            self.planned[la] += self.cfg.places_per_home
        return out

    def commission(self, day: int, la: int) -> None:
        """A home starts to be built in ``la`` on ``day``; it opens after the lead time."""
        self.pending.append((day + self.cfg.lead_time_days, la))

    def opening(self, day: int) -> list[int]:
        """The LAs of the homes whose lead time is over on ``day`` (one entry per home)."""
        due = [la for d, la in self.pending if d <= day]
        self.pending = [x for x in self.pending if x[0] > day]
        return due


class RecruitmentHub(Lever):
    """A regional foster-carer recruitment and support hub for councils' fostering services."""

    name = "recruitment_hub"

    def __init__(self, cfg, model, pooled: PooledCommissioning | None = None) -> None:
        super().__init__(cfg, model)
        n = model.geo.n_la
        scope = list(cfg.scope)
        covered = np.zeros(n, bool)
        if "all" in scope:
            covered[:] = True
        if "rcc" in scope:
            if pooled is None:
                raise ConfigError(
                    "policy.recruitment_hub.scope includes 'rcc' but pooled_commissioning is off"
                )
            covered |= pooled.all_rcc_of_la >= 0
        codes = [c for c in scope if c not in ("all", "rcc")]
        if codes:
            covered[model.geo.la_indices(codes)] = True
        self.covered = covered

    def factors(self, day: int) -> tuple[np.ndarray, np.ndarray] | None:
        """Per LA: multiplier on councils' approvals and on their carers' deregistrations."""
        if not self.active(day):
            return None
        appr = np.where(self.covered, 1.0 + self.cfg.approval_uplift, 1.0)
        keep = np.where(self.covered, 1.0 - self.cfg.retention_gain, 1.0)
        return appr, keep

    def costs(self, day: int, model) -> list[tuple[int, int, float]]:
        """Hub costs for the month, per covered simulated council."""
        if not self.active(day):
            return []
        each = self.cfg.cost_gbp_per_la_year / 12.0
        return [
            (int(la), ITEM_PROGRAMME, each) for la in np.flatnonzero(self.covered & model.is_sim)
        ]
