"""Observed SSDA903: a hand-worked extract, malformed inputs, disclosure control, round trip."""

import csv
import datetime as dt
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.io import embedded
from sim.io import ssda903 as io903
from sim.io.observed import suppress
from sim.io.read903 import ObservedDataError, district, read_extract
from sim.io.read903_files import UNNAMED_LA
from sim.metrics import indicators

HAND = Path(__file__).parent / "data" / "observed_hand"
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def geo():
    return embedded.england()


@pytest.fixture(scope="module")
def hand(geo):
    ex = read_extract(HAND, geo)
    ind = indicators(ex.episodes, ex.header, ex.years, geo)
    e = ind[ind["area_type"] == "england"]
    rows = zip(e["year"], e["indicator"], e["value"], strict=True)
    return ex, {(int(y), i): v for y, i, v in rows}


def test_hand_extract_cleaning(hand):
    """Two returns of one LA: 14 rows -> 9 episodes, by rules worked by hand."""
    ex, _ = hand
    assert ex.years == [2023, 2024]
    assert ex.start == pd.Timestamp(2022, 4, 1) and ex.end == pd.Timestamp(2024, 3, 31)
    c = ex.cleaning
    # D's second episode is listed twice in the 2024 file.
    assert c["duplicate_rows_dropped"] == 1
    # A's third, B's first and D's first episode are in both returns; 2024 knows their end.
    assert c["episodes_repeated_in_later_returns"] == 3
    # E's second episode changes nothing (same LS, PLACE, provider, postcode, URN).
    assert c["redundant_episodes_merged"] == 1
    assert c["episodes"] == 9
    a = ex.episodes[ex.episodes["CHILD"] == "E08000003|A"]
    assert a["REC"].iloc[-1] == "E4A" and a["DEC"].iloc[-1] == pd.Timestamp(2023, 10, 10)
    e = ex.episodes[ex.episodes["CHILD"] == "E08000003|E"]
    assert len(e) == 1 and pd.isna(e["DEC"].iloc[0])
    # The folder name 'Manchester' gives the LA; full postcodes are cut to districts.
    assert set(ex.episodes["LA"]) == {"E08000003"}
    assert set(ex.episodes["PL_POST"]) <= {"M14", "BL9", "WA14", "LS1", "ME14"}
    # C is in the UASC table; 1/2 sex codes of the 2023 return read as M/F.
    h = ex.header.set_index("CHILD")
    assert h.loc["E08000003|C", "UASC"] and h["UASC"].sum() == 1
    assert set(h["SEX"]) == {"M", "F"}


def test_hand_extract_indicators(hand):
    """Every headline indicator of the hand extract equals its hand-worked value."""
    _, v = hand
    # 31 March 2023: A (U4), B (U4), D (U6) looked after.
    assert v[(2023, "cla")] == 3
    assert v[(2023, "share_place_foster")] == 1.0
    assert v[(2023, "starts")] == 2  # A and D
    assert v[(2023, "placement_changes")] == 2  # A: CREQB, CARPL
    assert v[(2023, "changes_unplanned")] == 1  # CREQB
    assert v[(2023, "cla_3plus_placements")] == 1  # A: U6, K2, U4 in the year
    assert v[(2023, "share_3plus_placements")] == pytest.approx(1 / 3)
    # B: under 16, in care since 2019, same placement since 2019.
    assert v[(2023, "long_term_stability_eligible")] == 1
    assert v[(2023, "long_term_stability")] == 1.0
    # A in M14 (0 km), B in WA14 (Trafford, ~11 km), D in LS1 (Leeds, ~59 km).
    assert v[(2023, "share_over_20_miles_of_known")] == pytest.approx(1 / 3)
    assert v[(2023, "share_outside_la")] == pytest.approx(2 / 3)
    # 31 March 2024: B, C (H5), D, E; A returned home on 10/10/2023.
    assert v[(2024, "cla")] == 4
    assert v[(2024, "cla_place_foster")] == 3
    assert v[(2024, "cla_place_supported_independent")] == 1
    assert v[(2024, "starts")] == 2  # C and E
    assert v[(2024, "ceased")] == 1  # A
    # D's move (CREQO); B's change of legal status and E's redundant episode are not moves.
    assert v[(2024, "placement_changes")] == 1
    assert v[(2024, "cla_3plus_placements")] == 0
    # C has no home postcode: 3 known distances, none over 20 miles; B and C outside.
    assert v[(2024, "distance_known")] == 3
    assert v[(2024, "share_over_20_miles_of_known")] == 0.0
    assert v[(2024, "share_outside_la")] == pytest.approx(0.5)


