"""Command-line checks for the Hydra entry points: bad input stops with one clear line.

This module owns turning a user's overrides into either a validated ``RunConfig`` or a single
line naming the key or value at fault and what is allowed (the entry points then exit with
code 2, no traceback). It composes the config once per override value with Hydra's compose
API, before Hydra's own run starts (once per sweep value; override by override only to find
the one at fault).
"""

from __future__ import annotations

import re
from pathlib import Path

from sim.config import ConfigError, RunConfig, to_run_config
from sim.io.read903 import ObservedDataError
from sim.io.staging import OutputPathError, check_output_dir

CONFIG_DIR = Path(__file__).resolve().parents[2] / "configs"


class UserError(Exception):
    """A mistake in the user's command line or config, reported in one line."""


def run_main(main, argv: list[str]) -> None:
    """Run a script's ``main(argv)``; a user's mistake prints one line and exits with code 2.

    User mistakes are ``UserError`` (command line, config), ``ObservedDataError`` (an
    observed extract) and ``OutputPathError`` (an ``out=`` folder that cannot be written);
    anything else is a bug and keeps its traceback.
    """
    import sys

    try:
        for a in argv:
            if a.startswith("out="):
                check_output_dir(a.partition("=")[2])
        main(argv)
    except (UserError, ObservedDataError, OutputPathError) as e:
        print(f"error: {e}", file=sys.stderr)
        sys.exit(2)


def register_schema() -> None:
    """Register the structured schema so that unknown keys and bad types are refused."""
    from hydra.core.config_store import ConfigStore

    cs = ConfigStore.instance()
    cs.store(name="schema", node=RunConfig)


def _groups() -> dict[str, list[str]]:
    out = {}
    for d in sorted(p for p in CONFIG_DIR.iterdir() if p.is_dir()):
        out[d.name] = sorted(f.stem for f in d.glob("*.yaml"))
    return out


def _explain(override: str, exc: Exception) -> str:
    msg = str(exc)
    if exc.__cause__ is not None:
        msg = f"{msg}\n{exc.__cause__}"
    key = override.split("=", 1)[0].lstrip("+~")
    value = override.split("=", 1)[1] if "=" in override else ""
    groups = _groups()
    if key in groups and ("Could not find" in msg or "not found" in msg.lower()):
        return f"{key}={value} is not allowed; choose one of: {', '.join(groups[key])}"
    if "not in struct" in msg or "Could not override" in msg or "Key '" in msg and ("not" in msg):
        return f"unknown key '{key}'; see the keys with: python experiments/run.py --cfg job"
    m = re.search(r"Invalid value '([^']*)', expected one of \[([^\]]*)\]", msg)
    if m:
        return f"{key}={m.group(1)} is not allowed; choose one of: {m.group(2)}"
    m = re.search(r"Value '([^']*)' (?:of type '[^']*' )?could not be converted to (\w+)", msg)
    if m:
        return f"{key}={m.group(1)}: expected a value of type {m.group(2)}"
    m = re.search(r"Invalid value '([^']*)', expected one of \[([^\]]*)\]", msg.replace("\n", " "))
    if m:
        return f"{key}={m.group(1)} is not allowed; choose one of: {m.group(2)}"
    m = re.search(r"Value '([^']*)' is not a valid (\w+)", msg)
    if m:
        return f"{key}={m.group(1)}: expected a value of type {m.group(2)}"
    lines = [ln.strip() for ln in msg.splitlines() if ln.strip()]
    return f"{override}: {lines[-1] if lines else type(exc).__name__}"


def expand(overrides: list[str]) -> list[list[str]]:
    """One list of plain overrides per value of any sweep (``k=a,b``), others at their first."""
    plain = [o for o in overrides if not o.startswith(("hydra.", "hydra/", "-"))]
    base = [o.split("=", 1)[0] + "=" + _split(o)[0] if "=" in o else o for o in plain]
    combos = [base]
    for i, o in enumerate(plain):
        vals = _split(o) if "=" in o else []
        for v in vals[1:]:
            c = list(base)
            c[i] = o.split("=", 1)[0] + "=" + v
            combos.append(c)
    return combos


def _split(o: str) -> list[str]:
    v = o.split("=", 1)[1]
    if v.startswith(("[", "{", "range(", "choice(")) or "," not in v:
        return [v]
    return v.split(",")


