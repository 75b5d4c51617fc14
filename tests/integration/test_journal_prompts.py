"""Therapists' journaling prompts through the real worker handlers, a real SMTP server and
a frozen clock: wall-clock time in the client's zone across DST, once per due time even
with two workers, held through quiet hours, a neutral email, pause/edit/stop, answers."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from zoneinfo import ZoneInfo

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from messaging import prompt_delivery
from messaging.jobs import JobRunner
from messaging.local_time import quiet_hours_end
from messaging.prompt_schedule import PromptSchedule, next_due
from messaging.settings import load_settings
from messaging.storage.database import Database
from messaging.storage.tables import jobs as job_table
from messaging.storage.tables import journal_prompt_deliveries
from tests.support.clock import FrozenClock
from tests.support.conversations import CareTeam, care_team
from tests.support.notifier import deliver
from tests.support.smtp import SmtpSink
from tests.support.world import Api, Person
from web.client import ApiError
from worker.handlers import build_registry
from worker.mail import OutboxMailer

NEW_YORK = ZoneInfo("America/New_York")
PROMPT = "CANARY-prompt-3e1f: what helped you today?"


async def set_preferences(person: Person, **changes: object) -> None:
    current = await person.client.request("GET", "/api/me/notifications")
    await person.client.request("PUT", "/api/me/notifications", {**current, **changes})


async def deliveries(api: Api) -> list[datetime]:
    async with api.database.unit_of_work() as uow:
        rows = await uow.session.execute(
            select(journal_prompt_deliveries.c.due_at).order_by(journal_prompt_deliveries.c.due_at)
        )
        return [row[0] for row in rows]


def emails_to(smtp: SmtpSink, person: Person) -> list[EmailMessage]:
    return [m for m in smtp.messages if m["To"] == person.email]


async def run_hour_by_hour(api: Api, smtp: SmtpSink, clock: FrozenClock, hours: int) -> None:
    for _ in range(hours):
        clock.advance(timedelta(hours=1))
        await deliver(api, smtp, clock)


async def in_zone(api: Api, clock: FrozenClock, zone: str, start: datetime) -> CareTeam:
    clock.set(start)
    team = await care_team(api)
    await set_preferences(team.client, time_zone=zone)
    return team


async def new_yorker(api: Api, clock: FrozenClock) -> CareTeam:
    return await in_zone(api, clock, "America/New_York", datetime(2026, 10, 30, 12, tzinfo=UTC))


@pytest.mark.parametrize(
    ("zone", "start"),
    [
        ("America/New_York", datetime(2026, 10, 30, 12, tzinfo=UTC)),  # falls back 1 Nov
        ("Europe/Berlin", datetime(2026, 3, 27, 12, tzinfo=UTC)),  # springs forward 29 Mar
        ("Australia/Lord_Howe", datetime(2026, 4, 2, 0, tzinfo=UTC)),  # half an hour, 5 Apr
    ],
)
async def test_a_daily_2000_prompt_fires_at_2000_local_every_day_across_dst_once_each(
    api: Api, smtp: SmtpSink, clock: FrozenClock, zone: str, start: datetime
) -> None:
    team = await in_zone(api, clock, zone, start)
    await team.therapist.client.journal.create_prompt(
        team.client.user_id, PROMPT, {"repeat": "daily", "time": "20:00"}
    )
    await run_hour_by_hour(api, smtp, clock, 24 * 5)
    fired = await deliveries(api)
    local = [d.astimezone(ZoneInfo(zone)) for d in fired]
    assert [t.strftime("%H:%M") for t in local] == ["20:00"] * 5
    days = [t.date() for t in local]
    assert days == [days[0] + timedelta(days=n) for n in range(5)], "every day, once"
    offsets = {t.utcoffset() for t in local}
    assert len(offsets) == 2, "the run crossed the zone's DST change"
    arrived = await team.client.client.journal.prompts()
    assert [p.text for p in arrived] == [PROMPT] * 5
    emails = emails_to(smtp, team.client)
    assert len(emails) == 5
    assert all(PROMPT not in m.as_string() for m in emails)


async def test_a_prompt_ends_when_its_therapist_leaves_the_care_team(
    api: Api, smtp: SmtpSink, clock: FrozenClock
) -> None:
    team = await care_team(api)
    await team.therapist.client.journal.create_prompt(
        team.client.user_id, PROMPT, {"repeat": "daily", "time": "12:00"}
    )
    await team.admin.client.unassign(team.therapist.user_id, team.client.user_id)
    await run_hour_by_hour(api, smtp, clock, 48)
    assert await deliveries(api) == []
    assert await team.client.client.journal.prompts() == []


async def test_the_email_is_neutral_with_one_click_unsubscribe(
    api: Api, smtp: SmtpSink, clock: FrozenClock
) -> None:
    team = await care_team(api)
    due = clock.now() + timedelta(hours=2)
    await team.therapist.client.journal.create_prompt(
        team.client.user_id, PROMPT, {"repeat": "once", "time": due.strftime("%H:%M")}
    )
    await run_hour_by_hour(api, smtp, clock, 3)
    [email] = emails_to(smtp, team.client)
    text = email.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "You have a journaling prompt from your care team" in text
    assert "CANARY" not in email.as_string()
    assert "Dr. Rivera" not in email.as_string()
    assert email["List-Unsubscribe"].startswith(f"<{api.context.public_url}/api/unsubscribe/")
    assert email["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


async def test_reminders_off_means_the_prompt_arrives_in_the_app_without_email(
    api: Api, smtp: SmtpSink, clock: FrozenClock
) -> None:
    team = await care_team(api)
    await set_preferences(team.client, reminders=False)
    due = clock.now() + timedelta(hours=1)
    await team.therapist.client.journal.create_prompt(
        team.client.user_id, PROMPT, {"repeat": "once", "time": due.strftime("%H:%M")}
    )
    await run_hour_by_hour(api, smtp, clock, 2)
    assert [p.text for p in await team.client.client.journal.prompts()] == [PROMPT]
    assert emails_to(smtp, team.client) == []


async def test_a_prompt_is_held_through_the_clients_quiet_hours(
    api: Api, smtp: SmtpSink, clock: FrozenClock
) -> None:
    team = await new_yorker(api, clock)
    await set_preferences(team.client, quiet_hours={"start": "19:30", "end": "21:15"})
    await team.therapist.client.journal.create_prompt(
        team.client.user_id, PROMPT, {"repeat": "daily", "time": "20:00", "count": 2}
    )
    await run_hour_by_hour(api, smtp, clock, 24 * 3)
    async with api.database.unit_of_work() as uow:
        rows = (
            await uow.session.execute(
                select(journal_prompt_deliveries.c.due_at, journal_prompt_deliveries.c.delivered_at)
            )
        ).all()
    assert len(rows) == 2
    for due_at, delivered_at in rows:
        assert due_at.astimezone(NEW_YORK).strftime("%H:%M") == "20:00"
        local = delivered_at.astimezone(NEW_YORK)
        assert (local.hour, local.minute) >= (21, 15), "not during quiet hours"
    for email in emails_to(smtp, team.client):
        assert email["Date"] is not None
    assert len(emails_to(smtp, team.client)) == 2


async def test_two_workers_fire_each_due_time_exactly_once(
    api: Api, clock: FrozenClock, database_url: str, tmp_path: object
) -> None:
    team = await care_team(api)
    for n in range(6):
        await team.therapist.client.journal.create_prompt(
            team.client.user_id, f"{PROMPT} {n}", {"repeat": "daily", "time": "12:00"}
        )
    settings = load_settings(
        {"INTERLUDE_DATA_DIR": str(tmp_path), "INTERLUDE_SECRET_KEY": "k" * 40}
    )
    databases = [Database.from_url(database_url) for _ in range(2)]
    try:
        runners = [
            JobRunner(db, build_registry(settings, db, clock, OutboxMailer(tmp_path)), clock)  # type: ignore[arg-type]
            for db in databases
        ]

        async def drain(runner: JobRunner) -> None:
            while await runner.run_due():
                await asyncio.sleep(0)

        for _ in range(3):
            clock.advance(timedelta(days=1))
            await asyncio.gather(*(drain(r) for r in runners))
    finally:
        for db in databases:
            await db.dispose()
    fired = await deliveries(api)
    assert len(fired) == 6 * 3
    assert len(await team.client.client.journal.prompts(limit=100)) == 18


async def test_the_same_due_time_fired_twice_at_once_is_delivered_once(
    api: Api, clock: FrozenClock, database_url: str
) -> None:
    """Even if two workers held the same job (a lease lost mid-run), one delivery."""
    team = await care_team(api)
    prompt = await team.therapist.client.journal.create_prompt(
        team.client.user_id, PROMPT, {"repeat": "daily", "time": "12:00"}
    )
    due = datetime.fromisoformat(prompt["next_due_at"])
    clock.set(due)
    databases = [Database.from_url(database_url) for _ in range(2)]

    async def fire(database: Database) -> bool:
        async with database.unit_of_work() as uow:
            try:
                return (
                    await prompt_delivery.fire(uow, api.context, uuid.UUID(prompt["id"]), due)
                    is not None
                )
            except IntegrityError:
                return False

    try:
        outcomes = await asyncio.gather(*(fire(db) for db in databases))
    finally:
        for db in databases:
            await db.dispose()
    assert sorted(outcomes) == [False, True]
    assert await deliveries(api) == [due]


async def test_pause_resume_edit_and_stop_change_what_fires(
    api: Api, smtp: SmtpSink, clock: FrozenClock
) -> None:
    team = await care_team(api)  # clock: Monday 2026-11-02 09:00 UTC, client in UTC
    journal = team.therapist.client.journal
    prompt = await journal.create_prompt(
        team.client.user_id, PROMPT, {"repeat": "daily", "time": "10:00"}
    )
    await journal.set_prompt_state(prompt["id"], "paused")
    await run_hour_by_hour(api, smtp, clock, 2)
    assert await deliveries(api) == []
    resumed = await journal.set_prompt_state(prompt["id"], "active")
    assert resumed["next_due_at"] == "2026-11-03T10:00:00Z"
    edited = await journal.edit_prompt(
        team.client.user_id,
        prompt["id"],
        text="A gentler question",
        schedule={"repeat": "daily", "time": "18:00"},
    )
    assert edited["next_due_at"] == "2026-11-02T18:00:00Z"
    await run_hour_by_hour(api, smtp, clock, 24)
    fired = await deliveries(api)
    assert [d.strftime("%d %H:%M") for d in fired] == ["02 18:00"], "not at the old 10:00"
    assert [p.text for p in await team.client.client.journal.prompts()] == ["A gentler question"]
    await journal.set_prompt_state(prompt["id"], "stopped")
    await run_hour_by_hour(api, smtp, clock, 48)
    assert len(await deliveries(api)) == 1
    with pytest.raises(ApiError) as ended:
        await journal.set_prompt_state(prompt["id"], "active")
    assert ended.value.status == 409


async def test_a_prompt_arrives_live_and_the_therapist_sees_it_answered_and_shared(
    api: Api, smtp: SmtpSink, clock: FrozenClock
) -> None:
    team = await care_team(api)
    due = clock.now() + timedelta(hours=1)
    prompt = await team.therapist.client.journal.create_prompt(
        team.client.user_id, PROMPT, {"repeat": "daily", "time": due.strftime("%H:%M")}
    )
    live = team.client.client.realtime()
    await live.connect()
    try:
        await run_hour_by_hour(api, smtp, clock, 1)
        _, event = await live.next("journal_prompt")
    finally:
        await live.disconnect()
    assert event["prompt_id"] == prompt["id"]
    journal = team.client.client.journal
    [arrived] = await journal.prompts()
    entry, shared = await journal.answer_prompt(arrived.id, {"body": "A walk helped."}, share=True)
    assert shared is not None
    await run_hour_by_hour(api, smtp, clock, 24)
    [newest, _] = await journal.prompts()
    await journal.answer_prompt(newest.id, {"body": "Kept to myself."})
    [report] = await team.therapist.client.journal.client_prompts(team.client.user_id)
    assert report.text == PROMPT
    answered = report.raw["deliveries"]
    assert [d["answered_at"] is not None for d in answered] == [True, True]
    assert answered[0]["shared_answer_id"] == shared["id"]
    assert answered[1]["shared_answer_id"] is None, "an unshared answer stays private"
    opened = await team.therapist.client.journal.open_shared(shared["id"])
    assert opened.content["body"] == "A walk helped."
    with pytest.raises(ApiError) as twice:
        await journal.write({"body": "again"}, answers=arrived.id)
    assert twice.value.status == 409
    assert entry.content["prompt_id"] == arrived.id


async def test_only_the_clients_care_team_may_set_prompts_and_never_in_the_past(
    api: Api, clock: FrozenClock
) -> None:
    team = await care_team(api)
    outsider = await api.invite_and_register(team.admin, "therapist", "Dr. Outside")
    roster_refused = pytest.raises(ApiError)
    with roster_refused as refused:
        await outsider.client.journal.create_prompt(
            team.client.user_id, PROMPT, {"repeat": "daily", "time": "20:00"}
        )
    assert refused.value.status == 404
    past = (clock.now() - timedelta(hours=1)).strftime("%H:%M")
    with pytest.raises(ApiError) as never:
        await team.therapist.client.journal.create_prompt(
            team.client.user_id, PROMPT, {"repeat": "once", "time": past}
        )
    assert never.value.status == 422
    assert await team.therapist.client.journal.client_prompts(team.client.user_id) == []


async def test_a_prompt_written_while_the_care_team_changes_is_sealed_with_the_new_keys(
    api: Api, smtp: SmtpSink, clock: FrozenClock
) -> None:
    team = await care_team(api)
    newcomer = await api.invite_and_register(team.admin, "therapist", "Dr. Okafor")
    await team.admin.client.assign(newcomer.user_id, team.client.user_id)
    prompt = await team.therapist.client.journal.create_prompt(
        team.client.user_id, PROMPT, {"repeat": "once", "time": "12:00"}
    )
    clock.set(datetime.fromisoformat(prompt["next_due_at"]))
    await deliver(api, smtp, clock)
    assert [p.text for p in await team.client.client.journal.prompts()] == [PROMPT]
    [seen] = await newcomer.client.journal.client_prompts(team.client.user_id)
    assert seen.text == PROMPT, "the newcomer is in the epoch the prompt was sealed in"


async def test_prompts_due_together_make_one_email_and_unsubscribing_stops_them(
    api: Api, smtp: SmtpSink, clock: FrozenClock
) -> None:
    team = await care_team(api)
    other = await api.invite_and_register(team.admin, "therapist", "Dr. Okafor")
    await team.admin.client.assign(other.user_id, team.client.user_id)
    at = (clock.now() + timedelta(hours=1)).strftime("%H:%M")
    for therapist in (team.therapist, other):
        await therapist.client.journal.create_prompt(
            team.client.user_id, PROMPT, {"repeat": "daily", "time": at}
        )
    await run_hour_by_hour(api, smtp, clock, 1)
    assert len(await team.client.client.journal.prompts()) == 2
    [email] = emails_to(smtp, team.client)
    link = email["List-Unsubscribe"].strip("<>")
    async with httpx.AsyncClient() as http:
        done = await http.post(link, data={"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200
    await run_hour_by_hour(api, smtp, clock, 24)
    assert len(await team.client.client.journal.prompts()) == 4, "still in the app"
    assert len(emails_to(smtp, team.client)) == 1, "no more prompt emails"


ZONES = ["America/New_York", "Europe/Berlin", "Australia/Lord_Howe", "Asia/Kolkata", "UTC"]


async def run_jobs_as_they_fall_due(
    api: Api, smtp: SmtpSink, clock: FrozenClock, until: datetime
) -> None:
    """Move the clock from one due job to the next (no hour-by-hour stepping) until `until`."""
    while True:
        async with api.database.unit_of_work() as uow:
            next_run = await uow.session.scalar(
                select(func.min(job_table.c.run_at)).where(job_table.c.state == "queued")
            )
        if next_run is None or next_run > until:
            return
        clock.set(max(clock.now(), next_run))
        await deliver(api, smtp, clock)


@pytest.mark.parametrize("dialect", ["sqlite"], indirect=True)
@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    zone=st.sampled_from(ZONES),
    minute=st.integers(0, 24 * 60 - 1),
    repeat=st.sampled_from(["daily", "weekdays"]),
    quiet=st.none() | st.tuples(st.integers(0, 24 * 60 - 1), st.integers(0, 24 * 60 - 1)),
    start_day=st.integers(0, 364),
)
async def test_any_schedule_fires_each_due_time_once_at_its_local_time_outside_quiet_hours(
    api: Api,
    smtp: SmtpSink,
    clock: FrozenClock,
    zone: str,
    minute: int,
    repeat: str,
    quiet: tuple[int, int] | None,
    start_day: int,
) -> None:
    tz = ZoneInfo(zone)
    clock.set(datetime(2026, 1, 1, tzinfo=UTC) + timedelta(days=start_day, hours=minute % 7))
    team = await care_team(api)
    quiet_hours = None if quiet is None else {"start": hhmm(quiet[0]), "end": hhmm(quiet[1])}
    await set_preferences(team.client, time_zone=zone, quiet_hours=quiet_hours)
    created = clock.now()
    prompt = await team.therapist.client.journal.create_prompt(
        team.client.user_id, PROMPT, {"repeat": repeat, "time": hhmm(minute)}
    )
    horizon = created + timedelta(days=9)
    await run_jobs_as_they_fall_due(api, smtp, clock, horizon)

    schedule = schedule_of_payload(prompt)
    expected, after = [], created
    while (due := next_due(schedule, tz, after, len(expected))) is not None:
        if due > horizon - timedelta(days=1):
            break
        expected.append(due)
        after = due
    async with api.database.unit_of_work() as uow:
        rows = (
            await uow.session.execute(
                select(journal_prompt_deliveries.c.due_at, journal_prompt_deliveries.c.delivered_at)
                .where(journal_prompt_deliveries.c.prompt_id == uuid.UUID(prompt["id"]))
                .order_by(journal_prompt_deliveries.c.due_at)
            )
        ).all()
    fired = [due for due, _ in rows]
    assert fired[: len(expected)] == expected, "every due time, in order, none twice"
    assert len(set(fired)) == len(fired)
    for due, delivered in rows:
        local = due.astimezone(tz)
        assert schedule.occurs_on(local.date())
        held_until = None if quiet is None else quiet_hours_end(due, tz, *quiet)
        assert delivered == (held_until or due), "at its time, or when quiet hours end"
        if quiet is not None:
            assert quiet_hours_end(delivered, tz, *quiet) is None, "never during quiet hours"


def hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def schedule_of_payload(prompt: dict[str, object]) -> PromptSchedule:
    """The schedule as the server answered it (its first day anchored in the client's zone)."""
    schedule = prompt["schedule"]
    assert isinstance(schedule, dict)
    hours, minutes = str(schedule["time"]).split(":")
    return PromptSchedule(
        str(schedule["repeat"]),
        int(hours) * 60 + int(minutes),
        date.fromisoformat(str(schedule["start"])),
    )
