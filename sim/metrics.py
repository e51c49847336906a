"""Indicators from SSDA903 episodes: one code path for simulated and observed data alike.

This module owns the DfE measures and the model's own measures, computed per year ending 31
March from an SSDA903-shaped episodes table (CHILD, LA, DECOM, RNE, LS, CIN, PLACE,
PLACE_PROVIDER, DEC, REC, REASON_PLACE_CHANGE, HOME_POST, PL_POST, URN; dates as datetime64)
and the header (CHILD, DOB): children looked after at 31 March by placement group and provider;
starts and ceased; placement changes by reason and new placements; the share with 3+
placements in the year; long-term stability of under-16s; the share placed over 20 miles
(of those with a known distance) and outside their LA, from postcode district points as DfE
does from postcodes; and unregistered placements. Spend comes from the ledger and waiting and
supply from the 31 March snapshots when a run provides them. Output is tidy: one row per
(year, area type, area, indicator).
"""

from __future__ import annotations

from itertools import repeat

import numpy as np
import pandas as pd
from numba import njit

from sim.episode_arrays import EpisodeArrays, without_short_breaks
from sim.geography import TWENTY_MILES_KM, Geography, haversine_km
from sim.records import DAYS_PER_YEAR, KIND_NAMES, PLACE_GROUP, PROVIDER_GROUP

UNPLANNED_REASONS = ("CREQB", "CREQO", "CHILD", "LAREQ", "STAND", "ALLEG", "APPRR", "CLOSE")
SPEND_GROUP = {
    "foster_inhouse": "fostering",
    "foster_ifa": "fostering",
    "foster_kinship": "fostering",
    "childrens_home": "residential",
    "secure_home": "residential",
    "unregistered": "residential",
    "supported_accommodation": "supported",
}


def year_bounds(year: int) -> tuple[pd.Timestamp, pd.Timestamp]:
    """First and last day of the year ending 31 March ``year``."""
    return pd.Timestamp(year - 1, 4, 1), pd.Timestamp(year, 3, 31)


class _Areas:
    """The areas each row of a table counts in, by area type, as integer codes and names.

    Codes (``-1``: no area of that type, the row is left out) are computed once per table from
    one factorisation of its LA column; sums by code run in the same order as sums by name.
    """

    def __init__(self, la: pd.Series, geo: Geography | None) -> None:
        self.index = la.index
        la_code, la_names = pd.factorize(la, sort=True)
        self.codes: dict[str, tuple[np.ndarray, np.ndarray]] = {
            "england": (np.zeros(len(la), dtype=np.int64), np.array(["England"], dtype=object)),
            "la": (la_code, np.asarray(la_names, dtype=object)),
        }
        if geo is not None:
            region, rcc_of = _area_maps(geo)
            # A row without a known LA counts in region "unknown" (its LA code is -1: last).
            self.codes["region"] = _recode(
                la_code, [region.get(n, "unknown") for n in la_names], "unknown"
            )
            # The two RCC pathfinders as areas (their members' children, with or without an RCC).
            self.codes["rcc"] = _recode(la_code, [rcc_of.get(n) for n in la_names], None)


_MAPS: list = []  # [(geo, maps)] of the last geography asked for


def _area_maps(geo: Geography) -> tuple[dict, dict]:
    """Region and RCC pathfinder of each LA code (built once per geography)."""
    if not _MAPS or _MAPS[0][0] is not geo:
        las = geo.las
        region = dict(zip(las["ons_code"], las["region"], strict=True))
        rcc = las.loc[las["rcc_pathfinder"] != "", ["ons_code", "rcc_pathfinder"]]
        rcc_of = dict(zip(rcc["ons_code"], rcc["rcc_pathfinder"], strict=True))
        _MAPS[:] = [(geo, (region, rcc_of))]
    return _MAPS[0][1]


def _region_codes(geo: Geography) -> dict:
    """The region of each LA code, Inner and Outer London as one (London)."""
    las = geo.las
    names = ["London" if "London" in str(r) else r for r in las["region"]]
    return dict(zip(las["ons_code"], names, strict=True))


def _recode(
    la_code: np.ndarray, names_of_la: list, missing: str | None
) -> tuple[np.ndarray, np.ndarray]:
    """Codes of a coarser area from each row's LA code (``missing``: the area of no LA)."""
    code, names = pd.factorize(pd.Series([*names_of_la, missing], dtype=object), sort=True)
    return code[la_code], np.asarray(names, dtype=object)


