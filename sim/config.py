"""Typed configuration: every config group's schema, its defaults with provenance, and validation.

This module owns the shapes Hydra composes (``RunConfig`` and its groups) and the rule that bad
configuration fails loudly: unknown keys, out-of-range numbers and bad enum values raise
``ConfigError`` naming the key, the value and what is allowed. Entry points convert the Hydra config
to these dataclasses once (``to_run_config``) and pass plain dataclasses inward; the model never
sees Hydra. Every numeric default states its unit and its source (a docs/facts.md figure, marked
[pub]/[file]/[sec]/[derived]) or says ``assumption``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
from dataclasses import dataclass, field
from typing import Any


class ConfigError(ValueError):
    """A configuration value is unknown, out of range or of the wrong kind."""


class WorldName(enum.Enum):
    """Which set of councils the model runs."""

    england = "england"
    greater_manchester = "greater_manchester"
    south_east = "south_east"
    tiny = "tiny"
    custom = "custom"


def _check(key: str, value: float, lo: float | None = None, hi: float | None = None) -> None:
    if lo is not None and value < lo or hi is not None and value > hi:
        rng = f"[{lo if lo is not None else '-inf'}, {hi if hi is not None else 'inf'}]"
        raise ConfigError(f"{key}={value} is out of range; expected a value in {rng}")


@dataclass
class WorldConfig:
    """Which LAs are simulated (children are theirs; supply anywhere in England stays usable)."""

    name: WorldName = WorldName.england
    # ONS codes of the councils whose children are simulated; empty = all 153 (england),
    # or the pathfinder's members (greater_manchester, south_east).
    las: list[str] = field(default_factory=list)
    # Supply outside the simulated councils' regions is kept (placements outside the region
    # remain possible) but scaled down to the share of it that these councils use: assumption.
    external_supply_share: float = 0.15
    # Fraction of every LA's children and supply kept (1.0 = all); the tiny world uses less.
    scale: float = 1.0
    # An observed SSDA903 extract (folder or file, see sim/io/read903.py): when given, the
    # simulated LAs' children at ``start_date`` are read from it instead of being synthetic.
    observed: str = ""
    # With an extract, each LA's entries per day are its starts in the year to start_date
    # (instead of the embedded 2024-25 starts).
    observed_entry_rates: bool = True

    def __post_init__(self) -> None:
        _check("world.external_supply_share", self.external_supply_share, 0.0, 1.0)
        _check("world.scale", self.scale, 0.001, 1.0)


@dataclass
class EntryParams:
    """Entries into care (docs/design.md §3.1)."""

    # Multiplier on each LA's observed starts in 2024-25 (DfE 2025 LA table; 32,270 England).
    rate_multiplier: float = 1.0
    # Age at entry shares: under 1, 1-4, 5-9, 10-15, 16-17 [file] DfE 2025 starts by age.
    age_share: list[float] = field(default_factory=lambda: [0.159, 0.137, 0.152, 0.268, 0.284])
    # UASC share of starts: 6,950 / 32,270 [file] DfE 2025.
    uasc_share: float = 0.215
    # Share of UASC starts aged 16-17 on entry: assumption (most UASC arrive at 16-17).
    uasc_share_16plus: float = 0.8
    # Male share of starts 0.604 [file] DfE 2025; UASC are ~95% male: assumption.
    male_share_non_uasc: float = 0.52
    male_share_uasc: float = 0.95
    # Share of under-16 non-UASC entrants who enter with siblings: assumption (no national figure).
    sibling_group_share: float = 0.25
    # Share of sibling groups of three (rest two): assumption.
    sibling_group_of_three: float = 0.3

    def __post_init__(self) -> None:
        _check("params.entry.rate_multiplier", self.rate_multiplier, 0.0, 10.0)
        if len(self.age_share) != 5 or abs(sum(self.age_share) - 1.0) > 0.01:
            raise ConfigError("params.entry.age_share must be 5 shares summing to 1")
        for k in ("uasc_share", "uasc_share_16plus", "sibling_group_share"):
            _check(f"params.entry.{k}", getattr(self, k), 0.0, 1.0)


@dataclass
class ExitParams:
    """Time to exit by age band at entry: a mixture of a short and a long stay.

    Fitted so that stock / exits is about 2.4 years and ceased 2024-25 is 34,450 [file] DfE 2025;
    the split short/long and the means are assumptions tuned to those targets
    (``python experiments/validate.py`` shows the fit).
    """

    # Probability that a stay is short, by age band at entry (under 1, 1-4, 5-9, 10-15, 16-17).
    p_short: list[float] = field(default_factory=lambda: [0.30, 0.35, 0.30, 0.30, 0.40])
    # Mean short stay, days: assumption.
    short_mean_days: list[float] = field(default_factory=lambda: [120, 150, 150, 120, 100])
    # Mean long stay, years (censored by the 18th birthday): assumption.
    long_mean_years: list[float] = field(default_factory=lambda: [1.7, 3.0, 10.0, 15.0, 5.0])
    # Share of 18th-birthday leavers in foster care who stay put (E17): 6,000 staying put of
    # 13,740 ceasing aged 18+ [file] DfE 2025, divided by the foster share of 17-year-olds
    # (~0.6, assumption) -> 0.7.
    staying_put_share_fostered: float = 0.7
    # UASC leave care sooner: multiplier on long stay mean: assumption.
    uasc_long_multiplier: float = 0.5

    def __post_init__(self) -> None:
        for k in ("p_short", "short_mean_days", "long_mean_years"):
            if len(getattr(self, k)) != 5:
                raise ConfigError(f"params.exits.{k} must have 5 values (one per age band)")
        for v in self.p_short:
            _check("params.exits.p_short", v, 0.0, 1.0)
        _check("params.exits.staying_put_share_fostered", self.staying_put_share_fostered, 0, 1)


@dataclass
class PlacementParams:
    """Care plans, unplanned endings and planned moves (docs/design.md §3.3)."""

    # Share of entrants, by age band, whose plan is placement with parents (P1): assumption
    # tuned to 6.1% of CLA placed with parents [file] DfE 2025.
    p_parents: list[float] = field(default_factory=lambda: [0.05, 0.09, 0.09, 0.06, 0.02])
    # Share with family or friends able to care (kinship foster, U1-U3): assumption tuned to
    # kinship 15.6% of CLA (FOI census Sep 2024 [sec]) and 16% (FRG on DfE 2024 [sec]).
    p_kin: list[float] = field(default_factory=lambda: [0.25, 0.30, 0.28, 0.17, 0.05])
    # Share whose needs call for a children's home, by age band: assumption tuned to 11.6% of
    # CLA in secure and children's homes [file] DfE 2025.
    p_home: list[float] = field(default_factory=lambda: [0.0, 0.0, 0.04, 0.30, 0.22])
    # Share of 16-17 entrants (non-UASC / UASC) planned for supported accommodation: assumption
    # tuned to 9.2% of CLA in supported/semi-independent living [file] DfE 2025.
    p_sa_16plus: float = 0.85
    p_sa_16plus_uasc: float = 0.85
    # Share of children's-home entrants needing a secure bed: assumption (214 secure places,
    # Ofsted 2023 [file]).
    p_secure_of_home: float = 0.02
    # Share of placed-for-adoption path among under-5 long stayers: assumption tuned to 3,040
    # adoptions a year [file] DfE 2025.
    p_adoption_young_long: float = 0.40
    # Days on the adoption path before the adoptive placement (A-code) starts, mean: assumption.
    adoption_placement_days: float = 300.0
    # Share of entries whose first placement is an emergency/short-term one followed by a
    # planned move (care plan), by age band: assumption tuned to 59,140 placement changes and
    # 10% with 3+ placements in the year [file] DfE 2025.
    p_first_temporary: list[float] = field(default_factory=lambda: [0.22, 0.22, 0.25, 0.27, 0.22])
    temporary_mean_days: float = 70.0
    # Unplanned ending hazard per placement-year by unit kind (foster in-house, foster IFA,
    # kinship, children's home, secure, supported accommodation, unregistered), for a child of
    # average propensity to move: assumption tuned to 13,750 unplanned endings in 2024-25
    # [derived] docs/facts.md §1.7 and 1 in 7 children in residential care moving twice a year [pub]
    # NAO 2025 (the values before the propensity below, x0.85, refitted with it).
    unplanned_rate: list[float] = field(
        default_factory=lambda: [0.102, 0.11, 0.051, 0.212, 0.17, 0.255, 0.425]
    )
    # Shape of the Weibull time to an ending for one child: 1, a constant hazard. Endings still
    # concentrate early in placements overall (10% of placements ending in 2022 lasted 1-7
    # days [pub] EES) because the children who move most start the most placements (the
    # propensity below); without it a shape of 0.6 was needed. Assumption, tuned with it.
    hazard_shape: float = 1.0
    # Share of unplanned endings of a foster placement of a child aged 11+ after which the
    # plan escalates to a children's home: assumption.
    p_escalate_after_breakdown: float = 0.4
    # Share of planned moves from a children's home of an under-16 that step down to foster
    # care: assumption.
    p_step_down: float = 0.08
    # Share of children, by age band, who must be placed away from home for their safety
    # (exploitation or risk in the home area): the search skips places within 20 miles.
    # assumption (no national figure; DfE counts 17.9% placed outside their LA and over 20
    # miles [file] 2025).
    p_placed_away: list[float] = field(default_factory=lambda: [0.0, 0.0, 0.02, 0.12, 0.10])
    # Share of kinship carers living far from the child's home (beyond the nearest councils):
    # assumption.
    kin_far_share: float = 0.15
    # Share of planned moves (other than from a short-term first placement) recorded as OTHER
    # rather than CARPL: 14,570 / (14,570 + 20,170 - short-term moves) [derived] DfE 2025.
    other_share_of_planned: float = 0.62
    # Multiplier on the unplanned hazard by age band: teenage foster placements break down far
    # more often [pub] SCIE Guide 7 / Sinclair; values assumption.
    age_multiplier: list[float] = field(default_factory=lambda: [0.2, 0.4, 0.8, 1.5, 1.3])
    # Multiplier per tier of needs above the unit's skill level: assumption.
    misfit_multiplier: float = 1.6
    # Multiplier when placed more than 20 miles from home: assumption (no published estimate,
    # docs/facts.md §6 [NOT FOUND]).
    distance_multiplier: float = 1.25
    # Multiplier per Ofsted grade step below good (requires improvement, inadequate): assumption.
    quality_multiplier: float = 1.2
    # Planned move hazard per placement-year by unit kind (care plan and other moves):
    # assumption tuned to CARPL 20,170 + OTHER 14,570 in 2024-25 [file] DfE 2025.
    planned_rate: list[float] = field(
        default_factory=lambda: [0.306, 0.34, 0.085, 0.595, 1.7, 0.382, 2.55]
    )
    # Share of foster placements that change status only (same carer, RNE T; PLACE reason)
    # once, about a year in: assumption tuned to PLACE 10,500 [file] DfE 2025 (0.65 gives
    # 9,400-10,900 a year in the first two simulated years).
    p_status_change: float = 0.65
    status_change_mean_days: float = 365.0
    # Multiplier on both hazards (unplanned ending, planned move) of a placement found by the
    # weekly planned search rather than on the day of need: a planned match is the more stable
    # one (assumption; no national estimate), tuned with the propensity below.
    planned_match_multiplier: float = 0.8
    # Variance across children of a lasting propensity to move: each child's hazards (unplanned
    # ending and planned move, every placement) are multiplied by its own draw from a gamma
    # distribution with mean 1 and this variance, fixed at entry, so that the same children
    # move again and again (instability recurs with the child's difficulties [pub] Sinclair et
    # al. 2005; NICE QS31). Assumption, tuned with the hazard shape, the planned-match
    # multiplier and the base hazards to 59,140 placement changes, 10% with 3+ placements and
    # 69% long-term stability [file] DfE 2025 over ten years, not the first only. With every
    # child alike (0), 3+ placements rise with placement changes whichever hazards move them
    # (12.3% rising to 13.8% at 52-53k changes); with 3 they hold at 11.4-11.8% at 50-54k, and
    # about a fifth of children in care 2+ years have 3+ placements in two years (DfE 23%). The
    # tail is heavy: a few children move every month or two.
    move_propensity_variance: float = 3.0
    # Share of children in foster or residential care who move to supported accommodation
    # between their 16th birthday and 17 and a half: assumption tuned to 9.2% of CLA in
    # supported or semi-independent living [file] DfE 2025 (0.7: 8.5% after the first year,
    # once the 31 March 2025 stock's 16-17s have left).
    p_step_to_sa_at_16: float = 0.7

    def __post_init__(self) -> None:
        for k in (
            "p_parents",
            "p_kin",
            "p_home",
            "age_multiplier",
            "p_first_temporary",
            "p_placed_away",
        ):
            if len(getattr(self, k)) != 5:
                raise ConfigError(f"params.placements.{k} must have 5 values (one per age band)")
        for k in ("unplanned_rate", "planned_rate"):
            if len(getattr(self, k)) != 7:
                raise ConfigError(f"params.placements.{k} must have 7 values (one per unit kind)")
            for v in getattr(self, k):
                _check(f"params.placements.{k}", v, 0.0, 50.0)
        _check(
            "params.placements.planned_match_multiplier", self.planned_match_multiplier, 0.05, 5.0
        )
        _check(
            "params.placements.move_propensity_variance", self.move_propensity_variance, 0.0, 10.0
        )


@dataclass
class MatchingParams:
    """Commissioning search and the score of a candidate place (docs/design.md §3.2)."""

    # Initial search radius, km (20 miles = 32.2 km, DfE's distance threshold).
    radius_km: float = 32.2
    # Radius widening factor per extra search stage and per week of waiting: assumption.
    widen_factor: float = 2.0
    # Stages of widening tried the same day before an emergency/unregistered placement.
    stages: int = 3
    # Nearest LAs with a vacancy considered per child and kind; vacancies looked at per LA.
    max_las: int = 5
    per_la: int = 4
    # Score weights: per 10 km, per £1,000/week, per needs tier above skill, per grade step,
    # own-provision bonus, out-of-LA penalty: assumptions (councils prefer own provision and
    # near placements, then price; LGA 2023: 98% cite lack of choice).
    w_distance_per_10km: float = 0.5
    w_price_per_1000: float = 0.6
    w_misfit: float = 3.0
    w_quality: float = 0.5
    own_provision_bonus: float = 4.0
    outside_la_penalty: float = 1.0
    # Probability that a provider accepts a referral, by unit kind (in-house, IFA, kinship,
    # home, secure, supported, unregistered), reduced by ``decline_per_tier`` per needs tier:
    # assumption tuned to 22% placed over 20 miles and 44.5% outside their LA [file] DfE 2025
    # (CMA: councils often find at most one option [pub]).
    accept_prob: list[float] = field(default_factory=lambda: [0.3, 0.2, 1.0, 0.08, 0.5, 0.4, 1.0])
    decline_per_tier: float = 0.25
    # Multiplier on acceptance for a child now in an unregistered setting (providers shy away
    # from children whose placements have failed): assumption tuned to ~800 children in
    # unregistered settings at a time, for ~6 months on average [sec] PAC, Jan 2026.
    accept_unregistered_factor: float = 0.12

    def __post_init__(self) -> None:
        _check("params.matching.radius_km", self.radius_km, 1.0, 1000.0)
        _check("params.matching.widen_factor", self.widen_factor, 1.0, 10.0)
        _check("params.matching.stages", self.stages, 1, 10)
        _check("params.matching.max_las", self.max_las, 1, 153)
        _check("params.matching.per_la", self.per_la, 1, 100)


@dataclass
class SupplyParams:
    """Initial supply and its dynamics (docs/design.md §3.5)."""

    # Mainstream fostering households 33,435 (2025) [sec] Ofsted Fostering in England 2024-25.
    mainstream_households: int = 33435
    # LA share of mainstream households 46/(46+43) [sec] Ofsted via CYP Now (2023).
    la_share_households: float = 0.517
    # Usable places per household: filled 42,015 + 16% of 69,825 vacant-and-available =
    # 53,187 over 33,435 households = 1.59 [derived] Ofsted 2024-25 and 2023-24.
    usable_places_per_household: float = 1.59
    # Approvals and deregistrations per household-year: 4,055 / 33,745 and 4,820 / 33,745
    # [sec] Ofsted Fostering 2023-24.
    approval_rate: float = 0.120
    deregistration_rate: float = 0.143
    # Approval lag from enquiry, days (Ofsted: assessment takes months): assumption.
    approval_lag_days: float = 240.0
    # Recruitment responds to occupancy above the 2025 level (elasticity): assumption.
    recruitment_elasticity: float = 2.0
    # Extra chance a carer deregisters after a breakdown with their child: assumption.
    deregister_after_breakdown: float = 0.1
    # Children's homes at 31 March 2025: 3,946 mainstream homes [pub] Ofsted 2025; the 2023
    # Ofsted list (3,050) is grown to it by 2022-23 private joiners' LA pattern.
    homes_target_2025: int = 3946
    # Share of those homes privately run: 84% [pub] Ofsted 2025 (82% in 2024).
    private_share_2025: float = 0.84
    # Places per new home: 3 [pub] Ofsted 2025 ("new homes average 3 places").
    new_home_places: int = 3
    # Registration lag for a new home, days: assumption (Ofsted registration ~6 months+).
    registration_lag_days: float = 240.0
    # Yearly entry and exit rates of homes by sector (private, LA, voluntary) [derived]
    # Ofsted 2022-23 joiners/leavers: entry 15.1%/7.0%/3.8%, exit 3.9%/4.6%/8.9%.
    home_entry_rate: list[float] = field(default_factory=lambda: [0.151, 0.07, 0.038])
    home_exit_rate: list[float] = field(default_factory=lambda: [0.039, 0.046, 0.089])
    # Expected margin at which private openings replace closures (a steady market): the CMA's
    # 22.6% for the largest providers [sec]. Openings rise by ``entry_margin_elasticity`` times
    # the gap (per unit of margin), up to the 2022-23 entry rate above: assumption (with 10,
    # 10 points of margin double openings; a 10-year England baseline then keeps occupancy
    # between about 55% and 67% as demand falls, instead of booming and busting).
    entry_reference_margin: float = 0.226
    entry_margin_elasticity: float = 10.0
    # Supported accommodation places per CLA aged 16-17 in the LA: assumption (890 providers,
    # ~6,000+ places [sec] Lords 2025; 7,520 CLA in SA [file]).
    sa_places_per_16plus: float = 0.45
    # Ofsted grades share (outstanding, good, requires improvement, inadequate): 82% good or
    # outstanding [pub] Ofsted 2025; split assumption.
    grade_share: list[float] = field(default_factory=lambda: [0.17, 0.65, 0.15, 0.03])
    # Provider-group failure (the Southern Cross risk): children's-home groups with at least
    # ``large_group_homes`` homes are large; ``leveraged_share_large`` of them carry heavy debt
    # (6 of the 10 largest home providers were private-equity owned [sec] CMA interim via
    # Guardian). Yearly failure hazard of a leveraged / other large group: assumption.
    large_group_homes: int = 10
    leveraged_share_large: float = 0.6
    group_failure_rate_leveraged: float = 0.01
    group_failure_rate_other: float = 0.002
    # Share of a failed group's homes taken over as going concerns (the rest close and their
    # children move at once): assumption.
    failure_transfer_share: float = 0.5

    def __post_init__(self) -> None:
        _check("params.supply.mainstream_households", self.mainstream_households, 0, 1e6)
        _check("params.supply.la_share_households", self.la_share_households, 0.0, 1.0)
        _check("params.supply.approval_rate", self.approval_rate, 0.0, 1.0)
        _check("params.supply.deregistration_rate", self.deregistration_rate, 0.0, 1.0)
        _check("params.supply.private_share_2025", self.private_share_2025, 0.0, 1.0)


@dataclass
class PriceParams:
    """Costs, markups and payments (docs/design.md §3.6); £ per place-week at 2024-25 prices."""

    # Children's home mean list price before premiums: set so that the mean price paid is about
    # £6,300/week (£6,100 in 2023-24 [derived] NAO, £318,400 per place a year, uplifted by 3.5%
    # real price growth [sec] CMA) once complex-needs and emergency premiums apply: derived.
    home_price_gbp_week: float = 5000.0
    # Lognormal spread of home list prices (sigma): assumption tuned to ~1,510 placements at
    # £10,000+/week [pub] LGA 2023.
    home_price_sigma: float = 0.28
    # IFA list price before premiums: set so the mean price paid is about £900/week (~£820 in
    # 2020 [pub] CMA interim, uplifted to 2024-25: assumption): derived.
    ifa_price_gbp_week: float = 790.0
    # In-house foster cost incl. fees, allowances and support: assumption (£600/week all foster
    # 2016 [pub] PQ 49075; LA carers £396 fee 2018 [sec]) -> 620.
    inhouse_foster_cost_gbp_week: float = 620.0
    kin_cost_gbp_week: float = 350.0  # assumption (kinship allowances below mainstream)
    # Secure children's home £270,000/yr (~£5,200/week, 2022) [sec] MoJ via Guardian -> 7,000
    # for welfare beds: assumption.
    secure_cost_gbp_week: float = 7000.0
    # Supported accommodation 16-17 weekly list price: assumption ([NOT FOUND] nationally).
    sa_cost_gbp_week: float = 1150.0
    # Unregistered placements: fees up to £30,000/week [pub] Ofsted 2024-25: mean assumption.
    unregistered_gbp_week: float = 9000.0
    # Base markup of private and voluntary providers over cost: IFA margin 19% [pub] CMA
    # interim; largest home groups 22.6% [sec] CMA final -> markup m = margin/(1-margin).
    base_markup: float = 0.22
    # Markup rise per unit of regional scarcity (occupancy above 85%): assumption.
    scarcity_markup: float = 1.5
    # Premiums on the weekly price: complex needs per tier above standard, emergency (spot
    # placement made the day of need): assumption (LGA 2023: 93% of councils cite complex
    # needs, 44% emergencies, for £10k+ placements).
    complex_premium: float = 0.15
    emergency_premium: float = 0.10
    # Share of a home's cost that is fixed (staff rota, property) regardless of occupancy:
    # assumption.
    home_fixed_cost_share: float = 0.7
    # Occupancy at which providers' list prices earn the base markup: assumption (home
    # occupancy is not published, docs/facts.md §4.1 [NOT FOUND]; 9,480 children in 14,259 places).
    occupancy_ref: float = 0.70
    # Council's other CLA costs per child-week (social work, legal, leaving care, UASC):
    # RO3 2024-25 other CLA £2,623m + UASC £323m over mean stock 82,650 [derived] -> £685,
    # less supported accommodation modelled as placements (~£130): assumption -> 555.
    council_overhead_gbp_week: float = 555.0

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            _check(f"params.prices.{f.name}", getattr(self, f.name), 0.0, 1e6)


@dataclass
class Params:
    """All model parameters, grouped by process."""

    entry: EntryParams = field(default_factory=EntryParams)
    exits: ExitParams = field(default_factory=ExitParams)
    placements: PlacementParams = field(default_factory=PlacementParams)
    matching: MatchingParams = field(default_factory=MatchingParams)
    supply: SupplyParams = field(default_factory=SupplyParams)
    prices: PriceParams = field(default_factory=PriceParams)


def _check_date(key: str, value: str, allow_empty: bool = False) -> None:
    import datetime as _dt

    if allow_empty and value == "":
        return
    try:
        _dt.date.fromisoformat(str(value))
    except ValueError:
        raise ConfigError(f"{key}={value!r}: expected a date as YYYY-MM-DD") from None


@dataclass
class LeverConfig:
    """What every lever has: on or off, a start date and an optional end date ('' = none)."""

    enabled: bool = False
    start: str = "2026-04-01"
    end: str = ""

    def _check_lever(self, name: str) -> None:
        _check_date(f"policy.{name}.start", self.start)
        _check_date(f"policy.{name}.end", self.end, allow_empty=True)
        if self.end and self.end <= self.start:
            raise ConfigError(f"policy.{name}.end={self.end} must be after start={self.start}")


@dataclass
class PooledCommissioningConfig(LeverConfig):
    """Regional Care Co-operatives commissioning as one customer for their member councils."""

    # GM launched its RCC in May 2025, the South East in June 2025 [pub] GMCA; [sec] CYP Now.
    start: str = "2025-06-01"
    # Which RCCs: pathfinder names (greater_manchester, south_east), region names (e.g.
    # "North East"), or "all_regions" (every region's councils not yet in an RCC form one;
    # Inner and Outer London together).
    rccs: list[str] = field(default_factory=lambda: ["greater_manchester", "south_east"])
    # Start of the RCCs that are not pathfinders (regions): DfE's "national acceleration"
    # [pub] RCC policy statement, Feb 2026 -> April 2027: assumption.
    region_start: str = "2027-04-01"
    # Discount one customer negotiates off providers' list prices on its framework: assumption
    # (CMA: councils bid against each other for scarce places [pub]).
    negotiated_discount: float = 0.05
    # Share of the scarcity markup members still pay (one customer no longer bids against its
    # own members): assumption.
    scarcity_markup_factor: float = 0.5
    # Share of members' children in private children's homes whose places the RCC block-buys
    # each year from its forecast, and the block discount: assumptions (GM Project Skyline:
    # long-term contracts removing providers' occupancy risk [pub] GMCA).
    block_share: float = 0.15
    block_discount: float = 0.10
    # Members' in-house foster carers take children of any member council (regional search).
    regional_foster_search: bool = True
    # Weight by which new private homes favour members' areas with a sufficiency gap (market
    # shaping from the regional sufficiency plan; 0 = none): assumption.
    market_shaping: float = 1.0
    # Running cost per member child looked after per year: SE pathfinder £1.95m revenue over
    # 2024-25 and 2025-26 for 11,053 CLA [pub] DfE / East Sussex CC -> £88 [derived].
    running_cost_gbp_per_cla_year: float = 88.0

    def __post_init__(self) -> None:
        self._check_lever("pooled_commissioning")
        _check_date("policy.pooled_commissioning.region_start", self.region_start)
        for k in ("negotiated_discount", "scarcity_markup_factor", "block_share"):
            _check(f"policy.pooled_commissioning.{k}", getattr(self, k), 0.0, 1.0)
        _check("policy.pooled_commissioning.block_discount", self.block_discount, 0.0, 0.9)
        if not self.rccs:
            raise ConfigError("policy.pooled_commissioning.rccs is empty; name at least one RCC")


@dataclass
class ProfitCapConfig(LeverConfig):
    """A maximum operating margin for non-council children's homes and fostering agencies."""

    # The Children's Wellbeing and Schools Bill gives a cap power without a level [pub]; the
    # largest home groups average 22.6% [sec] CMA: a 10% cap is an assumption for testing.
    max_margin: float = 0.10
    include_ifa: bool = True
    include_supported: bool = False
    # Providers' required margin (hurdle) is uniform on [low, high]; a provider whose hurdle is
    # above the cap leaves (homes close over ``exit_months``) and an entrant above it does not
    # enter (CMA warned a cap could reduce supply [sec]): assumption.
    hurdle_margin_low: float = 0.04
    hurdle_margin_high: float = 0.25
    exit_months: int = 12
    # Strength of the supply response (0 = providers stay and enter whatever the cap, 1 = as
    # above): assumption.
    supply_response: float = 1.0

    def __post_init__(self) -> None:
        self._check_lever("profit_cap")
        _check("policy.profit_cap.max_margin", self.max_margin, 0.0, 0.9)
        _check("policy.profit_cap.supply_response", self.supply_response, 0.0, 1.0)
        if not self.hurdle_margin_low < self.hurdle_margin_high:
            raise ConfigError("policy.profit_cap.hurdle_margin_low must be below _high")


