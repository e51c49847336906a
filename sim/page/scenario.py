"""A scenario as the page builds it: the levers' fields, checks, explanations and YAML form.

This module owns the one source of truth the policy page shares with ``configs/policy/``: each
lever's settable fields with their defaults come from its schema (``sim.config.levers``), a
value is checked by building the schema (which refuses it with the allowed range), each lever's
and field's explanation is the schema's own docstring and comments (with their sources), and a
scenario is written and read in the form of ``configs/policy/*.yaml`` (a defaults list of the
levers switched on, ``configs/policy/lever/<lever>.yaml``, then the values that differ).
"""

from __future__ import annotations

import base64
import dataclasses
import inspect
import re
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from sim.config import ConfigError
from sim.config import levers as lever_schemas
from sim.config.levers import LeverConfig, PolicyConfig

POLICY_DIR = Path(__file__).resolve().parents[2] / "configs" / "policy"


@dataclass(frozen=True)
class FieldSpec:
    """One setting of a lever: its name, default, type and the schema's comment on it."""

    name: str
    default: Any
    kind: str  # "bool", "int", "float", "date", "text" or "list"
    explanation: str


@dataclass(frozen=True)
class LeverSpec:
    """A lever: its name, its schema's docstring and its settings."""

    name: str
    title: str
    explanation: str
    fields: tuple[FieldSpec, ...]


def lever_names() -> list[str]:
    """The levers, in ``PolicyConfig``'s order."""
    return [f.name for f in dataclasses.fields(PolicyConfig) if f.name != "name"]


def _schema(name: str) -> type:
    return type(getattr(PolicyConfig(), name))


_FIELD = re.compile(r"^    (\w+)\s*:")


def _field_comments(cls: type) -> dict[str, str]:
    """The comment lines written above each field of dataclass ``cls`` in its source.

    A field written right after another with no comment of its own shares that one's (e.g.
    ``block_share`` and ``block_discount``).
    """
    out: dict[str, str] = {}
    for klass in reversed(cls.__mro__):  # the base's fields first, the lever's own override
        if klass is object or not dataclasses.is_dataclass(klass):
            continue
        pending: list[str] = []
        last = ""
        for line in inspect.getsource(klass).splitlines():
            stripped = line.strip()
            if stripped.startswith("#"):
                pending.append(stripped.lstrip("#").strip())
                continue
            m = _FIELD.match(line)
            if m and "def " not in line:
                out[m.group(1)] = " ".join(pending) if pending else last
                last = out[m.group(1)]
            else:
                last = ""
            pending = []
    return out


_GENERAL = {
    "enabled": "Switch the lever on.",
    "start": "The date the lever takes effect (YYYY-MM-DD).",
    "end": "The date it stops (YYYY-MM-DD); empty for no end.",
}


def _kind(value: Any, name: str) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if isinstance(value, list):
        return "list"
    if name in ("start", "end") or name.endswith("_start"):
        return "date"
    return "text"


def lever_spec(name: str) -> LeverSpec:
    """The settings of lever ``name`` and their explanations, read from its schema."""
    cls = _schema(name)
    default = cls()
    comments = _field_comments(cls)
    fields = tuple(
        FieldSpec(
            f.name,
            getattr(default, f.name),
            _kind(getattr(default, f.name), f.name),
            comments.get(f.name, _GENERAL.get(f.name, "")),
        )
        for f in dataclasses.fields(cls)
    )
    doc = inspect.getdoc(cls) or ""
    return LeverSpec(name, name.replace("_", " ").capitalize(), doc, fields)


def build_lever(name: str, values: dict[str, Any]) -> LeverConfig:
    """Lever ``name`` with ``values`` (the rest its defaults), checked by its schema.

    Raises:
        ConfigError: a value the schema refuses, with the allowed range.
    """
    cls = _schema(name)
    known = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(values) - known)
    if unknown:
        raise ConfigError(f"policy.{name}: unknown setting {unknown[0]!r}")
    return cls(**values)


def build_policy(name: str, levers: dict[str, dict[str, Any]]) -> PolicyConfig:
    """A scenario named ``name`` with each lever of ``levers`` built from its values."""
    if not name or not name.replace("_", "").isalnum():
        raise ConfigError(f"scenario name {name!r}: use letters, digits and underscores")
    return PolicyConfig(name=name, **{k: build_lever(k, v) for k, v in levers.items()})


