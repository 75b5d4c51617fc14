"""The realtime event port and who receives an event.

Events go to the Socket.IO rooms of the recipients' *live sessions*, computed inside the
transaction that made the change and published only after it commits. A member removed
from a thread, or a session that ended, is simply not a recipient of the next event:
nothing has to be taken out of a room first, on whichever web process it lives.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, Protocol

from messaging.storage import threads as thread_store
from messaging.storage.database import UnitOfWork


class EventPublisher(Protocol):
    async def publish(self, event: str, data: dict[str, Any], rooms: Sequence[str]) -> None:
        """Deliver `event` to every socket in any of `rooms` (across all web processes)."""
        ...


class NoRealtime:
    """For processes without sockets or a Redis fan-out (e.g. operator commands): there is
    no one to tell, so events are dropped."""

    async def publish(self, event: str, data: dict[str, Any], rooms: Sequence[str]) -> None:
        return None


def session_room(session_id: uuid.UUID) -> str:
    return f"session:{session_id}"


async def publish_after_commit(
    uow: UnitOfWork,
    publisher: EventPublisher,
    event: str,
    data: dict[str, Any],
    user_ids: Iterable[uuid.UUID],
    *,
    now: datetime,
    exclude_session: uuid.UUID | None = None,
    in_order_of: uuid.UUID | None = None,
) -> None:
    """Address `event` to the live sessions of `user_ids`, sent once the transaction commits
    (after the earlier events `in_order_of` the same thread, if given)."""
    sessions = await thread_store.live_session_rooms(uow.session, sorted(set(user_ids)), now)
    rooms = [session_room(s) for s in sessions if s != exclude_session]
    if not rooms:
        return

    async def send() -> None:
        await publisher.publish(event, data, rooms)

    uow.after_commit(send, in_order_of=in_order_of)


async def tell_sessions_after_commit(
    uow: UnitOfWork,
    publisher: EventPublisher,
    event: str,
    data: dict[str, Any],
    session_ids: Iterable[uuid.UUID],
) -> None:
    """Address `event` to these sessions' sockets even if the sessions just ended (e.g.
    `session_ended`, so their clients know why nothing more arrives)."""
    rooms = [session_room(s) for s in session_ids]
    if not rooms:
        return

    async def send() -> None:
        await publisher.publish(event, data, rooms)

    uow.after_commit(send)


# Group threads: one room per group, one emit per post. Room membership follows group
# membership in every process: a room change is itself published (as `ROOM_EVENT`, to the
# member's session rooms) through the same channel as events, and each web process moves
# its own sockets in those session rooms (`web/realtime.py`).
ROOM_EVENT = "interlude:group_room"


def group_room(thread_id: uuid.UUID) -> str:
    return f"group:{thread_id}"


async def publish_to_group_after_commit(
    uow: UnitOfWork,
    publisher: EventPublisher,
    event: str,
    data: dict[str, Any],
    thread_id: uuid.UUID,
) -> None:
    """One emit to the group's room once the transaction commits, after the group's events
    of transactions that committed before it (so posts leave in seq order)."""

    async def send() -> None:
        await publisher.publish(event, data, [group_room(thread_id)])

    uow.after_commit(send, in_order_of=thread_id)


async def enter_group_room_after_commit(
    uow: UnitOfWork,
    publisher: EventPublisher,
    user_id: uuid.UUID,
    thread_id: uuid.UUID,
    *,
    now: datetime,
) -> None:
    """The user's live sockets join the group's room once their membership commits."""
    sessions = await thread_store.live_session_rooms(uow.session, [user_id], now)
    if not sessions:
        return
    rooms = [session_room(s) for s in sessions]
    data = {"room": group_room(thread_id), "enter": True}

    async def send() -> None:
        await publisher.publish(ROOM_EVENT, data, rooms)

    uow.after_commit(send)


async def leave_group_room_now(
    uow: UnitOfWork,
    publisher: EventPublisher,
    user_id: uuid.UUID,
    thread_id: uuid.UUID,
    *,
    now: datetime,
) -> None:
    """The user's sockets leave the group's room *before* the removal commits: published
    on the same channel as posts, it is handled in every process before any post made
    after the removal. (Should the removal roll back, the member only misses live events
    until their next reconnect and catch-up.)"""
    sessions = await thread_store.live_session_rooms(uow.session, [user_id], now)
    if sessions:
        await publisher.publish(
            ROOM_EVENT,
            {"room": group_room(thread_id), "enter": False},
            [session_room(s) for s in sessions],
        )