def test_suppression_blanks_small_counts_and_ratios():
    ind = pd.DataFrame(
        {
            "year": 2024,
            "area_type": "la",
            "area": ["X"] * 5 + ["Y"] * 3,
            "indicator": ["cla", "starts", "ceased", "share_3plus_placements", "placed_outside_la"]
            + ["cla", "share_3plus_placements", "long_term_stability"],
            "value": [40.0, 3.0, 0.0, 0.25, 7.0, 4.0, 0.25, 1.0],
        }
    )
    s = suppress(ind).set_index(["area", "indicator"])
    assert not s.loc[("X", "cla"), "suppressed"]
    assert s.loc[("X", "starts"), "suppressed"] and np.isnan(s.loc[("X", "starts"), "value"])
    assert not s.loc[("X", "ceased"), "suppressed"]  # a true zero is not disclosive
    assert not s.loc[("X", "share_3plus_placements"), "suppressed"]  # 10 of 40
    assert s.loc[("Y", "cla"), "suppressed"]
    assert s.loc[("Y", "share_3plus_placements"), "suppressed"]  # of 4
    assert s.loc[("Y", "long_term_stability"), "suppressed"]  # denominator unknown


def test_district():
    assert district("m14 5ab") == "M14"
    assert district("M145AB") == "M14"
    assert district("SW1A 1AA") == "SW1A"
    assert district("BL9") == "BL9"
    assert district("") == ""


# ---- malformed inputs ----------------------------------------------------------------------
def _copy(tmp_path: Path) -> Path:
    dest = tmp_path / "extract"
    shutil.copytree(HAND, dest)
    return dest / "Manchester"


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


@pytest.mark.parametrize(
    ("file", "old", "new", "expect"),
    [
        (
            "2024-episodes.csv",
            "C,01/08/2023",
            "C,31/13/2023",
            ["2024-episodes.csv row 5, column DECOM", "'31/13/2023' is not a date", "dd/mm/yyyy"],
        ),
        (
            "2024-episodes.csv",
            "S,V2,N4,H5",
            "S,V2,N4,Q9",
            ["2024-episodes.csv row 5, column PLACE", "unknown code 'Q9'", "expected one of"],
        ),
        (
            "2024-episodes.csv",
            "S,V2,N4,H5",
            "S,V2,N4,Z11",
            ["column PLACE", "'Z11' in the 2023-24 return"],
        ),
        (
            "2023-episodes.csv",
            "CHILD,DECOM,RNE",
            "CHILD,START,RNE",
            ["2023-episodes.csv: missing column(s) DECOM", "needs CHILD, DECOM"],
        ),
        (
            "2024-header.csv",
            "C,M,01/02/2007",
            "C,X,01/02/2007",
            ["2024-header.csv row 4, column SEX", "'X' is not a code"],
        ),
        (
            "2024-episodes.csv",
            "A,15/01/2023,P,C1,N1,U4,PR4,10/10/2023",
            "A,15/01/2023,P,C1,N1,U4,PR4,10/10/2025",
            ["column DEC", "after the end of the return", "(the 2023-24 return ends 31/03/2024)"],
        ),
    ],
)
def test_malformed_inputs_name_file_row_column_and_value(tmp_path, geo, file, old, new, expect):
    folder = _copy(tmp_path)
    _edit(folder / file, old, new)
    with pytest.raises(ObservedDataError) as err:
        read_extract(folder.parent, geo)
    msg = str(err.value)
    for part in expect:
        assert part in msg, msg


def test_child_without_header_row_is_refused(tmp_path, geo):
    folder = _copy(tmp_path)
    _edit(folder / "2024-header.csv", "E,F,01/01/2012,WBRI,,,\n", "")
    with pytest.raises(ObservedDataError, match="no header row.*2024-episodes.csv row"):
        read_extract(folder.parent, geo)


