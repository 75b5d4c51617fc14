"""Working time: a therapist's weekly hours in their own zone, days off, and reply-by times.

A reply commitment is either N working hours (the instant N hours of working time have
passed after the message arrived) or N working days (the end of the working hours of the
Nth working day after the local day the message arrived). Clients see the result in their
own zone; the arithmetic happens in the therapist's zone, so DST and time-zone
differences come out right.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from messaging.errors import InvalidInput
from messaging.local_time import at_local, zone

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MAX_SEARCH_DAYS = 400
COMMITMENT_UNITS = ("hours", "days")


@dataclass(frozen=True, slots=True)
class Interval:
    """Working time on one local day: [start, end) in minutes after midnight."""

    start: int
    end: int


@dataclass(frozen=True, slots=True)
class WorkingHours:
    time_zone: str
    weekly: tuple[tuple[Interval, ...], ...]  # seven entries, Monday first
    days_off: frozenset[date] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        zone(self.time_zone)
        if len(self.weekly) != 7:
            raise InvalidInput("hours: give the intervals for all seven days.")
        for day in self.weekly:
            previous_end = -1
            for interval in sorted(day, key=lambda i: i.start):
                if not 0 <= interval.start < interval.end <= 24 * 60:
                    raise InvalidInput(
                        "hours: each interval must start before it ends, within a day."
                    )
                if interval.start < previous_end:
                    raise InvalidInput("hours: intervals on one day must not overlap.")
                previous_end = interval.end
        if not any(self.weekly):
            raise InvalidInput("hours: at least one working interval is needed.")

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    def works_on(self, day: date) -> bool:
        return day not in self.days_off and bool(self.weekly[day.weekday()])

    def windows(self, day: date) -> list[tuple[datetime, datetime]]:
        """The day's working intervals as UTC instants (empty on a day off)."""
        if day in self.days_off:
            return []
        tz = self.tz
        result = []
        for interval in sorted(self.weekly[day.weekday()], key=lambda i: i.start):
            start = at_local(day, _clock(interval.start), tz)
            end = (
                at_local(day + timedelta(days=1), time(0), tz)
                if interval.end == 24 * 60
                else at_local(day, _clock(interval.end), tz)
            )
            if end > start:
                result.append((start, end))
        return result

    def windows_from(self, moment: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Working intervals that end after `moment`, in order, clipped to start at it."""
        day = moment.astimezone(self.tz).date() - timedelta(days=1)
        for offset in range(MAX_SEARCH_DAYS):
            for start, end in self.windows(day + timedelta(days=offset)):
                if end > moment:
                    yield max(start, moment), end

    def is_working(self, moment: datetime) -> bool:
        day = moment.astimezone(self.tz).date()
        return any(
            start <= moment < end
            for offset in (-1, 0)
            for start, end in self.windows(day + timedelta(days=offset))
        )


def _clock(minutes: int) -> time:
    return time(minutes // 60, minutes % 60)


@dataclass(frozen=True, slots=True)
class Commitment:
    amount: int
    unit: str  # "hours" or "days"

    def __post_init__(self) -> None:
        if self.unit not in COMMITMENT_UNITS:
            raise InvalidInput("commitment: the unit is hours or days.")
        limit = 200 if self.unit == "hours" else 30
        if not 1 <= self.amount <= limit:
            raise InvalidInput(f"commitment: from 1 to {limit} working {self.unit}.")


def reply_due(arrived: datetime, hours: WorkingHours, commitment: Commitment) -> datetime:
    """When a reply is due for a message that arrived at `arrived` (UTC in, UTC out)."""
    arrived = arrived.astimezone(UTC)
    if commitment.unit == "hours":
        return add_working_time(arrived, timedelta(hours=commitment.amount), hours)
    return end_of_nth_working_day(arrived, commitment.amount, hours)


def add_working_time(start: datetime, amount: timedelta, hours: WorkingHours) -> datetime:
    """The instant at which `amount` of working time has passed since `start`."""
    remaining = amount
    for window_start, window_end in hours.windows_from(start):
        available = window_end - window_start
        if remaining <= available:
            return window_start + remaining
        remaining -= available
    raise InvalidInput("hours: no working time in the next year (all days off?).")


def end_of_nth_working_day(arrived: datetime, n: int, hours: WorkingHours) -> datetime:
    """The end of the last working interval of the nth working day after the local day
    of `arrived`."""
    day = arrived.astimezone(hours.tz).date()
    found = 0
    for offset in range(1, MAX_SEARCH_DAYS):
        candidate = day + timedelta(days=offset)
        windows = hours.windows(candidate)
        if windows:
            found += 1
            if found == n:
                return windows[-1][1]
    raise InvalidInput("hours: no working day in the next year (all days off?).")


def next_working_start(moment: datetime, hours: WorkingHours) -> datetime | None:
    """When working time next begins (now if working), for an away message's "back at"."""
    for start, _ in hours.windows_from(moment):
        return start
    return None


def parse_weekly(raw: dict[str, list[list[str]]]) -> tuple[tuple[Interval, ...], ...]:
    """{"mon": [["09:00", "17:00"]], ...} into intervals (missing days are free)."""
    unknown = set(raw) - set(WEEKDAYS)
    if unknown:
        raise InvalidInput(f"hours: unknown day {sorted(unknown)[0]!r} (use mon..sun).")
    if not all(isinstance(raw.get(day, []), list) for day in WEEKDAYS):
        raise InvalidInput("hours: each day is a list of intervals.")
    return tuple(tuple(_interval(pair) for pair in raw.get(day, [])) for day in WEEKDAYS)


def _interval(pair: object) -> Interval:
    if not (isinstance(pair, list) and len(pair) == 2 and all(isinstance(p, str) for p in pair)):
        raise InvalidInput('hours: each interval is ["HH:MM", "HH:MM"].')
    return Interval(_minutes(pair[0]), 24 * 60 if pair[1] == "24:00" else _minutes(pair[1]))


def _minutes(value: str) -> int:
    hours, _, minutes = value.partition(":")
    numeric = all(part.isascii() and part.isdigit() for part in (hours, minutes))
    if not (numeric and int(hours) < 24 and int(minutes) < 60):
        raise InvalidInput(f"hours: {value!r} is not a time like 09:30.")
    return int(hours) * 60 + int(minutes)


def format_weekly(weekly: tuple[tuple[Interval, ...], ...]) -> dict[str, list[list[str]]]:
    return {
        day: [[_text(i.start), _text(i.end)] for i in intervals]
        for day, intervals in zip(WEEKDAYS, weekly, strict=True)
        if intervals
    }


def _text(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


DEFAULT_HOURS = WorkingHours(
    "UTC", tuple((Interval(9 * 60, 17 * 60),) if d < 5 else () for d in range(7))
)
DEFAULT_COMMITMENT = Commitment(1, "days")
