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
) -> None:
    """Address `event` to the live sessions of `user_ids`, sent once the transaction commits."""
    sessions = await thread_store.live_session_rooms(uow.session, sorted(set(user_ids)), now)
    rooms = [session_room(s) for s in sessions if s != exclude_session]
    if not rooms:
        return

    async def send() -> None:
        await publisher.publish(event, data, rooms)

    uow.after_commit(send)


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
