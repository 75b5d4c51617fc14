"""A bounded soak on the production shape, in the normal suite (about a minute): PostgreSQL,
Redis, two web processes; 20 client-therapist pairs, clients on one process and therapists
on the other, each side sending every second or two, dropping its socket at random and
sending over HTTP while it is down, and the first process killed and started again halfway.
Every side keeps its thread with the SDK's ThreadTimeline, the one algorithm of docs/api.md.

The promise checked: every acknowledged message reaches its peer's SDK client, once, in seq
order. The figures are printed (run with -s to see them)."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
import socketio

from messaging.clock import SystemClock
from messaging.context import ServiceContext
from messaging.settings import load_settings
from messaging.storage.database import Database
from tests.support.live_server import interlude_env, live_server
from tests.support.world import Api, Person, api_for
from web.client import ApiError, InterludeClient
from web.sdk_errors import SocketDropped
from web.sdk_realtime import Realtime
from web.sdk_timeline import ThreadTimeline

PAIRS = 20
TRAFFIC_SECONDS = 25
RESTART_AFTER_SECONDS = 10
SEND_EVERY = (0.6, 2.4)  # seconds between one side's messages
DROP_CHANCE = 0.08  # per message: the socket goes down first
DOWN_FOR = (0.5, 3.0)  # seconds a dropped socket stays down
SETTLE_SECONDS = 30
TRANSIENT = (httpx.TransportError, SocketDropped, TimeoutError, socketio.exceptions.SocketIOError)

pytestmark = pytest.mark.soak


@dataclass
class Figures:
    acknowledged: int = 0
    failed_attempts: int = 0
    drops: int = 0
    sent_while_down: int = 0
    failed_connects: int = 0
    out_of_order_events: int = 0


@dataclass
class Side:
    """One person of a pair: an SDK client, its socket (replaced on every reconnect) and
    the thread's timeline."""

    name: str
    client: InterludeClient
    thread_id: str
    timeline: ThreadTimeline
    rt: Realtime | None = None
    down_until: float = 0.0
    acknowledged: dict[int, str] = field(default_factory=dict)  # seq -> message id
    events_seen: list[int] = field(default_factory=list)

    async def connect(self, figures: Figures) -> None:
        """A fresh socket, following the timeline: it catches up as soon as it connects."""
        rt = self.client.realtime()
        self.client.threads.use_realtime(rt)
        try:
            await rt.connect()
        except (*TRANSIENT, socketio.exceptions.ConnectionError):
            figures.failed_connects += 1
            self.client.threads.use_realtime(None)
            await rt.disconnect()
            self.down_until = time.monotonic() + 1
            return
        self._count_events(self.rt)
        self.rt = rt

    async def drop(self, figures: Figures) -> None:
        figures.drops += 1
        if self.rt is not None:
            await self.rt.disconnect()
        self.client.threads.use_realtime(None)
        self.down_until = time.monotonic() + random.uniform(*DOWN_FOR)

    def _count_events(self, rt: Realtime | None) -> None:
        if rt is None:
            return
        while not rt.events.empty():
            name, data = rt.events.get_nowait()
            if name == "message" and data.get("thread_id") == self.thread_id:
                self.events_seen.append(data["seq"])

    def live(self) -> bool:
        return self.rt is not None and self.rt.connected

    async def send(self, text: str, figures: Figures) -> None:
        """Seal once; send until acknowledged, the same envelope every time."""
        envelope = await self.client.threads.seal(self.thread_id, text)
        if not self.live():
            figures.sent_while_down += 1
        while True:
            try:
                message = await self.client.threads.send_envelope(self.thread_id, envelope)
            except TRANSIENT:
                figures.failed_attempts += 1
                await asyncio.sleep(0.3)
                continue
            except ApiError as error:
                if error.status < 500:
                    raise
                figures.failed_attempts += 1
                await asyncio.sleep(0.3)
                continue
            self.acknowledged[message["seq"]] = message["id"]
            figures.acknowledged += 1
            return

    async def run(self, stop_at: float, figures: Figures) -> None:
        sent = 0
        while time.monotonic() < stop_at:
            if self.rt is not None and not self.rt.connected:
                self.client.threads.use_realtime(None)
                self._count_events(self.rt)
                await self.rt.disconnect()
                self.rt = None
            if self.rt is None and time.monotonic() >= self.down_until:
                await self.connect(figures)
            elif self.live() and random.random() < DROP_CHANCE:
                self._count_events(self.rt)
                await self.drop(figures)
            sent += 1
            await self.send(f"{self.name} #{sent}", figures)
            await asyncio.sleep(random.uniform(*SEND_EVERY))


@dataclass
class Pair:
    client: Side
    therapist: Side


@dataclass
class Production:
    first: Api
    second: Api
    restart_first: Callable[[], Awaitable[None]]


