"""Messages through the whole stack on PostgreSQL, next to a bare Socket.IO relay, in one run.

Run: `.venv/bin/python bench/live.py [--pairs 50] [--seconds 10]` (about two minutes).

Full stack: `interlude serve` as its own process on PostgreSQL; one clinic, N care teams of
a therapist and a client, each registered with the SDK, its direct thread opened, and both
members connected over Socket.IO. Every message is sealed and signed by the sender, sent
with `call("send", ...)`, verified, sequenced and stored by the server, and received as a
`message` event by the other member (its copy to the sender's own session is ignored).

Baseline: `bench/baseline_relay.py` as its own process, same uvicorn settings and loop:
python-socketio that stores the payload with one INSERT-and-commit through asyncpg, emits
it to the peer and acknowledges. Its clients send pre-sealed envelopes of the same size
with the same pairing and pattern.

Each stack runs a short warm-up, then (1) maximum load: every pair in a closed loop, the
two members taking turns, the next send after the acknowledgement; then (2) half load:
sends paced (open loop) at half the rate measured in (1). Latency is receive time minus
send start (before sealing), taken in this process. CPU per message comes from
/proc/<pid>/stat of the server (and of PostgreSQL when it runs on this machine).
Goals: full/baseline throughput >= 0.7; full stack p99 < 50 ms at half load.

PostgreSQL: INTERLUDE_BENCH_DATABASE_URL (`postgresql+asyncpg://...`: a database it may
migrate and fill; the relay's table is dropped afterwards) or a throwaway local cluster.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import asyncpg
import httpx
import socketio

import crypto
from messaging.clock import SystemClock
from messaging.context import ServiceContext
from messaging.settings import load_settings
from messaging.storage import schema
from messaging.storage.database import Database
from tests.support.live_server import interlude_env, live_server
from tests.support.postgres import postgres_server
from tests.support.services import free_port
from tests.support.world import Api, Person, api_for
from web.sdk_realtime import Realtime

TEXT = "How are you holding up since Tuesday? " * 8  # 304 bytes, a longish message
SERVER_ENV = {"INTERLUDE_ALLOW_INTERACTIVE_KDF": "true"}
WARM_UP_SECONDS = 1.5
DRAIN_SECONDS = 10.0
ACK_SECONDS = 30.0
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
BASELINE_RELAY = Path(__file__).resolve().parent / "baseline_relay.py"


# -- measuring -------------------------------------------------------------------------------


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process, from /proc/<pid>/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


class CpuMeter(Protocol):
    def __call__(self) -> float: ...


def process_meter(pid: int) -> CpuMeter:
    return lambda: cpu_seconds(pid)


def postgres_meter(postmaster_pid: int) -> CpuMeter:
    """CPU of the postmaster and its children (backends, WAL writer, checkpointer...),
    counting backends that have exited (a pool's overflow connections come and go)."""

    def read() -> float:
        ticks = 0
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(entry.name) == postmaster_pid:  # its own time and its reaped children's
                ticks += int(stat[11]) + int(stat[12]) + int(stat[13]) + int(stat[14])
            elif int(stat[1]) == postmaster_pid:
                ticks += int(stat[11]) + int(stat[12])
        return ticks / CLOCK_TICKS

    return read


async def data_directory(dsn: str) -> str | None:
    connection = await asyncpg.connect(dsn)
    try:
        directory: str = await connection.fetchval("SHOW data_directory")
    except asyncpg.PostgresError:
        return None
    finally:
        await connection.close()
    return directory


def local_postmaster(directory: str | None) -> int | None:
    """The PostgreSQL server's pid when it runs on this machine and we may read its files."""
    if directory is None:
        return None
    try:
        pid = int((Path(directory) / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None
    return pid if Path(f"/proc/{pid}").exists() else None


@dataclass
class Tracker:
    """Send start times by message token, and the latencies of the messages received."""

    pending: dict[str, float] = field(default_factory=dict)
    latencies: list[float] = field(default_factory=list)
    acknowledged: int = 0
    settled: asyncio.Event = field(default_factory=asyncio.Event)

    def reset(self) -> None:
        self.pending.clear()
        self.latencies.clear()
        self.acknowledged = 0

    def received(self, token: str) -> None:
        started = self.pending.pop(token, None)
        if started is not None:
            self.latencies.append(time.perf_counter() - started)
        if not self.pending:
            self.settled.set()

    async def drained(self, seconds: float) -> None:
        """Wait until every message sent so far has arrived (or `seconds` pass)."""
        if not self.pending:
            return
        self.settled.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.settled.wait(), seconds)


class Member(Protocol):
    async def send(self) -> None: ...


Pair = tuple[Member, Member]


@dataclass(frozen=True)
class Meters:
    server: CpuMeter
    database: CpuMeter | None

    def read(self) -> tuple[float, float | None, float]:
        return (
            self.server(),
            self.database() if self.database else None,
            time.process_time(),
        )


@dataclass(frozen=True)
class Phase:
    name: str
    messages: int
    seconds: float
    latencies: Sequence[float]
    undelivered: int
    server_cpu: float
    database_cpu: float | None
    client_cpu: float

    @property
    def rate(self) -> float:
        return self.messages / self.seconds

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies)
        if not ordered:
            return float("nan")
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000

    def per_message_ms(self, cpu: float | None) -> float | None:
        return None if cpu is None else cpu / self.messages * 1000


async def closed_loop(pairs: Sequence[Pair], seconds: float) -> None:
    """Every pair keeps one message in flight; its members take turns."""
    stop = time.perf_counter() + seconds

    async def drive(pair: Pair) -> None:
        for turn in itertools.count():
            if time.perf_counter() >= stop:
                return
            await pair[turn % 2].send()

    await asyncio.gather(*(drive(pair) for pair in pairs))


async def paced(pairs: Sequence[Pair], rate: float, seconds: float) -> None:
    """Open loop: `rate` sends per second in total, spread evenly over the pairs, each sent
    on schedule whether or not the previous one was acknowledged."""
    period = len(pairs) / rate
    start = time.perf_counter() + 0.05
    sending: set[asyncio.Task[None]] = set()

    async def drive(index: int, pair: Pair) -> None:
        for turn in itertools.count():
            due = start + (index / len(pairs) + turn) * period
            if due - start >= seconds:
                return
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            task = asyncio.create_task(pair[turn % 2].send())
            sending.add(task)
            task.add_done_callback(sending.discard)

    await asyncio.gather(*(drive(i, pair) for i, pair in enumerate(pairs)))
    await asyncio.gather(*list(sending))


async def measured(
    name: str, tracker: Tracker, meters: Meters, load: Any, *arguments: Any
) -> Phase:
    await tracker.drained(DRAIN_SECONDS)
    tracker.reset()
    server_before, database_before, client_before = meters.read()
    started = time.perf_counter()
    await load(*arguments)
    elapsed = time.perf_counter() - started
    await tracker.drained(DRAIN_SECONDS)
    server_after, database_after, client_after = meters.read()
    database_cpu = None
    if database_before is not None and database_after is not None:
        database_cpu = database_after - database_before
    return Phase(
        name=name,
        messages=tracker.acknowledged,
        seconds=elapsed,
        latencies=list(tracker.latencies),
        undelivered=len(tracker.pending),
        server_cpu=server_after - server_before,
        database_cpu=database_cpu,
        client_cpu=client_after - client_before,
    )


async def run_phases(
    stack: str, pairs: Sequence[Pair], tracker: Tracker, meters: Meters, seconds: float
) -> tuple[Phase, Phase]:
    await closed_loop(pairs, WARM_UP_SECONDS)
    maximum = await measured(f"{stack}, max", tracker, meters, closed_loop, pairs, seconds)
    half = await measured(
        f"{stack}, half ({maximum.rate / 2:,.0f}/s)",
        tracker,
        meters,
        paced,
        pairs,
        maximum.rate / 2,
        seconds,
    )
    return maximum, half


# -- the full stack --------------------------------------------------------------------------


@dataclass
class InterludeMember:
    """A logged-in SDK client with its live connection, in one direct thread."""

    person: Person
    realtime: Realtime
    thread_id: str
    tracker: Tracker

    async def send(self) -> None:
        started = time.perf_counter()
        envelope = await self.person.client.threads.seal(self.thread_id, TEXT)
        token = crypto.b64encode(crypto.parse_envelope(envelope).client_message_id)
        self.tracker.pending[token] = started
        await self.realtime.call(
            "send",
            {"thread_id": self.thread_id, "envelope": crypto.b64encode(envelope)},
            wait_seconds=ACK_SECONDS,
        )
        self.tracker.acknowledged += 1

    async def listen(self) -> None:
        while True:
            _, event = await self.realtime.next("message", wait_seconds=86_400)
            if event["sender_id"] != self.person.user_id:  # not our own copy (multi-device)
                self.tracker.received(event["client_message_id"])


async def care_teams(api: Api, count: int) -> list[tuple[Person, Person, str]]:
    """One clinic; `count` therapists each on the care team of one client, with their
    direct thread opened by the client and loaded by the therapist."""
    admin = await api.create_clinic("Bench Practice")
    teams = []
    for n in range(count):
        therapist = await api.invite_and_register(admin, "therapist", f"Therapist {n}")
        client = await api.invite_and_register(admin, "client", f"Client {n}")
        await admin.client.assign(therapist.user_id, client.user_id)
        thread_id = await client.client.threads.open_direct(client.user_id, title="Between")
        await therapist.client.threads.load(thread_id)
        teams.append((therapist, client, thread_id))
    return teams


@contextlib.asynccontextmanager
async def connected(members: Sequence[InterludeMember]) -> AsyncIterator[None]:
    listeners = []
    try:
        for member in members:
            await member.realtime.connect()
            listeners.append(asyncio.create_task(member.listen()))
        yield
    finally:
        for listener in listeners:
            listener.cancel()
        for member in members:
            await member.realtime.disconnect()


async def full_stack(
    database_url: str, postgres: CpuMeter | None, pair_count: int, seconds: float
) -> tuple[Phase, Phase]:
    scratch = tempfile.TemporaryDirectory(prefix="interlude-bench-live-")
    data_dir = Path(scratch.name)
    settings = load_settings({**interlude_env(data_dir, database_url), **SERVER_ENV})
    context = ServiceContext.from_settings(settings, SystemClock())
    database = Database.from_url(database_url)
    tracker = Tracker()
    try:
        with scratch, live_server(data_dir / "server", database_url, SERVER_ENV) as server:
            async with api_for(server.url, database, context) as api:
                set_up = time.perf_counter()
                teams = await care_teams(api, pair_count)
                print(
                    f"full stack: {2 * pair_count} people registered, {pair_count} threads "
                    f"opened in {time.perf_counter() - set_up:.0f} s",
                    flush=True,
                )
                pairs = [
                    (
                        InterludeMember(therapist, therapist.client.realtime(), thread, tracker),
                        InterludeMember(client, client.client.realtime(), thread, tracker),
                    )
                    for therapist, client, thread in teams
                ]
                async with connected([member for pair in pairs for member in pair]):
                    meters = Meters(process_meter(server.process.pid), postgres)
                    return await run_phases("full stack", pairs, tracker, meters, seconds)
    finally:
        await database.dispose()


# -- the baseline ----------------------------------------------------------------------------


@dataclass
class RelayMember:
    room: str
    peer_room: str
    envelope: str
    tracker: Tracker
    client: socketio.AsyncClient = field(
        default_factory=lambda: socketio.AsyncClient(reconnection=False)
    )

    async def send(self) -> None:
        token = uuid.uuid4().hex
        self.tracker.pending[token] = time.perf_counter()
        await self.client.call(
            "send",
            {"to": self.peer_room, "id": token, "envelope": self.envelope},
            timeout=ACK_SECONDS,
        )
        self.tracker.acknowledged += 1

    async def connect(self, url: str) -> None:
        async def on_message(data: dict[str, Any]) -> None:
            self.tracker.received(data["id"])

        self.client.on("message", on_message)
        await self.client.connect(
            url, auth={"room": self.room}, transports=["websocket"], wait_timeout=10
        )


@contextlib.contextmanager
def relay_process(dsn: str) -> Iterator[tuple[str, int]]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            [sys.executable, str(BASELINE_RELAY), "--port", str(port), "--dsn", dsn],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 30
            while True:
                if process.poll() is not None:
                    log.seek(0)
                    raise RuntimeError(f"baseline relay exited:\n{log.read().decode()}")
                try:
                    httpx.get(url, timeout=1)  # any answer: uvicorn serves once started
                    break
                except httpx.HTTPError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.1)
            yield url, process.pid
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


