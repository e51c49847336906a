"""The search's terms as the compiled kernels index them: parameter slots and columns.

This module owns the names of the search's scalar parameters (``P_*`` slots of ``prm``, built by
``sim.kernel_inputs.KernelInputs.market_terms``) and of the children's and units' columns a
search reads (``KID_FIELDS``, ``UNIT_FIELDS``).
"""

from __future__ import annotations

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
KID_FIELDS = ("la", "age", "tier", "plan", "prev", "unreg", "away", "need", "lat", "lon")


UNIT_FIELDS = (
    "min_age",
    "max_age",
    "skill",
    "kind",
    "provider",
    "la",
    "lat",
    "lon",
    "sector",
    "list_price",
    "grade",
    "block",
    "open",
    "capacity",
    "occupied",
    "reserved",
    "cost",
)
