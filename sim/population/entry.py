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

from sim.calendar import push_events
from sim.geography import district_of
from sim.population.children import (
    CIN_CUM_NON_UASC,
    ETHNIC,
    ETHNIC_UASC,
    LS_START,
    N_UNIFORMS,
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
    U_PLAN,
    U_PREVENT,
    U_PROPENSITY,
    U_SA16,
    U_SEX,
    U_SIB,
    U_STAY,
    U_TEMP,
    U_TIER,
    U_UASC,
)
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
    C_GROUP_SIZE,
    C_HOME_D,
    C_KIND,
    C_LA,
    C_LS,
    C_LS_DAY,
    C_N_PLACEMENTS,
    C_NEXT_LS,
    C_PLACE,
    C_PLACE_START,
    C_PLAN,
    C_SEX,
    C_SIBLING_OF,
    C_STATUS_CHANGED,
    C_TEMPORARY,
    C_TIER,
    C_UASC,
    C_VERSION,
    CF_PROPENSITY,
    alloc_rows,
)
from sim.records import (
    CIN,
    DAYS_PER_YEAR,
    IFA,
    INHOUSE,
    KIN,
    LS,
    PLACE,
    PLAN_FOSTER,
    PLAN_HOME,
    PLAN_KIN,
    PLAN_PARENTS,
    PLAN_SA,
    PLAN_SECURE,
    PROVIDER,
    REC,
    RNE,
    RPC,
)
from sim.rng import uniforms_kernel
from sim.special import gammaincinv

# Exit routes as codes (``Child.exit_route`` holds the name).
ROUTES = ("short", "young_long", "older_long", "uasc", "at18", "adoption")
R_SHORT, R_YOUNG_LONG, R_OLDER_LONG, R_UASC, R_AT18, R_ADOPTION = range(6)
# Entry age bands (years): 0, 1-4, 5-9, 10-15, 16-17 (DfE's bands).
ENTRY_AGE_LO = np.array([0, 1, 5, 10, 16], np.int64)
ENTRY_AGE_HI = np.array([1, 5, 10, 16, 18], np.int64)
AGE_EDGES = np.array([1.0, 5.0, 10.0, 16.0])
# Days from birth to the 18th birthday.
DAYS_TO_18 = int(round(18 * DAYS_PER_YEAR))
_LS_START_CODES = np.array([LS[c] for c in LS_START[0]], np.int64)
_LS_START_CUM = np.array(LS_START[1])
_CIN_CUM = np.array(CIN_CUM_NON_UASC)
_ETHNIC_CUM = np.array(ETHNIC[1])
_ETHNIC_UASC_CUM = np.array(ETHNIC_UASC[1])
_LS_V2, _LS_L1, _LS_L2, _LS_C1, _LS_C2 = (LS[c] for c in ("V2", "L1", "L2", "C1", "C2"))
_CIN_N8 = CIN["N8"]

# Positions in the ``prm`` vector of scalar parameters (``entry_params``).
(
    E_UASC_SHARE,
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
    E_DISPERSE_BELOW,
    E_DISPERSE_REGION,
) = range(16)
N_EPRM = 16
# Per-band parameter rows of ``bands`` (``entry_params``).
B_P_SHORT, B_SHORT_DAYS, B_LONG_YEARS, B_AWAY, B_PARENTS, B_KIN, B_HOME, B_TEMP = range(8)


