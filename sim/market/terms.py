"""The search's terms as the compiled kernels read them: parameter slots, columns, terms.

This module owns the names of the search's scalar parameters (``P_*`` slots of ``prm``, built by
``sim.kernel_inputs.KernelInputs.market_terms``), of the children's and units' columns a
search reads (``KID_FIELDS``, ``UNIT_FIELDS``) and of everything else a search is given
(``SearchTerms``: places, the day's vacancies, the market's terms (``Market``,
``MarketFlags``); ``UrgentSearch``: what the urgent round adds), and of what placements without
a search read (``KinTerms``, ``Districts``).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

# Positions in the ``prm`` vector of scalar parameters passed to ``score_pairs_stage``.
(
    P_DECLINE_PER_TIER,
    P_ACCEPT_UNREG,
    P_SCARCITY_MARKUP,
    P_COMPLEX_PREMIUM,
    P_EMERGENCY_PREMIUM,
    P_EMERGENCY,
    P_W_DIST,
    P_W_PRICE,
    P_W_MISFIT,
    P_W_QUALITY,
    P_OWN_BONUS,
    P_OUTSIDE_PENALTY,
    P_POOL_MARKUP,
    P_POOL_DISCOUNT,
    P_POOL_BLOCK_DISCOUNT,
    P_CAP_MAX_MARGIN,
    P_HOME_FIXED_SHARE,
    P_OCCUPANCY_REF,
    P_BASE_MARKUP,
    P_PLAN_KINDS_ONLY,  # 1: every stage keeps to the plan's own kinds (the initial stock)
) = range(20)


N_PRM = 20


MAX_ROUNDS = 8  # proposal rounds of a resolution (a speed setting: few stay unresolved)


# Rows of the tuples passed to ``search``: the searching children (each an array over them),
# and the units (each an array over the supply registry), in this order.
class KidColumns(NamedTuple):
    """The searching children's columns a search reads (``kids``), one entry per child."""

    la: np.ndarray  # responsible LA
    age: np.ndarray  # years
    tier: np.ndarray  # needs tier (0 standard, 1 complex, 2 very complex)
    plan: np.ndarray  # care plan (``PLAN_*``)
    prev: np.ndarray  # the unit never offered (the one being left or still held)
    unreg: np.ndarray  # now in an unregistered setting
    away: np.ndarray  # to be placed away from home (beyond 20 miles)
    need: np.ndarray  # places the request needs (1 + siblings searched with it)
    lat: np.ndarray  # home latitude, degrees
    lon: np.ndarray  # home longitude, degrees


class UnitColumns(NamedTuple):
    """The supply's columns a search reads (``units``), one entry per unit."""

    min_age: np.ndarray  # years
    max_age: np.ndarray  # years
    skill: np.ndarray  # 0 standard, 1 complex, 2 specialist
    kind: np.ndarray  # kind of place
    provider: np.ndarray  # owning provider
    la: np.ndarray  # LA it is in
    lat: np.ndarray  # degrees
    lon: np.ndarray  # degrees
    sector: np.ndarray  # council, private, voluntary
    list_price: np.ndarray  # GBP a week
    grade: np.ndarray  # Ofsted grade, 0 outstanding .. 3 inadequate
    block: np.ndarray  # RCC holding it on block contract, plus 1 (0 none)
    open: np.ndarray  # registered and not closed
    capacity: np.ndarray  # places
    occupied: np.ndarray  # children placed
    reserved: np.ndarray  # places other councils use
    cost: np.ndarray  # GBP a week


KID_FIELDS = KidColumns._fields
UNIT_FIELDS = UnitColumns._fields


class Vacancies(NamedTuple):
    """Units with a free place, grouped by (kind, LA) as a CSR (``matching.VacancyIndex``)."""

    start: np.ndarray  # units of (kind, LA): units[start[kind * n_la + la] : start[... + 1]]
    units: np.ndarray  # unit ids sorted by kind, then LA
    n_la: int


# The vacancies of search terms built before the day's index is (``SearchTerms.vacancies``).
NO_VACANCIES = Vacancies(np.zeros(1, np.int64), np.zeros(0, np.int64), 0)


