"""The model's parameters (``params.*``), each with its unit and its source or ``assumption``.

This module owns the parameters of entry, exits, placements, matching, supply and prices:
every default names its unit and its source (a docs/facts.md figure, marked
[pub]/[file]/[sec]/[derived]) or says ``assumption``, and is checked against its bounds.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from sim.config.checks import ConfigError, check_range


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

    # Unaccompanied children's arrivals and the National Transfer Scheme (docs/facts.md §1.9).
    # The council where most arrive (the port of entry for small boats) and its share of
    # England's arrivals in the years to 31 March 2022 to 2025 (later years keep the last).
    # 2024-25: 0.56 [derived] Kent's UASC starts ~2,660 (its 3,226 starts less its non-UASC
    # starts: its 1,896 CLA less ~430 UASC (its quota and ten days of arrivals) times the
    # other South East councils' 0.383 starts per child looked after [file] DfE 2025) over
    # England's arrivals 4,769 (UASC starts 6,950 [file] less Kent's transfers, 0.82 of
    # 2,660). Earlier years [derived]: Kent's arrivals, 1,405 in 2022 and 2,228 in 2023 [sec]
    # KCC via BBC South East 2024, over England's arrivals those years (~5,800 and ~5,100:
    # UASC starts less transfers), 0.24 and 0.44, weighted by months into years to 31 March;
    # 2021-22's 0.20 is an assumption (Kent stopped accepting arrivals in June 2021 and the
    # Home Office accommodated many in hotels outside care until the High Court's ruling of 27
    # July 2023 [pub] ECPAT UK v Kent CC [2023] EWHC 1953 (Admin)). The rest present across
    # England in proportion to each council's child population: assumption (in-country
    # presentations, the hotels' children, Heathrow and Croydon's asylum intake are not
    # separated).
    uasc_port_la: str = "Kent"
    uasc_port_share: list[float] = field(default_factory=lambda: [0.20, 0.29, 0.47, 0.56])
    # UASC in care per child of the population at which a council refers new arrivals for
    # transfer: 0.1% [pub] National Transfer Scheme protocol (Community Care, Jul 2024).
    nts_quota_per_child: float = 0.001
    # Share of a council's arrivals over its quota that are transferred, in the years to 31
    # March 2022 to 2025 (later years keep the last). The scheme grew after it became
    # mandatory (November 2021): Kent transferred 52 of its 242 arrivals in the first half of
    # 2021 (0.21) [sec] KCC via Local Government Lawyer, 2021; 833 of 1,405 in 2022 (0.59) and
    # 1,829 of 2,228 in 2023 (0.82) [sec] KCC via BBC South East, 2024. Years to 31 March
    # weight the calendar years by their months (2021 taken as 0.3: assumption) [derived].
    nts_referral_share: list[float] = field(default_factory=lambda: [0.37, 0.65, 0.82, 0.82])
    # Days from arrival to transfer, days: 10 [pub] the scheme's deadline (Community Care,
    # Jul 2024); the first council looks after the child meanwhile.
    nts_transfer_days: int = 10

    def __post_init__(self) -> None:
        check_range("params.entry.rate_multiplier", self.rate_multiplier, 0.0, 10.0)
        check_range("params.entry.nts_quota_per_child", self.nts_quota_per_child, 0.0, 0.01)
        for key in ("uasc_port_share", "nts_referral_share"):
            shares = getattr(self, key)
            if len(shares) != 4:
                raise ConfigError(
                    f"params.entry.{key} must be 4 shares (years to 31 March 2022 to 2025)"
                )
            for share in shares:
                check_range(f"params.entry.{key}", share, 0.0, 1.0)
        check_range("params.entry.nts_transfer_days", self.nts_transfer_days, 0, 365)
        if len(self.age_share) != 5 or abs(sum(self.age_share) - 1.0) > 0.01:
            raise ConfigError("params.entry.age_share must be 5 shares summing to 1")
        for k in ("uasc_share", "uasc_share_16plus", "sibling_group_share"):
            check_range(f"params.entry.{k}", getattr(self, k), 0.0, 1.0)


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
    # Mean long stay, years (censored by the 18th birthday): assumption. Ages 1-4 and 5-9 at
    # entry (6 and 15 years; they were 3 and 10) are set so that 2024-25's entrants keep the
    # stock by age as DfE's 2021-2025 series kept it (5-9s 15,000-15,110 and 10-15s
    # 30,930-31,880 at each 31 March [file]): with 3 and 10 the 10-year baseline lost 28% of
    # its 5-9s and 11% of all children; with these, 12% and 3% (README "Baseline").
    long_mean_years: list[float] = field(default_factory=lambda: [1.7, 6.0, 15.0, 15.0, 5.0])
    # Share of 18th-birthday leavers in foster care who stay put (E17): 6,000 staying put of
    # 13,740 ceasing aged 18+ [file] DfE 2025, divided by the foster share of 17-year-olds
    # (~0.6, assumption) -> 0.7.
    staying_put_share_fostered: float = 0.7
    # Multiplier on a UASC's long stay mean (most reach 18 first): assumption, fitted with
    # ``uasc_p_short``.
    uasc_long_multiplier: float = 1.0
    # Share of UASC whose stay is short (the band's short mean; e.g. assessed as adults):
    # assumption, fitted by ``experiments/calibrate.py targets=dynamics`` (the back-cast from
    # 2021; 0.05 of 0.05-0.5) with ``uasc_long_multiplier`` 1.0: DfE's UASC ceasing 2022-2025
    # (3,880, 5,480, 7,300, 7,850 [file]) follows the previous year's UASC starts, so few leave
    # within months.
    uasc_p_short: float = 0.05

    def __post_init__(self) -> None:
        for k in ("p_short", "short_mean_days", "long_mean_years"):
            if len(getattr(self, k)) != 5:
                raise ConfigError(f"params.exits.{k} must have 5 values (one per age band)")
        for v in self.p_short:
            check_range("params.exits.p_short", v, 0.0, 1.0)
        check_range("params.exits.uasc_p_short", self.uasc_p_short, 0.0, 1.0)
        check_range(
            "params.exits.staying_put_share_fostered", self.staying_put_share_fostered, 0, 1
        )


@dataclass
class PlacementParams:
    """Care plans, unplanned endings and planned moves (docs/design.md §3.3)."""

    # Share of entrants, by age band, whose plan is placement with parents (P1): assumption
    # tuned to 6.1% of CLA placed with parents [file] DfE 2025.
    p_parents: list[float] = field(default_factory=lambda: [0.05, 0.09, 0.09, 0.06, 0.02])
    # Share with family or friends able to care (kinship foster, U1-U3): assumption tuned to
    # kinship 15.6% of CLA (FOI census Sep 2024 [sec]) and 16% (FRG on DfE 2024 [sec]).
    p_kin: list[float] = field(default_factory=lambda: [0.25, 0.30, 0.28, 0.17, 0.05])
    # Share whose needs call for a children's home, by age band: assumption, its scale fitted
    # by ``experiments/calibrate.py targets=dynamics`` (x1.27 of 0.9-1.8 on 0.04, 0.30, 0.22:
    # homes' share of CLA rising 9.3% to 11.6% 2022-2025 [file] DfE, with the stock at each 31
    # March placed in its plan's kinds).
    p_home: list[float] = field(default_factory=lambda: [0.0, 0.0, 0.05, 0.38, 0.28])
    # Yearly relative growth of ``p_home`` (per year, relative): ``p_home`` is the share of
    # entrants of the year to 31 March 2025 (``HOME_NEED_YEAR``); entrants of year ``y`` take
    # ``p_home * (1 + home_need_trend) ** (y - 2025)``, capped at what the band's parents and
    # kinship shares leave. Rising complexity of need among children entering care (the named
    # cause; no national measure of it is published: assumption), fitted with ``p_home`` by
    # ``experiments/calibrate.py targets=dynamics`` to DfE's homes share rising 9.3% to 11.6%
    # of CLA 2022-2025 [file]. A 10-year baseline carries it forward; 0 holds 2024-25's plans.
    home_need_trend: float = 0.044
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
    # Settings outside the care market (``sim.engine.other_settings``): DfE's "other
    # residential settings" (R1 care homes, R2 NHS or other health settings, R3 family centres
    # and mother and baby units, R5 young offender institutions: 1,170 children, 1.4% of CLA at
    # 31 March 2023-2025; 960-1,010 in 2021-2022) and residential schools (S1: 90-120) [file]
    # DfE 2021-2025. False leaves them out (the stock's other groups then share their children,
    # as before session 23). The stock at each 31 March holds that year's share; entrants go to
    # one with ``p_other_setting`` by age band (assumption: mother and baby units for infants,
    # health, custody and care homes for teenagers), tuned to hold the share through the
    # 2021-2025 back-cast; a stay ends after an exponential time of mean
    # ``other_setting_mean_days`` (assumption: a few months in a mother and baby unit or on
    # remand, years in a care home or school), when the child is planned for foster care, a
    # home (complex needs) or supported accommodation (16+) and waits there for a place.
    other_settings: bool = True
    p_other_setting: list[float] = field(default_factory=lambda: [0.1, 0.025, 0.025, 0.085, 0.085])
    other_setting_mean_days: float = 730.0

    def __post_init__(self) -> None:
        for k in (
            "p_other_setting",
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
                check_range(f"params.placements.{k}", v, 0.0, 50.0)
        check_range(
            "params.placements.planned_match_multiplier", self.planned_match_multiplier, 0.05, 5.0
        )
        check_range("params.placements.home_need_trend", self.home_need_trend, -0.5, 0.5)
        for v in self.p_other_setting:
            check_range("params.placements.p_other_setting", v, 0.0, 0.5)
        check_range(
            "params.placements.other_setting_mean_days", self.other_setting_mean_days, 1.0, 3650.0
        )
        check_range(
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
    # Nearest LAs with a vacancy considered per child and kind; vacancies looked at per LA
    # (assumption; 8 rather than 4 brings rural councils' share placed over 20 miles near
    # DfE's: the East Midlands, East and South West 36-42% with 4, 32-37% with 8, DfE 29-33%).
    max_las: int = 5
    per_la: int = 8
    # Whether a council's search sees its own foster carers wherever they live, nearest first,
    # before scanning other LAs (``kernels.nearest_cells``); off: in-house carers are scanned like
    # any place, by the LA where they live, among other councils', most of them never
    # eligible (assumption: councils place with their own carers first; README, "Places",
    # gives what each does).
    own_carers_anywhere: bool = True
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
    # (CMA: councils often find at most one option [pub]); in-house carers' 0.12 (0.3 before
    # councils saw all their own carers, session 22) to agencies' 47% of filled mainstream
    # foster places [sec] Ofsted Fostering 2024-25.
    accept_prob: list[float] = field(default_factory=lambda: [0.12, 0.2, 1.0, 0.08, 0.5, 0.4, 1.0])
    decline_per_tier: float = 0.25
    # Multiplier on acceptance for a child now in an unregistered setting (providers shy away
    # from children whose placements have failed): assumption tuned to ~800 children in
    # unregistered settings at a time, for ~6 months on average [sec] PAC, Jan 2026 (0.12
    # when a council looked at 4 vacancies per LA; with 8, 0.02 keeps the first year's 31 March
    # count at 780: 0.12 gives 465, 0.06 613, 0.03 743).
    accept_unregistered_factor: float = 0.02

    def __post_init__(self) -> None:
        check_range("params.matching.radius_km", self.radius_km, 1.0, 1000.0)
        check_range("params.matching.widen_factor", self.widen_factor, 1.0, 10.0)
        check_range("params.matching.stages", self.stages, 1, 10)
        check_range("params.matching.max_las", self.max_las, 1, 153)
        check_range("params.matching.per_la", self.per_la, 1, 100)


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
    # Where a service's new carers live (``sim.supply.foster.carer_home_table``): in the LA it
    # recruits for with ``carer_in_own_la`` times the LA's housing factor, else in another LA
    # within ``carer_home_radius_km`` (km), chosen in proportion to its children aged 0-17
    # times its housing factor times exp(-distance / ``carer_home_distance_km``). The housing
    # factor is (child density / England's median LA's) ** -``carer_density_elasticity``, at
    # most 1: where children live densely (inner cities), fewer homes have a room to spare
    # (Census 2021: 68.8% of England's households under-occupied [pub] ONS, lowest in the
    # cities). All four: assumption, chosen together with the search's
    # ``own_carers_anywhere``, ``per_la`` and in-house acceptance (session 22's grid,
    # README "Places"): London's children placed outside London (23%, SESLIP Briefing #002
    # on DfE 2024 [sec]) rise with the elasticity and the distance (0.5 and 15 km: 10.1%;
    # 1.5 and 40 km: 20.0%), and councils elsewhere then keep more carers at home (0.95)
    # so that 44.5% are placed outside their LA (DfE 2025) and 22% over 20 miles.
    carer_in_own_la: float = 0.95
    carer_home_radius_km: float = 60.0
    carer_home_distance_km: float = 40.0
    carer_density_elasticity: float = 1.5
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
    # Expected margin at which private openings replace closures (a steady market):
    # assumption. It lies below the margins at which England's homes grew: the CMA's 22.6%
    # for the largest providers 2016-20 [sec] came with homes growing 7% a year (2,221 in 2019
    # to 2,378 in 2020 [file] Ofsted), and 2021-2025's growth of 12% a year (2,478 to 3,946
    # mainstream homes, docs/facts.md §4.1) at first-year margins near 19-23%.
    entry_reference_margin: float = 0.10
    # Openings rise by ``entry_margin_elasticity`` times the gap (per unit of margin), up to the
    # 2022-23 entry rate above: fitted by ``experiments/calibrate.py targets=dynamics`` (34,
    # with ``placements.home_need_trend``) to Ofsted's mainstream homes 2022-2025 [file].
    entry_margin_elasticity: float = 34.0
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
        check_range("params.supply.mainstream_households", self.mainstream_households, 0, 1e6)
        check_range("params.supply.la_share_households", self.la_share_households, 0.0, 1.0)
        check_range("params.supply.approval_rate", self.approval_rate, 0.0, 1.0)
        check_range("params.supply.carer_in_own_la", self.carer_in_own_la, 0.0, 1.0)
        check_range("params.supply.carer_home_radius_km", self.carer_home_radius_km, 1.0, 500.0)
        check_range("params.supply.carer_home_distance_km", self.carer_home_distance_km, 1.0, 500.0)
        check_range(
            "params.supply.carer_density_elasticity", self.carer_density_elasticity, 0.0, 3.0
        )
        check_range("params.supply.deregistration_rate", self.deregistration_rate, 0.0, 1.0)
        check_range("params.supply.private_share_2025", self.private_share_2025, 0.0, 1.0)


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
            check_range(f"params.prices.{f.name}", getattr(self, f.name), 0.0, 1e6)


@dataclass
class Params:
    """All model parameters, grouped by process."""

    entry: EntryParams = field(default_factory=EntryParams)
    exits: ExitParams = field(default_factory=ExitParams)
    placements: PlacementParams = field(default_factory=PlacementParams)
    matching: MatchingParams = field(default_factory=MatchingParams)
    supply: SupplyParams = field(default_factory=SupplyParams)
    prices: PriceParams = field(default_factory=PriceParams)
