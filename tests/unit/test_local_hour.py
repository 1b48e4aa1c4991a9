"""clock.LocalHour gives the branch-local hour of stored UTC times exactly as to_local does, also across
DST switches on the hour (Lisbon), at a half hour in UTC (St John's, UTC-3:30) and by half an hour
(Lord Howe), minute by minute around each switch."""
from __future__ import annotations

import datetime as dt

import pytest

from deskapp.core.clock import LocalHour, to_local


@pytest.mark.parametrize("timezone, days", [
    ("Europe/Lisbon", [dt.date(2026, 3, 29), dt.date(2026, 10, 25)]),
    ("America/St_Johns", [dt.date(2026, 3, 8), dt.date(2026, 11, 1)]),
    ("Australia/Lord_Howe", [dt.date(2026, 4, 5), dt.date(2026, 10, 4)]),
    ("Asia/Kolkata", [dt.date(2026, 6, 1)]),
])
def test_the_local_hour_of_every_minute_around_a_switch(timezone: str, days: list[dt.date]) -> None:
    hour = LocalHour(timezone)
    checked = 0
    for day in days:
        start = dt.datetime.combine(day, dt.time()) - dt.timedelta(hours=14)
        for minute in range(0, 48 * 60, 7):
            utc = start + dt.timedelta(minutes=minute, seconds=minute % 60, microseconds=minute)
            assert hour(utc) == to_local(utc, timezone).hour, utc
            checked += 1
    assert checked > 400
