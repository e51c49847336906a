"""The model's cadences as SimPy processes, and their order at one instant.

This module owns when each of the model's phases runs. Each cadence is a SimPy process on the
model's environment, whose clock counts days since the model's origin (31 March 2025 or an
observed extract's date):

- ``days``, each day from day 1: phases 1-3, entries, child events and the urgent round
  (``PlacementModel.run_days``);
- ``weeks``, every 7th day of the run (not a weekday): phase 4, the planned round
  (``match_planned``);
- ``months``, the 1st of each month: phases 5-6, supply then prices (``supply_step``,
  ``price_step``);
- ``years``, each 31 March: phase 7, billing, the snapshot and the plans (``year_end_step``).

Order at one instant: on a day when several fall, the day's phases 1-3 come first, then the
planned round, then the month's supply and prices, then the year end. Each process waits until
its day plus its offset below (a fraction of a day), so SimPy runs them in that order.

The ``days`` process runs a run of days in one compiled call, up to the next day on which
another process acts (or a lever changes the day's parameters: ``PlacementModel.span_end``),,
so that the other processes find the days before them done.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Generator

import simpy

# Offsets within a day (days) that order the processes at one instant.
DAYS_OFFSET = 0.0
WEEKS_OFFSET = 0.1
MONTHS_OFFSET = 0.2
YEARS_OFFSET = 0.3
WEEK_DAYS = 7  # the planned round's cadence, days (every 7th day of the run, not a weekday)


def is_month_start(origin: dt.date, day: int) -> bool:
    """Whether model day ``day`` is the first of a month."""
    return (origin + dt.timedelta(days=day)).day == 1


def is_week_end(day: int) -> bool:
    """Whether the planned round runs on model day ``day`` (every 7th day from the origin)."""
    return day > 0 and day % WEEK_DAYS == 0


def _wait_until(env: simpy.Environment, day: int, offset: float) -> simpy.Timeout:
    return env.timeout(day + offset - env.now)


def days(model) -> Generator:
    """Phases 1-3 of every day from day 1 to the end, a run of days at a time."""
    env = model.env
    day = 1
    while day <= model.end_day:
        yield _wait_until(env, day, DAYS_OFFSET)
        last = model.span_end(day)
        model.run_days(day, last)
        day = last + 1


def weeks(model) -> Generator:
    """The planned round on every 7th day of the run."""
    day = WEEK_DAYS
    while day <= model.end_day:
        yield _wait_until(model.env, day, WEEKS_OFFSET)
        model.match_planned(day)
        day += WEEK_DAYS


def months(model) -> Generator:
    """The month's supply, then prices, on the first of each month (day 0 too, if it is)."""
    first = model.origin.replace(day=1)
    while True:
        day = (first - model.origin).days
        if day > model.end_day:
            return
        if day >= 0:
            yield _wait_until(model.env, day, MONTHS_OFFSET)
            model.supply_step(day)
            model.price_step()
        first = (first + dt.timedelta(days=32)).replace(day=1)


def years(model) -> Generator:
    """The year end on each 31 March of the run."""
    for day in model.year_ends:
        if 0 < day <= model.end_day:
            yield _wait_until(model.env, day, YEARS_OFFSET)
            model.year_end_step(day)


def start(model) -> None:
    """Start the four processes on the model's environment (``model.env``)."""
    for process in (days, weeks, months, years):
        model.env.process(process(model))