def test_files_without_la_are_one_unnamed_council_unless_la_names_it(tmp_path, geo):
    flat = tmp_path / "flat"
    shutil.copytree(HAND / "Manchester", flat)
    unnamed = read_extract(flat, geo)  # a council's own export: one LA, geography unknown
    assert set(unnamed.episodes["LA"]) == {UNNAMED_LA}
    ex = read_extract(flat, geo, la="352")  # Manchester's DfE number
    pd.testing.assert_frame_equal(
        unnamed.episodes.drop(columns=["CHILD", "LA"]), ex.episodes.drop(columns=["CHILD", "LA"])
    )
    assert set(ex.episodes["LA"]) == {"E08000003"}
    with pytest.raises(ObservedDataError, match="not an English LA"):
        read_extract(flat, geo, la="Atlantis")


def test_excel_workbook_is_read_like_csv(tmp_path, geo):
    pytest.importorskip("openpyxl")
    wb = tmp_path / "Manchester" / "2024.xlsx"
    wb.parent.mkdir()
    with pd.ExcelWriter(wb) as xw:
        for t in ("header", "episodes", "uasc"):
            pd.read_csv(HAND / "Manchester" / f"2024-{t}.csv", dtype=str).to_excel(
                xw, sheet_name=t.capitalize(), index=False
            )
    ex = read_extract(tmp_path, geo)
    csv = read_extract(HAND / "Manchester" / "2024-episodes.csv", geo, la="Manchester")
    assert ex.years == [2024] and len(ex.episodes) == len(csv.episodes)
    pd.testing.assert_frame_equal(ex.episodes, csv.episodes)


def test_cli_writes_suppressed_indicators_and_refuses_bad_input(tmp_path):
    out = tmp_path / "out"
    cmd = [sys.executable, str(ROOT / "experiments" / "observed_indicators.py")]
    r = subprocess.run(
        [*cmd, f"observed={HAND}", f"out={out}"], capture_output=True, text=True, cwd=ROOT
    )
    assert r.returncode == 0, r.stderr
    ind = pd.read_csv(out / "indicators.csv")
    assert {"year", "area_type", "area", "indicator", "value", "suppressed"} <= set(ind.columns)
    counts = ind[~ind["indicator"].str.startswith(("share", "mean", "long"))]
    assert not ((counts["value"] > 0) & (counts["value"] < 5)).any()
    # No child identifier or postcode reaches the output.
    text = (out / "indicators.csv").read_text() + (out / "cleaning.json").read_text()
    assert "E08000003|" not in text and "M14 5AB" not in text
    bad = tmp_path / "bad"
    shutil.copytree(HAND, bad)
    _edit(bad / "Manchester" / "2023-episodes.csv", "01/06/2022", "2022-06-xx")
    out2 = tmp_path / "out2"
    r = subprocess.run(
        [*cmd, f"observed={bad}", f"out={out2}"], capture_output=True, text=True, cwd=ROOT
    )
    assert r.returncode == 2
    assert "Traceback" not in r.stderr and "row 2, column DECOM" in r.stderr
    assert not out2.exists() or not any(out2.iterdir())


# ---- round trip --------------------------------------------------------------------------------
def test_round_trip_returns_give_the_same_indicators(tmp_path, tiny_model, geo):
    """Write a run as yearly returns per LA, read them back: every indicator is unchanged."""
    ep = io903.episodes_frame(tiny_model)
    hd = io903.header_frame(tiny_model)
    first = int(ep["DECOM"].min().year)
    years = list(range(first, 2028))
    files = io903.write_returns(ep, hd, years, tmp_path / "returns")
    las = {p.parent.name for p in files}
    assert las == set(ep["LA"])
    assert not list((tmp_path / "returns").glob(".staging*"))
    ex = read_extract(tmp_path / "returns", geo)
    sim_years = [2026, 2027]
    a = indicators(ep, hd, sim_years, geo)
    b = indicators(ex.episodes, ex.header, sim_years, geo)
    # Returns write Z1 as Z11 from 2025-26 on: both are the 'other' group and unregistered.
    key = ["year", "area_type", "area", "indicator"]
    m = a.merge(b, on=key, how="outer", suffixes=("_sim", "_read"), indicator=True)
    assert (m["_merge"] == "both").all(), m[m["_merge"] != "both"].head()
    np.testing.assert_allclose(m["value_sim"], m["value_read"], rtol=1e-12)
    assert ex.cleaning["redundant_episodes_merged"] == 0
    assert ex.header["UASC"].sum() == hd["UASC"].sum()


