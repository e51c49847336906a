"""The initial supply at the start's 31 March: homes, secure homes, foster households, SA.

This module owns the apportioning rules that turn the national and Ofsted figures into units:
the Ofsted 2023 homes grown (or, before 2023, cut back) to the start year's count, secure
homes, in-house and IFA foster households apportioned from that year's national total, and
supported accommodation; each rule is stated where it is applied. Units are registered
through ``sim.supply.units``; the year's figures are ``sim.world.years``'.
"""

from __future__ import annotations

import numpy as np

from sim.agents.providers import foster_draws
from sim.records import (
    HOME,
    IFA,
    INHOUSE,
    SA,
    SECTOR_LA,
    SECTOR_NAMES,
    SECTOR_PRIVATE,
    SECTOR_VOLUNTARY,
    SECURE,
)
from sim.supply.units import (
    AGES_CDF,
    PLACES_CDF,
    SKILL_CDF,
    add_homes,
    add_units,
    foster_columns,
    group_for_new_homes,
    new_provider,
)
from sim.world import years
from sim.world.children import stock_mix_of

SECTOR_CODE = {"la": SECTOR_LA, "private": SECTOR_PRIVATE, "voluntary": SECTOR_VOLUNTARY}

SA_UNIT_PLACES = 4  # places per supported accommodation unit: assumption


SA_PROVIDERS_2025 = 890  # supported accommodation providers [pub] Ofsted 2025


