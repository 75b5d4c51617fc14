"""Delayed-reply mode: reply-by times, the therapist's inbox, overdue reminders, live
sessions and what they change. Times move on a frozen clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.support.clock import FrozenClock
from tests.support.conversations import CareTeam, care_team
from tests.support.notifier import deliver
from tests.support.smtp import SmtpSink
from tests.support.world import Api
from web.client import ApiError

# Monday 2 November 2026, 10:00 in New York (15:00 UTC).
MONDAY_MORNING_NY = datetime(2026, 11, 2, 15, 0, tzinfo=UTC)
WEEKDAYS_9_TO_5 = {day: [["09:00", "17:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}


async def set_hours(
    team: CareTeam, *, amount: int = 4, unit: str = "hours", away: str = "Back soon."
) -> dict:
    body = {
        "time_zone": "America/New_York",
        "hours": WEEKDAYS_9_TO_5,
        "days_off": ["2026-11-26"],
        "away_message": away,
        "commitment": {"amount": amount, "unit": unit},
    }
    result: dict = await team.therapist.client.request("PUT", "/api/me/schedule", body)
    return result


async def expectations(team: CareTeam) -> dict:
    result: dict = await team.client.client.request(
        "GET", f"/api/threads/{team.thread_id}/expectations"
    )
    return result


async def test_a_clients_message_gets_a_reply_by_time_and_the_therapists_reply_clears_it(
    api: Api, clock: FrozenClock
) -> None:
    clock.set(MONDAY_MORNING_NY)
    team = await care_team(api)
    await set_hours(team, amount=4, unit="hours")
    await team.client.client.threads.send(team.thread_id, "Can we talk about Friday?")

    found = await expectations(team)
    assert found["reply_due_at"] == "2026-11-02T19:00:00Z"  # 14:00 in New York
    assert found["therapists_working"] is True
    assert found["away_message"] is None

    await team.client.client.threads.send(team.thread_id, "Also, one more thing")
    assert (await expectations(team))["reply_due_at"] == "2026-11-02T19:00:00Z", (
        "the first wait counts"
    )
    await team.therapist.client.threads.send(team.thread_id, "Of course.")
    assert (await expectations(team))["reply_due_at"] is None


async def test_outside_working_hours_the_client_sees_the_away_message_and_when_they_are_back(
    api: Api, clock: FrozenClock
) -> None:
    clock.set(datetime(2026, 11, 7, 4, 59, tzinfo=UTC))  # Friday 23:59 in New York
    team = await care_team(api)
    await set_hours(team, amount=1, unit="days", away="I reply on weekdays.")
    await team.client.client.threads.send(team.thread_id, "Rough night.")
    found = await expectations(team)
    assert found["therapists_working"] is False
    assert found["away_message"] == "I reply on weekdays."
    assert found["back_at"] == "2026-11-09T14:00:00Z"  # Monday 09:00 in New York
    assert found["reply_due_at"] == "2026-11-09T22:00:00Z"  # Monday 17:00 in New York


async def test_the_inbox_orders_waiting_threads_by_due_time_and_flags_overdue_ones(
    api: Api, clock: FrozenClock
) -> None:
    clock.set(MONDAY_MORNING_NY)
    first = await care_team(api)
    await set_hours(first, amount=2, unit="hours")
    second_client = await api.invite_and_register(first.admin, "client", "Robin")
    await first.admin.client.assign(first.therapist.user_id, second_client.user_id)
    second_thread = await second_client.client.threads.open_direct(second_client.user_id)
    await first.therapist.client.threads.load(second_thread)

    await second_client.client.threads.send(second_thread, "first in")
    clock.advance(timedelta(minutes=30))
    await first.client.client.threads.send(first.thread_id, "second in")
    inbox = (await first.therapist.client.request("GET", "/api/inbox"))["threads"]
    assert [t["id"] for t in inbox] == [second_thread, first.thread_id]
    assert [t["overdue"] for t in inbox] == [False, False]

    clock.advance(timedelta(hours=2))
    inbox = (await first.therapist.client.request("GET", "/api/inbox"))["threads"]
    assert [t["overdue"] for t in inbox] == [True, True]
    counts = (await first.admin.client.request("GET", "/api/clinic/overdue"))["therapists"]
    assert counts == [
        {"therapist_id": first.therapist.user_id, "display_name": "Dr. Rivera", "overdue": 2}
    ]
    with pytest.raises(ApiError) as client_denied:
        await first.client.client.request("GET", "/api/inbox")
    assert client_denied.value.status == 403


async def test_an_overdue_reminder_is_sent_once_per_overdue_period(
    api: Api, smtp: SmtpSink, clock: FrozenClock
) -> None:
    clock.set(MONDAY_MORNING_NY)
    team = await care_team(api)
    await set_hours(team, amount=1, unit="hours")
    await team.client.client.threads.send(team.thread_id, "hello?")
    await team.therapist.client.request(
        "PUT",
        "/api/me/notifications",
        {
            **await team.therapist.client.request("GET", "/api/me/notifications"),
            "message_mode": "off",
        },
    )

    def reminders() -> list:
        return [m for m in smtp.messages if m["To"] == team.therapist.email]

    clock.advance(timedelta(minutes=59))
    await deliver(api, smtp, clock)
    assert reminders() == []
    clock.advance(timedelta(minutes=1))
    await deliver(api, smtp, clock)
    clock.advance(timedelta(hours=3))
    await deliver(api, smtp, clock)
    assert len(reminders()) == 1
    assert "List-Unsubscribe" in reminders()[0]

    await team.therapist.client.threads.send(team.thread_id, "sorry, here now")
    await team.client.client.threads.send(team.thread_id, "thanks, another question")
    clock.advance(timedelta(hours=2))
    await deliver(api, smtp, clock)
    assert len(reminders()) == 2, "a new wait is a new overdue period"


async def test_a_live_session_is_seen_by_both_reminded_once_and_moving_it_moves_the_reminder(
    api: Api, smtp: SmtpSink, clock: FrozenClock
) -> None:
    clock.set(MONDAY_MORNING_NY)
    team = await care_team(api)
    preferences = await team.client.client.request("GET", "/api/me/notifications")
    await team.client.client.request(
        "PUT", "/api/me/notifications", {**preferences, "time_zone": "America/New_York"}
    )
    starts = MONDAY_MORNING_NY + timedelta(hours=2)
    session = await team.therapist.client.request(
        "POST",
        f"/api/threads/{team.thread_id}/live-sessions",
        {"starts_at": starts.isoformat(), "ends_at": (starts + timedelta(minutes=50)).isoformat()},
    )
    seen = (
        await team.client.client.request("GET", f"/api/threads/{team.thread_id}/live-sessions")
    )["live_sessions"]
    assert [s["id"] for s in seen] == [session["id"]]
    with pytest.raises(ApiError) as client_cannot:
        await team.client.client.request(
            "POST",
            f"/api/threads/{team.thread_id}/live-sessions",
            {"starts_at": starts.isoformat(), "ends_at": (starts + timedelta(hours=1)).isoformat()},
        )
    assert client_cannot.value.status == 403

    moved_start = starts + timedelta(hours=1)
    await team.therapist.client.request(
        "PUT",
        f"/api/live-sessions/{session['id']}",
        {
            "starts_at": moved_start.isoformat(),
            "ends_at": (moved_start + timedelta(minutes=50)).isoformat(),
        },
    )
    await deliver(api, smtp, clock)
    moved_notices = [
        m
        for m in smtp.messages
        if "moved" in m["Subject"].lower() or "changed" in m["Subject"].lower()
    ]
    assert len(moved_notices) == 2, "both parties are told"

    clock.set(starts - timedelta(minutes=15))
    await deliver(api, smtp, clock)
    soon = [m for m in smtp.messages if m not in moved_notices]
    assert soon == [], "the reminder for the old time is not sent"
    clock.set(moved_start - timedelta(minutes=15))
    await deliver(api, smtp, clock)
    clock.advance(timedelta(minutes=10))
    await deliver(api, smtp, clock)
    soon = [m for m in smtp.messages if m not in moved_notices]
    assert sorted(m["To"] for m in soon) == sorted([team.client.email, team.therapist.email])
    client_reminder = next(m for m in soon if m["To"] == team.client.email)
    assert "13:00 (America/New_York)" in client_reminder.get_body(("plain",)).get_content()  # type: ignore[union-attr]


async def test_cancelling_a_live_session_tells_both_and_sends_no_reminder(
    api: Api, smtp: SmtpSink, clock: FrozenClock
) -> None:
    clock.set(MONDAY_MORNING_NY)
    team = await care_team(api)
    starts = MONDAY_MORNING_NY + timedelta(hours=2)
    session = await team.therapist.client.request(
        "POST",
        f"/api/threads/{team.thread_id}/live-sessions",
        {"starts_at": starts.isoformat(), "ends_at": (starts + timedelta(minutes=50)).isoformat()},
    )
    await team.therapist.client.request("DELETE", f"/api/live-sessions/{session['id']}")
    clock.set(starts)
    await deliver(api, smtp, clock)
    assert len(smtp.messages) == 2
    assert all("cancel" in m.get_body(("plain",)).get_content().lower() for m in smtp.messages)  # type: ignore[union-attr]
    assert (
        await team.client.client.request("GET", f"/api/threads/{team.thread_id}/live-sessions")
    )["live_sessions"] == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"hours": {"mon": [["17:00", "09:00"]]}}, "hours"),
        ({"time_zone": "Nowhere/Special"}, "time_zone"),
        ({"commitment": {"amount": 0, "unit": "hours"}}, "commitment"),
        ({"commitment": {"amount": 2, "unit": "weeks"}}, "commitment"),
        ({"days_off": ["next tuesday"]}, "days_off"),
    ],
)
async def test_bad_working_hours_are_refused_naming_the_field(
    api: Api, body: dict, field: str
) -> None:
    team = await care_team(api, open_thread=False)
    good = {
        "time_zone": "Europe/Berlin",
        "hours": WEEKDAYS_9_TO_5,
        "days_off": [],
        "away_message": "",
        "commitment": {"amount": 1, "unit": "days"},
    }
    with pytest.raises(ApiError) as refused:
        await team.therapist.client.request("PUT", "/api/me/schedule", {**good, **body})
    assert refused.value.status == 422
    assert refused.value.message.startswith(field)
    assert (await team.therapist.client.request("GET", "/api/me/schedule"))["time_zone"] == "UTC"
