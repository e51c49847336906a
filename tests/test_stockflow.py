"""The stock-and-flow comparator: hand-worked rates, invariants, and the tiny model's episodes."""

import math

import numpy as np
import pandas as pd
import pytest

from sim import stockflow as sf
from sim.io import ssda903 as io903
from sim.metrics import indicators

B = {b: i for i, b in enumerate(sf.AGE_BANDS)}
G = {g: i for i, g in enumerate(sf.GROUPS)}
WINDOW = ("2025-04-01", "2026-03-31")  # 365 days (2026 is not a leap year)


def ep(child, decom, rne, place, dec=None, rec=None):
    return dict(
        CHILD=child,
        DECOM=pd.Timestamp(decom),
        RNE=rne,
        PLACE=place,
        DEC=pd.Timestamp(dec) if dec else pd.NaT,
        REC=rec,
        REASON_PLACE_CHANGE=None,
        LA="A",
    )


@pytest.fixture
def hand():
    """Seven children with exposures and events worked out by hand (window 2025-04-01..)."""
    rows = [
        # 1: age 10 all window; foster until 1 Oct 2025 (183 days in window), then a move to a
        # children's home (182 days).
        ep(1, "2024-01-01", "S", "U4", "2025-10-01", "X1"),
        ep(1, "2025-10-01", "P", "K2"),
        # 2: age 12-13; foster 1 Apr..30 Jun 2025 (91 days), leaves care on 1 Jul 2025.
        ep(2, "2025-01-01", "S", "U6", "2025-07-01", "E4A"),
        # 3: born 1 Feb 2025; starts care 1 Jun 2025: under 1 for 245 days, 1-4 for 59 days.
        ep(3, "2025-06-01", "S", "U4"),
        # 4: 16 on 10 May 2025: 10-15 for 39 days, 16-17 for 326 days; a legal status change
        # (not a move) on 1 Aug, then a new foster placement (a move within foster) on 1 Dec.
        ep(4, "2024-06-01", "S", "U4", "2025-08-01", "X1"),
        ep(4, "2025-08-01", "L", "U4", "2025-12-01", "X1"),
        ep(4, "2025-12-01", "P", "U5"),
        # 5: 18 on 15 Sep 2025 and leaves that day: 167 days at 16-17, a 16-17 exit.
        ep(5, "2023-01-01", "S", "U4", "2025-09-15", "E17"),
        # 6: starts after the window; 7: left before it. Neither counts.
        ep(6, "2026-04-15", "S", "U4"),
        ep(7, "2024-01-01", "S", "U4", "2025-03-01", "E11"),
    ]
    episodes = pd.DataFrame(rows)
    header = pd.DataFrame(
        {
            "CHILD": [1, 2, 3, 4, 5, 6, 7],
            "DOB": pd.to_datetime(
                [
                    "2015-01-01",
                    "2012-06-01",
                    "2025-02-01",
                    "2009-05-10",
                    "2007-09-15",
                    "2015-01-01",
                    "2010-01-01",
                ]
            ),
        }
    )
    return episodes, header


def test_hand_worked_counts_exposures_and_rates(hand):
    m = sf.fit(*hand, *WINDOW)
    assert m.days == 365
    f, h = G["foster"], G["homes_secure"]
    expected_exposure = np.zeros((5, len(sf.GROUPS)))
    expected_exposure[B["10_15"], f] = 183 + 91 + 39
    expected_exposure[B["10_15"], h] = 182
    expected_exposure[B["under_1"], f] = 245
    expected_exposure[B["1_4"], f] = 59
    expected_exposure[B["16_17"], f] = 326 + 167
    np.testing.assert_array_equal(m.exposure, expected_exposure)
    # Counts: one move foster -> home at 10-15; exits at 10-15 and 16-17 (at 18); one move
    # within foster at 16-17 (the L episode is not a move); one entry under 1 into foster.
    assert m.between.sum() == 1 and m.between[B["10_15"], f, h] == 1
    assert m.exits.sum() == 2 and m.exits[B["10_15"], f] == 1 and m.exits[B["16_17"], f] == 1
    assert m.within.sum() == 1 and m.within[B["16_17"], f] == 1
    assert m.entries.sum() == 1 and m.entries[B["under_1"], f] == 1
    assert m.between_rates[B["10_15"], f, h] == pytest.approx(1 / 313)
    assert m.exit_rates[B["10_15"], f] == pytest.approx(1 / 313)
    assert m.exit_rates[B["16_17"], f] == pytest.approx(1 / 493)
    assert m.within_rates[B["16_17"], f] == pytest.approx(1 / 493)
    assert m.entries_per_day[B["under_1"], f] == pytest.approx(1 / 365)
    assert m.exit_rates[B["10_15"], h] == 0.0
    t = m.table()
    row = t[(t["band"] == "10_15") & (t["origin"] == "foster") & (t["destination"] == "out")]
    assert row[["count", "exposure_days"]].iloc[0].tolist() == [1.0, 313.0]


