"""Starting a world from an observed SSDA903 extract instead of the synthetic population.

This module owns the initial children of a run with ``world.observed=PATH``: every child of a
simulated LA looked after at ``start_date`` in the extract becomes a model child with its own
date of birth, sex, UASC flag, category of need, legal status, home district, period-of-care
start, placement spell start, number of placements so far and earlier episodes of the period
(written to the run's episodes, so that the first year's indicators see the same history as
the observed ones). The child's care plan follows its observed placement type; the unit is
found by the model's matching in the embedded supply (observed URNs are not linked to the
supply), preferring a placement outside the LA when the child was placed outside it. Futures
(when the child will leave care, and by which route) are the entry model's given the time
already spent in care (``residual_stay``).
With ``world.observed_entry_rates`` each LA's entries are its observed starts in the year to
``start_date``. The extract (an ``sim.io.read903.Extract``) is read by the caller and passed in
the world data as ``data["observed"]`` (``sim.io.outputs.world_data(cfg)`` does it).
Child identifiers of the extract are not kept: children get model numbers.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd

from sim.config import ConfigError
from sim.geography import TWENTY_MILES_KM
from sim.population.children import (
    ETHNIC,
    ETHNIC_UASC,
    TIER_SHARE,
    U_AWAY,
    U_ETHNIC,
    U_HOME,
    U_LS_DAYS,
    U_SIB,
    U_TEMP,
    U_TIER,
)
from sim.population.entry import age_band_index, pick_index
from sim.population.legal import BIRTHDAY_BASE_ORDINAL, DAYS_TO_18_OF
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
    PLAN_OTHER,
    PLAN_PARENTS,
    PLAN_SA,
    PLAN_SECURE,
    PROVIDER,
    REC,
    RNE,
    RPC,
)

# Care plan of each observed placement type; R*, S1 and P3 are settings outside the care
# market (``sim.engine.other_settings``: kept in their observed setting; residential, K2's
# plan, when ``params.placements.other_settings`` is false); T0-T4 temporary moves stand for
# the foster placement they interrupt (assumption).
OTHER_SETTING_PLACES = ("R1", "R2", "R3", "R5", "S1", "P3")
PLAN_OF_PLACE = {
    **{c: PLAN_KIN for c in ("U1", "U2", "U3")},
    **{c: PLAN_FOSTER for c in ("U4", "U5", "U6", "T0", "T1", "T2", "T3", "T4")},
    **{c: "adoption" for c in ("A3", "A4", "A5", "A6")},
    "K1": PLAN_SECURE,
    "K2": PLAN_HOME,
    **{c: PLAN_OTHER for c in OTHER_SETTING_PLACES},
    **{c: PLAN_SA for c in ("K3", "H5", "P2")},
    "P1": PLAN_PARENTS,
    **{c: "unreg" for c in ("Z1", "Z11", "Z12", "Z13", "Z14")},
}
PLACEMENT_RNE = ("S", "P", "B", "T", "U")
SHARE_FAR = 0.22  # CLA placed over 20 miles, of those with a known distance [file] DfE 2025


def _district_index(geo) -> tuple[dict, dict]:
    """District name -> index of its heaviest row; (LA, district) -> index."""
    names = geo.d_name
    la = geo.d_la
    w = geo.districts["weight"].to_numpy(float) if "weight" in geo.districts else np.ones(len(la))
    best: dict[str, int] = {}
    for i in np.argsort(-w, kind="stable"):
        best.setdefault(str(names[i]), int(i))
    by_la = {(int(la[i]), str(names[i])): int(i) for i in range(len(names))}
    return best, by_la


def entry_rates(model, ex) -> None:
    """Each simulated LA's arrivals per day from its observed starts in the year to day 0."""
    date = pd.Timestamp(model.origin)
    ep = ex.episodes
    s = ep[(ep["RNE"] == "S") & (ep["DECOM"] > date - pd.DateOffset(years=1))]
    s = s[s["DECOM"] <= date]
    counts = s.drop_duplicates("CHILD").groupby("LA").size()
    geo = model.geo
    embedded = geo.las["starts_2025"].to_numpy(float)
    for la in model.sim_las:
        n = float(counts.get(geo.code[la], 0.0))
        if embedded[la] > 0:
            model.entry_rate_per_day[la] *= n / embedded[la]


