"""Queries for delayed-reply mode: schedules, reply-by times, live sessions, send-later."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from messaging.storage.accounts import set_time_zone
from messaging.storage.records import (
    LiveSessionRecord,
    MessageRecord,
    ScheduleRecord,
    ThreadRecord,
)
from messaging.storage.tables import (
    live_sessions,
    messages,
    therapist_schedules,
    thread_members,
    threads,
    users,
)


async def get_schedule(session: AsyncSession, user_id: uuid.UUID) -> ScheduleRecord | None:
    row = (
        (
            await session.execute(
                select(therapist_schedules, users.c.time_zone)
                .join(users, users.c.id == therapist_schedules.c.user_id)
                .where(therapist_schedules.c.user_id == user_id)
            )
        )
        .mappings()
        .first()
    )
    return None if row is None else ScheduleRecord.from_row(row)


async def schedules_with_zones(
    session: AsyncSession, user_ids: list[uuid.UUID]
) -> dict[uuid.UUID, tuple[ScheduleRecord | None, str]]:
    """For each of these people their schedule (None if they never set one) and their
    time zone, in one query (what the reply timer needs for a thread's therapists)."""
    if not user_ids:
        return {}
    rows = await session.execute(
        select(users.c.id, users.c.time_zone, therapist_schedules)
        .select_from(users)
        .outerjoin(therapist_schedules, therapist_schedules.c.user_id == users.c.id)
        .where(users.c.id.in_(user_ids))
    )
    found: dict[uuid.UUID, tuple[ScheduleRecord | None, str]] = {}
    for row in rows:
        columns = row._mapping
        record = None
        if columns[therapist_schedules.c.user_id] is not None:
            fields = {
                name: columns[therapist_schedules.c[name]]
                for name in ScheduleRecord.__slots__
                if name != "time_zone"
            }
            record = ScheduleRecord(**fields, time_zone=columns[users.c.time_zone])
        found[columns[users.c.id]] = (record, columns[users.c.time_zone])
    return found


async def save_schedule(session: AsyncSession, record: ScheduleRecord) -> None:
    """Upsert the schedule; the time zone goes to the person (users.time_zone)."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    values = {k: v for k, v in record.columns().items() if k != "time_zone"}
    statement = insert(therapist_schedules).values(values)
    statement = statement.on_conflict_do_update(
        index_elements=["user_id"],
        set_={key: statement.excluded[key] for key in values if key != "user_id"},
    )
    await session.execute(statement)
    await set_time_zone(session, record.user_id, record.time_zone)


async def set_awaiting(
    session: AsyncSession, thread_id: uuid.UUID, since: datetime, due: datetime
) -> None:
    await session.execute(
        update(threads)
        .where(threads.c.id == thread_id)
        .values(awaiting_since=since, reply_due_at=due)
    )


async def clear_awaiting(session: AsyncSession, thread_id: uuid.UUID) -> None:
    await session.execute(
        update(threads)
        .where(threads.c.id == thread_id)
        .values(awaiting_since=None, reply_due_at=None)
    )


async def awaiting_threads_of(session: AsyncSession, therapist_id: uuid.UUID) -> list[ThreadRecord]:
    """The therapist's threads awaiting a reply, soonest due first (index on reply_due_at)."""
    rows = await session.execute(
        select(threads)
        .join(thread_members, thread_members.c.thread_id == threads.c.id)
        .where(
            thread_members.c.user_id == therapist_id,
            thread_members.c.left_at.is_(None),
            threads.c.reply_due_at.is_not(None),
        )
        .order_by(threads.c.reply_due_at, threads.c.id)
    )
    return [ThreadRecord.from_row(row) for row in rows.mappings()]


async def overdue_counts(
    session: AsyncSession, clinic_id: uuid.UUID, now: datetime
) -> list[tuple[uuid.UUID, str, int]]:
    """(therapist id, display name, overdue threads) for every therapist of the clinic."""
    overdue = func.count(threads.c.id).filter(threads.c.reply_due_at <= now)
    rows = await session.execute(
        select(users.c.id, users.c.display_name, overdue)
        .select_from(users)
        .outerjoin(
            thread_members,
            (thread_members.c.user_id == users.c.id) & thread_members.c.left_at.is_(None),
        )
        .outerjoin(threads, threads.c.id == thread_members.c.thread_id)
        .where(users.c.clinic_id == clinic_id, users.c.role == "therapist")
        .group_by(users.c.id, users.c.display_name)
        .order_by(users.c.display_name, users.c.id)
    )
    return [(row[0], str(row[1]), int(row[2])) for row in rows]


async def insert_live_session(session: AsyncSession, record: LiveSessionRecord) -> None:
    await session.execute(live_sessions.insert().values(record.columns()))


async def get_live_session(
    session: AsyncSession, session_id: uuid.UUID
) -> LiveSessionRecord | None:
    row = (
        (await session.execute(select(live_sessions).where(live_sessions.c.id == session_id)))
        .mappings()
        .first()
    )
    return None if row is None else LiveSessionRecord.from_row(row)


async def move_live_session(
    session: AsyncSession, session_id: uuid.UUID, starts_at: datetime, ends_at: datetime
) -> None:
    await session.execute(
        update(live_sessions)
        .where(live_sessions.c.id == session_id)
        .values(starts_at=starts_at, ends_at=ends_at)
    )


async def cancel_live_session(session: AsyncSession, session_id: uuid.UUID, now: datetime) -> bool:
    result = await session.execute(
        update(live_sessions)
        .where(live_sessions.c.id == session_id, live_sessions.c.cancelled_at.is_(None))
        .values(cancelled_at=now)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def live_sessions_of(
    session: AsyncSession, thread_id: uuid.UUID, *, ending_after: datetime
) -> list[LiveSessionRecord]:
    """Current and upcoming sessions of a thread (not cancelled), soonest first."""
    rows = await session.execute(
        select(live_sessions)
        .where(
            live_sessions.c.thread_id == thread_id,
            live_sessions.c.cancelled_at.is_(None),
            live_sessions.c.ends_at > ending_after,
        )
        .order_by(live_sessions.c.starts_at, live_sessions.c.id)
    )
    return [LiveSessionRecord.from_row(row) for row in rows.mappings()]


async def is_live(session: AsyncSession, thread_id: uuid.UUID, now: datetime) -> bool:
    found = await session.scalar(
        select(func.count())
        .select_from(live_sessions)
        .where(
            live_sessions.c.thread_id == thread_id,
            live_sessions.c.cancelled_at.is_(None),
            live_sessions.c.starts_at <= now,
            live_sessions.c.ends_at > now,
        )
    )
    return bool(found)


async def live_threads(
    session: AsyncSession, thread_ids: set[uuid.UUID], now: datetime
) -> set[uuid.UUID]:
    """Which of these threads are inside a live session now, in one query."""
    if not thread_ids:
        return set()
    rows = await session.execute(
        select(live_sessions.c.thread_id).where(
            live_sessions.c.thread_id.in_(sorted(thread_ids)),
            live_sessions.c.cancelled_at.is_(None),
            live_sessions.c.starts_at <= now,
            live_sessions.c.ends_at > now,
        )
    )
    return set(rows.scalars())


async def scheduled_messages(
    session: AsyncSession, thread_id: uuid.UUID, sender_id: uuid.UUID
) -> list[MessageRecord]:
    rows = await session.execute(
        select(messages)
        .where(
            messages.c.thread_id == thread_id,
            messages.c.state == "scheduled",
            messages.c.sender_id == sender_id,
        )
        .order_by(messages.c.deliver_at, messages.c.id)
    )
    return [MessageRecord.from_row(row) for row in rows.mappings()]


async def due_scheduled(
    session: AsyncSession, thread_id: uuid.UUID, up_to: datetime
) -> list[MessageRecord]:
    """A thread's scheduled messages due by `up_to`, in delivery order."""
    rows = await session.execute(
        select(messages)
        .where(
            messages.c.thread_id == thread_id,
            messages.c.state == "scheduled",
            messages.c.deliver_at <= up_to,
        )
        .order_by(messages.c.deliver_at, messages.c.created_at, messages.c.id)
    )
    return [MessageRecord.from_row(row) for row in rows.mappings()]


async def release_message(
    session: AsyncSession, message_id: uuid.UUID, seq: int, now: datetime
) -> bool:
    """Scheduled → visible with its sequence number, only if still scheduled."""
    result = await session.execute(
        update(messages)
        .where(messages.c.id == message_id, messages.c.state == "scheduled")
        .values(state="visible", seq=seq, created_at=now)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def cancel_scheduled(session: AsyncSession, message_id: uuid.UUID, now: datetime) -> bool:
    """Scheduled → removed (ciphertext dropped), only if still scheduled."""
    result = await session.execute(
        update(messages)
        .where(messages.c.id == message_id, messages.c.state == "scheduled")
        .values(state="removed", envelope=None, deleted_at=now)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def replace_scheduled(
    session: AsyncSession,
    message_id: uuid.UUID,
    *,
    envelope: bytes,
    client_message_id: bytes,
    epoch: int,
    deliver_at: datetime,
) -> bool:
    result = await session.execute(
        update(messages)
        .where(messages.c.id == message_id, messages.c.state == "scheduled")
        .values(
            envelope=envelope,
            client_message_id=client_message_id,
            epoch=epoch,
            deliver_at=deliver_at,
        )
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]
