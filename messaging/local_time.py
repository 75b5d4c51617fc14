"""Wall-clock time in a person's own time zone: next occurrences and quiet hours.

All arithmetic is done on aware datetimes through `zoneinfo`, so DST changes are handled
as PEP 495 defines: a local time inside the spring-forward gap is moved forward by the
gap (02:30 becomes 03:30); one that occurs twice (fall back) means its first occurrence.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from messaging.errors import InvalidInput

MINUTES_PER_DAY = 24 * 60


def zone(name: str) -> ZoneInfo:
    """The IANA time zone `name`, or InvalidInput."""
    if not name or name not in _zones():
        raise InvalidInput(f"time_zone: {name!r} is not a known time zone (e.g. Europe/Berlin).")
    try:
        return ZoneInfo(name)
    except ZoneInfoNotFoundError:
        raise InvalidInput(f"time_zone: {name!r} is not a known time zone.") from None


def is_known_zone(name: str) -> bool:
    return bool(name) and name in _zones()


_ZONES: set[str] = set()


def _zones() -> set[str]:
    if not _ZONES:
        _ZONES.update(available_timezones())
    return _ZONES


def at_local(day: date, wall: time, tz: ZoneInfo) -> datetime:
    """The UTC instant when the wall clock in `tz` shows `wall` on `day`."""
    return datetime.combine(day, wall).replace(tzinfo=tz, fold=0).astimezone(UTC)


def next_occurrence(
    after: datetime, tz: ZoneInfo, wall: time, weekday: int | None = None
) -> datetime:
    """The first instant strictly after `after` when `tz`'s wall clock shows `wall`
    (on `weekday`, Monday = 0, when given)."""
    local_day = after.astimezone(tz).date()
    for offset in range(0, 9):
        day = local_day + timedelta(days=offset)
        if weekday is not None and day.weekday() != weekday:
            continue
        instant = at_local(day, wall, tz)
        if instant > after:
            return instant
    raise AssertionError("an occurrence exists within 8 days")


def previous_occurrence(
    before: datetime, tz: ZoneInfo, wall: time, weekday: int | None = None
) -> datetime:
    """The last instant strictly before `before` when `tz`'s wall clock shows `wall`."""
    local_day = before.astimezone(tz).date()
    for offset in range(0, 9):
        day = local_day - timedelta(days=offset)
        if weekday is not None and day.weekday() != weekday:
            continue
        instant = at_local(day, wall, tz)
        if instant < before:
            return instant
    raise AssertionError("an occurrence exists within 8 days")


def minutes_to_time(minutes: int) -> time:
    return time(minutes // 60, minutes % 60)


def quiet_hours_end(moment: datetime, tz: ZoneInfo, start: int, end: int) -> datetime | None:
    """If `moment` falls in the daily quiet hours [start, end) (minutes after local midnight,
    possibly spanning midnight), the instant they end; otherwise None."""
    if start == end:
        return None
    local = moment.astimezone(tz)
    minute = local.hour * 60 + local.minute
    inside = start <= minute < end if start < end else minute >= start or minute < end
    if not inside:
        return None
    return next_occurrence(moment, tz, minutes_to_time(end))
