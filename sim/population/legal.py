"""What the law fixes about a child in care: the 18th birthday, and the legal statuses' terms.

This module owns the 18th birthday of a date of birth (``days_to_18``: the DfE's validation
reads ages from the calendar, so a child leaving care at 18 does so on the birthday, rule 460,
and a UASC child's status ends on it, rule 104; a birthday on 29 February falls on 1 March in
a common year, as the law reads it), how long police protection and an emergency protection
order last, when an interim care order becomes a full one, and who may hold a youth justice
status. ``sim.population.entry`` applies them to each entrant.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from sim.records import LS

# Police protection (L1) ends within 72 hours (Children Act 1989 s46(6); the DfE's rule 361),
# an emergency protection order (L2) within 8 days (s45(1); rule 362 allows 21): 1 to 3 and
# 1 to 8 days after entry, uniformly. This share goes on to an interim care order (C1), the
# rest are accommodated (V2): assumption.
POLICE_TO_CARE_ORDER = 0.6
POLICE_PROTECTION_MAX_DAYS = 3
EPO_MAX_DAYS = 8
# Youngest age for remand or a youth justice legal status (J1-J3), years: the age of criminal
# responsibility (Children and Young Persons Act 1933 s50; the DfE's rule 358).
YOUTH_JUSTICE_MIN_AGE = 10
# An interim care order (C1) becomes a full care order (C2) 150 to 250 days on, if the child
# stays more than 200 days more: assumption.
C2_AFTER_MIN_STAY_DAYS = 200
C2_AFTER_DAYS = 150
C2_AFTER_SPREAD_DAYS = 100
LS_V2_CODE, LS_L1_CODE, LS_L2_CODE, LS_C1_CODE, LS_C2_CODE = (
    LS[c] for c in ("V2", "L1", "L2", "C1", "C2")
)
LS_J1_CODE, LS_J2_CODE, LS_J3_CODE = (LS[c] for c in ("J1", "J2", "J3"))

# Days from birth to (at the latest) the 18th birthday: 18 years hold 4 or 5 leap days, so
# 18 x 365 + 5 days is never short of the birthday. Used where the calendar is not known.
DAYS_TO_18 = 18 * 365 + 5
# The first day of ``DAYS_TO_18_OF`` (1 January 1980, proleptic Gregorian ordinal).
BIRTHDAY_BASE_ORDINAL = 722815


def _days_to_18_table() -> np.ndarray:
    """Days from each date of birth 1980-2100 to its 18th birthday, by the calendar.

    A birthday on 29 February falls on 1 March in a common year (as the law reads it).
    """
    born = np.arange("1980-01-01", "2101-01-01", dtype="datetime64[D]")
    month = born.astype("datetime64[M]")
    day_of_month = born - month.astype("datetime64[D]")
    eighteen = (month + np.timedelta64(18 * 12, "M")).astype("datetime64[D]")
    birthday = eighteen + day_of_month  # 29 Feb -> 1 Mar
    return (birthday - born).astype(np.int16)


DAYS_TO_18_OF = _days_to_18_table()


@njit(cache=True)
def days_to_18(dob: int, origin_ordinal: float) -> int:  # pragma: no cover - compiled
    """Days from a birth on model day ``dob`` to the 18th birthday (day 0 is ``origin_ordinal``).

    The DfE's rules read age from the calendar: a child leaving care at 18 does so on the
    birthday (rule 460), and a UASC child's status ends on it (rule 104).
    """
    i = dob + int(origin_ordinal) - BIRTHDAY_BASE_ORDINAL
    if 0 <= i < len(DAYS_TO_18_OF):
        return DAYS_TO_18_OF[i]
    return DAYS_TO_18


@njit(cache=True)
def entry_legal_status(ls: int, age: float, with_parents: bool, u: float, day: int, end: int):
    """An entrant's legal status as the law allows it, and its next one (or -1) and when.

    A child too young for a youth justice status is accommodated (V2); a child placed with
    parents is on an (interim) care order, never s20 (the DfE's rule 378). Police protection
    ends after 1 to 3 days and an EPO after 1 to 8 (uniform ``u``), then an interim care order
    (the ``POLICE_TO_CARE_ORDER`` share, and every child placed with parents) or
    accommodation; an interim care order becomes a full order ``C2_AFTER_DAYS`` to
    ``C2_AFTER_DAYS + C2_AFTER_SPREAD_DAYS`` days on, if the child stays (``end``) more than
    ``C2_AFTER_MIN_STAY_DAYS`` days.

    Returns:
        (legal status, next legal status or -1, the day it changes).
    """
    if age < YOUTH_JUSTICE_MIN_AGE and (ls == LS_J1_CODE or ls == LS_J2_CODE or ls == LS_J3_CODE):
        ls = LS_V2_CODE  # too young to be remanded: accommodated
    if with_parents and ls == LS_V2_CODE:
        ls = LS_C1_CODE
    next_ls, ls_day = -1, 0
    if ls == LS_L1_CODE or ls == LS_L2_CODE:
        next_ls = LS_C1_CODE if (u < POLICE_TO_CARE_ORDER or with_parents) else LS_V2_CODE
        most = POLICE_PROTECTION_MAX_DAYS if ls == LS_L1_CODE else EPO_MAX_DAYS
        ls_day = day + 1 + int(most * u)
    elif ls == LS_C1_CODE and end - day > C2_AFTER_MIN_STAY_DAYS:
        next_ls = LS_C2_CODE
        ls_day = day + C2_AFTER_DAYS + int(C2_AFTER_SPREAD_DAYS * u)
    return ls, next_ls, ls_day
