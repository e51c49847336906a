"""The event calendar: order of handling, late events and reuse of its rows (sim.calendar)."""

import numpy as np

from sim.calendar import Calendar


def _ev(*rows):
    return np.array(rows, np.int64).reshape(-1, 4)


def test_events_come_back_by_day_in_the_order_scheduled():
    cal = Calendar(days=4, rows=2)  # both grow
    cal.push(_ev((3, 0, 10, 0), (1, 1, 11, 0), (3, 2, 12, 5)))
    cal.add(3, 4, 13, 1)
    cal.push(_ev((9, 0, 14, 0)))
    assert list(cal.pending()) == [
        (1, 1, 11, 0),
        (3, 0, 10, 0),
        (3, 2, 12, 5),
        (3, 4, 13, 1),
        (9, 0, 14, 0),
    ]
    assert cal.take(1).tolist() == [[1, 11, 0]]
    assert cal.take(2).tolist() == []
    assert cal.take(3).tolist() == [[0, 10, 0], [2, 12, 5], [4, 13, 1]]
    assert len(cal) == 1


def test_an_event_for_a_day_already_handled_comes_first_next_day():
    cal = Calendar()
    cal.push(_ev((6, 0, 1, 0)))
    cal.take(5)
    cal.push(_ev((5, 1, 2, 0), (6, 1, 3, 0), (4, 1, 4, 0)))
    # Late ones by (day, order), then the day's own in order.
    assert cal.take(6).tolist() == [[1, 4, 0], [1, 2, 0], [0, 1, 0], [1, 3, 0]]
    assert len(cal) == 0


def test_rows_of_taken_events_are_reused():
    cal = Calendar(rows=4)
    for day in range(1, 50):
        cal.push(_ev((day, 0, day, 0), (day, 1, day, 0), (day + 1, 2, day, 0)))
        got = cal.take(day)
        assert got.tolist() == ([[2, day - 1, 0]] if day > 1 else []) + [[0, day, 0], [1, day, 0]]
    # At most four events are ever pending together: the store never grew.
    assert len(cal.nxt) == 4 and len(cal) == 1
