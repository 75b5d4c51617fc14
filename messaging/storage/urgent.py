"""Queries for urgent flags and the clinic's on-call contacts."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from messaging.storage.records import UrgentFlagRecord, UserRecord
from messaging.storage.tables import on_call_contacts, thread_members, urgent_flags, users


async def insert_flag(session: AsyncSession, record: UrgentFlagRecord) -> None:
    await session.execute(urgent_flags.insert().values(record.columns()))


async def get_flag(session: AsyncSession, flag_id: uuid.UUID) -> UrgentFlagRecord | None:
    row = (
        (await session.execute(select(urgent_flags).where(urgent_flags.c.id == flag_id)))
        .mappings()
        .first()
    )
    return None if row is None else UrgentFlagRecord.from_row(row)


async def flag_of_message(session: AsyncSession, message_id: uuid.UUID) -> UrgentFlagRecord | None:
    row = (
        (await session.execute(select(urgent_flags).where(urgent_flags.c.message_id == message_id)))
        .mappings()
        .first()
    )
    return None if row is None else UrgentFlagRecord.from_row(row)


async def flags_since(
    session: AsyncSession, sender_id: uuid.UUID, since: datetime
) -> list[datetime]:
    """When the sender's flags after `since` were made, oldest first (the hourly limit)."""
    rows = await session.execute(
        select(urgent_flags.c.created_at)
        .where(urgent_flags.c.sender_id == sender_id, urgent_flags.c.created_at > since)
        .order_by(urgent_flags.c.created_at)
    )
    return [row[0] for row in rows]


async def acknowledge(
    session: AsyncSession, flag_id: uuid.UUID, by: uuid.UUID, now: datetime
) -> bool:
    result = await session.execute(
        update(urgent_flags)
        .where(urgent_flags.c.id == flag_id, urgent_flags.c.acknowledged_at.is_(None))
        .values(acknowledged_at=now, acknowledged_by=by)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def flags_of_thread(session: AsyncSession, thread_id: uuid.UUID) -> list[UrgentFlagRecord]:
    rows = await session.execute(
        select(urgent_flags)
        .where(urgent_flags.c.thread_id == thread_id)
        .order_by(urgent_flags.c.created_at, urgent_flags.c.id)
    )
    return [UrgentFlagRecord.from_row(row) for row in rows.mappings()]


async def open_flags_for(
    session: AsyncSession, user_id: uuid.UUID, clinic_id: uuid.UUID, *, on_call: bool
) -> list[UrgentFlagRecord]:
    """Unacknowledged flags the user must see: in threads where they are a current member,
    and, for an on-call contact, every one of the clinic's. Oldest first."""
    member_threads = select(thread_members.c.thread_id).where(
        thread_members.c.user_id == user_id, thread_members.c.left_at.is_(None)
    )
    query = select(urgent_flags).where(urgent_flags.c.acknowledged_at.is_(None))
    if on_call:
        query = query.where(urgent_flags.c.clinic_id == clinic_id)
    else:
        query = query.where(urgent_flags.c.thread_id.in_(member_threads))
    rows = await session.execute(query.order_by(urgent_flags.c.created_at, urgent_flags.c.id))
    return [UrgentFlagRecord.from_row(row) for row in rows.mappings()]


async def on_call_of(session: AsyncSession, clinic_id: uuid.UUID) -> list[UserRecord]:
    """The clinic's on-call contacts who are still active."""
    rows = await session.execute(
        select(users)
        .join(on_call_contacts, on_call_contacts.c.user_id == users.c.id)
        .where(on_call_contacts.c.clinic_id == clinic_id, users.c.status == "active")
        .order_by(users.c.display_name, users.c.id)
    )
    return [UserRecord.from_row(row) for row in rows.mappings()]


async def is_on_call(session: AsyncSession, clinic_id: uuid.UUID, user_id: uuid.UUID) -> bool:
    found = await session.scalar(
        select(func.count())
        .select_from(on_call_contacts)
        .where(on_call_contacts.c.clinic_id == clinic_id, on_call_contacts.c.user_id == user_id)
    )
    return bool(found)


async def replace_on_call(
    session: AsyncSession, clinic_id: uuid.UUID, user_ids: list[uuid.UUID], now: datetime
) -> None:
    await session.execute(delete(on_call_contacts).where(on_call_contacts.c.clinic_id == clinic_id))
    for user_id in user_ids:
        await session.execute(
            on_call_contacts.insert().values(clinic_id=clinic_id, user_id=user_id, created_at=now)
        )
