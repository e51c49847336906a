"""The tiny world's KPIs match the saved baseline (refresh on purpose with
experiments/refresh_baseline.py)."""

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_tiny_world_matches_saved_baseline():
    sys.path.insert(0, str(ROOT / "experiments"))
    from refresh_baseline import kpis

    saved = json.loads((ROOT / "tests" / "baseline_tiny.json").read_text())
    now = kpis()
    assert set(now) == set(saved)
    for k, v in saved.items():
        assert now[k] == pytest.approx(v, rel=1e-9, abs=1e-6), k
