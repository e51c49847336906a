"""Finding and checking the files of an SSDA903 extract: names, tables, columns, codes, dates.

This module owns how a council's export is found (one file per table and year, by name) and
read (CSV or Excel, ``sim.io.read903_text``), the code lists a return is checked against, each
file's columns and LA, and how problems are collected (``Problems``: every one with its file,
row and value). ``sim.io.read903_checks`` checks the tables; ``sim.io.read903`` assembles and
cleans the extract.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from sim.geography import Geography
from sim.io.read903_text import drop_empty_edges, read_text_table
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


# A time of day after a date, as spreadsheets export dates ('05/07/2019 00:00', '2019-07-05
# 00:00:00', '2019-07-05T00:00:00'): the date is read, the time dropped.
TIME_OF_DAY = r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)$"


# Codes valid only up to the 2024-25 return, and only from the 2025-26 return (ssda903.md).
UNTIL_2025 = ("Z1", "H5", "P2")


FROM_2026 = ("Z11", "Z12", "Z13", "Z14")


TABLES = ("header", "episodes", "uasc")


# The LA of an extract that names none (a council's own export: no LA column, folder or la=).
UNNAMED_LA = "unnamed LA"
# Repairs: what reading changes, by kind (``cleaning.json``).
REC_ON_OPEN = "rec_dropped_on_open_episodes"
DEC_AFTER_END = "dec_in_the_next_year_kept"


SUFFIXES = (".csv", ".xlsx", ".xls")


MAX_LISTED = 25  # rows a check lists at most (each kind of problem still counts every row)
SHOWN_PER_KIND = 3  # problems of one kind an error message shows
KINDS_SHOWN = 30  # kinds of problem an error message shows


class ObservedDataError(Exception):
    """An observed extract that cannot be read as it is; the message lists every problem."""


@dataclass
class SourceFile:
    """One file of the extract: its path, table, year, LA and sheet."""

    path: Path
    table: str
    year: int | None
    la: str | None  # ONS code from the folder name, if any
    sheet: str | None = None
    how: dict = field(default_factory=dict)  # how it was read (``read903_text.read_text_table``)


class Problems:
    """Every problem found, grouped by kind: each kind's exact count and its first few rows.

    A kind is what is wrong ("episodes, column DEC: is before DECOM"); each problem of it names
    its file, row, column and value. The message lists the kinds, the most frequent first, so
    that the main cause shows at once.
    """

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}
        self.shown: dict[str, list[str]] = {}

    @property
    def count(self) -> int:
        """Problems found (every row counted)."""
        return sum(self.counts.values())

    def add(self, msg: str, kind: str | None = None) -> None:
        """Record one problem of ``kind`` (default: a kind of its own)."""
        self.add_many(kind or msg, [msg], 1)

    def add_many(self, kind: str, messages, total: int) -> None:
        """Record ``total`` problems of ``kind``, of which ``messages`` are the first."""
        if total <= 0:
            return
        self.counts[kind] = self.counts.get(kind, 0) + total
        shown = self.shown.setdefault(kind, [])
        for m in messages:
            if len(shown) >= SHOWN_PER_KIND:
                break
            shown.append(m)

    def summary(self) -> str:
        """The kinds with their counts and first problems, most frequent first."""
        order = sorted(self.counts, key=lambda k: -self.counts[k])  # stable: first seen first
        lines = []
        for kind in order[:KINDS_SHOWN]:
            n = self.counts[kind]
            shown = self.shown[kind]
            if n == 1 and shown == [kind]:
                lines.append(f"  {kind}")
                continue
            lines.append(f"  {n:,} x {kind}")
            lines.extend(f"      {m}" for m in shown)
            if n > len(shown):
                lines.append(f"      ... and {n - len(shown):,} more of this kind")
        if len(order) > KINDS_SHOWN:
            rest = sum(self.counts[k] for k in order[KINDS_SHOWN:])
            lines.append(f"  ... and {rest:,} more in {len(order) - KINDS_SHOWN} other kinds")
        return "\n".join(lines)

    def raise_if_any(self, what: str) -> None:
        """Raise ``ObservedDataError`` listing the problems by kind, if there are any."""
        if self.count:
            kinds = len(self.counts)
            raise ObservedDataError(
                f"{what}: {self.count:,} problem(s) of {kinds} kind(s)\n" + self.summary()
            )


# ---- LA names -------------------------------------------------------------------------------
def norm_column(s: str) -> str:
    """A column name normalised for matching (case, spaces and punctuation ignored)."""
    return re.sub(r"[^a-z0-9]", "", str(s).lower())


def la_lookup(geo: Geography) -> dict[str, str]:
    """Every way an LA may be written (ONS code, DfE number, name) to its ONS code."""
    """Normalised ONS code, DfE number and name of every LA -> ONS code."""
    out: dict[str, str] = {}
    for _, r in geo.las.iterrows():
        code = str(r["ons_code"])
        out[norm_column(code)] = code
        out[norm_column(str(r["dfe_la_code"]))] = code
        out[norm_column(str(r["la_name"]))] = code
    return out


def year_of_name(text: str) -> int | None:
    """The year a file name gives, if any."""
    m = re.findall(r"(?<!\d)(?:19|20)\d{2}(?!\d)", text)
    return int(m[-1]) if m else None


# ---- finding the files ----------------------------------------------------------------------
def table_of_name(name: str) -> str | None:
    """The SSDA903 table (header, episodes, UASC) a file name gives, if any."""
    n = name.lower()
    if "header" in n:
        return "header"
    if "episode" in n:
        return "episodes"
    if "uasc" in n:
        return "uasc"
    return None


def find_files(path: Path, geo: Geography) -> list[SourceFile]:
    """The Header, Episodes and UASC tables under ``path`` (a file, workbook or folder)."""
    path = Path(path)
    if not path.exists():
        raise ObservedDataError(f"{path}: no such file or folder")
    lookup = la_lookup(geo)
    found: list[SourceFile] = []
    if path.is_file():
        candidates = [path]
        if table_of_name(path.name) in ("episodes", "header"):
            candidates = sorted(
                p
                for p in path.parent.iterdir()
                if p.suffix.lower() in SUFFIXES
                and year_of_name(p.name) == year_of_name(path.name)
                and table_of_name(p.name) is not None
            )
        root = path.parent
    else:
        candidates = sorted(p for p in path.rglob("*") if p.suffix.lower() in SUFFIXES)
        root = path
    for p in candidates:
        rel = p.relative_to(root)
        la = None
        for part in rel.parts[:-1]:
            la = lookup.get(norm_column(part), la)
        year = year_of_name(p.name)
        if year is None:
            for part in rel.parts[:-1]:
                year = year_of_name(part) or year
        if p.suffix.lower() in (".xlsx", ".xls") and table_of_name(p.name) is None:
            for sheet in sheets_of(p):
                t = table_of_name(sheet)
                if t:
                    found.append(SourceFile(p, t, year, la, sheet))
            continue
        t = table_of_name(p.name)
        if t:
            found.append(SourceFile(p, t, year, la))
    if not any(f.table == "episodes" for f in found):
        raise ObservedDataError(
            f"{path}: no episodes table found (expected files named like 2019-episodes.csv and"
            " 2019-header.csv, or a workbook with Header and Episodes sheets)"
        )
    return found


def sheets_of(p: Path) -> list[str]:
    """The sheet names of an Excel workbook."""
    try:
        return list(pd.ExcelFile(p).sheet_names)
    except Exception as exc:  # openpyxl raises several kinds for a bad workbook
        raise ObservedDataError(f"{p}: cannot be read as an Excel workbook ({exc})") from None


def load_table(f: SourceFile) -> pd.DataFrame:
    """Read one file (CSV in any common encoding and delimiter, or an Excel sheet) as text.

    Trailing empty rows and unnamed empty columns are dropped (``read903_text``); how the
    file was read is kept in ``f.how``.
    """
    try:
        if f.sheet is not None or f.path.suffix.lower() in (".xlsx", ".xls"):
            df = pd.read_excel(f.path, sheet_name=f.sheet or 0, dtype=object)
            for c in df.columns:
                df[c] = as_text(df[c])
            df, rows, cols = drop_empty_edges(df)
            f.how = {"encoding": "excel", "empty_rows": rows, "empty_columns": cols}
        else:
            df, f.how = read_text_table(f.path)
    except ObservedDataError:
        raise
    except Exception as exc:  # pandas raises many kinds for an unreadable file
        raise ObservedDataError(f"{display_name(f)}: cannot be read ({exc})") from None
    df.columns = [str(c).strip().upper() for c in df.columns]
    return df  # (cells are stripped once all files are read, ``read903._prepare``)


def as_text(s: pd.Series) -> pd.Series:
    """A column as stripped text, blanks as None."""
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


def display_name(f: SourceFile) -> str:
    """The file's name as problems cite it."""
    return f"{f.path}" + (f" [sheet {f.sheet}]" if f.sheet else "")