@dataclass
class PublicHomesConfig(LeverConfig):
    """New council (or RCC) children's homes where the sufficiency gap is."""

    n_homes: int = 60
    # Homes started per year until ``n_homes``: assumption.
    per_year: int = 20
    # Places per home: new homes average 3 [pub] Ofsted 2025; GM Skyline homes have 2-3 beds.
    places_per_home: int = 3
    # ONS codes of the LAs to build in; empty = where the gap is (children placed over 20
    # miles or in unregistered settings, per place of council provision).
    las: list[str] = field(default_factory=list)
    # Purchase, refurbishment and registration, days: assumption (Skyline: announced Nov 2024,
    # first home early 2025 [pub] GMCA; registration ~6 months).
    lead_time_days: int = 540
    # Capital per home, £: assumption (pathfinders' up to £5m capital each [pub] DfE 2024
    # funds a handful of homes).
    capital_gbp_per_home: float = 1_000_000.0
    # Running cost per place-week at full occupancy, £: £318,400 per place a year [pub] NAO
    # 2025 -> £6,100 [derived]; council homes run at cost.
    running_cost_gbp_place_week: float = 6100.0

    def __post_init__(self) -> None:
        self._check_lever("public_homes")
        _check("policy.public_homes.n_homes", self.n_homes, 0, 10000)
        _check("policy.public_homes.per_year", self.per_year, 1, 10000)
        _check("policy.public_homes.places_per_home", self.places_per_home, 1, 20)
        _check("policy.public_homes.lead_time_days", self.lead_time_days, 0, 3650)


