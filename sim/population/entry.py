"""Compiled rules of a child's entry to care: who arrives, who they are, and their futures.

This module owns what a new child's own uniforms (``sim.rng.child_uniforms``) fix at entry, as
numba functions over a day's arrivals: whether a lead child is unaccompanied (UASC), its age,
the siblings who come with it and whether family help keeps it out of care (``lead_plans``);
its identity (sex, date of birth, home district, category of need, ethnicity: ``identity``);
its legal status, how long it will stay and why it will leave, whether it is placed away from
home, its needs tier and care plan, whether its first placement is short-term, its next change
of legal status, and the days of the events fixed at entry (leaving care, a move to supported
accommodation at 16, the adoptive placement: ``entry_futures``). A day's arrivals are one call
(``admit_rows``, inside the day's ``sim.engine.run_days``); the model records the entrants'
header rows from what it returns (``sim.population.admission.record_entrants``). Every rule
reads the child's uniforms, so the same children get the same futures in every scenario.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from sim.geography import district_of
from sim.population import legal, transfers
from sim.population.children import (
    CIN_CUM_NON_UASC,
    ETHNIC,
    ETHNIC_UASC,
    LS_START,
    TIER_SHARE,
    U_ADOPT,
    U_AGE,
    U_AGE_POS,
    U_AWAY,
    U_CIN,
    U_DURATION,
    U_ETHNIC,
    U_HOME,
    U_KIN,
    U_LEVER,
    U_LS,
    U_LS_DAYS,
    U_OTHER,
    U_PLAN,
    U_PREVENT,
    U_SA16,
    U_SEX,
    U_SIB,
    U_STAY,
    U_TEMP,
    U_TIER,
    U_UASC,
)
from sim.records import (
    CIN,
    DAYS_PER_YEAR,
    LS,
    PLAN_FOSTER,
    PLAN_HOME,
    PLAN_KIN,
    PLAN_OTHER,
    PLAN_PARENTS,
    PLAN_SA,
    PLAN_SECURE,
)

# Exit routes as codes (``Child.exit_route`` holds the name).
ROUTES = ("short", "young_long", "older_long", "uasc", "at18", "adoption")


R_SHORT, R_YOUNG_LONG, R_OLDER_LONG, R_UASC, R_AT18, R_ADOPTION = range(6)


# Entry age bands (years): 0, 1-4, 5-9, 10-15, 16-17 (DfE's bands).
ENTRY_AGE_LO = np.array([0, 1, 5, 10, 16], np.int64)


ENTRY_AGE_HI = np.array([1, 5, 10, 16, 18], np.int64)


AGE_EDGES = np.array([1.0, 5.0, 10.0, 16.0])


_LS_START_CODES = np.array([LS[c] for c in LS_START[0]], np.int64)


_LS_START_CUM = np.array(LS_START[1])


_CIN_CUM = np.array(CIN_CUM_NON_UASC)


_ETHNIC_CUM = np.array(ETHNIC[1])


_ETHNIC_UASC_CUM = np.array(ETHNIC_UASC[1])


_CIN_N8 = CIN["N8"]


# Positions in the ``prm`` vector of scalar parameters (``entry_params``).
(
    E_NTS_DAYS,  # days from arrival to a transfer under the National Transfer Scheme
    E_SIB_SHARE,
    E_SIB_THREE,
    E_PREVENT_BELOW,
    E_MALE_UASC,
    E_MALE_NON_UASC,
    E_UASC_LONG_MULT,
    E_P_ADOPT,
    E_ADOPT_DAYS,
    E_SA16_UASC,
    E_SA16,
    E_SECURE_OF_HOME,
    E_KIN_BELOW,
    E_STEP_TO_SA,
    E_NTS_REFER,  # share of arrivals over a council's quota that are referred for transfer
    E_NTS_REGION,  # 1: referrals go to the referring council's region first (a regional plan)
    E_ORIGIN_ORDINAL,  # the calendar date of model day 0, as a proleptic Gregorian ordinal
    E_UASC_P_SHORT,
) = range(18)


N_EPRM = 18


# Per-band parameter rows of ``bands`` (``entry_params``).
(
    B_P_SHORT,
    B_SHORT_DAYS,
    B_LONG_YEARS,
    B_AWAY,
    B_PARENTS,
    B_KIN,
    B_HOME,
    B_TEMP,
    B_OTHER,  # share starting in a setting outside the care market (``other_settings``)
) = range(9)


@njit(cache=True)
def pick_index(cum: np.ndarray, u: float) -> int:  # pragma: no cover - compiled
    """Index chosen by ``u`` from cumulative shares ``cum`` (bisect right, at most the last)."""
    lo, hi = 0, len(cum)
    while lo < hi:  # bisect_right
        mid = (lo + hi) // 2
        if u < cum[mid]:
            hi = mid
        else:
            lo = mid + 1
    return min(lo, len(cum) - 1)


@njit(cache=True)
def age_band_index(age: float) -> int:  # pragma: no cover - compiled
    """DfE age band: 0 under 1, 1 aged 1-4, 2 aged 5-9, 3 aged 10-15, 4 aged 16+."""
    b = 0
    while b < 4 and age >= AGE_EDGES[b]:
        b += 1
    return b


@njit(cache=True)
def lead_plans(
    uu: np.ndarray,
    las: np.ndarray,
    la_serial: np.ndarray,
    age_cum_non_uasc: np.ndarray,
    age_cum_uasc: np.ndarray,
    prm: np.ndarray,
    uasc_share: np.ndarray,
) -> tuple:  # pragma: no cover - compiled
    """For each arriving lead child (rows of ``uu``): UASC, age, group size, kept out of care.

    A lead arriving in council ``la`` is unaccompanied with probability ``uasc_share[la]``
    (unaccompanied children arrive where they present: ``sim.world.uasc``).

    Reserves the serial numbers of the siblings who come with each lead in ``la_serial`` (in
    lead order). A lead kept out of care by family help keeps its siblings' serials reserved
    too, so every later arrival is the same child as without the lever.

    Returns:
        (uasc, age in years, group size, prevented, siblings' LAs, siblings' serials).
    """
    n = len(las)
    uasc = np.zeros(n, np.bool_)
    age = np.zeros(n)
    size = np.ones(n, np.int64)
    prevented = np.zeros(n, np.bool_)
    n_sib = 0
    for i in range(n):
        u = uu[i]
        ua = u[U_UASC] < uasc_share[las[i]]
        band = pick_index(age_cum_uasc if ua else age_cum_non_uasc, u[U_AGE])
        lo, hi = ENTRY_AGE_LO[band], ENTRY_AGE_HI[band]
        a = lo + (hi - lo) * u[U_AGE_POS] * 0.999
        if ua and band == 3:
            a = 14 + 2 * u[U_AGE_POS] * 0.999
        k = 1
        if not ua and a < 16 and u[U_SIB] < prm[E_SIB_SHARE]:
            k = 3 if u[U_SIB] < prm[E_SIB_SHARE] * prm[E_SIB_THREE] else 2
        uasc[i], age[i], size[i] = ua, a, k
        prevented[i] = not ua and u[U_PREVENT] < prm[E_PREVENT_BELOW]
        n_sib += k - 1
    sib_la = np.empty(n_sib, np.int64)
    sib_serial = np.empty(n_sib, np.int64)
    j = 0
    for i in range(n):
        la = las[i]
        if prevented[i]:
            la_serial[la] += size[i] - 1
            continue
        for _ in range(size[i] - 1):
            sib_la[j] = la
            sib_serial[j] = la_serial[la]
            la_serial[la] += 1
            j += 1
    return uasc, age, size, prevented, sib_la[:j], sib_serial[:j]


@njit(cache=True)
def identity(
    u: np.ndarray, la: int, age: float, uasc: bool, day: int, prm: np.ndarray, geo: tuple
) -> tuple:  # pragma: no cover - compiled
    """Date of birth, sex (1 male, 2 female), home district, CIN and ethnicity of one child.

    ``geo`` is (district start of each LA, cumulative postcode weights); the ethnicity is an
    index into ``children.ETHNIC_UASC`` codes for a UASC, else ``children.ETHNIC``.
    """
    dob = day - int(age * DAYS_PER_YEAR)
    sex = 1 if u[U_SEX] < (prm[E_MALE_UASC] if uasc else prm[E_MALE_NON_UASC]) else 2
    home = -1 if uasc else district_of(geo[0], geo[1], la, u[U_HOME])
    cin = _CIN_N8 if uasc else pick_index(_CIN_CUM, u[U_CIN])
    eth = pick_index(_ETHNIC_UASC_CUM if uasc else _ETHNIC_CUM, u[U_ETHNIC])
    return dob, sex, home, cin, eth


TIER_SHARE_A = np.asarray(TIER_SHARE, float)


# Columns of ``entry_futures``'s table.
(
    F_SRC,
    F_LA,
    F_DOB,
    F_SEX,
    F_HOME,
    F_CIN,
    F_ETHNIC,
    F_UASC,
    F_LS,
    F_EXIT_DAY,
    F_ROUTE,
    F_ADOPTION_DAY,
    F_AWAY,
    F_TIER,
    F_PLAN,
    F_TEMPORARY,
    F_NEXT_LS,
    F_LS_DAY,
    F_SA16_DAY,
    F_LEAD,
    F_GROUP,
    F_TRANSFER_TO,  # the council a referred UASC will be transferred to (``transfers``)
    F_TRANSFER_DAY,  # the day of that transfer (-1 none)
) = range(23)


N_F = 23


@njit(cache=True)
def needs_tier(u: float, band: int) -> int:  # pragma: no cover - compiled
    """Needs tier (0 standard, 1 complex, 2 very complex) by age band (``TIER_SHARE``)."""
    t0, t1 = TIER_SHARE_A[band, 0], TIER_SHARE_A[band, 1]
    return 0 if u < t0 else (1 if u < t0 + t1 else 2)


@njit(cache=True)
def _futures(
    u: np.ndarray,
    la: int,
    dob: int,
    uasc: bool,
    day: int,
    la_factor: float,
    prm: np.ndarray,
    bands: np.ndarray,
    out: np.ndarray,
    lead_plan: int = -1,
) -> None:  # pragma: no cover - compiled
    """Legal status, stay, exit route, care plan and fixed event days of one entrant.

    A sibling (``lead_plan`` >= 0) shares its lead's plan when that is with parents, kin or
    foster carers, else it is fostered. Writes ``out`` (``F_*`` columns); days of events not
    due are -1.
    """
    ls = legal.LS_V2_CODE if uasc else _LS_START_CODES[pick_index(_LS_START_CUM, u[U_LS])]
    age = (day - dob) / DAYS_PER_YEAR
    band = age_band_index(age)
    # How long the child stays and why it leaves (``la_factor`` scales the council's exit rate).
    day18 = dob + legal.days_to_18(dob, prm[E_ORIGIN_ORDINAL])
    adoption_day = -1
    if u[U_STAY] < (prm[E_UASC_P_SHORT] if uasc else bands[B_P_SHORT, band]):
        dur = -math.log(u[U_DURATION]) * bands[B_SHORT_DAYS, band] / la_factor
        route = R_UASC if uasc else R_SHORT
    else:
        mean = bands[B_LONG_YEARS, band] * DAYS_PER_YEAR
        if uasc:
            mean *= prm[E_UASC_LONG_MULT]
        dur = -math.log(u[U_DURATION]) * mean / la_factor
        route = R_UASC if uasc else (R_YOUNG_LONG if age < 10 else R_OLDER_LONG)
        if age < 5 and not uasc and u[U_ADOPT] < prm[E_P_ADOPT]:
            route = R_ADOPTION
            # The adoptive placement starts after the care-plan work; the order follows
            # after about 200 days (1,660 placed for adoption at 31 March 2025 against 3,040
            # adoptions a year [file] DfE 2025: derived), at least 10 weeks (the legal minimum).
            adoption_day = day + int(prm[E_ADOPT_DAYS] * (0.5 + u[U_ADOPT] / prm[E_P_ADOPT]))
            dur = adoption_day - day + 70.0 + 130.0 * (-math.log(u[U_DURATION]))
    end = day + max(1, int(dur))
    if end >= day18:
        end, route = day18, R_AT18
    away = u[U_AWAY] < bands[B_AWAY, band]
    # Needs tier and care plan (what kind of placement the child's needs call for).
    tier = needs_tier(u[U_TIER], band)
    x = u[U_PLAN]
    if uasc:
        plan = PLAN_SA if (band == 4 and x < prm[E_SA16_UASC]) else PLAN_FOSTER
    else:
        c0 = bands[B_PARENTS, band]
        c1 = c0 + bands[B_KIN, band]
        c2 = c0 + bands[B_KIN, band] + bands[B_HOME, band]
        if x < c0:
            plan = PLAN_PARENTS
        elif x < c1:
            plan = PLAN_KIN
        elif x < c2:
            plan = PLAN_SECURE if u[U_KIN] < prm[E_SECURE_OF_HOME] else PLAN_HOME
            tier = max(tier, 1)
        elif band == 4 and (x - c2) / max(1e-9, 1 - c2) < prm[E_SA16]:
            plan = PLAN_SA
        else:
            plan = PLAN_FOSTER
    if plan == PLAN_FOSTER and not uasc and age < 16 and u[U_LEVER] < prm[E_KIN_BELOW]:
        plan = PLAN_KIN  # supported kin can take the child
    if lead_plan >= 0:
        together = lead_plan == PLAN_PARENTS or lead_plan == PLAN_KIN or lead_plan == PLAN_FOSTER
        plan = lead_plan if together else PLAN_FOSTER
    elif not uasc and u[U_OTHER] < bands[B_OTHER, band]:
        plan = PLAN_OTHER  # a mother and baby unit, hospital, custody, care home or school
    temporary = u[U_TEMP] < bands[B_TEMP, band] and (plan == PLAN_FOSTER or plan == PLAN_HOME)
    ls, next_ls, ls_day = legal.entry_legal_status(
        ls, age, plan == PLAN_PARENTS, u[U_LS_DAYS], day, end
    )
    # A move to supported accommodation between the 16th birthday and 17 and a half.
    sa16 = -1
    if u[U_SA16] < prm[E_STEP_TO_SA] and (plan == PLAN_FOSTER or plan == PLAN_HOME):
        frac = (u[U_SA16] / prm[E_STEP_TO_SA] * 7.0) % 1.0
        when = dob + int((16 + 1.5 * frac) * DAYS_PER_YEAR)
        if max(when, 1) < end and age < 17.5:
            sa16 = max(when, day + 1, 1)
    out[F_LS] = ls
    out[F_EXIT_DAY] = end
    out[F_ROUTE] = route
    out[F_ADOPTION_DAY] = adoption_day
    out[F_AWAY] = away
    out[F_TIER] = tier
    out[F_PLAN] = plan
    out[F_TEMPORARY] = temporary
    out[F_NEXT_LS] = next_ls
    out[F_LS_DAY] = ls_day
    out[F_SA16_DAY] = sa16


@njit(cache=True)
def entry_futures(
    uu_lead: np.ndarray,
    uu_sib: np.ndarray,
    las: np.ndarray,
    uasc: np.ndarray,
    age: np.ndarray,
    size: np.ndarray,
    prevented: np.ndarray,
    day: int,
    la_factor: np.ndarray,
    prm: np.ndarray,
    bands: np.ndarray,
    geo: tuple,
    uasc_stock: np.ndarray,
    nts: transfers.Nts,
) -> np.ndarray:  # pragma: no cover - compiled
    """Every entrant's identity and futures, in the order of admission.

    Each lead kept in care comes first, then its siblings. A UASC lead starts in the council
    it arrives in, which may refer it for transfer under the National Transfer Scheme
    (``transfers.refer``: ``F_TRANSFER_TO``, ``F_TRANSFER_DAY``); ``uasc_stock`` counts the
    unaccompanied children each council is responsible for and is updated here.
    Siblings are a year and a half apart, share the lead's home district and category of need,
    and are planned for the lead's kind of placement when it is with parents, kin or foster
    carers (else foster care).

    Returns:
        One row per entrant (``F_*`` columns). ``F_SRC`` is the lead's row in ``uu_lead``, or
        for a sibling -1 - its row in ``uu_sib``; ``F_LEAD`` the row of the sibling's lead in
        this table (-1 for a lead); ``F_GROUP`` the lead's group size.
    """
    n_out = 0
    for i in range(len(las)):
        if not prevented[i]:
            n_out += size[i]
    out = np.zeros((n_out, N_F), np.int64)
    row = 0
    j_sib = 0
    for i in range(len(las)):
        k = size[i]
        if prevented[i]:
            continue
        u = uu_lead[i]
        la = las[i]
        to = transfers.NO_TRANSFER
        if uasc[i]:  # U_LEVER and U_ADOPT: draws a UASC makes nowhere else
            to = transfers.refer(
                nts, uasc_stock, la, u[U_LEVER], u[U_ADOPT], prm[E_NTS_REFER],
                prm[E_NTS_REGION] > 0,
            )  # fmt: skip
            uasc_stock[la] += 1
        dob, sex, home, cin, eth = identity(u, la, age[i], uasc[i], day, prm, geo)
        lead = row
        o = out[row]
        o[F_SRC], o[F_LA], o[F_DOB], o[F_SEX], o[F_HOME] = i, la, dob, sex, home
        o[F_CIN], o[F_ETHNIC], o[F_UASC], o[F_LEAD], o[F_GROUP] = cin, eth, uasc[i], -1, k
        o[F_TRANSFER_TO] = to
        o[F_TRANSFER_DAY] = day + int(prm[E_NTS_DAYS]) if to != transfers.NO_TRANSFER else -1
        row += 1
        step = 1.5 if u[U_AGE_POS] < 0.5 else -1.5
        for j in range(k - 1):
            s_age = min(15.9, max(0.0, age[i] + (j + 1) * step))
            s_dob, s_sex, _, _, s_eth = identity(uu_sib[j_sib], la, s_age, False, day, prm, geo)
            o = out[row]
            o[F_SRC], o[F_LA], o[F_DOB], o[F_SEX], o[F_HOME] = -1 - j_sib, la, s_dob, s_sex, home
            o[F_CIN], o[F_ETHNIC], o[F_UASC], o[F_LEAD], o[F_GROUP] = cin, s_eth, 0, lead, 1
            o[F_TRANSFER_TO], o[F_TRANSFER_DAY] = transfers.NO_TRANSFER, -1
            row += 1
            j_sib += 1
        for r in range(lead, row):
            o = out[r]
            src = o[F_SRC]
            uc = uu_lead[src] if src >= 0 else uu_sib[-1 - src]
            lead_plan = out[lead, F_PLAN] if r > lead else -1
            _futures(uc, la, o[F_DOB], o[F_UASC] > 0, day, la_factor[la], prm, bands, o, lead_plan)
    return out


@njit(cache=True)
def identities(
    uu: np.ndarray,
    las: np.ndarray,
    age: np.ndarray,
    uasc: np.ndarray,
    day: int,
    prm: np.ndarray,
    geo: tuple,
) -> np.ndarray:  # pragma: no cover - compiled
    """``identity`` of many children: rows of (dob, sex, home district, CIN, ethnicity)."""
    out = np.empty((len(las), 5), np.int64)
    for i in range(len(las)):
        out[i, 0], out[i, 1], out[i, 2], out[i, 3], out[i, 4] = identity(
            uu[i], las[i], age[i], uasc[i], day, prm, geo
        )
    return out
