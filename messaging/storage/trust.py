"""Queries for a person's encrypted trust marks (one versioned row per person)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from messaging.storage.tables import trust_marks


async def get_marks(session: AsyncSession, user_id: uuid.UUID) -> tuple[bytes, int] | None:
    row = (
        await session.execute(
            select(trust_marks.c.blob, trust_marks.c.version).where(
                trust_marks.c.user_id == user_id
            )
        )
    ).first()
    return None if row is None else (bytes(row[0]), int(row[1]))


async def replace_marks(
    session: AsyncSession, user_id: uuid.UUID, blob: bytes, expected: int, now: datetime
) -> bool:
    """Store version expected + 1 if the stored one is `expected` (0: none yet)."""
    if expected == 0:
        insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
        statement = (
            insert(trust_marks)
            .values(user_id=user_id, blob=blob, version=1, updated_at=now)
            .on_conflict_do_nothing(index_elements=["user_id"])
            .returning(trust_marks.c.version)
        )
        return (await session.execute(statement)).scalar_one_or_none() is not None
    result = await session.execute(
        update(trust_marks)
        .where(trust_marks.c.user_id == user_id, trust_marks.c.version == expected)
        .values(blob=blob, version=expected + 1, updated_at=now)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]
