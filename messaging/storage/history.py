"""Queries for history seals: earlier epoch keys shared with a later-joining therapist."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from messaging.storage.tables import history_seals


async def replace_seals(
    session: AsyncSession,
    thread_id: uuid.UUID,
    recipient_id: uuid.UUID,
    granted_by: uuid.UUID,
    seals: list[tuple[int, bytes]],
    now: datetime,
) -> None:
    """The recipient's seals in the thread become exactly `seals` (a newer grant, e.g. to
    their new key, replaces an older one)."""
    await session.execute(
        delete(history_seals).where(
            history_seals.c.thread_id == thread_id, history_seals.c.recipient_id == recipient_id
        )
    )
    await session.execute(
        history_seals.insert(),
        [
            {
                "thread_id": thread_id,
                "recipient_id": recipient_id,
                "epoch": epoch,
                "seal": seal,
                "granted_by": granted_by,
                "created_at": now,
            }
            for epoch, seal in seals
        ],
    )


async def seals_for(
    session: AsyncSession, thread_id: uuid.UUID, recipient_id: uuid.UUID
) -> list[tuple[int, bytes]]:
    rows = await session.execute(
        select(history_seals.c.epoch, history_seals.c.seal)
        .where(history_seals.c.thread_id == thread_id, history_seals.c.recipient_id == recipient_id)
        .order_by(history_seals.c.epoch)
    )
    return [(int(epoch), bytes(seal)) for epoch, seal in rows]


async def recipients(session: AsyncSession, thread_id: uuid.UUID) -> list[uuid.UUID]:
    rows = await session.execute(
        select(history_seals.c.recipient_id)
        .where(history_seals.c.thread_id == thread_id)
        .distinct()
    )
    return [row[0] for row in rows]
