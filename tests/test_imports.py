"""Dependencies point one way: core <- agents, market <- model <- io, calibration, plots."""

import ast
from pathlib import Path

SIM = Path(__file__).resolve().parents[1] / "sim"
LAYER = {
    "config": 0,
    "geography": 0,
    "records": 0,
    "rng": 0,
    "calendar": 0,
    "special": 0,
    "market": 1,
    "agents": 2,
    "policies": 3,
    "world": 4,
    "observed_start": 4,
    "stockflow": 1,
    "uncertainty": 1,
    "model": 4,
    "metrics": 1,
    "io": 5,
    "calibration": 5,
    "plots": 6,
    "data": 0,
}


def layer_of(module: str) -> int:
    return LAYER[module.split(".")[1]]


def test_dependencies_point_one_way():
    bad = []
    for path in SIM.rglob("*.py"):
        rel = path.relative_to(SIM.parent).with_suffix("")
        mod = ".".join(rel.parts)
        if mod.endswith("__init__") or mod.count(".") == 0:
            continue
        mine = layer_of(mod)
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("sim."):
                if layer_of(node.module) > mine:
                    bad.append(f"{mod} imports {node.module}")
    assert not bad, bad


def test_market_imports_no_agents():
    for path in (SIM / "market").glob("*.py"):
        assert "sim.agents" not in path.read_text()