def _areas(la: pd.Series, geo: Geography | None) -> _Areas:
    return _Areas(la, geo)


class _Emitter:
    """Collects indicator columns per set of areas and sums each set with one groupby."""

    def __init__(self) -> None:
        self.groups: dict[int, tuple[_Areas, dict, list]] = {}

    def add(
        self,
        areas: _Areas,
        name: str,
        values: pd.Series,
        denom: pd.Series | None = None,
    ) -> None:
        """Add ``name``: a sum by area of ``values`` (or its share of ``denom``)."""
        _, cols, shares = self.groups.setdefault(id(areas), (areas, {}, []))
        if denom is None:
            cols[name] = values
        else:
            cols[f"__num_{name}"] = values
            cols[f"__den_{name}"] = denom
            shares.append((name, f"__num_{name}", f"__den_{name}"))

    def flush(self, rows: list, year: int) -> None:
        """Append every collected indicator for ``year`` to ``rows``."""
        for areas, cols, shares in self.groups.values():
            if not cols:
                continue
            frame, block = _frame(cols, areas.index)
            same = frame.index.equals(areas.index)
            pos = None if same else areas.index.get_indexer(frame.index)
            where = {c: i for i, c in enumerate(frame.columns)}
            done: list[tuple[np.ndarray, tuple]] = []
            for atype, (codes, names) in areas.codes.items():
                codes = codes if same else codes[pos]
                # Area types grouping the rows alike (in a regional world England, its region
                # and its RCC are often one group of every row) share one sum.
                found = next((v for c, v in done if np.array_equal(c, codes)), None)
                if found is None:
                    found = _sums_by_code(frame, block, codes, len(names))
                    done.append((codes, found))
                at, vals = found
                area = names[at].tolist()
                for col in cols:
                    if not col.startswith("__"):
                        v = vals[:, where[col]].tolist()
                        rows.extend(zip(repeat(year), repeat(atype), area, repeat(col), v))
                for name, num, den in shares:
                    d = vals[:, where[den]]
                    with np.errstate(divide="ignore", invalid="ignore"):
                        ratio = vals[:, where[num]] / d
                    ok = (d != 0) & ~np.isnan(ratio)
                    rows.extend(
                        zip(
                            repeat(year),
                            repeat(atype),
                            np.asarray(area, dtype=object)[ok].tolist(),
                            repeat(name),
                            ratio[ok].tolist(),
                        )
                    )
        self.groups.clear()


def _frame(cols: dict, index: pd.Index) -> tuple[pd.DataFrame, np.ndarray | None]:
    """``pd.DataFrame(cols).fillna(0.0)``, built as one float block where that is the same.

    That is when every column is float, one of them has all the rows of ``index`` (unique and
    increasing) and the others some of them: the frame's rows are then ``index``'s, and a row
    missing from a column is a 0 there. Otherwise pandas aligns the columns.

    Returns:
        The frame and its block (columns x rows), or None when pandas built it.
    """
    series = list(cols.values())
    full = any(v.index is index for v in series) or any(v.index.equals(index) for v in series)
    ok = full and index.is_unique and index.is_monotonic_increasing
    if not ok or any(v.dtype != np.float64 for v in series):
        return pd.DataFrame(cols).fillna(0.0), None
    block = np.zeros((len(series), len(index)))
    for j, v in enumerate(series):
        if v.index is index or (len(v) == len(index) and v.index.equals(index)):
            block[j] = v.to_numpy()
        else:
            pos = index.get_indexer(v.index)
            if (pos < 0).any():
                return pd.DataFrame(cols).fillna(0.0), None
            block[j, pos] = v.to_numpy()
    if np.isnan(block).any():  # (the compiled sums read NaN as 0 too; pandas' groupby not)
        np.nan_to_num(block, copy=False, nan=0.0, posinf=np.inf, neginf=-np.inf)
    return pd.DataFrame(block.T, index=index, columns=list(cols), copy=False), block


