"""The model's state is declared in one place: ``PlacementModel.__init__``."""

import ast
from pathlib import Path

SIM = Path(__file__).resolve().parents[1] / "sim"
MODEL_PARTS = ("model.py", "kernel_inputs.py", "placing.py")


def _declared() -> set[str]:
    tree = ast.parse((SIM / "model.py").read_text())
    cls = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "PlacementModel")
    init = next(n for n in cls.body if isinstance(n, ast.FunctionDef) and n.name == "__init__")
    return {
        n.attr
        for n in ast.walk(init)
        if isinstance(n, ast.Attribute)
        and isinstance(n.ctx, ast.Store)
        and isinstance(n.value, ast.Name)
        and n.value.id == "self"
    }


def test_every_model_attribute_set_anywhere_is_declared_in_init():
    declared = _declared()
    undeclared = []
    for path in SIM.rglob("*.py"):
        for n in ast.walk(ast.parse(path.read_text())):
            if not (isinstance(n, ast.Attribute) and isinstance(n.ctx, ast.Store)):
                continue
            if not isinstance(n.value, ast.Name):
                continue
            owner = n.value.id
            if owner == "model" or (owner == "self" and path.name in MODEL_PARTS):
                if n.attr not in declared:
                    undeclared.append(f"{path.relative_to(SIM)}:{n.lineno} sets {n.attr}")
    assert not undeclared, undeclared


def test_no_module_outside_the_model_sets_its_attributes():
    """Builders return what they build; mechanisms keep their own state objects.

    Outside the model's own parts, nothing assigns ``model.x`` (plain, augmented or through
    ``setattr``) or reads a private ``model._x``: each mechanism's state is an object the model
    holds (``HomeEntry``, ``HomeGroups``, the levers' own lists) or a method of the model.
    """
    bad = []
    for path in SIM.rglob("*.py"):
        if path.name in MODEL_PARTS:
            continue
        for n in ast.walk(ast.parse(path.read_text())):
            where = f"{path.relative_to(SIM)}:{getattr(n, 'lineno', 0)}"
            if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name):
                if n.value.id != "model":
                    continue
                if isinstance(n.ctx, ast.Store):
                    bad.append(f"{where} sets model.{n.attr}")
                elif n.attr.startswith("_") and not n.attr.startswith("__"):
                    bad.append(f"{where} reads model.{n.attr}")
            elif isinstance(n, ast.Call) and getattr(n.func, "id", None) == "setattr":
                if n.args and getattr(n.args[0], "id", None) == "model":
                    bad.append(f"{where} setattr(model, ...)")
    assert not bad, bad


def test_no_module_calls_the_models_private_methods():
    methods = set()
    for name in MODEL_PARTS:
        for n in ast.walk(ast.parse((SIM / name).read_text())):
            if isinstance(n, ast.FunctionDef) and n.name.startswith("_"):
                methods.add(n.name)
    bad = []
    for path in SIM.rglob("*.py"):
        if path.name in MODEL_PARTS:
            continue
        for n in ast.walk(ast.parse(path.read_text())):
            if isinstance(n, ast.Attribute) and n.attr in methods and n.attr[:2] != "__":
                if isinstance(n.value, ast.Name) and n.value.id == "model":
                    bad.append(f"{path.relative_to(SIM)}:{n.lineno} model.{n.attr}")
    assert not bad, bad