@dataclass
class RecruitmentHubConfig(LeverConfig):
    """A regional foster-carer recruitment and support hub for councils' fostering services."""

    # Extra approvals (share above the service's own) and fewer deregistrations: assumptions
    # (Fostering Recruitment & Retention Programme hubs and Mockingbird [sec] docs/facts.md §5).
    approval_uplift: float = 0.25
    retention_gain: float = 0.15
    # Councils covered: "all", "rcc" (members of pooled_commissioning's RCCs), or ONS codes.
    scope: list[str] = field(default_factory=lambda: ["all"])
    # Cost per council per year, £: +£15m (Autumn Budget 2024) so every LA has a hub [pub]
    # PQ 18612 -> ~£100k per council [derived].
    cost_gbp_per_la_year: float = 100_000.0

    def __post_init__(self) -> None:
        self._check_lever("recruitment_hub")
        _check("policy.recruitment_hub.approval_uplift", self.approval_uplift, 0.0, 10.0)
        _check("policy.recruitment_hub.retention_gain", self.retention_gain, 0.0, 1.0)


@dataclass
class PreventionConfig(LeverConfig):
    """Family help that prevents some entries into care (not unaccompanied children)."""

    # Entries avoided at full effect: assumption.
    entry_reduction: float = 0.05
    # Years from start to full effect (linear ramp).
    ramp_years: float = 2.0
    # Yearly cost for England, £ (the £250m grant named in issue 3), scaled to the simulated
    # councils' share of starts.
    cost_gbp_year: float = 250e6

    def __post_init__(self) -> None:
        self._check_lever("prevention")
        _check("policy.prevention.entry_reduction", self.entry_reduction, 0.0, 1.0)
        _check("policy.prevention.ramp_years", self.ramp_years, 0.0, 20.0)


