"""The cadences run as SimPy processes in their written order at one instant."""

import datetime as dt

from sim import schedule
from sim.model import PlacementModel

from .conftest import tiny_config


def test_each_cadence_runs_on_its_days_in_the_written_order(monkeypatch):
    calls = []

    def recorder(name, original):
        def record(self, *args):
            day = args[0] if args else int(self.env.now)
            calls.append((round(self.env.now, 3), name, day))
            return original(self, *args)

        return record

    for name in ("run_days", "match_planned", "supply_step", "price_step", "year_end_step"):
        monkeypatch.setattr(PlacementModel, name, recorder(name, getattr(PlacementModel, name)))
    from sim.io import embedded
    from sim.io.outputs import world_data

    m = PlacementModel(tiny_config(years=1), embedded.england(), world_data())
    calls.clear()  # the build prices the market once
    m.run()
    origin = m.origin
    weeks = [d for _, n, d in calls if n == "match_planned"]
    assert weeks == list(range(7, m.end_day + 1, 7))
    months = [d for _, n, d in calls if n == "supply_step"]
    assert months == [
        d for d in range(1, m.end_day + 1) if (origin + dt.timedelta(days=d)).day == 1
    ]
    assert [d for _, n, d in calls if n == "year_end_step"] == [m.end_day]
    # At one instant: the days, then the weekly round, then supply and prices, then the year.
    rank = {"run_days": 0, "match_planned": 1, "supply_step": 2, "price_step": 3}
    rank["year_end_step"] = 4
    by_day: dict[int, list[str]] = {}
    for t, name, _ in calls:
        by_day.setdefault(int(t), []).append(name)
    for names in by_day.values():
        assert [rank[n] for n in names] == sorted(rank[n] for n in names)
    # A run of days never passes a day on which another process acts.
    acts = set(weeks) | set(months) | {m.end_day}
    firsts = sorted(d for _, n, d in calls if n == "run_days")
    for a, b in zip(firsts, firsts[1:] + [m.end_day + 1], strict=True):
        assert not any(a <= d < b - 1 for d in acts), (a, b)
    assert firsts[0] == 1


def test_week_and_month_days():
    origin = dt.date(2025, 3, 31)
    assert [d for d in range(0, 40) if schedule.is_week_end(d)] == [7, 14, 21, 28, 35]
    assert [d for d in range(0, 70) if schedule.is_month_start(origin, d)] == [1, 31, 62]
