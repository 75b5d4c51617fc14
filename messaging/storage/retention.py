"""Queries for retention: threads by last activity, and removing a thread entirely."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from messaging.storage.tables import (
    live_sessions,
    messages,
    thread_commits,
    thread_members,
    threads,
    urgent_flags,
)

LAST_ACTIVITY = func.coalesce(threads.c.last_message_at, threads.c.created_at)


async def oldest_threads(
    session: AsyncSession, clinic_id: uuid.UUID, *, up_to: datetime | None, limit: int
) -> list[tuple[uuid.UUID, datetime]]:
    """(thread id, last activity) of the clinic's threads, least recently active first;
    with `up_to`, only those last active at or before it."""
    query = select(threads.c.id, LAST_ACTIVITY.label("last_activity")).where(
        threads.c.clinic_id == clinic_id
    )
    if up_to is not None:
        query = query.where(up_to >= LAST_ACTIVITY)
    rows = await session.execute(query.order_by(LAST_ACTIVITY, threads.c.id).limit(limit))
    # coalesce() takes its type from its arguments, so values come back as UTC datetimes.
    return [(row[0], row[1]) for row in rows]


async def delete_thread(session: AsyncSession, thread_id: uuid.UUID) -> None:
    """The thread and everything in it: flags, messages, live sessions, commits, members."""
    for table, column in (
        (urgent_flags, urgent_flags.c.thread_id),
        (messages, messages.c.thread_id),
        (live_sessions, live_sessions.c.thread_id),
        (thread_commits, thread_commits.c.thread_id),
        (thread_members, thread_members.c.thread_id),
        (threads, threads.c.id),
    ):
        await session.execute(delete(table).where(column == thread_id))
