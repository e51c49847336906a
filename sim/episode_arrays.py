"""An episodes table as arrays for the yearly indicators: codes, lookups and dates worked out once.

This module owns which episodes DfE's published figures count (``without_short_breaks``) and
turning a sorted SSDA903 episodes table into the arrays ``sim.metrics`` selects each year's
rows from (``EpisodeArrays``): each row's child as a code, its dates, its
reason for a new episode and for ending, its placement and provider group, its district
points and the LA of its placement, each worked out once for all years.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.records import PLACE_GROUP, PROVIDER_GROUP

PLACEMENT_RNE = ("S", "P", "B", "T", "U")
UNREGISTERED_PLACES = ("Z1", "Z11", "Z12", "Z13", "Z14")


SHORT_BREAK_LS = ("V3", "V4")


def without_short_breaks(ep: pd.DataFrame) -> pd.DataFrame:
    """The episodes DfE's published figures count: without short breaks (legal status V3, V4).

    DfE's CLA statistics leave out children looked after under an agreed series of short-term
    placements (legal status V3 or V4) from every national, regional and LA figure except the
    short-break tables themselves (DfE, "Children looked after in England including
    adoptions", methodology: "Children looked after under a series of short-term placements"
    are excluded; docs/facts.md). Their episodes are dropped here, for observed and simulated
    episodes alike. A child whose short breaks give way to another legal status starts to be
    looked after, in the published sense, on the first day of the other status; one whose care
    continues into short breaks ceases to be looked after, in that sense, the day they begin.

    Args:
        ep: Episodes sorted by CHILD then DECOM, with RNE and REC (and LS: without it, no
            episode is a short break).

    Returns:
        The episodes other than short breaks, with boolean ``starts_care`` (RNE ``S``, or the
        first after a short break) and ``ceases_care`` (an end reason other than ``X1``, or
        the last before a short break) columns.
    """
    rec = ep["REC"]
    starts = ep["RNE"].eq("S").to_numpy(bool)
    ceases = (rec.notna() & rec.ne("X1")).to_numpy(bool)
    brk = ep["LS"].isin(SHORT_BREAK_LS).to_numpy(bool) if "LS" in ep else np.zeros(len(ep), bool)
    if brk.any():
        child = ep["CHILD"].to_numpy()
        same_prev = np.zeros(len(ep), bool)
        same_prev[1:] = child[1:] == child[:-1]
        after_break = np.zeros(len(ep), bool)
        after_break[1:] = brk[:-1]
        before_break = np.zeros(len(ep), bool)
        before_break[:-1] = brk[1:] & same_prev[1:]
        starts = starts | (after_break & same_prev)
        ceases = ceases | before_break
    out = ep.assign(starts_care=starts, ceases_care=ceases)
    return out[~brk].reset_index(drop=True) if brk.any() else out


def district_points(geo) -> tuple[dict, dict]:
    """Each postcode district's point (its most populous entry) and its LA."""
    d = geo.districts.sort_values("weight", ascending=False, kind="stable").drop_duplicates(
        "district"
    )
    pts = dict(zip(d["district"], zip(d["lat"], d["lon"], strict=True), strict=True))
    la_of = dict(zip(d["district"], d["ons_code"], strict=True))
    return pts, la_of


class EpisodeArrays:
    """Episode columns as arrays, for the yearly selections (episodes sorted by child, start).

    Codes and lookups (placement and provider group, district points, the placement's LA,
    each child's date of birth) are worked out once for all years.
    """

    def __init__(self, ep: pd.DataFrame, la_col: str, dob: pd.Series, geo) -> None:
        child = ep["CHILD"].to_numpy()
        first = np.ones(len(ep), bool)
        first[1:] = child[1:] != child[:-1]
        self.child_code = np.cumsum(first) - 1  # 0, 1, ... child by child
        self.n_children = int(first.sum())
        self.dob = (
            pd.Series(child[first]).map(dob).to_numpy("datetime64[ns]")
            if len(ep)
            else np.zeros(0, "datetime64[ns]")
        )
        self.decom = ep["DECOM"].to_numpy("datetime64[ns]")
        self.dec = ep["DEC"].to_numpy("datetime64[ns]")
        self.dec_na = np.isnat(self.dec)
        self.la = ep[la_col]
        self.rec = ep["REC"]
        self.reason = ep["REASON_PLACE_CHANGE"]
        rne = ep["RNE"]
        self.is_start = ep["starts_care"].to_numpy(bool)
        self.is_placement = rne.isin(PLACEMENT_RNE).to_numpy(bool)
        self.ceases = ep["ceases_care"].to_numpy(bool)
        reason = self.reason
        self.changes = (self.rec.eq("X1") & reason.notna() & reason.ne("")).to_numpy(bool)
        place = ep["PLACE"]
        self.unregistered = place.isin(UNREGISTERED_PLACES).to_numpy(bool)
        self.place_group = _lookup(place, PLACE_GROUP, "other")
        self.provider_group = _lookup(ep["PLACE_PROVIDER"], PROVIDER_GROUP, "not_reported")
        if geo is not None:
            pts, la_of = district_points(geo)
            self.points = (*_lat_lon(ep["HOME_POST"], pts), *_lat_lon(ep["PL_POST"], pts))
            codes, names = pd.factorize(ep["PL_POST"])
            las = np.array([*(la_of.get(n) for n in names), None], dtype=object)
            self.placement_la = las[codes]

    def first_of_child(self, mask: np.ndarray) -> np.ndarray:
        """Positions of each child's first row of ``mask`` (``drop_duplicates("CHILD")``)."""
        at = np.flatnonzero(mask)
        c = self.child_code[at]
        keep = np.ones(len(at), bool)
        keep[1:] = c[1:] != c[:-1]
        return at[keep]

    def last_of_child(self, mask: np.ndarray) -> np.ndarray:
        """Positions of each child's last row of ``mask`` (``keep="last"``)."""
        at = np.flatnonzero(mask)
        c = self.child_code[at]
        keep = np.ones(len(at), bool)
        keep[:-1] = c[:-1] != c[1:]
        return at[keep]

    def in_set(self, child_codes: np.ndarray) -> np.ndarray:
        """By row: whether its child is one of ``child_codes``."""
        member = np.zeros(self.n_children, bool)
        member[child_codes] = True
        return member[self.child_code]


def _lookup(codes: pd.Series, table: dict, missing: str) -> np.ndarray:
    """Each row's value in ``table`` (``missing`` where it has none), as an object array."""
    at, names = pd.factorize(codes)
    values = np.array([*(table.get(n, missing) for n in names), missing], dtype=object)
    return values[at]


def _lat_lon(districts: pd.Series, pts: dict) -> tuple[np.ndarray, np.ndarray]:
    """Latitude and longitude of each row's postcode district (NaN where unknown)."""
    codes, names = pd.factorize(districts)
    lat = np.array([*(pts.get(n, (np.nan, np.nan))[0] for n in names), np.nan])
    lon = np.array([*(pts.get(n, (np.nan, np.nan))[1] for n in names), np.nan])
    return lat[codes], lon[codes]
