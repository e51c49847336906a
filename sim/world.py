"""Building the world and the agent-level processes the model delegates: entry, supply, snapshots.

This module owns: which councils a world simulates; the initial supply at 31 March 2025 (the
Ofsted 2023 homes grown to the 2025 count, secure homes, in-house and IFA foster households
apportioned from the national totals, supported accommodation), with the apportioning rules
stated where they are applied; the initial children (each LA's CLA at 31 March 2025 with the
national mix by age, placement and time in care, a synthetic history before that date, and
placed in the supply by the same matching the run uses); the admission of new children;
placements needing no search (with parents, with kin); unregistered settings; the monthly
supply decisions (recruitment, attrition, home margins, closures and openings); and the
31 March snapshot.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy.special import gammaincinv

from sim.agents import engine, entry, table
from sim.agents.children import (
    ETHNIC,
    ETHNIC_UASC,
    N_UNIFORMS,
    U_LS,
    U_LS_DAYS,
    U_PROPENSITY,
    U_SA16,
    Child,
)
from sim.agents.councils import Council
from sim.agents.providers import (
    H_AGES,
    H_DISTRICT,
    H_IFA,
    H_LA,
    H_PLACES,
    H_PROVIDER,
    H_SKILL,
    FosterPipeline,
    Provider,
    approval_mean,
    foster_draws,
    poisson_quantiles,
    recruit_month,
)
from sim.agents.rcc import RCC
from sim.calendar import EV_ADOPTION, EV_EXIT, EV_LS, EV_SA16
from sim.config import ConfigError, WorldName
from sim.market import pricing
from sim.records import (
    DAYS_PER_YEAR,
    HOME,
    IFA,
    INHOUSE,
    LS,
    N_KINDS,
    PLACE,
    PLAN_FOSTER,
    PLAN_HOME,
    PROVIDER,
    RNE,
    RPC,
    SA,
    SECTOR_LA,
    SECTOR_NAMES,
    SECTOR_PRIVATE,
    SECTOR_VOLUNTARY,
    SECURE,
    UNREG,
)
from sim.rng import keyed_uniforms, uniforms_base, uniforms_of

SECTOR_CODE = {"la": SECTOR_LA, "private": SECTOR_PRIVATE, "voluntary": SECTOR_VOLUNTARY}
TINY_LAS = ["E08000002", "E08000009", "E08000007"]  # Bury, Trafford, Stockport
# Stock at 31 March 2025 by age band [file] DfE 2025 (under 1, 1-4, 5-9, 10-15, 16+).
STOCK_AGE_SHARE = np.array([3630, 10030, 15110, 30930, 22060], float) / 81760
# UASC in the stock: 6,540 [file], 80% aged 16+ (assumption) -> share of each band that is UASC.
STOCK_UASC_BAND = np.array([0, 0, 0, 0.2 * 6540 / 30930, 0.8 * 6540 / 22060])
# Placement of the stock by age band (parents, kin, foster, home, secure, SA, adoption,
# unregistered): assumption shaped to the 31 March 2025 mix [file] DfE 2025 (foster 67.0%,
# homes 11.6%, supported 9.2%, parents 6.1%, adoption 2.0%) and kinship 15.6% [sec] FOI census.
STOCK_PLAN = np.array(
    [
        [0.05, 0.22, 0.63, 0.00, 0.00, 0.00, 0.10, 0.00],
        [0.09, 0.24, 0.55, 0.00, 0.00, 0.00, 0.12, 0.00],
        [0.09, 0.22, 0.645, 0.03, 0.00, 0.00, 0.015, 0.00],
        [0.06, 0.15, 0.55, 0.215, 0.006, 0.00, 0.00, 0.009],
        [0.03, 0.08, 0.38, 0.14, 0.004, 0.35, 0.00, 0.016],
    ]
)
STOCK_PLAN = STOCK_PLAN / STOCK_PLAN.sum(axis=1, keepdims=True)
STOCK_PLAN_CUM = [np.cumsum(r).tolist() for r in STOCK_PLAN]
STOCK_AGE_CUM = np.cumsum(STOCK_AGE_SHARE).tolist()
# Mean time in care of the stock by age band, years (exponential, capped at age): assumption
# fitted to 59,430 of 81,770 CLA in care 2+ years and 28,710 under-16s in care 2.5+ years
# [file] DfE 2025.
STOCK_TIME_MEAN_YEARS = np.array([0.45, 2.2, 5.0, 7.0, 7.0])
# Share of stock children still in their first placement of the period of care: assumption
# tuned to long-term stability 69% [file] DfE 2025.
STOCK_FIRST_PLACEMENT = 0.5
# Extra search passes for children of the initial stock refused in the first: assumption.
INIT_RETRIES = 6
# Mean remaining stay of children already in care on a long stay, by current age band, years:
# assumption fitted to ceased 2024-25 by age (under 1 1,770; 1-4 6,250; 5-9 3,710; 10-15
# 4,860 [file] DfE 2025) net of new entrants' short stays.
STOCK_RESIDUAL_MEAN_YEARS = np.array([1.9, 3.5, 7.0, 14.0, 6.0])
# Foster household places (1, 2, 3) shares: assumption giving 1.59 usable places on average.
FOSTER_PLACES = (np.array([1, 2, 3]), np.array([0.50, 0.41, 0.09]))
# Foster households' accepted ages (min, max) and shares: assumption.
FOSTER_AGES = (np.array([[0, 17], [0, 11], [8, 17]]), np.array([0.4, 0.3, 0.3]))
# Foster skill (0 standard, 1 complex, 2 specialist) shares: assumption.
FOSTER_SKILL = np.array([0.55, 0.35, 0.10])
SA_UNIT_PLACES = 4  # places per supported accommodation unit: assumption
SA_PROVIDERS_2025 = 890  # supported accommodation providers [pub] Ofsted 2025


def check_world(world, geo) -> None:
    """Raise ``ConfigError`` if the world names an unknown LA (before anything runs)."""
    simulated_las(world, geo)


def simulated_las(w, geo) -> np.ndarray:
    """Indices of LAs whose children the world ``w`` simulates."""
    las = geo.las
    if w.name == WorldName.england:
        sel = np.flatnonzero(las["cla_2025"].to_numpy() > 0)
    elif w.name in (WorldName.greater_manchester, WorldName.south_east):
        sel = np.flatnonzero((las["rcc_pathfinder"] == w.name.value).to_numpy())
    else:
        codes = list(w.las) or (TINY_LAS if w.name == WorldName.tiny else [])
        if not codes:
            raise ConfigError("world.las is empty: a custom world needs a list of LA codes")
        try:
            sel = geo.la_indices(codes)
        except KeyError as e:
            raise ConfigError(
                f"world.las: unknown LA code {e.args[0]!r}; expected an ONS code such as"
                " E08000003 (see sim/data/las.csv)"
            ) from None
    return np.sort(sel)


def build_world(model, data: dict) -> None:
    """Create councils, providers, the initial supply and the initial children."""
    geo = model.geo
    cfg = model.cfg
    sim_las = simulated_las(cfg.world, geo)
    model.sim_las = sim_las
    is_sim = np.zeros(geo.n_la, bool)
    is_sim[sim_las] = True
    model.is_sim = is_sim
    cla = geo.las["cla_2025"].to_numpy(float)
    model.world_share_of_cla = float(cla[is_sim].sum() / cla.sum()) * cfg.world.scale
    model.uasc_stock = np.zeros(geo.n_la)
    from sim.policies import Policy

    model.policy = Policy(cfg.policy, model)
    pooled = model.policy.pooled_commissioning
    for k, name in enumerate(pooled.names if pooled is not None else []):
        members = np.flatnonzero(pooled.all_rcc_of_la == k)
        cost = pooled.cfg.running_cost_gbp_per_cla_year * float(cla[members].sum())
        model.rccs.append(RCC(model, name, members.tolist(), cost))
    mp = cfg.params.matching
    for i in range(geo.n_la):
        row = geo.las.iloc[i]
        c = Council(
            model,
            i,
            row["ons_code"],
            row["la_name"],
            int(geo.region_of[i]),
            bool(is_sim[i]),
            mp.radius_km,
            mp.own_provision_bonus,
        )
        model.councils.append(c)
        p = _provider(
            model,
            f"{row['la_name']} Council",
            SECTOR_LA,
            "council",
            la=i,
            region=int(geo.region_of[i]),
        )
        c.provider = p.index
        if model.rccs:
            k = int(model.policy.pooled_commissioning.all_rcc_of_la[i])
            c.rcc = model.rccs[k] if k >= 0 else None
    # Each council's own provider (its in-house service; fixed for the run).
    model.council_provider = np.array([c.provider for c in model.councils], np.int64)
    keep = np.where(is_sim, 1.0, cfg.world.external_supply_share) * cfg.world.scale
    model.supply_keep = keep
    rng = model.streams["supply"]
    _build_homes(model, data, keep, rng)
    _build_foster(model, data, keep, rng)
    _build_sa(model, keep, rng)
    _background_demand(model, is_sim, rng)
    model.unregistered_provider = _provider(
        model, "Unregistered settings", SECTOR_PRIVATE, "unregistered"
    ).index
    model.provider_la = np.array(
        [p.la if p.sector == SECTOR_LA else -1 for p in model.providers], dtype=np.int64
    )
    _entry_rates(model)
    _exit_factors(model)
    model.price_step()
    if cfg.world.observed:
        from sim import observed_start

        ex = data.get("observed")
        if ex is None:
            raise ConfigError(
                "world.observed is set but no extract was passed: build the world data with"
                " sim.io.outputs.world_data(cfg)"
            )
        if cfg.world.observed_entry_rates:
            observed_start.entry_rates(model, ex)
        observed_start.observed_children(model, ex)
    else:
        _initial_children(model)
    model.price_step()


def _provider(model, name: str, sector: int, role: str, la: int = -1, region: int = -1):
    p = Provider(model, name, sector, role, la=la, region=region)
    p.open_account(model.accounts)
    model.providers.append(p)
    return p


def _grades(rng: np.random.Generator, n: int, share) -> np.ndarray:
    return rng.choice(4, size=n, p=np.asarray(share) / np.sum(share)).astype(np.int8)


def _home_prices(model, rng, n: int, sector: np.ndarray):
    pp = model.p.prices
    sigma = pp.home_price_sigma
    price = pp.home_price_gbp_week * np.exp(sigma * rng.standard_normal(n) - sigma**2 / 2)
    markup = np.where(sector == SECTOR_LA, 0.0, pp.base_markup)
    cost = pricing.cost_from_price(price, markup, pp.occupancy_ref, pp.home_fixed_cost_share)
    return price, cost


def _add_units(
    model,
    urns,
    kind,
    la,
    district,
    sector,
    provider,
    capacity,
    min_age,
    max_age,
    skill,
    grade,
    price,
    cost,
    day: int = 0,
    matchable: bool = True,
) -> np.ndarray:
    """Register units of ``kind`` located at ``district`` (points from the geography).

    Columns (``kind`` too) may be arrays (one value per unit) or scalars shared by all; units
    that are never matched (kinship households, unregistered settings) pass ``matchable=False``.
    """
    geo = model.geo
    n = len(urns)
    return model.supply.add(
        list(urns),
        kind=np.full(n, kind),
        sector=sector,
        provider=provider,
        la=la,
        district=district,
        lat=geo.d_lat[district],
        lon=geo.d_lon[district],
        capacity=capacity,
        occupied=np.zeros(n, int),
        min_age=min_age,
        max_age=max_age,
        skill=skill,
        grade=grade,
        list_price=price,
        cost=cost,
        open_day=np.full(n, day),
        matchable=np.full(n, matchable),
    )


def _add_homes(
    model, rng, urns, la, sector, provider, places, kind, grade=None, day=0, min_age=None
):
    geo = model.geo
    n = len(urns)
    d = geo.sample_districts(la, rng.random(n))
    if kind == SECURE:
        price = np.full(n, model.p.prices.secure_cost_gbp_week)
        cost = price * 0.9
    else:
        price, cost = _home_prices(model, rng, n, sector)
    if min_age is None:
        min_age = np.where(rng.random(n) < 0.75, 10, 5) if kind == HOME else np.full(n, 10)
    if grade is None:
        grade = _grades(rng, n, model.p.supply.grade_share)
    return _add_units(
        model,
        urns,
        kind,
        la,
        d,
        sector,
        provider,
        places,
        min_age,
        np.full(n, 17),
        np.full(n, 2),
        grade,
        price,
        cost,
        day,
    )


def _build_homes(model, data, keep, rng) -> None:
    geo = model.geo
    homes = data["homes"]
    homes = homes[homes["short_break"] == 0].reset_index(drop=True)
    la = homes["ons_code"].map(geo.index_of).to_numpy()
    groups: dict[str, int] = {}
    prov = np.empty(len(homes), dtype=np.int64)
    for i, (g, sec, code, urn) in enumerate(
        zip(homes["group"], homes["sector"], homes["ons_code"], homes["urn"], strict=True)
    ):
        sector = SECTOR_CODE[sec]
        if sector == SECTOR_LA:
            prov[i] = model.councils[geo.index_of[code]].provider
            continue
        name = g or f"Home {urn}"
        if name not in groups:
            groups[name] = _provider(model, name, sector, "home_group").index
        prov[i] = groups[name]
    model.home_groups = groups
    kept = rng.random(len(homes)) < keep[la]
    for kind_name, kind in (("home", HOME), ("secure", SECURE)):
        m = kept & (homes["kind"] == kind_name).to_numpy()
        sector = homes["sector"].map(SECTOR_CODE).to_numpy()[m]
        _add_homes(
            model,
            rng,
            homes["urn"].astype(str).to_numpy()[m],
            la[m],
            sector,
            prov[m],
            homes["places"].to_numpy()[m],
            kind,
        )
    # Growth 2023 -> 2025: Ofsted 2025 counts 3,946 mainstream homes, 84% privately run [pub];
    # the extra homes are council homes up to the non-private share (councils opened 103 homes
    # in 2023-24 [sec]) and private ones for the rest, of 3 places (new homes average 3 [pub]
    # Ofsted 2025), placed by the LA pattern of each sector's joiners in 2022-23 [file] (plus a
    # quarter of a joiner per LA so none is excluded).
    sp = model.p.supply
    is_home = (homes["kind"] == "home").to_numpy()
    n_now = int(is_home.sum())
    n_add = max(0, sp.homes_target_2025 - n_now)
    n_nonprivate = int((is_home & (homes["sector"] != "private").to_numpy()).sum())
    n_council = min(
        n_add, max(0, round((1 - sp.private_share_2025) * sp.homes_target_2025) - n_nonprivate)
    )
    flows = data["home_flows"]
    urn = 0
    for sector, n in ((SECTOR_LA, n_council), (SECTOR_PRIVATE, n_add - n_council)):
        fj = flows[flows["sector"] == SECTOR_NAMES[sector]].set_index("ons_code")["joiners"]
        w = np.array([fj.get(c, 0) + 0.25 for c in geo.code], float)
        if sector == SECTOR_PRIVATE:
            model.home_entry_weight = w / w.sum()
        counts = rng.multinomial(n, w / w.sum())
        new_la = np.repeat(np.arange(geo.n_la), counts)
        new_la = new_la[rng.random(len(new_la)) < keep[new_la]]
        if len(new_la) == 0:
            continue
        if sector == SECTOR_LA:
            prov = np.array([model.councils[la].provider for la in new_la], dtype=np.int64)
        else:
            prov = _group_for_new_homes(model, rng, len(new_la))
        _add_homes(
            model,
            rng,
            [f"SIMH{urn + i:05d}" for i in range(len(new_la))],
            new_la,
            np.full(len(new_la), sector),
            prov,
            np.full(len(new_la), sp.new_home_places),
            HOME,
        )
        urn += len(new_la)
    model.next_home_urn = urn


def _group_for_new_homes(model, rng, n: int) -> np.ndarray:
    """Half of new homes go to existing private groups (by size), half to new entrants."""
    s = model.supply
    m = (s.kind[: s.n] == HOME) & (s.sector[: s.n] == SECTOR_PRIVATE)
    owners = s.provider[: s.n][m]
    if model.exited_providers:
        owners = owners[~np.isin(owners, sorted(model.exited_providers))]
    out = np.empty(n, dtype=np.int64)
    for i in range(n):
        if len(owners) and rng.random() < 0.5:
            out[i] = owners[rng.integers(len(owners))]
        else:
            out[i] = _provider(
                model, f"New home provider {len(model.providers)}", SECTOR_PRIVATE, "home_group"
            ).index
    return out


def _cdf(shares: np.ndarray) -> np.ndarray:
    cdf = np.cumsum(shares)
    return cdf / cdf[-1]


def _choice(rng, cdf: np.ndarray, n: int) -> np.ndarray:
    """``rng.choice(len(shares), size=n, p=shares)``, draw for draw, without its checks.

    ``cdf`` is ``_cdf(shares)``. numpy's ``Generator.choice`` with ``p`` draws ``random(n)``
    and bisects the normalised cumulative shares; its checks cost more than the draw on the
    small batches of a month.
    """
    return cdf.searchsorted(rng.random(n), side="right")


_PLACES_CDF, _AGES_CDF, _SKILL_CDF = (
    _cdf(FOSTER_PLACES[1]),
    _cdf(FOSTER_AGES[1]),
    _cdf(FOSTER_SKILL),
)


def _foster_draws(model, rng, n: int, la: np.ndarray, kind: int) -> dict:
    """Where ``n`` new foster households of LAs ``la`` live, their places, ages, skill, price."""
    geo = model.geo
    home_la, d, places, ages, skill, z = foster_draws(
        rng,
        n,
        np.asarray(la, np.int64),
        kind == IFA,
        geo.la_order,
        geo.d_start,
        geo.d_cumw,
        _PLACES_CDF,
        _AGES_CDF,
        _SKILL_CDF,
    )
    return _foster_columns(model, home_la, d, places, ages, skill, np.full(n, kind == IFA), z)


def _foster_columns(model, home_la, d, places, ages, skill, ifa, z) -> dict:
    """New foster households' columns from their draws (``providers.foster_draws``).

    In-house carers cost the council's weekly cost; an agency's price is its mean price times
    ``exp(0.1 z)`` (a normal ``z`` per household: assumption), its cost that price less the
    base markup.
    """
    pp = model.p.prices
    age_range = FOSTER_AGES[0][ages]
    price = np.where(ifa, pp.ifa_price_gbp_week * np.exp(0.1 * z), pp.inhouse_foster_cost_gbp_week)
    cost = np.where(ifa, price / (1 + pp.base_markup), price)
    return {
        "la": home_la,
        "district": d,
        "capacity": FOSTER_PLACES[0][places],
        "min_age": age_range[:, 0],
        "max_age": age_range[:, 1],
        "skill": skill,
        "price": price,
        "cost": cost,
    }


def _foster_units(
    model,
    rng,
    n: int,
    la: np.ndarray,
    provider: np.ndarray,
    kind: int,
    sector: np.ndarray,
    day: int = 0,
    urn_prefix: str = "",
) -> np.ndarray:
    """Register ``n`` new foster households (``_foster_draws``) of one ``kind``."""
    f = _foster_draws(model, rng, n, la, kind)
    start = model.supply.n
    return _add_units(
        model,
        [f"{urn_prefix}{start + i}" for i in range(n)],
        kind,
        f["la"],
        f["district"],
        sector,
        provider,
        f["capacity"],
        f["min_age"],
        f["max_age"],
        f["skill"],
        np.ones(n, np.int8),
        f["price"],
        f["cost"],
        day,
    )


def _build_foster(model, data, keep, rng) -> None:
    """In-house and IFA mainstream households, apportioned from the national total.

    Rule: in-house households per LA in proportion to the LA's CLA at 31 March 2025 (councils
    recruit to their need); IFA households per region in proportion to the region's CLA, shared
    equally among the IFAs registered there (Ofsted 2023), and placed in LAs of the region in
    proportion to population aged 0-17 (carers live where people live).
    """
    geo = model.geo
    sp = model.p.supply
    cla = geo.las["cla_2025"].to_numpy(float)
    inhouse_total = sp.mainstream_households * sp.la_share_households
    per_la = inhouse_total * cla / cla.sum() * keep
    n_la = rng.poisson(per_la)
    model.foster_services = []
    model.foster_pipeline = FosterPipeline()
    for la in range(geo.n_la):
        prov = model.councils[la].provider
        model.foster_services.append(prov)
        if n_la[la]:
            _foster_units(
                model,
                rng,
                int(n_la[la]),
                np.full(n_la[la], la),
                np.full(n_la[la], prov),
                INHOUSE,
                np.full(n_la[la], SECTOR_LA),
                urn_prefix="LAF",
            )
    ifas = data["ifas"]
    ifa_total = sp.mainstream_households * (1 - sp.la_share_households)
    region_names = geo.las["region"].to_numpy()
    pop = geo.las["pop_0_17"].to_numpy(float)
    for region in sorted(set(region_names)):
        las = np.flatnonzero(region_names == region)
        ofsted_region = "London" if "London" in region else region
        agencies = ifas[ifas["region"] == ofsted_region]
        london_share = 1.0
        if "London" in region:
            london = np.flatnonzero(np.char.find(region_names.astype(str), "London") >= 0)
            london_share = cla[las].sum() / cla[london].sum()
        if len(agencies) == 0:
            continue
        provs = []
        for _, a in agencies.iterrows():
            sector = SECTOR_CODE[a["sector"]]
            provs.append(
                _provider(
                    model,
                    a["group"] or f"IFA {a['urn']}",
                    sector,
                    "ifa",
                    region=int(geo.region_of[las[0]]),
                )
            )
        households = ifa_total * cla[las].sum() / cla.sum()
        w = pop[las] * keep[las]
        if w.sum() <= 0:
            continue
        each = households * (w.sum() / pop[las].sum()) / len(provs)
        for p in provs:
            p.las = las
            p.la_weights = pop[las] / pop[las].sum()
            p.london_share = london_share
            n = int(rng.poisson(each))
            if n == 0:
                continue
            la = las[rng.choice(len(las), size=n, p=w / w.sum())]
            _foster_units(
                model, rng, n, la, np.full(n, p.index), IFA, np.full(n, p.sector), urn_prefix="IFA"
            )
            model.foster_services.append(p.index)


def _build_sa(model, keep, rng) -> None:
    """Supported accommodation places per LA in proportion to its 16-17s in care."""
    geo = model.geo
    sp = model.p.supply
    cla = geo.las["cla_2025"].to_numpy(float)
    places = sp.sa_places_per_16plus * cla * STOCK_AGE_SHARE[4] * keep
    units = np.ceil(places / SA_UNIT_PLACES).astype(int)
    region_names = geo.las["region"].to_numpy()
    n_total = units.sum()
    provs_by_region = {}
    for region in sorted(set(region_names)):
        las = np.flatnonzero(region_names == region)
        k = max(1, int(round(SA_PROVIDERS_2025 * units[las].sum() / max(n_total, 1))))
        provs_by_region[region] = [
            _provider(
                model,
                f"Supported accommodation {region} {j + 1}",
                SECTOR_PRIVATE if rng.random() < 0.85 else SECTOR_VOLUNTARY,
                "supported",
                region=int(geo.region_of[las[0]]),
            ).index
            for j in range(k)
        ]
    pp = model.p.prices
    for la in range(geo.n_la):
        n = int(units[la])
        if n == 0:
            continue
        provs = provs_by_region[region_names[la]]
        prov = np.array([provs[rng.integers(len(provs))] for _ in range(n)])
        sector = np.array([model.providers[p].sector for p in prov])
        d = geo.sample_districts(np.full(n, la), rng.random(n))
        price = pp.sa_cost_gbp_week * np.exp(0.25 * rng.standard_normal(n) - 0.03)
        _add_units(
            model,
            [f"SA{model.supply.n + i}" for i in range(n)],
            SA,
            np.full(n, la),
            d,
            sector,
            prov,
            np.full(n, SA_UNIT_PLACES),
            np.full(n, 16),
            np.full(n, 17),
            np.ones(n, np.int64),
            np.ones(n, np.int8),
            price,
            price / (1 + pp.base_markup),
        )


# Share of places of each kind filled at any time (in-house carers serve only their own
# council, so they carry no background demand): homes 9,480 children in ~14,300 places
# [file]/[pub]; IFA and supported accommodation: assumption.
BACKGROUND_OCCUPANCY = {IFA: 0.8, HOME: 0.7, SECURE: 0.9, SA: 0.76}
# Distance scale of demand for a place, km: assumption (the median placement is ~10 km from
# home, 22% are over 32 km [file] DfE 2025).
DEMAND_KERNEL_KM = 40.0


def _background_demand(model, is_sim: np.ndarray, rng) -> None:
    """Reserve the places that councils outside a regional world would hold in its area.

    In a world that simulates only some councils, a place in a simulated council's area is
    also sought by the neighbouring councils that are not simulated. Each unit there reserves
    a share of its places equal to its kind's usual occupancy times the share of nearby demand
    (children looked after, weighted by exp(-distance / 40 km)) that comes from councils
    outside the world. England has no reserved places. Reserved places pay the list price.
    """
    if is_sim.all():
        return
    geo = model.geo
    cla = geo.las["cla_2025"].to_numpy(float)
    k = np.exp(-geo.dist_la / DEMAND_KERNEL_KM)  # k[a, b]: demand of a on places in b
    total = (cla[:, None] * k).sum(axis=0)
    inside = ((cla * is_sim)[:, None] * k).sum(axis=0)
    outside_share = 1.0 - np.divide(inside, total, out=np.ones_like(total), where=total > 0)
    s = model.supply
    n = s.n
    units = np.flatnonzero(is_sim[s.la[:n]])
    for kind, occ in BACKGROUND_OCCUPANCY.items():
        u = units[s.kind[units] == kind]
        expected = s.capacity[u] * occ * outside_share[s.la[u]]
        base = np.floor(expected)
        s.reserved[u] = (base + (rng.random(len(u)) < expected - base)).astype(np.int64)


def _entry_rates(model) -> None:
    """Arrivals per day per LA: observed 2024-25 starts over the mean sibling-group size."""
    ep = model.p.entry
    starts = model.geo.las["starts_2025"].to_numpy(float) * model.is_sim
    share_non = np.array(ep.age_share, float)
    uasc_bands = np.array([0, 0, 0, 1 - ep.uasc_share_16plus, ep.uasc_share_16plus])
    non = share_non - ep.uasc_share * uasc_bands
    non = np.clip(non, 0, None) / np.clip(non, 0, None).sum()
    # Cumulative shares of the entry age bands: non-UASC, UASC.
    model.entry_age_cum = (np.cumsum(non), np.cumsum(uasc_bands))
    eligible = (1 - ep.uasc_share) * non[:4].sum()
    mean_size = 1 + eligible * ep.sibling_group_share * (1 + ep.sibling_group_of_three)
    model.entry_rate_per_day = (
        starts * model.cfg.world.scale * ep.rate_multiplier / DAYS_PER_YEAR / mean_size
    )


def _exit_factors(model) -> None:
    """Each council's exit propensity relative to England's, from its observed turnover.

    Factor = (ceased 2024-25 / CLA at 31 March 2025) of the council over the same ratio for
    England [file] DfE 2025, clipped to [0.5, 2]; councils with many short-staying children
    (e.g. UASC arriving in Kent) leave care faster. Stays (not 18th birthdays) are divided by
    the factor.
    """
    las = model.geo.las
    cla = las["cla_2025"].to_numpy(float)
    ceased = las["ceased_2025"].to_numpy(float)
    national = ceased.sum() / cla.sum()
    ratio = np.divide(ceased, cla, out=np.full_like(cla, national), where=cla > 20)
    model.la_exit_factor = np.clip(ratio / national, 0.5, 2.0)


def _new_children(model, las, serial=None) -> list[Child]:
    """Create Child agents for arrivals in ``las`` with their keys and uniforms.

    Each LA's entry serial numbers the children in order of creation (or ``serial`` gives the
    serials already reserved); the uniforms go to the children's rows of the table.
    """
    n = len(las)
    if n == 0:
        return []
    t = model.table
    if t.n == 0:  # the initial population: room for a quarter more children (never copied)
        t.reserve(n + n // 4)
    if serial is None:
        ser = model.la_serial
        serial = np.empty(n, dtype=np.int64)
        for i, la in enumerate(las):
            serial[i] = ser[la]
            ser[la] += 1
    uu = uniforms_of(model.cfg.seed, model.rep, las, serial, N_UNIFORMS)
    rows = t.alloc(n)
    cid0 = model.next_cid
    cids = np.arange(cid0, cid0 + n, dtype=np.int64)
    model.next_cid = cid0 + n
    t.U[rows] = uu
    t.I[rows, table.C_CID] = cids
    t.I[rows, table.C_LA] = las
    t.index(cids, rows)
    var = model.p.placements.move_propensity_variance
    if var > 0:  # the gamma quantile (mean 1, variance var) of each child's own uniform
        t.F[rows, table.CF_PROPENSITY] = gammaincinv(1.0 / var, uu[:, U_PROPENSITY]) * var
    return [
        Child(model, cid, la, row=r)
        for cid, la, r in zip(cids.tolist(), np.asarray(las).tolist(), rows.tolist(), strict=True)
    ]


def admit_children(model, day: int, las: np.ndarray) -> None:
    """New children enter care in ``las`` on ``day`` (with sibling groups) and queue for places.

    The rules are compiled (``sim.agents.entry.admit_rows``): each lead's own uniforms decide
    whether it is unaccompanied, its age, how many siblings come with it and whether it is
    kept out of care; then every entrant's identity and futures are written to its row of the
    table, its fixed events scheduled and its LA's stock counted, in one call. Here the agents
    are created and recorded in the header (``record_entrants``). Leads are numbered first in
    arrival order, then their siblings: the same serials and child numbers as creating them
    lead by lead.
    """
    cal = model.calendar
    plan, table_state, stock, cid0, ev_codes, var = entry_inputs(model, day, las)
    tab, cids, rows, n_prevented, n_sib, events, pushed = entry.admit_rows(
        plan, table_state, (*cal.arrays(), cal.done, not cal._added), stock, cid0, day,
        ev_codes, var,
    )  # fmt: skip
    if pushed < 0:
        cal.push(events)
    else:
        cal.settle(events, len(events), pushed)
    model.counters["prevented"] += n_prevented
    model.next_cid += len(las) + n_sib  # prevented leads keep their numbers
    record_entrants(model, tab, cids, rows)
    model.urgent.extend(cids.tolist())


def entry_inputs(model, day: int, las: np.ndarray) -> tuple:
    """``entry.admit_rows``' arguments but the calendar and the day, room made for them.

    Returns:
        (plan, table state, stock, first child number, event codes, propensity variance).
    """
    las = np.asarray(las, dtype=np.int64)
    n = len(las)
    prm, bands = entry.entry_params(model, day)
    ud = model.policy.uasc_dispersal
    geo = model.geo
    t = model.table
    cid0 = model.next_cid
    t.reserve_new(3 * n)  # groups of at most three
    t.reserve_cids(cid0 + 3 * n)
    plan = (
        uniforms_base(model.cfg.seed, model.rep),
        las,
        model.la_serial,
        model.entry_age_cum[0],
        model.entry_age_cum[1],
        prm,
        model.la_exit_factor,
        bands,
        (geo.d_start, geo.d_cumw),
        model.uasc_stock,
        (ud.quota, ud.is_sim, ud.region) if ud is not None else _NO_DISPERSAL,
    )
    table_state = (t.I, t.F, t.U, t.W, t.free_stack, t.counts, *t.defaults, t.row_of)
    var = model.p.placements.move_propensity_variance
    return plan, table_state, model.stock, cid0, _ENTRY_EVENTS, var


def record_entrants(model, tab, cids, rows) -> None:
    """The entrants ``admit_rows`` wrote: their agents, header rows and count."""
    k = len(tab)
    if k == 0:
        return
    cid_list, la_list = cids.tolist(), tab[:, entry.F_LA].tolist()
    uasc_e = tab[:, entry.F_UASC] == 1
    eth = tab[:, entry.F_ETHNIC]
    ethnic = np.empty(k, object)  # the codes' own strings, as the tuples held them
    ethnic[uasc_e] = _ETHNIC_UASC_CODES[eth[uasc_e]]
    ethnic[~uasc_e] = _ETHNIC_CODES[eth[~uasc_e]]
    model.header.add_columns(
        child=cids,
        la=tab[:, entry.F_LA],
        sex=tab[:, entry.F_SEX],
        dob=tab[:, entry.F_DOB],
        ethnic=ethnic,
        uasc=uasc_e,
    )
    model.children.update(
        (cid, Child(model, cid, la, row=r))
        for cid, la, r in zip(cid_list, la_list, rows.tolist(), strict=True)
    )
    model.counters["entries"] += k


_ETHNIC_CODES = np.array(ETHNIC[0], object)
_ETHNIC_UASC_CODES = np.array(ETHNIC_UASC[0], object)


# No UASC dispersal: (quota, simulated LAs, region of each LA) that the kernel never reads.
_NO_DISPERSAL = (np.zeros(1), np.zeros(1, np.bool_), np.zeros(1, np.int64))
# The events fixed at entry, in the order they are scheduled (``entry.to_table``).
_ENTRY_EVENTS = np.array([EV_EXIT, EV_SA16, EV_ADOPTION, EV_LS], np.int64)


def _initial_events(model, rows: np.ndarray) -> None:
    """Schedule the initial population's events, child by child in the order of ``rows``.

    First the events fixed when care started (``care_events``), then, for a child in a unit,
    its placement's next event: the placement began before 31 March 2025 and its clock
    resumes where it stands.
    """
    iv = model.table.I
    care = care_events(model, rows)
    in_unit = np.flatnonzero(iv[rows, table.C_UNIT] >= 0)
    iv[rows[in_unit], table.C_VERSION] += 1
    tab, sup, _, logs = model._kernel_state(len(in_unit))
    pp, rates = model._placement_terms(0)
    n0 = int(model._drawn_n[0])
    engine.schedule_rows(tab, sup, logs, rows[in_unit], 0, pp, rates)
    n1 = int(model._drawn_n[0])
    drawn = model._drawn[n0:n1].copy()
    model._drawn_n[0] = n0
    # Each child's care events, then its placement event.
    cids = iv[rows, table.C_CID]
    pos = np.zeros(int(cids.max(initial=0)) + 1, np.int64)
    pos[cids] = np.arange(len(rows))
    key = np.concatenate([care[:, 4] * 8 + care[:, 5], pos[drawn[:, 2]] * 8 + 4])
    events = np.concatenate([care[:, :4], drawn])[np.argsort(key, kind="stable")]
    model.calendar.push(events)


def care_events(model, rows: np.ndarray) -> np.ndarray:
    """The events fixed when care starts, of the children in ``rows``.

    Leaving care, the move to supported accommodation between the 16th birthday and 17 and a
    half (not for a child in foster or residential care at day 0 past that age: the 31 March
    stock already holds those who moved), the adoptive placement and the change of legal
    status.

    Returns:
        Rows of (day, event, child, version, position in ``rows``, order within the child).
    """
    t = model.table
    iv = t.I[rows]
    p = model.p.placements
    n = len(rows)
    dob, plan, start = iv[:, table.C_DOB], iv[:, table.C_PLAN], iv[:, table.C_CARE_START]
    exit_day = iv[:, table.C_EXIT_DAY]
    u = t.U[rows, U_SA16]
    frac = (u / p.p_step_to_sa_at_16 * 7.0) % 1.0
    when = dob + ((16 + 1.5 * frac) * DAYS_PER_YEAR).astype(np.int64)
    at = np.where(start <= 0, 0, start)
    sa16 = (
        (u < p.p_step_to_sa_at_16)
        & ((plan == PLAN_FOSTER) | (plan == PLAN_HOME))
        & ~((start <= 0) & (when < 1))
        & (np.maximum(when, 1) < exit_day)
        & ((at - dob) / DAYS_PER_YEAR < 17.5)
    )
    adopt = iv[:, table.C_ADOPTION_DAY]
    due = np.stack(
        [
            exit_day,
            np.where(sa16, np.maximum(np.maximum(when, start + 1), 1), -1),
            np.where((iv[:, table.C_EXIT_ROUTE] == entry.R_ADOPTION) & (adopt > 0), adopt, -1),
            np.where(iv[:, table.C_NEXT_LS] >= 0, np.maximum(1, iv[:, table.C_LS_DAY]), -1),
        ],
        axis=1,
    )
    keep = np.zeros((n, 4), np.bool_)
    keep[:, 0] = True
    keep[:, 1] = sa16
    keep[:, 2:] = due[:, 2:] >= 0
    who, slot = np.nonzero(keep)
    out = np.empty((len(who), 6), np.int64)
    out[:, 0] = due[who, slot]
    out[:, 1] = _ENTRY_EVENTS[slot]
    out[:, 2] = iv[who, table.C_CID]
    out[:, 3] = iv[who, table.C_VERSION]
    out[:, 4] = who
    out[:, 5] = slot
    return out


def place_without_search(model, rows: np.ndarray, day: int) -> np.ndarray:
    """Placements needing no search, in the order of ``rows``; returns the rows left.

    With parents (P1) and with kin: a sibling whose lead is in a kinship household with room
    joins it; anybody else placed with kin gets a household of its own, sized for its group:
    far away (among the 10th to 40th nearest councils) with share ``kin_far_share``, otherwise
    65% in the home LA and 35% in one of its six nearest neighbours (assumption). The
    households are registered and the placements made in one compiled call
    (``engine.place_without_search_rows``).
    """
    t, sup, geo = model.table, model.supply, model.geo
    rows = np.asarray(rows, np.int64)
    if len(rows) == 0:
        return rows
    sup.reserve(len(rows))  # room for a household per child
    tab, sup_cols, books, logs = model._kernel_state(len(rows))
    pp, rates = model._placement_terms(day)
    more = (sup.sector, sup.la, sup.lat, sup.lon, sup.min_age, sup.max_age, sup.cost, sup.open_day)
    kin = (model.p.placements.kin_far_share, model.p.prices.kin_cost_gbp_week)
    left, made, made_for, placed = engine.place_without_search_rows(
        tab,
        sup_cols,
        more,
        books,
        logs,
        rows,
        t.row_of,
        sup.n,
        day,
        (*kin, model.council_provider),
        (geo.la_order, geo.d_start, geo.d_cumw, geo.d_lat, geo.d_lon),
        pp,
        rates,
    )
    if made:
        sup.registered([f"KIN{cid}" for cid in t.I[made_for, table.C_CID].tolist()])
    if placed:
        model.counters["matches"] += placed
        model._queue_drawn()
    return left


# ---- initial children ---------------------------------------------------------------------------
def _initial_children(model) -> None:
    """Each simulated LA's CLA at 31 March 2025, with a synthetic history, placed in the supply."""
    geo = model.geo
    cla = geo.las["cla_2025"].to_numpy(float)
    n_la = np.round(cla * model.cfg.world.scale).astype(int) * model.is_sim
    las = np.repeat(np.arange(geo.n_la), n_la)
    children = _new_children(model, las)
    n = len(children)
    t = model.table
    rows = np.fromiter((c.row for c in children), np.int64, n)
    bands, ages, uascs = entry.stock_draws(t.U, rows, np.asarray(STOCK_AGE_CUM), STOCK_UASC_BAND)
    prm, bands_prm = entry.entry_params(model, 0)
    who = entry.identities(t.U[rows], las, ages, uascs, 0, prm, (geo.d_start, geo.d_cumw))
    first = entry.stock_children(
        t.I,
        t.U,
        rows,
        who,
        bands,
        ages,
        uascs,
        np.array(STOCK_PLAN_CUM),
        STOCK_TIME_MEAN_YEARS,
        STOCK_RESIDUAL_MEAN_YEARS,
        model.la_exit_factor,
        prm,
        bands_prm,
    )
    np.add.at(model.uasc_stock, las[uascs], 1)
    np.add.at(model.stock, las, 1)
    ethnic = [
        (ETHNIC_UASC[0] if u else ETHNIC[0])[e]
        for u, e in zip(uascs.tolist(), who[:, 4].tolist(), strict=True)
    ]
    model.header.rows.extend(
        zip(
            t.I[rows, table.C_CID].tolist(),
            las.tolist(),
            who[:, 1].tolist(),
            who[:, 0].tolist(),
            ethnic,
            uascs.tolist(),
            strict=True,
        )
    )
    model.children.update((c.cid, c) for c in children)
    no_search, to_search, to_unreg, adoption = (
        [children[i] for i in np.flatnonzero(first == k).tolist()]
        for k in (entry.S_NO_SEARCH, entry.S_SEARCH, entry.S_UNREG, entry.S_ADOPTION)
    )
    place_initial(model, children, no_search, to_search, to_unreg, adoption, _backdate)


