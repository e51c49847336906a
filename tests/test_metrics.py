"""Indicators on a small hand-written episode table with hand-worked answers."""

import pandas as pd
import pytest

from sim.geography import Geography
from sim.metrics import headline, indicators


def small_geo() -> Geography:
    las = pd.DataFrame(
        {
            "ons_code": ["A", "B"],
            "la_name": ["LA A", "LA B"],
            "region": ["R1", "R1"],
            "lat": [51.0, 52.0],
            "lon": [0.0, 0.0],
            "pop_0_17": [1, 1],
            "cla_2025": [1, 1],
            "rcc_pathfinder": ["", ""],
        }
    )
    # A1 and A2 are 5.6 km apart; B1 is ~111 km (69 miles) from A1.
    d = pd.DataFrame(
        {
            "ons_code": ["A", "A", "B"],
            "district": ["A1", "A2", "B1"],
            "lat": [51.0, 51.05, 52.0],
            "lon": [0.0, 0.0, 0.0],
            "weight": [10, 10, 10],
            "la": [0, 0, 1],
        }
    )
    return Geography(las=las, districts=d)


def ep(child, decom, rne, place, dec=None, rec=None, rpc=None, home="A1", pl="A1", la="A"):
    return dict(
        CHILD=child,
        DECOM=pd.Timestamp(decom),
        RNE=rne,
        LS="C2",
        CIN="N1",
        PLACE=place,
        PLACE_PROVIDER="PR1",
        DEC=pd.Timestamp(dec) if dec else pd.NaT,
        REC=rec,
        REASON_PLACE_CHANGE=rpc,
        HOME_POST=home,
        PL_POST=pl,
        URN="X",
        LA=la,
    )


@pytest.fixture
def table():
    rows = [
        # Child 1: in care since 2022, same placement since then: stable; one placement.
        ep(1, "2022-06-01", "S", "U4"),
        # Child 2: starts in year, two moves (CREQB, CARPL): 3 placements; placed 111 km away
        # in LA B at 31 March.
        ep(2, "2025-05-01", "S", "U6", "2025-06-01", "X1", "CREQB"),
        ep(2, "2025-06-01", "P", "K2", "2025-09-01", "X1", "CARPL"),
        ep(2, "2025-09-01", "P", "K2", pl="B1"),
        # Child 3: in care from 2020, leaves home in the year (E4A): ceased, not CLA.
        ep(3, "2020-01-01", "S", "U4", "2025-12-01", "E4A"),
        # Child 4: legal status change only (RNE L) in the year: still one placement; in care
        # 2.5+ years but placed in 2024: not stable; placed 5.6 km away (A2), inside LA.
        ep(4, "2021-01-01", "S", "U6", "2024-06-10", "X1", "CARPL"),
        ep(4, "2024-06-10", "P", "U4", "2025-10-01", "X1", None, pl="A2"),
        ep(4, "2025-10-01", "L", "U4", pl="A2"),
    ]
    header = pd.DataFrame(
        {
            "CHILD": [1, 2, 3, 4],
            "DOB": pd.to_datetime(["2012-01-01", "2010-01-01", "2015-01-01", "2013-01-01"]),
        }
    )
    return pd.DataFrame(rows), header


def test_hand_worked_indicators(table):
    episodes, header = table
    ind = indicators(episodes, header, [2026], small_geo())
    h = headline(ind, 2026)
    assert h["cla"] == 3  # children 1, 2, 4
    assert h["starts"] == 1  # child 2
    assert h["ceased"] == 1  # child 3
    # Child 2 changes twice; child 4 changed in 2024 (outside the year) and its 2025 episode
    # end is a legal-status change (X1 without a reason), not a placement change.
    assert h["placement_changes"] == 2
    assert h["changes_CREQB"] == 1 and h["changes_CARPL"] == 1
    assert h["changes_unplanned"] == 1
    assert h["cla_3plus_placements"] == 1  # child 2 only (child 4's L episode is no move)
    assert h["share_3plus_placements"] == pytest.approx(1 / 3)
    # Long-term stability: children 1 and 4 are under 16 and in care 2.5+ years; only
    # child 1 has been in the same placement 2+ years.
    assert h["long_term_stability_eligible"] == 2
    assert h["long_term_stability"] == pytest.approx(0.5)
    assert h["placed_over_20_miles"] == 1  # child 2 (111 km)
    assert h["share_over_20_miles_of_known"] == pytest.approx(1 / 3)
    assert h["share_outside_la"] == pytest.approx(1 / 3)
    assert h["cla_place_foster"] == 2 and h["cla_place_homes_secure"] == 1
    assert h["new_placements"] == 3  # child 2's S, P, P; child 4's L is not a placement


def test_unknown_home_postcode_is_unknown_distance(table):
    episodes, header = table
    episodes.loc[episodes["CHILD"] == 2, "HOME_POST"] = None
    h = headline(indicators(episodes, header, [2026], small_geo()), 2026)
    assert h["distance_known"] == 2
    assert h["share_over_20_miles_of_known"] == 0.0
    assert h["share_outside_la"] == pytest.approx(1 / 3)  # location still known


