"""Environments of their own for the sector's tools whose pins clash with ours.

The DfE's validator (``csc-validator-be-903``) and Data to Insight's ``cs-demand-model`` pin
pandas < 2; each runs in a virtual environment made on first use under ``~/.cache`` from the
package registry, and our scripts call a worker script in it (``dfe_validator_worker.py``,
``cs_demand_worker.py``).
"""

import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sim.io.cli import UserError  # noqa: E402


def tool_python(env: Path, package: str, module: str, given: str | None = None) -> Path:
    """The Python of ``env`` (with ``package``, importable as ``module``), made if missing.

    Args:
        env: the environment's folder.
        package: what to install (a pip requirement, pinned).
        module: a module the package provides (to check the environment works).
        given: a Python to use instead (``validator_python=`` and the like).

    Raises:
        UserError: the environment cannot be made (no access to the package registry).
    """
    if given:
        py = Path(given)
        if not py.exists():
            raise UserError(f"{given}: no such Python")
        return py
    py = env / "bin" / "python"
    if py.exists():
        ok = subprocess.run([py, "-c", f"import {module}"], capture_output=True)
        if ok.returncode == 0:
            return py
    print(f"making {package}'s environment in {env} (once) ...", flush=True)
    steps = [
        [sys.executable, "-m", "venv", str(env)],
        [str(py), "-m", "pip", "install", "-q", "--disable-pip-version-check", package],
    ]
    for cmd in steps:
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode != 0:
            last = (r.stderr or r.stdout).strip().splitlines()[-1:] or ["no message"]
            raise UserError(f"could not make {package}'s environment ({last[0]})")
    return py