def _sums_by_code(
    frame: pd.DataFrame, block: np.ndarray | None, codes: np.ndarray, n_codes: int
) -> tuple[np.ndarray, np.ndarray]:
    """Column sums of ``frame`` by area code (rows coded -1 left out), as pandas sums them.

    pandas sums each group of several by Kahan's compensated summation in row order
    (``group_sum``); that is compiled here (``_kahan_by_code``, checked equal to the last bit
    on every area of a national and a regional run). A table in one group, or not built as a
    block, is summed by pandas' own groupby.

    Returns:
        (the codes present, increasing; their sums as codes x columns).
    """
    if block is None or len(codes) == 0 or (codes == codes[0]).all():
        sums = frame.groupby(codes).sum()
        at = sums.index.to_numpy()
        keep = at >= 0
        return at[keep], sums.to_numpy()[keep]
    total, seen = _kahan_by_code(block, np.asarray(codes, np.int64), n_codes)
    at = np.flatnonzero(seen)
    return at, total[at]


@njit(cache=True)
def _kahan_by_code(block, codes, n_codes):  # pragma: no cover - compiled
    """Sums of each row of ``block`` (columns x rows) by ``codes`` of its columns, compensated."""
    k, n = block.shape
    total = np.zeros((n_codes, k))
    comp = np.zeros((n_codes, k))
    seen = np.zeros(n_codes, np.bool_)
    for i in range(n):
        if codes[i] >= 0:
            seen[codes[i]] = True
    for j in range(k):  # the columns' sums are independent: one column at a time, in row order
        row = block[j]
        for i in range(n):
            g = codes[i]
            if g < 0:
                continue
            v = row[i]
            if v != v:  # a row a column lacks, or NaN: 0 (as ``fillna(0.0)``)
                v = 0.0
            y = v - comp[g, j]
            t = total[g, j] + y
            comp[g, j] = t - total[g, j] - y
            if comp[g, j] != comp[g, j]:  # an infinite value: keep the sum infinite
                comp[g, j] = 0.0
            total[g, j] = t
    return total, seen


