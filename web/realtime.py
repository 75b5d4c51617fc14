"""Socket.IO: one namespace, one handler per event.

A socket authenticates on connect with its session token and joins its session's room;
events reach it only while its session lives and it belongs to the thread (recipients are
resolved per event by `messaging.events`). Every event a socket sends is re-authenticated
and goes through the same services as HTTP, its payload checked against the event's model
in `web.models.realtime` (which the OpenAPI document describes). Every event is
acknowledged, with `{"ok": ...}` or `{"error": {"code", "message"}}`: a missing or malformed
payload is `invalid_input`, an unexpected failure `internal_error` (logged with the event's
request id; the client gets no detail). The reserved names `connect` and `disconnect` sent
by a client are ignored.

With a Redis URL the server fans out through Redis (`web.event_bus`, which also tells
sockets to `resync` after an outage), so any number of web processes serve the same
rooms. Origins must match the page (the engine.io default, which honours
X-Forwarded-Proto/Host from the proxy). Only websockets are offered, so a load balancer
needs no sticky sessions.

Group threads have one room per group (`group:{thread id}`): a socket enters the rooms of
its user's active groups on connect, and joins and removals move sockets in every process
through `ROOM_EVENT` (`GroupRoomManager`, `GroupRoomRedisManager`).
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

import engineio
import socketio

from messaging import authentication, groups, messages, metrics, presence, threads
from messaging.actors import Actor
from messaging.errors import InterludeError, InvalidInput, NotAuthenticated
from messaging.events import ROOM_EVENT, group_room, session_room
from messaging.log_context import request_id
from messaging.settings import Settings
from messaging.storage.database import UnitOfWork
from web.api import validated
from web.context import AppContext
from web.event_bus import LocalDelivery, RedisEventBus
from web.models import realtime as wire
from web.models.fields import Input
from web.room_batches import RoomBatches

logger = logging.getLogger("interlude.realtime")

Json = dict[str, Any]
Event = TypeVar("Event", bound=Input)
ACK_GRACE_SECONDS = 0.5
INTERNAL_ERROR = "Something went wrong on our side."


class SocketIOPublisher:
    """The event port over Socket.IO: a server, or a write-only Redis manager in processes
    that serve no sockets (the worker). Events to a group's room go through that room's
    sender, which sends posts that come in a burst as one batch (`web.room_batches`)."""

    def __init__(self, emitter: socketio.AsyncServer | socketio.AsyncRedisManager) -> None:
        self._emitter = emitter
        self._group_rooms = RoomBatches(self._emit)

    async def publish(self, event: str, data: dict[str, Any], rooms: Sequence[str]) -> None:
        group = group_room_of(list(rooms))
        if group is not None:
            self._group_rooms.add(group, event, data)
            return
        await self._emit(event, data, list(rooms))

    async def _emit(self, event: str, data: dict[str, Any], rooms: list[str]) -> None:
        try:
            await self._emitter.emit(event, data, room=rooms, namespace="/")
        except Exception:
            metrics.publish_failures.inc()
            raise
        if event == "message":
            metrics.messages_delivered.inc(len(rooms))


class RealtimeNamespace(socketio.AsyncNamespace):  # type: ignore[misc]
    def __init__(self, context: Callable[[], AppContext]) -> None:
        super().__init__("/")
        self._context = context
        self._closing: set[asyncio.Task[None]] = set()
        # Live sockets per person on this process: presence changes only at 0 <-> 1.
        self._sockets_of: Counter[uuid.UUID] = Counter()

    async def on_connect(self, sid: str, environ: Json, auth: Any = None) -> None:
        """The session check, the person's group rooms and, for their first socket on this
        process, telling their partners they came online: reads only (a session seen more
        than a minute ago is noted as seen), each committing on its own, so a burst of
        connects costs two round trips each for most sockets."""
        token = auth.get("token") if isinstance(auth, dict) else None
        context = self._context()
        try:
            if not isinstance(token, str) or not token:
                raise NotAuthenticated()
            async with context.database.autocommit() as uow:
                actor = await authentication.authenticate(uow, context.services, token)
                rooms_of_groups = [group_room(g) for g in await groups.my_group_rooms(uow, actor)]
                if self._sockets_of[actor.user_id] == 0:
                    await presence.announce_presence(uow, context.services, actor, online=True)
        except InterludeError as error:
            raise ConnectionRefusedError({"code": error.code, "message": error.message}) from None
        except Exception:
            logger.exception("unhandled error while connecting a socket")
            raise ConnectionRefusedError(
                {"code": "internal_error", "message": INTERNAL_ERROR}
            ) from None
        self._sockets_of[actor.user_id] += 1
        await self.save_session(sid, {"token": token, "actor": actor})
        await self.enter_room(sid, session_room(actor.session_id))
        for room in rooms_of_groups:
            await self.enter_room(sid, room)
        metrics.live_sockets.inc()

    async def on_disconnect(self, sid: str, reason: Any = None) -> None:
        """Partners hear that a person went offline when their last socket on this process
        closes, not once per socket: a burst of disconnects stays a handful of events."""
        try:
            actor: Actor = (await self.get_session(sid))["actor"]
        except KeyError:
            return
        metrics.live_sockets.dec()
        self._sockets_of[actor.user_id] -= 1
        if self._sockets_of[actor.user_id] > 0:
            return
        del self._sockets_of[actor.user_id]
        try:
            async with self._context().database.unit_of_work() as uow:
                await presence.announce_presence(uow, self._context().services, actor, online=False)
        except Exception:
            logger.exception("could not announce a socket's departure")

    async def on_send(self, sid: str, *payload: Any) -> Json:
        async def send(uow: UnitOfWork, actor: Actor, event: wire.SendEvent) -> Json:
            services = self._context().services
            with metrics.send_latency.labels("socket").time():
                sent = await messages.send_message(
                    uow, services, actor, event.thread_id, event.envelope
                )
            if not sent.duplicate:
                metrics.messages_sent.labels("socket").inc()
            return {"message": messages.message_payload(sent.message), "duplicate": sent.duplicate}

        return await self._answer(sid, payload, wire.SendEvent, send)

    async def on_sync(self, sid: str, *payload: Any) -> Json:
        async def sync(uow: UnitOfWork, actor: Actor, event: wire.SyncEvent) -> Json:
            gaps = await messages.sync(uow, actor, dict(event.threads))
            return {
                "threads": {
                    str(thread_id): {
                        "messages": [messages.message_payload(m) for m in page],
                        "more": more,
                    }
                    for thread_id, (page, more) in gaps.items()
                }
            }

        return await self._answer(sid, payload, wire.SyncEvent, sync)

    async def on_read(self, sid: str, *payload: Any) -> Json:
        async def read(uow: UnitOfWork, actor: Actor, event: wire.ReadEvent) -> Json:
            services = self._context().services
            await threads.mark_read(uow, services, actor, event.thread_id, event.seq)
            return {}

        return await self._answer(sid, payload, wire.ReadEvent, read)

    async def on_typing(self, sid: str, *payload: Any) -> Json:
        async def typing(uow: UnitOfWork, actor: Actor, event: wire.TypingEvent) -> Json:
            await presence.typing(uow, self._context().services, actor, event.thread_id)
            return {}

        return await self._answer(sid, payload, wire.TypingEvent, typing)

    async def _actor(self, sid: str, uow: UnitOfWork) -> Actor:
        """Re-authenticate on every event: a socket whose session ended can do nothing."""
        stored = await self.get_session(sid)
        return await authentication.authenticate(uow, self._context().services, stored["token"])

    async def _answer(
        self,
        sid: str,
        payload: tuple[Any, ...],
        model: type[Event],
        handle: Callable[[UnitOfWork, Actor, Event], Awaitable[Json]],
    ) -> Json:
        """Authenticate, check the payload against the event's model, and handle in one
        transaction; answer `{ok}` or `{error}`, whatever happens (the payload is the
        event's arguments: exactly one object is expected)."""
        rid = request_id.set(secrets.token_hex(8))
        try:
            if len(payload) != 1 or not isinstance(payload[0], dict):
                raise InvalidInput("Send one object.")
            async with self._context().database.unit_of_work() as uow:
                actor = await self._actor(sid, uow)
                result = await handle(uow, actor, validated(model, payload[0]))
        except InterludeError as error:
            if isinstance(error, NotAuthenticated):
                closing = asyncio.create_task(self._disconnect_after_ack(sid))
                self._closing.add(closing)
                closing.add_done_callback(self._closing.discard)
            return {"error": {"code": error.code, "message": error.message}}
        except Exception:
            # The id is in the record itself, so it is there whichever handler formats it.
            logger.exception(
                "unhandled error in a socket event", extra={"request_id": request_id.get()}
            )
            return {"error": {"code": "internal_error", "message": INTERNAL_ERROR}}
        finally:
            request_id.reset(rid)
        return {"ok": True, **result}

    async def _disconnect_after_ack(self, sid: str) -> None:
        """A socket whose session ended is closed, once its error answer has gone out."""
        await asyncio.sleep(ACK_GRACE_SECONDS)
        await self.disconnect(sid)


class RealtimeServer(socketio.AsyncServer):  # type: ignore[misc]
    """The Socket.IO server, ignoring client events named like its own lifecycle events:
    a client emitting `connect` would otherwise re-run the connect handler (and rebind its
    socket to another token's user)."""

    async def _handle_event(self, eio_sid: str, namespace: str | None, id: Any, data: Any) -> None:
        if not isinstance(data, list) or not data or data[0] in self.reserved_events:
            logger.info("ignored a client event with a reserved or missing name")
            return
        await super()._handle_event(eio_sid, namespace, id, data)


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


def group_room_of(room: Any) -> str | None:
    """The group room an emit addresses alone (a name, or a list of just that name)."""
    if isinstance(room, list) and len(room) == 1:
        room = room[0]
    return room if isinstance(room, str) and room.startswith("group:") else None


async def send_to_group_room(
    manager: socketio.AsyncManager, event: str, data: Any, namespace: str, room: str
) -> None:
    """An event to every socket of a group's room on this process: encoded once, then one
    packet queued per socket in a loop. python-socketio's room emit makes (and waits for)
    one task per socket; queueing a packet never waits, so a post to a room of 500 costs no
    500 tasks. A socket that fails is logged and the others still get the event. (It uses
    the server's `_send_eio_packet`, which its own emit uses; pyproject pins
    python-socketio below 6, and the group fan-out tests cover it.)"""
    encoded = manager.server.packet_class(
        socketio.packet.EVENT, namespace=namespace, data=[event, data]
    ).encode()
    packets = [
        engineio.packet.Packet(engineio.packet.MESSAGE, p)
        for p in (encoded if isinstance(encoded, list) else [encoded])
    ]
    for _, eio_sid in manager.get_participants(namespace, room):
        try:
            for eio_packet in packets:
                await manager.server._send_eio_packet(eio_sid, eio_packet)
        except Exception:
            logger.exception("could not send a group event to a socket")


class GroupRoomManager(LocalDelivery):
    """The in-process manager, moving sockets between group rooms on `ROOM_EVENT`, sending
    to a group's room without a task per socket, and (as every manager here) closing the
    sockets of a session that ended."""

    async def emit(
        self,
        event: str,
        data: Any,
        namespace: str | None,
        room: Any = None,
        to: Any = None,
        **kwargs: Any,
    ) -> None:
        if await move_group_rooms(self, event, data, to or room):
            return
        group = group_room_of(to or room)
        if group is not None and not kwargs.get("callback") and not kwargs.get("skip_sid"):
            await send_to_group_room(self, event, data, namespace or "/", group)
            return
        await super().emit(event, data, namespace, room=room, to=to, **kwargs)


class GroupRoomRedisManager(RedisEventBus):
    """The Redis manager, doing the same in every process as the message arrives, in the
    same channel order as the events around it (a group event reaches the room's sockets
    of each process as in `GroupRoomManager`)."""

    async def _handle_emit(self, message: dict[str, Any]) -> None:
        data = message.get("data")
        payload = data[0] if isinstance(data, list) and data else data
        event, room = message.get("event", ""), message.get("room")
        if await move_group_rooms(self, event, payload, room):
            return
        group = group_room_of(room)
        plain = not (message.get("callback") or message.get("skip_sid") or message.get("binary"))
        if group is not None and plain and isinstance(data, list) and len(data) == 1:
            await send_to_group_room(self, event, payload, message.get("namespace") or "/", group)
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
    server = RealtimeServer(
        async_mode="asgi",
        client_manager=manager,
        transports=["websocket"],
        logger=False,
        engineio_logger=False,
    )
    server.register_namespace(RealtimeNamespace(context))
    return server