def test_returns_are_valid_for_their_year(tiny_model):
    ep = io903.episodes_frame(tiny_model)
    hd = io903.header_frame(tiny_model)
    ret = io903.returns(ep, hd, [2025, 2026, 2027])
    for (_, year), t in ret.items():
        e = t["episodes"]
        if year >= 2026:
            assert not e["PLACE"].isin(["Z1", "H5", "P2"]).any()
        else:
            assert not e["PLACE"].isin(["Z11", "Z12", "Z13", "Z14"]).any()
        dec = pd.to_datetime(e["DEC"], format="%d/%m/%Y", errors="coerce")
        assert (dec.dropna() <= pd.Timestamp(year, 3, 31)).all()
        assert (e.loc[dec.isna(), "REC"].fillna("") == "").all()
        assert set(e["CHILD"]) <= set(t["header"]["CHILD"])


def test_one_episode_per_child_and_start_date(tiny_model):
    """Same-day changes are one episode (SSDA903); no move returns a child to its own unit."""
    ep = io903.episodes_frame(tiny_model)
    assert not ep.duplicated(["CHILD", "DECOM"]).any()
    nxt = ep.sort_values(["CHILD", "DECOM"]).groupby("CHILD").shift(-1)
    same = ep.sort_values(["CHILD", "DECOM"])
    cols = ["LS", "PLACE", "PLACE_PROVIDER", "PL_POST", "URN"]
    moved_nowhere = (same["REC"] == "X1") & (same[cols] == nxt[cols]).all(axis=1)
    assert not moved_nowhere.any()


def test_fold_rne_combines_same_day_changes():
    from sim.records import RNE, RNE_CODES, fold_rne

    def f(a: str, b: str) -> str:
        return RNE_CODES[fold_rne(RNE[a], RNE[b])]

    assert f("S", "P") == "S"  # a start of care stays a start
    assert f("L", "P") == "B"  # legal status, placement and carer
    assert f("L", "T") == "U"  # legal status and placement, same carer
    assert f("P", "L") == "B"
    assert f("T", "T") == "T"
    assert f("T", "P") == "P"
    assert f("L", "L") == "L"


def test_one_folder_per_la_and_year(tmp_path, geo):
    """`<LA>/<year>/header.csv` reads as `<LA>/<year>-header.csv` does."""
    for year in (2023, 2024):
        d = tmp_path / "E08000003" / str(year)
        d.mkdir(parents=True)
        for t in ("header", "episodes", "uasc"):
            src = HAND / "Manchester" / f"{year}-{t}.csv"
            if src.exists():
                shutil.copy(src, d / f"{t}.csv")
    a = read_extract(tmp_path, geo)
    b = read_extract(HAND, geo)
    assert a.years == b.years == [2023, 2024]
    pd.testing.assert_frame_equal(a.episodes, b.episodes)
    pd.testing.assert_frame_equal(a.header, b.header)


def test_dates_written_day_month_year_and_blank_when_missing(tmp_path):
    dates = pd.Series(pd.to_datetime(["2025-03-31", None, "2026-01-05", "2025-03-31"]))
    text = io903.dmy(dates)
    assert text.iloc[[0, 2, 3]].tolist() == ["31/03/2025", "05/01/2026", "31/03/2025"]
    assert pd.isna(text.iloc[1])
    assert io903.dmy(pd.Series(pd.to_datetime([None, None]))).isna().all()
    ep = pd.DataFrame({c: ["x", "y"] for c in io903.EPISODE_COLUMNS})
    ep["DECOM"], ep["DEC"] = pd.to_datetime(["2025-04-01", "2025-05-02"]), [pd.NaT, "2025-06-03"]
    io903.write_episodes(ep, tmp_path / "e.csv")
    back = pd.read_csv(tmp_path / "e.csv", dtype=str, keep_default_na=False)
    assert back["DECOM"].tolist() == ["01/04/2025", "02/05/2025"]
    assert back["DEC"].tolist() == ["", "03/06/2025"]


