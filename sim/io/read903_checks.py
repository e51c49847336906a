"""Checking an extract's tables: codes, dates, legal values, every problem at its file and row.

This module owns the checks of the Header and Episodes tables, run once over all the files of
a table together (``Batch``: each row knows its file, line and return year), so that an
extract of thousands of yearly files costs a few passes over its rows, not thousands of small
ones; and each distinct value (dates, codes, postcodes) is worked out once (``by_distinct``).
Every problem is reported with its file, row, column and value (``Problems``); what reading
repairs by default (``REC_ON_OPEN``, ``DEC_AFTER_END``) is counted instead, unless ``strict``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.io.read903_files import (
    CODES,
    DEC_AFTER_END,
    FROM_2026,
    REC_ON_OPEN,
    SEX_CODES,
    SHOWN_PER_KIND,
    TIME_OF_DAY,
    UNTIL_2025,
    Problems,
    SourceFile,
    display_name,
)


@dataclass
class Batch:
    """The rows of several files of one table: each row's file, line and return year.

    Attributes:
        files: the files, in order.
        file_ix: by row, its file's index in ``files``.
        line: by row, its line in its file (the column names are line 1).
    """

    files: list[SourceFile]
    file_ix: np.ndarray
    line: np.ndarray

    @property
    def table(self) -> str:
        """The table the files hold."""
        return self.files[0].table if self.files else ""

    def year(self) -> np.ndarray:
        """By row: its file's return year (the year ending 31 March), 0 if none."""
        years = np.array([f.year or 0 for f in self.files], np.int64)
        return years[self.file_ix] if len(self.files) else np.zeros(0, np.int64)

    def where(self, i: int) -> str:
        """Row ``i`` as problems cite it: its file and row."""
        return f"{display_name(self.files[self.file_ix[i]])} row {self.line[i]}"

    def file_names(self) -> pd.Categorical:
        """By row: its file's name (as problems cite it)."""
        names = [display_name(f) for f in self.files]
        return pd.Categorical.from_codes(self.file_ix, categories=pd.Index(names).unique())


def by_distinct(s: pd.Series, fn) -> pd.Series:
    """``fn`` of a text column, worked out once per distinct value (a return has few)."""
    codes, uniques = pd.factorize(s)
    done = fn(pd.Series(uniques, dtype=s.dtype)).to_numpy()
    return pd.Series(done[codes], index=s.index)


def _dates_of(s: pd.Series) -> pd.Series:
    day = s.str.replace(TIME_OF_DAY, "", regex=True)  # '05/07/2019 00:00' is 5 July 2019
    out = pd.to_datetime(day, format="%d/%m/%Y", errors="coerce")
    iso = pd.to_datetime(day.where(out.isna()), format="%Y-%m-%d", errors="coerce")
    return out.fillna(iso)


def to_dates(s: pd.Series) -> pd.Series:
    """Text as dates (dd/mm/yyyy or yyyy-mm-dd, a time of day dropped); NaT if neither."""
    return by_distinct(s, _dates_of).astype("datetime64[ns]")


def _year_ends(years: np.ndarray, month: int, day: int, offset: int = 0) -> np.ndarray:
    """By row: the date ``day``/``month`` of its year plus ``offset`` (NaT where no year)."""
    out = np.full(len(years), np.datetime64("NaT", "ns"), "datetime64[ns]")
    for y in np.unique(years[years > 0]):
        out[years == y] = np.datetime64(f"{y + offset:04d}-{month:02d}-{day:02d}", "ns")
    return out


def parse_dates(df: pd.DataFrame, col: str, b: Batch, probs: Problems, blank_ok: bool):
    """Column ``col`` as dates (``to_dates``); values that are not dates reported."""
    s = df[col]
    out = to_dates(s)
    bad = out.isna().to_numpy() & ((s != "").to_numpy() if blank_ok else True)
    empty = (s == "").to_numpy()
    for is_empty in (True, False):
        at = np.flatnonzero(bad & (empty == is_empty))
        what = "is empty" if is_empty else "is not a date"
        probs.add_many(
            f"{b.table}, column {col}: {what} (expected dd/mm/yyyy)",
            (
                f"{b.where(i)}, column {col}: "
                + ("empty" if is_empty else f"{s.iloc[i]!r} is not a date")
                for i in at[:SHOWN_PER_KIND]
            ),
            len(at),
        )
    return out


def check_codes(df: pd.DataFrame, col: str, b: Batch, probs: Problems, blank_ok: bool) -> None:
    """Report values of ``col`` that are not in its SSDA903 code list (for their year)."""
    allowed = CODES[col]
    s = by_distinct(df[col], lambda u: u.str.upper()).astype(df[col].dtype)
    df[col] = s
    empty = (s == "").to_numpy()
    bad = ~s.isin(allowed).to_numpy() & (~empty if blank_ok else True)
    years = b.year()
    if col == "PLACE":
        bad |= s.isin(UNTIL_2025).to_numpy() & (years >= 2026)
        bad |= s.isin(FROM_2026).to_numpy() & (years > 0) & (years <= 2025)
    at = np.flatnonzero(bad & empty)
    probs.add_many(
        f"{b.table}, column {col}: empty (expected a code)",
        (f"{b.where(i)}, column {col}: empty" for i in at[:SHOWN_PER_KIND]),
        len(at),
    )
    at = np.flatnonzero(bad & ~empty)

    def one(i: int) -> str:
        v, year = s.iloc[i], int(years[i])
        when = f" in the {year - 1}-{str(year)[2:]} return" if year and v in allowed else ""
        return f"{b.where(i)}, column {col}: unknown code {v!r}{when}"

    valid = list(allowed)
    if len(at) and col == "PLACE":
        year = int(years[at[0]])
        valid = [c for c in valid if not (year and year >= 2026 and c in UNTIL_2025)]
        valid = [c for c in valid if not (year and year <= 2025 and c in FROM_2026)]
    probs.add_many(
        f"{b.table}, column {col}: unknown code (expected one of {', '.join(valid)})",
        (one(i) for i in at[:SHOWN_PER_KIND]),
        len(at),
    )


