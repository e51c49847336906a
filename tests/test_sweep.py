"""Sweeps on every executor, and SALib's sensitivity indices through the project's code path."""

from __future__ import annotations

import dataclasses
import hashlib
import os
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim import executors
from sim.config import ConfigError, set_values
from sim.io.sweep import Job, read, sweep
from sim.sensitivity import analysis as sa
from tests.conftest import tiny_config


def ishigami(X: np.ndarray, a: float = 7.0, b: float = 0.1) -> np.ndarray:
    """Ishigami and Homma (1990): indices known in closed form."""
    x1, x2, x3 = X[:, 0], X[:, 1], X[:, 2]
    return np.sin(x1) + a * np.sin(x2) ** 2 + b * x3**4 * np.sin(x1)


PI = float(np.pi)
ISHIGAMI = [sa.Factor(f"x{i}", -PI, PI) for i in (1, 2, 3)]


def test_sobol_indices_of_ishigami_match_the_closed_form():
    """a=7, b=0.1: S1 = 0.314, 0.442, 0; ST = 0.558, 0.442, 0.244 (Saltelli et al. 2008,
    Global Sensitivity Analysis: The Primer, p. 179). Tolerance 0.05 with 2^12 base rows, and
    each true value inside or within 0.02 of its 90% interval."""
    X = sa.sobol_design(ISHIGAMI, 4096, seed=1)
    table = sa.sobol_indices(ISHIGAMI, ishigami(X), "y", seed=1).set_index(["index", "factor"])
    truth = {"S1": (0.3139, 0.4424, 0.0), "ST": (0.5576, 0.4424, 0.2437)}
    for index, values in truth.items():
        for f, v in zip(ISHIGAMI, values, strict=True):
            row = table.loc[(index, f.key)]
            assert row["value"] == pytest.approx(v, abs=0.05), (index, f.key)
            assert row["lower"] - 0.02 <= v <= row["upper"] + 0.02, (index, f.key)


def test_morris_screening_of_ishigami_matches_the_hand_worked_effects():
    """Four levels on [-pi, pi] are -pi, -pi/3, pi/3, pi and a step is 2/3 of the range, so:
    every x2 step changes 7 sin^2(x2) by 7 x 0.75, mu*(x2) = 7.875 exactly; an x1 step changes
    sin(x1) by 0.866, times 1 + 0.1 x3^4 (x3^4 is 97.4 or 1.2 with equal chance): mu*(x1) =
    0.866 x 1.5 x 5.93 = 7.70; an x3 step changes x3^4 by 96.2, times 0.1 |sin(x1)| (0 or 0.866):
    mu*(x3) = 6.25, with mu(x3) near 0 (the sign of sin(x1)) and sigma(x3) large."""
    X = sa.morris_design(ISHIGAMI, 400, seed=2)
    table = sa.morris_indices(ISHIGAMI, X, ishigami(X), "y", seed=2, resamples=200)
    m = table.set_index(["index", "factor"])["value"]
    assert m["mu_star", "x2"] == pytest.approx(7.875, rel=1e-9)
    assert m["mu_star", "x1"] == pytest.approx(7.70, rel=0.1)
    assert m["mu_star", "x3"] == pytest.approx(6.25, rel=0.15)
    assert m["sigma", "x3"] > 5 * abs(m["mu", "x3"])
    assert (table["lower"] <= table["value"] + 1e-9).all()
    assert (table["value"] <= table["upper"] + 1e-9).all()
    # The screen keeps the factors whose mu* is at least a tenth of the largest, top 2.
    assert set(sa.screened(table, top=2)) == {"x1", "x2"}


def test_a_factor_that_cannot_act_has_no_effect_and_one_that_can_moves_cla():
    """On the tiny world: the entry rate (x0.5 to x1.5) moves children looked after; a lever's
    strength with the lever off cannot act, so its elementary effects are exactly zero."""
    base = tiny_config(years=1, reps=1)
    factors = [
        sa.Factor("params.entry.rate_multiplier", 0.5, 1.5),
        sa.Factor("policy.prevention.entry_reduction*", 0.5, 1.5),
    ]
    sa.check(factors, base)
    X = sa.morris_design(factors, 2, seed=0)
    jobs = sa.jobs_for(X, factors, ["baseline"], sa.groups("morris", 2, len(X)))
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        res = sweep({"baseline": base}, jobs, Path(d), "serial")
        assert res.failed == {}
        resp = sa.responses(read(Path(d)), jobs, ["spend_total_gbp"])
    y = sa.effect_matrix(resp, "spend_total_gbp", None)
    table = sa.morris_indices(factors, X, y, "spend_total_gbp", resamples=50)
    m = table.set_index(["index", "factor"])["value"]
    assert m["mu_star", "params.entry.rate_multiplier"] > 0
    assert m["mu", "params.entry.rate_multiplier"] > 0  # more entries, more spend
    assert m["mu_star", "policy.prevention.entry_reduction*"] == 0.0


