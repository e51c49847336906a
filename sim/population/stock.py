"""The initial stock's children: their age, legal status, time in care, first placement, history.

This module owns the compiled rules that draw the children in care at 31 March 2025
(``stock_draws``, ``stock_children``, ``stock_ls``) and the placements they had before it
(``stock_history``), from each child's own uniforms; ``sim.world.children`` applies them.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from sim.population.children import (
    U_AGE,
    U_AGE_POS,
    U_AWAY,
    U_KIN,
    U_LS,
    U_LS_DAYS,
    U_PLAN,
    U_SIB,
    U_STAY,
    U_TEMP,
    U_TIER,
    U_UASC,
)
from sim.population.entry import (
    B_AWAY,
    B_P_SHORT,
    B_SHORT_DAYS,
    E_ORIGIN_ORDINAL,
    E_P_ADOPT,
    E_UASC_LONG_MULT,
    E_UASC_P_SHORT,
    R_ADOPTION,
    R_AT18,
    R_OLDER_LONG,
    R_SHORT,
    R_UASC,
    R_YOUNG_LONG,
    age_band_index,
    needs_tier,
    pick_index,
)
from sim.population.legal import LS_C1_CODE, LS_C2_CODE, LS_V2_CODE, days_to_18
from sim.population.table import (
    C_ADOPTION_DAY,
    C_AWAY,
    C_BILLED_TO,
    C_CARE_START,
    C_CID,
    C_CIN,
    C_DOB,
    C_EP_RNE,
    C_EP_START,
    C_EXIT_DAY,
    C_EXIT_ROUTE,
    C_HOME_D,
    C_KIND,
    C_LA,
    C_LS,
    C_N_PLACEMENTS,
    C_PLACE,
    C_PLACE_START,
    C_PLAN,
    C_SEX,
    C_STATUS_CHANGED,
    C_TIER,
    C_UASC,
)
from sim.records import (
    DAYS_PER_YEAR,
    IFA,
    INHOUSE,
    KIN,
    PLACE,
    PLAN_FOSTER,
    PLAN_HOME,
    PLAN_KIN,
    PLAN_OTHER,
    PLAN_PARENTS,
    PLAN_SA,
    PLAN_SECURE,
    PROVIDER,
    REC,
    RNE,
    RPC,
    SA,
)

RNE_S_CODE, RNE_P_CODE = RNE["S"], RNE["P"]


PLACE_U1_CODE, PLACE_U4_CODE, PLACE_U6_CODE, PLACE_K3_CODE = (
    PLACE[c] for c in ("U1", "U4", "U6", "K3")
)


PR1_CODE, REC_X1_CODE, RPC_CARPL_CODE = PROVIDER["PR1"], REC["X1"], RPC["CARPL"]


# Days from birth to the 16th birthday: supported accommodation (not regulated as a children's
# home) takes young people from 16 (Care Planning Regulations 2010 as amended 2021; the DfE's
# validation rule 371).
DAYS_TO_16 = int(round(16 * DAYS_PER_YEAR))


# The initial population's age bands: (lowest, highest) age of each band, years.
STOCK_AGE_RANGE = np.array([[0.0, 1.0], [1.0, 5.0], [5.0, 10.0], [10.0, 16.0], [16.0, 18.0]])


# Classes of the initial population's first placement (``stock_children``).
S_NO_SEARCH, S_SEARCH, S_UNREG, S_ADOPTION = range(4)


# Care plans of the initial population (``STOCK_PLAN`` columns): the placement types, then
# placed for adoption, in an unregistered setting and in a setting outside the care market.
SP_ADOPTION, SP_UNREG, SP_OTHER = 6, 7, 8


@njit(cache=True)
def stock_ls(uasc: bool, tic: float, u: float) -> int:  # pragma: no cover - compiled
    """Legal status of a child of the initial population, in care ``tic`` years (uniform ``u``).

    UASC are accommodated (V2); others on a care order (full C2 after 0.8 years, interim C1
    before) or accommodated: assumption.
    """
    if uasc:
        return LS_V2_CODE
    if tic > 0.8:
        return LS_C2_CODE if u < 0.78 else LS_V2_CODE
    return LS_C1_CODE if u < 0.6 else LS_V2_CODE


@njit(cache=True)
def stock_draws(
    tu: np.ndarray,
    rows: np.ndarray,
    age_cum: np.ndarray,
    uasc_band: np.ndarray,
    las: np.ndarray,
    uasc_factor: np.ndarray,
) -> tuple:  # pragma: no cover - compiled
    """Age band, age (years) and UASC flag of each child of the initial population.

    A child in council ``las[i]`` of age band b is unaccompanied with probability
    ``uasc_band[b]`` times the council's ``uasc_factor`` (at most 1).
    """
    n = len(rows)
    bands = np.empty(n, np.int64)
    ages = np.empty(n)
    uascs = np.empty(n, np.bool_)
    for i in range(n):
        u = tu[rows[i]]
        band = pick_index(age_cum, u[U_AGE])
        lo, hi = STOCK_AGE_RANGE[band, 0], STOCK_AGE_RANGE[band, 1]
        bands[i] = band
        ages[i] = lo + (hi - lo) * u[U_AGE_POS] * 0.999
        uascs[i] = u[U_UASC] < min(1.0, uasc_band[band] * uasc_factor[las[i]])
    return bands, ages, uascs


@njit(cache=True)
def stock_children(
    ti: np.ndarray,
    tu: np.ndarray,
    rows: np.ndarray,
    who: np.ndarray,
    bands: np.ndarray,
    ages: np.ndarray,
    uascs: np.ndarray,
    plan_cum: np.ndarray,
    time_mean: np.ndarray,
    residual_mean: np.ndarray,
    la_factor: np.ndarray,
    prm: np.ndarray,
    bands_prm: np.ndarray,
) -> np.ndarray:  # pragma: no cover - compiled
    """The initial population's state at 31 March 2025, written to its rows of the table.

    For each child (its age band, age and UASC flag from ``stock_draws``, its identity ``who``
    from ``identities``): needs tier, care plan (``plan_cum``: the ``STOCK_PLAN`` shares by
    band), time in care so far (exponential with mean ``time_mean`` by band, capped at its age
    or, for UASC, at its years since 14), how and when it will leave (a short stay's or long
    stay's remaining time, ``residual_mean`` years by current band, or the 18th birthday),
    placed away from home, legal status, and the young children already on the adoption path.

    Returns:
        The class of each child's first placement (``S_*``).
    """
    n = len(rows)
    out = np.empty(n, np.int64)
    for i in range(n):
        r = rows[i]
        u = tu[r]
        la = ti[r, C_LA]
        band = bands[i]
        age = ages[i]
        uasc = uascs[i]
        dob = who[i, 0]
        ti[r, C_UASC] = 1 if uasc else 0
        ti[r, C_DOB] = dob
        ti[r, C_SEX] = who[i, 1]
        ti[r, C_HOME_D] = who[i, 2]
        ti[r, C_CIN] = who[i, 3]
        tier = needs_tier(u[U_TIER], band)
        plan = pick_index(plan_cum[band], u[U_PLAN])
        if uasc:
            plan = PLAN_SA if (band == 4 and u[U_PLAN] < 0.5) else PLAN_FOSTER
        # Time in care: exponential, capped at age (UASC: arrived at 14+).
        mean = time_mean[band] * (0.3 if uasc else 1.0)
        cap = max(age - (14 if uasc else 0), 0.02)
        tic = min(-math.log(u[U_STAY]) * mean, cap * 0.999)
        # (never before birth: a newborn's care starts on its birthday at the earliest)
        ti[r, C_CARE_START] = max(-max(1, int(tic * DAYS_PER_YEAR)), dob)
        # How and when it leaves: a short stay's or long stay's remaining time, or at 18.
        age0 = (0 - dob) / DAYS_PER_YEAR
        at_entry = age_band_index(max(0.0, age0 - tic))
        day18 = dob + days_to_18(dob, prm[E_ORIGIN_ORDINAL])
        p_short = prm[E_UASC_P_SHORT] if uasc else bands_prm[B_P_SHORT, at_entry]
        if tic < 0.5 and u[U_TEMP] < p_short:
            dur = -math.log(u[U_LS_DAYS]) * bands_prm[B_SHORT_DAYS, at_entry] / la_factor[la]
            route = R_UASC if uasc else R_SHORT
        else:
            m = residual_mean[age_band_index(age0)] * DAYS_PER_YEAR
            if uasc:
                m *= prm[E_UASC_LONG_MULT]
            dur = -math.log(u[U_LS_DAYS]) * m / la_factor[la]
            route = R_UASC if uasc else (R_YOUNG_LONG if age0 < 10 else R_OLDER_LONG)
        end = max(1, int(dur))
        if end >= day18:
            end, route = day18, R_AT18
        exit_day = max(end, 1)
        ti[r, C_AWAY] = 1 if u[U_AWAY] < bands_prm[B_AWAY, band] else 0
        ls = stock_ls(uasc, tic, u[U_LS])
        if plan == PLAN_PARENTS and ls == LS_V2_CODE:
            # Placed with parents under a care order, never s20 (the DfE's rule 378).
            ls = LS_C2_CODE if tic > 0.8 else LS_C1_CODE
        ti[r, C_LS] = ls
        if (
            plan == PLAN_FOSTER
            and age < 5
            and tic < 2
            and not uasc
            and u[U_SIB] < prm[E_P_ADOPT] * 0.5
        ):
            # On the adoption path already: the adoptive placement comes within the year.
            route = R_ADOPTION
            adoption_day = 1 + int(364 * u[U_TEMP])
            ti[r, C_ADOPTION_DAY] = adoption_day
            exit_day = max(exit_day, adoption_day + 100 + int(200 * u[U_LS_DAYS]))
        ti[r, C_EXIT_DAY] = exit_day
        ti[r, C_EXIT_ROUTE] = route
        if plan == SP_ADOPTION:
            out[i] = S_ADOPTION
            plan = PLAN_FOSTER
        elif plan == SP_UNREG:
            out[i] = S_UNREG
            plan = PLAN_HOME
            tier = 2
        elif plan == SP_OTHER:
            out[i] = S_NO_SEARCH
            plan = PLAN_OTHER
        elif plan == PLAN_PARENTS or plan == PLAN_KIN:
            out[i] = S_NO_SEARCH
        else:
            out[i] = S_SEARCH
            if plan == PLAN_HOME or plan == PLAN_SECURE:
                tier = max(tier, 1)
        ti[r, C_PLAN] = plan
        ti[r, C_TIER] = tier
    return out


@njit(cache=True)
def stock_history(
    ti: np.ndarray,
    tu: np.ndarray,
    rows: np.ndarray,
    episodes: np.ndarray,
    count: np.ndarray,
    first_share: float,
) -> None:  # pragma: no cover - compiled
    """Date the placements of the initial population (placed at day 0) before 31 March 2025.

    A share ``first_share`` of the children (and all in care under 30 days) are still in their
    first placement, which began when care did; the others' placement began at a uniform
    point of their time in care, after one earlier placement from the start of care (foster
    care, or supported accommodation for a child then 16+), written to ``episodes`` (rows of
    ``sim.records.EpisodeLog``, ``count`` of them; the caller makes room). Placements with
    carers over a year old are long-term ones already (U4; kinship U1). A placement in
    supported accommodation began on the 16th birthday at the earliest (``DAYS_TO_16``): a
    child who came into care younger was in foster care before it.
    """
    for i in range(len(rows)):
        r = rows[i]
        if ti[r, C_PLACE] < 0:
            continue
        start_care = ti[r, C_CARE_START]
        tic_days = -start_care
        uk = tu[r, U_KIN]
        kind = ti[r, C_KIND]
        carers = kind == INHOUSE or kind == IFA or kind == KIN
        sa_from = ti[r, C_DOB] + DAYS_TO_16 if kind == SA else start_care
        if (uk < first_share or tic_days < 30) and sa_from <= start_care:
            ti[r, C_EP_START] = start_care
            ti[r, C_EP_RNE] = RNE_S_CODE
            ti[r, C_N_PLACEMENTS] = 1
            ti[r, C_PLACE_START] = start_care
            if tic_days > DAYS_PER_YEAR and carers:
                ti[r, C_STATUS_CHANGED] = 1
                ti[r, C_PLACE] = PLACE_U1_CODE if kind == KIN else PLACE_U4_CODE
            continue
        start = min(max(-int(tic_days * ((uk * 13.7) % 1.0)), sa_from), -1)
        ti[r, C_PLACE_START] = start
        ti[r, C_EP_START] = start
        if -start > DAYS_PER_YEAR and carers:
            ti[r, C_STATUS_CHANGED] = 1
            ti[r, C_PLACE] = PLACE_U1_CODE if kind == KIN else PLACE_U4_CODE
        ti[r, C_EP_RNE] = RNE_P_CODE
        young = (start_care - ti[r, C_DOB]) / DAYS_PER_YEAR < 16
        k = count[0]
        e = episodes[k]
        e[0], e[1], e[2], e[3] = ti[r, C_CID], ti[r, C_LA], start_care, RNE_S_CODE
        e[4], e[5], e[6] = ti[r, C_LS], ti[r, C_CIN], PLACE_U6_CODE if young else PLACE_K3_CODE
        e[7], e[8], e[9], e[10] = PR1_CODE, start, REC_X1_CODE, RPC_CARPL_CODE
        e[11], e[12], e[13] = ti[r, C_HOME_D], ti[r, C_HOME_D], -1
        count[0] = k + 1
        ti[r, C_N_PLACEMENTS] = 2
        ti[r, C_BILLED_TO] = 0