def residual_stay(model, c, days_in_care: int) -> None:
    """Time to exit of a child in care for ``days_in_care``: the entry model given survival.

    Stays at entry are a mixture of a short and a long exponential stay by age band at entry
    (``sim.population.children.Child.draw_stay``). Having stayed ``t`` days, the child is on the
    short stay with probability p e^(-t/ms) / (p e^(-t/ms) + (1-p) e^(-t/ml)), and, the
    exponential having no memory, its remaining stay is drawn afresh from that component:
    the observed stock then leaves care as the entries of the same parameters would.
    """
    u = c.u
    ex = model.p.exits
    f = float(model.la_exit_factor[c.la])
    t = float(days_in_care)
    band = age_band_index(max(0.0, c.age_years(0) - t / DAYS_PER_YEAR))
    ms = ex.short_mean_days[band] / f
    ml = ex.long_mean_years[band] * DAYS_PER_YEAR / f
    if c.uasc:
        ml *= ex.uasc_long_multiplier
    p = ex.uasc_p_short if c.uasc else ex.p_short[band]
    short = p * math.exp(-t / ms)
    long_ = (1.0 - p) * math.exp(-t / ml)
    w_short = short / (short + long_) if short + long_ > 0 else 0.0
    if u[U_TEMP] < w_short:
        dur = -math.log(u[U_LS_DAYS]) * ms
        route = "uasc" if c.uasc else "short"
    else:
        dur = -math.log(u[U_LS_DAYS]) * ml
        entry_age = c.age_years(0) - t / DAYS_PER_YEAR
        route = "uasc" if c.uasc else ("young_long" if entry_age < 10 else "older_long")
    born = model.origin + dt.timedelta(days=int(c.dob))
    day18 = c.dob + int(DAYS_TO_18_OF[born.toordinal() - BIRTHDAY_BASE_ORDINAL])
    end = max(1, int(dur))
    if end >= day18:
        end, route = day18, "at18"
    c.exit_day = max(end, 1)
    c.exit_route = route


def check(ex, start_date: str, codes: list[str]) -> None:
    """Raise ``ConfigError`` unless the extract covers ``start_date`` and every LA in ``codes``."""
    date = pd.Timestamp(start_date)
    if not (ex.start - pd.Timedelta(days=1) <= date <= ex.end):
        raise ConfigError(
            f"start_date={start_date}: outside the extract ({ex.start:%d/%m/%Y} to"
            f" {ex.end:%d/%m/%Y}); choose a 31 March it covers"
        )
    ep = ex.episodes
    absent = sorted(set(codes) - set(ep.loc[ep["DECOM"] <= date, "LA"]))
    if absent:
        raise ConfigError(
            f"world.observed: the extract has no episodes up to {start_date} for"
            f" {', '.join(absent[:5])}{' ...' if len(absent) > 5 else ''} (the world's LAs"
            " must be in the extract; choose the world with world=... or world.las=[...])"
        )