def entry_params(model, day: int) -> tuple[np.ndarray, np.ndarray]:
    """The scalar (``E_*``) and per-age-band (``B_*``) parameters of entry on ``day``.

    A lever off on ``day`` passes a threshold no uniform is below (-1).
    """
    p = model.p
    ep, ex, pl = p.entry, p.exits, p.placements
    policy = model.policy
    steady = policy.prevention is None and policy.kinship_support is None
    steady = steady and policy.uasc_dispersal is None
    cached = getattr(model, "_entry_prm", None)
    if steady and cached is not None and cached[0] is p:  # no lever: the same every day
        return cached[1], cached[2]
    prm = np.zeros(N_EPRM)
    prm[E_UASC_SHARE] = ep.uasc_share
    prm[E_SIB_SHARE] = ep.sibling_group_share
    prm[E_SIB_THREE] = ep.sibling_group_of_three
    prev = policy.prevention
    prm[E_PREVENT_BELOW] = (
        prev.cfg.entry_reduction * prev.ramp(day, prev.cfg.ramp_years) if prev is not None else -1.0
    )
    prm[E_MALE_UASC] = ep.male_share_uasc
    prm[E_MALE_NON_UASC] = ep.male_share_non_uasc
    prm[E_UASC_LONG_MULT] = ex.uasc_long_multiplier
    prm[E_P_ADOPT] = pl.p_adoption_young_long
    prm[E_ADOPT_DAYS] = pl.adoption_placement_days
    prm[E_SA16_UASC] = pl.p_sa_16plus_uasc
    prm[E_SA16] = pl.p_sa_16plus
    prm[E_SECURE_OF_HOME] = pl.p_secure_of_home
    ks = policy.kinship_support
    prm[E_KIN_BELOW] = ks.cfg.extra_kin_share if ks is not None and ks.active(day) else -1.0
    prm[E_STEP_TO_SA] = pl.p_step_to_sa_at_16
    ud = policy.uasc_dispersal
    prm[E_DISPERSE_BELOW] = ud.cfg.transfer_share if ud is not None and ud.active(day) else -1.0
    prm[E_DISPERSE_REGION] = 1.0 if ud is not None and ud.cfg.scope == "region" else 0.0
    cached = getattr(model, "_entry_bands", None)
    if cached is not None and cached[0] is p:  # fixed for the run's parameters
        bands = cached[1]
    else:
        bands = np.array(
            [
                ex.p_short,
                ex.short_mean_days,
                ex.long_mean_years,
                pl.p_placed_away,
                pl.p_parents,
                pl.p_kin,
                pl.p_home,
                pl.p_first_temporary,
            ],
            dtype=float,
        )
        model._entry_bands = (p, bands)
    if steady:
        model._entry_prm = (p, prm, bands)
    return prm, bands


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
) -> tuple:  # pragma: no cover - compiled
    """For each arriving lead child (rows of ``uu``): UASC, age, group size, kept out of care.

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
        ua = u[U_UASC] < prm[E_UASC_SHARE]
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


@njit(cache=True)
def _disperse(
    la: int,
    stock: np.ndarray,
    quota: np.ndarray,
    ok: np.ndarray,
    region: np.ndarray,
    same_region: bool,
) -> int:  # pragma: no cover - compiled
    """The council responsible for a UASC arriving in ``la`` (``UascDispersal.destination``).

    A council at its quota passes the child to the simulated council (in the same region, with
    ``same_region``) with most room under its quota, if any has room.
    """
    if stock[la] < quota[la]:
        return la
    best, room_best = -1, -np.inf
    for j in range(len(quota)):
        room = -np.inf
        if ok[j] and (not same_region or region[j] == region[la]):
            room = quota[j] - stock[j]
        if best < 0 or room > room_best:
            best, room_best = j, room
    return best if room_best > 0 else la


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
) = range(21)
N_F = 21


@njit(cache=True)
def _tier(u: float, band: int) -> int:  # pragma: no cover - compiled
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
) -> None:  # pragma: no cover - compiled
    """Legal status, stay, exit route, care plan and fixed event days of one entrant.

    Writes ``out`` (``F_*`` columns); days of events not due are -1.
    """
    ls = _LS_V2 if uasc else _LS_START_CODES[pick_index(_LS_START_CUM, u[U_LS])]
    age = (day - dob) / DAYS_PER_YEAR
    band = age_band_index(age)
    # How long the child stays and why it leaves (``la_factor`` scales the council's exit rate).
    day18 = dob + DAYS_TO_18
    adoption_day = -1
    if u[U_STAY] < bands[B_P_SHORT, band]:
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
    tier = _tier(u[U_TIER], band)
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
    temporary = u[U_TEMP] < bands[B_TEMP, band] and (plan == PLAN_FOSTER or plan == PLAN_HOME)
    next_ls, ls_day = -1, 0
    if ls == _LS_L1 or ls == _LS_L2:
        next_ls = _LS_C1 if u[U_LS_DAYS] < 0.6 else _LS_V2
        ls_day = day + 1 + int(7 * u[U_LS_DAYS])
    elif ls == _LS_C1 and end - day > 200:
        next_ls = _LS_C2
        ls_day = day + 150 + int(100 * u[U_LS_DAYS])
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
    disperse: tuple,
) -> np.ndarray:  # pragma: no cover - compiled
    """Every entrant's identity and futures, in the order of admission.

    Each lead kept in care comes first, then its siblings. A UASC lead may be transferred to
    another council (``disperse`` = (quota, simulated LAs, region of each LA)); ``uasc_stock``
    counts the unaccompanied children each council is responsible for and is updated here.
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
        if uasc[i] and u[U_LEVER] < prm[E_DISPERSE_BELOW]:
            la = _disperse(
                la,
                uasc_stock,
                disperse[0],
                disperse[1],
                disperse[2],
                prm[E_DISPERSE_REGION] > 0,
            )
        dob, sex, home, cin, eth = identity(u, la, age[i], uasc[i], day, prm, geo)
        if uasc[i]:
            uasc_stock[la] += 1
        lead = row
        o = out[row]
        o[F_SRC], o[F_LA], o[F_DOB], o[F_SEX], o[F_HOME] = i, la, dob, sex, home
        o[F_CIN], o[F_ETHNIC], o[F_UASC], o[F_LEAD], o[F_GROUP] = cin, eth, uasc[i], -1, k
        row += 1
        step = 1.5 if u[U_AGE_POS] < 0.5 else -1.5
        for j in range(k - 1):
            s_age = min(15.9, max(0.0, age[i] + (j + 1) * step))
            s_dob, s_sex, _, _, s_eth = identity(uu_sib[j_sib], la, s_age, False, day, prm, geo)
            o = out[row]
            o[F_SRC], o[F_LA], o[F_DOB], o[F_SEX], o[F_HOME] = -1 - j_sib, la, s_dob, s_sex, home
            o[F_CIN], o[F_ETHNIC], o[F_UASC], o[F_LEAD], o[F_GROUP] = cin, s_eth, 0, lead, 1
            row += 1
            j_sib += 1
        for r in range(lead, row):
            o = out[r]
            src = o[F_SRC]
            uc = uu_lead[src] if src >= 0 else uu_sib[-1 - src]
            _futures(uc, la, o[F_DOB], o[F_UASC] > 0, day, la_factor[la], prm, bands, o)
            if r > lead:
                lp = out[lead, F_PLAN]
                keep = lp == PLAN_PARENTS or lp == PLAN_KIN or lp == PLAN_FOSTER
                o[F_PLAN] = lp if keep else PLAN_FOSTER
    return out