@dataclass
class KinshipSupportConfig(LeverConfig):
    """Support that lets more children live with kin and keeps those placements going."""

    # Share of non-UASC children under 16 planned for foster care who go to kin instead:
    # assumption (kinship foster care 15.6% of CLA [sec] FOI census 2024).
    extra_kin_share: float = 0.10
    # Fewer unplanned endings of kinship placements: assumption.
    stability_gain: float = 0.20
    # Support per kinship placement-week, £: assumption.
    support_gbp_week: float = 100.0

    def __post_init__(self) -> None:
        self._check_lever("kinship_support")
        _check("policy.kinship_support.extra_kin_share", self.extra_kin_share, 0.0, 1.0)
        _check("policy.kinship_support.stability_gain", self.stability_gain, 0.0, 1.0)


@dataclass
class FinancialOversightConfig(LeverConfig):
    """Large providers report their finances; failure is rarer and more orderly."""

    # Multiplier on a large group's failure hazard (early warning, restructuring): assumption.
    failure_multiplier: float = 0.5
    # Share of a failed group's homes taken over as going concerns (rest close): assumption.
    orderly_transfer_share: float = 0.9
    # Yearly cost of the regime for England, £: assumption.
    cost_gbp_year: float = 2e6

    def __post_init__(self) -> None:
        self._check_lever("financial_oversight")
        _check("policy.financial_oversight.failure_multiplier", self.failure_multiplier, 0, 1)
        _check(
            "policy.financial_oversight.orderly_transfer_share", self.orderly_transfer_share, 0, 1
        )


