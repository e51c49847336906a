"""A day's arrivals in one compiled call: serials, plans, rows, records and events.

This module owns how a day's arrivals become children in the table (``admit_rows``): each
LA's arrival serials, the leads' plans (unaccompanied, age, siblings, prevented), the
entrants' identities and futures (``sim.population.entry``), their rows, the stock counted
and the events fixed at entry queued; and the entry parameters of a day with the levers'
terms (``entry_scalars``, ``entry_bands``).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit

from sim.calendar import push_events
from sim.population import transfers
from sim.population.children import (
    N_UNIFORMS,
    U_PROPENSITY,
)
from sim.population.entry import (
    B_HOME,
    B_KIN,
    B_PARENTS,
    E_ADOPT_DAYS,
    E_KIN_BELOW,
    E_MALE_NON_UASC,
    E_MALE_UASC,
    E_NTS_DAYS,
    E_NTS_REFER,
    E_NTS_REGION,
    E_ORIGIN_ORDINAL,
    E_P_ADOPT,
    E_PREVENT_BELOW,
    E_SA16,
    E_SA16_UASC,
    E_SECURE_OF_HOME,
    E_SIB_SHARE,
    E_SIB_THREE,
    E_STEP_TO_SA,
    E_UASC_LONG_MULT,
    E_UASC_P_SHORT,
    F_ADOPTION_DAY,
    F_AWAY,
    F_CIN,
    F_DOB,
    F_EXIT_DAY,
    F_GROUP,
    F_HOME,
    F_LA,
    F_LEAD,
    F_LS,
    F_LS_DAY,
    F_NEXT_LS,
    F_PLAN,
    F_ROUTE,
    F_SA16_DAY,
    F_SEX,
    F_SRC,
    F_TEMPORARY,
    F_TIER,
    F_TRANSFER_DAY,
    F_TRANSFER_TO,
    F_UASC,
    N_EPRM,
    R_ADOPTION,
    entry_futures,
    lead_plans,
)
from sim.population.table import (
    C_ADOPTION_DAY,
    C_AWAY,
    C_CARE_START,
    C_CID,
    C_CIN,
    C_DOB,
    C_EXIT_DAY,
    C_EXIT_ROUTE,
    C_GROUP_SIZE,
    C_HOME_D,
    C_LA,
    C_LS,
    C_LS_DAY,
    C_NEXT_LS,
    C_PLAN,
    C_SEX,
    C_SIBLING_OF,
    C_TEMPORARY,
    C_TIER,
    C_TRANSFER_TO,
    C_UASC,
    C_VERSION,
    CF_PROPENSITY,
    alloc_rows,
)
from sim.rng import uniforms_kernel
from sim.special import gammaincinv


class EntryPlan(NamedTuple):
    """A run of days' arrivals and the terms of their entry (``admit_rows``)."""

    base: np.uint64  # the run's key to its arrivals' uniforms (``sim.rng.uniforms_base``)
    las: np.ndarray  # each arrival's LA, day by day
    la_serial: np.ndarray  # arrivals so far by LA (each arrival's serial is the next)
    age_cum_non_uasc: np.ndarray  # cumulative share of entrants by age band
    age_cum_uasc: np.ndarray  # the same for unaccompanied children
    prm: np.ndarray  # scalar parameters (``entry_scalars``)
    la_factor: np.ndarray  # each LA's factor on exits
    bands: np.ndarray  # per-age-band parameters (``entry_bands``)
    districts: tuple  # (each LA's first postcode district, districts' cumulative weights)
    uasc_share: np.ndarray  # by LA: the share of the day's arrivals that are unaccompanied
    uasc_stock: np.ndarray  # unaccompanied children in care by LA
    nts: transfers.Nts  # the National Transfer Scheme's terms


def entry_scalars(p, policy, day: int, origin, refer_share: float | None = None) -> np.ndarray:
    """The scalar parameters of entry (``E_*``) on ``day``, for parameters ``p``.

    A lever (``policy``'s) off on ``day`` passes a threshold no uniform is below (-1).
    ``origin``: the date of day 0 (ages are read from the calendar). The National Transfer
    Scheme's terms are the baseline's (``params.entry.nts_*``, ``refer_share`` the year's
    referral share, default 2024-25's) or, while ``uasc_dispersal`` is active, the lever's.
    """
    ep, ex, pl = p.entry, p.exits, p.placements
    prm = np.zeros(N_EPRM)
    prm[E_ORIGIN_ORDINAL] = origin.toordinal()
    prm[E_SIB_SHARE] = ep.sibling_group_share
    prm[E_SIB_THREE] = ep.sibling_group_of_three
    prev = policy.prevention
    prm[E_PREVENT_BELOW] = (
        prev.cfg.entry_reduction * prev.ramp(day, prev.cfg.ramp_years) if prev is not None else -1.0
    )
    prm[E_MALE_UASC] = ep.male_share_uasc
    prm[E_MALE_NON_UASC] = ep.male_share_non_uasc
    prm[E_UASC_LONG_MULT] = ex.uasc_long_multiplier
    prm[E_UASC_P_SHORT] = ex.uasc_p_short
    prm[E_P_ADOPT] = pl.p_adoption_young_long
    prm[E_ADOPT_DAYS] = pl.adoption_placement_days
    prm[E_SA16_UASC] = pl.p_sa_16plus_uasc
    prm[E_SA16] = pl.p_sa_16plus
    prm[E_SECURE_OF_HOME] = pl.p_secure_of_home
    ks = policy.kinship_support
    prm[E_KIN_BELOW] = ks.cfg.extra_kin_share if ks is not None and ks.active(day) else -1.0
    prm[E_STEP_TO_SA] = pl.p_step_to_sa_at_16
    ud = policy.uasc_dispersal
    if ud is not None and ud.active(day):
        prm[E_NTS_REFER] = ud.cfg.transfer_share
        prm[E_NTS_DAYS] = ud.cfg.transfer_days
        prm[E_NTS_REGION] = 1.0 if ud.cfg.scope == "region" else 0.0
    else:
        prm[E_NTS_REFER] = ep.nts_referral_share[-1] if refer_share is None else refer_share
        prm[E_NTS_DAYS] = ep.nts_transfer_days
    return prm