def place_initial(model, children, no_search, to_search, to_unreg, adoption, backdate) -> None:
    """Place the children in care at day 0, date their histories and schedule their events.

    Args:
        children: every child of the initial population.
        no_search: children with parents or kin (placed first, in this order).
        to_search: children to be matched (in this order after a seeded shuffle).
        to_unreg: children in unregistered settings at day 0.
        adoption: children placed for adoption at day 0.
        backdate: ``backdate(model, children)`` moves each child's current episode and
            placement start before day 0 and writes its earlier episodes.
    """
    place_without_search(model, np.fromiter((c.row for c in no_search), np.int64), 0)
    rng = model.streams["init"]
    order = rng.permutation(len(to_search))
    search = np.fromiter((to_search[i].row for i in order), np.int64, len(to_search))
    parts = []
    for k in range(0, len(search), 4000):
        model._vac = None  # a fresh vacancy index for each chunk of the stock
        parts.append(model.search_and_place(search[k : k + 4000], 0, emergency=True))
    left = np.concatenate(parts) if parts else np.zeros(0, np.int64)
    # Children already in care were placed at some point: those refused in the first pass are
    # offered again (fresh referrals) before any is counted in an unregistered setting.
    for _ in range(INIT_RETRIES):
        if len(left) == 0:
            break
        model._vac = None
        left = model.search_and_place(left, 0, emergency=True)
    model.init_unplaced = len(left)
    unreg = np.concatenate([left, np.fromiter((c.row for c in to_unreg), np.int64, len(to_unreg))])
    model.place_unregistered(unreg, 0)
    model.table.W[unreg] = 0  # already settled there at day 0
    model.table.I[unreg, table.C_WAITING_SINCE] = -1
    for c in adoption:
        # Placed for adoption: the order follows in months (1,660 placed for adoption at 31
        # March 2025 against 3,040 adoptions a year [file] -> mean 200 days: derived).
        c.exit_route = "adoption"
        c.adoption_day = -1
        c.exit_day = max(1, int(-math.log(c.u[U_LS_DAYS]) * 200))
        model.place(c, -1, 0, False, RNE["S"])
        c.place = PLACE["A6"]
        c.provider = PROVIDER["PR1"]
        c.ls = LS["E1"]
    # Histories: move each child's current episode start back to its placement start, with one
    # synthetic earlier episode from the start of care when it is not in its first placement.
    backdate(model, children)
    _initial_events(model, np.fromiter((c.row for c in children), np.int64, len(children)))
    model.counters["matches"] = 0
    model.counters["unregistered"] = 0