@dataclass
class ProviderCollapseConfig(LeverConfig):
    """A stress test: the ``group_rank``-th largest children's-home group fails on ``start``."""

    start: str = "2027-04-01"
    group_rank: int = 1

    def __post_init__(self) -> None:
        self._check_lever("provider_collapse")
        _check("policy.provider_collapse.group_rank", self.group_rank, 1, 100)


@dataclass
class OfstedEnforcementConfig(LeverConfig):
    """Fines and a crackdown on unregistered settings."""

    # Investigations per unregistered setting-year: assumption (680 confirmed of 870 opened in
    # 2024-25 [sec] against ~800 children at a time [sec] PAC 2026 -> ~1 a year now).
    investigation_rate_per_year: float = 3.0
    # Fine per confirmed unregistered setting, £: assumption (civil penalties in the Bill [pub]).
    fine_gbp: float = 20_000.0
    # Share of investigated settings that register as a children's home: assumption.
    register_share: float = 0.2

    def __post_init__(self) -> None:
        self._check_lever("ofsted_enforcement")
        _check("policy.ofsted_enforcement.register_share", self.register_share, 0.0, 1.0)
        _check(
            "policy.ofsted_enforcement.investigation_rate_per_year",
            self.investigation_rate_per_year,
            0.0,
            365.0,
        )