def build_homes(model, data, keep, rng) -> tuple[np.ndarray, int]:
    """Children's and secure homes at day 0: Ofsted's 2023 homes at the start year's count.

    The 2023 list is grown to the count (``years.homes_ratio`` of ``homes_target_2025``) by
    new homes, or cut back to it by leaving out the homes that opened since
    (``not_yet_open``).

    Returns:
        Where new private homes open, by LA (the weights of 2022-23's joiners), and the number
        of the last home added (``SIMH`` numbers go on from it).
    """
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
            groups[name] = new_provider(model, name, sector, "home_group").index
        prov[i] = groups[name]
    kept = rng.random(len(homes)) < keep[la]
    sp = model.p.supply
    target = round(sp.homes_target_2025 * years.homes_ratio(model.world_year))
    is_home = (homes["kind"] == "home").to_numpy()
    n_now = int(is_home.sum())
    flows = data["home_flows"]
    if target < n_now:  # a world before 2023: the homes that opened since are not there yet
        kept &= ~not_yet_open(homes, la, flows, n_now - target, geo, rng)
    for kind_name, kind in (("home", HOME), ("secure", SECURE)):
        m = kept & (homes["kind"] == kind_name).to_numpy()
        sector = homes["sector"].map(SECTOR_CODE).to_numpy()[m]
        add_homes(
            model,
            rng,
            homes["urn"].astype(str).to_numpy()[m],
            la[m],
            sector,
            prov[m],
            homes["places"].to_numpy()[m],
            kind,
        )
    # Growth 2023 -> the start year (2025: Ofsted counts 3,946 mainstream homes, 84% privately
    # run [pub]);
    # the extra homes are council homes up to the non-private share (councils opened 103 homes
    # in 2023-24 [sec]) and private ones for the rest, of 3 places (new homes average 3 [pub]
    # Ofsted 2025), placed by the LA pattern of each sector's joiners in 2022-23 [file] (plus a
    # quarter of a joiner per LA so none is excluded).
    n_add = max(0, target - n_now)
    n_nonprivate = int((is_home & (homes["sector"] != "private").to_numpy()).sum())
    n_council = min(n_add, max(0, round((1 - sp.private_share_2025) * target) - n_nonprivate))
    urn = 0
    for sector, n in ((SECTOR_LA, n_council), (SECTOR_PRIVATE, n_add - n_council)):
        fj = flows[flows["sector"] == SECTOR_NAMES[sector]].set_index("ons_code")["joiners"]
        w = np.array([fj.get(c, 0) + 0.25 for c in geo.code], float)
        if sector == SECTOR_PRIVATE:
            entry_weight = w / w.sum()
        counts = rng.multinomial(n, w / w.sum())
        new_la = np.repeat(np.arange(geo.n_la), counts)
        new_la = new_la[rng.random(len(new_la)) < keep[new_la]]
        if len(new_la) == 0:
            continue
        if sector == SECTOR_LA:
            prov = np.array([model.councils[la].provider for la in new_la], dtype=np.int64)
        else:
            prov = group_for_new_homes(model, rng, len(new_la))
        add_homes(
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
    return entry_weight, urn


def not_yet_open(homes, la: np.ndarray, flows, n: int, geo, rng) -> np.ndarray:
    """Which of Ofsted's 2023 homes a world at an earlier 31 March leaves out (``n`` of them).

    Rule: the growth to 2023 is undone as it happened. The homes left out are private and
    council homes in proportion to each sector's net growth in 2022-23 (private +244, council
    +10, voluntary -8 [file] Ofsted joiners and leavers), drawn within the sector with weights
    by their LA's joiners in 2022-23 (plus a quarter, as for new homes).
    """
    out = np.zeros(len(homes), bool)
    net = flows.groupby("sector")["joiners"].sum() - flows.groupby("sector")["leavers"].sum()
    net = net.clip(lower=0)
    sectors = [s for s in ("private", "la") if net.get(s, 0) > 0]
    counts = rng.multinomial(n, np.array([net[s] for s in sectors]) / sum(net[s] for s in sectors))
    for sector, k in zip(sectors, counts, strict=True):
        fj = flows[flows["sector"] == sector].set_index("ons_code")["joiners"]
        w_la = np.array([fj.get(c, 0) + 0.25 for c in geo.code], float)
        cand = np.flatnonzero(
            ((homes["kind"] == "home") & (homes["sector"] == sector)).to_numpy() & (la >= 0)
        )
        w = w_la[la[cand]]
        k = min(int(k), len(cand))
        out[rng.choice(cand, size=k, replace=False, p=w / w.sum())] = True
    return out


def foster_unit_draws(model, rng, n: int, la: np.ndarray, kind: int) -> dict:
    """Where ``n`` new foster households of LAs ``la`` live, their places, ages, skill, price."""
    geo = model.geo
    home_la, d, places, ages, skill, z = foster_draws(
        rng,
        n,
        np.asarray(la, np.int64),
        kind == IFA,
        model.carer_homes,
        geo.d_start,
        geo.d_cumw,
        PLACES_CDF,
        AGES_CDF,
        SKILL_CDF,
    )
    return foster_columns(model, home_la, d, places, ages, skill, np.full(n, kind == IFA), z)


def foster_units(
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
    """Register ``n`` new foster households (``foster_unit_draws``) of one ``kind``."""
    f = foster_unit_draws(model, rng, n, la, kind)
    start = model.supply.n
    return add_units(
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


def build_foster(model, data, keep, rng) -> list[int]:
    """In-house and IFA mainstream households, apportioned from the national total.

    Rule: in-house households per LA in proportion to the LA's CLA at 31 March 2025 (councils
    recruit to their need); IFA households per region in proportion to the region's CLA, shared
    equally among the IFAs registered there (Ofsted 2023), and placed in LAs of the region in
    proportion to population aged 0-17 (carers live where people live).

    Returns:
        The providers that recruit foster carers: every council, then the IFAs with households.
    """
    geo = model.geo
    sp = model.p.supply
    cla = geo.las["cla_2025"].to_numpy(float)
    households = sp.mainstream_households * years.households_ratio(model.world_year)
    inhouse_total = households * sp.la_share_households
    per_la = inhouse_total * cla / cla.sum() * keep
    n_la = rng.poisson(per_la)
    services = []
    for la in range(geo.n_la):
        prov = model.councils[la].provider
        services.append(prov)
        if n_la[la]:
            foster_units(
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
    ifa_total = households * (1 - sp.la_share_households)
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
                new_provider(
                    model,
                    a["group"] or f"IFA {a['urn']}",
                    sector,
                    "ifa",
                    region=int(geo.region_of[las[0]]),
                )
            )
        region_households = ifa_total * cla[las].sum() / cla.sum()
        w = pop[las] * keep[las]
        if w.sum() <= 0:
            continue
        each = region_households * (w.sum() / pop[las].sum()) / len(provs)
        for p in provs:
            p.las = las
            p.la_weights = pop[las] / pop[las].sum()
            p.london_share = london_share
            n = int(rng.poisson(each))
            if n == 0:
                continue
            la = las[rng.choice(len(las), size=n, p=w / w.sum())]
            foster_units(
                model, rng, n, la, np.full(n, p.index), IFA, np.full(n, p.sector), urn_prefix="IFA"
            )
            services.append(p.index)
    return services


def build_sa(model, keep, rng) -> None:
    """Supported accommodation places per LA in proportion to its 16-17s in care.

    Its 16-17s at the world's 31 March: its children then (``years.la_stock``) times the
    national share aged 16+ then.
    """
    geo = model.geo
    sp = model.p.supply
    cla = years.la_stock(geo.las, model.world_year)
    places = sp.sa_places_per_16plus * cla * stock_mix_of(model.world_year).age_share[4] * keep
    units = np.ceil(places / SA_UNIT_PLACES).astype(int)
    region_names = geo.las["region"].to_numpy()
    n_total = units.sum()
    provs_by_region = {}
    for region in sorted(set(region_names)):
        las = np.flatnonzero(region_names == region)
        k = max(1, int(round(SA_PROVIDERS_2025 * units[las].sum() / max(n_total, 1))))
        provs_by_region[region] = [
            new_provider(
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
        add_units(
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
