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
from sim.io.read903_checks import (
    Batch,
    by_distinct,
    district,
    to_dates,
    validate_episodes,
    validate_header,
)
from sim.io.read903_clean import clean, overlap_effect
from sim.io.read903_files import (
    DEC_AFTER_END,
    EPISODE_OPTIONAL,
    EPISODE_REQUIRED,
    HEADER_REQUIRED,
    REC_ON_OPEN,
    UASC_REQUIRED,
    UNNAMED_LA,
    ObservedDataError,
    Problems,
    check_columns,
    display_name,
    find_files,
    la_column,
    la_lookup,
    load_table,
    norm_column,
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
    year_naming: str = "end"  # file names give the year the collection ends, or starts
    notes: list[str] = field(default_factory=list)  # how it was read, for the user


YEAR_NAMINGS = ("auto", "start", "end")
# What reading changes by default (``strict=true`` refuses each), as ``cleaning`` counts them.
REPAIRS = (
    REC_ON_OPEN,
    DEC_AFTER_END,
    "duplicate_rows_dropped",
    "stale_open_episodes_closed",
    "overlapping_episodes_within_another_left_out",
    "overlapping_episodes_cut_short",
)


def file_year_naming(loaded: list[tuple], choice: str = "auto") -> str:
    """Whether the years in file names are the years collections end or start; sets them.

    The DfE names a collection by the year it ends (the 2024 return covers April 2023 to March
    2024); some tools by the year it starts (Data to Insight's samples: ``2017-episodes.csv``
    holds April 2017 to March 2018). With ``choice="auto"`` the dates decide: the naming under
    which fewer episodes start or end outside their file's year (after its 31 March, or ending
    before its 1 April); a tie is read as the DfE's. Under "start" each file's year becomes the
    year its collection ends, which is what the rest of the reader means by a year.
    """
    if choice not in YEAR_NAMINGS:
        raise ObservedDataError(f"year_naming={choice}: expected one of {', '.join(YEAR_NAMINGS)}")
    if choice == "auto":
        misfit = {"end": 0, "start": 0}
        named = [
            (f, df)
            for f, df in loaded
            if f.table == "episodes" and f.year and "DECOM" in df.columns and "DEC" in df.columns
        ]
        if named:  # every file's dates at once, each with its file's year
            decom = to_dates(pd.concat([df["DECOM"] for _, df in named], ignore_index=True))
            dec = to_dates(pd.concat([df["DEC"] for _, df in named], ignore_index=True))
            years = np.repeat([f.year for f, _ in named], [len(df) for _, df in named])
            decom, dec = decom.to_numpy(), dec.to_numpy()
            for naming, shift in (("end", 0), ("start", 1)):
                april = (years + shift - 1970).astype("datetime64[Y]").astype("datetime64[M]")
                april = april + np.timedelta64(3, "M")
                end = april.astype("datetime64[D]") - np.timedelta64(1, "D")  # 31 March
                start = (april - np.timedelta64(12, "M")).astype("datetime64[D]")  # 1 April before
                bad = (decom > end) | (dec > end) | (dec < start)
                misfit[naming] = int(bad.sum())
        choice = "start" if misfit["start"] < misfit["end"] else "end"
    if choice == "start":
        for f, _ in loaded:
            if f.year:
                f.year += 1
    return choice


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
    # (``read``: each file with its rows and the LAs they name)
    named = [display_name(f) for f, n, las in read if n and any(x != UNNAMED_LA for x in las)]
    unnamed = [display_name(f) for f, n, las in read if n and UNNAMED_LA in las]
    if named and unnamed:
        probs.add(
            f"{unnamed[0]} names no LA while {named[0]} does: give every file its LA (an LA"
            " column or folder), or read one council's files with la=<ONS code or name>"
        )
    for f, n, las in read:
        name = display_name(f)
        if n == 0:
            what = "episodes" if f.table == "episodes" else "children"
            probs.add(
                f"{name}: holds no {what} (only a header line); export that year again, or"
                " remove the file and every year after it"
            )
            continue
        for code in sorted(str(x) for x in las if x is not None):
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


def read_extract(
    path,
    geo: Geography,
    la: str | None = None,
    year_naming: str = "auto",
    strict: bool = False,
) -> Extract:
    """Read, validate, repair and clean an observed SSDA903 extract.

    Args:
        path: a folder of yearly files (``2019-header.csv``, ``2019-episodes.csv``, optionally
            ``2019-uasc.csv``; CSV or Excel; one folder per LA allowed), a workbook with Header
            and Episodes sheets, or an episodes file with its header file beside it.
        geo: geography, to recognise LAs.
        la: the LA of files that have neither an LA column nor an LA folder (without it such
            files are one council, ``UNNAMED_LA``, whose geography is unknown).
        year_naming: whether the years in file names are those collections end or start
            (``file_year_naming``; "auto" decides from the dates).
        strict: refuse what reading would repair (a REC on an open episode, a row repeated in
            one return, an episode left open in one return and followed in a later one).

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
    loaded = [(f, load_table(f)) for f in files]
    naming = file_year_naming(loaded, year_naming)
    repairs: dict[str, int] | None = None if strict else {}
    tables, uascs, read = _prepare(loaded, lookup, la, probs)
    loaded = [(f, None) for f, _ in loaded]  # (the files' text is in ``tables`` now)
    eps = heads = None
    if tables["episodes"] is not None:
        eps = validate_episodes(*tables["episodes"], probs, repairs)
    if tables["header"] is not None:
        heads = validate_header(*tables["header"], probs)
    del tables
    probs.raise_if_any(f"{path}: the extract is not valid SSDA903")
    check_layout(read, probs)
    probs.raise_if_any(f"{path}: the extract would give wrong numbers as it is")
    ep = eps
    if heads is None:
        raise ObservedDataError(f"{path}: no header table found (expected e.g. 2019-header.csv)")
    hd = heads
    ep, cleaning, excluded = clean(ep, probs, strict)
    probs.raise_if_any(f"{path}: the extract is not valid SSDA903")
    cleaning = {**(repairs or {}), **cleaning}
    notes = _reading_notes(loaded, naming, cleaning)
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
    if len(excluded):
        notes.append(overlap_effect(ep, excluded, years))
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
        year_naming=naming,
        notes=notes,
    )


NEEDS = {"episodes": EPISODE_REQUIRED, "header": HEADER_REQUIRED, "uasc": UASC_REQUIRED}


def _prepare(loaded: list[tuple], lookup: dict, la: str | None, probs: Problems):
    """Each table's files as one frame with each row's file and line (``Batch``), and LA.

    Files missing a required column are reported and left out; a replicate column (REP, as
    the model writes) keeps replicate 0; optional episode columns are '' where a file lacks
    them; cells are stripped of spaces.

    Returns:
        ``{"episodes": (frame, batch) or None, "header": ...}``, the UASC tables (CHILD, LA),
        and each file with its row count and the LAs it names (``check_layout``).
    """
    parts: dict[str, list] = {"episodes": [], "header": [], "uasc": []}
    read = []
    for f, df in loaded:
        if not check_columns(df, NEEDS[f.table], f, probs):
            continue
        line = np.arange(len(df)) + 2
        if "REP" in df.columns:
            keep = df["REP"].str.strip().isin(("", "0")).to_numpy()
            df, line = df[keep], line[keep]
        la_s = la_column(df, f, lookup, la, probs).to_numpy()
        parts[f.table].append((f, df, line, la_s))
        if f.table != "uasc":
            read.append((f, len(df), list(pd.unique(la_s))))
    out: dict[str, tuple | None] = {}
    for table, items in parts.items():
        if not items:
            out[table] = None
            continue
        cols = [*NEEDS[table], *(EPISODE_OPTIONAL if table == "episodes" else ["UASC"])]
        big = pd.concat([d for _, d, _, _ in items], ignore_index=True)
        big = big[[c for c in cols if c in big.columns]]
        for c in big.columns:  # a file without the column: ''
            big[c] = by_distinct(big[c].fillna(""), lambda u: u.str.strip())
        for c in cols:
            if c not in big.columns and (table == "episodes" or c != "UASC"):
                big[c] = ""
        big["LA"] = np.concatenate([x for _, _, _, x in items])
        line = np.concatenate([x for _, _, x, _ in items])
        big["_line"] = line
        ix = np.repeat(np.arange(len(items)), [len(d) for _, d, _, _ in items])
        out[table] = (big, Batch([f for f, _, _, _ in items], ix, line))
    uasc = out.pop("uasc")
    uascs = [uasc[0][["CHILD", "LA"]]] if uasc is not None else []
    return out, uascs, read


def _reading_notes(loaded: list[tuple], naming: str, cleaning: dict[str, int]) -> list[str]:
    """How the extract was read, in words: year naming, encodings, delimiters, empty edges."""
    notes = []
    named = sorted((f for f, _ in loaded if f.year), key=lambda f: (f.year, str(f.path)))
    if named:
        f = named[0]
        y = f.year
        which, other = ("starts", "end") if naming == "start" else ("ends", "start")
        notes.append(
            f"file names read as the year each collection {which}: {f.path.name} holds"
            f" 1 April {y - 1} to 31 March {y} (year_naming={other} reads them the other way)"
        )
    how: dict[str, int] = {}
    for f, _ in loaded:
        for key in ("encoding", "delimiter"):
            v = f.how.get(key)
            if v and v not in ("utf-8", "comma", "excel"):
                how[f"{key} {v}"] = how.get(f"{key} {v}", 0) + 1
        for key in ("empty_rows", "empty_columns"):
            cleaning[f"{key}_skipped"] = cleaning.get(f"{key}_skipped", 0) + f.how.get(key, 0)
    notes += [f"{n} file(s) read with {k}" for k, n in sorted(how.items())]
    return notes


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
