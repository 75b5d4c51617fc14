"""When journaling prompts are due: named cases across DST, then properties over zones,
repeats, wall-clock times, end dates and counts."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from messaging.errors import InvalidInput
from messaging.prompt_schedule import PromptSchedule, next_due

ZONES = [
    "UTC",
    "America/New_York",
    "America/Los_Angeles",
    "Europe/Berlin",
    "Europe/London",
    "Australia/Lord_Howe",  # a 30-minute DST shift
    "Asia/Kolkata",
    "Pacific/Chatham",
    "America/Sao_Paulo",
]
NEW_YORK = ZoneInfo("America/New_York")


def dues(
    schedule: PromptSchedule, tz: ZoneInfo, start: datetime, limit: int = 60
) -> list[datetime]:
    """Every due time the way the worker walks them: each after the previous one."""
    found: list[datetime] = []
    after = start
    while len(found) < limit:
        due = next_due(schedule, tz, after, len(found))
        if due is None:
            break
        found.append(due)
        after = due
    return found


def test_a_daily_2000_prompt_stays_at_2000_in_new_york_across_the_fall_back() -> None:
    daily = PromptSchedule("daily", 20 * 60, date(2026, 10, 30))
    got = dues(daily, NEW_YORK, datetime(2026, 10, 30, 12, tzinfo=UTC), limit=5)
    assert [d.astimezone(NEW_YORK).strftime("%m-%d %H:%M") for d in got] == [
        "10-30 20:00",
        "10-31 20:00",
        "11-01 20:00",
        "11-02 20:00",
        "11-03 20:00",
    ]
    # The UTC instants move by an hour when the clocks go back on 1 November.
    assert [d.hour for d in got] == [0, 0, 1, 1, 1]


def test_a_prompt_inside_the_spring_forward_gap_moves_forward_by_the_gap() -> None:
    at_0230 = PromptSchedule("daily", 2 * 60 + 30, date(2026, 3, 7))
    got = dues(at_0230, NEW_YORK, datetime(2026, 3, 7, tzinfo=UTC), limit=3)
    assert [d.astimezone(NEW_YORK).strftime("%d %H:%M") for d in got] == [
        "07 02:30",
        "08 03:30",
        "09 02:30",
    ]


def test_weekdays_skip_the_weekend_and_weekly_keeps_its_day() -> None:
    monday = date(2026, 11, 2)
    start = datetime(2026, 11, 2, tzinfo=UTC)
    weekdays = dues(PromptSchedule("weekdays", 9 * 60, monday), ZoneInfo("UTC"), start, limit=6)
    assert [d.strftime("%a") for d in weekdays] == ["Mon", "Tue", "Wed", "Thu", "Fri", "Mon"]
    weekly = dues(PromptSchedule("weekly", 9 * 60, monday, weekday=3), ZoneInfo("UTC"), start, 3)
    assert [d.date().isoformat() for d in weekly] == ["2026-11-05", "2026-11-12", "2026-11-19"]


def test_once_fires_once_and_a_past_one_never() -> None:
    day = date(2026, 11, 2)
    utc = ZoneInfo("UTC")
    once = PromptSchedule("once", 18 * 60, day)
    assert dues(once, utc, datetime(2026, 11, 2, 9, tzinfo=UTC)) == [
        datetime(2026, 11, 2, 18, tzinfo=UTC)
    ]
    assert dues(once, utc, datetime(2026, 11, 2, 19, tzinfo=UTC)) == []


def test_until_and_count_end_a_schedule() -> None:
    utc = ZoneInfo("UTC")
    start = datetime(2026, 11, 2, tzinfo=UTC)
    until = PromptSchedule("daily", 8 * 60, date(2026, 11, 2), until_date=date(2026, 11, 4))
    assert len(dues(until, utc, start)) == 3
    counted = PromptSchedule("daily", 8 * 60, date(2026, 11, 2), max_count=4)
    assert len(dues(counted, utc, start)) == 4


@pytest.mark.parametrize(
    "schedule",
    [
        PromptSchedule("hourly", 60, date(2026, 1, 1)),
        PromptSchedule("daily", 24 * 60, date(2026, 1, 1)),
        PromptSchedule("weekly", 60, date(2026, 1, 1)),
        PromptSchedule("daily", 60, date(2026, 1, 1), weekday=2),
        PromptSchedule("daily", 60, date(2026, 1, 2), until_date=date(2026, 1, 1)),
        PromptSchedule("daily", 60, date(2026, 1, 1), max_count=0),
    ],
)
def test_impossible_schedules_are_refused(schedule: PromptSchedule) -> None:
    with pytest.raises(InvalidInput):
        schedule.validated()


schedules = st.builds(
    lambda repeat, minute, weekday, offset, until, count: PromptSchedule(
        repeat,
        minute,
        date(2026, 1, 1) + timedelta(days=offset),
        weekday=weekday if repeat == "weekly" else None,
        until_date=None if until is None else date(2026, 1, 1) + timedelta(days=offset + until),
        max_count=count,
    ),
    st.sampled_from(["once", "daily", "weekdays", "weekly"]),
    st.integers(0, 24 * 60 - 1),
    st.integers(0, 6),
    st.integers(0, 360),
    st.none() | st.integers(0, 60),
    st.none() | st.integers(1, 40),
)


@settings(max_examples=300, deadline=None)
@given(schedules, st.sampled_from(ZONES), st.integers(0, 400 * 24))
def test_each_due_time_is_the_local_time_on_an_allowed_day_once_and_in_order(
    schedule: PromptSchedule, zone_name: str, start_hours: int
) -> None:
    tz = ZoneInfo(zone_name)
    start = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(hours=start_hours)
    got = dues(schedule.validated(), tz, start)
    assert got == sorted(set(got)), "strictly increasing, never the same instant twice"
    days = [d.astimezone(tz).date() for d in got]
    assert len(days) == len(set(days)), "at most once per local day"
    for due in got:
        local = due.astimezone(tz)
        assert due > start
        assert schedule.occurs_on(local.date())
        wall = schedule.wall
        # On the wall clock it is the chosen time, unless that time did not exist that day
        # (a spring-forward gap), when it is the first instant after the gap.
        if (local.hour, local.minute) != (wall.hour, wall.minute):
            naive = datetime.combine(local.date(), wall)
            assert (
                naive.replace(tzinfo=tz).astimezone(UTC).astimezone(tz).replace(tzinfo=None)
                != naive
            ), "only a time inside a gap may move"
    limit = 1 if schedule.repeat == "once" else schedule.max_count
    if limit is not None:
        assert len(got) <= limit
    # Nothing allowed was skipped between two consecutive due times.
    for earlier, later in itertools.pairwise(got):
        day = earlier.astimezone(tz).date() + timedelta(days=1)
        while day < later.astimezone(tz).date():
            assert not schedule.occurs_on(day)
            day += timedelta(days=1)