class Points(NamedTuple):
    """Where places are: postcode districts' and LAs' points, degrees."""

    district_lat: np.ndarray
    district_lon: np.ndarray
    la_lat: np.ndarray
    la_lon: np.ndarray


class Nearest(NamedTuple):
    """LAs nearest first from each LA (``Geography.dist_sorted``, ``la_order``)."""

    dist_sorted: np.ndarray  # km, LA x LA, increasing along each row
    la_order: np.ndarray  # the LA of each entry of ``dist_sorted``


class Carers(NamedTuple):
    """Whose foster carers a council's search looks at (``kernels.scan_candidates``)."""

    own_index: bool  # in-house carers are indexed by their council (``kernels.search_keys``)
    fellow_start: np.ndarray  # CSR over ``fellow_las`` by LA (length 1: no fellows anywhere)
    fellow_las: np.ndarray  # the councils whose carers an LA's children share (an RCC's)


NO_FELLOWS = (np.zeros(1, np.int64), np.zeros(0, np.int64))


class Market(NamedTuple):
    """The market's terms a search reads (``KernelInputs.market_terms``)."""

    provider_la: np.ndarray  # each provider's LA (councils) or -1
    region_of: np.ndarray  # each LA's region
    scarcity: np.ndarray  # price uplift by (region, kind of place) (``pricing.scarcity``)
    accept_prob: np.ndarray  # providers' acceptance by kind and needs tier
    rcc_of_la: np.ndarray  # each LA's RCC, -1 outside one (pooled commissioning)
    cap_kind: np.ndarray  # by kind of place: True where a profit cap limits the price


class MarketFlags(NamedTuple):
    """Which levers change the search (``KernelInputs.market_terms``)."""

    pooled: bool  # pooled commissioning: RCC discounts, block contracts
    regional_foster: bool  # in-house carers shared across an RCC's members
    capped: bool  # a profit cap


class SearchTerms(NamedTuple):
    """What a search reads besides the children (``engine.search_rows``)."""

    points: Points
    units: UnitColumns
    market: Market
    prm: np.ndarray  # scalar parameters (``P_*`` slots)
    flags: MarketFlags
    radius_km: np.ndarray  # each stage's search radius, km (the last unbounded)
    min_km_away: float  # km: a child placed away from home goes at least this far
    vacancies: Vacancies  # the day's (``NO_VACANCIES`` until it is set)
    nearest: Nearest
    max_las: int  # LAs a stage scans at most
    per_la: int  # candidates a stage takes from each LA at most
    district_start: np.ndarray  # each LA's first postcode district (``Geography.d_start``)
    carers: Carers  # whose in-house carers each council's children may take


class KinTerms(NamedTuple):
    """What a kinship household's registration reads (``engine.place_without_search_rows``)."""

    far_share: float  # share of relatives living far away (``placements.kin_far_share``)
    cost_gbp_week: float  # a kinship placement's weekly cost (``prices.kin_cost_gbp_week``)
    council_provider: np.ndarray  # each LA's own provider (its in-house service)


class Districts(NamedTuple):
    """Postcode districts as placements outside the search draw them (``Geography``)."""

    la_order: np.ndarray  # each LA's LAs, nearest first
    d_start: np.ndarray  # each LA's first district
    d_cumw: np.ndarray  # districts' cumulative population weights
    d_lat: np.ndarray  # districts' latitude, degrees
    d_lon: np.ndarray  # districts' longitude, degrees


def districts(geo) -> Districts:
    """The ``Districts`` of a ``Geography``."""
    return Districts(geo.la_order, geo.d_start, geo.d_cumw, geo.d_lat, geo.d_lon)


class UnregisteredTerms(NamedTuple):
    """An unregistered setting's terms (``engine.place_unregistered_rows``)."""

    list_price_gbp_week: float
    provider: int  # the provider unregistered settings are registered under


class UrgentSearch(NamedTuple):
    """What the urgent round's search reads (``engine.urgent_round``)."""

    terms: SearchTerms  # their ``vacancies``: the index as it was when the round was called
    vac_state: np.ndarray  # [day, units] when the index was built: rebuilt when either moved
    order: np.ndarray  # units that may take a child by kind and LA (``search_order``)
    order_key: np.ndarray  # their keys (kind x LA)
    unregistered: UnregisteredTerms