def _stock_ls(c: Child, tic: float) -> int:
    """Legal status of a child of the initial population (``entry.stock_ls``)."""
    return entry.stock_ls(bool(c.uasc), float(tic), float(c.u[U_LS]))


def _backdate(model, children: list[Child]) -> None:
    """The initial population's placements dated before day 0 (``entry.stock_history``)."""
    episodes = model.episodes
    episodes.reserve(len(children))
    t = model.table
    rows = np.fromiter((c.row for c in children), np.int64, len(children))
    entry.stock_history(t.I, t.U, rows, episodes.buf, episodes.count, STOCK_FIRST_PLACEMENT)


# ---- monthly supply ---------------------------------------------------------------------------
def supply_month(model, day: int) -> None:
    """Recruitment, attrition, home economics, closures and openings for one month."""
    s = model.supply
    rng = model.streams["supply"]
    sp = model.p.supply
    n = s.n
    # Foster attrition: empty households retire; households with children rarely resign.
    foster = s.open[:n] & ((s.kind[:n] == INHOUSE) | (s.kind[:n] == IFA))
    empty = foster & (s.occupied[:n] == 0)
    empty_share = max(empty.sum() / max(foster.sum(), 1), 0.05)
    p_empty = min(1.0, sp.deregistration_rate / 12.0 / max(empty_share, 0.3))
    policy = model.policy
    hub = policy.recruitment_hub.factors(day) if policy.recruitment_hub is not None else None
    if hub is not None:
        # Hub support keeps councils' carers: fewer deregistrations in covered councils.
        carer_la = model.provider_la[s.provider[:n]]
        keep = np.where((s.kind[:n] == INHOUSE) & (carer_la >= 0), hub[1][carer_la], 1.0)
        p_empty = p_empty * keep
    # Keyed uniforms (unit, month): a lever that keeps carers changes whose turn it is, not
    # everyone's draws (common random numbers across paired scenarios).
    month_key = np.arange(n, dtype=np.int64) * (1 << 20) + day
    leave = np.flatnonzero(
        empty & (keyed_uniforms("attrition", model.cfg.seed, model.rep, month_key) < p_empty)
    )
    for u in leave:
        s.close(int(u), day)
    # Recruitment: each foster service's approvals enter a pipeline and open after the lag.
    kinds = s.kind[:n]
    prov = s.provider[:n]
    open_foster = s.open[:n] & ((kinds == INHOUSE) | (kinds == IFA))
    hh = np.bincount(prov[open_foster], minlength=len(model.providers))
    occ = np.bincount(
        prov[open_foster], weights=s.occupied[:n][open_foster], minlength=len(model.providers)
    )
    cap = np.bincount(
        prov[open_foster], weights=s.capacity[:n][open_foster], minlength=len(model.providers)
    )
    cap_mult = policy.profit_cap.entry_multiplier(day) if policy.profit_cap is not None else 1.0
    sv = _foster_services(model)
    services = sv["services"]
    u_recruit = keyed_uniforms("recruitment", model.cfg.seed, model.rep, services * (1 << 20) + day)
    council = sv["council"]
    keep = model.supply_keep
    # Each service's month (``providers.recruit_month``): occupancy of its carers, the uplift of a
    # hub (councils) or of an agency's prospects (0 once it has left the market).
    cap_s, occ_s = cap[services], occ[services]
    occupancy = np.where(cap_s != 0, occ_s / np.where(cap_s != 0, cap_s, 1.0), 1.0)
    if hub is not None:
        council_uplift = np.asarray(hub[0], float)[sv["la"]]
    else:
        council_uplift = np.ones(len(services))
    capped = policy.profit_cap is not None and policy.profit_cap.cfg.include_ifa
    ifa_uplift = cap_mult if capped else 1.0
    # Providers that left the market (``model.exited_providers`` holds every one: a profit
    # cap's exits and failed groups).
    exited = np.isin(services, np.fromiter(model.exited_providers, np.int64))
    uplift = np.where(council, council_uplift, np.where(exited, 0.0, ifa_uplift))
    lam = approval_mean(
        sp.approval_rate, hh[services], occupancy, 0.80, sp.recruitment_elasticity, uplift
    )
    approvals = poisson_quantiles(u_recruit, lam)
    approvals[council & (keep[np.maximum(sv["la"], 0)] == 0)] = -1  # councils not represented
    pipe = model.foster_pipeline
    la_start = sv["la_start"]
    pipe.reserve(int((la_start[1:] - la_start[:-1])[approvals > 0].sum()))
    geo = model.geo
    pipe.n, new, z = recruit_month(
        rng,
        day,
        int(sp.approval_lag_days),
        services,
        ~council,
        approvals,
        la_start,
        sv["las"],
        sv["weights"],
        keep,
        pipe.rows,
        pipe.n,
        len(model.providers),
        (geo.la_order, geo.d_start, geo.d_cumw),
        (_PLACES_CDF, _AGES_CDF, _SKILL_CDF),
    )
    pipe.compact()
    if len(new):  # registered together, in order of approval
        ifa = new[:, H_IFA] == 1
        f = _foster_columns(
            model,
            new[:, H_LA],
            new[:, H_DISTRICT],
            new[:, H_PLACES],
            new[:, H_AGES],
            new[:, H_SKILL],
            ifa,
            z,
        )
        start = s.n
        prefix = np.where(ifa, "IFA", "LAF").tolist()
        _add_units(
            model,
            [f"{p}{start + i}" for i, p in enumerate(prefix)],
            np.where(ifa, IFA, INHOUSE),
            f["la"],
            f["district"],
            model.accounts.sector[new[:, H_PROVIDER]],
            new[:, H_PROVIDER],
            f["capacity"],
            f["min_age"],
            f["max_age"],
            f["skill"],
            np.ones(len(new), np.int8),
            f["price"],
            f["cost"],
            day,
        )
    _homes_month(model, day, rng)
    policy_month(model, day)


