"""Send later: held as ciphertext, invisible until released, released exactly once and in
delivery order (also by two workers at once), cancel and release never both win."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from messaging import send_later
from messaging.jobs import JobRegistry, JobRunner
from messaging.storage.database import Database
from tests.support.clock import FrozenClock
from tests.support.conversations import care_team
from tests.support.notifier import deliver
from tests.support.smtp import SmtpSink
from tests.support.world import Api
from web.client import ApiError
from worker.delayed_reply_jobs import DelayedReplyJobs
from worker.mail import OutboxMailer
from worker.outgoing import Outgoing


async def test_a_scheduled_message_is_invisible_until_released_at_its_time(
    api: Api, smtp: SmtpSink, clock: FrozenClock
) -> None:
    team = await care_team(api)
    therapist = team.therapist.client.threads
    deliver_at = clock.now() + timedelta(hours=3)
    scheduled = await therapist.send_later(team.thread_id, "Thinking of you today.", deliver_at)
    assert (scheduled["state"], scheduled["seq"]) == ("scheduled", None)

    assert await team.client.client.threads.history(team.thread_id) == []
    assert [m["id"] for m in await therapist.scheduled(team.thread_id)] == [scheduled["id"]]
    with pytest.raises(ApiError):
        await team.client.client.request("DELETE", f"/api/scheduled/{scheduled['id']}")

    client_rt = team.client.client.realtime()
    await client_rt.connect()
    try:
        clock.advance(timedelta(hours=2, minutes=59))
        await deliver(api, smtp, clock)
        assert await team.client.client.threads.history(team.thread_id) == []
        clock.advance(timedelta(minutes=1))
        await deliver(api, smtp, clock)
        _, event = await client_rt.next("message")
        assert event["id"] == scheduled["id"]
        assert event["seq"] == 1
    finally:
        await client_rt.disconnect()
    [seen] = await team.client.client.threads.history(team.thread_id)
    assert (seen.text, seen.verified) == ("Thinking of you today.", True)
    assert await therapist.scheduled(team.thread_id) == []
    await deliver(api, smtp, clock)
    assert len(await team.client.client.threads.history(team.thread_id)) == 1, "released once"


async def test_the_author_can_cancel_or_replace_before_release(
    api: Api, smtp: SmtpSink, clock: FrozenClock
) -> None:
    team = await care_team(api)
    threads = team.client.client.threads
    soon = clock.now() + timedelta(hours=1)
    cancelled = await threads.send_later(team.thread_id, "never mind", soon)
    replaced = await threads.send_later(team.thread_id, "first draft", soon)
    await threads.cancel_scheduled(cancelled["id"])
    later = soon + timedelta(hours=1)
    await threads.replace_scheduled(team.thread_id, replaced["id"], "second draft", later)

    clock.advance(timedelta(hours=1, minutes=1))
    await deliver(api, smtp, clock)
    assert await team.therapist.client.threads.history(team.thread_id) == []
    clock.advance(timedelta(hours=1))
    await deliver(api, smtp, clock)
    assert [m.text for m in await team.therapist.client.threads.history(team.thread_id)] == [
        "second draft"
    ]
    with pytest.raises(ApiError) as too_late:
        await threads.cancel_scheduled(replaced["id"])
    assert too_late.value.status == 409


@pytest.mark.parametrize("delivery", ["past", "too far"])
async def test_a_delivery_time_must_be_in_the_next_year(
    api: Api, clock: FrozenClock, delivery: str
) -> None:
    team = await care_team(api)
    when = (
        clock.now() - timedelta(minutes=1)
        if delivery == "past"
        else clock.now() + timedelta(days=400)
    )
    with pytest.raises(ApiError) as refused:
        await team.client.client.threads.send_later(team.thread_id, "x", when)
    assert refused.value.status == 422
    assert await team.client.client.threads.scheduled(team.thread_id) == []


def release_runner(api: Api, database: Database, clock: FrozenClock, tmp: object) -> JobRunner:
    from pathlib import Path

    from messaging.settings import load_settings

    settings = load_settings({"INTERLUDE_DATA_DIR": str(tmp), "INTERLUDE_SECRET_KEY": "k" * 40})
    registry = JobRegistry()
    jobs = DelayedReplyJobs(database, Outgoing(settings, api.context, OutboxMailer(Path(str(tmp)))))
    registry.register(send_later.RELEASE_KIND, jobs.release)
    return JobRunner(database, registry, clock)


async def test_two_workers_release_each_message_once_in_delivery_order(
    api: Api, clock: FrozenClock, database_url: str, tmp_path: object
) -> None:
    team = await care_team(api)
    start = clock.now()
    # Written in one order, due in another.
    due_in = [37, 3, 22, 15, 8, 30, 1, 12, 26, 19, 5, 33, 10, 28, 17, 2, 24, 7, 35, 14]
    for minutes in due_in:
        await team.therapist.client.threads.send_later(
            team.thread_id, f"due at +{minutes}", start + timedelta(minutes=minutes)
        )
    clock.advance(timedelta(hours=1))
    databases = [Database.from_url(database_url) for _ in range(2)]
    try:
        runners = [release_runner(api, db, clock, tmp_path) for db in databases]

        async def drain(runner: JobRunner) -> None:
            while await runner.run_due():
                await asyncio.sleep(0)

        await asyncio.gather(*(drain(r) for r in runners))
    finally:
        for db in databases:
            await db.dispose()
    history = await team.client.client.threads.history(team.thread_id)
    assert [m.seq for m in history] == list(range(1, len(due_in) + 1))
    assert [m.text for m in history] == [f"due at +{m}" for m in sorted(due_in)]


async def test_cancel_racing_release_ends_in_exactly_one_outcome_for_both_parties(
    api: Api, clock: FrozenClock, database_url: str, tmp_path: object
) -> None:
    team = await care_team(api)
    threads = team.therapist.client.threads
    outcomes = []
    database = Database.from_url(database_url)
    try:
        runner = release_runner(api, database, clock, tmp_path)
        for n in range(8):
            scheduled = await threads.send_later(
                team.thread_id, f"race {n}", clock.now() + timedelta(minutes=1)
            )
            clock.advance(timedelta(minutes=1))

            async def cancel(message_id: str = scheduled["id"]) -> str:
                try:
                    await threads.cancel_scheduled(message_id)
                except ApiError as error:
                    return "too late" if error.status == 409 else f"unexpected {error.status}"
                return "cancelled"

            cancelled, _ = await asyncio.gather(cancel(), runner.run_due())
            delivered = [
                m.text for m in await team.client.client.threads.history(team.thread_id, limit=100)
            ]
            still_listed = [m["id"] for m in await threads.scheduled(team.thread_id)]
            assert still_listed == []
            assert (f"race {n}" in delivered) == (cancelled == "too late"), (
                "one outcome, seen alike"
            )
            outcomes.append(cancelled)
    finally:
        await database.dispose()
    seqs = [m.seq for m in await team.client.client.threads.history(team.thread_id, limit=100)]
    assert seqs == list(range(1, len(seqs) + 1)), "cancelled messages leave no holes"
