"""Writing a run's files all at once: a hidden staging folder moved into place on success.

This module owns the rule that a failed command leaves nothing half-written: every writer
(run folders, returns, comparisons, fits, evaluations) writes into a staging folder inside the
output folder and moves the files into place only when all are written.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path


class OutputPathError(Exception):
    """An output folder that cannot be made or written (the message names it)."""


def check_output_dir(path: Path | str, key: str = "out") -> None:
    """Raise ``OutputPathError`` unless ``path`` is a folder that can be made and written.

    Checked before a command runs, so that a file where the folder should be, or a folder
    that cannot be written, stops it at once with one line rather than after the run.
    """
    path = Path(path)
    here = path
    while not here.exists():
        if here.parent == here:
            break
        here = here.parent
    if here.exists() and not here.is_dir():
        what = "is a file" if here == path else f"is inside {here}, which is a file"
        raise OutputPathError(f"{key}={path}: {what}; expected a folder (made if missing)")
    if here.exists() and not os.access(here, os.W_OK | os.X_OK):
        raise OutputPathError(f"{key}={path}: {here} cannot be written")


class Staged:
    """Write into a hidden staging folder; move the files into ``out_dir`` only on success.

    ``with Staged(out) as stage: ...`` then ``.files`` lists what was written. On an error
    nothing reaches ``out_dir`` and the staging folder is removed.
    """

    def __init__(self, out_dir: Path, figures: bool = False) -> None:
        self.out_dir = Path(out_dir)
        self.stage = self.out_dir / f".staging-{os.getpid()}"
        self.figures = figures
        self.files: list[Path] = []

    def __enter__(self) -> Path:
        check_output_dir(self.out_dir)
        self.out_dir.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(self.stage, ignore_errors=True)
        self.stage.mkdir(parents=True)
        if self.figures:
            (self.stage / "figures").mkdir()
        return self.stage

    def __exit__(self, exc_type, exc, tb) -> None:
        try:
            if exc_type is None:
                self.files = commit_stage(self.stage, self.out_dir)
        finally:
            shutil.rmtree(self.stage, ignore_errors=True)


def commit_stage(stage: Path, out_dir: Path) -> list[Path]:
    """Move every file of a complete staging folder into ``out_dir``; return the files."""
    written = []
    for p in sorted(stage.rglob("*")):
        if p.is_file():
            dest = out_dir / p.relative_to(stage)
            dest.parent.mkdir(parents=True, exist_ok=True)
            os.replace(p, dest)
            written.append(dest)
    return written
