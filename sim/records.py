"""The run's records: SSDA903-shaped episodes and header, the ledger of payments, snapshots.

This module owns the code lists of the SSDA903 return (``docs/ssda903.md``), the
unit kinds and care plans shared by every part of the model, and the append-only records a run
produces. Every indicator is recomputed from these records (``sim.metrics``); nothing is read
from live agents at the end. Dates are stored as integer days since the model's origin
(31 March 2025 = day 0) and written as dd/mm/yyyy.
"""

from __future__ import annotations

import datetime as dt
import itertools

import numpy as np
import pandas as pd

ORIGIN = dt.date(2025, 3, 31)
DAYS_PER_YEAR = 365.25  # days a year, on average (a convention)
DAYS_PER_MONTH = 30.44  # days a month, on average (365.25 / 12, rounded: a convention)
DAYS_PER_WEEK = 7.0  # days a week
OPEN_DAY = -(10**9)  # DEC of an episode still open at the end of the run

# ---- SSDA903 code lists (2024-25 valid lists; ssda903.md) ----
PLACE_CODES = [
    "U1",
    "U2",
    "U3",
    "U4",
    "U5",
    "U6",
    "A3",
    "A4",
    "A5",
    "A6",
    "K1",
    "K2",
    "K3",
    "H5",
    "P1",
    "P2",
    "P3",
    "R1",
    "R2",
    "R3",
    "R5",
    "S1",
    "T0",
    "T1",
    "T2",
    "T3",
    "T4",
    "Z1",
    "Z11",
    "Z12",
    "Z13",
    "Z14",
]
RNE_CODES = ["S", "L", "P", "T", "B", "U"]
LS_CODES = ["C1", "C2", "D1", "E1", "V2", "V3", "V4", "L1", "L2", "L3", "J1", "J2", "J3"]
CIN_CODES = ["N1", "N2", "N3", "N4", "N5", "N6", "N7", "N8"]
REC_CODES = [
    "X1",
    "E11",
    "E12",
    "E2",
    "E3",
    "E4A",
    "E4B",
    "E41",
    "E43",
    "E44",
    "E45",
    "E46",
    "E47",
    "E48",
    "E13",
    "E14",
    "E15",
    "E16",
    "E17",
    "E5",
    "E6",
    "E7",
    "E8",
    "E9",
]
RPC_CODES = [
    "CARPL",
    "CLOSE",
    "ALLEG",
    "STAND",
    "APPRR",
    "CREQB",
    "CREQO",
    "CHILD",
    "LAREQ",
    "PLACE",
    "CUSTOD",
    "OTHER",
]
PROVIDER_CODES = ["PR0", "PR1", "PR2", "PR3", "PR4", "PR5"]
UNPLANNED_RPC = ["CREQB", "CREQO", "CHILD", "LAREQ", "STAND", "ALLEG", "APPRR"]
# Shares of unplanned endings by reason 2024-25 [file] DfE 2025 (CLOSE comes from closures).
UNPLANNED_RPC_SHARE = np.array([5010, 4230, 1870, 1000, 600, 390, 250], dtype=float)
UNPLANNED_RPC_SHARE /= UNPLANNED_RPC_SHARE.sum()

PLACE = {c: i for i, c in enumerate(PLACE_CODES)}
RNE = {c: i for i, c in enumerate(RNE_CODES)}
LS = {c: i for i, c in enumerate(LS_CODES)}
CIN = {c: i for i, c in enumerate(CIN_CODES)}
REC = {c: i for i, c in enumerate(REC_CODES)}
RPC = {c: i for i, c in enumerate(RPC_CODES)}
PROVIDER = {c: i for i, c in enumerate(PROVIDER_CODES)}


def fold_rne(first: int, second: int) -> int:
    """RNE of one episode standing for two changes on the same day (``first`` then ``second``).

    A start of care stays S. Otherwise the combined episode changes legal status if either
    did (L, B, U), placement if either did (P, T, B, U) and carer if either did (P, B): B is
    all three, U legal status and placement, P placement and carer, T placement only, L legal
    status only (ssda903.md).
    """
    codes = (RNE_CODES[first], RNE_CODES[second])
    if "S" in codes:
        return RNE["S"]
    legal = any(c in ("L", "B", "U") for c in codes)
    placement = any(c in ("P", "T", "B", "U") for c in codes)
    carer = any(c in ("P", "B") for c in codes)
    if legal and placement:
        return RNE["B"] if carer else RNE["U"]
    if placement:
        return RNE["P"] if carer else RNE["T"]
    return RNE["L"]


