"""The LA pattern comparison: hand-worked statistics, the shipped half table, refusals."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.calibration.la_pattern import OUTCOMES, by_region, compare, summary
from sim.io import embedded

ROOT = Path(__file__).resolve().parents[1]


def _las():
    return pd.DataFrame(
        {
            "ons_code": ["A", "B", "C", "D"],
            "la_name": ["LA A", "LA B", "LA C", "LA D"],
            "region": ["R1", "R1", "R2", "R2"],
        }
    )


def _indicators():
    """Two replicates of four councils' far-placement shares (0-1)."""
    rows = []
    for rep, shift in ((0, -0.01), (1, 0.01)):
        for code, share in zip("ABCD", (0.10, 0.20, 0.30, 0.60), strict=True):
            rows.append(("la", code, "share_over_20_miles_of_known", share + shift, rep))
        rows.append(("england", "England", "share_over_20_miles_of_known", 0.3, rep))
    ind = pd.DataFrame(rows, columns=["area_type", "area", "indicator", "value", "rep"])
    return ind.assign(year=2026)


def test_compare_and_summary_by_hand():
    observed = pd.DataFrame(
        {
            "ons_code": ["A", "B", "C", "D", "E"],
            "pct_over_20_miles": [12.0, 18.0, 40.0, 30.0, 50.0],  # E: not in the run
            "pct_3plus_placements_year": [np.nan] * 5,
            "pct_long_term_stable": [np.nan] * 5,
        }
    )
    t = compare(_indicators(), observed, _las(), 2026)
    # Replicates averaged (the +-1 point shifts cancel): 10, 20, 30, 60 percent.
    assert t["simulated"].tolist() == pytest.approx([10.0, 20.0, 30.0, 60.0])
    assert t["error"].tolist() == pytest.approx([-2.0, 2.0, -10.0, 30.0])
    s = summary(t).set_index("outcome")
    far = s.loc["pct_over_20_miles"]
    assert far["councils"] == 4
    # Ranks observed 1, 2, 4, 3 against simulated 1, 2, 3, 4: d^2 = 0 + 0 + 1 + 1 = 2,
    # rho = 1 - 6 * 2 / (4 * 15) = 0.8.
    assert far["rho"] == pytest.approx(0.8)
    assert far["mae_points"] == pytest.approx((2 + 2 + 10 + 30) / 4)
    assert far["observed_mean"] == pytest.approx(25.0)
    assert s.loc["pct_long_term_stable", "councils"] == 0  # all suppressed: left out
    r = by_region(t).set_index("region")
    assert r.loc["R1", "mean_error"] == pytest.approx(0.0)
    assert r.loc["R2", "mean_error"] == pytest.approx(10.0)


def test_the_shipped_half_is_half_of_englands_councils_and_never_the_other_half():
    half = embedded.la_outcomes_half()
    las = embedded.england().las
    assert len(half) == 76 and half["ons_code"].is_unique
    assert set(half["ons_code"]) <= set(las["ons_code"])
    assert set(OUTCOMES) <= set(half.columns)
    values = half[list(OUTCOMES)].to_numpy(float)
    ok = ~np.isnan(values)
    assert ((values[ok] >= 0) & (values[ok] <= 100)).all()


@pytest.mark.parametrize(
    "args, words",
    [
        (["run=/nonexistent/run"], "no indicators.csv there"),
        (["world=tiny"], "England's first year"),
        (["reps=two"], "expected a whole number"),
    ],
)
def test_mistakes_are_one_line_and_exit_2(tmp_path, args, words):
    r = subprocess.run(
        [sys.executable, str(ROOT / "experiments" / "la_pattern.py"), *args, f"out={tmp_path}/o"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert r.returncode == 2, r.stderr
    assert words in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "o").exists()


def test_a_run_folder_is_compared_and_written(tmp_path):
    half = embedded.la_outcomes_half().dropna()
    codes = half["ons_code"].head(5).tolist()
    rows = [
        ("la", c, ind, 0.1 * (i + 1), 2026)
        for i, c in enumerate(codes)
        for ind in OUTCOMES.values()
    ]
    run = tmp_path / "run"
    run.mkdir()
    pd.DataFrame(rows, columns=["area_type", "area", "indicator", "value", "year"]).to_csv(
        run / "indicators.csv", index=False
    )
    out = tmp_path / "out"
    r = subprocess.run(
        [sys.executable, str(ROOT / "experiments" / "la_pattern.py"), f"run={run}", f"out={out}"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert r.returncode == 0, r.stderr
    s = pd.read_csv(out / "la_pattern_summary.csv")
    assert s["councils"].tolist() == [5, 5, 5]
    assert (out / "figures" / "la_pattern.png").stat().st_size > 10_000
    t = pd.read_csv(out / "la_pattern.csv")
    assert sorted(set(t["ons_code"])) == sorted(codes)


def test_out_of_region_sums_the_regions_councils_by_hand():
    from sim.calibration.la_pattern import OUT_OF_REGION_2024, out_of_region

    las = pd.DataFrame(
        {
            "ons_code": ["A", "B", "C", "D"],
            "la_name": ["LA A", "LA B", "LA C", "LA D"],
            "region": ["Inner London", "Outer London", "North West", "North West"],
        }
    )
    rows = []
    # London: (10 + 30) of (100 + 100) placed outside; North West: 5 of (50 + 50), two reps
    for rep, extra in ((0, 0.0), (1, 2.0)):
        for code, out, cla in (("A", 10, 100), ("B", 30, 100), ("C", 5 + extra, 50), ("D", 0, 50)):
            rows.append(("la", code, "placed_outside_region", out, rep))
            rows.append(("la", code, "cla", cla, rep))
    ind = pd.DataFrame(rows, columns=["area_type", "area", "indicator", "value", "rep"])
    t = out_of_region(ind.assign(year=2026), las, 2026).set_index("region")
    assert list(t.index) == ["London", "North West"]  # the regions with councils
    assert t.at["London", "simulated"] == pytest.approx(100 * 40 / 200)
    assert t.at["North West", "simulated"] == pytest.approx(100 * 6 / 100)  # mean of 5 and 7
    assert t.at["London", "observed"] == OUT_OF_REGION_2024["London"] == 23.0
    assert t.at["London", "error"] == pytest.approx(20.0 - 23.0)
