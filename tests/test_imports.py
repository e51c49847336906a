"""Imports in ``sim/``: no cycles, no private names across modules, layers pointing one way.

Every import is read from the source (``import sim.x``, ``from sim import x``, ``from sim.x
import y``, relative imports, and imports inside functions), so a cycle hidden in a function
body counts as one.
"""

import ast
from pathlib import Path

SIM = Path(__file__).resolve().parents[1] / "sim"
# Lower layers never import higher ones: the core, then the compiled mechanisms and agents,
# then supply and levers, then the world and the model, then input/output and analysis.
LAYER = {
    "config": 0,
    "geography": 0,
    "records": 0,
    "rng": 0,
    "calendar": 0,
    "special": 0,
    "data": 0,
    "market": 1,
    "stockflow": 1,
    "uncertainty": 1,
    "metrics": 1,
    "episode_arrays": 1,
    "agents": 2,
    "population": 2,
    "engine": 2,
    "supply": 3,
    "policies": 3,
    "snapshot": 3,
    "world": 4,
    "model": 4,
    "kernel_inputs": 4,
    "placing": 4,
    "schedule": 4,
    "runtime": 0,
    "executors": 0,  # runs jobs on processes or Dask; imports nothing of the model
    "io": 5,
    "calibration": 5,
    "plots": 5,
    "page": 6,  # the policy page: on top of everything it shows
    "sensitivity": 6,  # global sensitivity: on top, it names outcomes as the page does
}


def _modules() -> dict[str, Path]:
    mods = {}
    for path in SIM.rglob("*.py"):
        parts = list(path.relative_to(SIM.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        mods[".".join(parts)] = path
    return mods


MODULES = _modules()


def _imports(mod: str, path: Path) -> list[tuple[str, str, int]]:
    """(module imported, name imported or '', line) for every ``sim`` import of ``mod``."""
    package = mod if path.name == "__init__.py" else mod.rpartition(".")[0]
    out = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            out += [(a.name, "", node.lineno) for a in node.names if a.name.startswith("sim")]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(up + ([base] if base else []))
            if base == "sim" or base.startswith("sim."):
                for a in node.names:
                    sub = f"{base}.{a.name}"
                    if sub in MODULES:  # ``from sim import model``: the module itself
                        out.append((sub, "", node.lineno))
                    else:
                        out.append((base, a.name, node.lineno))
    return out


def _graph() -> dict[str, set[str]]:
    g = {m: set() for m in MODULES}
    for mod, path in MODULES.items():
        for target, _, _ in _imports(mod, path):
            while target not in MODULES and "." in target:
                target = target.rpartition(".")[0]
            if target in MODULES and target != mod:
                g[mod].add(target)
    return g


def find_cycles(g: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(g[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(g):
        if v not in index:
            visit(v)
    return out


def test_the_cycle_finder_finds_a_cycle():
    g = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert find_cycles(g) == [["a", "b", "c"]]
    assert find_cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycles():
    assert find_cycles(_graph()) == []


def test_no_private_names_imported_from_another_module():
    bad = [
        f"{mod}:{line} imports {name} from {target}"
        for mod, path in MODULES.items()
        for target, name, line in _imports(mod, path)
        if name.startswith("_") and not name.startswith("__") and target != mod
    ]
    assert not bad, bad


def test_every_top_level_name_has_a_layer():
    assert {m.split(".")[1] for m in MODULES if "." in m} <= set(LAYER)


def test_dependencies_point_one_way():
    bad = []
    for mod, path in MODULES.items():
        if "." not in mod:
            continue
        mine = LAYER[mod.split(".")[1]]
        for target, _, line in _imports(mod, path):
            if "." in target and LAYER[target.split(".")[1]] > mine:
                bad.append(f"{mod}:{line} imports {target}")
    assert not bad, bad


def test_market_imports_no_agents():
    for path in (SIM / "market").glob("*.py"):
        assert "sim.agents" not in path.read_text()
