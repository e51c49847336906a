"""A sweep: many runs of the model, each a job, written as a Parquet dataset partitioned by job.

This module owns what a job is (a scenario's config with some keys set, and a replicate), how
it runs (``sim.io.outputs.run_replicate``: the same code as every other run), and where its
results go: ``<out>/indicators/job=<id>/part-0.parquet`` (its indicators; council rows only if
asked), written whole or not at all, so that ``pd.read_parquet("<out>/indicators")`` or DuckDB's
``read_parquet('<out>/indicators/*/*.parquet', hive_partitioning=true)`` reads the sweep in one
line. ``<out>/jobs.csv`` lists every job and its values; ``<out>/failures.csv`` the jobs that
failed, with their values and the reason; a sweep run again into the same folder skips the jobs
already written, and refuses a folder that holds a different sweep: other jobs, other base
configs (a default changed since), or results of other code (``<out>/identity.json``: a hash of
the package's sources and data, and of each scenario's config). A job's results depend only on
the job and the code, so they are byte-identical whatever the executor and its workers.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import os
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from sim import executors
from sim.config import ConfigError, RunConfig, set_values


@dataclass(frozen=True)
class Job:
    """One run of a sweep.

    Attributes:
        id: the job's number (its partition, ``job=<id>``).
        scenario: the name of the base config it starts from (a policy, e.g. ``baseline``).
        rep: the replicate (its random numbers: replicate k is the same in every scenario).
        values: ``(key, value)`` pairs set on the base config; a key ending in ``*`` multiplies
            the base value (every element of a list; whole numbers rounded).
    """

    id: int
    scenario: str
    rep: int
    values: tuple[tuple[str, float], ...] = ()


def run_job(item: tuple[RunConfig, Job, bool]) -> pd.DataFrame:
    """The job's indicators (runs in a worker): ``(base config, job, keep council rows)``."""
    from sim.io.outputs import run_replicate

    base, job, keep_la = item
    cfg = set_values(base, job.values)
    ind = run_replicate(cfg, job.rep)["indicators"]
    if not keep_la:
        ind = ind[ind["area_type"] != "la"]
    return ind.reset_index(drop=True)


def jobs_table(jobs: list[Job]) -> pd.DataFrame:
    """One row per job: id, scenario, rep and a column per key it sets."""
    rows = [{"job": j.id, "scenario": j.scenario, "rep": j.rep, **dict(j.values)} for j in jobs]
    return pd.DataFrame(rows)


def _partition(out: Path, job_id: int) -> Path:
    return out / "indicators" / f"job={job_id:06d}"


def done(out: Path, jobs: list[Job]) -> set[int]:
    """The jobs whose results are already written in ``out``."""
    return {j.id for j in jobs if (_partition(out, j.id) / "part-0.parquet").exists()}


def _write_job(out: Path, job_id: int, frame: pd.DataFrame) -> None:
    """Write one job's partition whole (a folder renamed into place) or not at all."""
    final = _partition(out, job_id)
    tmp = out / ".tmp" / final.name  # outside the dataset: a reader never sees half a job
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    frame.to_parquet(tmp / "part-0.parquet", index=False)
    final.parent.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(final, ignore_errors=True)
    os.replace(tmp, final)


@dataclass
class SweepResult:
    """What a sweep did: jobs run now, skipped (already written) and failed (id -> reason)."""

    out: Path
    ran: int
    skipped: int
    failed: dict[int, str]
    seconds: float


def sweep(
    bases: dict[str, RunConfig],
    jobs: list[Job],
    out: Path,
    executor: str | None = "serial",
    workers: int = 1,
    address: str | None = None,
    keep_la: bool = False,
    progress: bool | None = None,
) -> SweepResult:
    """Run every job not yet written in ``out`` on ``executor``; write each as it finishes.

    Args:
        bases: the base config of each scenario a job names.
        jobs: the jobs (ids unique).
        out: the sweep's folder.
        executor, workers, address: where the jobs run (``sim.executors.run``).
        keep_la: keep each council's rows in the indicators.
        progress: a progress bar on stderr (None: only when stderr is a terminal).

    Raises:
        ConfigError: ``out`` holds a different sweep, or a job names an unknown scenario.
    """
    ids = [j.id for j in jobs]
    if len(set(ids)) != len(ids):
        raise ConfigError("sweep: job ids must be unique")
    unknown = sorted({j.scenario for j in jobs} - set(bases))
    if unknown:
        raise ConfigError(f"sweep: no base config for scenario {unknown[0]!r}")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    with _locked(out):
        return _run(bases, jobs, out, executor, workers, address, keep_la, progress)


@contextlib.contextmanager
def _locked(out: Path):
    """Hold ``out/.lock`` (this process's id) while the sweep writes; refuse a live holder.

    Two processes writing one sweep would each skip and rewrite the other's jobs.
    """
    lock = out / ".lock"
    try:
        fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    except FileExistsError:
        text = lock.read_text().strip()
        holder = int(text) if text.isdigit() else 0
        if holder and holder != os.getpid() and _alive(holder):
            raise ConfigError(
                f"{out}: another process ({holder}) is writing this sweep; wait for it or "
                "choose another out="
            ) from None
        lock.unlink(missing_ok=True)  # left by a process that has gone
        fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    os.write(fd, str(os.getpid()).encode())
    os.close(fd)
    try:
        yield
    finally:
        lock.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