def _foster_services(model) -> dict:
    """The foster services in order of provider index, with the LAs each recruits in.

    A council recruits in its own LA; an agency in the LAs of its region, weighted by their
    population aged 0-17 (``_build_foster``). Built once (the services do not change).
    """
    sv = getattr(model, "_foster_sv", None)
    if sv is not None and sv["n"] == len(model.foster_services):
        return sv
    services = np.array(sorted(set(model.foster_services)), np.int64)
    council, la, las, weights, la_start = [], [], [], [], [0]
    for pi in services.tolist():
        pv = model.providers[pi]
        pv.pipeline = model.foster_pipeline
        is_council = pv.role == "council"
        council.append(is_council)
        la.append(pv.la)
        if is_council:
            las.append(np.array([pv.la], np.int64))
            weights.append(np.ones(1))
        else:
            las.append(np.asarray(pv.las, np.int64))
            weights.append(np.asarray(pv.la_weights, np.float64))
        la_start.append(la_start[-1] + len(las[-1]))
    sv = {
        "n": len(model.foster_services),
        "services": services,
        "council": np.array(council, np.bool_),
        "la": np.array(la, np.int64),
        "las": np.concatenate(las) if las else np.zeros(0, np.int64),
        "weights": np.concatenate(weights) if weights else np.zeros(0),
        "la_start": np.array(la_start, np.int64),
    }
    model._foster_sv = sv
    return sv


