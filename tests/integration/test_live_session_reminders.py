"""A live-session reminder comes before the session or not at all: never once it started."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from messaging.live_sessions import REMINDER_LEAD
from tests.support.clock import FrozenClock
from tests.support.conversations import CareTeam, care_team
from tests.support.notifier import deliver
from tests.support.smtp import SmtpSink
from tests.support.world import Api

NOW = datetime(2026, 11, 2, 15, 0, tzinfo=UTC)


async def schedule(team: CareTeam, starts: datetime) -> None:
    await team.therapist.client.request(
        "POST",
        f"/api/threads/{team.thread_id}/live-sessions",
        {"starts_at": starts.isoformat(), "ends_at": (starts + timedelta(minutes=50)).isoformat()},
    )


async def test_a_session_starting_sooner_than_the_lead_time_gets_no_late_reminder(
    api: Api, smtp: SmtpSink, clock: FrozenClock
) -> None:
    clock.set(NOW)
    team = await care_team(api)
    await deliver(api, smtp, clock)
    before = len(smtp.messages)
    await schedule(team, NOW + REMINDER_LEAD / 3)
    for minutes in (0, 5, 10, 30):
        clock.set(NOW + timedelta(minutes=minutes))
        await deliver(api, smtp, clock)
    assert smtp.messages[before:] == []


async def test_a_reminder_the_worker_reaches_only_after_the_start_is_not_sent(
    api: Api, smtp: SmtpSink, clock: FrozenClock
) -> None:
    clock.set(NOW)
    team = await care_team(api)
    await deliver(api, smtp, clock)
    before = len(smtp.messages)
    starts = NOW + timedelta(hours=1)
    await schedule(team, starts)
    clock.set(starts + timedelta(minutes=1))  # the worker was down until after the start
    await deliver(api, smtp, clock)
    assert smtp.messages[before:] == []


async def test_a_reminder_arrives_before_the_session(
    api: Api, smtp: SmtpSink, clock: FrozenClock
) -> None:
    clock.set(NOW)
    team = await care_team(api)
    await deliver(api, smtp, clock)
    before = len(smtp.messages)
    starts = NOW + timedelta(hours=1)
    await schedule(team, starts)
    clock.set(starts - REMINDER_LEAD - timedelta(seconds=1))
    await deliver(api, smtp, clock)
    assert smtp.messages[before:] == []
    clock.set(starts - REMINDER_LEAD)
    await deliver(api, smtp, clock)
    assert len(smtp.messages[before:]) == 2, "client and therapist, before it starts"
