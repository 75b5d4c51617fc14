"""Keeping one thread complete: the algorithm of docs/api.md ("Staying complete").

A client holds a thread's messages by seq and tracks `complete_through`, the highest seq up
to which it holds every message (the contiguous prefix), never simply the highest seq seen:
its own acknowledged messages and live events can run ahead of a message it has not seen.

- After every (re)connect it fetches everything after `complete_through`, page by page.
- When a live event or an acknowledgement carries a seq above `complete_through + 1`, the
  messages in between are fetched at once, without waiting for a reconnect.
- A page fetched "after N" is everything that exists between N and its last seq, so the
  prefix advances to the page's end even if a seq in between is not shown to this member.
- Messages are shown in seq order, whatever order they arrived in; the same seq arriving
  twice (event, acknowledgement and page) is held once, the newest version winning (an
  edit or a tombstone replaces what it changes).

Live events are not ordered by the server across processes or concurrent sends: the
reordering is this class's job.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

Json = dict[str, Any]
# Everything after a seq in a thread: one page, oldest first, and whether more remain.
FetchAfter = Callable[[str, int], Awaitable[tuple[list[Json], bool]]]


def _version(payload: Json) -> tuple[bool, str]:
    """Later versions of one message sort higher: edits by time, a tombstone above all."""
    return payload.get("deleted_at") is not None, payload.get("edited_at") or ""


class ThreadTimeline:
    """One thread's messages, complete up to `complete_through` and fetched up to date
    whenever a gap shows. Feed it every message payload that reaches this client."""

    def __init__(self, thread_id: str, fetch_after: FetchAfter, *, complete_through: int = 0):
        self.thread_id = thread_id
        self.complete_through = complete_through
        self._fetch_after = fetch_after
        self._held: dict[int, Json] = {}
        self._filling = asyncio.Lock()
        self.fetches = 0

    def payloads(self) -> list[Json]:
        """Every message held, in seq order."""
        return [self._held[seq] for seq in sorted(self._held)]

    def seqs(self) -> list[int]:
        return sorted(self._held)

    def has_gap(self) -> bool:
        return bool(self._held) and max(self._held) > self.complete_through

    def hold_only(self, payload: Json) -> None:
        """Hold a message without fetching what it skips (a page of history loaded to
        show, say): the next catch-up or gap fill fetches the rest."""
        if payload.get("thread_id") == self.thread_id and payload.get("seq") is not None:
            self._hold(payload)
            self._advance()

    async def receive(self, payload: Json) -> None:
        """A message from a live event, an acknowledgement or any page: held in its place,
        and any gap it reveals fetched before this returns."""
        if payload.get("thread_id") != self.thread_id or payload.get("seq") is None:
            return
        self._hold(payload)
        self._advance()
        if self.has_gap():
            await self._fetch(only_a_gap=True)

    async def catch_up(self) -> None:
        """Fetch everything after `complete_through` until the server has no more: after
        every (re)connect."""
        await self._fetch(only_a_gap=False)

    async def _fetch(self, *, only_a_gap: bool) -> None:
        async with self._filling:
            if only_a_gap and not self.has_gap():
                return  # filled while this waited for the lock
            while True:
                page, more = await self._fetch_after(self.thread_id, self.complete_through)
                self.fetches += 1
                for payload in page:
                    self._hold(payload)
                if page:
                    self.complete_through = max(self.complete_through, page[-1]["seq"])
                self._advance()
                if not more or not page:
                    return

    def _hold(self, payload: Json) -> None:
        seq: int = payload["seq"]
        held = self._held.get(seq)
        if held is None or _version(payload) >= _version(held):
            self._held[seq] = payload

    def _advance(self) -> None:
        while self.complete_through + 1 in self._held:
            self.complete_through += 1
