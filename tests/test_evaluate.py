"""Back-cast and pathfinder evaluation: scoring by hand, paired effects, the scripts end to end."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.calibration import evaluate as ev
from sim.io import embedded
from sim.io.cli import observed_overrides, validate
from sim.io.outputs import read_cached
from sim.metrics import indicators

ROOT = Path(__file__).resolve().parents[1]


def _rows(values, indicator="cla", year=2027, **kw):
    n = len(values)
    return pd.DataFrame(
        {
            "rep": np.arange(n),
            "year": year,
            "area_type": kw.get("area_type", "la"),
            "area": kw.get("area", "X"),
            "indicator": indicator,
            "value": np.asarray(values, float),
        }
    )


def test_score_by_hand():
    obs = pd.concat(
        [
            _rows([100.0]).drop(columns="rep"),
            _rows([3.0], indicator="starts").drop(columns="rep"),
        ]
    )
    methods = {
        "a": pd.concat([_rows([90, 110, 100]), _rows([4, 5, 6], indicator="starts")]),
        "b": _rows([120, 130]),
    }
    s = ev.score(obs, methods, [2027]).set_index(["method", "indicator"])
    a = s.loc[("a", "cla")]
    assert a["mean"] == 100 and a["error"] == 0 and a["covered"] == 1.0
    b = s.loc[("b", "cla")]
    assert b["error"] == 25 and b["rel_error"] == 0.25 and b["covered"] == 0.0
    # Three starts is a count under 5: not shown, so neither error nor coverage is reported.
    st = s.loc[("a", "starts")]
    assert np.isnan(st["observed"]) and np.isnan(st["error"]) and np.isnan(st["covered"])
    summ = ev.summary(ev.score(obs, methods, [2027])).set_index(["method", "indicator"])
    assert summ.loc[("b", "cla"), "mean_abs_pct_error"] == pytest.approx(25.0)
    assert summ.loc[("a", "cla"), "coverage"] == 1.0


def test_paired_effect_by_hand():
    f = _rows([10, 12, 14])
    c = _rows([9, 10, 12])
    e = ev.paired_effect(f, c).iloc[0]
    # d = 1, 2, 2: mean 5/3, sd 0.577, t(0.95, 2 df) = 2.920 -> half-width 0.973.
    assert e["effect"] == pytest.approx(5 / 3)
    assert e["effect_hi"] - e["effect"] == pytest.approx(2.919986 * np.sqrt(1 / 3) / np.sqrt(3))


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    """A synthetic extract of the tiny world's three councils at full size, 2025-2028."""
    out = tmp_path_factory.mktemp("synthetic")
    cmd = [sys.executable, str(ROOT / "experiments" / "make_synthetic_observed.py")]
    args = ["world=tiny", "world.scale=1.0", "years=3", "seed=5", f"out={out}"]
    r = subprocess.run([*cmd, *args], capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0, r.stderr
    return out


def test_backcast_script_scores_both_methods(synthetic, tmp_path):
    out = tmp_path / "bc"
    cmd = [sys.executable, str(ROOT / "experiments" / "backcast.py")]
    args = [f"observed={synthetic}", "start_date=2026-03-31", "reps=2", "draws=50", f"out={out}"]
    r = subprocess.run([*cmd, *args], capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0, r.stderr
    bc = pd.read_csv(out / "backcast.csv")
    assert set(bc["method"]) == {"agent_based", "stock_and_flow"}
    assert set(bc["year"]) == {2027, 2028}
    assert (bc["lo"] <= bc["mean"] + 1e-9).all() and (bc["mean"] <= bc["hi"] + 1e-9).all()
    both = bc.dropna(subset=["observed"])
    np.testing.assert_allclose(both["error"], both["mean"] - both["observed"])
    assert (out / "figures" / "backcast.png").exists()
    assert (out / "backcast_summary.csv").exists()


def test_pathfinder_report_pairs_factual_and_counterfactual(synthetic):
    geo = embedded.england()
    ex = read_cached(str(synthetic), geo)
    extra, start, years = observed_overrides(str(synthetic), ex, ["start_date=2026-03-31"])
    base = ["start_date=2026-03-31", *extra, "years=1"]
    pc = "policy.pooled_commissioning"
    factual = validate(["policy=rcc_pathfinders", *base, f"{pc}.start=2026-04-01"])
    counter = validate(["policy=baseline", *base])
    runs = {"factual": ev.run_reps(factual, 2), "counterfactual": ev.run_reps(counter, 2)}
    obs = indicators(ex.episodes, ex.header, ex.years, geo)
    rep = ev.pathfinder_report(obs, runs, 2027, ex.years)
    assert set(rep["period"]) == {"before", "after"}
    assert set(rep.loc[rep["period"] == "after", "year"]) == {2027, 2028}
    gm = rep[(rep["area_type"] == "rcc") & (rep["area"] == "greater_manchester")]
    assert len(gm) > 0
    # The RCC does not change who enters care: paired replicates have identical starts.
    st = gm[(gm["indicator"] == "starts") & (gm["year"] == 2027)].iloc[0]
    assert st["effect"] == 0.0 and st["effect_lo"] == 0.0
    # Observed values are the extract's own indicators (where not suppressed).
    o = obs[(obs["area_type"] == "rcc") & (obs["indicator"] == "cla")].set_index("year")["value"]
    shown = gm[gm["indicator"] == "cla"].set_index("year")["observed"]
    for y in ex.years:
        assert shown[y] == o[y]


def test_evaluate_script_refuses_bad_arguments(synthetic):
    cmd = [sys.executable, str(ROOT / "experiments" / "evaluate_pathfinder.py")]
    r = subprocess.run(
        [*cmd, f"observed={synthetic}", "rcc=atlantis"], capture_output=True, text=True, cwd=ROOT
    )
    assert r.returncode == 2 and "rcc=atlantis is not allowed" in r.stderr
    assert "Traceback" not in r.stderr
    r = subprocess.run([*cmd, f"observed={synthetic}"], capture_output=True, text=True, cwd=ROOT)
    # The tiny extract holds 3 of Greater Manchester's 10 councils.
    assert r.returncode == 2 and "no episodes up to" in r.stderr
