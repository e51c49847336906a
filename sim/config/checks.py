"""The rule that bad configuration fails loudly: ``ConfigError``, range and date checks."""

from __future__ import annotations


class ConfigError(ValueError):
    """A configuration value is unknown, out of range or of the wrong kind."""


def check_range(key: str, value: float, lo: float | None = None, hi: float | None = None) -> None:
    """Raise ``ConfigError`` naming ``key`` if ``value`` is outside [``lo``, ``hi``]."""
    if lo is not None and value < lo or hi is not None and value > hi:
        rng = f"[{lo if lo is not None else '-inf'}, {hi if hi is not None else 'inf'}]"
        raise ConfigError(f"{key}={value} is out of range; expected a value in {rng}")


def check_date(key: str, value: str, allow_empty: bool = False) -> None:
    """Raise ``ConfigError`` naming ``key`` unless ``value`` is a YYYY-MM-DD date."""
    import datetime as _dt

    if allow_empty and value == "":
        return
    try:
        _dt.date.fromisoformat(str(value))
    except ValueError:
        raise ConfigError(f"{key}={value!r}: expected a date as YYYY-MM-DD") from None