def test_hand_worked_stock(hand):
    st = sf.stock_at(*hand, "2026-03-31")
    assert st.to_numpy().sum() == 3
    assert st.loc["10_15", "homes_secure"] == 1  # child 1, age 11
    assert st.loc["1_4", "foster"] == 1  # child 3, age 1
    assert st.loc["16_17", "foster"] == 1  # child 4, age 16
    # At 31 March 2025: children 1, 2, 4, 5 (child 3 not yet in care, child 7 left).
    assert sf.stock_at(*hand, "2025-03-31").to_numpy().sum() == 4


def fixed_model(exposure=1000.0, between=None, within=None, exits=None, entries=None):
    shape = (5, len(sf.GROUPS))
    return sf.StockFlowModel(
        start=pd.Timestamp(WINDOW[0]),
        end=pd.Timestamp(WINDOW[1]),
        days=365,
        exposure=np.full(shape, exposure),
        between=np.zeros(shape + (len(sf.GROUPS),)) if between is None else between,
        within=np.zeros(shape) if within is None else within,
        exits=np.zeros(shape) if exits is None else exits,
        entries=np.zeros(shape) if entries is None else entries,
    )


def wide(proj, draw=-1):
    p = proj[proj["draw"] == draw]
    return p.pivot(index="year", columns="indicator", values="value")


def spread_stock():
    rng = np.random.default_rng(1)
    return rng.integers(0, 30, size=(5, len(sf.GROUPS))).astype(float)


def test_conservation_without_entries_or_exits():
    # Moves between every pair of groups and within groups, but no entries and no exits.
    between = np.full((5, len(sf.GROUPS), len(sf.GROUPS)), 3.0)
    for g in range(len(sf.GROUPS)):
        between[:, g, g] = 0.0
    m = fixed_model(between=between, within=np.full((5, len(sf.GROUPS)), 2.0))
    stock = spread_stock()
    w = wide(sf.project(m, stock, "2026-03-31", 3))
    np.testing.assert_allclose(w["cla"], stock.sum(), rtol=1e-9)
    place = w[[f"cla_place_{g}" for g in sf.GROUPS]].sum(axis=1)
    np.testing.assert_allclose(place, stock.sum(), rtol=1e-9)
    assert (w["starts"] == 0).all() and (w["ceased"].abs() < 1e-9).all()
    assert (w["placement_changes"] > 0).all()


def test_zero_rates_leave_stock_unchanged():
    stock = spread_stock()
    w = wide(sf.project(fixed_model(), stock, "2026-03-31", 2))
    np.testing.assert_allclose(w["cla"], stock.sum(), rtol=1e-9)
    for g, name in enumerate(sf.GROUPS):  # ageing moves children between bands, not groups
        np.testing.assert_allclose(w[f"cla_place_{name}"], stock[:, g].sum(), atol=1e-9)
    assert (w[["starts", "ceased", "placement_changes"]].abs() < 1e-9).all().all()


def test_exponential_decay():
    r = 2 / 1000  # exits / exposure, per day
    m = fixed_model(exits=np.full((5, len(sf.GROUPS)), 2.0))
    stock = np.zeros((5, len(sf.GROUPS)))
    stock[B["10_15"], G["foster"]] = 100.0
    w = wide(sf.project(m, stock, "2026-03-31", 1))  # 31 Mar 2026 -> 31 Mar 2027: 365 days
    assert w.loc[2027, "cla"] == pytest.approx(100 * math.exp(-365 * r), rel=0.01)
    assert w.loc[2027, "ceased"] == pytest.approx(100 * (1 - math.exp(-365 * r)), rel=0.01)


def test_year_ends_and_draw_labels():
    m = fixed_model(exits=np.full((5, len(sf.GROUPS)), 2.0))
    p = sf.project(m, spread_stock(), "2026-03-31", 3, draws=4, seed=1)
    assert sorted(p["year"].unique()) == [2027, 2028, 2029]
    assert sorted(p["draw"].unique()) == [-1, 0, 1, 2, 3]
    assert set(p.columns) == {"draw", "year", "indicator", "value"}
    names = {"cla", "starts", "ceased", "placement_changes"}
    names |= {f"{k}_{g}" for g in sf.GROUPS for k in ("cla_place", "share_place")}
    assert set(p["indicator"]) == names


