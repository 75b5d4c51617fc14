"""Socket.IO: one namespace, one handler per event.

A socket authenticates on connect with its session token and joins its session's room;
events reach it only while its session lives and it belongs to the thread (recipients are
resolved per event by `messaging.events`). Every event a socket sends is re-authenticated
and goes through the same services as HTTP. Acknowledgements are `{"ok": ...}` or
`{"error": {"code", "message"}}`.

With a Redis URL the server fans out through `AsyncRedisManager`, so any number of web
processes serve the same rooms. Origins must match the page (the engine.io default, which
honours X-Forwarded-Proto/Host from the proxy). Only websockets are offered, so a load
balancer needs no sticky sessions.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import socketio

from crypto import MAX_ENVELOPE_BYTES
from messaging import authentication, messages, presence, threads
from messaging.actors import Actor
from messaging.errors import InterludeError, InvalidInput, NotAuthenticated
from messaging.events import session_room
from messaging.settings import Settings
from messaging.storage.database import UnitOfWork
from web import parsing
from web.context import AppContext

logger = logging.getLogger("interlude.realtime")

Json = dict[str, Any]
ACK_GRACE_SECONDS = 0.5


class SocketIOPublisher:
    """The event port over Socket.IO: a server, or a write-only Redis manager in processes
    that serve no sockets (the worker)."""

    def __init__(self, emitter: socketio.AsyncServer | socketio.AsyncRedisManager) -> None:
        self._emitter = emitter

    async def publish(self, event: str, data: dict[str, Any], rooms: Sequence[str]) -> None:
        await self._emitter.emit(event, data, room=list(rooms), namespace="/")


class RealtimeNamespace(socketio.AsyncNamespace):  # type: ignore[misc]
    def __init__(self, context: Callable[[], AppContext]) -> None:
        super().__init__("/")
        self._context = context
        self._closing: set[asyncio.Task[None]] = set()
        # Live sockets per person on this process: presence changes only at 0 <-> 1.
        self._sockets_of: Counter[uuid.UUID] = Counter()

    async def on_connect(self, sid: str, environ: Json, auth: Any = None) -> None:
        """One transaction: the session check and, for a person's first socket on this
        process, telling their partners they came online."""
        token = auth.get("token") if isinstance(auth, dict) else None
        context = self._context()
        try:
            if not isinstance(token, str) or not token:
                raise NotAuthenticated()
            async with context.database.unit_of_work() as uow:
                actor = await authentication.authenticate(uow, context.services, token)
                if self._sockets_of[actor.user_id] == 0:
                    await presence.announce_presence(uow, context.services, actor, online=True)
        except InterludeError as error:
            raise ConnectionRefusedError({"code": error.code, "message": error.message}) from None
        self._sockets_of[actor.user_id] += 1
        await self.save_session(sid, {"token": token, "actor": actor})
        await self.enter_room(sid, session_room(actor.session_id))

    async def on_disconnect(self, sid: str, reason: Any = None) -> None:
        """Partners hear that a person went offline when their last socket on this process
        closes, not once per socket: a burst of disconnects stays a handful of events."""
        try:
            actor: Actor = (await self.get_session(sid))["actor"]
        except KeyError:
            return
        self._sockets_of[actor.user_id] -= 1
        if self._sockets_of[actor.user_id] > 0:
            return
        del self._sockets_of[actor.user_id]
        async with self._context().database.unit_of_work() as uow:
            await presence.announce_presence(uow, self._context().services, actor, online=False)

    async def on_send(self, sid: str, data: Any) -> Json:
        async def send(uow: UnitOfWork, actor: Actor, body: Json) -> Json:
            thread_id = parsing.uuid_field(body, "thread_id")
            envelope = parsing.binary(body, "envelope", max_size=MAX_ENVELOPE_BYTES + 1)
            services = self._context().services
            sent = await messages.send_message(uow, services, actor, thread_id, envelope)
            return {"message": messages.message_payload(sent.message), "duplicate": sent.duplicate}

        return await self._answer(sid, data, send)

    async def on_sync(self, sid: str, data: Any) -> Json:
        async def sync(uow: UnitOfWork, actor: Actor, body: Json) -> Json:
            positions = parsing.obj(body, "threads")
            wanted = {
                parsing.uuid_field({"id": key}, "id"): parsing.integer(positions, key)
                for key in positions
            }
            gaps = await messages.sync(uow, actor, wanted)
            return {
                "threads": {
                    str(thread_id): {
                        "messages": [messages.message_payload(m) for m in page],
                        "more": more,
                    }
                    for thread_id, (page, more) in gaps.items()
                }
            }

        return await self._answer(sid, data, sync)

    async def on_read(self, sid: str, data: Any) -> Json:
        async def read(uow: UnitOfWork, actor: Actor, body: Json) -> Json:
            thread_id = parsing.uuid_field(body, "thread_id")
            seq = parsing.integer(body, "seq")
            await threads.mark_read(uow, self._context().services, actor, thread_id, seq)
            return {}

        return await self._answer(sid, data, read)

    async def on_typing(self, sid: str, data: Any) -> Json:
        async def typing(uow: UnitOfWork, actor: Actor, body: Json) -> Json:
            thread_id = parsing.uuid_field(body, "thread_id")
            await presence.typing(uow, self._context().services, actor, thread_id)
            return {}

        return await self._answer(sid, data, typing)

    async def _actor(self, sid: str, uow: UnitOfWork) -> Actor:
        """Re-authenticate on every event: a socket whose session ended can do nothing."""
        stored = await self.get_session(sid)
        return await authentication.authenticate(uow, self._context().services, stored["token"])

    async def _answer(
        self, sid: str, data: Any, handle: Callable[[UnitOfWork, Actor, Json], Awaitable[Json]]
    ) -> Json:
        """Authenticate and handle in one transaction; answer `{ok}` or `{error}`."""
        try:
            if not isinstance(data, dict):
                raise InvalidInput("Send an object.")
            async with self._context().database.unit_of_work() as uow:
                result = await handle(uow, await self._actor(sid, uow), data)
        except InterludeError as error:
            if isinstance(error, NotAuthenticated):
                closing = asyncio.create_task(self._disconnect_after_ack(sid))
                self._closing.add(closing)
                closing.add_done_callback(self._closing.discard)
            return {"error": {"code": error.code, "message": error.message}}
        return {"ok": True, **result}

    async def _disconnect_after_ack(self, sid: str) -> None:
        """A socket whose session ended is closed, once its error answer has gone out."""
        await asyncio.sleep(ACK_GRACE_SECONDS)
        await self.disconnect(sid)


def create_socket_server(
    settings: Settings, context: Callable[[], AppContext]
) -> socketio.AsyncServer:
    manager = (
        socketio.AsyncRedisManager(settings.redis_url) if settings.redis_url is not None else None
    )
    server = socketio.AsyncServer(
        async_mode="asgi",
        client_manager=manager,
        transports=["websocket"],
        logger=False,
        engineio_logger=False,
    )
    server.register_namespace(RealtimeNamespace(context))
    return server