def test_a_factor_out_of_its_bounds_is_refused_in_one_line():
    base = tiny_config(years=1)
    with pytest.raises(ConfigError, match="rate_multiplier at -1.0"):
        sa.check([sa.Factor("params.entry.rate_multiplier", -1.0, 1.0)], base)
    with pytest.raises(ConfigError, match="r.yaml: params.x: expected"):
        sa.factors_from_yaml("params.x: [2, 1]\n", "r.yaml")
    with pytest.raises(ConfigError, match="unknown key"):
        set_values(base, (("params.no_such.key", 1.0),))


def test_default_factors_are_the_assumptions_and_the_scenarios_levers():
    from sim.io.cli import validate

    plain = sa.default_factors(None)
    assert not any(f.key.startswith("policy.") for f in plain)
    assert all(f.key.endswith("*") and f.lower < 1 < f.upper for f in plain)
    cfg = validate(["policy=rcc_pathfinders"])
    rcc = sa.default_factors(cfg.policy, cfg)
    added = {f.key for f in rcc} - {f.key for f in plain}
    assert {
        "policy.pooled_commissioning.negotiated_discount*",
        "policy.pooled_commissioning.scarcity_markup_factor*",
        "policy.pooled_commissioning.block_share*",
    } <= added
    assert all(k.startswith("policy.pooled_commissioning.") for k in added)
    sa.check(rcc, cfg)  # every range within the schemas' bounds
    cap = validate(["policy=profit_cap"])
    share = next(
        f for f in sa.default_factors(cap.policy, cap) if f.key.endswith("supply_response*")
    )
    assert share.upper == 1.0  # a share of 1 cannot be multiplied up: narrowed to the bound
    assert all(f.label and "_" not in f.label for f in rcc)


def _boom(x: int) -> int:
    """A job that kills its worker (x == 3), one that fails (x == 5), the rest square."""
    if x == 3:
        os._exit(1)
    if x == 5:
        raise ValueError("bad parameter set: x=5")
    time.sleep(0.02)
    return x * x


@pytest.mark.parametrize("executor", ["joblib", "dask"])
def test_a_killed_worker_and_a_failed_job_leave_the_rest_done(executor):
    import dask
    import distributed  # noqa: F401 (its defaults load before the override, not inside it)

    # Dask gives a job up once its worker has died this many more times (default 3).
    with dask.config.set({"distributed.scheduler.allowed-failures": 0}):
        got = dict(executors.run(_boom, list(range(8)), executor, workers=2))
    assert sorted(got) == list(range(8))
    assert isinstance(got[3], executors.Failure) and "died" in got[3].error
    assert got[5] == executors.Failure("ValueError: bad parameter set: x=5")
    assert {i: got[i] for i in (0, 1, 2, 4, 6, 7)} == {i: i * i for i in (0, 1, 2, 4, 6, 7)}


def _hashes(out: Path) -> dict[str, str]:
    files = sorted((out / "indicators").rglob("*.parquet"))
    return {
        p.relative_to(out).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() for p in files
    }


def test_a_sweep_is_byte_identical_on_every_executor_reports_failures_and_resumes(tmp_path):
    """Three jobs (two replicates, a range of entry rates) and one bad parameter set, on this
    process, joblib's two worker processes and a real local Dask cluster of two: the same
    bytes, the bad set reported with its values, and a second run skips the jobs done."""
    base = tiny_config(years=1)
    jobs = [
        Job(i, "baseline", i % 2, (("params.entry.rate_multiplier", 0.7 + 0.3 * i),))
        for i in range(3)
    ]
    jobs.append(Job(3, "baseline", 0, (("params.entry.rate_multiplier", -1.0),)))
    hashes = {}
    for executor, workers in (("serial", 1), ("joblib", 2), ("dask", 2)):
        out = tmp_path / executor
        res = sweep({"baseline": base}, jobs, out, executor, workers)
        assert res.ran == 4 and list(res.failed) == [3], executor
        hashes[executor] = _hashes(out)
        failures = pd.read_csv(out / "failures.csv")
        assert failures["params.entry.rate_multiplier"].tolist() == [-1.0]
        assert "out of range" in failures["error"].item()
    assert hashes["serial"] == hashes["joblib"] == hashes["dask"]
    assert len(hashes["serial"]) == 3
    ind = read(tmp_path / "serial")  # the one-line read
    assert sorted(ind["job"].unique()) == [0, 1, 2]
    # More entries, more children: the sweep's values reached the runs.
    cla = ind[(ind["indicator"] == "cla") & (ind["area_type"] == "england")]
    by_job = cla.groupby("job")["value"].sum()
    assert by_job[2] > by_job[0]
    again = sweep({"baseline": base}, jobs, tmp_path / "serial", "serial")
    assert (again.ran, again.skipped) == (1, 3)  # only the failed job is tried again
    with pytest.raises(ConfigError, match="holds a different sweep"):
        sweep({"baseline": base}, jobs[:2], tmp_path / "serial", "serial")


