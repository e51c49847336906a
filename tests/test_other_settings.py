"""Settings outside the care market (``sim.engine.other_settings``): by hand and in runs."""

import dataclasses

import numpy as np
import pandas as pd
import pytest

from sim.config import Params, PlacementParams
from sim.engine import other_settings as os_
from sim.engine.state import PLAN_FOSTER_, PLAN_HOME_, PLAN_SA_
from sim.io import ssda903 as io903
from sim.population.table import C_DOB, C_TIER, INT_COLUMNS
from sim.records import DAYS_PER_YEAR, PLACE, PROVIDER, RPC
from sim.world import years
from sim.world.children import STOCK_PLAN

from .conftest import run_tiny

CODES = ("R1", "R2", "R3", "R5", "S1")


def test_the_setting_follows_the_age_band_shares():
    """Cumulative shares by band, picked as every other draw is (bisect right)."""
    # under 1: R2 0.1, R3 0.9 -> u 0.05 is R2, u 0.5 is R3 (a family centre, the council's own)
    assert os_.setting_of(0.3, 0.05) == (PLACE["R2"], PROVIDER["PR3"])
    assert os_.setting_of(0.3, 0.5) == (PLACE["R3"], PROVIDER["PR1"])
    # 16-17: R1 0.25, R2 0.35, R5 0.35, S1 0.05 -> cum 0.25, 0.6, 0.6, 0.95, 1.0
    assert os_.setting_of(17.0, 0.1) == (PLACE["R1"], PROVIDER["PR4"])
    assert os_.setting_of(17.0, 0.7) == (PLACE["R5"], PROVIDER["PR3"])
    assert os_.setting_of(17.0, 0.97) == (PLACE["S1"], PROVIDER["PR4"])
    # no band sends a baby to custody or a school
    for u in np.linspace(0.001, 0.999, 50):
        assert os_.setting_of(0.5, u)[0] in (PLACE["R2"], PLACE["R3"])
    np.testing.assert_allclose(os_.SETTING_SHARE.sum(axis=1), 1.0)


def test_the_plan_after_a_stay_by_age_and_needs():
    ti = np.zeros((1, len(INT_COLUMNS)), np.int64)
    day = 10_000

    def plan(age, tier):
        ti[0, C_DOB] = day - int(age * DAYS_PER_YEAR)
        ti[0, C_TIER] = tier
        return os_.plan_after(ti, 0, day)

    assert plan(16.5, 0) == PLAN_SA_
    assert plan(16.5, 2) == PLAN_SA_
    assert plan(12.0, 1) == PLAN_HOME_
    assert plan(12.0, 0) == PLAN_FOSTER_
    assert plan(8.0, 2) == PLAN_FOSTER_  # under 11: foster care whatever the needs


def test_the_stock_holds_dfe_s_other_settings_or_none():
    """2021: other residential settings 1,010 and residential schools 120 of 80,780 [file]."""
    for other in (True, False):
        mix = years.stock_mix(2021, STOCK_PLAN, other=other)
        totals = (mix.age_share[:, None] * mix.plan).sum(axis=0)
        shares = years.group_shares(2021, other)
        if other:
            five = 6070 + 56990 + 7440 + 6070 + 2490 + 1010 + 120
            assert totals[8] == pytest.approx(1130 / five * (1 - shares[-1]), 1e-6)
        else:
            assert totals[8] == 0.0
            five = 6070 + 56990 + 7440 + 6070 + 2490
        assert totals[3] + totals[4] == pytest.approx(7440 / five * (1 - shares[-1]), 1e-6)


@pytest.fixture(scope="module")
def runs():
    off = Params(placements=dataclasses.replace(PlacementParams(), other_settings=False))
    return {"on": run_tiny(seed=2), "off": run_tiny(seed=2, params=off)}


def test_children_are_in_other_settings_without_a_unit_or_a_payment(runs):
    m = runs["on"]
    f = m.episodes.frame()
    codes = [PLACE[c] for c in CODES]
    mine = f[f["place"].isin(codes)]
    assert len(mine) > 0
    assert (mine["unit"] == -1).all()  # no unit of the supply, so nothing in the ledger
    e = io903.episodes_frame(m)
    assert e["PLACE"].isin(CODES).sum() == len(mine)
    assert not e.loc[e["PLACE"].isin(CODES), "PLACE_PROVIDER"].isna().any()
    off = io903.episodes_frame(runs["off"])
    assert not off["PLACE"].isin(CODES).any()


def test_a_stay_ends_in_a_planned_move_to_a_placement_of_the_market(runs):
    """A stay that ends in care ends with REC X1 and reason CARPL (the end of the plan), and
    the next episode is in a placement the search found, never another such setting."""
    f = runs["on"].episodes.frame().sort_values(["child", "decom"], kind="stable")
    codes = [PLACE[c] for c in CODES]
    nxt = f.groupby("child")["place"].shift(-1)
    moved = f["place"].isin(codes) & nxt.notna() & (f["rpc"] >= 0)
    assert moved.sum() > 0
    assert (f.loc[moved, "rpc"] == RPC["CARPL"]).all()
    assert not nxt[moved].isin(codes).any()


def test_longer_stays_mean_more_children_in_other_settings():
    """Paired seeds: stays four times as long (1,460 against 365 days) leave more children in
    these settings at 31 March 2027 (the tiny world holds 3-6 of about 220)."""
    counts = []
    for seed in (1, 2, 3):
        row = []
        for days in (365.0, 1460.0):
            pl = dataclasses.replace(PlacementParams(), other_setting_mean_days=days)
            m = run_tiny(seed=seed, params=Params(placements=pl))
            e = io903.episodes_frame(m)
            end = pd.Timestamp("2027-03-31")
            live = (e["DECOM"] <= end) & (e["DEC"].isna() | (e["DEC"] > end))
            row.append(int((live & e["PLACE"].isin(CODES)).sum()))
        counts.append(row)
    assert all(b >= a for a, b in counts), counts
    assert sum(b for _, b in counts) > sum(a for a, _ in counts), counts
