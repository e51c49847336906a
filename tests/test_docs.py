"""docs/model.md points at real code and real parameters; the code cites only files it ships."""

import ast
import dataclasses
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MODEL_MD = (ROOT / "docs" / "model.md").read_text()


def _defined(path: Path, dotted: str) -> bool:
    """Whether ``dotted`` (``f``, ``Class`` or ``Class.method``) is defined at top level."""
    tree = ast.parse(path.read_text())
    first, _, rest = dotted.partition(".")
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and node.name == first:
            if not rest:
                return True
            return isinstance(node, ast.ClassDef) and any(
                isinstance(n, ast.FunctionDef) and n.name == rest for n in node.body
            )
        if isinstance(node, ast.Assign) and not rest:
            names = [t.id for t in node.targets if isinstance(t, ast.Name)]
            if first in names:
                return True
    return False


def test_every_code_reference_names_a_real_definition():
    refs = re.findall(r"`(sim/[\w/]+\.py)::([\w.]+)`", MODEL_MD)
    assert len(refs) > 40
    missing = [
        f"{p}::{n}" for p, n in refs if not (ROOT / p).is_file() or not _defined(ROOT / p, n)
    ]
    assert not missing, missing


def test_every_file_reference_exists():
    files = set(re.findall(r"`(sim/[\w/.]+\.(?:py|csv))`", MODEL_MD))
    files |= set(re.findall(r"`(sim/[\w/]+)/`", MODEL_MD))
    missing = [f for f in files if not (ROOT / f).exists()]
    assert not missing, missing


def _keys(cls, prefix: str) -> set[str]:
    out = set()
    for f in dataclasses.fields(cls):
        t = f.default_factory() if f.default_factory is not dataclasses.MISSING else f.default
        if dataclasses.is_dataclass(t):
            out |= _keys(type(t), f"{prefix}.{f.name}")
        else:
            out.add(f"{prefix}.{f.name}")
    return out


def test_every_parameter_named_is_a_configuration_key():
    from sim.config import Params, PolicyConfig

    known = _keys(Params, "params") | _keys(PolicyConfig, "policy")
    named = set(re.findall(r"`((?:params|policy)\.\w+\.\w+)`", MODEL_MD))
    assert len(named) > 40
    assert not named - known, sorted(named - known)


def test_the_code_cites_no_file_outside_the_repository():
    """Docstrings cite docs/design.md and docs/facts.md, which ship; only the data builder
    reads the official files from a folder it is given."""
    bad = []
    for path in (ROOT / "sim").rglob("*.py"):
        text = path.read_text()
        for m in re.finditer(r"(?<![\w/])(DESIGN|FACTS)(\.md| ?§)|\.\./shared", text):
            if path.name != "build_data.py":
                bad.append(f"{path.relative_to(ROOT)}: {m.group(0)}")
    assert not bad, bad
    for doc in ("design.md", "facts.md", "ssda903.md", "model.md"):
        assert (ROOT / "docs" / doc).is_file()