def test_a_sweep_folder_made_by_other_code_or_config_is_not_resumed(tmp_path, monkeypatch):
    """Resuming skips jobs whose results are already written, so it must refuse results made
    with another base config (a default changed since) or by other code: those would be
    wrong numbers read as this sweep's."""
    from sim.io import sweep as sw

    base = tiny_config(years=1)
    jobs = [Job(0, "baseline", 0, ())]
    out = tmp_path / "s"
    assert sweep({"baseline": base}, jobs, out, "serial").ran == 1
    assert sweep({"baseline": base}, jobs, out, "serial").skipped == 1  # same: resumed
    other = dataclasses.replace(base, seed=base.seed + 1)
    with pytest.raises(ConfigError, match="another config for scenario 'baseline'"):
        sweep({"baseline": other}, jobs, out, "serial")
    monkeypatch.setattr(sw, "code_hash", lambda: "0" * 64)
    with pytest.raises(ConfigError, match="made by other code"):
        sweep({"baseline": base}, jobs, out, "serial")
    monkeypatch.undo()
    (out / "identity.json").unlink()  # a folder from before the check existed
    with pytest.raises(ConfigError, match="cannot be checked"):
        sweep({"baseline": base}, jobs, out, "serial")
    # The code hash follows every source file's content.
    before = sw.code_hash()
    extra = Path(sw.__file__).resolve().parents[1] / "data" / "zz_test_extra.txt"
    try:
        extra.write_text("x")
        assert sw.code_hash() != before
    finally:
        extra.unlink()
    assert sw.code_hash() == before


def _square_or_fail(x: int) -> int:
    if x == 2:
        raise ValueError("x=2 is refused")
    return x * x


def test_ordered_keeps_the_jobs_order_and_stops_on_a_failure():
    """The comparison, back-cast and calibration need every run: results come back in the jobs'
    order whatever finishes first, and a failed job stops the whole with its message."""
    assert executors.ordered(_square_or_fail, [3, 1, 0], "joblib", workers=2) == [9, 1, 0]
    with pytest.raises(executors.JobFailed, match="job 1 failed: ValueError: x=2 is refused"):
        executors.ordered(_square_or_fail, [1, 2, 3], "joblib", workers=2)
    with pytest.raises(ValueError, match="x=2"):  # in this process, the exception itself
        executors.ordered(_square_or_fail, [1, 2], "serial")


@pytest.mark.parametrize(
    ("script", "args", "message"),
    [
        ("sensitivity.py", ["outputs=nope"], "outputs: 'nope' is not an outcome"),
        ("sensitivity.py", ["sobol_n=3"], "sobol_n=3: expected a power of 2"),
        ("sensitivity.py", ["executor=spark"], "executor=spark: expected one of"),
        ("sweep.py", ["world=tiny,england"], "a sweep varies numeric params.* or policy.*"),
        ("sweep.py", ["params.entry.rate_multiplier=0.5,-1"], "rate_multiplier=-1"),
        ("calibrate.py", ["method=history", "waves=0"], "waves=0: expected a whole number"),
    ],
)
def test_bad_input_stops_with_one_line_and_exit_2(script, args, message, tmp_path):
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[1]
    r = subprocess.run(
        [sys.executable, str(root / "experiments" / script), *args, f"out={tmp_path}/o"],
        capture_output=True,
        text=True,
    )
    assert r.returncode == 2, r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], r.stderr
    assert not (tmp_path / "o").exists() or not any((tmp_path / "o").iterdir())


def test_a_sweep_folder_written_by_another_live_process_is_refused(tmp_path):
    import subprocess
    import sys

    base = tiny_config(years=1)
    jobs = [Job(0, "baseline", 0)]
    holder = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        (tmp_path / ".lock").write_text(str(holder.pid))
        with pytest.raises(ConfigError, match=f"another process \\({holder.pid}\\) is writing"):
            sweep({"baseline": base}, jobs, tmp_path, "serial")
    finally:
        holder.kill()
        holder.wait()
    # A lock left by a process that has gone is taken over, and released at the end.
    res = sweep({"baseline": base}, jobs, tmp_path, "serial")
    assert res.ran == 1 and not (tmp_path / ".lock").exists()