_SOURCE_SUFFIXES = (".py", ".csv", ".json", ".yaml", ".txt")


def code_hash() -> str:
    """A hash of every source and data file of the ``sim`` package, by path and content.

    What a job's results depend on besides its config.
    """
    root = Path(__file__).resolve().parents[1]
    h = hashlib.sha256()
    for p in sorted(root.rglob("*")):
        if p.suffix in _SOURCE_SUFFIXES and p.is_file() and "__pycache__" not in p.parts:
            h.update(p.relative_to(root).as_posix().encode())
            h.update(hashlib.sha256(p.read_bytes()).digest())
    return h.hexdigest()


def identity(bases: dict[str, RunConfig]) -> dict[str, object]:
    """What a sweep folder's results were made with: the code and each scenario's config."""
    configs = {
        name: hashlib.sha256(
            json.dumps(dataclasses.asdict(cfg), sort_keys=True, default=str).encode()
        ).hexdigest()
        for name, cfg in sorted(bases.items())
    }
    return {"code": code_hash(), "scenarios": configs}


def _check_same(out: Path, table: pd.DataFrame, ident: dict[str, object]) -> None:
    """Write ``jobs.csv`` and ``identity.json`` in a new folder, or check an existing one.

    Refuses (``ConfigError``) a folder whose results were made for other jobs, other base
    configs or other code.
    """
    listed, known = out / "jobs.csv", out / "identity.json"
    text = table.to_csv(index=False)
    again = "choose another out= to start anew"
    if listed.exists() and listed.read_text() != text:
        raise ConfigError(f"{listed}: this folder holds a different sweep; {again}")
    if listed.exists():
        if not known.exists():
            raise ConfigError(
                f"{known}: missing, so the results here cannot be checked against this code and "
                f"config (written by an earlier version); {again}"
            )
        had = json.loads(known.read_text())
        if had.get("code") != ident["code"]:
            raise ConfigError(
                f"{known}: the results here were made by other code (the model has changed "
                f"since); {again}"
            )
        changed = [k for k, v in ident["scenarios"].items() if had["scenarios"].get(k) != v]
        if changed or set(had["scenarios"]) != set(ident["scenarios"]):
            name = changed[0] if changed else sorted(had["scenarios"])[0]
            raise ConfigError(
                f"{known}: the results here were made with another config for scenario "
                f"{name!r} (a default or a fixed override differs); {again}"
            )
        return
    for path, body in ((known, json.dumps(ident, indent=1)), (listed, text)):
        tmp = path.with_suffix(".part")
        tmp.write_text(body)
        tmp.replace(path)


def _run(bases, jobs, out: Path, executor, workers, address, keep_la, progress) -> SweepResult:
    """The sweep itself (``sweep`` holds the folder's lock)."""
    from tqdm import tqdm

    table = jobs_table(jobs)
    _check_same(out, table, identity(bases))
    have = done(out, jobs)
    todo = [j for j in jobs if j.id not in have]
    t0 = time.perf_counter()
    failed: dict[int, str] = {}
    items = [(bases[j.scenario], j, keep_la) for j in todo]
    chosen = executors.pick(executor, workers, len(items))
    bar = tqdm(
        total=len(jobs),
        initial=len(have),
        desc=f"sweep ({executors.describe(chosen, workers, address)})",
        unit="job",
        disable=(not sys.stderr.isatty()) if progress is None else not progress,
        file=sys.stderr,
    )
    with bar:
        for k, result in executors.run(run_job, items, chosen, workers, address):
            job = todo[k]
            if isinstance(result, executors.Failure):
                failed[job.id] = result.error
            else:
                _write_job(out, job.id, result)
            bar.update(1)
    _write_failures(out, jobs, failed)
    manifest = {
        "jobs": len(jobs),
        "ran": len(todo),
        "skipped": len(have),
        "failed": len(failed),
        "executor": executors.describe(chosen, workers, address),
        "scenarios": {k: dataclasses.asdict(v) for k, v in bases.items()},
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1, default=str))
    return SweepResult(out, len(todo), len(have), failed, time.perf_counter() - t0)


def _write_failures(out: Path, jobs: list[Job], failed: dict[int, str]) -> None:
    """``failures.csv``: each failed job's id, scenario, rep, values and reason (may be empty)."""
    table = jobs_table([j for j in jobs if j.id in failed])
    if len(table):
        table["error"] = [failed[i] for i in table["job"]]
    else:
        table = pd.DataFrame(columns=["job", "scenario", "rep", "error"])
    table.to_csv(out / "failures.csv", index=False)


def read(out: Path, columns: list[str] | None = None) -> pd.DataFrame:
    """The sweep's indicators, one ``job`` column (int) added: the one-line read, typed."""
    frame = pd.read_parquet(Path(out) / "indicators", columns=columns)
    frame["job"] = frame["job"].astype(str).str.removeprefix("job=").astype(int)
    return frame.sort_values(["job"], kind="stable").reset_index(drop=True)