@njit(cache=True)
def admit_plan(
    base: np.uint64,
    las: np.ndarray,
    la_serial: np.ndarray,
    age_cum_non_uasc: np.ndarray,
    age_cum_uasc: np.ndarray,
    prm: np.ndarray,
    day: int,
    la_factor: np.ndarray,
    bands: np.ndarray,
    geo: tuple,
    uasc_stock: np.ndarray,
    disperse: tuple,
) -> tuple:  # pragma: no cover - compiled
    """A day's arrivals at ``las``, from their serials to their rows (``entry_futures``).

    In order: each arrival's serial (``reserve_serials``), its uniforms (keyed by ``base``, as
    ``sim.rng.uniforms_of``), the leads' plans (``lead_plans``, which reserve their siblings'
    serials), the siblings' uniforms, then every entrant's identity and futures.

    Returns:
        (entrant rows, leads' uniforms, siblings' uniforms, leads kept out of care).
    """
    serial = reserve_serials(las, la_serial)
    uu = uniforms_kernel(base, las, serial, N_UNIFORMS)
    uasc, age, size, prevented, sib_la, sib_serial = lead_plans(
        uu, las, la_serial, age_cum_non_uasc, age_cum_uasc, prm
    )
    uu_sib = uniforms_kernel(base, sib_la, sib_serial, N_UNIFORMS)
    tab = entry_futures(
        uu,
        uu_sib,
        las,
        uasc,
        age,
        size,
        prevented,
        day,
        la_factor,
        prm,
        bands,
        geo,
        uasc_stock,
        disperse,
    )
    n_prevented = 0
    for i in range(len(prevented)):
        n_prevented += 1 if prevented[i] else 0
    return tab, uu, uu_sib, n_prevented


