"""Connecting and disconnecting many sockets, next to a bare python-socketio server, in one run.

Run: `.venv/bin/python bench/connections.py [--sockets 1000] [--teams 25]` (about two minutes).

Full stack: `interlude serve` as its own process on PostgreSQL (no in-process worker, as in
production); one clinic and N care teams
(a therapist and a client sharing a direct thread), registered with the SDK, each person
then logged in again (the same auth key, derived once) until there is one session per
socket. Each socket authenticates on connect with its own session's token, as a browser
tab does, so every connect and disconnect pays what the server does for it (the session
check, joining the room, telling partners about presence).

Baseline: `bench/baseline_relay.py` as its own process with the same uvicorn settings and
event loop: a bare python-socketio server whose connect handler joins the room named in
`auth`, nothing else.

For each server: a warm-up round of 50 sockets connected and closed; its RSS; then the
sockets connected in waves of 50 concurrent connects (time from the first to the last
acknowledged connect, and the server's CPU time meanwhile); RSS with all of them idle; all
closed, two seconds to settle, and its RSS again. Goals: connect time full/baseline <= 2;
memory per idle connection full/baseline <= 1.2; disconnecting them all adds at most 2 MB
to the RSS (CPython keeps the memory the connections took for reuse, so RSS is compared
with the connected state).

PostgreSQL: INTERLUDE_BENCH_DATABASE_URL (`postgresql+asyncpg://...`: a database it may
migrate and fill) or a throwaway local cluster.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx
import socketio

import crypto
from bench.live import SERVER_ENV, care_teams, cpu_seconds, relay_process
from messaging.clock import SystemClock
from messaging.context import ServiceContext
from messaging.settings import load_settings
from messaging.storage import schema
from messaging.storage.database import Database
from tests.support.live_server import interlude_env, live_server
from tests.support.postgres import postgres_server
from tests.support.world import Person, api_for

# The production shape: jobs (such as the sign-in notices of the extra logins) are left to
# worker processes, so they do not share the web process being measured.
FULL_STACK_ENV = {**SERVER_ENV, "INTERLUDE_IN_PROCESS_WORKER": "false"}
WAVE = 50
WARM_UP = 50
SETTLE_SECONDS = 2.0
MIB = 1024 * 1024


def rss_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"no VmRSS for {pid}")


@dataclass(frozen=True)
class Churn:
    name: str
    sockets: int
    connect_seconds: float
    connect_cpu: float
    rss_before: int
    rss_connected: int
    rss_after: int

    @property
    def per_connection(self) -> float:
        return (self.rss_connected - self.rss_before) / self.sockets

    @property
    def added_by_disconnecting(self) -> int:
        return self.rss_after - self.rss_connected


async def connect_all(url: str, auths: Sequence[dict[str, str]]) -> list[socketio.AsyncClient]:
    clients: list[socketio.AsyncClient] = []
    for start in range(0, len(auths), WAVE):
        wave = [socketio.AsyncClient(reconnection=False) for _ in auths[start : start + WAVE]]
        await asyncio.gather(
            *(
                client.connect(url, auth=auth, transports=["websocket"], wait_timeout=60)
                for client, auth in zip(wave, auths[start : start + WAVE], strict=True)
            )
        )
        clients.extend(wave)
    return clients


async def disconnect_all(clients: Sequence[socketio.AsyncClient]) -> None:
    for start in range(0, len(clients), WAVE):
        await asyncio.gather(*(client.disconnect() for client in clients[start : start + WAVE]))


async def churn(name: str, url: str, pid: int, auths: Sequence[dict[str, str]]) -> Churn:
    await disconnect_all(await connect_all(url, auths[:WARM_UP]))
    await asyncio.sleep(SETTLE_SECONDS)
    before = rss_bytes(pid)
    started, cpu_started = time.perf_counter(), cpu_seconds(pid)
    clients = await connect_all(url, auths)
    connect_seconds = time.perf_counter() - started
    connect_cpu = cpu_seconds(pid) - cpu_started
    await asyncio.sleep(SETTLE_SECONDS)
    connected = rss_bytes(pid)
    await disconnect_all(clients)
    await asyncio.sleep(SETTLE_SECONDS)
    result = Churn(
        name, len(auths), connect_seconds, connect_cpu, before, connected, rss_bytes(pid)
    )
    print(
        f"{name:>10}: {len(auths)} sockets connected in {connect_seconds:5.2f} s "
        f"({connect_cpu * 1000 / len(auths):.2f} ms server CPU each), "
        f"{result.per_connection / 1024:6.1f} KiB per idle connection, RSS "
        f"{before / MIB:.1f} -> {connected / MIB:.1f} -> {result.rss_after / MIB:.1f} MiB",
        flush=True,
    )
    return result


async def full_stack(database_url: str, sockets: int, teams: int) -> Churn:
    scratch = tempfile.TemporaryDirectory(prefix="interlude-bench-connections-")
    data_dir = Path(scratch.name)
    settings = load_settings({**interlude_env(data_dir, database_url), **FULL_STACK_ENV})
    context = ServiceContext.from_settings(settings, SystemClock())
    database = Database.from_url(database_url)
    try:
        with scratch, live_server(data_dir / "server", database_url, FULL_STACK_ENV) as server:
            async with api_for(server.url, database, context) as api:
                set_up = time.perf_counter()
                people = [person for team in await care_teams(api, teams) for person in team[:2]]
                print(
                    f"full stack: {len(people)} people registered, {teams} threads opened in "
                    f"{time.perf_counter() - set_up:.0f} s",
                    flush=True,
                )
                tokens = await sessions(server.url, people, sockets)
                auths = [{"token": token} for token in tokens]
                return await churn("full", server.url, server.process.pid, auths)
    finally:
        await database.dispose()


async def sessions(url: str, people: Sequence[Person], count: int) -> list[str]:
    """`count` session tokens spread over people: their registration sessions, then more
    logins, each person's auth key derived once and sent as often as needed."""
    tokens = [str(person.client.token) for person in people]
    auth_keys: dict[str, str] = {}
    async with httpx.AsyncClient(base_url=url) as http:
        for person in itertools.islice(itertools.cycle(people), max(0, count - len(people))):
            if person.email not in auth_keys:
                salt, params = await person.client.prelogin(person.email)
                keys = crypto.derive_password_keys(
                    person.password, salt, params, allow_interactive=True
                )
                auth_keys[person.email] = crypto.b64encode(keys.auth_key)
            body = {
                "email": person.email,
                "auth_key": auth_keys[person.email],
                "device_label": f"bench socket {len(tokens)}",
            }
            answer = (await http.post("/api/login", json=body)).raise_for_status().json()
            tokens.append(answer["token"])
    return tokens[:count]