# ---- layouts that would give wrong numbers: refused, naming the files -----------------------
def _three_years(tmp_path) -> Path:
    """The hand extract with a third return (2025): the episodes open at 31 March 2024."""
    folder = _copy(tmp_path)
    shutil.copy(folder / "2024-header.csv", folder / "2025-header.csv")
    lines = (folder / "2024-episodes.csv").read_text().splitlines()
    still_open = [ln for ln in lines[1:] if ln.split(",")[7] == ""]
    (folder / "2025-episodes.csv").write_text("\n".join([lines[0], *still_open]) + "\n")
    return folder


@pytest.mark.parametrize(
    "copy_to",
    ["old/2024-episodes.csv", "2024-episodes_old.csv", "2024-episodes - Copy.csv"],
)
def test_a_stray_copy_of_a_years_table_is_refused(tmp_path, geo, copy_to):
    folder = _copy(tmp_path)
    (folder / copy_to).parent.mkdir(exist_ok=True)
    shutil.copy(folder / "2024-episodes.csv", folder / copy_to)
    with pytest.raises(ObservedDataError) as err:
        read_extract(folder.parent, geo)
    msg = str(err.value)
    assert "two episodes tables for 2024 for E08000003" in msg, msg
    assert "2024-episodes.csv" in msg and Path(copy_to).name in msg


def test_a_year_with_only_a_header_line_is_refused(tmp_path, geo):
    folder = _three_years(tmp_path)
    head = (folder / "2024-episodes.csv").read_text().splitlines()[0]
    (folder / "2024-episodes.csv").write_text(head + "\n")
    with pytest.raises(ObservedDataError, match=r"2024-episodes.csv: holds no episodes"):
        read_extract(folder.parent, geo)


def test_a_missing_year_inside_the_range_is_refused(tmp_path, geo):
    folder = _three_years(tmp_path)
    read_extract(folder.parent, geo)  # three years in a row are read
    for table in ("header", "episodes"):
        (folder / f"2024-{table}.csv").unlink()
    with pytest.raises(ObservedDataError, match="E08000003: no episodes table for 2024, between"):
        read_extract(folder.parent, geo)


def test_indicators_for_a_year_outside_the_extract_are_refused(hand, geo):
    from sim.io.observed import observed_indicators

    ex, _ = hand
    assert set(observed_indicators(ex, geo, [2024])["year"]) == {2024}
    with pytest.raises(ObservedDataError, match=r"years=2025: outside the extract.*2023-2024"):
        observed_indicators(ex, geo, [2024, 2025])


# ---- repairs, then report --------------------------------------------------------------------
def _cla(ex, year: int) -> int:
    d = pd.Timestamp(year, 3, 31)
    e = ex.episodes
    return e.loc[(e["DECOM"] <= d) & (e["DEC"].isna() | (e["DEC"] > d)), "CHILD"].nunique()


def test_repairs_are_counted_exactly_and_strict_refuses_them(tmp_path, geo, hand):
    """Each repair by hand: one REC on an open episode, one end in the next year, one overlap."""
    folder = _copy(tmp_path)
    eps = folder / "2024-episodes.csv"
    _edit(eps, "C,01/08/2023,S,V2,N4,H5,PR4,,,", "C,01/08/2023,S,V2,N4,H5,PR4,,E11,")
    _edit(eps, "PR4,10/10/2023,E4A", "PR4,10/10/2024,E4A")  # ended after the return's end
    _edit(eps, "E,01/07/2023,P", "E,01/06/2023,P")  # starts before E's first episode ends
    ex = read_extract(folder.parent, geo)
    c = ex.cleaning
    assert c["rec_dropped_on_open_episodes"] == 1
    assert c["dec_in_the_next_year_kept"] == 1
    assert c["overlapping_episodes_cut_short"] == 1
    assert c["overlapping_episodes_within_another_left_out"] == 0
    # C stays open (looked after at 31 March 2024); A was looked after then too (it left in
    # October 2024); E's first episode is cut where its second begins, and as the second
    # changes nothing it is merged back: one open episode from 1 April 2023, still in care.
    base, _ = hand
    assert _cla(ex, 2024) == _cla(base, 2024) + 1
    e = ex.episodes[ex.episodes["CHILD"].str.endswith("|E")]
    assert len(e) == 1 and e["DECOM"].iloc[0] == pd.Timestamp(2023, 4, 1)
    assert pd.isna(e["DEC"].iloc[0])
    with pytest.raises(ObservedDataError) as err:
        read_extract(folder.parent, geo, strict=True)
    msg = str(err.value)
    assert "1 x episodes, column DEC: is empty although REC is given (strict=true)" in msg
    assert "1 x episodes, column DEC: is after the end of the return\n" in msg