def observed_overrides(path: str, ex, rest: list[str]) -> tuple[list[str], str, list[int]]:
    """Overrides that start a run from an extract; its start date and the years after it.

    The world is the extract's LAs (unless ``world=`` or ``world.las=`` is given) at full
    scale; the start is ``start_date=`` or the extract's first 31 March; the run lasts to the
    extract's end (unless ``years=`` is given).
    """
    keys = {a.partition("=")[0] for a in rest}
    start = next((a.partition("=")[2] for a in rest if a.startswith("start_date=")), "")
    start = start or f"{ex.years[0]}-03-31"
    try:
        first = int(start[:4]) + 1
    except ValueError:
        raise UserError(f"start_date={start}: expected a 31 March such as 2024-03-31") from None
    years = [y for y in ex.years if y >= first]
    if not years:
        raise UserError(
            f"start_date={start}: the extract ({ex.years[0]}-{ex.years[-1]}) has no year after it"
        )
    from sim.io.read903_files import UNNAMED_LA

    if (ex.episodes["LA"] == UNNAMED_LA).any():
        raise UserError(
            f"{path}: the extract names no LA, and a world started from it must know where the"
            " council is: put its files in a folder named by the LA (e.g. Manchester/ or"
            " E08000003/), or add an LA column"
        )
    extra = [f"world.observed={path}", "world.scale=1.0"]
    if "world" not in keys and "world.las" not in keys:
        las = sorted(set(ex.episodes["LA"]))
        extra += ["world=custom", f"world.las=[{','.join(las)}]"]
    elif "world" not in keys:
        extra.append("world=custom")
    if "start_date" not in keys:
        extra.append(f"start_date={start}")
    if "years" not in keys:
        extra.append(f"years={len(years)}")
    return extra, start, years


# Hydra's command-line flags that take a value (``--cfg job``): that value is not an override.
_FLAGS_WITH_VALUE = {
    "--cfg",
    "-c",
    "--package",
    "-p",
    "--config-path",
    "-cp",
    "--config-name",
    "-cn",
    "--config-dir",
    "-cd",
    "--experimental-rerun",
}


def hydra_overrides(argv: list[str]) -> list[str]:
    """The overrides in a Hydra command line (flags and their values left out)."""
    out, skip = [], False
    for i, a in enumerate(argv):
        if skip:
            skip = False
        elif a in _FLAGS_WITH_VALUE:
            skip = True
        elif a in ("--info", "-i"):
            skip = i + 1 < len(argv) and "=" not in argv[i + 1]  # an optional value
        elif not a.startswith("-"):
            out.append(a)
    return out


def validate(argv: list[str], config_name: str = "config") -> RunConfig:
    """Compose and validate the run for every sweep value; raise ``UserError`` on a mistake."""
    from hydra import compose, initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra

    register_schema()
    overrides = hydra_overrides(argv)
    for o in overrides:
        key, _, value = o.partition("=")
        if key.lstrip("+") in ("hydra.run.dir", "hydra.sweep.dir"):
            try:
                check_output_dir(value, key.lstrip("+"))
            except OutputPathError as exc:
                raise UserError(str(exc)) from None
    first = None
    for combo in expand(overrides):
        GlobalHydra.instance().clear()
        with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base=None):
            try:
                cfg = compose(config_name=config_name, overrides=combo)
            except Exception as whole:  # hydra/omegaconf raise many kinds: find the culprit
                for i in range(len(combo)):
                    try:
                        compose(config_name=config_name, overrides=combo[: i + 1])
                    except Exception as exc:
                        raise UserError(_explain(combo[i], exc)) from None
                raise UserError(_explain(combo[-1] if combo else "", whole)) from None
            try:
                rc = to_run_config(cfg)
                from sim.io import embedded
                from sim.world.build import check_world

                check_world(rc.world, embedded.england())
                from sim.policies import check as check_policy

                check_policy(rc.policy, embedded.england())
                if rc.world.observed:
                    from sim.io.outputs import read_cached
                    from sim.world import observed as observed_start
                    from sim.world.build import simulated_las

                    geo = embedded.england()
                    ex = read_cached(rc.world.observed, geo)
                    codes = [str(geo.code[i]) for i in simulated_las(rc.world, geo)]
                    observed_start.check(ex, rc.start_date, codes)
            except ConfigError as exc:
                raise UserError(str(exc)) from None
            except ObservedDataError as exc:
                raise UserError(str(exc)) from None
            first = first or rc
        GlobalHydra.instance().clear()
    return first or RunConfig()


def executor_args(argv: list[str]) -> tuple[str | None, str | None, list[str]]:
    """``executor=`` and ``executor.address=`` taken from ``argv``; the rest returned.

    The executor is None when not given (joblib for several workers, else this process).

    Raises:
        UserError: an executor that is not serial, joblib or dask.
    """
    from sim.executors import EXECUTORS

    executor, address, rest = None, None, []
    for a in argv:
        key, _, value = a.partition("=")
        if key == "executor":
            if value not in EXECUTORS:
                raise UserError(f"executor={value}: expected one of {', '.join(EXECUTORS)}")
            executor = value
        elif key == "executor.address":
            address = value or None
        else:
            rest.append(a)
    if address and executor != "dask":
        raise UserError("executor.address= needs executor=dask")
    return executor, address, rest


def whole_numbers(own: dict[str, str], defaults: dict[str, int]) -> dict[str, int]:
    """Each key of ``defaults`` from ``own`` (text) as a whole number of at least 1.

    Raises:
        UserError: a value that is not, naming the key and the value.
    """
    out = {}
    for key, default in defaults.items():
        text = own.get(key, str(default))
        if not text.isdigit() or int(text) < 1:
            raise UserError(f"{key}={text}: expected a whole number of at least 1")
        out[key] = int(text)
    return out
