"""The one source of "now" for deskapp, so tests and demos can set time.

Times are naive UTC datetimes everywhere in core and db; branch-local time exists only at the
edges (ticket days, opening hours, what screens show).
"""
from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Protocol


class Clock(Protocol):
    def now(self) -> dt.datetime: ...


class SystemClock:
    """The machine's clock, in UTC."""

    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class FixedClock:
    """A clock that moves only when told: for tests, the demo generator and benchmarks."""

    def __init__(self, start: dt.datetime):
        self._now = start

    def now(self) -> dt.datetime:
        return self._now

    def set(self, when: dt.datetime) -> None:
        self._now = when

    def advance(self, **delta: float) -> dt.datetime:
        self._now += dt.timedelta(**delta)
        return self._now


def to_local(utc: dt.datetime, timezone: str) -> dt.datetime:
    """A stored naive-UTC time as branch-local wall time (naive)."""
    return utc.replace(tzinfo=dt.UTC).astimezone(zoneinfo.ZoneInfo(timezone)).replace(tzinfo=None)


def to_utc(local: dt.datetime, timezone: str) -> dt.datetime:
    """A branch-local wall time as naive UTC."""
    return local.replace(tzinfo=zoneinfo.ZoneInfo(timezone)).astimezone(dt.UTC).replace(tzinfo=None)


class LocalHour:
    """to_local(utc, timezone).hour for many stored times, each UTC hour's offset looked up once.

    Exact: an hour in which the zone's offset changes (a DST switch, some at a half hour) has its times
    converted one by one. For reads that bucket hundreds of rows by the branch's hour of the day."""

    def __init__(self, timezone: str) -> None:
        self.timezone = timezone
        self._offsets: dict[dt.datetime, dt.timedelta | None] = {}

    def __call__(self, utc: dt.datetime) -> int:
        hour = utc.replace(minute=0, second=0, microsecond=0)
        if hour not in self._offsets:
            last = hour + dt.timedelta(hours=1, microseconds=-1)
            first_offset = to_local(hour, self.timezone) - hour
            self._offsets[hour] = first_offset if to_local(last, self.timezone) - last == first_offset else None
        offset = self._offsets[hour]
        return (utc + offset).hour if offset is not None else to_local(utc, self.timezone).hour


def local_day(utc: dt.datetime, timezone: str) -> dt.date:
    return to_local(utc, timezone).date()


def day_bounds(day: dt.date, timezone: str) -> tuple[dt.datetime, dt.datetime]:
    """The UTC instants at which a branch-local day starts and ends (handles DST days)."""
    start = to_utc(dt.datetime.combine(day, dt.time()), timezone)
    end = to_utc(dt.datetime.combine(day + dt.timedelta(days=1), dt.time()), timezone)
    return start, end
