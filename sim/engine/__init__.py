"""The compiled mechanisms of a day, over the child table's rows and the supply's columns.

Each mechanism has one module, named for what it owns:

| module | mechanism |
|---|---|
| ``state`` | the names kernels index by: supply columns, parameter slots, codes, reports |
| ``ledger`` | billing a placement, releasing a unit, the year's accounts |
| ``episodes`` | opening and writing SSDA903 episodes |
| ``placements`` | starting a placement; drawing its next event (breakdown, planned move, status) |
| ``events`` | a day's child events: leaving care, adoption, legal status, placement endings |
| ``search`` | the search for a place: siblings together, stage by stage |
| ``settings`` | placements without a search (parents, kin) and unregistered settings |
| ``day`` | a day's phases 1-3 in one call, and runs of days |

The names the model calls are re-exported here (``engine.run_days``); the kernels import each
other from their own modules. State is passed as tuples of arrays (see ``state``).
"""

from sim.engine.day import room_for, run_days, unique_rows, urgent_round
from sim.engine.episodes import close_episode, open_episode, open_episode_rows
from sim.engine.events import handle_events
from sim.engine.ledger import Accounts, bill, bill_rows, release
from sim.engine.placements import (
    home_distances,
    next_event,
    place,
    placement_uniforms,
    schedule_next,
    schedule_rows,
)
from sim.engine.search import follows_lead, search_groups, search_kids, search_rows, sibling_groups
from sim.engine.settings import kin_households, place_unregistered_rows, place_without_search_rows
from sim.engine.state import *  # noqa: F403 - the slots and codes (``Q_*``, ``V_*``, ``OUT_*``)
from sim.engine.state import (
    Books,
    DayCalendar,
    DayEntry,
    DaysRun,
    DayUrgent,
    Entrants,
    EventWorld,
    Logs,
    NewUnitColumns,
    SupplyColumns,
)

__all__ = [
    "Accounts",
    "Books",
    "DayCalendar",
    "DayEntry",
    "DaysRun",
    "DayUrgent",
    "Entrants",
    "EventWorld",
    "Logs",
    "NewUnitColumns",
    "SupplyColumns",
    "bill",
    "bill_rows",
    "close_episode",
    "open_episode_rows",
    "follows_lead",
    "handle_events",
    "home_distances",
    "kin_households",
    "next_event",
    "open_episode",
    "place",
    "place_unregistered_rows",
    "place_without_search_rows",
    "placement_uniforms",
    "release",
    "room_for",
    "run_days",
    "schedule_next",
    "schedule_rows",
    "search_groups",
    "search_kids",
    "search_rows",
    "sibling_groups",
    "unique_rows",
    "urgent_round",
]
