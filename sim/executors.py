"""Where a sweep's jobs run: in this process, in joblib's worker processes, or on Dask.

This module owns running one function over many independent jobs and handing each result back
as it comes, whatever runs them: ``serial`` (this process), ``joblib`` (joblib's loky pool of
worker processes on this machine) or ``dask`` (Dask distributed: a local cluster of worker
processes, or a running cluster at ``address``, e.g. one started on SLURM by dask-jobqueue).
A job that raises comes back as a ``Failure`` with its message; a job whose worker dies (killed,
out of memory) comes back as a ``Failure`` too, and the other jobs still run: with joblib, the
jobs that were running when a worker died are run again one at a time in a fresh pool of one,
so the job that kills its worker is found and the others finish; Dask retries a job whose
worker died on other workers and gives it up (``KilledWorker``) after a few deaths. What a job
returns must depend only on the job (the model's draws are keyed by seed and replicate), so the
results are the same whatever the executor and the number of workers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

EXECUTORS = ("serial", "joblib", "dask")


@dataclass(frozen=True)
class Failure:
    """A job that did not give a result: what went wrong in one line, and its traceback."""

    error: str
    detail: str = field(default="", compare=False)


class JobFailed(RuntimeError):
    """A job of a run that needs every job (a comparison, a calibration) failed."""


def _guarded(fn: Callable[[Any], Any], item: Any) -> Any:
    """``fn(item)``, or a ``Failure`` naming the exception (run in the worker)."""
    try:
        return fn(item)
    except Exception as exc:  # a bad parameter set fails its job, not the sweep
        import traceback

        return Failure(f"{type(exc).__name__}: {exc}".splitlines()[0], traceback.format_exc())


_FROZEN = [False]  # this worker process has frozen its long-lived objects (``_in_worker``)


def _in_worker(fn: Callable[[Any], Any], item: Any) -> Any:
    """``_guarded(fn, item)`` in a worker process, its long-lived objects frozen first.

    Before its first job a worker moves every object its imports made (numpy, pandas, numba,
    Mesa, Dask's own: some 160,000) out of the garbage collector's reach (``gc.freeze``), so
    the full collections a job triggers traverse the job's objects only. Results do not
    change (the collector frees no object a job can reach); a job runs 8-13% faster in a Dask
    worker, which holds more such objects than joblib's.
    """
    if not _FROZEN[0]:
        import gc

        gc.collect()  # nothing unreachable is frozen
        gc.freeze()
        _FROZEN[0] = True
    return _guarded(fn, item)


def pick(executor: str | None, workers: int, jobs: int) -> str:
    """The executor to use: the one asked for, else joblib for several workers and jobs."""
    if executor:
        return executor
    return "joblib" if workers > 1 and jobs > 1 else "serial"


def ordered(
    fn: Callable[[Any], Any],
    items: list[Any],
    executor: str | None = None,
    workers: int = 1,
    address: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[Any]:
    """``[fn(x) for x in items]`` on ``executor``, in the items' order; every job must succeed.

    ``progress(i, done)`` is called as job ``i`` finishes (``done`` jobs so far). In this
    process (``serial``) an exception propagates as it is; elsewhere a failed job raises
    ``JobFailed`` with its message and traceback.
    """
    executor = pick(executor, workers, len(items))
    results: list[Any] = [None] * len(items)
    if executor == "serial":
        for i, x in enumerate(items):
            results[i] = fn(x)
            if progress is not None:
                progress(i, i + 1)
        return results
    for n, (i, r) in enumerate(run(fn, items, executor, workers, address), start=1):
        if isinstance(r, Failure):
            raise JobFailed(f"job {i} failed: {r.error}\n{r.detail}")
        results[i] = r
        if progress is not None:
            progress(i, n)
    return results


def run(
    fn: Callable[[Any], Any],
    items: list[Any],
    executor: str | None = "serial",
    workers: int = 1,
    address: str | None = None,
) -> Iterator[tuple[int, Any]]:
    """``(index, fn(items[index]) or Failure)`` for every item, in the order they finish.

    Args:
        fn: a module-level function (pickled to the workers).
        items: the jobs.
        executor: ``serial``, ``joblib`` or ``dask`` (None: joblib for several workers).
        workers: worker processes (joblib; dask's local cluster).
        address: a running Dask scheduler (``tcp://host:8786``); None starts a local cluster.
    """
    executor = pick(executor, workers, len(items))
    if executor not in EXECUTORS:
        raise ValueError(f"executor={executor!r}: expected one of {', '.join(EXECUTORS)}")
    if not items:
        return iter(())
    if executor == "serial":
        return ((i, _guarded(fn, x)) for i, x in enumerate(items))
    if executor == "joblib":
        return _joblib(fn, items, workers)
    return _dask(fn, items, workers, address)


def _joblib(fn, items: list, workers: int) -> Iterator[tuple[int, Any]]:
    """The loky pool of joblib, ``workers`` jobs in flight; a dead worker's jobs are isolated.

    At most ``workers`` jobs are in flight, so when a worker dies the suspects are those few:
    each runs again alone in a fresh pool of one (the one that kills it again fails), then the
    rest go on in a full pool.
    """
    from concurrent.futures import FIRST_COMPLETED, wait

    from joblib.externals.loky import get_reusable_executor
    from joblib.externals.loky.process_executor import BrokenProcessPool, TerminatedWorkerError

    dead = (BrokenProcessPool, TerminatedWorkerError)
    queue = list(range(len(items)))
    n = max(1, workers)
    while queue:
        pool = get_reusable_executor(max_workers=min(n, len(queue)), reuse=True)
        flight: dict = {}
        suspects: list[int] = []
        while (queue or flight) and not suspects:
            while queue and len(flight) < n:
                i = queue.pop(0)
                flight[pool.submit(_in_worker, fn, items[i])] = i
            done, _ = wait(flight, return_when=FIRST_COMPLETED)
            for f in done:
                i = flight.pop(f)
                try:
                    result = f.result()
                except dead:
                    suspects.append(i)
                    continue
                yield i, result
        if suspects:  # the pool is broken: every job in flight is a suspect
            suspects += list(flight.values())
            for i in sorted(suspects):
                solo = get_reusable_executor(max_workers=1, reuse=False)
                try:
                    result = solo.submit(_in_worker, fn, items[i]).result()
                except dead as exc:
                    result = Failure(f"the worker running this job died ({type(exc).__name__})")
                yield i, result


def _dask(fn, items: list, workers: int, address: str | None) -> Iterator[tuple[int, Any]]:
    """Dask distributed: a local cluster of ``workers`` processes, or the one at ``address``."""
    import dask
    from distributed import Client, LocalCluster, as_completed

    cluster = None
    if address is None:
        # One task per worker at a time: when a worker dies, only the job it was running is
        # suspected (Dask gives a job up after three deaths: distributed.scheduler.allowed-
        # failures), not a job queued behind it.
        dask.config.set({"distributed.scheduler.worker-saturation": 1.0})
        # Each worker samples its own stack every 10 ms for Dask's dashboard profile: CPU that
        # the jobs lose on a machine with a core per worker, and no dashboard is served here.
        dask.config.set({"distributed.worker.profile.enabled": False})
        # Dask starts its workers with MALLOC_TRIM_THRESHOLD_=65536, which also turns off
        # glibc's adaptive mmap threshold: the model's many short-lived arrays then go back to
        # the OS and fault in again. Unset, 200 one-year jobs took 58.1 s against 60.1 s.
        dask.config.set({"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None})
        cluster = LocalCluster(
            n_workers=max(1, workers),
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=40,  # logging.ERROR: the sweep reports its own progress
        )
    client = Client(address or cluster)
    try:
        futures = client.map(_in_worker, [fn] * len(items), items, pure=False)
        index = {f.key: i for i, f in enumerate(futures)}
        pending = as_completed(futures)
        del futures  # only ``pending`` holds them: each result is let go once read
        for f in pending:
            try:
                result = f.result()
            except Exception as exc:  # KilledWorker: the job killed its workers
                result = Failure(f"the worker running this job died ({type(exc).__name__})")
            i = index.pop(f.key)
            f.release()  # the worker may drop the result now, not at the sweep's end
            del f
            yield i, result
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def describe(executor: str, workers: int, address: str | None) -> str:
    """The executor in words, for manifests and progress lines."""
    if executor == "serial":
        return "serial (this process)"
    if executor == "dask" and address:
        return f"dask (the cluster at {address})"
    return f"{executor} ({workers} local worker processes)"
