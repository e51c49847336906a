"""Supply during a run: registering units, foster recruitment and attrition, homes' economics.

``units`` registers providers and units (at day 0 and later), ``foster`` is the fostering
services' month, ``homes`` the children's homes' month. The registry of units' state is
``sim.agents.supply.SupplyRegistry``.
"""
