"""Group posts to one room go out together when they come faster than a room can be sent.

Every post to a group costs one websocket frame per member, and at a few hundred members
those frames are most of what a post costs the server and the members' devices. So each
group room has a sender: the first event after a quiet moment goes out at once; events
that arrive while the sender waits out `COALESCE_SECONDS` after a send go out together
next, consecutive posts as one `group_posts` event (`{thread_id, posts}`, one frame per
member for the whole batch). At low load nothing waits; under load the batch grows with
the load and a post waits at most the window. Events keep the order in which they were
added, which the commit order (`messaging.storage.commit_order`) makes seq order.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

logger = logging.getLogger("interlude.realtime")

COALESCE_SECONDS = 0.01
POST_EVENT = "group_post"
BATCH_EVENT = "group_posts"

Json = dict[str, Any]
Emit = Callable[[str, Json, list[str]], Awaitable[None]]


def coalesced(events: list[tuple[str, Json]]) -> Iterator[tuple[str, Json]]:
    """Runs of two or more posts become one batch; everything else stays as it is, in
    order."""
    run: list[Json] = []
    for event, data in [*events, ("", {})]:
        if event == POST_EVENT:
            run.append(data)
            continue
        if len(run) == 1:
            yield POST_EVENT, run[0]
        elif run:
            yield BATCH_EVENT, {"thread_id": run[0]["thread_id"], "posts": run}
        run = []
        if event:
            yield event, data


class RoomBatches:
    """The senders of this process's group rooms."""

    def __init__(self, emit: Emit, *, window: float = COALESCE_SECONDS) -> None:
        self._emit = emit
        self._window = window
        self._queued: dict[str, list[tuple[str, Json]]] = {}
        self._senders: dict[str, asyncio.Task[None]] = {}

    def add(self, room: str, event: str, data: Json) -> None:
        self._queued.setdefault(room, []).append((event, data))
        if room not in self._senders:
            self._senders[room] = asyncio.ensure_future(self._send(room))

    def sending(self) -> int:
        """Rooms with a sender at work (for tests)."""
        return len(self._senders)

    async def _send(self, room: str) -> None:
        try:
            while queued := self._queued.pop(room, None):
                for event, data in coalesced(queued):
                    try:
                        await self._emit(event, data, [room])
                    except Exception:
                        logger.exception("could not send a group event")
                await asyncio.sleep(self._window)
        finally:
            del self._senders[room]
