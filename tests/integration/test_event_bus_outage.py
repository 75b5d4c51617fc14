"""A Redis outage between two web processes: readiness says the event bus is down, and
when it is back every connected client is told to resync and ends up with every message,
without a reload (a real redis-server is stopped and started again)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator

import httpx
import pytest
from redis import asyncio as aioredis

from messaging.context import ServiceContext
from messaging.settings import load_settings
from messaging.storage.database import Database
from tests.support.asgi import serving
from tests.support.clock import FrozenClock
from tests.support.conversations import care_team
from tests.support.redis_server import RestartableRedis, restartable_redis_server
from tests.support.services import free_port
from tests.support.world import api_for
from web.app import create_app
from web.event_bus import RedisEventBus
from web.realtime import SocketIOPublisher
from web.sdk_realtime import Realtime


@pytest.fixture
def redis() -> Iterator[RestartableRedis]:
    with restartable_redis_server() as server:
        yield server


async def readiness(base_url: str) -> int:
    async with httpx.AsyncClient(base_url=base_url) as http:
        return (await http.get("/readyz")).status_code


async def until_ready_is(status: int, *base_urls: str) -> None:
    async with asyncio.timeout(60):
        while [await readiness(url) for url in base_urls] != [status] * len(base_urls):
            await asyncio.sleep(0.1)


async def test_after_a_redis_outage_every_client_gets_every_message(
    settings_env: dict[str, str], database_url: str, clock: FrozenClock, redis: RestartableRedis
) -> None:
    port_a, port_b = free_port(), free_port()
    settings = load_settings(
        {
            **settings_env,
            "INTERLUDE_DATABASE_URL": database_url,
            "INTERLUDE_REDIS_URL": redis.url,
            "INTERLUDE_ALLOW_INTERACTIVE_KDF": "true",
            "INTERLUDE_PUBLIC_URL": f"http://127.0.0.1:{port_a}",
        }
    )
    database = Database.from_url(database_url)
    context = ServiceContext.from_settings(settings, clock)
    try:
        async with (
            serving(create_app(settings, clock=clock), port_a) as url_a,
            serving(create_app(settings, clock=clock), port_b) as url_b,
            api_for(url_a, database, context) as api,
        ):
            team = await care_team(api)
            threads = team.client.client.threads
            await until_ready_is(200, url_a, url_b)
            # The therapist's socket is on process B; the client sends through process A.
            therapist = Realtime(url_b, team.therapist.client.token or "")
            await therapist.connect()
            try:
                await threads.send(team.thread_id, "before the outage")
                _, live = await therapist.next("message")
                assert live["seq"] == 1

                redis.stop()
                await until_ready_is(503, url_a, url_b)
                for n in range(5):
                    await threads.send(team.thread_id, f"during the outage {n}")
                redis.start()

                _, told = await therapist.next("resync", wait_seconds=60)
                assert told == {"reason": "event_bus"}
                missed = await therapist.sync({team.thread_id: 1})
                assert [m["seq"] for m in missed[team.thread_id]] == [2, 3, 4, 5, 6]
                await until_ready_is(200, url_a, url_b)

                await threads.send(team.thread_id, "after the outage")
                _, live = await therapist.next("message")
                assert live["seq"] == 7
            finally:
                await therapist.disconnect()
    finally:
        await database.dispose()


async def test_a_worker_that_lost_a_publish_tells_everyone_to_resync_when_redis_is_back(
    redis: RestartableRedis,
) -> None:
    worker_bus = RedisEventBus(redis.url, write_only=True)
    publisher = SocketIOPublisher(worker_bus)
    await publisher.publish("message", {"seq": 1}, ["session:x"])
    assert worker_bus.down_reason is None

    redis.stop()
    await publisher.publish("message", {"seq": 2}, ["session:x"])
    assert worker_bus.down_reason is not None
    redis.start()

    listener = aioredis.Redis.from_url(redis.url)
    subscription = listener.pubsub(ignore_subscribe_messages=True)
    await subscription.subscribe("socketio")
    try:
        async with asyncio.timeout(30):
            while True:
                message = await subscription.get_message(timeout=1)
                if message is None:
                    continue
                data = json.loads(message["data"])
                if data.get("host_id") == worker_bus.host_id and data.get("event") == "resync":
                    break
        assert data["room"] is None, "to every socket"
        assert data["data"] == [{"reason": "event_bus"}]
        async with asyncio.timeout(10):
            while worker_bus.down_reason is not None:
                await asyncio.sleep(0.1)
    finally:
        await subscription.aclose()
        await listener.aclose()
        await worker_bus.aclose()