def _homes_month(model, day: int, rng) -> None:
    s = model.supply
    sp = model.p.supply
    pp = model.p.prices
    n = s.n
    homes = np.flatnonzero(s.open[:n] & (s.kind[:n] == HOME))
    weeks = 30.44 / 7
    # Background places (children of councils outside a regional world) pay the list price.
    revenue = (s.income_rate[homes] + s.reserved[homes] * s.list_price[homes]) * weeks
    revenue = revenue + _void_payments(model, day, homes, weeks)
    cost = (
        pricing.home_weekly_cost(
            s.cost[homes],
            s.capacity[homes],
            s.occupied[homes] + s.reserved[homes],
            pp.home_fixed_cost_share,
        )
        + s.extra_cost_rate[homes]
    ) * weeks
    np.add.at(model.accounts.cost, s.provider[homes], cost)  # home by home, in order
    revenue = revenue - _cap_clawback(model, day, homes, revenue, cost)
    s.rev_month[homes] = revenue
    s.cost_month[homes] = cost
    m = np.where(revenue > 1.0, (revenue - cost) / np.maximum(revenue, 1.0), -1.0)
    s.margin[homes] = 0.85 * s.margin[homes] + 0.15 * np.clip(m, -1.0, 1.0)
    # Closures: observed exit rates by sector, higher when loss-making or inadequate.
    sector = s.sector[homes]
    rate = np.asarray(sp.home_exit_rate)[_sector_slot(sector)] / 12.0
    rate = rate * np.where(s.margin[homes] < 0, 2.0, 0.6) * np.where(s.grade[homes] >= 3, 4, 1)
    close = homes[rng.random(len(homes)) < rate]
    for h in close:
        h = int(h)
        if s.occupied[h] + s.reserved[h] == 0:
            s.close(h, day)
        else:
            s.matchable[h] = False  # winds down: closes when its last child leaves
    # Openings, registered after a lag. Council and voluntary homes open at their observed
    # rates. Private entrants look at the margin a new home could expect: the private homes'
    # recent margin (all their income over all their costs, smoothed) less the fixed costs of
    # the homes already in registration, which will share the same children. At the reference
    # margin openings replace the homes that close (a steady market when demand holds); above
    # it they rise, up to the 2022-23 entry rate; below it they fall away.
    priv = sector == SECTOR_PRIVATE
    rev_p, cost_p = float(revenue[priv].sum()), float(cost[priv].sum())
    month_margin = (rev_p - cost_p) / rev_p if rev_p > 0 else sp.entry_reference_margin
    model.private_home_margin = 0.8 * model.private_home_margin + 0.2 * month_margin
    pipeline = sp.new_home_places * sum(1 for h in model.pending_homes if h[2] == 0)
    places_p = float(s.capacity[homes][priv].sum())
    cost_per_place = float((s.cost[homes][priv] * s.capacity[homes][priv]).sum()) / max(places_p, 1)
    entry_rate, exit_rate = sp.home_entry_rate, sp.home_exit_rate
    private_rate, model.private_entry_margin = pricing.private_entry_rate(
        model.private_home_margin,
        rev_p / weeks,
        pp.home_fixed_cost_share * cost_per_place * pipeline,
        sp.entry_reference_margin,
        sp.entry_margin_elasticity,
        exit_rate[0],
        entry_rate[0],
    )
    counts = np.bincount(_sector_slot(sector), minlength=3)
    policy = model.policy
    cap_mult = policy.profit_cap.entry_multiplier(day) if policy.profit_cap is not None else 1.0
    rates = np.array([private_rate * cap_mult, entry_rate[1], entry_rate[2]])
    expected = rates * counts / 12.0
    weights = model.home_entry_weight
    if policy.pooled_commissioning is not None:
        weights = policy.pooled_commissioning.entry_weights(day, weights)
    for slot, lam in enumerate(expected):
        k = int(rng.poisson(lam))
        for _ in range(k):
            la = int(rng.choice(len(weights), p=weights))
            # Outside a regional world only the kept share of new homes is represented.
            if rng.random() >= model.supply_keep[la] / model.cfg.world.scale:
                continue
            model.pending_homes.append((day + int(sp.registration_lag_days), la, slot))
    ready = [h for h in model.pending_homes if h[0] <= day]
    model.pending_homes = [h for h in model.pending_homes if h[0] > day]
    for _, la, slot in ready:
        sector = [SECTOR_PRIVATE, SECTOR_LA, SECTOR_VOLUNTARY][slot]
        if sector == SECTOR_LA:
            prov = np.array([model.councils[la].provider])
        elif sector == SECTOR_PRIVATE:
            prov = _group_for_new_homes(model, rng, 1)
        else:
            prov = np.array(
                [
                    _provider(
                        model,
                        f"Voluntary home {len(model.providers)}",
                        SECTOR_VOLUNTARY,
                        "home_group",
                    ).index
                ]
            )
            model.provider_la = np.append(model.provider_la, -1)
        model.next_home_urn += 1
        _add_homes(
            model,
            rng,
            [f"SIMH{model.next_home_urn:05d}"],
            np.array([la]),
            np.array([sector]),
            prov,
            np.array([sp.new_home_places]),
            HOME,
            grade=np.array([1], np.int8),
            day=day,
        )
    if len(model.provider_la) < len(model.providers):
        extra = len(model.providers) - len(model.provider_la)
        model.provider_la = np.append(model.provider_la, np.full(extra, -1))