# ---- unit kinds (supply registry) ----
INHOUSE, IFA, KIN, HOME, SECURE, SA, UNREG = range(7)
KIND_NAMES = [
    "foster_inhouse",
    "foster_ifa",
    "foster_kinship",
    "childrens_home",
    "secure_home",
    "supported_accommodation",
    "unregistered",
]
N_KINDS = 7
# ---- sectors ----
SECTOR_LA, SECTOR_PRIVATE, SECTOR_VOLUNTARY = range(3)
SECTOR_NAMES = ["la", "private", "voluntary"]
# ---- care plans (what kind of placement a child's needs call for) ----
PLAN_PARENTS, PLAN_KIN, PLAN_FOSTER, PLAN_HOME, PLAN_SECURE, PLAN_SA, PLAN_OTHER = range(7)
PLAN_NAMES = ["parents", "kinship", "foster", "home", "secure", "supported", "other_setting"]
# Placements without a unit: placed with parents, placed for adoption, a setting outside the
# care market (``PLAN_OTHER``: ``sim.engine.other_settings``).
NO_UNIT = -1

# DfE publication groups of PLACE codes (CLA at 31 March by placement).
PLACE_GROUP = {
    **{c: "foster" for c in ("U1", "U2", "U3", "U4", "U5", "U6")},
    **{c: "placed_for_adoption" for c in ("A3", "A4", "A5", "A6")},
    **{c: "homes_secure" for c in ("K1", "K2")},
    **{c: "supported_independent" for c in ("K3", "H5", "P2")},
    "P1": "placed_with_parents",
    **{c: "other_residential" for c in ("R1", "R2", "R3", "R5", "P3")},
    "S1": "residential_school",
    **{c: "other" for c in ("T0", "T1", "T2", "T3", "T4", "Z1", "Z11", "Z12", "Z13", "Z14")},
}
PROVIDER_GROUP = {
    "PR0": "parents",
    "PR1": "own_la",
    "PR2": "other_la",
    "PR3": "other_public",
    "PR4": "private",
    "PR5": "voluntary",
}


def day_to_date(day: np.ndarray, origin: dt.date = ORIGIN) -> pd.Series:
    """Model days (since ``origin``, by default 31 March 2025) to ``datetime64`` dates."""
    base = np.datetime64(origin.isoformat(), "D")
    return pd.Series(base + np.asarray(day, dtype="timedelta64[D]"))


def year_end_day(year: int, origin: dt.date = ORIGIN) -> int:
    """Model day of 31 March of ``year`` (days since ``origin``)."""
    return (dt.date(year, 3, 31) - origin).days