async def baseline(dsn: str, sockets: int) -> Churn:
    auths = [{"room": f"room-{n}"} for n in range(sockets)]
    with relay_process(dsn) as (url, pid):
        return await churn("baseline", url, pid, auths)


def report(full: Churn, base: Churn) -> None:
    ratio = full.connect_seconds / base.connect_seconds
    print(f"connect {full.sockets} sockets full/baseline {ratio:6.2f}x (goal <= 2)")
    cpu = full.connect_cpu / base.connect_cpu
    print(f"server CPU per connect full/baseline {cpu:6.2f}x")
    print(
        f"memory per idle connection full/baseline "
        f"{full.per_connection / base.per_connection:6.2f}x (goal <= 1.2)"
    )
    print(
        f"RSS added by disconnecting all: full {full.added_by_disconnecting / MIB:+.1f} MiB, "
        f"baseline {base.added_by_disconnecting / MIB:+.1f} MiB (goal: full <= 2 MiB)"
    )


async def run(database_url: str, sockets: int, teams: int) -> None:
    dsn = database_url.replace("postgresql+asyncpg://", "postgresql://", 1)
    database = Database.from_url(database_url)
    try:
        await schema.upgrade(database.engine)
    finally:
        await database.dispose()
    base = await baseline(dsn, sockets)
    full = await full_stack(database_url, sockets, teams)
    report(full, base)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sockets", type=int, default=1000, help="sockets (default 1000)")
    parser.add_argument(
        "--teams", type=int, default=25, help="care teams whose sessions share them (default 25)"
    )
    args = parser.parse_args()
    given = os.environ.get("INTERLUDE_BENCH_DATABASE_URL")
    if given:
        asyncio.run(run(given, args.sockets, args.teams))
        return
    with postgres_server() as server:
        url = server.url_for(server.create_database())
        asyncio.run(run(url, args.sockets, args.teams))


if __name__ == "__main__":
    main()