@dataclass
class UascDispersalConfig(LeverConfig):
    """Unaccompanied children arriving where the quota is full are transferred on arrival."""

    # UASC looked after per child of the population before a council transfers arrivals:
    # 0.1% [pub] Home Office National Transfer Scheme protocol (2022).
    quota_per_child_population: float = 0.001
    # "region": to the region's council with most room (the South East plan for Kent);
    # "national": to any council.
    scope: str = "region"
    transfer_share: float = 1.0

    def __post_init__(self) -> None:
        self._check_lever("uasc_dispersal")
        if self.scope not in ("region", "national"):
            raise ConfigError(
                f"policy.uasc_dispersal.scope={self.scope!r} is not allowed; choose one of:"
                " region, national"
            )
        _check("policy.uasc_dispersal.transfer_share", self.transfer_share, 0.0, 1.0)


@dataclass
class StayingCloseConfig(LeverConfig):
    """Support for young people leaving children's homes, to 21."""

    # Share of 18-year-olds leaving a children's home who take Staying Close: assumption.
    take_up: float = 0.6
    # Support per young person-week, £, for up to ``years`` years: assumption.
    support_gbp_week: float = 250.0
    years: float = 3.0
    # Fewer moves from a children's home to supported accommodation at 16-17 (the young
    # person can stay and move on with support): assumption.
    sa_move_reduction: float = 0.3

    def __post_init__(self) -> None:
        self._check_lever("staying_close")
        _check("policy.staying_close.take_up", self.take_up, 0.0, 1.0)
        _check("policy.staying_close.sa_move_reduction", self.sa_move_reduction, 0.0, 1.0)


