"""Group posts to 200 connected members through the whole stack, next to a raw
python-socketio broadcast to a room of 200, in one run.

Run: `.venv/bin/python bench/groups.py [--members 200] [--senders 10] [--seconds 10]`.

Full stack: `interlude serve` as its own process on a throwaway PostgreSQL; one open group
whose members registered and joined with the SDK (membership keys, certificates, one
commit per join) and are all connected over Socket.IO. Senders load the group once and
keep its keys (`Groups.seal_post`), seal and sign each post with their membership keys and
POST it; the server verifies, sequences, stores and emits
each once to the group's room (posts that come in a burst as one `group_posts` event:
`web.room_batches`). Every member counts the posts it receives.

Baseline: `bench/groups.py --relay PORT` as its own process: python-socketio under the
same uvicorn, whose clients join one room; a `post` is emitted to the room and
acknowledged (no storage, no checks). Its senders send payloads of the same size.

Each stack runs (1) maximum load: every sender in a closed loop, the next post after the
answer; then (2) half load: posts paced at half the rate of (1). A delivery is one post
received by one member; latency is receive time minus send start, taken in this process.
Goals: full/baseline deliveries per second >= 0.8; full stack p99 < 100 ms at half load.

The machine may be shared, so each phase also reports the CPU seconds per post of the
server process (the relay, or `interlude serve`) and of this process (the members and
senders): those do not depend on what else runs. `--profile FILE` samples the server
under maximum load with py-spy (`pip install py-spy`; a speedscope/flamegraph by suffix).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import socketio

import crypto
from bench.live import cpu_seconds
from messaging.clock import SystemClock
from messaging.context import ServiceContext
from messaging.settings import load_settings
from messaging.storage import schema
from messaging.storage.database import Database
from tests.support.groups import group_world
from tests.support.live_server import interlude_env, live_server
from tests.support.postgres import postgres_server
from tests.support.services import free_port
from tests.support.world import api_for
from web.sdk_groups import GroupKeys

TEXT = "Thank you all for tonight; see you next Thursday. " * 6
SERVER_ENV = {"INTERLUDE_ALLOW_INTERACTIVE_KDF": "true"}
DRAIN_SECONDS = 20.0


@dataclass
class Tracker:
    started: dict[str, float] = field(default_factory=dict)
    expected: int = 0
    latencies: list[float] = field(default_factory=list)
    delivered: int = 0
    done: asyncio.Event = field(default_factory=asyncio.Event)

    def reset(self) -> None:
        self.started.clear()
        self.latencies.clear()
        self.delivered = 0

    def received(self, token: str) -> None:
        begun = self.started.get(token)
        if begun is None:
            return
        self.latencies.append(time.perf_counter() - begun)
        self.delivered += 1
        if self.delivered >= len(self.started) * self.expected:
            self.done.set()

    async def drained(self) -> None:
        if self.delivered >= len(self.started) * self.expected:
            return
        self.done.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.done.wait(), DRAIN_SECONDS)


Send = Callable[[], Awaitable[None]]


@dataclass(frozen=True)
class Phase:
    name: str
    posts: int
    deliveries: int
    seconds: float
    latencies: Sequence[float]
    server_cpu: float
    own_cpu: float

    @property
    def rate(self) -> float:
        return self.deliveries / self.seconds

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000 if ordered else 0.0


@dataclass(frozen=True)
class Server:
    pid: int
    profile: Path | None = None


@contextlib.contextmanager
def sampled(server: Server, seconds: float) -> Iterator[None]:
    """py-spy on the server for the block, if a profile was asked for."""
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    if server.profile is None:
        yield
        return
    fmt = "speedscope" if server.profile.suffix == ".json" else "flamegraph"
    if server.profile.suffix == ".txt":
        fmt = "raw"
    sampler = subprocess.Popen(
        [
            spy,
            "record",
            "--pid",
            str(server.pid),
            "--output",
            str(server.profile),
            "--format",
            fmt,
            "--duration",
            str(int(seconds)),
            "--nonblocking",
        ],
        stdout=subprocess.DEVNULL,
    )
    try:
        yield
    finally:
        sampler.wait()


async def measure(
    name: str,
    senders: Sequence[Send],
    tracker: Tracker,
    seconds: float,
    rate: float | None,
    server: Server,
) -> Phase:
    tracker.reset()
    cpu_before, own_before = cpu_seconds(server.pid), cpu_seconds(os.getpid())
    start = time.perf_counter()
    deadline = start + seconds

    async def closed(send: Send) -> None:
        while time.perf_counter() < deadline:
            await send()

    async def paced(index: int, send: Send) -> None:
        interval = len(senders) / rate  # type: ignore[operator]
        next_at = start + index * interval / len(senders)
        while next_at < deadline:
            await asyncio.sleep(max(0.0, next_at - time.perf_counter()))
            await send()
            next_at += interval

    if rate is None:
        await asyncio.gather(*(closed(s) for s in senders))
    else:
        await asyncio.gather(*(paced(i, s) for i, s in enumerate(senders)))
    await tracker.drained()
    elapsed = time.perf_counter() - start
    return Phase(
        name,
        len(tracker.started),
        tracker.delivered,
        elapsed,
        list(tracker.latencies),
        cpu_seconds(server.pid) - cpu_before,
        cpu_seconds(os.getpid()) - own_before,
    )


async def run_phases(
    label: str, senders: Sequence[Send], tracker: Tracker, seconds: float, server: Server
) -> tuple[Phase, Phase]:
    # The set-up (200 SDK clients, their keys and commit chains) stays out of this
    # process's collections: a full collection walking it would stall the 200 receivers
    # at once, which 200 separate devices never do.
    gc.collect()
    gc.freeze()
    await measure(f"{label} warm-up", senders, tracker, 1.0, None, server)
    with sampled(server, seconds):
        full = await measure(f"{label}, maximum load", senders, tracker, seconds, None, server)
    half = await measure(
        f"{label}, half load", senders, tracker, seconds, full.posts / full.seconds / 2, server
    )
    return full, half


@contextlib.asynccontextmanager
async def listening(
    urls_tokens: Sequence[tuple[str, dict[str, Any]]],
    event: str,
    tracker: Tracker,
    token_of: Callable[[Any], str],
) -> AsyncIterator[list[socketio.AsyncClient]]:
    clients = []
    for url, auth in urls_tokens:
        client = socketio.AsyncClient(reconnection=False)

        async def on_event(data: Any) -> None:
            tracker.received(token_of(data))

        async def on_burst(data: Any) -> None:
            for post in data.get("posts", []):
                tracker.received(token_of(post))

        client.on(event, on_event)
        client.on("group_posts", on_burst)  # Interlude sends a burst of posts as one event
        await client.connect(url, auth=auth, transports=["websocket"], wait_timeout=20)
        clients.append(client)
    try:
        yield clients
    finally:
        for client in clients:
            await client.disconnect()


async def full_stack(
    database_url: str, members: int, sender_count: int, seconds: float, profile: Path | None
) -> tuple[Phase, Phase]:
    scratch = tempfile.TemporaryDirectory(prefix="interlude-bench-groups-")
    data_dir = Path(scratch.name)
    settings = load_settings({**interlude_env(data_dir, database_url), **SERVER_ENV})
    database = Database.from_url(database_url)
    tracker = Tracker(expected=members)
    try:
        with scratch, live_server(data_dir / "server", database_url, SERVER_ENV) as server:
            async with api_for(
                server.url, database, ServiceContext.from_settings(settings, SystemClock())
            ) as api:
                began = time.perf_counter()
                world = await group_world(api, "open", members=members)
                print(
                    f"full stack: {members} members joined in {time.perf_counter() - began:.0f} s",
                    flush=True,
                )
                auths = [(server.url, {"token": p.client.token}) for p in world.members]

                def sender(n: int, keys: GroupKeys) -> Send:
                    person = world.members[n]

                    async def send() -> None:
                        body = person.client.groups.seal_post(keys, TEXT)
                        envelope = crypto.parse_envelope(crypto.b64decode(body["envelope"]))
                        tracker.started[crypto.b64encode(envelope.client_message_id)] = (
                            time.perf_counter()
                        )
                        await person.client.request(
                            "POST", f"/api/groups/{world.thread_id}/posts", body
                        )

                    return send

                # Senders keep the group's keys, as a client following its commits does
                # (the epoch does not change here), rather than fetching it per post.
                keys = [
                    await world.members[n].client.groups.load(world.thread_id)
                    for n in range(sender_count)
                ]
                async with listening(
                    auths, "group_post", tracker, lambda d: str(d["client_message_id"])
                ):
                    return await run_phases(
                        "full stack",
                        [sender(n, k) for n, k in enumerate(keys)],
                        tracker,
                        seconds,
                        Server(server.process.pid, profile),
                    )
    finally:
        await database.dispose()


def create_relay() -> socketio.ASGIApp:
    server = socketio.AsyncServer(async_mode="asgi", transports=["websocket"])

    @server.event
    async def connect(sid: str, environ: Any, auth: Any = None) -> None:
        await server.enter_room(sid, "group")

    @server.event
    async def post(sid: str, data: Any) -> dict[str, bool]:
        await server.emit("group_post", data, room="group")
        return {"ok": True}

    return socketio.ASGIApp(server)


@contextlib.contextmanager
def relay_process(port: int) -> Iterator[int]:
    relay = subprocess.Popen(
        [sys.executable, __file__, "--relay", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield relay.pid
    finally:
        relay.terminate()
        relay.wait()


async def baseline(members: int, sender_count: int, seconds: float) -> tuple[Phase, Phase]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    tracker = Tracker(expected=members)
    with relay_process(port) as pid:
        for _ in range(100):
            with contextlib.suppress(OSError):
                _, writer = await asyncio.open_connection("127.0.0.1", port)
                writer.close()
                break
            await asyncio.sleep(0.1)
        payload = crypto.b64encode(bytes(1000))
        listeners = listening(
            [(url, {})] * members, "group_post", tracker, lambda d: str(d["token"])
        )
        async with listeners as clients:
            counter = iter(range(10**9))

            def sender(client: socketio.AsyncClient) -> Send:
                async def send() -> None:
                    token = str(next(counter))
                    tracker.started[token] = time.perf_counter()
                    await client.call("post", {"token": token, "envelope": payload}, timeout=30)

                return send

            senders = [sender(c) for c in clients[:sender_count]]
            return await run_phases("raw broadcast", senders, tracker, seconds, Server(pid))


def report(members: int, senders: int, phases: Sequence[Phase]) -> None:
    print(f"\n{members} members, {senders} senders")
    print(
        "| run | posts | deliveries/s | p50 ms | p99 ms | server CPU ms/post | bench CPU ms/post |"
    )
    print("|---|---|---|---|---|---|---|")
    for p in phases:
        p50, p99 = p.percentile(0.5), p.percentile(0.99)
        server, own = (1000 * cpu / max(p.posts, 1) for cpu in (p.server_cpu, p.own_cpu))
        print(
            f"| {p.name} | {p.posts} | {p.rate:.0f} | {p50:.1f} | {p99:.1f} "
            f"| {server:.1f} | {own:.1f} |"
        )
    base, full = phases[0], phases[2]
    print(f"\nfull stack / raw broadcast, maximum load: {full.rate / base.rate:.2f}x (goal >= 0.8)")
    print(f"full stack p99 at half load: {phases[3].percentile(0.99):.1f} ms (goal < 100)")


async def run(
    database_url: str, members: int, senders: int, seconds: float, profile: Path | None
) -> None:
    database = Database.from_url(database_url)
    try:
        await schema.upgrade(database.engine)
    finally:
        await database.dispose()
    full_max, full_half = await full_stack(database_url, members, senders, seconds, profile)
    base_max, base_half = await baseline(members, senders, seconds)
    report(members, senders, [base_max, base_half, full_max, full_half])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=200)
    parser.add_argument("--senders", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--profile", type=Path, help="py-spy output for the server (.svg/.json)")
    parser.add_argument("--relay", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.relay:
        import uvicorn

        uvicorn.run(create_relay(), host="127.0.0.1", port=args.relay, log_level="warning")
        return
    with postgres_server() as server:
        asyncio.run(
            run(
                server.url_for(server.create_database()),
                args.members,
                args.senders,
                args.seconds,
                args.profile,
            )
        )


if __name__ == "__main__":
    main()
