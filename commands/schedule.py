"""When a weekly digest is due: local wall-clock times in the subscription's own time zone."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def next_run(weekday: int, time: str, timezone: str, after: dt.datetime) -> dt.datetime:
    """The first local `weekday` `time` strictly after `after`, as an aware UTC datetime.

    Built from the local date and wall-clock time, so daylight-saving changes keep 09:00 at 09:00.
    A local time that does not exist on a spring-forward day resolves forward (fold=0 semantics).
    """
    zone = ZoneInfo(timezone)
    hour, minute = (int(x) for x in time.split(":"))
    local_after = after.astimezone(zone)
    day = local_after.date() + dt.timedelta(days=(weekday - local_after.weekday()) % 7)
    for _ in range(3):
        candidate = dt.datetime.combine(day, dt.time(hour, minute), tzinfo=zone)
        # Round-trip through UTC so a non-existent local time (spring forward) lands on a real instant.
        candidate_utc = candidate.astimezone(dt.UTC)
        if candidate_utc > after.astimezone(dt.UTC):
            return candidate_utc
        day += dt.timedelta(days=7)
    raise AssertionError("unreachable: a week ahead is always after")


def describe(weekday: int, time: str, timezone: str) -> str:
    return f"{WEEKDAYS[weekday].capitalize()}s at {time} {timezone}"
