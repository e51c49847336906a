"""A world at an earlier 31 March: the DfE year tables, the fitted stock mix, entries by year.

The figures checked by hand are DfE's (the 2025 release's national tables, docs/facts.md §1.1):
CLA 80,780 at 31 March 2021; starts 31,100 (5,400 UASC) in 2021-22 and 32,270 (6,950) in
2024-25; the placement groups at 31 March 2021.
"""

import dataclasses
import datetime as dt

import numpy as np
import pytest

from sim.config import ConfigError, RunConfig
from sim.io import embedded
from sim.io.outputs import world_data
from sim.model import PlacementModel
from sim.population import table
from sim.records import HOME, IFA, INHOUSE, SECURE
from sim.world import build, years
from sim.world.children import STOCK_PLAN
from tests.conftest import tiny_config


def test_year_figures_are_dfes():
    assert years.cla(2021) == 80780
    assert years.starts(2022) == (31100, 5400)
    assert years.starts(2025) == (32270, 6950)
    assert years.cla(2030) == years.cla(2025)  # after 2025 the 2025 figures stand
    share = years.start_age_share(2021)
    assert share.sum() == pytest.approx(1.0)
    assert share[0] == pytest.approx(5620 / 28470)  # under 1 on starting, 2020-21


def test_the_year_a_day_falls_in_ends_on_31_march():
    origin = dt.date(2021, 3, 31)
    assert years.year_to_march(origin, 0) == 2021
    assert years.year_to_march(origin, 1) == 2022  # 1 April 2021
    assert years.year_to_march(origin, 365) == 2022  # 31 March 2022
    assert years.year_to_march(origin, 366) == 2023


def test_the_fitted_stock_plan_has_the_years_margins():
    for y in (2021, 2023, 2025):
        mix = years.stock_mix(y, STOCK_PLAN)
        np.testing.assert_allclose(mix.plan.sum(axis=1), 1.0)
        totals = (mix.age_share[:, None] * mix.plan).sum(axis=0)
        shares = years.group_shares(y)
        for (_, cols), target in zip(years.PLACEMENT_GROUPS, shares, strict=False):
            assert totals[list(cols)].sum() == pytest.approx(target, abs=1e-6)
        # by hand: homes 7,440 of the five groups' 78,940 in 2021, less unregistered's share
        if y == 2021:
            five = 6070 + 56990 + 7440 + 6070 + 2490 + 1010 + 120  # with other settings
            assert totals[3] + totals[4] == pytest.approx(7440 / five * (1 - shares[-1]), 1e-6)
    # UASC at 31 March 2021: 4,150, 80% of them 16+ (assumption), of 18,880 aged 16+
    mix = years.stock_mix(2021, STOCK_PLAN)
    assert mix.uasc_band[4] == pytest.approx(0.8 * 4150 / 18880)
    assert mix.uasc_band[3] == pytest.approx(0.2 * 4150 / 31340)


def test_uasc_share_of_children_becomes_a_share_of_arrivals():
    ep = RunConfig().params.entry
    t = build.entry_terms(ep, ep.age_share, 0.215)
    k = (t.mean_size - 1) / (1 - t.arrival_share)  # siblings per non-UASC arrival
    # UASC children over all children: a / (1 + (1 - a) K) gives back the share of children
    assert t.arrival_share / (1 + (1 - t.arrival_share) * k) == pytest.approx(0.215)
    assert t.arrival_share > 0.215  # UASC come alone, others with siblings
    none = build.entry_terms(ep, ep.age_share, 0.0)
    assert none.arrival_share == 0.0


