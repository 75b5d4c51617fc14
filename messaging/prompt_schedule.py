"""When a journaling prompt is due: wall-clock arithmetic in the client's zone, no I/O.

A schedule repeats once, daily, on weekdays (Monday to Friday) or weekly on one weekday, at
a local time, from a first local date, until a last local date (inclusive) and/or for a
number of times. Times come from `local_time.at_local`, so a DST change never moves a
prompt off its wall-clock time (a time inside a spring-forward gap moves forward by the gap).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from messaging.errors import InvalidInput
from messaging.local_time import MINUTES_PER_DAY, at_local

REPEATS = ("once", "daily", "weekdays", "weekly")
MAX_COUNT = 1000
MAX_AHEAD = timedelta(days=366)


@dataclass(frozen=True, slots=True)
class PromptSchedule:
    repeat: str
    local_minute: int
    # None until anchored: "from today", as the client's zone sees today.
    start_date: date | None
    weekday: int | None = None
    until_date: date | None = None
    max_count: int | None = None

    @property
    def wall(self) -> time:
        return time(self.local_minute // 60, self.local_minute % 60)

    def validated(self) -> PromptSchedule:
        if self.repeat not in REPEATS:
            raise InvalidInput("schedule.repeat: choose once, daily, weekdays or weekly.")
        if not 0 <= self.local_minute < MINUTES_PER_DAY:
            raise InvalidInput("schedule.time: a local time from 00:00 to 23:59.")
        if (self.repeat == "weekly") != (self.weekday is not None):
            raise InvalidInput("schedule.weekday: give a weekday for weekly prompts only.")
        if self.weekday is not None and not 0 <= self.weekday <= 6:
            raise InvalidInput("schedule.weekday: a day from 0 (Monday) to 6 (Sunday).")
        if (
            self.until_date is not None
            and self.start_date is not None
            and self.until_date < self.start_date
        ):
            raise InvalidInput("schedule.until: on or after the first day.")
        if self.max_count is not None and not 1 <= self.max_count <= MAX_COUNT:
            raise InvalidInput(f"schedule.count: from 1 to {MAX_COUNT}.")
        return self

    def anchored(self, tz: ZoneInfo, now: datetime) -> PromptSchedule:
        """With a first day: the one given, or today in `tz`."""
        if self.start_date is not None:
            return self
        return replace(self, start_date=now.astimezone(tz).date())

    @property
    def first_day(self) -> date:
        if self.start_date is None:
            raise ValueError("anchor the schedule first")
        return self.start_date

    def occurs_on(self, day: date) -> bool:
        if day < self.first_day or (self.until_date is not None and day > self.until_date):
            return False
        if self.repeat == "once":
            return day == self.first_day
        if self.repeat == "weekdays":
            return day.weekday() < 5
        if self.repeat == "weekly":
            return day.weekday() == self.weekday
        return True


def next_due(
    schedule: PromptSchedule, tz: ZoneInfo, after: datetime, fired: int
) -> datetime | None:
    """The first due time strictly after `after`, or None when the schedule is over (its
    count reached, its last day passed, or a one-off already fired or in the past)."""
    limit = 1 if schedule.repeat == "once" else schedule.max_count
    if limit is not None and fired >= limit:
        return None
    day = max(schedule.first_day, after.astimezone(tz).date())
    for offset in range(9):
        candidate = day + timedelta(days=offset)
        if schedule.until_date is not None and candidate > schedule.until_date:
            return None
        if schedule.repeat == "once" and candidate > schedule.first_day:
            return None
        if not schedule.occurs_on(candidate):
            continue
        instant = at_local(candidate, schedule.wall, tz)
        if instant > after:
            return instant
    raise AssertionError("a repeating schedule occurs within 8 days")
