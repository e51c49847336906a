"""Shared fixtures: a tiny world run once per session (synthetic data only)."""

import pytest

from sim.config import RunConfig, WorldConfig, WorldName
from sim.io import embedded
from sim.io.outputs import world_data
from sim.model import PlacementModel


def tiny_config(**kw) -> RunConfig:
    world = WorldConfig(name=WorldName.tiny, las=["E08000002", "E08000009", "E08000007"], scale=0.2)
    return RunConfig(world=world, **{"years": 2, **kw})


def run_tiny(**kw) -> PlacementModel:
    m = PlacementModel(tiny_config(**kw), embedded.england(), world_data())
    m.run()
    return m


@pytest.fixture(scope="session")
def tiny_model() -> PlacementModel:
    return run_tiny()
