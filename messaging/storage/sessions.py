"""Queries for login sessions and the login throttle."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import and_, bindparam, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from messaging.storage.records import SessionRecord, UserRecord
from messaging.storage.tables import login_throttle, sessions, users


async def insert_session(session: AsyncSession, record: SessionRecord) -> None:
    await session.execute(sessions.insert().values(record.columns()))


# Built once: every request and socket connect runs it, and building the expression is a
# good part of its cost in Python.
LIVE_SESSION = (
    select(sessions, users)
    .join(users, users.c.id == sessions.c.user_id)
    .where(
        sessions.c.token_hash == bindparam("token_hash"),
        sessions.c.ended_at.is_(None),
        sessions.c.expires_at > bindparam("now", type_=sessions.c.expires_at.type),
    )
)


async def find_live_session(
    session: AsyncSession, token_hash: bytes, now: datetime
) -> tuple[SessionRecord, UserRecord] | None:
    """The session for a token and its user, if the session has not ended or expired."""
    row = (await session.execute(LIVE_SESSION, {"token_hash": token_hash, "now": now})).first()
    if row is None:
        return None
    mapping = row._mapping
    session_columns = {name: mapping[sessions.c[name]] for name in SessionRecord.__slots__}
    user_columns = {name: mapping[users.c[name]] for name in UserRecord.__slots__}
    return SessionRecord(**session_columns), UserRecord(**user_columns)


async def touch_session(session: AsyncSession, session_id: uuid.UUID, now: datetime) -> None:
    await session.execute(
        update(sessions).where(sessions.c.id == session_id).values(last_seen_at=now)
    )


async def list_live_sessions(
    session: AsyncSession, user_id: uuid.UUID, now: datetime
) -> list[SessionRecord]:
    rows = await session.execute(
        select(sessions)
        .where(
            sessions.c.user_id == user_id,
            sessions.c.ended_at.is_(None),
            sessions.c.expires_at > now,
        )
        .order_by(sessions.c.last_seen_at.desc(), sessions.c.id)
    )
    return [SessionRecord.from_row(row) for row in rows.mappings()]


async def end_session(
    session: AsyncSession, session_id: uuid.UUID, user_id: uuid.UUID, now: datetime
) -> bool:
    result = await session.execute(
        update(sessions)
        .where(
            sessions.c.id == session_id,
            sessions.c.user_id == user_id,
            sessions.c.ended_at.is_(None),
        )
        .values(ended_at=now)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def end_sessions_of_user(
    session: AsyncSession, user_id: uuid.UUID, now: datetime, *, keep: uuid.UUID | None = None
) -> list[uuid.UUID]:
    """End every live session of a user except `keep`; returns the ids ended."""
    condition = and_(sessions.c.user_id == user_id, sessions.c.ended_at.is_(None))
    if keep is not None:
        condition = and_(condition, sessions.c.id != keep)
    result = await session.execute(
        update(sessions).where(condition).values(ended_at=now).returning(sessions.c.id)
    )
    return list(result.scalars())


async def throttle_state(
    session: AsyncSession, key_hash: bytes
) -> tuple[datetime, int, datetime | None] | None:
    row = (
        (await session.execute(select(login_throttle).where(login_throttle.c.key_hash == key_hash)))
        .mappings()
        .first()
    )
    if row is None:
        return None
    return row["window_started_at"], row["failures"], row["locked_until"]


async def save_throttle_state(
    session: AsyncSession,
    key_hash: bytes,
    *,
    window_started_at: datetime,
    failures: int,
    locked_until: datetime | None,
) -> None:
    values = {
        "key_hash": key_hash,
        "window_started_at": window_started_at,
        "failures": failures,
        "locked_until": locked_until,
    }
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = insert(login_throttle).values(values)
    statement = statement.on_conflict_do_update(
        index_elements=["key_hash"],
        set_={key: statement.excluded[key] for key in values if key != "key_hash"},
    )
    await session.execute(statement)


async def clear_throttle(session: AsyncSession, key_hash: bytes) -> None:
    await session.execute(login_throttle.delete().where(login_throttle.c.key_hash == key_hash))
