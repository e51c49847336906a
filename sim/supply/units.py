"""Registering supply: providers, foster households, children's homes and their prices.

This module owns how a unit enters the supply registry, at day 0 and during a run: a new
provider and its account, homes' list prices and costs (``home_prices``), Ofsted grades,
foster households' places, accepted ages, skill and price (``foster_columns``) and which group
owns a new private home (``group_for_new_homes``).
"""

from __future__ import annotations

import numpy as np

from sim.agents.providers import (
    Provider,
)
from sim.market import pricing
from sim.records import (
    HOME,
    SECTOR_LA,
    SECTOR_PRIVATE,
    SECURE,
)

# Foster household places (1, 2, 3) shares: assumption giving 1.59 usable places on average.
FOSTER_PLACES = (np.array([1, 2, 3]), np.array([0.50, 0.41, 0.09]))


# Foster households' accepted ages (min, max) and shares: assumption.
FOSTER_AGES = (np.array([[0, 17], [0, 11], [8, 17]]), np.array([0.4, 0.3, 0.3]))


# Foster skill (0 standard, 1 complex, 2 specialist) shares: assumption.
FOSTER_SKILL = np.array([0.55, 0.35, 0.10])


def new_provider(model, name: str, sector: int, role: str, la: int = -1, region: int = -1):
    """A new provider agent with its account, appended to the model's providers."""
    p = Provider(model, name, sector, role, la=la, region=region)
    p.open_account(model.accounts)
    model.add_provider(p)
    return p


def draw_grades(rng: np.random.Generator, n: int, share) -> np.ndarray:
    """Ofsted grades (0 outstanding .. 3 inadequate) of ``n`` units drawn from ``share``."""
    return rng.choice(4, size=n, p=np.asarray(share) / np.sum(share)).astype(np.int8)


def home_prices(model, rng, n: int, sector: np.ndarray):
    """List prices (GBP a week, lognormal about the mean) and unit costs of ``n`` new homes."""
    pp = model.p.prices
    sigma = pp.home_price_sigma
    price = pp.home_price_gbp_week * np.exp(sigma * rng.standard_normal(n) - sigma**2 / 2)
    markup = np.where(sector == SECTOR_LA, 0.0, pp.base_markup)
    cost = pricing.cost_from_price(price, markup, pp.occupancy_ref, pp.home_fixed_cost_share)
    return price, cost


def add_units(
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


def add_homes(
    model, rng, urns, la, sector, provider, places, kind, grade=None, day=0, min_age=None
):
    """Register new homes of ``kind`` in LAs ``la``: district, price, ages and grade drawn."""
    geo = model.geo
    n = len(urns)
    d = geo.sample_districts(la, rng.random(n))
    if kind == SECURE:
        price = np.full(n, model.p.prices.secure_cost_gbp_week)
        cost = price * 0.9
    else:
        price, cost = home_prices(model, rng, n, sector)
    if min_age is None:
        min_age = np.where(rng.random(n) < 0.75, 10, 5) if kind == HOME else np.full(n, 10)
    if grade is None:
        grade = draw_grades(rng, n, model.p.supply.grade_share)
    return add_units(
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


def group_for_new_homes(model, rng, n: int) -> np.ndarray:
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
            out[i] = new_provider(
                model, f"New home provider {len(model.providers)}", SECTOR_PRIVATE, "home_group"
            ).index
    return out


def cdf_of(shares: np.ndarray) -> np.ndarray:
    """Normalised cumulative shares."""
    cdf = np.cumsum(shares)
    return cdf / cdf[-1]


def choice_by_cdf(rng, cdf: np.ndarray, n: int) -> np.ndarray:
    """``rng.choice(len(shares), size=n, p=shares)``, draw for draw, without its checks.

    ``cdf`` is ``cdf_of(shares)``. numpy's ``Generator.choice`` with ``p`` draws ``random(n)``
    and bisects the normalised cumulative shares; its checks cost more than the draw on the
    small batches of a month.
    """
    return cdf.searchsorted(rng.random(n), side="right")


PLACES_CDF, AGES_CDF, SKILL_CDF = (
    cdf_of(FOSTER_PLACES[1]),
    cdf_of(FOSTER_AGES[1]),
    cdf_of(FOSTER_SKILL),
)


def foster_columns(model, home_la, d, places, ages, skill, ifa, z) -> dict:
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
