"""Reply-by arithmetic in working time: tricky cases by name, then properties over time
zones, DST transitions, days off and commitments."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from messaging.errors import InvalidInput
from messaging.working_time import (
    Commitment,
    Interval,
    WorkingHours,
    add_working_time,
    parse_weekly,
    reply_due,
)

NINE_TO_FIVE = parse_weekly({d: [["09:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")})
ZONES = [
    "UTC",
    "America/New_York",
    "Europe/Berlin",
    "Europe/London",
    "Australia/Lord_Howe",  # a 30-minute DST shift
    "Asia/Kolkata",
    "Pacific/Chatham",
    "America/St_Johns",
]


def local(zone: str, *parts: int) -> datetime:
    return datetime(*parts, tzinfo=ZoneInfo(zone)).astimezone(UTC)  # type: ignore[misc]


def test_a_message_at_2359_on_friday_is_due_monday() -> None:
    hours = WorkingHours("America/New_York", NINE_TO_FIVE)
    friday_late = local("America/New_York", 2026, 11, 6, 23, 59)
    assert reply_due(friday_late, hours, Commitment(4, "hours")) == local(
        "America/New_York", 2026, 11, 9, 13, 0
    )
    assert reply_due(friday_late, hours, Commitment(1, "days")) == local(
        "America/New_York", 2026, 11, 9, 17, 0
    )


def test_a_message_from_another_zone_is_measured_in_the_therapists_zone() -> None:
    hours = WorkingHours("America/New_York", NINE_TO_FIVE)
    # Friday 23:59 in Tokyo is Friday 09:59 in New York: working time has begun.
    tokyo_friday_late = local("Asia/Tokyo", 2026, 11, 6, 23, 59)
    assert reply_due(tokyo_friday_late, hours, Commitment(4, "hours")) == local(
        "America/New_York", 2026, 11, 6, 13, 59
    )
    assert reply_due(tokyo_friday_late, hours, Commitment(1, "days")) == local(
        "America/New_York", 2026, 11, 9, 17, 0
    )


def test_a_day_off_is_skipped() -> None:
    hours = WorkingHours(
        "Europe/Berlin", NINE_TO_FIVE, frozenset({date(2026, 12, 24), date(2026, 12, 25)})
    )
    wednesday = local("Europe/Berlin", 2026, 12, 23, 16, 0)
    assert reply_due(wednesday, hours, Commitment(2, "hours")) == local(
        "Europe/Berlin", 2026, 12, 28, 10, 0
    )
    assert reply_due(wednesday, hours, Commitment(1, "days")) == local(
        "Europe/Berlin", 2026, 12, 28, 17, 0
    )


def test_working_time_across_the_spring_forward_gap_counts_real_hours() -> None:
    # Berlin skips 02:00-03:00 on 29 March 2026: a 01:00-05:00 shift is three real hours.
    sunday_night = parse_weekly({"sun": [["01:00", "05:00"]], "mon": [["09:00", "17:00"]]})
    hours = WorkingHours("Europe/Berlin", sunday_night)
    start = local("Europe/Berlin", 2026, 3, 29, 1, 0)
    assert add_working_time(start, timedelta(hours=3), hours) == local(
        "Europe/Berlin", 2026, 3, 29, 5, 0
    )
    assert add_working_time(start, timedelta(hours=3, minutes=30), hours) == local(
        "Europe/Berlin", 2026, 3, 30, 9, 30
    )


def test_working_time_across_the_fall_back_hour_counts_real_hours() -> None:
    # 25 October 2026 in Berlin repeats 02:00-03:00: a 01:00-05:00 shift is five hours.
    hours = WorkingHours("Europe/Berlin", parse_weekly({"sun": [["01:00", "05:00"]]}))
    start = local("Europe/Berlin", 2026, 10, 25, 1, 0)
    assert add_working_time(start, timedelta(hours=5), hours) == local(
        "Europe/Berlin", 2026, 10, 25, 5, 0
    )


@pytest.mark.parametrize(
    ("weekly", "problem"),
    [
        ({"mon": [["17:00", "09:00"]]}, "must start before it ends"),
        ({"mon": [["09:00", "12:00"], ["11:00", "13:00"]]}, "must not overlap"),
        ({"someday": [["09:00", "12:00"]]}, "unknown day"),
        ({}, "at least one working interval"),
        ({"mon": [["9am", "5pm"]]}, "not a time like"),
    ],
)
def test_impossible_hours_are_refused_clearly(weekly: dict, problem: str) -> None:
    with pytest.raises(InvalidInput, match=problem):
        WorkingHours("UTC", parse_weekly(weekly))


def test_an_unknown_time_zone_is_refused() -> None:
    with pytest.raises(InvalidInput, match="time_zone"):
        WorkingHours("Moon/Tranquility", NINE_TO_FIVE)


@st.composite
def schedules(draw: st.DrawFn) -> WorkingHours:
    weekly = []
    for _ in range(7):
        cuts = sorted(draw(st.sets(st.integers(0, 96), max_size=4)))
        intervals = [
            Interval(a * 15, b * 15) for a, b in zip(cuts[::2], cuts[1::2], strict=False) if b > a
        ]
        weekly.append(tuple(intervals))
    if not any(weekly):
        weekly[0] = (Interval(9 * 60, 17 * 60),)
    days_off = draw(st.frozensets(st.dates(date(2026, 1, 1), date(2027, 3, 1)), max_size=30))
    return WorkingHours(draw(st.sampled_from(ZONES)), tuple(weekly), days_off)


arrivals = st.datetimes(datetime(2026, 1, 1), datetime(2027, 1, 1), timezones=st.just(UTC))
commitments = st.one_of(
    st.builds(Commitment, st.integers(1, 40), st.just("hours")),
    st.builds(Commitment, st.integers(1, 5), st.just("days")),
)


def working_time_between(hours: WorkingHours, start: datetime, end: datetime) -> timedelta:
    total = timedelta()
    for window_start, window_end in hours.windows_from(start):
        if window_start >= end:
            break
        total += min(window_end, end) - window_start
    return total


@settings(max_examples=150, deadline=None)
@given(hours=schedules(), arrived=arrivals, commitment=commitments)
def test_a_reply_is_due_after_arrival_at_a_working_moment_never_on_a_day_off(
    hours: WorkingHours, arrived: datetime, commitment: Commitment
) -> None:
    due = reply_due(arrived, hours, commitment)
    assert due > arrived
    assert due.tzinfo is not None
    just_before = due - timedelta(microseconds=1)
    assert hours.is_working(just_before), "the due moment ends a stretch of working time"
    assert just_before.astimezone(hours.tz).date() not in hours.days_off


@settings(max_examples=150, deadline=None)
@given(hours=schedules(), arrived=arrivals, amount=st.integers(1, 40))
def test_exactly_the_committed_working_hours_pass_before_the_due_time(
    hours: WorkingHours, arrived: datetime, amount: int
) -> None:
    due = reply_due(arrived, hours, Commitment(amount, "hours"))
    assert working_time_between(hours, arrived, due) == timedelta(hours=amount)


@settings(max_examples=100, deadline=None)
@given(
    hours=schedules(),
    first=arrivals,
    gap=st.timedeltas(timedelta(0), timedelta(days=3)),
    commitment=commitments,
)
def test_a_later_message_is_never_due_earlier(
    hours: WorkingHours, first: datetime, gap: timedelta, commitment: Commitment
) -> None:
    assert reply_due(first, hours, commitment) <= reply_due(first + gap, hours, commitment)


@settings(max_examples=100, deadline=None)
@given(hours=schedules(), arrived=arrivals, commitment=commitments, zone=st.sampled_from(ZONES))
def test_the_arrivals_time_zone_does_not_change_the_answer(
    hours: WorkingHours, arrived: datetime, commitment: Commitment, zone: str
) -> None:
    assert reply_due(arrived.astimezone(ZoneInfo(zone)), hours, commitment) == reply_due(
        arrived, hours, commitment
    )


@settings(max_examples=100, deadline=None)
@given(hours=schedules(), arrived=arrivals, days=st.integers(1, 5))
def test_n_working_days_end_on_the_nth_working_day_after_the_arrival_day(
    hours: WorkingHours, arrived: datetime, days: int
) -> None:
    due = reply_due(arrived, hours, Commitment(days, "days"))
    arrival_day = arrived.astimezone(hours.tz).date()
    due_day = (due - timedelta(microseconds=1)).astimezone(hours.tz).date()
    working_days = [
        arrival_day + timedelta(days=n)
        for n in range(1, (due_day - arrival_day).days + 1)
        if hours.windows(arrival_day + timedelta(days=n))
    ]
    assert len(working_days) == days
    assert working_days[-1] == due_day
