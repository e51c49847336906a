"""The observed national figures of each year 2021-2025 that a synthetic start or a year reads.

This module owns what changes with the year a synthetic world starts in (31 March 2021 to
2025) and with the year a run is in: the stock's age, UASC and placement mix at that 31 March
(the DfE series, ``sim/data/national_2021_2025.csv``), each council's children then (the rule
``la_stock``), the supply then (mainstream fostering households, Ofsted; children's homes,
Ofsted), and the starts of each year to 31 March (all children and unaccompanied children),
which set the entry rate of the years before 2025-26. After 2024-25 every figure stays at its
2024-25 value, so a run from 31 March 2025 reads only that year.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

FIRST_YEAR, LAST_YEAR = 2021, 2025  # the years at 31 March the embedded tables give

AGE_ITEMS = ("Under 1 year", "1 to 4 years", "5 to 9 years", "10 to 15 years", "16 years and over")

# DfE placement groups at 31 March (each one or more of DfE's items) and the stock plan's
# columns each covers (parents, kin, foster, home, secure, SA, adoption, unregistered, other
# settings): kinship foster care is part of DfE's "Foster placements". The stock plan's total
# in each group is that year's share of the groups (renormalised to what unregistered
# settings leave: DfE's other placements, 1-5% of CLA, are otherwise not modelled). The last
# group, settings outside the care market (``sim.engine.other_settings``), is left out when
# ``params.placements.other_settings`` is false (the other groups then share its children).
PLACEMENT_GROUPS = (
    (("Placed with parents or other person with parental responsibility",), (0,)),
    (("Foster placements",), (1, 2)),
    (("Secure homes and children's homes",), (3, 4)),
    (("Independent and semi-independent living arrangements/supported accommodation",), (5,)),
    (("Placed for adoption",), (6,)),
    (("Other residential settings", "Residential schools"), (8,)),
)
UNREGISTERED_COLUMN = 7
OTHER_SETTINGS_COLUMN = 8
# Unregistered settings in the stock at 31 March 2025: 0.78% of CLA (assumption: 640 children,
# between Ofsted's ~680 confirmed unregistered settings in 2024-25 [sec] and DfE's 2,050 "other
# placements" [file]); earlier years scale it with DfE's "other placements" (600 in 2021).
UNREGISTERED_SHARE_2025 = 0.0078

# Mainstream fostering households at 31 March [sec] Ofsted Fostering in England (docs/facts.md
# §4.2): 37,325 (2021), 36,050 (2022), 35,005 (2023), 33,745 (2024), 33,435 (2025).
MAINSTREAM_HOUSEHOLDS = {2021: 37325, 2022: 36050, 2023: 35005, 2024: 33745, 2025: 33435}

# Mainstream children's homes (no short-break-only homes) at 31 March: 3,946 (2025) [pub]
# Ofsted 2025, which was +15% on 2024 (3,431, derived); 2,880 (2023) [pub] Ofsted 2023 main
# findings; 2021 and 2022 from Ofsted's subtype counts with short-break homes (2,624; 2,798
# [file] Ofsted 2023 tables) times 2023's mainstream share 2,880 / 3,050 (derived).
MAINSTREAM_HOMES = {2021: 2478, 2022: 2642, 2023: 2880, 2024: 3431, 2025: 3946}

IPF_ROUNDS = 50  # rounds of iterative proportional fitting of the stock plan (converged by 30)


@dataclass(frozen=True)
class StockMix:
    """The national mix of the children in care at one 31 March.

    Attributes:
        year: the year of that 31 March.
        age_share: share by age band (under 1, 1-4, 5-9, 10-15, 16+).
        uasc_band: share of each age band that is UASC (80% of UASC aged 16+: assumption).
        plan: placement plan by age band (rows sum to 1; columns as ``STOCK_PLAN``).
        cla: children looked after in England.
    """

    year: int
    age_share: np.ndarray
    uasc_band: np.ndarray
    plan: np.ndarray
    cla: float


@lru_cache(maxsize=1)
def national() -> dict:
    """The embedded national figures as {(table, year, group, item): number}.

    Suppressed figures (DfE's ``c``) are left out: asking for one raises ``KeyError``.
    """
    path = Path(__file__).resolve().parents[1] / "data" / "national_2021_2025.csv"
    with path.open(newline="") as fh:
        rows = csv.DictReader(line for line in fh if not line.startswith("#"))
        return {
            (r["table"], int(r["year"]), r["group"], r["item"]): float(r["number"])
            for r in rows
            if r["number"].isdigit()
        }


def figure(table: str, year: int, group: str, item: str) -> float:
    """One national figure of a year 2021-2025 (``national``)."""
    return national()[(table, int(year), group, item)]


def clamp(year: int) -> int:
    """The year whose figures stand for ``year``: itself within 2021-2025, else the nearest."""
    return min(max(int(year), FIRST_YEAR), LAST_YEAR)


def cla(year: int) -> float:
    """Children looked after in England at 31 March of ``year``."""
    return figure("combined_cla_31_march_data", clamp(year), "Age group", "Total")


def starts(year: int) -> tuple[float, float]:
    """Children starting to be looked after in the year to 31 March ``year``: (all, UASC)."""
    y = clamp(year)
    t = "combined_cla_data"
    total = figure(t, y, "Unaccompanied asylum-seeking children", "Total")
    return total, figure(t, y, "Unaccompanied asylum-seeking children", "UASC")


def start_age_share(year: int) -> np.ndarray:
    """Shares of the year to 31 March ``year``'s starts by age band on starting [file]."""
    y = clamp(year)
    n = np.array([figure("combined_cla_data", y, "Age on starting", a) for a in AGE_ITEMS])
    return n / n.sum()


def stock_mix(
    year: int, prior: np.ndarray, uasc_16plus: float = 0.8, other: bool = True
) -> StockMix:
    """The stock's mix at 31 March ``year`` (2021-2025).

    The age shares and UASC are that year's [file]. The placement plan by age band is the
    ``prior`` (its shape by age: assumption) fitted by iterative proportional fitting to that
    year's age shares and to its placement groups' shares (``PLACEMENT_GROUPS``,
    ``group_shares``); ``other`` false leaves out settings outside the care market.
    """
    y = clamp(year)
    t = "combined_cla_31_march_data"
    ages = np.array([figure(t, y, "Age group", a) for a in AGE_ITEMS])
    age_share = ages / ages.sum()
    uasc = figure(t, y, "Unaccompanied asylum-seeking children", "UASC")
    uasc_band = np.array(
        [0, 0, 0, (1 - uasc_16plus) * uasc / ages[3], uasc_16plus * uasc / ages[4]]
    )
    prior = np.array(prior, float)
    if not other:
        prior[:, OTHER_SETTINGS_COLUMN] = 0.0
    plan = fit_plan(prior, age_share, group_shares(y, other), other)
    return StockMix(y, age_share, uasc_band, plan, float(ages.sum()))


def group_shares(year: int, other: bool = True) -> np.ndarray:
    """Each plan column group's share of the stock at 31 March ``year``, then unregistered's.

    Unregistered settings' share is ``UNREGISTERED_SHARE_2025`` scaled by DfE's "other
    placements"; the groups share the rest in proportion to their DfE counts. ``other``
    false leaves out the last group (settings outside the care market).
    """
    t = "combined_cla_31_march_data"

    def share(y: int, item: str) -> float:
        return figure(t, y, "Placement", item) / figure(t, y, "Placement", "Total")

    unreg = UNREGISTERED_SHARE_2025 * share(year, "Other placements")
    unreg /= share(LAST_YEAR, "Other placements")
    groups = np.array([sum(share(year, i) for i in items) for items, _ in used_groups(other)])
    return np.append(groups / groups.sum() * (1 - unreg), unreg)


def used_groups(other: bool = True) -> tuple:
    """``PLACEMENT_GROUPS``, without settings outside the care market unless ``other``."""
    return PLACEMENT_GROUPS if other else PLACEMENT_GROUPS[:-1]


def fit_plan(
    prior: np.ndarray, age_share: np.ndarray, shares: np.ndarray, other: bool = True
) -> np.ndarray:
    """The plan by age band whose margins are ``age_share`` and the column groups' ``shares``.

    Args:
        prior: the plan's shape (rows: age bands; columns as ``STOCK_PLAN``).
        age_share: the share of children by age band (the row margins).
        shares: each ``PLACEMENT_GROUPS`` group's share, then unregistered settings'.
        other: whether the last group (settings outside the care market) is fitted.
    """
    groups = [list(cols) for _, cols in used_groups(other)] + [[UNREGISTERED_COLUMN]]
    m = age_share[:, None] * prior
    for _ in range(IPF_ROUNDS):
        for c, target in zip(groups, shares, strict=True):
            m[:, c] *= target / m[:, c].sum()
        m *= (age_share / m.sum(axis=1))[:, None]
    return m / m.sum(axis=1, keepdims=True)


def la_stock(las, year: int) -> np.ndarray:
    """Each council's children looked after at 31 March ``year``.

    Rule: 2025 and 2024 are the councils' own counts [file] DfE LA tables; an earlier year
    scales the 2024 counts (the nearest year the embedded table holds) by England's CLA that
    year over England's in 2024.
    """
    y = clamp(year)
    if y == LAST_YEAR:
        return las["cla_2025"].to_numpy(float)
    base = las["cla_2024"].to_numpy(float)
    return base * cla(y) / cla(2024) if y != 2024 else base


def homes_ratio(year: int) -> float:
    """Mainstream children's homes at 31 March ``year`` over those at 31 March 2025."""
    return MAINSTREAM_HOMES[clamp(year)] / MAINSTREAM_HOMES[LAST_YEAR]


def households_ratio(year: int) -> float:
    """Mainstream fostering households at 31 March ``year`` over those at 31 March 2025."""
    return MAINSTREAM_HOUSEHOLDS[clamp(year)] / MAINSTREAM_HOUSEHOLDS[LAST_YEAR]


def entry_factors(year: int, uasc_share_2025: float) -> tuple[float, float]:
    """Starts in the year to 31 March ``year`` relative to 2024-25, and their UASC share.

    2024-25 and later years give (1, ``uasc_share_2025``), the parameter: a run from 31 March
    2025 reads no other year.
    """
    if year >= LAST_YEAR:
        return 1.0, uasc_share_2025
    total, uasc = starts(year)
    return total / starts(LAST_YEAR)[0], uasc / total


def year_to_march(origin, day: int) -> int:
    """The year of the 31 March that ends the year (1 April to 31 March) holding ``day``."""
    d = origin + dt.timedelta(days=int(day))
    return d.year if (d.month, d.day) <= (3, 31) else d.year + 1