@dataclass
class PolicyConfig:
    """The scenario: a name and every lever (each off unless ``enabled``)."""

    name: str = "baseline"
    pooled_commissioning: PooledCommissioningConfig = field(
        default_factory=PooledCommissioningConfig
    )
    profit_cap: ProfitCapConfig = field(default_factory=ProfitCapConfig)
    public_homes: PublicHomesConfig = field(default_factory=PublicHomesConfig)
    recruitment_hub: RecruitmentHubConfig = field(default_factory=RecruitmentHubConfig)
    prevention: PreventionConfig = field(default_factory=PreventionConfig)
    kinship_support: KinshipSupportConfig = field(default_factory=KinshipSupportConfig)
    financial_oversight: FinancialOversightConfig = field(default_factory=FinancialOversightConfig)
    provider_collapse: ProviderCollapseConfig = field(default_factory=ProviderCollapseConfig)
    ofsted_enforcement: OfstedEnforcementConfig = field(default_factory=OfstedEnforcementConfig)
    uasc_dispersal: UascDispersalConfig = field(default_factory=UascDispersalConfig)
    staying_close: StayingCloseConfig = field(default_factory=StayingCloseConfig)

    def enabled(self) -> list[str]:
        """Names of the levers switched on."""
        return [
            f.name
            for f in dataclasses.fields(self)
            if isinstance(getattr(self, f.name), LeverConfig) and getattr(self, f.name).enabled
        ]


@dataclass
class OutputConfig:
    """What a run writes."""

    figures: bool = True
    ssda903: bool = True
    ledger: bool = True
    # Also write the run as SSDA903 returns, one Header, Episodes and UASC file per LA and
    # year ending 31 March (ssda903/returns/rep<k>/<LA>/<year>-*.csv), as councils submit them.
    returns: bool = False


@dataclass
class UncertaintyConfig:
    """Parameter uncertainty: every replicate draws its own values of the listed keys.

    Each entry is ``"<dotted key>:<log sd>"`` for a numeric ``params.*`` or ``policy.*`` key
    (a list is scaled element-wise): replicate k multiplies the value by a lognormal factor with
    median 1 and that log-scale standard deviation, the same in every scenario (see
    ``sim.uncertainty``). Empty: replicates differ by chance only.
    """

    name: str = "none"
    spread: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        for entry in self.spread:
            key, sep, sd = str(entry).rpartition(":")
            try:
                value = float(sd)
            except ValueError:
                value = -1.0
            if not sep or not key.startswith(("params.", "policy.")) or not 0 <= value <= 2:
                raise ConfigError(
                    f"uncertainty.spread entry {entry!r}: expected '<params.* or policy.* key>:"
                    "<log sd from 0 to 2>', e.g. 'params.placements.unplanned_rate:0.2'"
                )


