"""Queries for notification preferences, pending notices and what a notice counts."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, delete, func, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from messaging.storage.accounts import set_time_zone
from messaging.storage.records import PreferencesRecord
from messaging.storage.tables import (
    group_members,
    live_sessions,
    messages,
    notification_preferences,
    pending_notices,
    thread_members,
    users,
)


async def get_preferences(session: AsyncSession, user_id: uuid.UUID) -> PreferencesRecord | None:
    row = (
        (
            await session.execute(
                select(notification_preferences, users.c.time_zone)
                .join(users, users.c.id == notification_preferences.c.user_id)
                .where(notification_preferences.c.user_id == user_id)
            )
        )
        .mappings()
        .first()
    )
    return None if row is None else PreferencesRecord.from_row(row)


async def save_preferences(session: AsyncSession, record: PreferencesRecord) -> None:
    """Upsert the preferences; the time zone goes to the person (users.time_zone)."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    values = {k: v for k, v in record.columns().items() if k != "time_zone"}
    statement = insert(notification_preferences).values(values)
    statement = statement.on_conflict_do_update(
        index_elements=["user_id"],
        set_={key: statement.excluded[key] for key in values if key != "user_id"},
    )
    await session.execute(statement)
    await set_time_zone(session, record.user_id, record.time_zone)


async def pending_notice(session: AsyncSession, user_id: uuid.UUID) -> tuple[datetime, int] | None:
    row = (
        (await session.execute(select(pending_notices).where(pending_notices.c.user_id == user_id)))
        .mappings()
        .first()
    )
    return None if row is None else (row["since"], int(row["job_id"]))


async def add_pending_notice(
    session: AsyncSession, user_id: uuid.UUID, since: datetime, job_id: int
) -> None:
    await session.execute(
        pending_notices.insert().values(user_id=user_id, since=since, job_id=job_id)
    )


async def repoint_pending_notice(
    session: AsyncSession, user_id: uuid.UUID, since: datetime, job_id: int
) -> None:
    await session.execute(
        pending_notices.update()
        .where(pending_notices.c.user_id == user_id)
        .values(since=since, job_id=job_id)
    )


async def clear_pending_notice(session: AsyncSession, user_id: uuid.UUID, job_id: int) -> None:
    await session.execute(
        delete(pending_notices).where(
            pending_notices.c.user_id == user_id, pending_notices.c.job_id == job_id
        )
    )


async def unread_counts(
    session: AsyncSession, user_id: uuid.UUID, *, created_after: datetime | None = None
) -> tuple[int, int]:
    """(unread messages, threads they are in) for a user, optionally only newer ones."""
    condition = and_(
        thread_members.c.user_id == user_id,
        thread_members.c.left_at.is_(None),
        messages.c.state == "visible",
        messages.c.sender_id != user_id,
        messages.c.seq > thread_members.c.read_seq,
    )
    if created_after is not None:
        condition = and_(condition, messages.c.created_at > created_after)
    row = (
        await session.execute(
            select(func.count(), func.count(func.distinct(messages.c.thread_id)))
            .select_from(messages)
            .join(thread_members, thread_members.c.thread_id == messages.c.thread_id)
            .where(condition)
        )
    ).one()
    in_groups, groups = await _group_unread(session, user_id, created_after)
    return int(row[0]) + in_groups, int(row[1]) + groups


async def _group_unread(
    session: AsyncSession, user_id: uuid.UUID, created_after: datetime | None
) -> tuple[int, int]:
    """(unread group posts, groups) for an active member; for a moderator, held posts too."""
    unread_post = and_(
        messages.c.state == "visible",
        messages.c.sender_id != user_id,
        messages.c.seq > group_members.c.read_seq,
    )
    held_for_moderator = and_(messages.c.state == "held", group_members.c.role == "moderator")
    condition = and_(
        group_members.c.user_id == user_id,
        group_members.c.state == "active",
        or_(unread_post, held_for_moderator),
    )
    if created_after is not None:
        condition = and_(condition, messages.c.created_at > created_after)
    row = (
        await session.execute(
            select(func.count(), func.count(func.distinct(messages.c.thread_id)))
            .select_from(messages)
            .join(group_members, group_members.c.thread_id == messages.c.thread_id)
            .where(condition)
        )
    ).one()
    return int(row[0]), int(row[1])


async def received_between(
    session: AsyncSession, user_id: uuid.UUID, start: datetime, end: datetime
) -> tuple[int, int]:
    """(messages, threads) the user received in [start, end), read or not."""
    row = (
        await session.execute(
            select(func.count(), func.count(func.distinct(messages.c.thread_id)))
            .select_from(messages)
            .join(thread_members, thread_members.c.thread_id == messages.c.thread_id)
            .where(
                thread_members.c.user_id == user_id,
                thread_members.c.left_at.is_(None),
                messages.c.state == "visible",
                messages.c.sender_id != user_id,
                messages.c.created_at >= start,
                messages.c.created_at < end,
            )
        )
    ).one()
    return int(row[0]), int(row[1])


@dataclass(frozen=True, slots=True)
class NoticeTarget:
    """What deciding a new-message notice needs about one recipient."""

    user_id: uuid.UUID
    clinic_id: uuid.UUID
    time_zone: str
    preferences: PreferencesRecord | None  # None: the defaults apply
    pending: bool


async def notice_targets(
    session: AsyncSession, thread_id: uuid.UUID, user_ids: list[uuid.UUID], now: datetime
) -> tuple[bool, list[NoticeTarget]]:
    """Whether the thread is in a live session now, and for each of these users their
    preferences, clinic and whether a notice is pending: one statement for a new message."""
    if not user_ids:
        return False, []
    live = (
        select(func.count())
        .select_from(live_sessions)
        .where(
            live_sessions.c.thread_id == thread_id,
            live_sessions.c.cancelled_at.is_(None),
            live_sessions.c.starts_at <= now,
            live_sessions.c.ends_at > now,
        )
        .scalar_subquery()
    )
    query = (
        select(
            users.c.id,
            users.c.clinic_id,
            users.c.time_zone,
            notification_preferences,
            pending_notices.c.user_id.label("pending_user_id"),
            live.label("live_count"),
        )
        .outerjoin(notification_preferences, notification_preferences.c.user_id == users.c.id)
        .outerjoin(pending_notices, pending_notices.c.user_id == users.c.id)
        .where(users.c.id.in_(user_ids))
        .order_by(users.c.id)
    )
    rows = (await session.execute(query)).all()
    targets = []
    for row in rows:
        found = row._mapping
        preferences = None
        if found[notification_preferences.c.user_id] is not None:
            fields = {
                name: found[notification_preferences.c[name]]
                for name in PreferencesRecord.__slots__
                if name != "time_zone"
            }
            preferences = PreferencesRecord(**fields, time_zone=found[users.c.time_zone])
        targets.append(
            NoticeTarget(
                user_id=found[users.c.id],
                clinic_id=found[users.c.clinic_id],
                time_zone=found[users.c.time_zone],
                preferences=preferences,
                pending=found["pending_user_id"] is not None,
            )
        )
    return bool(rows) and bool(rows[0]._mapping["live_count"]), targets