def _sector_slot(sector: np.ndarray) -> np.ndarray:
    """Map sector codes to the slots of the (private, LA, voluntary) parameter lists."""
    return np.select([sector == SECTOR_PRIVATE, sector == SECTOR_LA], [0, 1], 2)


# ---- snapshots --------------------------------------------------------------------------------
def snapshot(model, day: int) -> None:
    """Supply, prices and providers at 31 March, by LA and kind of place."""
    s = model.supply
    n = s.n
    m = s.open[:n]
    key = s.la[:n][m] * N_KINDS + s.kind[:n][m]
    size = model.geo.n_la * N_KINDS
    units = np.bincount(key, minlength=size)
    cap = np.bincount(key, weights=s.capacity[:n][m], minlength=size)
    occ = np.bincount(key, weights=s.occupied[:n][m], minlength=size)
    price = np.bincount(key, weights=s.list_price[:n][m] * s.capacity[:n][m], minlength=size)
    la, kind = np.divmod(np.arange(size), N_KINDS)
    nz = units > 0
    rows = pd.DataFrame(
        {
            "day": day,
            "la": la[nz],
            "kind": kind[nz],
            "units": units[nz],
            "places": cap[nz],
            "occupied": occ[nz],
            "mean_list_price_gbp_week": price[nz] / np.maximum(cap[nz], 1),
        }
    )
    homes = m & (s.kind[:n] == HOME)
    sector_counts = np.bincount(s.sector[:n][homes], minlength=3)
    iv = model.table.I
    live = model.table.rows_in_care()
    wait = live[model.table.W[live] != 0]
    waiting = np.bincount(iv[wait, table.C_LA], minlength=model.geo.n_la)
    unreg = np.bincount(
        iv[live[iv[live, table.C_KIND] == UNREG], table.C_LA], minlength=model.geo.n_la
    )
    all_homes = s.kind[:n] == HOME
    local = homes & (s.sector[:n] == SECTOR_PRIVATE) & model.is_sim[s.la[:n]]
    opened = all_homes & (s.open_day[:n] > day - 365) & (s.open_day[:n] > 0)
    closed = all_homes & (s.close_day[:n] > day - 365) & (s.close_day[:n] >= 0)
    since = iv[wait, table.C_WAITING_SINCE]
    waits = (day - since[since >= 0]).tolist()
    rev = sum(p.revenue_gbp for p in model.providers if p.role == "home_group")
    cost = sum(p.cost_gbp for p in model.providers if p.role == "home_group")
    model.snapshots.append(
        {
            "day": day,
            "supply": rows,
            "homes_by_sector": {SECTOR_NAMES[i]: int(sector_counts[i]) for i in range(3)},
            "waiting_by_la": waiting,
            "unregistered_by_la": unreg,
            "private_groups_margin": (rev - cost) / rev if rev > 0 else float("nan"),
            # Operating margin of private homes in the simulated councils' areas (where their
            # demand is modelled) over the last month: all their income less all their costs,
            # over all their income (as the CMA measures providers' margins).
            "private_home_margin": (
                float(1.0 - s.cost_month[:n][local].sum() / s.rev_month[:n][local].sum())
                if local.any() and s.rev_month[:n][local].sum() > 0
                else float("nan")
            ),
            "providers": len(np.unique(s.provider[:n][m])),
            "homes_opened": int(opened.sum()),
            "homes_closed": int(closed.sum()),
            "public_homes": int((s.public[:n] & m).sum()),
            "block_places": int(s.capacity[:n][m & (s.block[:n] > 0)].sum()),
            "mean_days_waiting": float(np.mean(waits)) if waits else 0.0,
        }
    )


