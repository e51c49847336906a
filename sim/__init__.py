"""Agent-based model of England's children's care placement system.

This module owns where numba keeps the machine code it compiles (``cache=True``). numba checks
a cached function against its own file only: a kernel whose callee in another module changed
would load stale code that still inlines the old callee. So the cache lives in a folder keyed
by a hash of every module with compiled code and of every ``sim`` module those import (their
constants are frozen into the machine code): any change to one of them starts a fresh cache.
The folder is ``$NUMBA_CACHE_DIR/<key>`` when that variable is set, else
``~/.cache/sim-numba/<key>`` (``$XDG_CACHE_HOME`` honoured).
"""

from __future__ import annotations

import hashlib
import os
import re
import sys
from pathlib import Path

_ROOT = Path(__file__).resolve().parent
_IMPORT = re.compile(
    r"^\s*from (sim(?:\.\w+)*) import ([\w, ()\n]+)|^\s*import (sim(?:\.\w+)*)", re.M
)


def _module_file(name: str, root: Path) -> Path | None:
    """The source file of module ``sim.x.y`` under ``root`` (a package's ``__init__.py``)."""
    base = root.joinpath(*name.split(".")[1:])
    for path in (base.with_suffix(".py"), base / "__init__.py"):
        if path.is_file():
            return path
    return None


def compiled_code_key(root: Path = _ROOT) -> str:
    """A hash of the modules with compiled code and the ``sim`` modules they import.

    Args:
        root: the ``sim`` package's folder.
    """
    todo = [p for p in sorted(root.rglob("*.py")) if "njit" in p.read_text()]
    seen: dict[Path, bytes] = {}
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        text = path.read_bytes()
        seen[path] = text
        for m in _IMPORT.finditer(text.decode()):
            name = m.group(1) or m.group(3)
            names = [name]
            if m.group(2):  # ``from sim.x import y``: y may be a module
                names += [f"{name}.{n.strip()}" for n in re.split(r"[,()\s]+", m.group(2)) if n]
            files = (_module_file(n, root) for n in names)
            todo += [f for f in files if f is not None and f not in seen]
    h = hashlib.sha256()
    for path in sorted(seen):
        h.update(str(path.relative_to(root)).encode() + b"\0" + seen[path] + b"\0")
    return h.hexdigest()[:16]


def _set_numba_cache_dir() -> None:
    base = os.environ.get("SIM_NUMBA_CACHE_BASE") or os.environ.get("NUMBA_CACHE_DIR")
    if not base:
        cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        base = os.path.join(cache, "sim-numba")
    os.environ["SIM_NUMBA_CACHE_BASE"] = base  # worker processes key from the same base
    folder = os.path.join(base, compiled_code_key())
    os.environ["NUMBA_CACHE_DIR"] = folder
    if "numba" in sys.modules:  # numba read its settings already: tell it too
        sys.modules["numba"].config.CACHE_DIR = folder


_set_numba_cache_dir()