@pytest.fixture(scope="module")
def tiny_frames(tiny_model):
    return io903.episodes_frame(tiny_model), io903.header_frame(tiny_model)


def test_exposure_is_the_sum_of_daily_stocks(tiny_frames):
    ep_, hd = tiny_frames
    m = sf.fit(ep_, hd, "2025-10-01", "2025-12-31")
    days = pd.date_range("2025-10-01", "2025-12-31")
    daily = sum(sf.stock_at(ep_, hd, d).to_numpy() for d in days)
    np.testing.assert_array_equal(m.exposure, daily)


def test_fitted_flows_balance_the_stock_by_group(tiny_frames):
    ep_, hd = tiny_frames
    m = sf.fit(ep_, hd, *WINDOW)
    before = sf.stock_at(ep_, hd, "2025-03-31").to_numpy().sum(axis=0)
    after = sf.stock_at(ep_, hd, WINDOW[1]).to_numpy().sum(axis=0)
    moves = m.between.sum(axis=0)  # (from, to) summed over bands
    flow = m.entries.sum(axis=0) - m.exits.sum(axis=0) + moves.sum(axis=0) - moves.sum(axis=1)
    np.testing.assert_array_equal(after - before, flow)


def test_tiny_model_projection_near_model_cla(tiny_frames):
    ep_, hd = tiny_frames
    p = sf.fit_and_project(ep_, hd, *WINDOW, years=1, draws=200, seed=7)
    ind = indicators(ep_, hd, [2027])
    cla = ind[
        (ind["area_type"] == "england") & (ind["indicator"] == "cla") & (ind["year"] == 2027)
    ]["value"].item()
    point = wide(p).loc[2027, "cla"]
    assert abs(point - cla) / cla < 0.15
    draws = p[(p["draw"] >= 0) & (p["indicator"] == "cla")]["value"]
    assert len(draws) == 200
    lo, hi = np.percentile(draws, [5, 95])
    assert lo < hi


def test_draws_reproducible(tiny_frames):
    ep_, hd = tiny_frames
    a = sf.fit_and_project(ep_, hd, *WINDOW, years=2, draws=20, seed=3)
    b = sf.fit_and_project(ep_, hd, *WINDOW, years=2, draws=20, seed=3)
    pd.testing.assert_frame_equal(a, b)
    c = sf.fit_and_project(ep_, hd, *WINDOW, years=2, draws=20, seed=4)
    assert not np.array_equal(a["value"].to_numpy(), c["value"].to_numpy())


def test_zero_unseen_keeps_unobserved_cells_at_zero(hand):
    m = sf.fit(*hand, *WINDOW)
    stock = sf.stock_at(*hand, WINDOW[1])
    p = sf.project(m, stock, WINDOW[1], 1, draws=10, seed=1, zero_unseen=True)
    p = p[p["draw"] >= 0]
    # Only entries under 1 into foster were seen, and nobody is in a group nothing enters.
    assert (p[p["indicator"] == "cla_place_other_residential"]["value"] == 0).all()
    assert (p[p["indicator"] == "starts"]["value"] > 0).all()


def test_short_breaks_are_left_out_of_the_flows():
    """A short break (LS V3) is no exposure; care after it starts, care going on into it ends.

    Hand-worked over 2025-04-01..2025-04-30 (30 days): child 1 is in foster care (C2) from
    1 April, goes into short breaks (V4) on 11 April and leaves on 21 April; child 2 has a
    short break from 1 April and is accommodated (V2) on 16 April. Exposure: child 1's 10
    days and child 2's 15; one exit (child 1 on 11 April, not 21 April) and two entries (child
    1 on 1 April, child 2 on 16 April, not on 1 April).
    """
    day = pd.Timestamp
    episodes = pd.DataFrame(
        {
            "CHILD": [1, 1, 2, 2],
            "DECOM": [day("2025-04-01"), day("2025-04-11"), day("2025-04-01"), day("2025-04-16")],
            "DEC": [day("2025-04-11"), day("2025-04-21"), day("2025-04-16"), pd.NaT],
            "RNE": ["S", "L", "S", "L"],
            "LS": ["C2", "V4", "V3", "V2"],
            "PLACE": ["U4", "U4", "U4", "U4"],
            "REC": ["X1", "E8", "X1", None],
        }
    )
    header = pd.DataFrame({"CHILD": [1, 2], "DOB": pd.to_datetime(["2015-01-01", "2015-01-01"])})
    m = sf.fit(episodes, header, "2025-04-01", "2025-04-30")
    assert m.exposure.sum() == 10 + 15
    assert m.exits.sum() == 1
    assert m.entries.sum() == 2
    assert m.between.sum() == 0 and m.within.sum() == 0
