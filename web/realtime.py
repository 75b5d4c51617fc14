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
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import socketio

from crypto import MAX_ENVELOPE_BYTES
from messaging import authentication, groups, messages, presence, threads
from messaging.actors import Actor
from messaging.errors import InterludeError, InvalidInput, NotAuthenticated
from messaging.events import ROOM_EVENT, group_room, session_room
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

    async def on_connect(self, sid: str, environ: Json, auth: Any = None) -> None:
        token = auth.get("token") if isinstance(auth, dict) else None
        context = self._context()
        try:
            if not isinstance(token, str) or not token:
                raise NotAuthenticated()
            async with context.database.unit_of_work() as uow:
                actor = await authentication.authenticate(uow, context.services, token)
        except InterludeError as error:
            raise ConnectionRefusedError({"code": error.code, "message": error.message}) from None
        await self.save_session(sid, {"token": token})
        await self.enter_room(sid, session_room(actor.session_id))
        async with context.database.unit_of_work() as uow:
            for thread_id in await groups.my_group_rooms(uow, actor):
                await self.enter_room(sid, group_room(thread_id))
        async with context.database.unit_of_work() as uow:
            await presence.announce_presence(uow, context.services, actor, online=True)

    async def on_disconnect(self, sid: str, reason: Any = None) -> None:
        async with self._context().database.unit_of_work() as uow:
            try:
                actor = await self._actor(sid, uow)
            except InterludeError:
                return
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


async def move_group_rooms(
    manager: socketio.AsyncManager, event: str, data: Any, rooms: Any
) -> bool:
    """Apply a group-room change (or a session's end) to this process's sockets in the
    addressed session rooms. True if `event` was a room change, which no client sees."""
    if event not in (ROOM_EVENT, "session_ended") or rooms is None:
        return False
    targets = [rooms] if isinstance(rooms, str) else list(rooms)
    for sid, _ in list(manager.get_participants("/", targets)):
        if event == "session_ended":
            for room in manager.get_rooms(sid, "/"):
                if room.startswith("group:"):
                    await socketio.AsyncManager.leave_room(manager, sid, "/", room)
        elif data["enter"]:
            await socketio.AsyncManager.enter_room(manager, sid, "/", data["room"])
        else:
            await socketio.AsyncManager.leave_room(manager, sid, "/", data["room"])
    return event == ROOM_EVENT


class GroupRoomManager(socketio.AsyncManager):  # type: ignore[misc]
    """The in-process manager, moving sockets between group rooms on `ROOM_EVENT`."""

    async def emit(
        self, event: str, data: Any, namespace: str, room: Any = None, **kwargs: Any
    ) -> Any:
        if await move_group_rooms(self, event, data, room):
            return None
        return await super().emit(event, data, namespace, room=room, **kwargs)


class GroupRoomRedisManager(socketio.AsyncRedisManager):  # type: ignore[misc]
    """The Redis manager, doing the same in every process as the message arrives, in the
    same channel order as the events around it."""

    async def _handle_emit(self, message: dict[str, Any]) -> None:
        data = message.get("data")
        payload = data[0] if isinstance(data, list) and data else data
        if await move_group_rooms(self, message.get("event", ""), payload, message.get("room")):
            return
        await super()._handle_emit(message)


def create_socket_server(
    settings: Settings, context: Callable[[], AppContext]
) -> socketio.AsyncServer:
    manager = (
        GroupRoomRedisManager(settings.redis_url)
        if settings.redis_url is not None
        else GroupRoomManager()
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
