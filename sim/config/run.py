"""A run's configuration: the world, the policy, the parameters, outputs, uncertainty.

This module owns ``RunConfig`` and its groups as Hydra composes them, and their conversion
from the Hydra config (``to_run_config``): the model never sees Hydra.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
from dataclasses import dataclass, field
from typing import Any

from sim.config.checks import ConfigError, check_range
from sim.config.levers import PolicyConfig
from sim.config.params import Params


class WorldName(enum.Enum):
    """Which set of councils the model runs."""

    england = "england"
    greater_manchester = "greater_manchester"
    south_east = "south_east"
    tiny = "tiny"
    custom = "custom"


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
        check_range("world.external_supply_share", self.external_supply_share, 0.0, 1.0)
        check_range("world.scale", self.scale, 0.001, 1.0)


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
    # A posterior sample (CSV, one row per draw, a column per ``params.*`` key, ``*`` for a
    # multiplier on a list; relative paths from the project's root), e.g. the one
    # ``experiments/calibrate.py method=history`` writes: replicate k runs with one draw, the
    # same in every scenario. Empty: none.
    posterior: str = ""

    def __post_init__(self) -> None:
        if self.posterior:
            from pathlib import Path

            path = Path(self.posterior)
            if not path.is_absolute():
                path = Path(__file__).resolve().parents[2] / path
            if not path.is_file():
                raise ConfigError(
                    f"uncertainty.posterior={self.posterior}: no such file (a CSV of draws, "
                    "as experiments/calibrate.py method=history writes)"
                )
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
        check_range("seed", self.seed, 0, 2**63 - 1)
        check_range("reps", self.reps, 1, 10000)
        check_range("years", self.years, 1, 50)
        check_range("workers", self.workers, 1, 256)
        try:
            d = dt.date.fromisoformat(str(self.start_date))
        except ValueError:
            d = None
        if d is None or (d.month, d.day) != (3, 31) or not 2000 <= d.year <= 2045:
            raise ConfigError(
                f"start_date={self.start_date!r}: expected a 31 March, e.g. 2025-03-31"
            )
        if not 2021 <= d.year <= 2025 and not self.world.observed:
            raise ConfigError(
                f"start_date={self.start_date}: a synthetic world starts on 31 March 2021 to"
                " 2025 (the years of the embedded national tables); another date needs"
                " world.observed=PATH, an extract to start from"
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


def set_values(base: Any, values: tuple[tuple[str, float], ...] | list) -> Any:
    """``base`` with each ``(key, value)`` set (validated as any config is).

    A key ending in ``*`` multiplies the value (every element of a list; whole numbers rounded).

    Raises:
        ConfigError: an unknown key, a list set as a value, or a value out of its bounds.
    """
    cfg = base
    for key, v in values:
        path = key.rstrip("*")
        old = get_path(cfg, path, "value")
        if key.endswith("*"):
            if isinstance(old, list):
                new: object = [type(b)(round(b * v)) if isinstance(b, int) else b * v for b in old]
            elif isinstance(old, bool) or not isinstance(old, int | float):
                raise ConfigError(f"{path} is not a number")
            else:
                new = type(old)(round(old * v)) if isinstance(old, int) else old * v
        else:
            if isinstance(old, list | bool) or not isinstance(old, int | float):
                raise ConfigError(f"{path} is not a number; use {path}* for a list")
            new = type(old)(round(v)) if isinstance(old, int) else float(v)
        cfg = set_path(cfg, path, new)
    return cfg


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