def test_an_episode_within_another_is_left_out_and_time_in_care_is_kept(tmp_path, geo, hand):
    folder = _copy(tmp_path)
    # D's second episode (from 01/05/2023, open) gets a short episode inside it.
    _edit(
        folder / "2024-episodes.csv",
        "E,01/04/2023",
        "D,01/06/2023,T,V2,N4,U6,PR4,01/07/2023,X1,CARPL,M14 3CC,M14 9ZZ,XXXXXX\nE,01/04/2023",
    )
    ex = read_extract(folder.parent, geo)
    assert ex.cleaning["overlapping_episodes_within_another_left_out"] == 1
    base, _ = hand
    assert [_cla(ex, y) for y in ex.years] == [_cla(base, y) for y in base.years]
    assert any("left out, each within another" in n and "2024: +0" in n for n in ex.notes)


def test_problems_are_grouped_by_kind_with_exact_counts(tmp_path, geo):
    folder = _copy(tmp_path)
    eps = folder / "2024-episodes.csv"
    text = eps.read_text().replace(",U4,", ",Q9,")  # every U4 placement: an unknown code
    eps.write_text(text.replace("01/02/2023", "2023-02-31"))
    n_q9 = text.count(",Q9,")
    with pytest.raises(ObservedDataError) as err:
        read_extract(folder.parent, geo)
    msg = str(err.value)
    assert f"{n_q9} x episodes, column PLACE: unknown code" in msg
    assert "x episodes, column DECOM: is not a date" in msg
    assert "of 2 kind(s)" in msg


# ---- a sector tool's extract, read as exported -----------------------------------------------
D2I = Path(__file__).parent / "data" / "d2i_combined"


def _d2i_rows() -> list[tuple[int, dict]]:
    """Every episode row of the sample with the year its file names (collection start)."""
    out = []
    for f in sorted(D2I.glob("*-episodes.csv")):
        with f.open(newline="") as fh:
            out += [(int(f.name[:4]), r) for r in csv.DictReader(fh)]
    return out


def _day(text: str) -> dt.date:
    return dt.datetime.strptime(text, "%d/%m/%Y").date()


def test_d2i_sample_is_read_as_exported_with_cla_as_counted_by_hand(geo):
    """No LA, years named by the collection's start, RECs on open episodes: read as is.

    By hand (plain csv): each (child, start) as its latest return has it; a child is looked
    after on 31 March when one of its episodes has started and not ended by then.
    """
    ex = read_extract(D2I, geo)
    assert ex.year_naming == "start" and ex.years == [2018, 2019, 2020, 2021, 2022]
    assert set(ex.episodes["LA"]) == {UNNAMED_LA}
    rows = _d2i_rows()
    latest = {(r["CHILD"], r["DECOM"]): r for _, r in rows}  # files in year order
    for y in ex.years:
        d = dt.date(y, 3, 31)
        by_hand = {
            c
            for (c, _), r in latest.items()
            if _day(r["DECOM"]) <= d and (not r["DEC"] or _day(r["DEC"]) > d)
        }
        assert _cla(ex, y) == len(by_hand), y
        # DfE's published count leaves out children in a series of short breaks: those whose
        # episode going on at 31 March (as read, overlaps resolved) has LS V3 or V4.
        ts = pd.Timestamp(d)
        dfe = {
            r.CHILD
            for r in ex.episodes.itertuples()
            if r.DECOM <= ts and (pd.isna(r.DEC) or r.DEC > ts) and r.LS not in ("V3", "V4")
        }
        ind = indicators(ex.episodes, ex.header, [y], geo)
        counted = ind.loc[(ind["area_type"] == "england") & (ind["indicator"] == "cla"), "value"]
        assert counted.tolist() == [len(dfe)] and len(dfe) < len(by_hand), y
    # Repairs, counted row by row by hand.
    rec_open = sum(1 for _, r in rows if not r["DEC"] and r["REC"])
    next_year = sum(
        1
        for y, r in rows
        if r["DEC"] and dt.date(y + 1, 3, 31) < _day(r["DEC"]) <= dt.date(y + 2, 3, 31)
    )
    assert ex.cleaning["rec_dropped_on_open_episodes"] == rec_open > 900
    assert ex.cleaning["dec_in_the_next_year_kept"] == next_year
    assert any("2017-episodes.csv holds 1 April 2017 to 31 March 2018" in n for n in ex.notes)


