"""The SDK's live connection: Socket.IO over websockets, events into a queue."""

from __future__ import annotations

import asyncio
from typing import Any

import socketio

from web.sdk_errors import ApiError

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
    "group_invited",
    "group_post",
    "group_post_updated",
    "group_post_moderated",
    "group_updated",
    "group_queue",
    "group_muted",
    "group_removed",
)


class Realtime:
    """Receives server events in order; sends and syncs with acknowledgements."""

    def __init__(self, base_url: str, token: str) -> None:
        self.base_url = base_url
        self.token = token
        self.events: asyncio.Queue[tuple[str, Json]] = asyncio.Queue()
        self.client = socketio.AsyncClient(reconnection=False)
        for name in EVENTS:
            self.client.on(name, self._recorder(name))

    def _recorder(self, name: str) -> Any:
        async def record(data: Json) -> None:
            await self.events.put((name, data))

        return record

    async def connect(self) -> None:
        await self.client.connect(
            self.base_url, auth={"token": self.token}, transports=["websocket"], wait_timeout=10
        )

    async def disconnect(self) -> None:
        if self.client.connected:
            await self.client.disconnect()

    @property
    def connected(self) -> bool:
        return bool(self.client.connected)

    async def call(self, event: str, data: Json, wait_seconds: float = 10) -> Json:
        answer: Json = await self.client.call(event, data, timeout=wait_seconds)
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
