"""The compiled-code cache is keyed by every module whose code or constants kernels use."""

import shutil
from pathlib import Path

import sim

SIM = Path(sim.__file__).resolve().parent


def _copy(tmp_path: Path) -> Path:
    root = tmp_path / "sim"
    shutil.copytree(SIM, root, ignore=shutil.ignore_patterns("__pycache__"))
    return root


def _append(path: Path) -> None:
    path.write_text(path.read_text() + "\n# changed\n")


def test_key_is_stable_for_the_same_sources(tmp_path):
    assert sim.compiled_code_key(_copy(tmp_path)) == sim.compiled_code_key(SIM)


def test_a_callee_in_another_module_changes_the_key(tmp_path):
    """Editing the ledger (called by the day's kernels in other files) starts a fresh cache."""
    root = _copy(tmp_path)
    before = sim.compiled_code_key(root)
    _append(root / "engine" / "ledger.py")
    assert sim.compiled_code_key(root) != before


def test_a_module_of_constants_kernels_import_changes_the_key(tmp_path):
    root = _copy(tmp_path)
    before = sim.compiled_code_key(root)
    _append(root / "records.py")  # code lists frozen into the machine code
    assert sim.compiled_code_key(root) != before


def test_a_module_no_kernel_imports_leaves_the_key(tmp_path):
    root = _copy(tmp_path)
    before = sim.compiled_code_key(root)
    _append(root / "io" / "cli.py")
    assert sim.compiled_code_key(root) == before