# The year to 31 March whose entrants ``params.placements.p_home`` describes.
HOME_NEED_YEAR = 2025


def entry_bands(p, year: int = HOME_NEED_YEAR) -> np.ndarray:
    """The per-age-band parameters of entry (``B_*`` rows) for parameters ``p``.

    Args:
        p: The run's parameters.
        year: The year to 31 March of the entrants: ``p_home`` grows by
            ``home_need_trend`` a year from ``HOME_NEED_YEAR``'s, capped at what the band's
            parents and kinship shares leave.
    """
    ex, pl = p.exits, p.placements
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
            pl.p_other_setting if pl.other_settings else [0.0] * 5,
        ],
        dtype=float,
    )
    if pl.home_need_trend != 0.0 and year != HOME_NEED_YEAR:
        room = np.maximum(1.0 - bands[B_PARENTS] - bands[B_KIN], 0.0)
        grown = bands[B_HOME] * (1.0 + pl.home_need_trend) ** (year - HOME_NEED_YEAR)
        bands[B_HOME] = np.minimum(grown, room)
    return bands


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
    uasc_share: np.ndarray,
    uasc_stock: np.ndarray,
    nts: transfers.Nts,
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
        uu, las, la_serial, age_cum_non_uasc, age_cum_uasc, prm, uasc_share
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
        nts,
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
def to_table(ti, tu, rows, tab, uu_lead, uu_sib, cid0, n_leads, day, ev_codes, events):
    """Write the entrants of ``tab`` (``entry_futures``) to their ``rows`` of the child table.

    Leads are numbered from ``cid0`` in arrival order (``n_leads`` of them, counting those kept
    out of care), then siblings. Each entrant's uniforms go to ``tu``, its state to ``ti``
    (``sim.population.table`` columns), and the events fixed at entry to ``events`` as rows of
    (day, event, child, version), child by child: leaving care, the move to supported
    accommodation at 16-17, the adoptive placement, the change of legal status and a referred
    child's transfer, each when due (``ev_codes`` gives their codes in that order; a child has
    at most four: only an unaccompanied child is transferred, and it is never adopted).

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
        ti[r, C_TRANSFER_TO] = o[F_TRANSFER_TO]
        version = ti[r, C_VERSION]
        due = (
            o[F_EXIT_DAY],
            o[F_SA16_DAY],
            o[F_ADOPTION_DAY] if o[F_ROUTE] == R_ADOPTION and o[F_ADOPTION_DAY] > 0 else -1,
            max(1, o[F_LS_DAY]) if has_ls else -1,
            o[F_TRANSFER_DAY],
        )
        for e in range(5):
            if e == 0 or due[e] >= 0:
                events[ne, 0] = due[e]
                events[ne, 1] = ev_codes[e]
                events[ne, 2] = cid
                events[ne, 3] = version
                ne += 1
    return cids, ne


@njit(cache=True)
def admit_rows(
    plan, lo, hi, table_state, cal, done, push, stock, cid0, day, ev_codes, var
):  # pragma: no cover
    """A day's arrivals (``admit_plan``), written to new rows of the child table and queued.

    The entrants take rows (``alloc_rows``: freed rows first, then new ones; the table has
    room for three per arrival), are written there (``to_table``) and indexed by child number
    (``row_of`` has room), their events go to the calendar (``push_events``, when ``cal`` allows)
    and they count in their LAs' ``stock``. With ``var`` > 0 each entrant's propensity to
    move is the gamma quantile (mean 1, variance ``var``) of its own uniform.

    Args:
        plan: the run of days' arrivals and entry terms (``EntryPlan``); the day's arrivals
            are ``plan.las[lo:hi]``.
        table_state: the child table's (``table.TableState``).
        cal: the calendar's arrays (``calendar.CalendarArrays``).
        done: the last day handled; push: whether the events may be queued here.

    Returns:
        (the entrants (``entry_futures`` rows), their child numbers, their rows, leads kept
        out of care, siblings, the events fixed at entry, what ``push_events`` returned (-1: not
        queued)).
    """
    las = plan.las[lo:hi]
    ts = table_state
    ti, tf, tu, tw, row_of = ts.I, ts.F, ts.U, ts.W, ts.row_of
    tab, uu, uu_sib, n_prevented = admit_plan(
        plan.base, las, plan.la_serial, plan.age_cum_non_uasc, plan.age_cum_uasc, plan.prm, day,
        plan.la_factor, plan.bands, plan.districts, plan.uasc_share, plan.uasc_stock, plan.nts,
    )  # fmt: skip
    k = len(tab)
    rows = alloc_rows(ts.free_stack, ts.counts, k, ti, tf, tw, ts.default_i, ts.default_f)
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
        pushed = push_events(cal, events, ne, done)
    return tab, cids, rows, n_prevented, len(uu_sib), events[:ne], pushed
