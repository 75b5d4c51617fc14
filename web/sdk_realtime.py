"""The SDK's live connection: Socket.IO over websockets, events into a queue.

A call made while the socket drops fails at once with `SocketDropped` instead of waiting
for its acknowledgement timeout, so the caller can send the same bytes over HTTP. Threads
followed with `follow` are kept complete (`ThreadTimeline`): their message events feed
them, and every connect catches them up.
"""

from __future__ import annotations

import asyncio
from typing import Any

import socketio

from web.sdk_errors import ApiError, SocketDropped
from web.sdk_timeline import ThreadTimeline

Json = dict[str, Any]
EVENTS = (
    "message",
    "message_updated",
    "read",
    "typing",
    "presence",
    "thread_updated",
    "key_changed",
    "session_ended",
    "journal_updated",
    "journal_share",
    "journal_prompt",
    "journal_prompt_answered",
    "resync",
    "urgent",
    "urgent_updated",
    "group_invited",
    "group_post",
    "group_post_updated",
    "group_post_moderated",
    "group_updated",
    "group_queue",
    "group_muted",
    "group_removed",
)
MESSAGE_EVENTS = frozenset({"message", "message_updated"})


class Realtime:
    """Receives server events in order; sends and syncs with acknowledgements."""

    def __init__(self, base_url: str, token: str) -> None:
        self.base_url = base_url
        self.token = token
        self.events: asyncio.Queue[tuple[str, Json]] = asyncio.Queue()
        self.client = socketio.AsyncClient(reconnection=False)
        self._timelines: dict[str, ThreadTimeline] = {}
        self._dropped = asyncio.Event()
        self._dropped.set()
        for name in EVENTS:
            self.client.on(name, self._recorder(name))
        self.client.on("group_posts", self._on_group_posts)
        self.client.on("disconnect", self._on_disconnect)

    def _recorder(self, name: str) -> Any:
        async def record(data: Json) -> None:
            await self.events.put((name, data))
            if name in MESSAGE_EVENTS and isinstance(data, dict):
                timeline = self._timelines.get(str(data.get("thread_id")))
                if timeline is not None:
                    await timeline.receive(data)

        return record

    async def _on_group_posts(self, batch: Json) -> None:
        """A burst of posts arrives as one event; each is queued as its own `group_post`."""
        for post in batch.get("posts", []):
            await self.events.put(("group_post", post))

    async def _on_disconnect(self, *reason: object) -> None:
        self._dropped.set()

    def follow(self, timeline: ThreadTimeline) -> None:
        """Keep `timeline` complete from this connection's events and reconnects."""
        self._timelines[timeline.thread_id] = timeline

    async def connect(self) -> None:
        """Connect (or reconnect), then catch every followed thread up."""
        self._dropped.clear()
        try:
            await self.client.connect(
                self.base_url, auth={"token": self.token}, transports=["websocket"], wait_timeout=10
            )
        except BaseException:
            self._dropped.set()
            raise
        for timeline in list(self._timelines.values()):
            await timeline.catch_up()

    async def disconnect(self) -> None:
        """Close the socket, or release what a socket that dropped or never connected holds."""
        if self.client.connected:
            await self.client.disconnect()
        else:
            await self.client.eio.disconnect(abort=True)
        self._dropped.set()

    @property
    def connected(self) -> bool:
        return bool(self.client.connected) and not self._dropped.is_set()

    async def call(self, event: str, data: Json, wait_seconds: float = 10) -> Json:
        """Send `event` and wait for its acknowledgement. Raises `SocketDropped` as soon as
        the socket is down (or goes down while waiting), `TimeoutError` after
        `wait_seconds`, and `ApiError` for an error answer."""
        if not self.connected:
            raise SocketDropped("the socket is not connected")
        answered = asyncio.ensure_future(self.client.call(event, data, timeout=wait_seconds))
        dropped = asyncio.ensure_future(self._dropped.wait())
        try:
            await asyncio.wait({answered, dropped}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            dropped.cancel()
        if not answered.done():
            answered.cancel()
            raise SocketDropped(f"the socket closed before {event!r} was answered")
        try:
            answer: Json = answered.result()
        except socketio.exceptions.TimeoutError:
            raise TimeoutError(f"no answer to {event!r} in {wait_seconds} s") from None
        except socketio.exceptions.SocketIOError as error:
            raise SocketDropped(str(error)) from None
        if "error" in answer:
            raise ApiError(0, answer["error"]["code"], answer["error"]["message"])
        return answer

    async def next(self, name: str | None = None, wait_seconds: float = 10) -> tuple[str, Json]:
        """The next event (of `name`, skipping others), or TimeoutError."""
        async with asyncio.timeout(wait_seconds):
            while True:
                event = await self.events.get()
                if name is None or event[0] == name:
                    return event

    async def sync_page(self, thread_id: str, after: int) -> tuple[list[Json], bool]:
        """One page of the messages after seq `after`, and whether more remain."""
        answer = await self.call("sync", {"threads": {thread_id: after}})
        page = answer["threads"][thread_id]
        return page["messages"], bool(page["more"])

    async def sync(self, positions: dict[str, int]) -> dict[str, list[Json]]:
        """Everything after each thread's last seen seq, following `more` until complete."""
        gathered: dict[str, list[Json]] = {thread: [] for thread in positions}
        pending = dict(positions)
        while pending:
            answer = await self.call("sync", {"threads": pending})
            next_round = {}
            for thread_id, page in answer["threads"].items():
                gathered[thread_id].extend(page["messages"])
                if page["more"]:
                    next_round[thread_id] = page["messages"][-1]["seq"]
            pending = next_round
        return gathered
