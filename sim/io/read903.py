"""Reading observed SSDA903 extracts: finding the files, validating them, and cleaning them.

This module owns turning what councils export into the clean episodes and header frames that
``sim.metrics.indicators`` reads, the same shape the model writes. It reads Header, Episodes
and UASC tables (CSV or Excel; dd/mm/yyyy dates), for one or several years (``2019-header.csv``
and ``2019-episodes.csv``, or a year folder) and one or several LAs (an LA column, or one folder
per LA named by its ONS code, DfE number or name). Validation stops at the end of the reading
with every problem listed (file, row, column, value, what was expected); a malformed extract
raises ``ObservedDataError`` and nothing is returned or written. Cleaning follows the sector's
practice: years are merged with the latest return winning for an episode, exact duplicates are
dropped, an episode that records no change from the one before is merged into it, an episode
left open in an earlier return and followed by a later one is closed where the next begins,
UASC children are flagged (UASC table or header column), and full postcodes are cut to their
district so that no full postcode is kept. CHILD becomes ``<LA>|<CHILD>`` so that two councils'
identifiers cannot collide; identifiers stay inside the process (only aggregates leave it).
Codes come from ``docs/ssda903.md`` (via ``sim.records``), with the 2025-26 change:
Z1, H5 and P2 are refused in returns from 2025-26 on, and Z11-Z14 before it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from sim.geography import Geography
from sim.io.read903_files import (
    SHOWN_PER_KIND,
    UASC_REQUIRED,
    ObservedDataError,
    Problems,
    check_columns,
    display_name,
    district,
    find_files,
    la_column,
    la_lookup,
    load_table,
    norm_column,
    validate_episodes,
    validate_header,
)

__all__ = ["Extract", "ObservedDataError", "district", "find_files", "la_lookup", "read_extract"]


@dataclass
class Extract:
    """A clean observed extract.

    Attributes:
        episodes: SSDA903 episodes (CHILD = ``LA|CHILD``, LA = ONS code, datetime DECOM/DEC).
        header: one row per child: CHILD, LA, SEX, DOB, UASC.
        years: collection years (years ending 31 March) the extract covers.
        start: first day covered (1 April before the first year).
        end: last day covered (31 March of the last year).
        cleaning: counts of what cleaning did.
        files: the files read.
    """

    episodes: pd.DataFrame
    header: pd.DataFrame
    years: list[int]
    start: pd.Timestamp
    end: pd.Timestamp
    cleaning: dict[str, int] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)


def check_layout(read: list[tuple], probs: Problems) -> None:
    """Report the files that would make the numbers wrong if they were read as they are.

    A table with no rows (a year exported as a header line only: its children would stay
    open for good); two files of one table and year for the same LA (a copy or an older export
    left beside the real one, which would be merged with it); and a year missing between an
    LA's first and last episodes tables (its children would stay open or leave unseen).
    """
    owner: dict[tuple, object] = {}
    clashes: set[tuple[str, str]] = set()
    years_of: dict[str, set[int]] = {}
    for f, df in read:
        name = display_name(f)
        if len(df) == 0:
            what = "episodes" if f.table == "episodes" else "children"
            probs.add(
                f"{name}: holds no {what} (only a header line); export that year again, or"
                " remove the file and every year after it"
            )
            continue
        for code in sorted(set(df["LA"])):
            key = (f.table, f.year, code)
            first = owner.setdefault(key, f)
            if first is not f and (display_name(first), name) not in clashes:
                clashes.add((display_name(first), name))
                when = f"for {f.year}" if f.year else "with no year in their names"
                probs.add(
                    f"{display_name(first)} and {name}: two {f.table} tables {when} for {code};"
                    " keep one (move copies and older exports out of the extract's folder)"
                )
            if f.table == "episodes" and f.year:
                years_of.setdefault(code, set()).add(int(f.year))
    for code, years in sorted(years_of.items()):
        gaps = sorted(set(range(min(years), max(years) + 1)) - years)
        if gaps:
            probs.add(
                f"{code}: no episodes table for {', '.join(map(str, gaps))}, between"
                f" {min(years)} and {max(years)} (a missing return leaves its children open"
                " or lets them leave unseen; add it, or read the years on one side of it)"
            )


def read_extract(path, geo: Geography, la: str | None = None) -> Extract:
    """Read, validate and clean an observed SSDA903 extract.

    Args:
        path: a folder of yearly files (``2019-header.csv``, ``2019-episodes.csv``, optionally
            ``2019-uasc.csv``; CSV or Excel; one folder per LA allowed), a workbook with Header
            and Episodes sheets, or an episodes file with its header file beside it.
        geo: geography, to recognise LAs.
        la: the LA of files that have neither an LA column nor an LA folder.

    Returns:
        The clean extract.

    Raises:
        ObservedDataError: every problem found, each naming file, row, column and value.
    """
    files = find_files(Path(path), geo)
    lookup = la_lookup(geo)
    if la is not None:
        code = lookup.get(norm_column(la))
        if code is None:
            raise ObservedDataError(f"la={la!r} is not an English LA (ONS code, DfE number, name)")
        la = code
    probs = Problems()
    eps, heads, uascs = [], [], []
    read: list[tuple] = []  # (file, its table as read)
    for f in files:
        df = load_table(f)
        if f.table == "episodes":
            e = validate_episodes(df, f, probs, lookup, la)
            if e is not None:
                eps.append(e)
                read.append((f, e))
        elif f.table == "header":
            h = validate_header(df, f, probs, lookup, la)
            if h is not None:
                heads.append(h)
                read.append((f, h))
        elif check_columns(df, UASC_REQUIRED, f, probs):
            la_s = la_column(df, f, lookup, la, probs)
            if la_s is not None:
                uascs.append(pd.DataFrame({"CHILD": df["CHILD"], "LA": la_s}))
    probs.raise_if_any(f"{path}: the extract is not valid SSDA903")
    check_layout(read, probs)
    probs.raise_if_any(f"{path}: the extract would give wrong numbers as it is")
    ep = pd.concat(eps, ignore_index=True)
    if not heads:
        raise ObservedDataError(f"{path}: no header table found (expected e.g. 2019-header.csv)")
    hd = pd.concat(heads, ignore_index=True)
    ep, cleaning = _clean(ep, probs)
    probs.raise_if_any(f"{path}: the extract is not valid SSDA903")
    ep["CHILD"] = ep["LA"] + "|" + ep["CHILD"]
    hd["CHILD"] = hd["LA"] + "|" + hd["CHILD"]
    hd = hd.sort_values(["CHILD", "_year"], kind="stable").drop_duplicates("CHILD", keep="last")
    uasc_ids: set[str] = set()
    for u in uascs:
        uasc_ids.update(u["LA"] + "|" + u["CHILD"])
    hd["UASC"] = hd["UASC"] | hd["CHILD"].isin(sorted(uasc_ids))
    cleaning["uasc_children"] = int(hd["UASC"].sum())
    missing = sorted(set(ep["CHILD"]) - set(hd["CHILD"]))
    if missing:
        first = ep[ep["CHILD"] == missing[0]].iloc[0]
        raise ObservedDataError(
            f"{path}: {len(missing)} child(ren) have episodes but no header row; the first is"
            f" in {first['_file']} row {first['_row']} (every CHILD in episodes needs a header"
            " row with SEX and DOB)"
        )
    years = sorted({int(y) for y in ep["_year"] if y})
    if years:
        start, end = pd.Timestamp(years[0] - 1, 4, 1), pd.Timestamp(years[-1], 3, 31)
    else:
        last = ep["DECOM"].max()
        if ep["DEC"].notna().any():
            last = max(last, ep["DEC"].max())
        end_year = last.year + (1 if (last.month, last.day) > (3, 31) else 0)
        years = _default_years(ep, end_year)
        start, end = pd.Timestamp(years[0] - 1, 4, 1), pd.Timestamp(end_year, 3, 31)
    cols = ["CHILD", "LA", "DECOM", "RNE", "LS", "CIN", "PLACE", "PLACE_PROVIDER", "DEC", "REC"]
    cols += ["REASON_PLACE_CHANGE", "HOME_POST", "PL_POST", "URN"]
    ep = ep.sort_values(["CHILD", "DECOM"], kind="stable").reset_index(drop=True)
    for c in ("REC", "REASON_PLACE_CHANGE", "PLACE_PROVIDER", "CIN"):
        ep[c] = ep[c].replace("", None)
    return Extract(
        episodes=ep[cols],
        header=hd[["CHILD", "LA", "SEX", "DOB", "UASC"]].reset_index(drop=True),
        years=years,
        start=start,
        end=end,
        cleaning=cleaning,
        files=[display_name(f) for f in files],
    )


def _default_years(ep: pd.DataFrame, end_year: int) -> list[int]:
    """Years of a year-less extract: from the first year with at least half the peak starts."""
    s = ep[ep["RNE"] == "S"]["DECOM"]
    fy = s.dt.year + (s.dt.month >= 4).astype(int)
    counts = fy.value_counts()
    counts = counts[counts.index <= end_year]
    if counts.empty:
        return [end_year]
    first = int(counts[counts >= 0.5 * counts.max()].index.min())
    return list(range(first, end_year + 1))


def _clean(ep: pd.DataFrame, probs: Problems) -> tuple[pd.DataFrame, dict[str, int]]:
    """Merge years, drop duplicates and redundant episodes, close stale open episodes."""
    n0 = len(ep)
    key = ["LA", "CHILD", "DECOM"]
    ep = ep.sort_values([*key, "_year", "_row"], kind="stable")
    # A row repeated within one return is a duplicate; across returns it is the same episode.
    exact = ep.duplicated([c for c in ep.columns if not c.startswith("_")] + ["_file"])
    ep = ep[~exact]
    # The same episode in several returns: the latest return knows how it ended.
    same_file_dup = ep.duplicated([*key, "_file"], keep=False)
    twice = ep[same_file_dup].drop_duplicates([*key, "_file"])
    probs.add_many(
        "episodes: a child has two different episodes starting on one day in one return"
        " (expected one episode per start date)",
        (
            f"{r['_file']} row {r['_row']}: child {r['CHILD']!r}, {r['DECOM']:%d/%m/%Y}"
            for _, r in twice.head(SHOWN_PER_KIND).iterrows()
        ),
        len(twice),
    )
    if probs.count:
        return ep, {}
    across = ep.duplicated(key, keep="last")
    n_across = int(across.sum())
    ep = ep[~across].sort_values(["LA", "CHILD", "DECOM"], kind="stable").reset_index(drop=True)
    same = ep["CHILD"].eq(ep["CHILD"].shift(-1)) & ep["LA"].eq(ep["LA"].shift(-1))
    nxt = ep.shift(-1)
    # An episode left open in an earlier return and followed by a later episode: close it there.
    stale = same & ep["DEC"].isna() & (ep["_year"] < nxt["_year"])
    ep.loc[stale, "DEC"] = nxt.loc[stale, "DECOM"]
    ep.loc[stale, "REC"] = np.where(nxt.loc[stale, "RNE"] == "S", "E8", "X1")
    # Overlaps: an episode starting before the one before it has ended.
    prev_end = ep["DEC"].shift(1)
    prev_same = same.shift(1, fill_value=False)
    overlap = prev_same & (prev_end.isna() | (ep["DECOM"] < prev_end))

    def one(i: int) -> str:
        r, p = ep.iloc[i], ep.iloc[i - 1]
        ended = "is still open" if pd.isna(p["DEC"]) else f"ends {p['DEC']:%d/%m/%Y}"
        return (
            f"{r['_file']} row {r['_row']}: child {r['CHILD']!r} has an episode starting"
            f" {r['DECOM']:%d/%m/%Y} while the one from {p['DECOM']:%d/%m/%Y} ({p['_file']}"
            f" row {p['_row']}) {ended}"
        )

    at = np.flatnonzero(overlap.to_numpy())
    probs.add_many(
        "episodes: overlapping episodes (one starts before the one before it has ended)",
        (one(i) for i in at[:SHOWN_PER_KIND]),
        len(at),
    )
    if probs.count:
        return ep, {}
    # Redundant: continues the previous episode on the same day with nothing changed.
    cols = ["LS", "PLACE", "PLACE_PROVIDER", "PL_POST", "URN"]
    prev = ep.shift(1)
    redundant = (
        prev_same
        & ep["RNE"].ne("S")
        & (ep["DECOM"] == prev["DEC"])
        & prev["REC"].eq("X1")
        & np.logical_and.reduce([ep[c].eq(prev[c]) for c in cols])
    )
    # Fold each redundant run into the first episode of the run.
    keep_idx = (~redundant).cumsum() - 1
    firsts = ep[~redundant].reset_index(drop=True)
    last_of_run = ep.groupby(keep_idx.to_numpy()).tail(1)
    firsts["DEC"] = last_of_run["DEC"].to_numpy()
    firsts["REC"] = last_of_run["REC"].to_numpy()
    firsts["REASON_PLACE_CHANGE"] = last_of_run["REASON_PLACE_CHANGE"].to_numpy()
    cleaning = {
        "episodes_read": n0,
        "duplicate_rows_dropped": int(exact.sum()),
        "episodes_repeated_in_later_returns": n_across,
        "stale_open_episodes_closed": int(stale.sum()),
        "redundant_episodes_merged": int(redundant.sum()),
        "episodes": len(firsts),
    }
    return firsts, cleaning
