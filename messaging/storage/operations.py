"""Counts for a clinic's operations view: sizes and numbers only, never content."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from messaging.storage.tables import messages, sessions, thread_commits, threads, users


@dataclass(frozen=True, slots=True)
class StorageUse:
    messages: int
    message_bytes: int
    commit_bytes: int


async def count_active_sessions(
    session: AsyncSession, clinic_id: uuid.UUID, *, now: datetime, idle_since: datetime
) -> int:
    """Sessions of the clinic's people that have not ended, expired or idled out."""
    query = (
        select(func.count())
        .select_from(sessions.join(users, users.c.id == sessions.c.user_id))
        .where(
            users.c.clinic_id == clinic_id,
            sessions.c.ended_at.is_(None),
            sessions.c.expires_at > now,
            sessions.c.last_seen_at > idle_since,
        )
    )
    return int((await session.execute(query)).scalar_one())


async def storage_used(session: AsyncSession, clinic_id: uuid.UUID) -> StorageUse:
    """How much the clinic's encrypted messages and key commits take (their sizes only)."""
    of_clinic = select(threads.c.id).where(threads.c.clinic_id == clinic_id)
    message_row = (
        await session.execute(
            select(
                func.count(), func.coalesce(func.sum(func.length(messages.c.envelope)), 0)
            ).where(messages.c.thread_id.in_(of_clinic))
        )
    ).one()
    commit_bytes = (
        await session.execute(
            select(func.coalesce(func.sum(func.length(thread_commits.c.commit)), 0)).where(
                thread_commits.c.thread_id.in_(of_clinic)
            )
        )
    ).scalar_one()
    return StorageUse(int(message_row[0]), int(message_row[1]), int(commit_bytes))
