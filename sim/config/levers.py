"""The levers' schemas (``policy.*``): each lever's switches, strengths, dates and bounds.

This module owns what a user may set for each reform lever (docs/design.md §4), with units,
sources or ``assumption``, and the checks that refuse a value out of range.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from sim.config.checks import ConfigError, check_date, check_range


@dataclass
class LeverConfig:
    """What every lever has: on or off, a start date and an optional end date ('' = none)."""

    enabled: bool = False
    start: str = "2026-04-01"
    end: str = ""

    def _check_lever(self, name: str) -> None:
        check_date(f"policy.{name}.start", self.start)
        check_date(f"policy.{name}.end", self.end, allow_empty=True)
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
        check_date("policy.pooled_commissioning.region_start", self.region_start)
        for k in ("negotiated_discount", "scarcity_markup_factor", "block_share"):
            check_range(f"policy.pooled_commissioning.{k}", getattr(self, k), 0.0, 1.0)
        check_range("policy.pooled_commissioning.block_discount", self.block_discount, 0.0, 0.9)
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
        check_range("policy.profit_cap.max_margin", self.max_margin, 0.0, 0.9)
        check_range("policy.profit_cap.supply_response", self.supply_response, 0.0, 1.0)
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
        check_range("policy.public_homes.n_homes", self.n_homes, 0, 10000)
        check_range("policy.public_homes.per_year", self.per_year, 1, 10000)
        check_range("policy.public_homes.places_per_home", self.places_per_home, 1, 20)
        check_range("policy.public_homes.lead_time_days", self.lead_time_days, 0, 3650)


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
        check_range("policy.recruitment_hub.approval_uplift", self.approval_uplift, 0.0, 10.0)
        check_range("policy.recruitment_hub.retention_gain", self.retention_gain, 0.0, 1.0)


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
        check_range("policy.prevention.entry_reduction", self.entry_reduction, 0.0, 1.0)
        check_range("policy.prevention.ramp_years", self.ramp_years, 0.0, 20.0)


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
        check_range("policy.kinship_support.extra_kin_share", self.extra_kin_share, 0.0, 1.0)
        check_range("policy.kinship_support.stability_gain", self.stability_gain, 0.0, 1.0)


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
        check_range("policy.financial_oversight.failure_multiplier", self.failure_multiplier, 0, 1)
        check_range(
            "policy.financial_oversight.orderly_transfer_share", self.orderly_transfer_share, 0, 1
        )


@dataclass
class ProviderCollapseConfig(LeverConfig):
    """A stress test: the ``group_rank``-th largest children's-home group fails on ``start``."""

    start: str = "2027-04-01"
    group_rank: int = 1

    def __post_init__(self) -> None:
        self._check_lever("provider_collapse")
        check_range("policy.provider_collapse.group_rank", self.group_rank, 1, 100)


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
        check_range("policy.ofsted_enforcement.register_share", self.register_share, 0.0, 1.0)
        check_range(
            "policy.ofsted_enforcement.investigation_rate_per_year",
            self.investigation_rate_per_year,
            0.0,
            365.0,
        )


@dataclass
class UascDispersalConfig(LeverConfig):
    """A regional plan for unaccompanied children: transfers within the region, sooner.

    Without the lever the National Transfer Scheme runs as in the baseline
    (``params.entry.nts_*``): a council over its quota refers arrivals to a region on the
    national rota. With it (the South East's plan to relieve Kent), referrals go first to the
    referring council's own region and are transferred in ``transfer_days``.
    """

    # UASC looked after per child of the population at which a council refers arrivals:
    # 0.1% [pub] National Transfer Scheme protocol (2022).
    quota_per_child_population: float = 0.001
    # "region": to the region's council with most room (the rota's region when none has
    # room); "national": to the national rota, as the baseline, with this lever's terms.
    scope: str = "region"
    # Share of arrivals over the quota that are transferred (baseline 0.82): assumption.
    transfer_share: float = 1.0
    # Days from arrival to transfer (baseline 10): 2, the £15,000 incentive's window [sec]
    # Community Care, Jul 2024.
    transfer_days: int = 2

    def __post_init__(self) -> None:
        self._check_lever("uasc_dispersal")
        if self.scope not in ("region", "national"):
            raise ConfigError(
                f"policy.uasc_dispersal.scope={self.scope!r} is not allowed; choose one of:"
                " region, national"
            )
        check_range(
            "policy.uasc_dispersal.quota_per_child_population",
            self.quota_per_child_population,
            0.0,
            0.01,
        )
        check_range("policy.uasc_dispersal.transfer_share", self.transfer_share, 0.0, 1.0)
        check_range("policy.uasc_dispersal.transfer_days", self.transfer_days, 0, 365)


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
        check_range("policy.staying_close.take_up", self.take_up, 0.0, 1.0)
        check_range("policy.staying_close.sa_move_reduction", self.sa_move_reduction, 0.0, 1.0)


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
