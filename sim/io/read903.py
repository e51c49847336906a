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

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from sim.geography import Geography
from sim.records import (
    CIN_CODES,
    LS_CODES,
    PLACE_CODES,
    PROVIDER_CODES,
    REC_CODES,
    RNE_CODES,
    RPC_CODES,
)

EPISODE_REQUIRED = ["CHILD", "DECOM", "RNE", "LS", "PLACE", "DEC", "REC"]
EPISODE_OPTIONAL = [
    "CIN",
    "PLACE_PROVIDER",
    "REASON_PLACE_CHANGE",
    "HOME_POST",
    "PL_POST",
    "URN",
]
HEADER_REQUIRED = ["CHILD", "SEX", "DOB"]
UASC_REQUIRED = ["CHILD"]
CODES = {
    "RNE": RNE_CODES,
    "LS": LS_CODES,
    "CIN": CIN_CODES,
    "PLACE": PLACE_CODES,
    "PLACE_PROVIDER": PROVIDER_CODES,
    "REC": REC_CODES,
    "REASON_PLACE_CHANGE": RPC_CODES,
}
SEX_CODES = ["1", "2", "M", "F", "U"]
# Codes valid only up to the 2024-25 return, and only from the 2025-26 return (ssda903.md).
UNTIL_2025 = ("Z1", "H5", "P2")
FROM_2026 = ("Z11", "Z12", "Z13", "Z14")
TABLES = ("header", "episodes", "uasc")
SUFFIXES = (".csv", ".xlsx", ".xls")
MAX_LISTED = 25  # problems listed in one error message


class ObservedDataError(Exception):
    """An observed extract that cannot be read as it is; the message lists every problem."""


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


@dataclass
class _File:
    path: Path
    table: str
    year: int | None
    la: str | None  # ONS code from the folder name, if any
    sheet: str | None = None


class _Problems:
    def __init__(self) -> None:
        self.items: list[str] = []
        self.count = 0

    def add(self, msg: str) -> None:
        self.count += 1
        if len(self.items) < MAX_LISTED:
            self.items.append(msg)

    def raise_if_any(self, what: str) -> None:
        if self.count:
            more = self.count - len(self.items)
            tail = f"\n  ... and {more} more" if more > 0 else ""
            raise ObservedDataError(
                f"{what}: {self.count} problem(s)\n  " + "\n  ".join(self.items) + tail
            )


# ---- LA names -------------------------------------------------------------------------------
def _norm(s: str) -> str:
    return re.sub(r"[^a-z0-9]", "", str(s).lower())


def la_lookup(geo: Geography) -> dict[str, str]:
    """Normalised ONS code, DfE number and name of every LA -> ONS code."""
    out: dict[str, str] = {}
    for _, r in geo.las.iterrows():
        code = str(r["ons_code"])
        out[_norm(code)] = code
        out[_norm(str(r["dfe_la_code"]))] = code
        out[_norm(str(r["la_name"]))] = code
    return out


def _year_of(text: str) -> int | None:
    m = re.findall(r"(?<!\d)(?:19|20)\d{2}(?!\d)", text)
    return int(m[-1]) if m else None


# ---- finding the files ----------------------------------------------------------------------
def _table_of(name: str) -> str | None:
    n = name.lower()
    if "header" in n:
        return "header"
    if "episode" in n:
        return "episodes"
    if "uasc" in n:
        return "uasc"
    return None


def find_files(path: Path, geo: Geography) -> list[_File]:
    """The Header, Episodes and UASC tables under ``path`` (a file, workbook or folder)."""
    path = Path(path)
    if not path.exists():
        raise ObservedDataError(f"{path}: no such file or folder")
    lookup = la_lookup(geo)
    found: list[_File] = []
    if path.is_file():
        candidates = [path]
        if _table_of(path.name) in ("episodes", "header"):
            candidates = sorted(
                p
                for p in path.parent.iterdir()
                if p.suffix.lower() in SUFFIXES
                and _year_of(p.name) == _year_of(path.name)
                and _table_of(p.name) is not None
            )
        root = path.parent
    else:
        candidates = sorted(p for p in path.rglob("*") if p.suffix.lower() in SUFFIXES)
        root = path
    for p in candidates:
        rel = p.relative_to(root)
        la = None
        for part in rel.parts[:-1]:
            la = lookup.get(_norm(part), la)
        year = _year_of(p.name)
        if year is None:
            for part in rel.parts[:-1]:
                year = _year_of(part) or year
        if p.suffix.lower() in (".xlsx", ".xls") and _table_of(p.name) is None:
            for sheet in _sheets(p):
                t = _table_of(sheet)
                if t:
                    found.append(_File(p, t, year, la, sheet))
            continue
        t = _table_of(p.name)
        if t:
            found.append(_File(p, t, year, la))
    if not any(f.table == "episodes" for f in found):
        raise ObservedDataError(
            f"{path}: no episodes table found (expected files named like 2019-episodes.csv and"
            " 2019-header.csv, or a workbook with Header and Episodes sheets)"
        )
    return found