@njit(cache=True)
def reserve_serials(las: np.ndarray, la_serial: np.ndarray) -> np.ndarray:  # pragma: no cover
    """The next entry serial of each arrival's LA, in order (advancing ``la_serial``)."""
    out = np.empty(len(las), np.int64)
    for i in range(len(las)):
        out[i] = la_serial[las[i]]
        la_serial[las[i]] += 1
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


@njit(cache=True)
def to_table(ti, tu, rows, tab, uu_lead, uu_sib, cid0, n_leads, day, ev_codes, events):
    """Write the entrants of ``tab`` (``entry_futures``) to their ``rows`` of the child table.

    Leads are numbered from ``cid0`` in arrival order (``n_leads`` of them, counting those kept
    out of care), then siblings. Each entrant's uniforms go to ``tu``, its state to ``ti``
    (``sim.population.table`` columns), and the events fixed at entry to ``events`` as rows of
    (day, event, child, version), child by child: leaving care, the move to supported
    accommodation at 16-17, the adoptive placement and the change of legal status, each when
    due (``ev_codes`` gives their codes in that order).

    Returns:
        (child numbers, number of events written).
    """
    k = len(tab)
    cids = np.empty(k, np.int64)
    for j in range(k):
        src = tab[j, F_SRC]
        cids[j] = cid0 + src if src >= 0 else cid0 + n_leads - 1 - src
    ne = 0
    for j in range(k):
        r = rows[j]
        o = tab[j]
        src = o[F_SRC]
        if src >= 0:
            tu[r, :] = uu_lead[src]
        else:
            tu[r, :] = uu_sib[-1 - src]
        cid = cids[j]
        lead = o[F_LEAD]
        ti[r, C_CID] = cid
        ti[r, C_LA] = o[F_LA]
        ti[r, C_DOB] = o[F_DOB]
        ti[r, C_SEX] = o[F_SEX]
        ti[r, C_HOME_D] = o[F_HOME]
        ti[r, C_CIN] = o[F_CIN]
        ti[r, C_UASC] = o[F_UASC]
        ti[r, C_LS] = o[F_LS]
        ti[r, C_CARE_START] = day
        ti[r, C_EXIT_DAY] = o[F_EXIT_DAY]
        ti[r, C_EXIT_ROUTE] = o[F_ROUTE]
        ti[r, C_ADOPTION_DAY] = max(o[F_ADOPTION_DAY], -1)
        ti[r, C_AWAY] = 1 if o[F_AWAY] == 1 else 0
        ti[r, C_TIER] = o[F_TIER]
        ti[r, C_PLAN] = o[F_PLAN]
        ti[r, C_TEMPORARY] = 1 if o[F_TEMPORARY] == 1 else 0
        has_ls = o[F_NEXT_LS] >= 0
        ti[r, C_NEXT_LS] = o[F_NEXT_LS] if has_ls else -1
        ti[r, C_LS_DAY] = o[F_LS_DAY] if has_ls else 0
        ti[r, C_SIBLING_OF] = cids[lead] if lead >= 0 else -1
        ti[r, C_GROUP_SIZE] = 1 if lead >= 0 else o[F_GROUP]
        version = ti[r, C_VERSION]
        due = (
            o[F_EXIT_DAY],
            o[F_SA16_DAY],
            o[F_ADOPTION_DAY] if o[F_ROUTE] == R_ADOPTION and o[F_ADOPTION_DAY] > 0 else -1,
            max(1, o[F_LS_DAY]) if has_ls else -1,
        )
        for e in range(4):
            if e == 0 or due[e] >= 0:
                events[ne, 0] = due[e]
                events[ne, 1] = ev_codes[e]
                events[ne, 2] = cid
                events[ne, 3] = version
                ne += 1
    return cids, ne