def test_d2i_sample_read_with_the_dfe_naming_is_refused_with_every_row_counted(geo):
    with pytest.raises(ObservedDataError) as err:
        read_extract(D2I, geo, year_naming="end")
    late = sum(1 for y, r in _d2i_rows() if _day(r["DECOM"]) > dt.date(y, 3, 31))
    msg = str(err.value)
    assert f"{late:,} x episodes, column DECOM: is after the end of the return" in msg
    assert "read them with year_naming=start" in msg


def test_d2i_sample_indicators_leave_out_what_needs_the_la(tmp_path):
    out = tmp_path / "out"
    cmd = [sys.executable, str(ROOT / "experiments" / "observed_indicators.py")]
    r = subprocess.run(
        [*cmd, f"observed={D2I}", f"out={out}"], capture_output=True, text=True, cwd=ROOT
    )
    assert r.returncode == 0, r.stderr
    assert "file names read as the year each collection starts" in r.stdout
    assert "repaired:" in r.stdout and "rec dropped on open episodes" in r.stdout
    ind = pd.read_csv(out / "indicators.csv")
    assert not ind["indicator"].isin(("share_outside_la", "placed_outside_la")).any()
    assert set(ind.loc[ind["indicator"] == "cla", "area"]) == {"extract", UNNAMED_LA}
    assert json.loads((out / "cleaning.json").read_text())["year_naming"] == "start"


# ---- export artefacts: each read as the clean file is ------------------------------------------
def _artefact(name: str, text: str) -> bytes:
    lines = text.splitlines()
    if name == "cp1252 (an accent in an unused column)":
        lines = [lines[0] + ",NOTE"] + [ln + ",café" for ln in lines[1:]]
        return ("\r\n".join(lines) + "\r\n").encode("cp1252")
    if name == "utf-16":
        return text.encode("utf-16")
    if name == "utf-8 with BOM":
        return text.encode("utf-8-sig")
    if name == "semicolons":
        return text.replace(",", ";").encode()
    if name == "tabs":
        return text.replace(",", "\t").encode()
    if name == "trailing empty rows and columns":
        n = lines[0].count(",")
        lines = [lines[0] + ","] + [ln + "," for ln in lines[1:]] + ["," * (n + 1)] * 3
        return ("\n".join(lines) + "\n").encode()
    if name == "spaces around cells":
        return text.replace(",", " , ").encode()
    if name == "dates with a time":
        return re.sub(r"(\d\d/\d\d/\d{4})", r"\1 00:00", text).encode()
    raise AssertionError(name)


ARTEFACTS = [
    "cp1252 (an accent in an unused column)",
    "utf-16",
    "utf-8 with BOM",
    "semicolons",
    "tabs",
    "trailing empty rows and columns",
    "dates with a time",
    "spaces around cells",
]


@pytest.mark.parametrize("artefact", ARTEFACTS)
def test_export_artefacts_are_read_as_the_clean_extract(tmp_path, geo, hand, artefact):
    folder = _copy(tmp_path)
    for f in folder.glob("*.csv"):
        f.write_bytes(_artefact(artefact, f.read_text()))
    ex = read_extract(folder.parent, geo)
    base, _ = hand
    pd.testing.assert_frame_equal(ex.episodes, base.episodes)
    pd.testing.assert_frame_equal(ex.header, base.header)


