"""A group room's sender: a lone post goes out at once and by itself; posts that arrive
while the room was just sent to go out together as one `group_posts`, in the order they
came; other events keep their place between them; a failed send does not stop the room."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from web.room_batches import RoomBatches

ROOM = "group:1"
Json = dict[str, Any]


class Room:
    def __init__(self, *, failing: int = 0) -> None:
        self.sent: list[tuple[str, Json]] = []
        self.failing = failing

    async def emit(self, event: str, data: Json, rooms: list[str]) -> None:
        assert rooms == [ROOM]
        if self.failing:
            self.failing -= 1
            raise ConnectionError("the bus is away")
        self.sent.append((event, data))


def post(seq: int) -> Json:
    return {"thread_id": "1", "seq": seq}


async def idle(batches: RoomBatches) -> None:
    while batches.sending():
        await asyncio.sleep(0.001)


async def test_a_lone_post_goes_out_at_once_by_itself() -> None:
    room = Room()
    batches = RoomBatches(room.emit, window=0.05)
    batches.add(ROOM, "group_post", post(1))
    await asyncio.sleep(0)
    assert room.sent == [("group_post", post(1))]
    await idle(batches)
    assert room.sent == [("group_post", post(1))]


async def test_posts_that_come_while_the_room_was_just_sent_to_go_out_together_in_order() -> None:
    room = Room()
    batches = RoomBatches(room.emit, window=0.05)
    batches.add(ROOM, "group_post", post(1))
    await asyncio.sleep(0)  # sent; the sender now waits out the window
    for seq in (2, 3, 4):
        batches.add(ROOM, "group_post", post(seq))
    await idle(batches)
    assert room.sent == [
        ("group_post", post(1)),
        ("group_posts", {"thread_id": "1", "posts": [post(2), post(3), post(4)]}),
    ]


async def test_other_events_keep_their_place_between_posts() -> None:
    room = Room()
    batches = RoomBatches(room.emit, window=0.01)
    batches.add(ROOM, "group_post", post(1))
    await asyncio.sleep(0)
    updated = {"thread_id": "1", "epoch": 2}
    for event, data in [
        ("group_post", post(2)),
        ("group_post", post(3)),
        ("group_updated", updated),
        ("group_post", post(4)),
    ]:
        batches.add(ROOM, event, data)
    await idle(batches)
    assert [event for event, _ in room.sent] == [
        "group_post",
        "group_posts",
        "group_updated",
        "group_post",
    ]
    assert room.sent[3] == ("group_post", post(4))


async def test_a_failed_send_is_logged_and_the_room_goes_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    room = Room(failing=1)
    batches = RoomBatches(room.emit, window=0.01)
    batches.add(ROOM, "group_post", post(1))
    await idle(batches)
    batches.add(ROOM, "group_post", post(2))
    await idle(batches)
    assert room.sent == [("group_post", post(2))]
    assert "could not send a group event" in caplog.text