@njit(cache=True)
def admit_rows(plan, table_state, cal, stock, cid0, day, ev_codes, var):  # pragma: no cover
    """A day's arrivals (``admit_plan``), written to new rows of the child table and queued.

    The entrants take rows (``alloc_rows``: freed rows first, then new ones; the table has
    room for three per arrival), are written there (``to_table``) and indexed by child number
    (``row_of`` has room), their events go to the calendar (``push_events``, when ``cal`` allows)
    and they count in their LAs' ``stock``. With ``var`` > 0 each entrant's propensity to
    move is the gamma quantile (mean 1, variance ``var``) of its own uniform.

    Args:
        plan: ``admit_plan``'s arguments but the day, in its order.
        table_state: (I, F, U, W, free stack, counts, a new row's integer and float columns,
            row of each child number) (``ChildTable``).
        cal: the calendar's arrays (``Calendar.arrays``), the last day handled and whether the
            events may be queued here.

    Returns:
        (the entrants (``entry_futures`` rows), their child numbers, their rows, leads kept
        out of care, siblings, the events fixed at entry, what ``push_events`` returned (-1: not
        queued)).
    """
    base, las, la_serial, cum_non_uasc, cum_uasc, prm, la_factor, bands, geo, uasc, disp = plan
    ti, tf, tu, tw, free_stack, counts, default_i, default_f, row_of = table_state
    head, tail, store, nxt, meta, late_ix, count, done, push = cal
    tab, uu, uu_sib, n_prevented = admit_plan(
        base, las, la_serial, cum_non_uasc, cum_uasc, prm, day, la_factor, bands, geo, uasc, disp
    )
    k = len(tab)
    rows = alloc_rows(free_stack, counts, k, ti, tf, tw, default_i, default_f)
    events = np.empty((4 * k, 4), np.int64)
    cids, ne = to_table(ti, tu, rows, tab, uu, uu_sib, cid0, len(las), day, ev_codes, events)
    if var > 0:
        for j in range(k):
            r = rows[j]
            tf[r, CF_PROPENSITY] = gammaincinv(1.0 / var, tu[r, U_PROPENSITY], 0) * var
    for j in range(k):
        row_of[cids[j]] = rows[j]
        stock[tab[j, F_LA]] += 1
    pushed = -1
    if push and ne:
        pushed = push_events(head, tail, store, nxt, meta, events, ne, done, late_ix, count)
    return tab, cids, rows, n_prevented, len(uu_sib), events[:ne], pushed


_RNE_S, _RNE_P = RNE["S"], RNE["P"]
_PLACE_U1, _PLACE_U4, _PLACE_U6, _PLACE_K3 = (PLACE[c] for c in ("U1", "U4", "U6", "K3"))
_PR1, _REC_X1, _RPC_CARPL = PROVIDER["PR1"], REC["X1"], RPC["CARPL"]

# The initial population's age bands: (lowest, highest) age of each band, years.
STOCK_AGE_RANGE = np.array([[0.0, 1.0], [1.0, 5.0], [5.0, 10.0], [10.0, 16.0], [16.0, 18.0]])
# Classes of the initial population's first placement (``stock_children``).
S_NO_SEARCH, S_SEARCH, S_UNREG, S_ADOPTION = range(4)
# Care plans of the initial population (``STOCK_PLAN`` columns): the placement types, then
# placed for adoption and in an unregistered setting.
_SP_ADOPTION, _SP_UNREG = 6, 7