@pytest.fixture
async def production(
    tmp_path: Path, postgres_url: str, redis_url: str
) -> AsyncIterator[Production]:
    extra = {"INTERLUDE_REDIS_URL": redis_url, "INTERLUDE_ALLOW_INTERACTIVE_KDF": "true"}
    settings = load_settings({**interlude_env(tmp_path, postgres_url), **extra})
    context = ServiceContext.from_settings(settings, SystemClock())
    database = Database.from_url(postgres_url)
    try:
        with ExitStack() as servers:
            one = servers.enter_context(live_server(tmp_path / "one", postgres_url, extra))
            two = servers.enter_context(live_server(tmp_path / "two", postgres_url, extra))

            async def restart_first() -> None:
                """Kill the first process outright, then start it again on its port."""
                one.process.kill()
                await asyncio.to_thread(one.process.wait)
                again = live_server(
                    tmp_path / "one", postgres_url, extra, port=urlsplit(one.url).port
                )
                await asyncio.to_thread(servers.enter_context, again)

            async with (
                api_for(one.url, database, context) as first,
                api_for(two.url, database, context) as second,
            ):
                yield Production(first, second, restart_first)
    finally:
        await database.dispose()


async def pairs_of(first: Api, second: Api) -> list[Pair]:
    """20 care teams in one clinic: each client on the first process, its therapist on the
    second, and their direct thread open."""
    admin: Person = await first.create_clinic()

    async def pair(n: int) -> Pair:
        therapist = await second.invite_and_register(admin, "therapist", f"Therapist {n}")
        client = await first.invite_and_register(admin, "client", f"Client {n}")
        await admin.client.assign(therapist.user_id, client.user_id)
        thread_id = await client.client.threads.open_direct(client.user_id)
        await therapist.client.threads.load(thread_id)
        sides = []
        for person, name in ((client, f"client {n}"), (therapist, f"therapist {n}")):
            timeline = person.client.threads.timeline(thread_id)
            sides.append(Side(name, person.client, thread_id, timeline))
        return Pair(*sides)

    return [await pair(n) for n in range(PAIRS)]


async def test_every_acknowledged_message_reaches_the_peer_once_in_order_through_churn(
    production: Production,
) -> None:
    pairs = await pairs_of(production.first, production.second)
    sides = [side for pair in pairs for side in (pair.client, pair.therapist)]
    figures = Figures()
    for side in sides:
        await side.connect(figures)

    started = time.monotonic()
    stop_at = started + TRAFFIC_SECONDS

    async def restart_first_process() -> None:
        await asyncio.sleep(RESTART_AFTER_SECONDS)
        await production.restart_first()

    await asyncio.gather(restart_first_process(), *(side.run(stop_at, figures) for side in sides))
    traffic_seconds = time.monotonic() - started

    # Settle: every side connects again (and so catches up); connected ones rely on live
    # events and gap fills alone.
    for side in sides:
        if not side.live():
            if side.rt is not None:
                await side.rt.disconnect()
            side.rt = None
            await side.connect(figures)
    deadline = time.monotonic() + SETTLE_SECONDS
    while time.monotonic() < deadline and not all(_complete(pair) for pair in pairs):
        for side in sides:
            if not side.live() and time.monotonic() >= side.down_until:
                if side.rt is not None:
                    await side.rt.disconnect()
                await side.connect(figures)
        await asyncio.sleep(0.2)

    missing = duplicates = 0
    for pair in pairs:
        stored = {**pair.client.acknowledged, **pair.therapist.acknowledged}
        for side in (pair.client, pair.therapist):
            side._count_events(side.rt)
            held = side.timeline.payloads()
            ids = [payload["id"] for payload in held]
            duplicates += len(ids) - len(set(ids))
            missing += len(set(stored.values()) - set(ids))
            assert side.timeline.seqs() == sorted(stored), (
                f"{side.name} holds the thread in seq order"
            )
            figures.out_of_order_events += sum(
                1
                for before, after in zip(side.events_seen, side.events_seen[1:], strict=False)
                if after < before
            )
    gap_fetches = sum(side.timeline.fetches for side in sides)
    for side in sides:
        if side.rt is not None:
            await side.rt.disconnect()

    print(
        f"\nsoak: {PAIRS} pairs, {traffic_seconds:.0f} s of traffic, one of two web processes "
        f"killed and restarted at {RESTART_AFTER_SECONDS} s\n"
        f"  acknowledged {figures.acknowledged} ({figures.acknowledged / traffic_seconds:.1f}/s), "
        f"never reached the peer {missing}, duplicates {duplicates}\n"
        f"  live events out of order {figures.out_of_order_events}, catch-up and gap fetches "
        f"{gap_fetches}\n"
        f"  socket drops {figures.drops}, sends while the socket was down "
        f"{figures.sent_while_down}, failed attempts (all retried) {figures.failed_attempts}, "
        f"failed connects {figures.failed_connects}"
    )
    assert figures.acknowledged > PAIRS * 10
    assert missing == 0
    assert duplicates == 0


def _complete(pair: Pair) -> bool:
    last = max([*pair.client.acknowledged, *pair.therapist.acknowledged], default=0)
    return all(side.timeline.complete_through >= last for side in (pair.client, pair.therapist))
