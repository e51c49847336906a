"""Every config composes and validates; bad input stops with one line and exit code 2."""

import subprocess
import sys
from pathlib import Path

import pytest

from sim.config import ConfigError, RunConfig, from_dict
from sim.io.cli import CONFIG_DIR, UserError, validate

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("world", sorted(p.stem for p in (CONFIG_DIR / "world").glob("*.yaml")))
@pytest.mark.parametrize("policy", sorted(p.stem for p in (CONFIG_DIR / "policy").glob("*.yaml")))
def test_every_config_composes(world, policy):
    rc = validate([f"world={world}", f"policy={policy}"])
    assert rc.world.name.value == world
    assert rc.policy.name == policy


@pytest.mark.parametrize(
    "override, expect",
    [
        ("seeed=3", "unknown key 'seeed'"),
        ("world=mars", "world=mars is not allowed"),
        ("years=0", "years=0 is out of range"),
        ("world.name=foo", "world.name=foo is not allowed"),
        ("seed=abc", "seed=abc: expected a value of type Integer"),
        ("world.las=[E0000000X]", "unknown LA code 'E0000000X'"),
        ("params.matching.radius_km=-5", "radius_km=-5.0 is out of range"),
        ("params.placements.unplanned_rate=[1,2]", "unplanned_rate must have 7 values"),
        (
            "params.placements.move_propensity_variance=-1",
            "move_propensity_variance=-1.0 is out of range",
        ),
    ],
)
def test_bad_input_is_one_clear_error(override, expect):
    extra = ["world=tiny"] if override.startswith("world.las") else []
    with pytest.raises(UserError, match=expect.replace("[", r"\[").replace(".", r"\.")):
        validate(extra + [override])


def test_cli_exit_code_two_no_traceback(tmp_path):
    r = subprocess.run(
        [
            sys.executable,
            str(ROOT / "experiments" / "run.py"),
            "world=atlantis",
            f"hydra.run.dir={tmp_path}",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 2
    assert "Traceback" not in r.stderr
    assert r.stderr.strip().count("\n") == 0 and "world=atlantis" in r.stderr
    assert not any(tmp_path.iterdir())  # nothing written


def test_from_dict_names_unknown_nested_key():
    with pytest.raises(ConfigError, match="params.exits.bogus"):
        from_dict(RunConfig, {"params": {"exits": {"bogus": 1}}})