def _lever_file_values(name: str) -> dict[str, Any]:
    """The values ``configs/policy/lever/<name>.yaml`` sets (the lever switched on)."""
    path = POLICY_DIR / "lever" / f"{name}.yaml"
    return yaml.safe_load(path.read_text()) or {}


class _Dumper(yaml.SafeDumper):
    """Block mappings with lists in flow style, as ``configs/policy`` writes them."""


_Dumper.add_representer(
    list, lambda d, v: d.represent_sequence("tag:yaml.org,2002:seq", v, flow_style=True)
)


def to_yaml(policy: PolicyConfig, comment: str = "") -> str:
    """``policy`` in the form of ``configs/policy/*.yaml``.

    A defaults list of the levers switched on (each from ``configs/policy/lever/``), then the
    scenario's name and, per lever, the values that differ from that lever file (or, for a
    setting the file leaves out, from the schema's default).
    """
    lines = [f"# {comment}"] if comment else []
    on = policy.enabled()
    body: dict[str, Any] = {"name": policy.name}
    if on:
        lines.append("defaults:")
        lines += [f"  - lever/{k}@{k}" for k in on]
        lines.append("  - _self_")
        lines.append("")
    for k in on:
        base = dataclasses.asdict(_schema(k)())
        base.update(_lever_file_values(k))
        mine = dataclasses.asdict(getattr(policy, k))
        diff = {f: v for f, v in mine.items() if base.get(f) != v}
        if diff:
            body[k] = diff
    text = yaml.dump(body, Dumper=_Dumper, sort_keys=False, default_flow_style=False, width=100)
    return "\n".join([*lines, text]) if lines else text


def from_yaml(text: str, source: str = "the scenario") -> PolicyConfig:
    """A scenario from its YAML (the form ``to_yaml`` writes and ``configs/policy`` holds).

    Raises:
        ConfigError: the YAML is not a scenario, names an unknown lever or setting, or sets a
            value out of range; the message names ``source`` and the key.
    """
    try:
        doc = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"{source}: not YAML ({str(exc).splitlines()[0]})") from None
    if not isinstance(doc, dict):
        raise ConfigError(f"{source}: expected a mapping with a name and levers")
    names = set(lever_names())
    levers: dict[str, dict[str, Any]] = {}
    for entry in doc.get("defaults", []) or []:
        if entry == "_self_":
            continue
        ref = str(entry)
        group, _, target = ref.partition("@")
        lever = group.removeprefix("lever/")
        if not group.startswith("lever/") or lever not in names or target != lever:
            raise ConfigError(f"{source}: defaults entry {ref!r} is not lever/<lever>@<lever>")
        levers[lever] = dict(_lever_file_values(lever))
    for key, value in doc.items():
        if key in ("defaults", "name"):
            continue
        if key not in names:
            raise ConfigError(f"{source}: {key!r} is not a lever; expected one of {sorted(names)}")
        if not isinstance(value, dict):
            raise ConfigError(f"{source}: {key} should hold the lever's settings")
        levers.setdefault(key, {}).update(value)
    return build_policy(str(doc.get("name", "scenario")), levers)


def to_link(policy: PolicyConfig, **settings: Any) -> str:
    """A query string that reopens ``policy`` (its YAML, base64) and the page's ``settings``."""
    code = base64.urlsafe_b64encode(to_yaml(policy).encode()).decode()
    return urllib.parse.urlencode({"scenario": code, **settings})


def from_link(search: str | None) -> tuple[PolicyConfig | None, dict[str, str]]:
    """The scenario and settings of a query string ``to_link`` made.

    Raises:
        ConfigError: the link's scenario cannot be read or is not a valid scenario.
    """
    q = {k: v[0] for k, v in urllib.parse.parse_qs(search or "").items()}
    policy = None
    if "scenario" in q:
        try:
            text = base64.urlsafe_b64decode(q.pop("scenario").encode()).decode()
        except ValueError:
            raise ConfigError("the link's scenario could not be read") from None
        policy = from_yaml(text, "the link's scenario")
    return policy, q


def explain(name: str) -> str:
    """One paragraph on lever ``name``: what it does, then its settings with their sources."""
    spec = lever_spec(name)
    parts = [spec.explanation]
    for f in spec.fields:
        if f.explanation and f.name not in _GENERAL:
            parts.append(f"{f.name.replace('_', ' ')}: {f.explanation}")
    return " ".join(parts)


__all__ = [
    "FieldSpec",
    "LeverSpec",
    "build_lever",
    "build_policy",
    "explain",
    "from_yaml",
    "lever_names",
    "lever_spec",
    "lever_schemas",
    "to_yaml",
]
