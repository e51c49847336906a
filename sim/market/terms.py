"""The search's terms as the compiled kernels index them: parameter slots and columns.

This module owns the names of the search's scalar parameters (``P_*`` slots of ``prm``, built by
``sim.kernel_inputs.KernelInputs.market_terms``) and of the children's and units' columns a
search reads (``KID_FIELDS``, ``UNIT_FIELDS``).
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
) = range(19)


N_PRM = 19


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