def validate_episodes(df: pd.DataFrame, b: Batch, probs: Problems, repairs=None):
    """The episodes of a batch checked and typed (dates, codes), or None if they cannot be read.

    ``df`` has every episode column (optional ones '' where a file lacks them) and LA.
    ``repairs`` (counts by kind, updated): a REC on an episode with no DEC is dropped, with its
    reason for a placement change (both sector tools read the episode as still open, and the
    next return closes it); an end dated in the year after the return's is kept. Without
    ``repairs`` (``strict``) both are problems.
    """
    n0 = probs.count
    at = np.flatnonzero((df["CHILD"] == "").to_numpy())
    probs.add_many(
        "episodes, column CHILD: empty (expected the child's id)",
        (f"{b.where(i)}, column CHILD: empty" for i in at[:SHOWN_PER_KIND]),
        len(at),
    )
    decom = parse_dates(df, "DECOM", b, probs, blank_ok=False)
    dec = parse_dates(df, "DEC", b, probs, blank_ok=True)
    for col in ("RNE", "LS", "PLACE"):
        check_codes(df, col, b, probs, blank_ok=False)
    for col in ("CIN", "PLACE_PROVIDER", "REASON_PLACE_CHANGE", "REC"):
        check_codes(df, col, b, probs, blank_ok=True)
    if probs.count > n0:
        return None
    has_dec = dec.notna().to_numpy()
    rec_open = ~has_dec & (df["REC"] != "").to_numpy()
    if repairs is not None:
        n = int(rec_open.sum())
        repairs[REC_ON_OPEN] = repairs.get(REC_ON_OPEN, 0) + n
        if n:
            df.loc[rec_open, ["REC", "REASON_PLACE_CHANGE"]] = ""
        rec_open = rec_open & False
    decom_v, dec_v = decom.to_numpy(), dec.to_numpy()
    years = b.year()
    ends = _year_ends(years, 3, 31)
    late = has_dec & (dec_v > ends)
    if repairs is not None:
        # An end dated in the next year (an export run after 31 March): the episode was open
        # at the return's end; its end is kept (a later return's row, if any, wins).
        soon = late & (dec_v <= _year_ends(years, 3, 31, 1))
        repairs[DEC_AFTER_END] = repairs.get(DEC_AFTER_END, 0) + int(soon.sum())
        late = late & ~soon
    naming = (
        " (if the files are named by the year a collection starts, read them with"
        " year_naming=start)"
    )
    checks = [
        (has_dec & (dec_v < decom_v), "DEC", "is before DECOM", ""),
        (has_dec & (df["REC"] == "").to_numpy(), "REC", "is empty although DEC is given", ""),
        (rec_open, "DEC", "is empty although REC is given (strict=true)", ""),
        (decom_v > ends, "DECOM", "is after the end of the return" + naming, "ends"),
        (late, "DEC", "is after the end of the return", "ends"),
        (
            has_dec & (dec_v < _year_ends(years, 4, 1, -1)),
            "DEC",
            "is before the start of the return",
            "starts",
        ),
    ]

    def one(i: int, col: str, about: str) -> str:
        y = int(years[i])
        when = f"31/03/{y}" if about == "ends" else f"01/04/{y - 1}"
        note = f" (the {y - 1}-{str(y)[2:]} return {about} {when})" if about else ""
        return f"{b.where(i)}, column {col}: {df[col].iloc[i]!r}{note}"

    for mask, col, what, about in checks:
        at = np.flatnonzero(mask)
        probs.add_many(
            f"episodes, column {col}: {what}",
            (one(i, col, about) for i in at[:SHOWN_PER_KIND]),
            len(at),
        )
    if probs.count > n0:
        return None
    out = df[["CHILD", "LA", *CODES, "HOME_POST", "PL_POST", "URN"]].copy()
    out["DECOM"] = decom
    out["DEC"] = dec
    for col in ("HOME_POST", "PL_POST"):
        out[col] = by_distinct(out[col], lambda u: u.map(district)).astype(out[col].dtype)
    out["_file"] = b.file_names()
    out["_row"] = b.line
    out["_year"] = years
    return out


def validate_header(df: pd.DataFrame, b: Batch, probs: Problems):
    """The header rows of a batch checked and typed (dates of birth, sex), or None."""
    n0 = probs.count
    dob = parse_dates(df, "DOB", b, probs, blank_ok=False)
    sex = by_distinct(df["SEX"], lambda u: u.str.upper())
    at = np.flatnonzero((~sex.isin(SEX_CODES)).to_numpy())
    probs.add_many(
        f"header, column SEX: not a code (expected one of {', '.join(SEX_CODES)})",
        (
            f"{b.where(i)}, column SEX: {df['SEX'].iloc[i]!r} is not a code"
            for i in at[:SHOWN_PER_KIND]
        ),
        len(at),
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
            "_year": b.year(),
        }
    )


_SPACES = re.compile(r"\s+")


def district(post: str) -> str:
    """The postcode district (outward code) of a full or partial postcode ('' if none)."""
    p = _SPACES.sub(" ", str(post).strip().upper())
    if not p:
        return ""
    if " " in p:
        return p.split(" ")[0]
    return p[:-3] if len(p) > 4 and p[-3].isdigit() else p