# ---- reform levers acting on supply (called monthly after the market's own decisions) ---------
# Share of a departing agency's carers who join their council's fostering service (after a new
# approval): assumption.
CARERS_JOIN_COUNCIL = 0.5
# Places of a setting registered as a children's home after an Ofsted investigation: assumption.
REGISTERED_SETTING_PLACES = 2


def policy_month(model, day: int) -> None:
    """The month's lever actions, in a fixed order, and the levers' running costs."""
    policy = model.policy
    pooled = policy.pooled_commissioning
    if pooled is not None and pooled.active(day) and not model.blocks_set:
        set_block_contracts(model, day)
    _cap_exits(model, day)
    _public_homes(model, day)
    _group_failures(model, day)
    _enforcement(model, day)
    for la, item, amount in policy.costs(day, model):
        model.ledger.add(day, la, -1, -1, -1, -1, 0, amount, item)
        model.councils[la].pay(amount)
    model.staying_close = [x for x in model.staying_close if x[1] > day]


def set_block_contracts(model, day: int) -> None:
    """Each RCC's block contracts for the coming year (``PooledCommissioning.block_plan``)."""
    s = model.supply
    s.block[: s.n] = 0
    for k, units in model.policy.pooled_commissioning.block_plan(day, model).items():
        s.block[units] = k + 1
    model.blocks_set = True


def _void_payments(model, day: int, homes: np.ndarray, weeks: float):
    """Pay for empty places the buyer carries: RCC block contracts and new public homes.

    An RCC pays the block price of every empty block place, shared by its members by children
    looked after; a council pays the fixed running cost of its empty public-home places.
    Returns each home's void income this month (added to its revenue).
    """
    from sim.policies.base import ITEM_VOID

    pooled = model.policy.pooled_commissioning
    s = model.supply
    void = np.zeros(len(homes))
    if pooled is None and not model.public_units:
        return void
    empty = np.maximum(s.capacity[homes] - s.occupied[homes] - s.reserved[homes], 0)
    if pooled is not None and pooled.active(day):
        blk = s.block[homes]
        price = s.list_price[homes] * (1 - pooled.cfg.block_discount)
        void = np.where(blk > 0, empty * price * weeks, 0.0)
        for k in np.unique(blk[blk > 0]):
            total = float(void[blk == k].sum())
            members = pooled.members(int(k) - 1)
            members = members[model.stock[members] > 0]
            if total <= 0 or len(members) == 0:
                continue
            share = model.stock[members] / model.stock[members].sum()
            for la, sh in zip(members, share, strict=True):
                model.ledger.add(day, int(la), -1, -1, -1, HOME, 0, total * sh, ITEM_VOID)
                model.councils[int(la)].pay(total * sh)
    pub = s.public[homes]
    if pub.any():
        fixed = model.p.prices.home_fixed_cost_share
        pv = np.where(pub, empty * s.cost[homes] * fixed * weeks, 0.0)
        for h, amount in zip(homes[pv > 0], pv[pv > 0], strict=True):
            la = int(model.provider_la[s.provider[h]])
            model.ledger.add(day, la, -1, int(h), -1, HOME, 0, float(amount), ITEM_VOID)
            model.councils[la].pay(float(amount))
        void = void + pv
    for h, v in zip(homes[void > 0], void[void > 0], strict=True):
        model.providers[int(s.provider[h])].revenue_gbp += float(v)
    return void


def _cap_clawback(model, day: int, homes: np.ndarray, revenue, cost) -> np.ndarray:
    """Under a profit cap, income above the capped margin is returned to councils.

    Capped prices hold the margin at the cap only at reference occupancy; a fuller home would
    earn more, so its monthly income above cost / (1 - cap) is clawed back (the annual returns
    and "disguised profit" provisions of the Bill [pub]) and credited to the simulated councils
    by their children looked after. Returns each home's clawback this month.
    """
    from sim.policies.base import ITEM_CLAWBACK

    pc = model.policy.profit_cap
    terms = pc.terms(day) if pc is not None else None
    out = np.zeros(len(homes))
    if terms is None or HOME not in terms.kinds:
        return out
    s = model.supply
    capped = s.sector[homes] != SECTOR_LA
    out = np.where(capped, np.maximum(0.0, revenue - cost / (1.0 - terms.max_margin)), 0.0)
    total = float(out.sum())
    stock = model.stock * model.is_sim
    if total > 0 and stock.sum() > 0:
        for h, v in zip(homes[out > 0], out[out > 0], strict=True):
            model.providers[int(s.provider[h])].revenue_gbp -= float(v)
        for la in np.flatnonzero(stock):
            amount = -total * stock[la] / stock.sum()
            model.ledger.add(day, int(la), -1, -1, -1, HOME, 0, amount, ITEM_CLAWBACK)
            model.councils[int(la)].pay(amount)
    return out