class _RowLog:
    """Append-only table: the latest rows as tuples, the earlier ones packed into arrays.

    A row is appended as a tuple (one append per row: cheap). Packing (``pack``, called by the
    model at the start of a day once ``PACK_ROWS`` rows have built up) keeps a national run's
    records compact: a row of 14 integers costs 112 bytes in arrays against about 340 as a
    tuple of Python ints, and millions of tuples no longer weigh on the garbage collector.
    Row ``offset + j`` of the table is ``rows[j]``.
    """

    COLUMNS: tuple[str, ...] = ()
    DTYPES: dict[str, object] = {}
    PACK_ROWS = 1 << 16  # rows kept as tuples before a pack (a speed setting; no effect on results)

    def __init__(self) -> None:
        self.rows: list[tuple] = []
        self.offset = 0  # rows packed so far: the table index of rows[0]
        self._packs: list[dict[str, np.ndarray]] = []

    def __len__(self) -> int:
        return self.offset + len(self.rows)

    def _columns(self, rows: list[tuple]) -> dict[str, np.ndarray]:
        if not rows:
            return {k: np.array([], dtype=self.DTYPES.get(k, np.int64)) for k in self.COLUMNS}
        dtypes = [self.DTYPES.get(k, np.int64) for k in self.COLUMNS]
        if all(d in (np.int64, np.float64) for d in dtypes):
            # All numbers: one pass over the values (integers below 2**53 are exact in floats).
            n, k = len(rows), len(dtypes)
            flat = np.fromiter(
                itertools.chain.from_iterable(rows),
                np.float64 if np.float64 in dtypes else np.int64,
                n * k,
            ).reshape(n, k)
            return {c: flat[:, i].astype(dtypes[i]) for i, c in enumerate(self.COLUMNS)}
        cols = zip(*rows, strict=True)
        return {
            k: np.asarray(v, dtype=self.DTYPES.get(k, np.int64))
            for k, v in zip(self.COLUMNS, cols, strict=True)
        }

    def add_columns(self, **cols: np.ndarray) -> None:
        """Append rows given as one array per field (``COLUMNS``, all of one length)."""
        self.pack()  # the rows held as tuples come first
        k = len(cols[self.COLUMNS[0]])
        if k:
            # Copies: a column given as a view would keep the whole array it views alive.
            self._packs.append(
                {c: np.array(cols[c], dtype=self.DTYPES.get(c, np.int64)) for c in self.COLUMNS}
            )
            self.offset += k

    def pack(self) -> None:
        """Move the rows held as tuples into column arrays."""
        if self.rows:
            self._packs.append(self._columns(self.rows))
            self.offset += len(self.rows)
            self.rows = []

    def frame(self) -> pd.DataFrame:
        """The rows as a frame, one column per field."""
        parts = [*self._packs, self._columns(self.rows)]
        return pd.DataFrame({k: np.concatenate([p[k] for p in parts]) for k in self.COLUMNS})

    def all_rows(self) -> list[tuple]:
        """Every row as a tuple of Python values, in table order."""
        out = []
        for p in self._packs:
            out.extend(zip(*(p[k].tolist() for k in self.COLUMNS), strict=True))
        return out + self.rows


class _ArrayLog:
    """Append-only table of numbers in one growable 2-D array (rows written by kernels too).

    ``buf[:len(self)]`` holds the rows, ``count`` (a one-element array) their number, so that
    compiled kernels (``sim.engine``) append rows in place; ``reserve`` makes room
    first. Integers are exact in a float buffer (below 2**53).
    """

    COLUMNS: tuple[str, ...] = ()
    DTYPES: dict[str, object] = {}
    BUF_DTYPE: type = np.int64

    def __init__(self, capacity: int = 1 << 14) -> None:
        self.buf = np.zeros((capacity, len(self.COLUMNS)), self.BUF_DTYPE)
        self.count = np.zeros(1, np.int64)

    def __len__(self) -> int:
        return int(self.count[0])

    def reserve(self, extra: int) -> None:
        """Room for ``extra`` more rows (the buffer doubles, or more)."""
        n = int(self.count[0])
        if n + extra > len(self.buf):
            new = np.empty((max(n + extra, len(self.buf) * 2), self.buf.shape[1]), self.buf.dtype)
            new[:n] = self.buf[:n]
            self.buf = new

    def add_rows(self, rows: np.ndarray) -> None:
        """Append rows given as a 2-D array (one column per field, in ``COLUMNS`` order)."""
        k = len(rows)
        self.reserve(k)
        n = int(self.count[0])
        self.buf[n : n + k] = rows
        self.count[0] = n + k

    def _add(self, row: tuple) -> None:
        n = int(self.count[0])
        if n >= len(self.buf):
            self.reserve(1)
        self.buf[n] = row
        self.count[0] = n + 1

    def frame(self) -> pd.DataFrame:
        """The rows as a frame, one column per field."""
        n = len(self)
        return pd.DataFrame(
            {
                c: self.buf[:n, i].astype(self.DTYPES.get(c, np.int64))
                for i, c in enumerate(self.COLUMNS)
            }
        )

    def all_rows(self) -> list[tuple]:
        """Every row as a tuple of Python values, in table order."""
        n = len(self)
        cols = [
            self.buf[:n, i].astype(self.DTYPES.get(c, np.int64)).tolist()
            for i, c in enumerate(self.COLUMNS)
        ]
        return list(zip(*cols, strict=True))