# ---- columns and LAs --------------------------------------------------------------------------
def check_columns(df: pd.DataFrame, need: list[str], f: SourceFile, probs: Problems) -> bool:
    """Report missing required columns; whether all are there."""
    missing = [c for c in need if c not in df.columns]
    if missing:
        probs.add(
            f"{display_name(f)}: missing column(s) {', '.join(missing)}"
            f" (a {f.table} table needs {', '.join(need)}; found {', '.join(df.columns)})"
        )
        return False
    return True


def la_column(
    df: pd.DataFrame, f: SourceFile, lookup: dict[str, str], la: str | None, probs: Problems
) -> pd.Series | None:
    """Each row's LA as an ONS code: the LA column, else the file's or the command's LA."""
    name = display_name(f)
    if "LA" in df.columns and (df["LA"] != "").any():
        mapped = df["LA"].map(lambda v: lookup.get(norm_column(v)))
        at = np.flatnonzero(mapped.isna().to_numpy())
        probs.add_many(
            "column LA: not an English LA (expected an ONS code such as E08000003, a DfE"
            " number such as 352, or a name)",
            (f"{name} row {i + 2}, column LA: {df['LA'].iloc[i]!r}" for i in at[:SHOWN_PER_KIND]),
            len(at),
        )
        return mapped
    return pd.Series(f.la or la or UNNAMED_LA, index=df.index)


# ---- reading and cleaning ---------------------------------------------------------------------
