"""Two web processes behind no sticky load balancer, sharing PostgreSQL and Redis: a
client on one and a therapist on the other talk live."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from messaging.clock import SystemClock
from messaging.context import ServiceContext
from messaging.settings import load_settings
from messaging.storage.database import Database
from tests.support.conversations import care_team
from tests.support.live_server import interlude_env, live_server
from tests.support.world import Api, api_for


@pytest.fixture
async def two_servers(
    tmp_path: Path, postgres_url: str, redis_url: str
) -> AsyncIterator[tuple[Api, Api]]:
    extra = {"INTERLUDE_REDIS_URL": redis_url, "INTERLUDE_ALLOW_INTERACTIVE_KDF": "true"}
    settings = load_settings({**interlude_env(tmp_path, postgres_url), **extra})
    context = ServiceContext.from_settings(settings, SystemClock())
    database = Database.from_url(postgres_url)
    try:
        with (
            live_server(tmp_path / "one", postgres_url, extra) as one,
            live_server(tmp_path / "two", postgres_url, extra) as two,
        ):
            async with (
                api_for(one.url, database, context) as first,
                api_for(two.url, database, context) as second,
            ):
                yield first, second
    finally:
        await database.dispose()


async def test_members_on_two_processes_exchange_messages_live(
    two_servers: tuple[Api, Api],
) -> None:
    first, second = two_servers
    team = await care_team(first)
    # The therapist uses the second process for everything from here on.
    therapist = second.new_client("second process")
    await therapist.login(team.therapist.email, team.therapist.password)
    await therapist.threads.load(team.thread_id)

    client_rt, therapist_rt = team.client.client.realtime(), therapist.realtime()
    await client_rt.connect()
    await therapist_rt.connect()
    try:
        await team.client.client.threads.send(team.thread_id, "sent to process one")
        _, event = await therapist_rt.next("message")
        assert (await therapist.threads.open(event)).text == "sent to process one"

        await therapist.threads.send(team.thread_id, "answered through process two")
        _, event = await client_rt.next("message", wait_seconds=10)
        while event["seq"] != 2:
            _, event = await client_rt.next("message")
        assert (await team.client.client.threads.open(event)).text == "answered through process two"

        await team.admin.client.unassign(team.therapist.user_id, team.client.user_id)
        _, update = await therapist_rt.next("thread_updated")
        assert update["reason"] == "membership"
    finally:
        await client_rt.disconnect()
        await therapist_rt.disconnect()


async def test_ending_sessions_in_one_process_closes_their_sockets_in_the_other(
    two_servers: tuple[Api, Api],
) -> None:
    """A logout, a revoked session or a password change reaches the sockets of those
    sessions through the event bus, on whichever process holds them."""
    first, second = two_servers
    team = await care_team(first)
    elsewhere = second.new_client("second process")
    await elsewhere.login(team.therapist.email, team.therapist.password)
    on_second = elsewhere.realtime()
    await on_second.connect()
    try:
        assert await team.therapist.client.end_other_sessions() == 1
        _, ended = await on_second.next("session_ended")
        assert ended == {"reason": "revoked"}
        await asyncio.wait_for(on_second.client.wait(), 10)
        assert not on_second.connected
    finally:
        await on_second.disconnect()
