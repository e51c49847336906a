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
    extra = ["world.las=[E08000003]"] if world == "custom" else []
    rc = validate([f"world={world}", f"policy={policy}", *extra])
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


def test_world_las_is_read_only_where_it_chooses_the_councils():
    from sim.io import embedded
    from sim.world.build import simulated_las

    geo = embedded.england()
    rc = validate(["world=custom", "world.las=[E08000009,E08000003]"])
    assert sorted(geo.code[simulated_las(rc.world, geo)]) == ["E08000003", "E08000009"]
    for world in ("england", "greater_manchester", "south_east"):
        with pytest.raises(UserError, match="world=custom world.las=.E08000003.$"):
            validate([f"world={world}", "world.las=[E08000003]"])
    with pytest.raises(UserError, match="world.las is empty"):
        validate(["world=custom"])


def test_an_output_folder_that_is_a_file_is_refused_before_running(tmp_path):
    a_file = tmp_path / "results.csv"
    a_file.write_text("x\n")
    with pytest.raises(UserError, match="hydra.run.dir=.*results.csv: is a file"):
        validate(["world=tiny", f"hydra.run.dir={a_file}"])
    with pytest.raises(UserError, match="is inside .*results.csv, which is a file"):
        validate(["world=tiny", f"hydra.run.dir={a_file}/run"])
    r = subprocess.run(
        [
            sys.executable,
            str(ROOT / "experiments" / "observed_indicators.py"),
            f"observed={ROOT / 'tests' / 'data' / 'observed_hand'}",
            f"out={a_file}",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 2 and "Traceback" not in r.stderr
    expect = f"error: out={a_file}: is a file; expected a folder (made if missing)"
    assert r.stderr.strip() == expect


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
