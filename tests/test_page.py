"""The policy page's scenario: one source of truth with ``configs/policy/``.

Every policy file the repository ships reads back as Hydra composes it; a scenario written by
the page reads back the same; a value out of range is refused with the allowed range; each
lever's explanation is its schema's own text, sources included.
"""

from pathlib import Path

import pytest

from sim.config import ConfigError
from sim.io.cli import validate
from sim.page import scenario

POLICIES = sorted((Path(__file__).resolve().parents[1] / "configs" / "policy").glob("*.yaml"))


@pytest.mark.parametrize("path", POLICIES, ids=lambda p: p.stem)
def test_every_policy_file_reads_as_hydra_composes_it(path):
    mine = scenario.from_yaml(path.read_text(), str(path))
    assert mine == validate([f"policy={path.stem}"]).policy


@pytest.mark.parametrize("path", POLICIES, ids=lambda p: p.stem)
def test_a_scenario_written_by_the_page_reads_back_the_same(path):
    policy = scenario.from_yaml(path.read_text())
    text = scenario.to_yaml(policy, "written by the page")
    assert scenario.from_yaml(text) == policy
    # the form of the repository's files: a defaults list of lever files, then _self_
    if policy.enabled():
        assert text.splitlines()[1] == "defaults:"
        assert f"  - lever/{policy.enabled()[0]}@{policy.enabled()[0]}" in text
        assert "  - _self_" in text


def test_a_changed_strength_is_written_and_read_back():
    policy = scenario.build_policy(
        "cap_15", {"profit_cap": {"enabled": True, "start": "2027-04-01", "max_margin": 0.15}}
    )
    text = scenario.to_yaml(policy)
    assert "max_margin: 0.15" in text and "lever/profit_cap@profit_cap" in text
    assert scenario.from_yaml(text).profit_cap.max_margin == 0.15


def test_a_value_out_of_range_is_refused_with_the_allowed_range():
    with pytest.raises(ConfigError, match=r"policy.profit_cap.max_margin=1.5 is out of range"):
        scenario.build_lever("profit_cap", {"enabled": True, "max_margin": 1.5})
    with pytest.raises(ConfigError, match=r"expected a value in \[0.0, 0.9\]"):
        scenario.build_lever("profit_cap", {"max_margin": -0.1})
    with pytest.raises(ConfigError, match="unknown setting 'strength'"):
        scenario.build_lever("prevention", {"strength": 2})
    with pytest.raises(ConfigError, match="'magic' is not a lever"):
        scenario.from_yaml("name: x\nmagic: {enabled: true}\n")
    with pytest.raises(ConfigError, match="not lever/<lever>@<lever>"):
        scenario.from_yaml("defaults:\n  - lever/prevention@kinship_support\nname: x\n")


def test_each_lever_is_explained_from_its_schema_with_sources():
    for name in scenario.lever_names():
        spec = scenario.lever_spec(name)
        assert spec.explanation, name
        assert [f.name for f in spec.fields][:3] == ["enabled", "start", "end"]
    text = scenario.explain("public_homes")
    assert "new council (or rcc) children's homes" in text.lower()
    assert "[pub] NAO 2025" in text  # the running cost's source, as the schema writes it
    block = {f.name: f for f in scenario.lever_spec("pooled_commissioning").fields}
    # a field written with its neighbour shares its comment
    assert block["block_discount"].explanation == block["block_share"].explanation != ""


def test_a_page_run_pairs_with_the_comparison_and_is_cached(tmp_path):
    """The page's run (a process, replicate by replicate) gives the comparison's outcomes;
    the baseline, cached, serves the next scenario at once; a cancelled run writes nothing."""
    import time

    import pandas as pd

    from sim.io.compare import run_scenarios
    from sim.page import runs
    from tests.conftest import tiny_config

    cfg = tiny_config(years=1, reps=2)
    pol = scenario.build_policy(
        "prevention", {"prevention": {"enabled": True, "start": "2025-06-01"}}
    )
    job = runs.start(cfg, pol, tmp_path)
    while not runs.poll(job).finished:
        time.sleep(0.2)
    assert job.error == "" and job.done == job.total == 4
    got = runs.outcomes(job).sort_values(
        ["scenario", "rep", "year", "area_type", "area", "outcome"]
    )
    import dataclasses

    want = run_scenarios([cfg, dataclasses.replace(cfg, policy=pol)], 2, 1).sort_values(
        ["scenario", "rep", "year", "area_type", "area", "outcome"]
    )
    pd.testing.assert_frame_equal(
        got[want.columns].reset_index(drop=True), want.reset_index(drop=True), check_dtype=False
    )
    # The baseline is cached: a new scenario runs its own replicates only.
    pol2 = scenario.build_policy(
        "hub", {"recruitment_hub": {"enabled": True, "start": "2025-06-01"}}
    )
    job2 = runs.start(cfg, pol2, tmp_path)
    runs.cancel(job2)
    assert job2.cancelled and not runs.cached(cfg, pol2, tmp_path).exists()
    again = runs.start(cfg, pol, tmp_path)
    assert again.finished and again.process is None  # both cached: nothing runs
