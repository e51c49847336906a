"""The 31 March snapshot: supply, prices, waiting children and providers by LA and kind of place."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.population import table
from sim.records import (
    HOME,
    N_KINDS,
    SECTOR_NAMES,
    SECTOR_PRIVATE,
    UNREG,
)


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
