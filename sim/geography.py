"""Local authorities, regions, postcode districts and distances.

This module owns the geography the model runs on: the arrays of LAs (code, name, region,
point, population, observed CLA and flows, RCC pathfinder) and postcode districts (point, LA,
weight), the LA-to-LA distance matrix with each LA's neighbours ordered by distance, and the
great-circle distance used for every "over 20 miles" figure. It holds data handed to it; the
loading of the embedded tables lives in ``sim.io.embedded``.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numba import njit

EARTH_RADIUS_KM = 6371.0088
KM_PER_MILE = 1.609344
TWENTY_MILES_KM = 20 * KM_PER_MILE


def haversine_km(lat1, lon1, lat2, lon2) -> np.ndarray:
    """Great-circle distance in km between points given in degrees (arrays broadcast)."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dphi = p2 - p1
    dlmb = np.radians(np.asarray(lon2) - np.asarray(lon1))
    a = np.sin(dphi / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.minimum(a, 1.0)))


def haversine_km_scalar(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """``haversine_km`` for single points, in plain Python (no array overhead)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(min(a, 1.0)))


@njit(cache=True)
def district_of(
    d_start: np.ndarray, d_cumw: np.ndarray, la: int, u: float
) -> int:  # pragma: no cover - compiled
    """A district of ``la`` by postcode weight (as ``Geography.sample_district``)."""
    s, e = d_start[la], d_start[la + 1]
    lo, hi = s, e
    while lo < hi:  # bisect_left
        mid = (lo + hi) // 2
        if d_cumw[mid] < u:
            lo = mid + 1
        else:
            hi = mid
    return min(lo, e - 1)


@njit(cache=True)
def districts_of(
    d_start: np.ndarray, d_cumw: np.ndarray, la: np.ndarray, u: np.ndarray
) -> np.ndarray:  # pragma: no cover - compiled
    """``district_of`` for each pair of ``la`` and ``u``."""
    out = np.empty(len(la), np.int64)
    for i in range(len(la)):
        out[i] = district_of(d_start, d_cumw, la[i], u[i])
    return out


@dataclass
class Geography:
    """LAs and postcode districts as arrays, with distances between LAs."""

    las: pd.DataFrame  # one row per LA, index 0..n-1, columns as sim/data/las.csv
    districts: pd.DataFrame  # ons_code, district, lat, lon, weight, la (index into las)

    def __post_init__(self) -> None:
        self.n_la = len(self.las)
        self.code = self.las["ons_code"].to_numpy()
        self.index_of = {c: i for i, c in enumerate(self.code)}
        self.regions = sorted(self.las["region"].unique())
        self.region_of = np.array([self.regions.index(r) for r in self.las["region"]])
        self.la_lat = self.las["lat"].to_numpy(float)
        self.la_lon = self.las["lon"].to_numpy(float)
        self.dist_la = haversine_km(
            self.la_lat[:, None], self.la_lon[:, None], self.la_lat[None, :], self.la_lon[None, :]
        )
        self.la_order = np.argsort(self.dist_la, axis=1, kind="stable")
        self.dist_sorted = np.take_along_axis(self.dist_la, self.la_order, axis=1)
        d = self.districts
        self.d_lat = d["lat"].to_numpy(float)
        self.d_lon = d["lon"].to_numpy(float)
        self.d_la = d["la"].to_numpy(np.int64)
        self.d_name = d["district"].to_numpy()
        w = d["weight"].to_numpy(float)
        # Districts of each LA as a CSR: d_start[la]..d_start[la+1], with cumulative weights.
        order = np.argsort(self.d_la, kind="stable")
        assert (order == np.arange(len(order))).all(), "districts must be sorted by LA"
        self.d_start = np.searchsorted(self.d_la, np.arange(self.n_la + 1))
        self.d_cumw = np.zeros(len(w))
        for la in range(self.n_la):
            s, e = self.d_start[la], self.d_start[la + 1]
            if e > s:
                cw = np.cumsum(w[s:e])
                self.d_cumw[s:e] = cw / cw[-1]

        self._cumw_lists = [
            self.d_cumw[self.d_start[la] : self.d_start[la + 1]].tolist() for la in range(self.n_la)
        ]
        # How densely each LA's children live: children aged 0-17 per square km of a disc
        # whose radius is the postcode-weighted root mean square distance of its districts
        # from their centre (at least 1 km) [derived] ONSPD districts and ONS population.
        self.spread_km = np.ones(self.n_la)
        for la in range(self.n_la):
            s, e = self.d_start[la], self.d_start[la + 1]
            if e > s:
                wl = w[s:e]
                lat0 = np.average(self.d_lat[s:e], weights=wl)
                lon0 = np.average(self.d_lon[s:e], weights=wl)
                dx = np.radians(self.d_lon[s:e] - lon0) * np.cos(np.radians(lat0)) * EARTH_RADIUS_KM
                dy = np.radians(self.d_lat[s:e] - lat0) * EARTH_RADIUS_KM
                self.spread_km[la] = max(1.0, float(np.sqrt(np.average(dx**2 + dy**2, weights=wl))))
        pop = self.las["pop_0_17"].to_numpy(float) if "pop_0_17" in self.las else np.ones(self.n_la)
        self.child_density = pop / (np.pi * self.spread_km**2)

    def sample_districts(self, la: np.ndarray, u: np.ndarray) -> np.ndarray:
        """Districts (indices) in LAs ``la`` drawn by postcode weight with uniforms ``u``."""
        return districts_of(
            self.d_start, self.d_cumw, np.asarray(la, np.int64), np.asarray(u, np.float64)
        )

    def sample_district(self, la: int, u: float) -> int:
        """One district in LA ``la`` drawn by postcode weight with uniform ``u``."""
        cw = self._cumw_lists[la]
        return int(self.d_start[la]) + min(bisect.bisect_left(cw, u), len(cw) - 1)

    def la_indices(self, codes: list[str]) -> np.ndarray:
        """Indices of LA codes, raising ``KeyError`` naming an unknown one."""
        out = []
        for c in codes:
            if c not in self.index_of:
                raise KeyError(c)
            out.append(self.index_of[c])
        return np.array(out, dtype=np.int64)


@njit(cache=True)
def haversine_km_nb(
    lat1: float, lon1: float, lat2: float, lon2: float
) -> float:  # pragma: no cover - compiled
    """Great-circle distance in km between two points (degrees), compiled."""
    p1 = math.radians(lat1)
    p2 = math.radians(lat2)
    a = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(min(a, 1.0)))