def _sheets(p: Path) -> list[str]:
    try:
        return list(pd.ExcelFile(p).sheet_names)
    except Exception as exc:  # openpyxl raises several kinds for a bad workbook
        raise ObservedDataError(f"{p}: cannot be read as an Excel workbook ({exc})") from None


def _load(f: _File) -> pd.DataFrame:
    try:
        if f.sheet is not None or f.path.suffix.lower() in (".xlsx", ".xls"):
            df = pd.read_excel(f.path, sheet_name=f.sheet or 0, dtype=object)
        else:
            df = pd.read_csv(f.path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except ObservedDataError:
        raise
    except Exception as exc:  # pandas raises many kinds for an unreadable file
        raise ObservedDataError(f"{_name(f)}: cannot be read ({exc})") from None
    df.columns = [str(c).strip().upper() for c in df.columns]
    for c in df.columns:
        df[c] = _text(df[c])
    return df


def _text(s: pd.Series) -> pd.Series:
    """Cells as stripped strings ('' when empty); Excel dates as dd/mm/yyyy."""

    def one(v):
        if v is None or (isinstance(v, float) and np.isnan(v)):
            return ""
        if isinstance(v, pd.Timestamp):
            return v.strftime("%d/%m/%Y")
        if hasattr(v, "strftime"):
            return v.strftime("%d/%m/%Y")
        if isinstance(v, float) and v.is_integer():
            return str(int(v))
        return str(v).strip()

    return s.map(one)


def _name(f: _File) -> str:
    return f"{f.path}" + (f" [sheet {f.sheet}]" if f.sheet else "")


# ---- validation ---------------------------------------------------------------------------------
def _dates(df: pd.DataFrame, col: str, f: _File, probs: _Problems, blank_ok: bool) -> pd.Series:
    s = df[col]
    out = pd.to_datetime(s, format="%d/%m/%Y", errors="coerce")
    iso = pd.to_datetime(s.where(out.isna()), format="%Y-%m-%d", errors="coerce")
    out = out.fillna(iso)
    bad = out.isna() & (s != "" if blank_ok else pd.Series(True, index=s.index))
    for i in np.flatnonzero(bad.to_numpy())[:MAX_LISTED]:
        v = s.iloc[i]
        what = "is empty" if v == "" else f"{v!r} is not a date"
        probs.add(f"{_name(f)} row {i + 2}, column {col}: {what} (expected dd/mm/yyyy)")
    probs.count += max(0, int(bad.sum()) - MAX_LISTED)
    return out


def _codes(df: pd.DataFrame, col: str, f: _File, probs: _Problems, blank_ok: bool) -> None:
    allowed = CODES[col]
    s = df[col].str.upper()
    df[col] = s
    bad = ~s.isin(allowed) & ((s != "") if blank_ok else True)
    year = f.year
    if col == "PLACE" and year is not None:
        bad |= s.isin(UNTIL_2025) & (year >= 2026)
        bad |= s.isin(FROM_2026) & (year <= 2025)
    for i in np.flatnonzero(np.asarray(bad))[:MAX_LISTED]:
        v = s.iloc[i]
        if v == "":
            probs.add(f"{_name(f)} row {i + 2}, column {col}: empty (expected a code)")
            continue
        valid = [c for c in allowed if not (year and year >= 2026 and c in UNTIL_2025)]
        valid = [c for c in valid if not (year and year <= 2025 and c in FROM_2026)]
        when = f" in the {year - 1}-{str(year)[2:]} return" if year and v in allowed else ""
        probs.add(
            f"{_name(f)} row {i + 2}, column {col}: unknown code {v!r}{when}"
            f" (expected one of {', '.join(valid)})"
        )
    probs.count += max(0, int(np.asarray(bad).sum()) - MAX_LISTED)


def _columns(df: pd.DataFrame, need: list[str], f: _File, probs: _Problems) -> bool:
    missing = [c for c in need if c not in df.columns]
    if missing:
        probs.add(
            f"{_name(f)}: missing column(s) {', '.join(missing)}"
            f" (a {f.table} table needs {', '.join(need)}; found {', '.join(df.columns)})"
        )
        return False
    return True


def _la_column(
    df: pd.DataFrame, f: _File, lookup: dict[str, str], la: str | None, probs: _Problems
) -> pd.Series | None:
    if "LA" in df.columns and (df["LA"] != "").any():
        mapped = df["LA"].map(lambda v: lookup.get(_norm(v)))
        for i in np.flatnonzero(mapped.isna().to_numpy())[:5]:
            probs.add(
                f"{_name(f)} row {i + 2}, column LA: {df['LA'].iloc[i]!r} is not an English LA"
                " (expected an ONS code such as E08000003, a DfE number such as 352, or a name)"
            )
        return mapped
    code = f.la or la
    if code is None:
        probs.add(
            f"{_name(f)}: no LA (add an LA column, put the files in a folder named by the LA,"
            " or pass la=<ONS code or name>)"
        )
        return None
    return pd.Series(code, index=df.index)


def _validate_episodes(df, f, probs, lookup, la) -> pd.DataFrame | None:
    if not _columns(df, EPISODE_REQUIRED, f, probs):
        return None
    for c in EPISODE_OPTIONAL:
        if c not in df.columns:
            df[c] = ""
    if "REP" in df.columns:
        df = df[df["REP"].isin(("", "0"))].reset_index(drop=True)
    n0 = probs.count
    df["LA"] = _la_column(df, f, lookup, la, probs)
    empty = df["CHILD"] == ""
    for i in np.flatnonzero(empty.to_numpy())[:5]:
        probs.add(f"{_name(f)} row {i + 2}, column CHILD: empty (expected the child's id)")
    decom = _dates(df, "DECOM", f, probs, blank_ok=False)
    dec = _dates(df, "DEC", f, probs, blank_ok=True)
    for col in ("RNE", "LS", "PLACE"):
        _codes(df, col, f, probs, blank_ok=False)
    for col in ("CIN", "PLACE_PROVIDER", "REASON_PLACE_CHANGE", "REC"):
        _codes(df, col, f, probs, blank_ok=True)
    if probs.count > n0:
        return None
    rows = pd.Series(np.arange(len(df)) + 2, index=df.index)
    has_dec = dec.notna()
    checks = [
        (has_dec & (dec < decom), "DEC", "is before DECOM"),
        (has_dec & (df["REC"] == ""), "REC", "is empty although DEC is given"),
        (~has_dec & (df["REC"] != ""), "DEC", "is empty although REC is given"),
    ]
    if f.year is not None:
        ye = pd.Timestamp(f.year, 3, 31)
        checks += [
            (decom > ye, "DECOM", f"is after the end of the return (31/03/{f.year})"),
            (has_dec & (dec > ye), "DEC", f"is after the end of the return (31/03/{f.year})"),
            (
                has_dec & (dec < pd.Timestamp(f.year - 1, 4, 1)),
                "DEC",
                f"is before the start of the return (01/04/{f.year - 1})",
            ),
        ]
    for mask, col, what in checks:
        for i in np.flatnonzero(mask.to_numpy())[:MAX_LISTED]:
            probs.add(f"{_name(f)} row {rows.iloc[i]}, column {col}: {df[col].iloc[i]!r} {what}")
    if probs.count > n0:
        return None
    out = df[["CHILD", "LA", *CODES, "HOME_POST", "PL_POST", "URN"]].copy()
    out["DECOM"] = decom
    out["DEC"] = dec
    out["HOME_POST"] = out["HOME_POST"].map(district)
    out["PL_POST"] = out["PL_POST"].map(district)
    out["_file"] = _name(f)
    out["_row"] = rows
    out["_year"] = f.year if f.year is not None else 0
    return out


def _validate_header(df, f, probs, lookup, la) -> pd.DataFrame | None:
    if not _columns(df, HEADER_REQUIRED, f, probs):
        return None
    if "REP" in df.columns:
        df = df[df["REP"].isin(("", "0"))].reset_index(drop=True)
    n0 = probs.count
    df["LA"] = _la_column(df, f, lookup, la, probs)
    dob = _dates(df, "DOB", f, probs, blank_ok=False)
    sex = df["SEX"].str.upper()
    bad = ~sex.isin(SEX_CODES)
    for i in np.flatnonzero(bad.to_numpy())[:MAX_LISTED]:
        probs.add(
            f"{_name(f)} row {i + 2}, column SEX: {df['SEX'].iloc[i]!r} is not a code"
            f" (expected one of {', '.join(SEX_CODES)})"
        )
    if probs.count > n0:
        return None
    uasc = df["UASC"].isin(("1", "True", "TRUE", "Y", "y")) if "UASC" in df.columns else False
    return pd.DataFrame(
        {
            "CHILD": df["CHILD"],
            "LA": df["LA"],
            "SEX": sex.replace({"1": "M", "2": "F"}),
            "DOB": dob,
            "UASC": uasc,
            "_year": f.year if f.year is not None else 0,
        }
    )


def district(post: str) -> str:
    """The postcode district (outward code) of a full or partial postcode ('' if none)."""
    p = re.sub(r"\s+", " ", str(post).strip().upper())
    if not p:
        return ""
    if " " in p:
        return p.split(" ")[0]
    return p[:-3] if len(p) > 4 and p[-3].isdigit() else p


# ---- reading and cleaning ---------------------------------------------------------------------
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
        code = lookup.get(_norm(la))
        if code is None:
            raise ObservedDataError(f"la={la!r} is not an English LA (ONS code, DfE number, name)")
        la = code
    probs = _Problems()
    eps, heads, uascs = [], [], []
    for f in files:
        df = _load(f)
        if f.table == "episodes":
            e = _validate_episodes(df, f, probs, lookup, la)
            if e is not None:
                eps.append(e)
        elif f.table == "header":
            h = _validate_header(df, f, probs, lookup, la)
            if h is not None:
                heads.append(h)
        elif _columns(df, UASC_REQUIRED, f, probs):
            la_s = _la_column(df, f, lookup, la, probs)
            if la_s is not None:
                uascs.append(pd.DataFrame({"CHILD": df["CHILD"], "LA": la_s}))
    probs.raise_if_any(f"{path}: the extract is not valid SSDA903")
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
        files=[_name(f) for f in files],
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


def _clean(ep: pd.DataFrame, probs: _Problems) -> tuple[pd.DataFrame, dict[str, int]]:
    """Merge years, drop duplicates and redundant episodes, close stale open episodes."""
    n0 = len(ep)
    key = ["LA", "CHILD", "DECOM"]
    ep = ep.sort_values([*key, "_year", "_row"], kind="stable")
    # A row repeated within one return is a duplicate; across returns it is the same episode.
    exact = ep.duplicated([c for c in ep.columns if not c.startswith("_")] + ["_file"])
    ep = ep[~exact]
    # The same episode in several returns: the latest return knows how it ended.
    same_file_dup = ep.duplicated([*key, "_file"], keep=False)
    for _, r in ep[same_file_dup].drop_duplicates([*key, "_file"]).head(MAX_LISTED).iterrows():
        probs.add(
            f"{r['_file']} row {r['_row']}: child {r['CHILD']!r} has two different episodes"
            f" starting {r['DECOM']:%d/%m/%Y} (expected one episode per start date)"
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
    for i in np.flatnonzero(overlap.to_numpy())[:MAX_LISTED]:
        r, p = ep.iloc[i], ep.iloc[i - 1]
        ended = "is still open" if pd.isna(p["DEC"]) else f"ends {p['DEC']:%d/%m/%Y}"
        probs.add(
            f"{r['_file']} row {r['_row']}: child {r['CHILD']!r} has an episode starting"
            f" {r['DECOM']:%d/%m/%Y} while the one from {p['DECOM']:%d/%m/%Y} ({p['_file']}"
            f" row {p['_row']}) {ended} (overlapping episodes)"
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
