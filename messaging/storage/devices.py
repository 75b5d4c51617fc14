"""Queries for known devices and the pending new-sign-in notice of a person."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import delete, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from messaging.storage.tables import known_devices, pending_login_notices


async def remember_device(
    session: AsyncSession, user_id: uuid.UUID, device_hash: bytes, now: datetime
) -> bool:
    """Note the device; True if it was not known before (concurrent first sign-ins from the
    same device: only one of them finds it new)."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = (
        insert(known_devices)
        .values(user_id=user_id, device_hash=device_hash, first_seen_at=now)
        .on_conflict_do_nothing(index_elements=["user_id", "device_hash"])
        .returning(known_devices.c.user_id)
    )
    return (await session.execute(statement)).scalar_one_or_none() is not None


async def join_pending_login_notice(session: AsyncSession, user_id: uuid.UUID) -> bool:
    """Count one more sign-in into the queued notice; False if none is queued."""
    result = await session.execute(
        update(pending_login_notices)
        .where(pending_login_notices.c.user_id == user_id)
        .values(sign_ins=pending_login_notices.c.sign_ins + 1)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def add_pending_login_notice(session: AsyncSession, user_id: uuid.UUID, job_id: int) -> None:
    """Mark job `job_id` as the person's pending notice (a racing first one keeps its row;
    this job then reports its own sign-in alone)."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    await session.execute(
        insert(pending_login_notices)
        .values(user_id=user_id, job_id=job_id, sign_ins=1)
        .on_conflict_do_nothing(index_elements=["user_id"])
    )


async def take_pending_login_notice(session: AsyncSession, user_id: uuid.UUID, job_id: int) -> int:
    """How many sign-ins job `job_id` covers (at least 1), ending its pending row."""
    count = await session.scalar(
        delete(pending_login_notices)
        .where(pending_login_notices.c.user_id == user_id, pending_login_notices.c.job_id == job_id)
        .returning(pending_login_notices.c.sign_ins)
    )
    return max(int(count or 1), 1)