def test_entries_follow_the_years_starts_then_hold():
    cfg = dataclasses.replace(tiny_config(), start_date="2021-03-31", years=1)
    m = PlacementModel(cfg, embedded.england(), world_data(cfg))
    f22, _, y = m.entry_year(1)  # 2021-22
    f26, cum26, _ = m.entry_year(365 * 5 + 10)  # 2026-27: 2024-25's
    assert y == 2022
    np.testing.assert_array_equal(f26, np.ones(4))
    np.testing.assert_array_equal(cum26, m.entry_age_cum[0])
    ep = cfg.params.entry
    base = build.entry_terms(ep, ep.age_share, ep.uasc_share)
    y22 = build.entry_terms(ep, years.start_age_share(2022), 5400 / 31100)
    # Children who are not unaccompanied starting scale with DfE's (31,100 - 5,400 in 2021-22
    # against 2024-25's non-UASC share of 32,270); arrivals are their groups.
    non_25 = 32270 * (1 - ep.uasc_share)
    assert f22[0] * (1 + y22.siblings) / (1 + base.siblings) == pytest.approx(25700 / non_25)
    # Unaccompanied: U = A (1 + f w); the port takes w A, the others (1 - w) A, and f w A are
    # transferred, each year with its own w and f.
    w22, r22 = ep.uasc_port_share[0], ep.nts_referral_share[0]
    w25, r25 = ep.uasc_port_share[-1], ep.nts_referral_share[-1]
    a22 = 5400 / (1 + r22 * w22)
    a25 = 32270 * ep.uasc_share / (1 + r25 * w25)
    assert f22[1] == pytest.approx(w22 * a22 / (w25 * a25))
    assert f22[2] == pytest.approx((1 - w22) * a22 / ((1 - w25) * a25))
    assert f22[3] == pytest.approx(r22 * w22 * a22 / (r25 * w25 * a25))


def test_a_2021_world_has_2021s_children_and_supply():
    geo = embedded.england()
    c21 = dataclasses.replace(tiny_config(), start_date="2021-03-31", years=1)
    c25 = dataclasses.replace(tiny_config(), years=1)
    m21 = PlacementModel(c21, geo, world_data(c21))
    m25 = PlacementModel(c25, geo, world_data(c25))
    las = geo.las
    for m, y in ((m21, 2021), (m25, 2025)):
        want = np.round(years.la_stock(las, y) * m.cfg.world.scale).astype(int) * m.is_sim
        assert len(m.table.rows_in_care()) == want.sum()
    # the rule: 2024's LA counts times England's CLA in 2021 over 2024's
    np.testing.assert_allclose(
        years.la_stock(las, 2021), las["cla_2024"].to_numpy(float) * 80780 / 83530
    )

    def places(m, kinds):
        s = m.supply
        sel = np.isin(s.kind[: s.n], kinds) & s.open[: s.n]
        return int(s.capacity[: s.n][sel].sum())

    # fewer homes in 2021 (2,478 against 3,946 mainstream homes [pub] Ofsted), more carers
    # (37,325 against 33,435 mainstream households [sec] Ofsted)
    # (ratios 0.63 and 1.12; the tiny world's few units draw around them: wide tolerances)
    homes = places(m21, [HOME, SECURE]) / places(m25, [HOME, SECURE])
    foster = places(m21, [INHOUSE, IFA]) / places(m25, [INHOUSE, IFA])
    assert 0.45 < homes < 0.85
    assert 1.0 < foster < 1.35
    kinds = m21.table.I[m21.table.rows_in_care(), table.C_KIND]
    assert (kinds == INHOUSE).sum() > 0


def test_a_synthetic_start_outside_2021_2025_is_refused():
    with pytest.raises(ConfigError, match="31 March 2021 to 2025"):
        RunConfig(start_date="2019-03-31")
    RunConfig(start_date="2021-03-31")  # accepted


def test_the_backcast_command_writes_its_check_against_dfe(tmp_path):
    """``run.py start_date=2021-03-31`` on England: one year, checked against DfE's 2022."""
    import subprocess
    import sys
    from pathlib import Path

    import pandas as pd

    root = Path(__file__).resolve().parents[1]
    out = tmp_path / "run"
    args = [
        "start_date=2021-03-31",
        "years=1",
        "output.ledger=false",
        "output.ssda903=false",
        f"hydra.run.dir={out}",
    ]
    r = subprocess.run(
        [sys.executable, str(root / "experiments" / "run.py"), *args],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert r.returncode == 0, r.stderr[-2000:]
    chk = pd.read_csv(out / "dynamics_check.csv").set_index("indicator")
    assert set(chk["year"]) == {2022}
    assert chk.at["cla", "observed"] == 82090 and chk.at["starts", "observed"] == 31100
    assert (out / "figures" / "backcast_vs_dfe.png").exists()
    assert not (out / "baseline_check.csv").exists()  # that one is the 2025 start's
    assert "CLA at 31 March" in r.stdout
    # a synthetic start outside the tables' years: one line, exit 2, nothing written
    bad = tmp_path / "bad"
    r = subprocess.run(
        [
            sys.executable,
            str(root / "experiments" / "run.py"),
            "start_date=2019-03-31",
            f"hydra.run.dir={bad}",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "31 March 2021 to 2025" in r.stderr and not bad.exists()