@njit(cache=True)
def stock_ls(uasc: bool, tic: float, u: float) -> int:  # pragma: no cover - compiled
    """Legal status of a child of the initial population, in care ``tic`` years (uniform ``u``).

    UASC are accommodated (V2); others on a care order (full C2 after 0.8 years, interim C1
    before) or accommodated: assumption.
    """
    if uasc:
        return _LS_V2
    if tic > 0.8:
        return _LS_C2 if u < 0.78 else _LS_V2
    return _LS_C1 if u < 0.6 else _LS_V2


@njit(cache=True)
def stock_draws(
    tu: np.ndarray, rows: np.ndarray, age_cum: np.ndarray, uasc_band: np.ndarray
) -> tuple:  # pragma: no cover - compiled
    """Age band, age (years) and UASC flag of each child of the initial population."""
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
        uascs[i] = u[U_UASC] < uasc_band[band]
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
        tier = _tier(u[U_TIER], band)
        plan = pick_index(plan_cum[band], u[U_PLAN])
        if uasc:
            plan = PLAN_SA if (band == 4 and u[U_PLAN] < 0.5) else PLAN_FOSTER
        # Time in care: exponential, capped at age (UASC: arrived at 14+).
        mean = time_mean[band] * (0.3 if uasc else 1.0)
        cap = max(age - (14 if uasc else 0), 0.02)
        tic = min(-math.log(u[U_STAY]) * mean, cap * 0.999)
        ti[r, C_CARE_START] = -max(1, int(tic * DAYS_PER_YEAR))
        # How and when it leaves: a short stay's or long stay's remaining time, or at 18.
        age0 = (0 - dob) / DAYS_PER_YEAR
        at_entry = age_band_index(max(0.0, age0 - tic))
        day18 = dob + DAYS_TO_18
        if tic < 0.5 and u[U_TEMP] < bands_prm[B_P_SHORT, at_entry]:
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
        ti[r, C_LS] = stock_ls(uasc, tic, u[U_LS])
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
        if plan == _SP_ADOPTION:
            out[i] = S_ADOPTION
            plan = PLAN_FOSTER
        elif plan == _SP_UNREG:
            out[i] = S_UNREG
            plan = PLAN_HOME
            tier = 2
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
    carers over a year old are long-term ones already (U4; kinship U1).
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
        if uk < first_share or tic_days < 30:
            ti[r, C_EP_START] = start_care
            ti[r, C_EP_RNE] = _RNE_S
            ti[r, C_N_PLACEMENTS] = 1
            ti[r, C_PLACE_START] = start_care
            if tic_days > DAYS_PER_YEAR and carers:
                ti[r, C_STATUS_CHANGED] = 1
                ti[r, C_PLACE] = _PLACE_U1 if kind == KIN else _PLACE_U4
            continue
        start = min(-int(tic_days * ((uk * 13.7) % 1.0)), -1)
        ti[r, C_PLACE_START] = start
        ti[r, C_EP_START] = start
        if -start > DAYS_PER_YEAR and carers:
            ti[r, C_STATUS_CHANGED] = 1
            ti[r, C_PLACE] = _PLACE_U1 if kind == KIN else _PLACE_U4
        ti[r, C_EP_RNE] = _RNE_P
        young = (start_care - ti[r, C_DOB]) / DAYS_PER_YEAR < 16
        k = count[0]
        e = episodes[k]
        e[0], e[1], e[2], e[3] = ti[r, C_CID], ti[r, C_LA], start_care, _RNE_S
        e[4], e[5], e[6] = ti[r, C_LS], ti[r, C_CIN], _PLACE_U6 if young else _PLACE_K3
        e[7], e[8], e[9], e[10] = _PR1, start, _REC_X1, _RPC_CARPL
        e[11], e[12], e[13] = ti[r, C_HOME_D], ti[r, C_HOME_D], -1
        count[0] = k + 1
        ti[r, C_N_PLACEMENTS] = 2
        ti[r, C_BILLED_TO] = 0
