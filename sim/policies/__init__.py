"""Reform levers: the registry, the scenario's set of levers, and the check of their config.

This package owns the levers of docs/design.md §4 (one class each, in ``commissioning``, ``market``
and ``demand``) and ``Policy``, the scenario the model consults: it builds every enabled lever
once the world exists and exposes each as an attribute (``None`` when off), so the model's
hooks read ``policy.<lever>`` and a lever that is off costs one ``is None`` test. ``check``
validates a policy's LA codes and RCC names against the geography before anything runs.
"""

from __future__ import annotations

from sim.config import ConfigError, PolicyConfig
from sim.policies.commissioning import PooledCommissioning, PublicHomes, RecruitmentHub
from sim.policies.demand import KinshipSupport, Prevention, StayingClose, UascDispersal
from sim.policies.market import (
    FinancialOversight,
    OfstedEnforcement,
    ProfitCap,
    ProviderCollapse,
)

LEVERS = {
    cls.name: cls
    for cls in (
        PooledCommissioning,
        ProfitCap,
        PublicHomes,
        RecruitmentHub,
        Prevention,
        KinshipSupport,
        FinancialOversight,
        ProviderCollapse,
        OfstedEnforcement,
        UascDispersal,
        StayingClose,
    )
}


class Policy:
    """The enabled levers of a scenario, each an attribute (``None`` when off)."""

    pooled_commissioning: PooledCommissioning | None
    profit_cap: ProfitCap | None
    public_homes: PublicHomes | None
    recruitment_hub: RecruitmentHub | None
    prevention: Prevention | None
    kinship_support: KinshipSupport | None
    financial_oversight: FinancialOversight | None
    provider_collapse: ProviderCollapse | None
    ofsted_enforcement: OfstedEnforcement | None
    uasc_dispersal: UascDispersal | None
    staying_close: StayingClose | None

    def __init__(self, cfg: PolicyConfig, model) -> None:
        self.name = cfg.name
        enabled = set(cfg.enabled())
        for name in LEVERS:
            setattr(self, name, None)
        for name, cls in LEVERS.items():
            if name not in enabled or name == "recruitment_hub":
                continue
            setattr(self, name, cls(getattr(cfg, name), model))
        if "recruitment_hub" in enabled:
            self.recruitment_hub = RecruitmentHub(
                cfg.recruitment_hub, model, self.pooled_commissioning
            )
        self.levers = [getattr(self, n) for n in LEVERS if getattr(self, n) is not None]

    def costs(self, day: int, model) -> list[tuple[int, int, float]]:
        """Every active lever's costs for the month starting ``day``: (LA, item, £)."""
        out = []
        for lever in self.levers:
            fn = getattr(lever, "costs", None)
            if fn is not None:
                out.extend(fn(day, model))
        return out


def check(cfg: PolicyConfig, geo) -> None:
    """Raise ``ConfigError`` naming any unknown LA code or RCC name in the policy."""
    from sim.policies.commissioning import rcc_membership

    if cfg.pooled_commissioning.enabled:
        rcc_membership(list(cfg.pooled_commissioning.rccs), geo)
    for key, codes in (
        ("public_homes.las", cfg.public_homes.las),
        (
            "recruitment_hub.scope",
            [c for c in cfg.recruitment_hub.scope if c not in ("all", "rcc")],
        ),
    ):
        for code in codes:
            if code not in geo.index_of:
                raise ConfigError(
                    f"policy.{key}: unknown LA code {code!r}; expected an ONS code such as"
                    " E08000003 (see sim/data/las.csv), or for the hub's scope 'all' or 'rcc'"
                )
    if cfg.recruitment_hub.enabled and "rcc" in cfg.recruitment_hub.scope:
        if not cfg.pooled_commissioning.enabled:
            raise ConfigError(
                "policy.recruitment_hub.scope includes 'rcc' but pooled_commissioning is off"
            )