@dataclass
class RunConfig:
    """One run: a world, a policy, parameters, years, replicates and a root seed."""

    world: WorldConfig = field(default_factory=WorldConfig)
    policy: PolicyConfig = field(default_factory=PolicyConfig)
    params: Params = field(default_factory=Params)
    output: OutputConfig = field(default_factory=OutputConfig)
    uncertainty: UncertaintyConfig = field(default_factory=UncertaintyConfig)
    seed: int = 1
    reps: int = 1
    years: int = 10
    start_date: str = "2025-03-31"
    # Replicates run in parallel processes (identical results for any value).
    workers: int = 1

    def __post_init__(self) -> None:
        _check("seed", self.seed, 0, 2**63 - 1)
        _check("reps", self.reps, 1, 10000)
        _check("years", self.years, 1, 50)
        _check("workers", self.workers, 1, 256)
        try:
            d = dt.date.fromisoformat(str(self.start_date))
        except ValueError:
            d = None
        if d is None or (d.month, d.day) != (3, 31) or not 2000 <= d.year <= 2045:
            raise ConfigError(
                f"start_date={self.start_date!r}: expected a 31 March, e.g. 2025-03-31"
            )
        if d.isoformat() != "2025-03-31" and not self.world.observed:
            raise ConfigError(
                f"start_date={self.start_date}: a start other than 2025-03-31 (the embedded"
                " data's date) needs world.observed=PATH, an extract to start from"
            )
        if self.world.observed and self.world.scale != 1.0:
            raise ConfigError("world.observed: an observed start needs world.scale=1.0")
        for entry in self.uncertainty.spread:
            key = entry.rpartition(":")[0]
            value = get_path(self, key, "uncertainty.spread")
            items = value if isinstance(value, list) else [value]
            if isinstance(value, bool) or not all(
                isinstance(v, int | float) and not isinstance(v, bool) for v in items
            ):
                raise ConfigError(
                    f"uncertainty.spread: {key} is {value!r}; only numbers (or lists of them)"
                    " can be drawn"
                )


def get_path(cfg: Any, path: str, what: str = "fit") -> Any:
    """The value at a dotted path of a config (``what`` names the caller in errors)."""
    obj = cfg
    for part in path.split("."):
        if not dataclasses.is_dataclass(obj) or not hasattr(obj, part):
            raise ConfigError(f"{what}: unknown key {path!r} (no {part!r})")
        obj = getattr(obj, part)
    return obj


def set_path(cfg: Any, path: str, value: Any) -> Any:
    """A copy of ``cfg`` with the dotted ``path`` set to ``value`` (validated on rebuild)."""
    head, _, rest = path.partition(".")
    if not rest:
        return dataclasses.replace(cfg, **{head: value})
    return dataclasses.replace(cfg, **{head: set_path(getattr(cfg, head), rest, value)})


def from_dict(cls: type, data: dict[str, Any] | None, prefix: str = "") -> Any:
    """Build dataclass ``cls`` from a plain dict, naming any unknown key or bad value."""
    data = dict(data or {})
    kwargs: dict[str, Any] = {}
    fields = {f.name: f for f in dataclasses.fields(cls)}
    for key, value in data.items():
        full = f"{prefix}{key}"
        if key not in fields:
            allowed = ", ".join(sorted(fields))
            raise ConfigError(f"unknown key {full!r}; allowed here: {allowed}")
        ftype = fields[key].type
        default = (
            fields[key].default_factory()
            if callable(fields[key].default_factory)
            else (fields[key].default)
        )
        if dataclasses.is_dataclass(default):
            kwargs[key] = from_dict(type(default), value, f"{full}.")
        elif isinstance(default, enum.Enum):
            etype = type(default)
            try:
                kwargs[key] = etype(value.value if isinstance(value, enum.Enum) else value)
            except ValueError:
                allowed = ", ".join(e.value for e in etype)
                raise ConfigError(
                    f"{full}={value!r} is not allowed; choose one of: {allowed}"
                ) from None
        elif isinstance(default, bool):
            if not isinstance(value, bool):
                raise ConfigError(f"{full}={value!r}: expected true or false")
            kwargs[key] = value
        elif isinstance(default, int | float) and not isinstance(default, bool):
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ConfigError(f"{full}={value!r}: expected a number")
            kwargs[key] = type(default)(value) if isinstance(default, float) else value
            if isinstance(default, int) and not isinstance(value, int):
                raise ConfigError(f"{full}={value!r}: expected a whole number")
        elif isinstance(default, list):
            if not isinstance(value, list | tuple):
                raise ConfigError(f"{full}={value!r}: expected a list")
            kwargs[key] = list(value)
        else:
            kwargs[key] = value
        del ftype
    return cls(**kwargs)


def to_run_config(cfg: Any) -> RunConfig:
    """Convert a Hydra/OmegaConf config (or a plain dict) into a validated ``RunConfig``."""
    try:
        from omegaconf import OmegaConf

        if not isinstance(cfg, dict):
            cfg = OmegaConf.to_container(cfg, resolve=True)
    except ImportError:  # pragma: no cover - omegaconf ships with hydra-core
        pass
    cfg = {k: v for k, v in dict(cfg).items() if k != "hydra"}
    return from_dict(RunConfig, cfg)
