"""After-commit callbacks of one key (a thread) run in the order their transactions took
their places, which for a thread's messages is seq order.

Two transactions that add to one thread are serialized by the seq allocation (a row lock
on PostgreSQL, the write lock on SQLite), but once both have committed nothing orders what
runs after: the second one's event can leave the process first, and through Redis two
publishes on different connections can arrive in either order. So a callback registered
for a key takes its place in that key's lane while its transaction still holds the lock,
and runs only once every earlier place in the lane has run or been given up (its
transaction rolled back). One place runs at a time per lane; lanes of different keys do
not wait for each other. This orders events within one process; a client still orders
what reaches it from several processes by seq (docs/api.md, "Staying complete").
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine, Hashable
from dataclasses import dataclass, field
from typing import Any

logger = logging.getLogger("interlude.commit_order")

AfterCommit = Callable[[], Awaitable[None]]


@dataclass(eq=False, slots=True)
class Place:
    """A place in a lane: empty until its transaction ends, then its callback or nothing."""

    key: Hashable
    callback: AfterCommit | None = None
    settled: bool = False


@dataclass(eq=False, slots=True)
class _Lane:
    places: deque[Place] = field(default_factory=deque)
    running: bool = False


class CommitOrder:
    """The lanes of one process (owned by its `Database`)."""

    def __init__(self) -> None:
        self._lanes: dict[Hashable, _Lane] = {}
        self._background: set[asyncio.Task[None]] = set()

    def take_place(self, key: Hashable) -> Place:
        place = Place(key)
        self._lanes.setdefault(key, _Lane()).places.append(place)
        return place

    @staticmethod
    def fill(place: Place, callback: AfterCommit | None) -> None:
        """Settle `place` with its callback, or with None when its transaction did not
        commit. Synchronous, so a unit of work settles all its places before anything can
        interrupt it; `drain` then runs what is due."""
        if not place.settled:
            place.callback, place.settled = callback, True

    async def drain(self, key: Hashable) -> None:
        """Run whatever in the key's lane is now due. Returns at once if an earlier place
        is still open or another caller is running the lane: that caller runs it too."""
        lane = self._lanes.get(key)
        if lane is not None and not lane.running:
            await self._run(key, lane)

    def drain_soon(self, key: Hashable) -> None:
        """`drain` in a task of its own (after a rollback or a failure, where the caller
        must not wait for, or be interrupted in, other transactions' callbacks)."""
        lane = self._lanes.get(key)
        if lane is not None and not lane.running and lane.places[0].settled:
            self._in_background(self._run(key, lane))

    def pending(self, key: Hashable) -> int:
        """How many places the key's lane holds (for tests and diagnostics)."""
        lane = self._lanes.get(key)
        return len(lane.places) if lane is not None else 0

    async def _run(self, key: Hashable, lane: _Lane) -> None:
        if lane.running:  # a task started by `drain_soon` found another runner at work
            return
        lane.running = True
        try:
            while lane.places and lane.places[0].settled:
                callback = lane.places.popleft().callback
                if callback is None:
                    continue
                try:
                    await callback()
                except Exception:
                    logger.exception("an after-commit callback failed")
        finally:
            lane.running = False
            if not lane.places:
                if self._lanes.get(key) is lane:
                    del self._lanes[key]
            elif lane.places[0].settled:
                # Cancelled midway (the request that ran the lane went away): the rest
                # still runs, in a task of its own.
                self._in_background(self._run(key, lane))

    def _in_background(self, run: Coroutine[Any, Any, None]) -> None:
        task = asyncio.ensure_future(run)
        self._background.add(task)
        task.add_done_callback(self._background.discard)