# An episode row's columns by name (``EpisodeLog.COLUMNS``, in order).
(
    EP_CHILD,
    EP_LA,
    EP_DECOM,
    EP_RNE,
    EP_LS,
    EP_CIN,
    EP_PLACE,
    EP_PROVIDER,
    EP_DEC,
    EP_REC,
    EP_RPC,
    EP_HOME_D,
    EP_PL_D,
    EP_UNIT,
) = range(14)
# A ledger row's columns by name (``Ledger.COLUMNS``, in order).
L_DAY, L_PAYER_LA, L_PAYEE, L_UNIT, L_CHILD, L_KIND, L_DAYS, L_AMOUNT, L_ITEM = range(9)
# Ledger items (the ``item`` column): what a payment is for.
ITEM_PLACEMENT = 0  # a child's placement, billed by the day
ITEM_OVERHEAD = 1  # a council's other costs of its children in care (per child-day)
ITEM_RCC = 2  # an RCC's running costs, shared by its members
ITEM_VOID = 3  # places paid for but empty (RCC block contracts, new public homes)
ITEM_CAPITAL = 4  # capital spent on new public homes
ITEM_PROGRAMME = 5  # a programme's running cost (hub, prevention, support, oversight)
ITEM_CLAWBACK = 6  # profit above a cap returned to councils (negative amounts)


class EpisodeLog(_ArrayLog):
    """Ended and open SSDA903 episodes (codes as indices into the code lists)."""

    COLUMNS = (
        "child",
        "la",
        "decom",
        "rne",
        "ls",
        "cin",
        "place",
        "provider",
        "dec",
        "rec",
        "rpc",
        "home_d",
        "pl_d",
        "unit",
    )

    def add(
        self,
        child: int,
        la: int,
        decom: int,
        rne: int,
        ls: int,
        cin: int,
        place: int,
        provider: int,
        dec: int,
        rec: int,
        rpc: int,
        home_d: int,
        pl_d: int,
        unit: int,
    ) -> None:
        """Append one episode (``dec`` = OPEN_DAY when open; ``rec``/``rpc`` -1 if none)."""
        self._add(
            (child, la, decom, rne, ls, cin, place, provider, dec, rec, rpc, home_d, pl_d, unit)
        )


class Ledger(_ArrayLog):
    """Every payment: who paid whom, for which child and unit, over which days."""

    COLUMNS = ("day", "payer_la", "payee", "unit", "child", "kind", "days", "amount_gbp", "item")
    DTYPES = {"amount_gbp": np.float64}
    BUF_DTYPE = np.float64

    def add(
        self,
        day: int,
        payer_la: int,
        amount: float,
        *,
        item: int,
        payee: int = -1,
        unit: int = -1,
        child: int = -1,
        kind: int = -1,
        days: int = 0,
    ) -> None:
        """Record a payment of ``amount`` GBP by council ``payer_la`` for ``item`` (ITEM_*).

        ``payee`` (a provider), ``unit``, ``child`` and ``kind`` (of place) are -1 when the
        payment is not for one of them; ``days`` the days it covers (0 when not by the day).
        """
        self._add((day, payer_la, payee, unit, child, kind, days, amount, item))


class HeaderLog(_RowLog):
    """One row per child: the SSDA903 header fields the model knows."""

    COLUMNS = ("child", "la", "sex", "dob", "ethnic", "uasc")
    DTYPES = {"ethnic": object, "uasc": bool}

    def __init__(self) -> None:
        super().__init__()
        self.transfers: list[tuple[int, int, int]] = []  # (new child, old child, new LA)

    def add(self, child: int, la: int, sex: int, dob: int, ethnic: str, uasc: bool) -> None:
        """Record a child's header row."""
        self.rows.append((child, la, sex, dob, ethnic, uasc))

    def transfer(self, child: int, old: int, la: int) -> None:
        """Child ``old``, transferred to council ``la``, is ``child`` there (its own record)."""
        self.transfers.append((child, old, la))

    def frame(self) -> pd.DataFrame:
        """The rows as a frame, one column per field.

        A transferred child's row in the second council comes last, with its first record's
        sex, date of birth, ethnicity and UASC flag.
        """
        f = super().frame()
        if not self.transfers:
            return f
        t = pd.DataFrame(self.transfers, columns=["child", "old", "la"])
        known = f.drop_duplicates("child").set_index("child")
        src = known.loc[t["old"].to_numpy(), ["sex", "dob", "ethnic", "uasc"]]
        new = pd.concat([t[["child", "la"]], src.reset_index(drop=True)], axis=1)
        return pd.concat([f, new[list(self.COLUMNS)]], ignore_index=True)