async def baseline(
    dsn: str, postgres: CpuMeter | None, pair_count: int, seconds: float, envelope: str
) -> tuple[Phase, Phase]:
    tracker = Tracker()
    pairs = []
    for n in range(pair_count):
        therapist, client = f"pair-{n}-therapist", f"pair-{n}-client"
        pairs.append(
            (
                RelayMember(therapist, client, envelope, tracker),
                RelayMember(client, therapist, envelope, tracker),
            )
        )
    members = [member for pair in pairs for member in pair]
    with relay_process(dsn) as (url, pid):
        try:
            for member in members:
                await member.connect(url)
            return await run_phases(
                "baseline", pairs, tracker, Meters(process_meter(pid), postgres), seconds
            )
        finally:
            for member in members:
                if member.client.connected:
                    await member.client.disconnect()


# -- report ----------------------------------------------------------------------------------


def sample_envelope() -> str:
    sender = crypto.generate_identity(uuid.uuid4())
    sealed = crypto.seal_message(
        sender, uuid.uuid4(), 0, TEXT.encode(), epoch_key=crypto.create_epoch_key()
    )
    return crypto.b64encode(sealed)


def cpu_cell(value: float | None) -> str:
    return f"{value:8.2f}" if value is not None else "       -"


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def report(pairs: int, envelope_bytes: int, load_before: str, phases: Sequence[Phase]) -> None:
    print(
        f"\npairs: {pairs}, envelope: {envelope_bytes} bytes, cores: {os.cpu_count()},"
        f" load average before/after: {load_before} / {load_average()}"
    )
    print(
        f"{'':28s} {'msgs/s':>8s} {'p50 ms':>8s} {'p99 ms':>8s}"
        f" {'server':>8s} {'postgres':>8s} {'clients':>8s}   (CPU ms per message)"
    )
    for phase in phases:
        print(
            f"{phase.name:28s} {phase.rate:8.0f} {phase.percentile(0.50):8.1f}"
            f" {phase.percentile(0.99):8.1f}"
            f" {cpu_cell(phase.per_message_ms(phase.server_cpu))}"
            f" {cpu_cell(phase.per_message_ms(phase.database_cpu))}"
            f" {cpu_cell(phase.per_message_ms(phase.client_cpu))}"
            + (f"   {phase.undelivered} undelivered" if phase.undelivered else "")
        )
    base_max, base_half, full_max, full_half = phases
    base_cpu = base_max.server_cpu / base_max.messages
    full_cpu = full_max.server_cpu / full_max.messages
    print(
        f"throughput full/baseline             {full_max.rate / base_max.rate:6.2f}x"
        "  (goal >= 0.70x)"
    )
    print(
        f"p99 at half load, full stack         {full_half.percentile(0.99):6.1f} ms"
        f" (goal < 50 ms; baseline {base_half.percentile(0.99):.1f} ms)"
    )
    print(f"server CPU per message full/baseline {full_cpu / base_cpu:6.2f}x")


async def run(database_url: str, pairs: int, seconds: float) -> None:
    dsn = database_url.replace("postgresql+asyncpg://", "postgresql://", 1)
    database = Database.from_url(database_url)
    try:
        await schema.upgrade(database.engine)
    finally:
        await database.dispose()
    postmaster = local_postmaster(await data_directory(dsn))
    postgres = postgres_meter(postmaster) if postmaster else None
    envelope = sample_envelope()
    load_before = load_average()
    full_max, full_half = await full_stack(database_url, postgres, pairs, seconds)
    base_max, base_half = await baseline(dsn, postgres, pairs, seconds, envelope)
    report(
        pairs,
        len(crypto.b64decode(envelope)),
        load_before,
        [base_max, base_half, full_max, full_half],
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=50, help="direct threads (default 50)")
    parser.add_argument(
        "--seconds", type=float, default=10, help="length of each measured phase (default 10)"
    )
    args = parser.parse_args()
    given = os.environ.get("INTERLUDE_BENCH_DATABASE_URL")
    if given:
        asyncio.run(run(given, args.pairs, args.seconds))
        return
    with postgres_server() as server:
        url = server.url_for(server.create_database())
        asyncio.run(run(url, args.pairs, args.seconds))


if __name__ == "__main__":
    main()