def _children_by_unit(model, units: np.ndarray) -> dict[int, list]:
    """Children now in each of ``units`` (in child-id order)."""
    want = {int(u) for u in units}
    out: dict[int, list] = {}
    for cid in sorted(model.children):
        c = model.children[cid]
        if c.unit in want:
            out.setdefault(c.unit, []).append(c)
    return out


def move_out(model, child: Child, day: int, reason: str) -> None:
    """The child's placement ends now for ``reason`` (a closure); it is searched for today."""
    model.planned.pop(child.cid, None)
    child.prev_unit = child.unit
    model.release(child, day)
    child.move_rpc = RPC[reason]
    child.version += 1  # cancels the placement's pending event
    model.urgent.append(child.cid)


def _cap_exits(model, day: int) -> None:
    """Under a profit cap, providers whose required margin is above it wind down."""
    pc = model.policy.profit_cap
    if pc is None or not pc.exits(day):
        return
    from sim.rng import keyed_uniforms

    roles = {"home_group"} | ({"ifa"} if pc.cfg.include_ifa else set())
    roles |= {"supported"} if pc.cfg.include_supported else set()
    cand = np.array(
        [p.index for p in model.providers if p.sector != SECTOR_LA and p.role in roles],
        dtype=np.int64,
    )
    leave = cand[pc.leaving(cand)]
    for pi in leave:
        model.providers[int(pi)].exited = True
        model.exited_providers.add(int(pi))
    s = model.supply
    n = s.n
    kinds = list(pc.terms(day).kinds)
    units = np.flatnonzero(s.open[:n] & np.isin(s.provider[:n], leave) & np.isin(s.kind[:n], kinds))
    s.matchable[units] = False
    for u in units[s.occupied[units] + s.reserved[units] == 0]:
        s.close(int(u), day)
    carers = units[s.kind[units] == IFA]
    join = carers[keyed_uniforms("cap_carers_join", model.cfg.seed, model.rep, carers) < 0.5]
    lag = int(model.p.supply.approval_lag_days)
    for la, k in zip(*np.unique(s.la[join], return_counts=True), strict=True):
        model.foster_pipeline.add(model.councils[int(la)].provider, day + lag, int(la), int(k))
    model.counters["providers_exited_cap"] = len(leave)


def _public_homes(model, day: int) -> None:
    """Start building new public homes (capital paid) and open those whose lead time is over."""
    from sim.policies.base import ITEM_CAPITAL

    ph = model.policy.public_homes
    if ph is None:
        return
    for la in ph.builds(day, model):
        amount = ph.cfg.capital_gbp_per_home
        model.ledger.add(day, la, -1, -1, -1, HOME, 0, amount, ITEM_CAPITAL)
        model.councils[la].pay(amount)
        model.pending_public.append((day + ph.cfg.lead_time_days, la))
    due = [x for x in model.pending_public if x[0] <= day]
    model.pending_public = [x for x in model.pending_public if x[0] > day]
    prng = model.streams["policy"]
    for _, la in due:
        d = model.geo.sample_district(la, prng.random())
        price = ph.cfg.running_cost_gbp_place_week
        unit = _add_units(
            model,
            [f"PUBH{len(model.public_units) + 1:05d}"],
            HOME,
            la,
            d,
            SECTOR_LA,
            model.councils[la].provider,
            ph.cfg.places_per_home,
            8,
            17,
            2,
            1,
            price,
            price,
            day,
        )
        model.supply.public[unit] = True
        model.public_units.append(int(unit[0]))


def _group_failures(model, day: int) -> None:
    """Large children's-home groups fail at their hazard (and on a stress-test date).

    The large groups and which of them are leveraged are fixed in the first month; each month
    every large group draws its own uniform (so a lever changing the hazard changes which
    groups fail, not the luck of the others).
    """
    from sim.rng import keyed_uniforms

    sp = model.p.supply
    s = model.supply
    n = s.n
    policy = model.policy
    if model.large_groups is None:
        homes = s.open[:n] & (s.kind[:n] == HOME) & (s.sector[:n] != SECTOR_LA)
        counts = np.bincount(s.provider[:n][homes], minlength=len(model.providers))
        ranked = np.flatnonzero(counts > 0)
        model.groups_by_size = ranked[np.argsort(-counts[ranked], kind="stable")]
        order = model.groups_by_size[counts[model.groups_by_size] >= sp.large_group_homes]
        lev = keyed_uniforms("leveraged", model.cfg.seed, model.rep, order)
        model.large_groups = order
        model.leveraged = lev < sp.leveraged_share_large
    order = model.large_groups
    mult, transfer = 1.0, sp.failure_transfer_share
    if policy.financial_oversight is not None:
        terms = policy.financial_oversight.failure_terms(day)
        if terms is not None:
            mult, transfer = terms
    rate = np.where(model.leveraged, sp.group_failure_rate_leveraged, sp.group_failure_rate_other)
    p = 1.0 - np.exp(-rate * mult / 12.0)
    u = keyed_uniforms(f"group_failure:{day}", model.cfg.seed, model.rep, order)
    failing = [int(g) for g in order[u < p]]
    if policy.provider_collapse is not None:
        rank = policy.provider_collapse.due(day)
        if rank is not None and rank <= len(model.groups_by_size):
            failing.append(int(model.groups_by_size[rank - 1]))
    for g in sorted(set(failing)):
        if not model.providers[g].failed:
            fail_group(model, g, day, transfer)


def fail_group(model, g: int, day: int, transfer_share: float) -> None:
    """Provider group ``g`` fails: a share of its homes pass to a buyer, the rest close now.

    Children in closing homes move at once (REASON_PLACE_CHANGE CLOSE) and are searched for
    the same day; those in transferred homes stay (payments go to the buyer).
    """
    from sim.rng import keyed_uniforms

    pv = model.providers[g]
    pv.failed = pv.exited = True
    model.exited_providers.add(g)
    model.counters["group_failures"] += 1
    s = model.supply
    n = s.n
    units = np.flatnonzero(s.open[:n] & (s.provider[:n] == g))
    u = keyed_uniforms("failure_transfer", model.cfg.seed, model.rep, units)
    moving, closing = units[u < transfer_share], units[u >= transfer_share]
    by_unit = _children_by_unit(model, units)
    if len(moving):
        buyer = _provider(model, f"Buyer of {pv.name}", SECTOR_PRIVATE, "home_group")
        model.provider_la = np.append(model.provider_la, -1)
        s.provider[moving] = buyer.index
        for unit in moving:
            for c in by_unit.get(int(unit), []):
                c.payee = buyer.index
        model.counters["homes_transferred"] += len(moving)
    s.matchable[closing] = False
    for unit in closing:
        for c in by_unit.get(int(unit), []):
            move_out(model, c, day, "CLOSE")
        if s.open[unit]:
            s.close(int(unit), day)
    model.counters["homes_closed_by_failure"] += len(closing)


def _enforcement(model, day: int) -> None:
    """Ofsted investigates unregistered settings: each is fined, and registers or closes."""
    from sim.rng import keyed_uniforms

    oe = model.policy.ofsted_enforcement
    if oe is None:
        return
    p = oe.monthly_probability(day)
    if p <= 0:
        return
    s = model.supply
    n = s.n
    units = np.flatnonzero(s.open[:n] & (s.kind[:n] == UNREG))
    hit = units[keyed_uniforms(f"investigation:{day}", model.cfg.seed, model.rep, units) < p]
    if len(hit) == 0:
        return
    reg = keyed_uniforms("registers", model.cfg.seed, model.rep, hit) < oe.cfg.register_share
    by_unit = _children_by_unit(model, hit)
    prng = model.streams["policy"]
    for unit, registers in zip(hit, reg, strict=True):
        unit = int(unit)
        model.counters["unregistered_investigated"] += 1
        model.counters["fines_gbp"] += oe.cfg.fine_gbp
        model.providers[int(s.provider[unit])].cost_gbp += oe.cfg.fine_gbp
        kids = by_unit.get(unit, [])
        if registers:
            prov = _provider(model, f"Registered setting {unit}", SECTOR_PRIVATE, "home_group")
            model.provider_la = np.append(model.provider_la, -1)
            new = _add_homes(
                model,
                prng,
                [f"REGH{unit}"],
                np.array([int(s.la[unit])]),
                np.array([SECTOR_PRIVATE]),
                np.array([prov.index]),
                np.array([max(REGISTERED_SETTING_PLACES, len(kids))]),
                HOME,
                grade=np.array([2], np.int8),
                day=day,
                min_age=np.array([0]),
            )
            for c in kids:
                c.move_rpc = RPC["PLACE"]  # the same carer, now registered
                model.place(c, int(new[0]), day, False, RNE["T"])
        else:
            for c in kids:
                move_out(model, c, day, "STAND")
            if s.open[unit]:
                s.close(unit, day)
