"""The event bus between processes (Socket.IO over Redis), and what happens when it fails.

An event reaches the sockets of its own process at once and those of other processes
through Redis. While Redis is unreachable, events cross no process boundary: messages are
stored (nothing acknowledged is lost) but not pushed live. So the bus watches itself:

- every `PROBE_SECONDS` a web process publishes a probe and expects it back through its
  own subscription; a failed publish, or a probe that does not come back, means the bus
  is down, and readiness (`/readyz`) says so;
- once a probe comes back again, the process tells its own sockets to `resync` (they may
  have missed what other processes published), and, if its own publishes were lost,
  everyone's (through Redis). A client answers `resync` as it answers a reconnect: it
  asks `sync` for everything after its last seq, so it ends up with every message.

A write-only bus (the worker) has no subscription; after a lost publish it broadcasts
`resync` as soon as Redis takes a publish again.

Every process delivers to its own sockets through `LocalDelivery`, which also closes the
sockets of a session as soon as `session_ended` reaches them: a logout, a revoked session,
a password change, a disabled or deleted account ends that session's sockets on whichever
process holds them.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import uuid
from collections.abc import AsyncIterator
from typing import Any

import socketio
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

logger = logging.getLogger("interlude.event_bus")

PROBE_SECONDS = 1.0
CLOSE_SECONDS = 2.0
PROBE_METHOD = "interlude_probe"
RESYNC_EVENT = "resync"
# Fail fast while Redis is away (the default retries with backoff for seconds on every
# publish, which would hold up every request that publishes an event).
REDIS_OPTIONS = {"retry": Retry(NoBackoff(), 1), "socket_connect_timeout": 1}
SESSION_ENDED_EVENT = "session_ended"


class LocalDelivery(socketio.AsyncManager):  # type: ignore[misc]
    """Emits to this process's sockets (for a process without Redis, every event; with
    Redis, every event the subscription brings, its own included). After `session_ended`
    to a session's room, the sockets in it are disconnected, once the event is queued to
    them, so the client hears why."""

    async def emit(
        self,
        event: str,
        data: Any,
        namespace: str | None,
        room: Any = None,
        to: Any = None,
        **kwargs: Any,
    ) -> None:
        await super().emit(event, data, namespace, room=room, to=to, **kwargs)
        rooms = to or room
        if event != SESSION_ENDED_EVENT or rooms is None:
            return
        namespace = namespace or "/"
        for sid, _ in list(self.get_participants(namespace, rooms)):
            await self.server.disconnect(sid, namespace=namespace, ignore_queue=True)


class RedisEventBus(socketio.AsyncRedisManager, LocalDelivery):  # type: ignore[misc]
    def __init__(self, url: str, *, write_only: bool = False) -> None:
        super().__init__(url, write_only=write_only, redis_options=dict(REDIS_OPTIONS))
        self.connected: bool = False
        self.redis: Any = None
        self.pubsub: Any = None
        self._retired: list[Any] = []
        self.down_reason: str | None = None
        self._lost_outgoing = False
        self._lost_incoming = False
        self._awaited: str | None = None
        self._arrived: set[str] = set()
        self._recovery: asyncio.Task[None] | None = None

    # -- health ---------------------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def watching(self) -> AsyncIterator[None]:
        """Start receiving and probe the bus for the duration of the block (web process)."""
        if not self.server.manager_initialized:
            self.server.manager_initialized = True
            self.initialize()
        watcher = asyncio.create_task(self._watch(), name="event-bus-watch")
        try:
            yield
        finally:
            listener = getattr(self, "thread", None)
            for task in (watcher, listener):
                if isinstance(task, asyncio.Task):
                    task.cancel()
                    await asyncio.wait({task}, timeout=CLOSE_SECONDS)
            await self.aclose()

    async def _watch(self) -> None:
        while True:
            await asyncio.sleep(PROBE_SECONDS)
            try:
                await self.probe()
            except Exception:
                logger.exception("event bus probe failed")

    async def probe(self) -> None:
        """One round: judge the previous probe, recover if it came back, send the next."""
        came_back = self._awaited is not None and self._awaited in self._arrived
        if self._awaited is not None and not came_back:
            self._lost_incoming = True
            self._mark_down("not receiving events from Redis")
        self._arrived.clear()
        self._awaited = None
        if came_back and self.down_reason is not None:
            await self._recover()
        probe_id = uuid.uuid4().hex
        message = {"method": PROBE_METHOD, "probe": probe_id, "host_id": self.host_id}
        if await self._send(message):
            self._awaited = probe_id
        else:
            self._mark_down("cannot publish to Redis")

    async def _recover(self) -> None:
        lost_outgoing = self._lost_outgoing
        self.down_reason = None
        self._lost_outgoing = self._lost_incoming = False
        logger.warning("event bus is back; asking clients to resync")
        payload = {"reason": "event_bus"}
        if lost_outgoing:
            await self.emit(RESYNC_EVENT, payload, namespace="/")
        else:
            await self.emit(RESYNC_EVENT, payload, namespace="/", ignore_queue=True)

    def _mark_down(self, reason: str) -> None:
        if self.down_reason is None:
            logger.error("event bus down: %s", reason)
        self.down_reason = reason

    # -- publishing -----------------------------------------------------------------------

    async def _publish(self, data: Any) -> None:
        if not await self._send(data):
            self._lost_outgoing = True
            self._mark_down("cannot publish to Redis")
            if self.write_only and self._recovery is None:
                self._recovery = asyncio.create_task(self._broadcast_resync_when_back())

    async def _send(self, data: Any) -> bool:
        for attempt in range(2):  # a stale connection is replaced once
            try:
                if not self.connected:
                    self._redis_connect()
                await self.redis.publish(self.channel, self.json.dumps(data))
                return True
            except Exception as error:
                self.connected = False
                if self.write_only:  # nothing else uses its client: close, not leak, it
                    await self._drop_client()
                if attempt == 1:
                    logger.warning("cannot publish to Redis: %s", type(error).__name__)
        return False

    async def _drop_client(self) -> None:
        """Close the current client and subscription (a new one is made on the next try)."""
        for client in (self.pubsub, self.redis):
            if client is not None:
                await _close_quietly(client)
        self.redis = self.pubsub = None

    async def aclose(self) -> None:
        """Stop recovering and close every connection (at exit)."""
        if self._recovery is not None:
            self._recovery.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._recovery
        self.connected = False
        await self._drop_client()
        clients, self._retired = self._retired, []
        for client in clients:
            await _close_quietly(client)

    def _redis_connect(self) -> None:
        # Each reconnect makes a new client (and subscription); the old ones are closed at
        # exit rather than left for the garbage collector.
        if self.redis is not None:
            self._retired.extend(c for c in (self.pubsub, self.redis) if c is not None)
        super()._redis_connect()

    async def _broadcast_resync_when_back(self) -> None:
        """Write-only bus: publish a `resync` to everyone once Redis takes publishes."""
        try:
            while self._lost_outgoing:
                await asyncio.sleep(PROBE_SECONDS)
                self._lost_outgoing = False
                await self.emit(RESYNC_EVENT, {"reason": "event_bus"}, namespace="/")
            self.down_reason = None
        finally:
            self._recovery = None

    # -- receiving ------------------------------------------------------------------------

    async def _listen(self) -> AsyncIterator[Any]:
        async for message in super()._listen():
            probe = _probe_of(message)
            if probe is None:
                yield message
            elif probe.get("host_id") == self.host_id:
                self._arrived.add(str(probe.get("probe")))


async def _close_quietly(client: Any) -> None:
    """Close a Redis client or subscription, giving up after a moment (at exit, or after a
    failure, when the connection may already be gone)."""
    closing = asyncio.ensure_future(client.aclose())
    await asyncio.wait({closing}, timeout=CLOSE_SECONDS)
    if not closing.done():
        closing.cancel()
    elif not closing.cancelled():
        closing.exception()  # retrieved, so a failure to close is not reported as lost


def _probe_of(message: Any) -> dict[str, Any] | None:
    if not isinstance(message, bytes | str) or PROBE_METHOD not in str(message):
        return None
    with contextlib.suppress(ValueError):
        data = json.loads(message)
        if isinstance(data, dict) and data.get("method") == PROBE_METHOD:
            return data
    return None
