"""Typed configuration: every config group's schema, its defaults with provenance, and validation.

This package owns the shapes Hydra composes (``RunConfig`` and its groups) and the rule that bad
configuration fails loudly: unknown keys, out-of-range numbers and bad enum values raise
``ConfigError`` naming the key, the value and what is allowed. Entry points convert the Hydra config
to these dataclasses once (``to_run_config``) and pass plain dataclasses inward; the model never
sees Hydra. Every numeric default states its unit and its source (a docs/facts.md figure, marked
[pub]/[file]/[sec]/[derived]) or says ``assumption``.

``checks`` holds the checks, ``params`` the model's parameters, ``levers`` the levers' schemas,
``run`` a run's configuration; every name is importable from ``sim.config``.
"""

from __future__ import annotations

from sim.config.checks import ConfigError
from sim.config.levers import (
    FinancialOversightConfig,
    KinshipSupportConfig,
    LeverConfig,
    OfstedEnforcementConfig,
    PolicyConfig,
    PooledCommissioningConfig,
    PreventionConfig,
    ProfitCapConfig,
    ProviderCollapseConfig,
    PublicHomesConfig,
    RecruitmentHubConfig,
    StayingCloseConfig,
    UascDispersalConfig,
)
from sim.config.params import (
    EntryParams,
    ExitParams,
    MatchingParams,
    Params,
    PlacementParams,
    PriceParams,
    SupplyParams,
)
from sim.config.run import (
    OutputConfig,
    RunConfig,
    UncertaintyConfig,
    WorldConfig,
    WorldName,
    from_dict,
    get_path,
    set_path,
    set_values,
    to_run_config,
)

__all__ = [
    "ConfigError",
    "EntryParams",
    "ExitParams",
    "FinancialOversightConfig",
    "KinshipSupportConfig",
    "LeverConfig",
    "MatchingParams",
    "OfstedEnforcementConfig",
    "OutputConfig",
    "Params",
    "PlacementParams",
    "PolicyConfig",
    "PooledCommissioningConfig",
    "PreventionConfig",
    "PriceParams",
    "ProfitCapConfig",
    "ProviderCollapseConfig",
    "PublicHomesConfig",
    "RecruitmentHubConfig",
    "RunConfig",
    "StayingCloseConfig",
    "SupplyParams",
    "UascDispersalConfig",
    "UncertaintyConfig",
    "WorldConfig",
    "WorldName",
    "from_dict",
    "get_path",
    "set_path",
    "set_values",
    "to_run_config",
]
