"""Settings outside the care market: health, custody, parent-and-child and residential schools.

This module owns the placements a council does not buy from the care market's supply: DfE's
"other residential settings" (R1 residential care homes regulated by the CQC, R2 NHS or other
health settings, R3 family centres and mother and baby units, R5 young offender institutions
and secure training centres) and residential schools (S1). They held 1,170 and 100 of the
81,770 children looked after at 31 March 2025 (1.4% and 0.1%; 960-1,170 and 90-120 in
2021-2025 [file] DfE). A child goes to one at entry (``params.placements.p_other_setting`` by
age band, ``sim.population.entry``) or is there at the start (``sim.world.children``). Which
setting is drawn by age band (``SETTING_SHARE``), where among the nearest councils
(``NEAREST_LAS``), with no unit of the supply and no price in the ledger (paid by the NHS,
the Youth Custody Service or education budgets, or outside the placement lines of councils'
spend: assumption). The stay ends after an exponential time (``Q_OTHER_STAY_DAYS``); the
child is then planned for foster care, a home or supported accommodation (``plan_after``) and
waits where it is for a place, as any planned move does.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from sim.engine.state import (
    PLAN_FOSTER_,
    PLAN_HOME_,
    PLAN_SA_,
    Q_OTHER_STAY_DAYS,
)
from sim.geography import district_of
from sim.population.children import U_OTHER_WHERE
from sim.population.entry import age_band_index, pick_index
from sim.population.table import (
    C_DOB,
    C_LA,
    C_N_DRAWS,
    C_TIER,
)
from sim.records import DAYS_PER_YEAR, PLACE, PROVIDER

# The settings, their SSDA903 PLACE codes and providers: a CQC care home is mostly private
# (PR4), an NHS setting or a young offender institution public (PR3), a family centre or mother
# and baby unit the council's own or commissioned (PR1: assumption), a residential school
# independent (PR4).
SETTING_CODES = ("R1", "R2", "R3", "R5", "S1")
SETTING_PLACE = np.array([PLACE[c] for c in SETTING_CODES], np.int64)
SETTING_PROVIDER = np.array([PROVIDER[c] for c in ("PR4", "PR3", "PR1", "PR3", "PR4")], np.int64)
# Share of each setting (columns as ``SETTING_CODES``) by age band (under 1, 1-4, 5-9, 10-15,
# 16-17): assumption (DfE publishes no split by age): babies with a parent in a mother and
# baby unit or family centre, disabled children in care homes and schools, teenagers in health
# settings and in custody on remand or sentenced.
SETTING_SHARE = np.array(
    [
        [0.0, 0.1, 0.9, 0.0, 0.0],
        [0.3, 0.2, 0.5, 0.0, 0.0],
        [0.5, 0.2, 0.0, 0.0, 0.3],
        [0.3, 0.3, 0.0, 0.2, 0.2],
        [0.25, 0.35, 0.0, 0.35, 0.05],
    ]
)
SETTING_CUM = np.cumsum(SETTING_SHARE, axis=1)
# The setting is in one of the child's council's nearest councils (its own first), drawn
# uniformly: assumption (as an unregistered setting's; custody and specialist health beds
# are few and far between).
NEAREST_LAS = 12
# After the stay, a child with complex needs aged this or more is planned for a children's
# home rather than foster care (years): assumption.
HOME_AFTER_MIN_AGE_YEARS = 11.0


@njit(cache=True)
def setting_of(age: float, u: float) -> tuple:
    """(PLACE code, provider code) of the setting a child of ``age`` years goes to (``u``)."""
    k = pick_index(SETTING_CUM[age_band_index(age)], u)
    return SETTING_PLACE[k], SETTING_PROVIDER[k]


@njit(cache=True)
def setting_district(ti, tu, r, la_order, d_start, d_cumw) -> int:
    """The district of row ``r``'s setting: one of its council's ``NEAREST_LAS`` nearest."""
    u = tu[r, U_OTHER_WHERE]
    la = la_order[ti[r, C_LA], min(int(u * NEAREST_LAS), NEAREST_LAS - 1)]
    return district_of(d_start, d_cumw, la, (u * NEAREST_LAS) % 1.0)


@njit(cache=True)
def stay_end_day(ti, r, day, pp, uu) -> int:
    """The day row ``r``'s stay ends (a planned move), drawn from the placement's uniforms.

    ``uu``: the placement's uniforms (``placements.placement_uniforms``, a draw taken); the
    stay is exponential with mean ``pp[Q_OTHER_STAY_DAYS]`` days from ``day``.
    """
    ti[r, C_N_DRAWS] += 1
    return day + max(1, int(-math.log(uu[1]) * pp[Q_OTHER_STAY_DAYS]))


@njit(cache=True)
def plan_after(ti, r, day) -> int:
    """The care plan of row ``r`` once its stay ends.

    Supported accommodation from 16; a children's home for a child of
    ``HOME_AFTER_MIN_AGE_YEARS`` or more with complex needs (tier 1+); else foster care.
    """
    age = (day - ti[r, C_DOB]) / DAYS_PER_YEAR
    if age >= 16.0:
        return PLAN_SA_
    if age >= HOME_AFTER_MIN_AGE_YEARS and ti[r, C_TIER] >= 1:
        return PLAN_HOME_
    return PLAN_FOSTER_