def indicators(
    episodes: pd.DataFrame,
    header: pd.DataFrame,
    years: list[int],
    geo: Geography | None = None,
    ledger: pd.DataFrame | None = None,
    snapshots: pd.DataFrame | None = None,
    la_col: str = "LA",
) -> pd.DataFrame:
    """Compute every indicator for each year ending 31 March in ``years``.

    Args:
        episodes: SSDA903 episodes with datetime DECOM/DEC and the responsible LA in ``la_col``.
        header: SSDA903 header with CHILD and datetime DOB.
        years: years ending 31 March, e.g. [2026, 2027].
        geo: geography for regions, district points and district LAs (distance, outside LA).
        ledger: optional payments (financial year ``fy``, ``payer_la`` code, ``group``,
            ``amount_gbp``) for spend indicators.
        snapshots: optional tidy rows (year, area_type, area, indicator, value) from the run,
            passed through (supply, waiting, homes).

    Returns:
        Tidy frame: year, area_type, area, indicator, value.
    """
    ep = episodes.copy()
    # Codes compared over every episode are categorical: ten times faster than strings.
    for col in ("RNE", "REC", "REASON_PLACE_CHANGE", "PLACE"):
        ep[col] = ep[col].astype("category")
    ep["DEC"] = pd.to_datetime(ep["DEC"])
    ep["DECOM"] = pd.to_datetime(ep["DECOM"])
    dob = header.drop_duplicates("CHILD").set_index("CHILD")["DOB"]
    ep = ep.sort_values(["CHILD", "DECOM"], kind="stable").reset_index(drop=True)
    ep = without_short_breaks(ep)
    # Period of care start and placement spell start of each episode (carried forward).
    new_period = ep["starts_care"] | ep["CHILD"].ne(ep["CHILD"].shift())
    ep["period_start"] = ep["DECOM"].where(new_period).groupby(ep["CHILD"]).ffill()
    new_spell = ep["RNE"].isin(("S", "P", "B", "U")) | new_period
    ep["spell_start"] = ep["DECOM"].where(new_spell).groupby(ep["CHILD"]).ffill()
    e = EpisodeArrays(ep, la_col, dob, geo)
    rows: list = []
    em = _Emitter()
    if ledger is not None and len(ledger):
        ledger = ledger.assign(
            group=ledger["group"].astype("category"),
            kind_name=ledger["kind_name"].astype("category"),
        )
    cla_cols = [la_col, "CHILD", "PLACE_PROVIDER", "period_start", "spell_start"]
    cla_cols = list(dict.fromkeys(cla_cols))
    ep_cla = ep[cla_cols]
    for year in years:
        start, end = year_bounds(year)
        s64, e64 = start.to_datetime64(), end.to_datetime64()
        decom, dec, dec_na = e.decom, e.dec, e.dec_na
        # ---- CLA at 31 March -------------------------------------------------------------
        at = e.last_of_child((decom <= e64) & (dec_na | (dec > e64)))
        cla = ep_cla.iloc[at]
        areas = _areas(cla[la_col], geo)
        one = pd.Series(1.0, index=cla.index)
        em.add(areas, "cla", one)
        group = pd.Series(e.place_group[at], index=cla.index)
        for g in sorted(set(PLACE_GROUP.values())):
            em.add(areas, f"cla_place_{g}", (group == g).astype(float))
            em.add(areas, f"share_place_{g}", (group == g).astype(float), denom=one)
        prov = pd.Series(e.provider_group[at], index=cla.index)
        for g in sorted(set(PROVIDER_GROUP.values())):
            em.add(areas, f"cla_provider_{g}", (prov == g).astype(float))
        unreg = pd.Series(e.unregistered[at].astype(float), index=cla.index)
        em.add(areas, "cla_unregistered_or_other", unreg)
        # ---- distance and location -------------------------------------------------------
        if geo is not None:
            h_lat, h_lon, p_lat, p_lon = (x[at] for x in e.points)
            known_a = ~np.isnan(h_lat) & ~np.isnan(p_lat)
            known = pd.Series(known_a, index=cla.index)
            dist = pd.Series(np.nan, index=cla.index)
            if known_a.any():
                dist[known] = haversine_km(
                    h_lat[known_a], h_lon[known_a], p_lat[known_a], p_lon[known_a]
                )
            over = (dist > TWENTY_MILES_KM).astype(float)
            em.add(areas, "placed_over_20_miles", over)
            em.add(areas, "distance_known", known.astype(float))
            em.add(
                areas,
                "share_over_20_miles_of_known",
                over[known],
                denom=known.astype(float),
            )
            em.add(areas, "mean_distance_km", dist[known], denom=known.astype(float))
            pl_la = pd.Series(e.placement_la[at], index=cla.index)
            loc_known = pl_la.notna()
            outside = (loc_known & (pl_la != cla[la_col])).astype(float)
            em.add(areas, "placed_outside_la", outside)
            em.add(areas, "share_outside_la", outside, denom=one)
            # Outside the responsible council's region (London is one region), as
            # DfE's FOI figures of placements outside the home region count it.
            region_code = _region_codes(geo)
            home_r = cla[la_col].map(region_code)
            placed_r = pl_la.map(region_code)
            out_r = (loc_known & placed_r.notna() & (placed_r != home_r)).astype(float)
            em.add(areas, "placed_outside_region", out_r)
            em.add(areas, "share_outside_region", out_r, denom=one)
        # ---- flows ---------------------------------------------------------------------------
        in_year_start = (decom >= s64) & (decom <= e64)
        in_year_end = ~dec_na & (dec >= s64) & (dec <= e64)
        starts = e.la.iloc[e.first_of_child(in_year_start & e.is_start)]
        em.add(_areas(starts, geo), "starts", pd.Series(1.0, index=starts.index))
        ceased_at = e.last_of_child(in_year_end & e.ceases)
        ceased_areas = _areas(e.la.iloc[ceased_at], geo)
        em.add(ceased_areas, "ceased", pd.Series(1.0, index=ceased_areas.index))
        ceased_rec = e.rec.iloc[ceased_at]
        for code in ("E11", "E12", "E17"):
            em.add(ceased_areas, f"ceased_{code}", ceased_rec.eq(code).astype(float))
        changed = np.flatnonzero(in_year_end & e.changes)
        ca = _areas(e.la.iloc[changed], geo)
        reasons = e.reason.iloc[changed]
        em.add(ca, "placement_changes", pd.Series(1.0, index=ca.index))
        for r in sorted(reasons.unique()):
            em.add(ca, f"changes_{r}", reasons.eq(r).astype(float))
        em.add(ca, "changes_unplanned", reasons.isin(UNPLANNED_REASONS).astype(float))
        newp = e.la.iloc[np.flatnonzero(in_year_start & e.is_placement)]
        em.add(_areas(newp, geo), "new_placements", pd.Series(1.0, index=newp.index))
        # ---- stability ---------------------------------------------------------------------
        # Placements in the year of each child looked after at 31 March: those starting in the
        # year, and one more for a placement going on at its start.
        in_year = (decom <= e64) & (dec_na | (dec >= s64))
        cla_child = e.child_code[at]
        ov = np.flatnonzero(in_year & e.in_set(cla_child))
        n_new = np.bincount(
            e.child_code[ov],
            weights=((decom[ov] >= s64) & e.is_placement[ov]),
            minlength=e.n_children,
        )
        ongoing = np.zeros(e.n_children)
        ongoing[e.child_code[ov[decom[ov] < s64]]] = 1
        n_place = (n_new + ongoing)[cla_child]
        three = pd.Series((n_place >= 3).astype(float), index=cla.index)
        em.add(areas, "cla_3plus_placements", three)
        em.add(areas, "share_3plus_placements", three, denom=one)
        age = (end - pd.Series(e.dob[cla_child], index=cla.index)).dt.days / DAYS_PER_YEAR
        elig = (age < 16) & ((end - cla["period_start"]).dt.days >= 913)
        stable = elig & ((end - cla["spell_start"]).dt.days >= 730)
        em.add(areas, "long_term_stability_eligible", elig.astype(float))
        em.add(
            areas,
            "long_term_stability",
            stable[elig].astype(float),
            denom=elig.astype(float),
        )
        # ---- placements in unregistered / other settings during the year ---------------------
        z = e.la.iloc[e.first_of_child(in_year & e.unregistered)]
        em.add(_areas(z, geo), "children_unregistered_in_year", pd.Series(1.0, index=z.index))
        # ---- spend ---------------------------------------------------------------------------
        if ledger is not None and len(ledger):
            lg = ledger[ledger["fy"] == year]
            if len(lg):
                la = lg["payer_la"]
                la_areas = _areas(la, geo)
                em.add(la_areas, "spend_total_gbp", lg["amount_gbp"])
                # Child-years looked after: the days billed as councils' other CLA costs.
                em.add(
                    la_areas,
                    "child_years",
                    (lg["days"] / DAYS_PER_YEAR).where(lg["group"] == "overhead", 0.0),
                )
                for grp in (
                    "fostering",
                    "residential",
                    "supported",
                    "overhead",
                    "rcc",
                    "void",
                    "capital",
                    "programme",
                    "clawback",
                ):
                    em.add(
                        la_areas,
                        f"spend_{grp}_gbp",
                        lg["amount_gbp"].where(lg["group"] == grp, 0.0),
                    )
                all_weeks = lg["days"] / 7.0
                for kind in KIND_NAMES:
                    is_kind = lg["kind_name"] == kind
                    em.add(
                        la_areas,
                        f"spend_{kind}_gbp",
                        lg["amount_gbp"].where(is_kind, 0.0),
                    )
                    # Prices from placement payments only (not voids or capital).
                    paid = is_kind & lg["group"].isin(("fostering", "residential", "supported"))
                    weeks = all_weeks.where(paid, 0.0)
                    if weeks.sum() > 0:
                        em.add(
                            la_areas,
                            f"mean_price_{kind}_gbp_week",
                            lg["amount_gbp"].where(paid, 0.0),
                            denom=weeks,
                        )
                # The tail of high-cost placements: children whose payments in the year ran at
                # £10,000 a week or more (1,510 placements in 2022-23 [pub] LGA 2023).
                price = lg["amount_gbp"] / (lg["days"] / 7.0).where(lg["days"] > 0)
                high = lg[(price >= 10000) & (lg["child"] >= 0)].drop_duplicates("child")
                em.add(
                    _areas(high["payer_la"], geo),
                    "children_at_10k_plus_week",
                    pd.Series(1.0, index=high.index),
                )
        em.flush(rows, year)
    out = pd.DataFrame(rows, columns=["year", "area_type", "area", "indicator", "value"])
    if snapshots is not None and len(snapshots):
        out = pd.concat([out, snapshots], ignore_index=True)
    return out.sort_values(["year", "area_type", "area", "indicator"], kind="stable").reset_index(
        drop=True
    )


def headline(ind: pd.DataFrame, year: int) -> dict[str, float]:
    """England values of the headline indicators for ``year``."""
    e = ind[(ind["year"] == year) & (ind["area_type"] == "england")]
    return dict(zip(e["indicator"], e["value"], strict=True))