# ---- disclosure control that holds ------------------------------------------------------------
def _routes(pub: pd.DataFrame, geo) -> dict[tuple, float]:
    """Every suppressed count that published figures give back, by the routes a reader has.

    Share x its denominator; a total less its other parts; a parent area less its other
    councils; this year's children looked after less last year's, plus or minus the other flow.
    """
    shown = pub[~pub["suppressed"]]
    val = {
        (y, t, a, n): v
        for y, t, a, n, v in zip(
            *(shown[c] for c in ("year", "area_type", "area", "indicator", "value")), strict=True
        )
    }
    hidden = pub[pub["suppressed"]]
    names = set(pub["indicator"])
    groups = [
        ("cla", sorted(n for n in names if n.startswith("cla_place_"))),
        ("cla", sorted(n for n in names if n.startswith("cla_provider_"))),
        (
            "placement_changes",
            sorted(n for n in names if n.startswith("changes_") and n != "changes_unplanned"),
        ),
    ]
    region = dict(zip(geo.las["ons_code"], geo.las["region"], strict=True))
    las = sorted(set(pub.loc[pub["area_type"] == "la", "area"]))
    got = {}
    for y, t, a, n in zip(
        *(hidden[c] for c in ("year", "area_type", "area", "indicator")), strict=True
    ):
        k = (y, t, a, n)
        for share in names:
            if share == "share_place_" + n[len("cla_place_") :] or (share, n) in (
                ("share_3plus_placements", "cla_3plus_placements"),
                ("share_outside_la", "placed_outside_la"),
            ):
                if (y, t, a, share) in val and (y, t, a, "cla") in val:
                    got[k] = round(val[(y, t, a, share)] * val[(y, t, a, "cla")])
        for total, parts in groups:
            others = [(y, t, a, p) for p in parts if p != n]
            if n in parts and (y, t, a, total) in val and all(o in val for o in others):
                got[k] = val[(y, t, a, total)] - sum(val[o] for o in others)
        if t == "la":
            for pt, pa, members in (
                ("all", "extract", las),
                ("region", region.get(a), [x for x in las if region.get(x) == region.get(a)]),
            ):
                others = [(y, "la", x, n) for x in members if x != a]
                if (y, pt, pa, n) in val and all(o in val for o in others):
                    got[k] = val[(y, pt, pa, n)] - sum(val[o] for o in others)
        if n in ("starts", "ceased"):
            other = "ceased" if n == "starts" else "starts"
            terms = [(y, t, a, "cla"), (y - 1, t, a, "cla"), (y, t, a, other)]
            if all(x in val for x in terms):
                got[k] = abs(val[terms[0]] - val[terms[1]]) + val[terms[2]]
    return got


def test_no_suppressed_count_can_be_recomputed_from_the_published_figures(
    tmp_path, tiny_model, geo
):
    """A real run's returns read back: every small count is hidden, and stays hidden."""
    from sim.io.disclosure import is_ratio
    from sim.io.observed import observed_indicators

    ep = io903.episodes_frame(tiny_model)
    hd = io903.header_frame(tiny_model)
    io903.write_returns(ep, hd, [2026, 2027], tmp_path / "returns")
    ex = read_extract(tmp_path / "returns", geo)
    pub = observed_indicators(ex, geo)
    raw = indicators(ex.episodes, ex.header, ex.years, geo)
    raw = raw.assign(
        area=np.where(raw["area_type"] == "england", "extract", raw["area"]),
        area_type=raw["area_type"].replace({"england": "all"}),
    )
    truth = {
        (y, t, a, n): v
        for y, t, a, n, v in zip(
            *(raw[c] for c in ("year", "area_type", "area", "indicator", "value")), strict=True
        )
    }
    small = [
        k
        for k, v in truth.items()
        if not is_ratio(k[3]) and 0 < v < 5 and k[1] in ("all", "la", "region", "rcc")
    ]
    assert len(small) > 20  # the test has something to find
    shown = pub[~pub["suppressed"]]
    counts = shown[~shown["indicator"].map(is_ratio)]
    assert not ((counts["value"] > 0) & (counts["value"] < 5)).any()
    got = _routes(pub, geo)
    leaked = {k: v for k, v in got.items() if k in set(small)}
    assert not leaked, list(leaked.items())[:5]