def observed_children(model, ex) -> int:
    """Create, place and date the children looked after at day 0 in the extract.

    Returns:
        The children left without a place (``place_initial``).
    """
    from sim.world.children import place_initial, stock_legal_status

    geo = model.geo
    date = pd.Timestamp(model.origin)
    sim_codes = [str(geo.code[i]) for i in model.sim_las]
    check(ex, model.cfg.start_date, sim_codes)
    ep = ex.episodes[ex.episodes["LA"].isin(sim_codes)]
    ep = ep[ep["DECOM"] <= date].sort_values(["CHILD", "DECOM"], kind="stable")
    last = ep.groupby("CHILD", sort=False).tail(1)
    cur = last[last["DEC"].isna() | (last["DEC"] > date)]
    # Episodes of each current child's period of care (from its latest start, S).
    ep = ep[ep["CHILD"].isin(cur["CHILD"])].reset_index(drop=True)
    is_s = ep["RNE"].eq("S") | ep["CHILD"].ne(ep["CHILD"].shift())
    period = is_s.groupby(ep["CHILD"]).cumsum()
    ep = ep[period == period.groupby(ep["CHILD"]).transform("max")]
    hd = ex.header.set_index("CHILD")
    best, by_la = _district_index(geo)
    index_of = geo.index_of

    def district(name: str, la: int) -> int:
        if not name:
            return -1
        return by_la.get((la, name), best.get(name, -1))

    groups = {c: g for c, g in ep.groupby("CHILD", sort=True)}
    order = sorted(groups)
    las = np.array([index_of[groups[c]["LA"].iloc[0]] for c in order], dtype=np.int64)
    from sim.population.admission import new_children

    children = new_children(model, las)
    no_search, to_search, to_unreg, adoption = [], [], [], []
    p_adopt = model.p.placements.p_adoption_young_long * 0.5  # as the synthetic stock
    for c, key in zip(children, order, strict=True):
        g = groups[key]
        h = hd.loc[key]
        u = c.u
        c.uasc = bool(h["UASC"])
        if c.uasc:
            model.uasc_stock[c.la] += 1
        c.dob = int((h["DOB"] - date).days)
        c.sex = 1 if h["SEX"] == "M" else 2
        now = g.iloc[-1]
        home = district(str(now["HOME_POST"] or ""), c.la)
        c.home_d = home if home >= 0 or c.uasc else geo.sample_district(c.la, u[U_HOME])
        c.cin = CIN.get(now["CIN"] or "", CIN["N8"] if c.uasc else CIN["N1"])
        codes, cum = ETHNIC_UASC if c.uasc else ETHNIC
        model.header.add(
            c.cid, c.la, c.sex, c.dob, codes[pick_index(np.asarray(cum), u[U_ETHNIC])], c.uasc
        )
        age = c.age_years(0)
        band = age_band_index(age)
        t = TIER_SHARE[band]
        c.tier = 0 if u[U_TIER] < t[0] else (1 if u[U_TIER] < t[0] + t[1] else 2)
        care_start = int((g["DECOM"].iloc[0] - date).days)
        c.care_start = min(care_start, -1)
        tic = -c.care_start / DAYS_PER_YEAR
        residual_stay(model, c, -c.care_start)
        ls = LS.get(now["LS"])
        c.ls = ls if ls is not None else stock_legal_status(c, tic)
        pl = district(str(now["PL_POST"] or ""), -1)
        p_away = model.p.placements.p_placed_away[band]
        if pl >= 0 and c.home_d >= 0:
            # Placed away for safety: only children observed over 20 miles away, with
            # P(away | far) = P(away) / P(far), P(far) = 22% [file] DfE 2025 (derived).
            far = model.distance_km(c.home_d, pl) > TWENTY_MILES_KM
            c.away = far and u[U_AWAY] < p_away / SHARE_FAR
        else:
            c.away = u[U_AWAY] < p_away
        model.children[c.cid] = c
        model.stock[c.la] += 1
        model.observed_history[c.cid] = g
        c.observed = True
        plan = PLAN_OF_PLACE.get(now["PLACE"], PLAN_FOSTER)
        if plan == PLAN_OTHER and not model.p.placements.other_settings:
            plan = PLAN_HOME
        if c.uasc and plan in (PLAN_PARENTS, PLAN_KIN):
            plan = PLAN_FOSTER
        if plan == PLAN_FOSTER and age < 5 and tic < 2 and not c.uasc and u[U_SIB] < p_adopt:
            # On the adoption path already, as in the synthetic stock.
            c.exit_route = "adoption"
            c.adoption_day = 1 + int(364 * u[U_TEMP])
            c.exit_day = max(c.exit_day, c.adoption_day + 100 + int(200 * u[U_LS_DAYS]))
        if plan == "adoption":
            adoption.append(c)
            c.plan = PLAN_FOSTER
        elif plan == "unreg":
            c.plan, c.tier = PLAN_HOME, 2
            to_unreg.append(c)
        else:
            c.plan = plan
            if plan in (PLAN_HOME, PLAN_SECURE):
                c.tier = max(c.tier, 1)
            else:
                # Observed in a family or supported setting: needs that such a placement
                # meets (the matching allows a misfit of one tier), not the highest tier.
                c.tier = min(c.tier, 1)
            if plan in (PLAN_PARENTS, PLAN_KIN, PLAN_OTHER):
                no_search.append(c)
            else:
                to_search.append(c)

    def backdate(model, kids) -> None:
        for c in kids:
            _observed_history(model, c, date, district)

    return place_initial(model, children, no_search, to_search, to_unreg, adoption, backdate)


def _observed_history(model, c, date: pd.Timestamp, district) -> None:
    """Date the current episode and spell as observed; write the period's earlier episodes."""
    g = model.observed_history.pop(c.cid)
    if c.place < 0:
        return
    days = ((g["DECOM"] - date).dt.days).to_numpy()
    now = g.iloc[-1]
    c.ep_start = min(int(days[-1]), 0)
    c.ep_rne = RNE.get(now["RNE"], RNE["P"])
    spells = np.flatnonzero(g["RNE"].isin(PLACEMENT_RNE).to_numpy())
    c.place_start = min(int(days[spells[-1]]) if len(spells) else int(days[0]), 0)
    c.n_placements = max(1, len(spells))
    observed = now["PLACE"]
    kept = c.plan == PLAN_OTHER and observed in OTHER_SETTING_PLACES  # the observed setting
    if observed in PLACE and (kept or _same_group(observed, c.kind)):
        c.place = PLACE[observed]
        c.status_changed = observed in ("U1", "U4")
    for i in range(len(g) - 1):
        r = g.iloc[i]
        model.episodes.add(
            c.cid,
            c.la,
            int(days[i]),
            RNE.get(r["RNE"], RNE["P"]),
            LS.get(r["LS"], c.ls),
            CIN.get(r["CIN"] or "", c.cin),
            PLACE.get(r["PLACE"], PLACE["U6"]),
            PROVIDER.get(r["PLACE_PROVIDER"] or "", PROVIDER["PR1"]),
            int((r["DEC"] - date).days),
            REC.get(r["REC"] or "", REC["X1"]),
            RPC.get(r["REASON_PLACE_CHANGE"] or "", -1),
            c.home_d,
            district(str(r["PL_POST"] or ""), c.la),
            -1,
        )
    c.billed_to = 0


def _same_group(code: str, kind: int) -> bool:
    if kind in (INHOUSE, IFA):
        return code in ("U4", "U5", "U6")
    if kind == KIN:
        return code in ("U1", "U2", "U3")
    return False