def test_summary_over_replicates_by_hand():
    """Mean, 5th and 95th percentiles (linear), replicates counted; NaN values left out."""
    import numpy as np

    from sim.io.outputs import summarise

    key = {"year": 2026, "area_type": "la", "area": "E1"}
    rows = [
        *({**key, "indicator": "cla", "value": v, "rep": r} for r, v in enumerate([1, 2, 3, 4])),
        *({**key, "indicator": "x", "value": v, "rep": r} for r, v in enumerate([10, np.nan, 30])),
        {**key, "indicator": "y", "value": np.nan, "rep": 0},
        *({**key, "indicator": "z", "value": v, "rep": r} for r, v in enumerate([5, 7])),
    ]
    out = summarise(pd.DataFrame(rows)).set_index("indicator")
    # cla: 1 + 0.05 * 3 and 1 + 0.95 * 3; x: 10 + 0.05 * 20 and 10 + 0.95 * 20 (NaN left out).
    assert out.loc["cla", ["mean", "p05", "p95", "reps"]].tolist() == pytest.approx(
        [2.5, 1.15, 3.85, 4]
    )
    assert out.loc["x", ["mean", "p05", "p95", "reps"]].tolist() == pytest.approx(
        [20.0, 11.0, 29.0, 2]
    )
    assert np.isnan(out.loc["y", "p05"]) and out.loc["y", "reps"] == 0
    assert out.loc["z", ["p05", "p95"]].tolist() == pytest.approx([5.1, 6.9])
    assert list(out.columns) == ["year", "area_type", "area", "mean", "p05", "p95", "reps"]


def test_area_sums_are_compensated_leave_out_uncoded_rows_and_match_pandas():
    """Sums by area code: Kahan-compensated (1 + ten 1e-16s is not 1), rows coded -1 left out,
    codes with no row not reported, and as pandas' groupby gives them on random tables."""
    import math

    import numpy as np
    import pandas as pd

    from sim.metrics import _frame, _sums_by_code

    index = pd.RangeIndex(12)
    tiny = pd.Series([1.0] + [1e-16] * 10 + [5.0], index=index)
    frame, block = _frame({"x": tiny}, index)
    at, vals = _sums_by_code(frame, block, np.array([0] * 11 + [3]), 4)  # codes 1, 2: no rows
    assert at.tolist() == [0, 3]
    assert vals[0, 0] == math.fsum([1.0] + [1e-16] * 10) != 1.0
    assert vals[1, 0] == 5.0
    rng = np.random.default_rng(4)
    n = 5000
    index = pd.RangeIndex(n)
    cols = {
        "a": pd.Series(rng.lognormal(8, 2, n), index=index),
        "b": pd.Series(rng.random(n), index=index)[rng.random(n) < 0.6],  # a subset of rows
    }
    codes = rng.integers(-1, 9, n)  # -1: no area of this type
    frame, block = _frame(cols, index)
    assert block is not None
    ref = pd.DataFrame(cols).fillna(0.0).groupby(codes).sum()
    ref = ref[ref.index >= 0]
    at, vals = _sums_by_code(frame, block, codes, 9)
    assert at.tolist() == ref.index.tolist()
    np.testing.assert_allclose(vals, ref.to_numpy(), rtol=1e-13)


def test_short_breaks_are_left_out_as_dfe_leaves_them_out(table):
    """Children in a series of short breaks (LS V3/V4) are not counted, by DfE's definition.

    Hand-worked, year to 31 March 2026, added to the fixture's children 1-4 (CLA 3, starts 1,
    ceased 1):
    - child 5 has only short breaks, one open at 31 March: not CLA, no start, no end;
    - child 6 has short breaks, then is accommodated (V3 -> V2) on 1 Aug 2025 without a gap:
      a start on 1 Aug 2025 in the published sense, CLA at 31 March, one placement;
    - child 7 is looked after (C2) and goes on into short breaks (C2 -> V4) on 1 Dec 2025:
      ceases on 1 Dec 2025 in the published sense; not CLA at 31 March.
    """
    episodes, header = table
    extra = [
        ep(5, "2025-04-10", "S", "U4", "2025-04-12", "E8"),
        ep(5, "2026-03-30", "S", "U4"),
        ep(6, "2025-05-01", "S", "U4", "2025-08-01", "X1"),
        ep(6, "2025-08-01", "L", "U4"),
        ep(7, "2023-01-01", "S", "U4", "2025-12-01", "X1"),
        ep(7, "2025-12-01", "L", "U4", "2025-12-03", "E8"),
    ]
    extra = pd.DataFrame(extra)
    extra["LS"] = ["V3", "V3", "V3", "V2", "C2", "V4"]
    episodes = pd.concat([episodes, extra], ignore_index=True)
    dob = pd.to_datetime(["2012-05-01", "2011-05-01", "2014-05-01"])
    header = pd.concat([header, pd.DataFrame({"CHILD": [5, 6, 7], "DOB": dob})])
    h = headline(indicators(episodes, header, [2026], small_geo()), 2026)
    assert h["cla"] == 3 + 1  # child 6
    assert h["starts"] == 1 + 1  # child 6, on the day its V2 episode begins
    assert h["ceased"] == 1 + 1  # child 7, the day its short breaks begin
    assert h["ceased_E11"] == 0  # child 7's end is no adoption (nor any reason code)
    # Child 6's one placement in the year is its V2 episode's (the L episode is no move).
    assert h["cla_3plus_placements"] == 1
    assert h["share_3plus_placements"] == pytest.approx(1 / 4)


@pytest.mark.parametrize(
    ("regions", "outside"),
    [
        (["R1", "R1"], 0.0),  # LA B in the same region: no child outside it
        (["R1", "R2"], 1 / 3),  # child 2, placed in LA B, is outside its region
        (["Inner London", "Outer London"], 0.0),  # London is one region
    ],
)
def test_placed_outside_the_region_by_hand(table, regions, outside):
    episodes, header = table
    geo = small_geo()
    geo.las["region"] = regions
    h = headline(indicators(episodes, header, [2026], geo), 2026)
    assert h["share_outside_region"] == pytest.approx(outside)
    assert h["placed_outside_region"] == pytest.approx(3 * outside)
