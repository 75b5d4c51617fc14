"""Queries for threads, their members and their epoch commits."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import and_, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from messaging.storage.records import CommitRecord, ThreadMemberRecord, ThreadRecord
from messaging.storage.tables import (
    account_deletions,
    messages,
    sessions,
    thread_commits,
    thread_members,
    threads,
    users,
)


async def insert_thread(session: AsyncSession, record: ThreadRecord) -> None:
    await session.execute(threads.insert().values(record.columns()))


async def get_thread(session: AsyncSession, thread_id: uuid.UUID) -> ThreadRecord | None:
    row = (
        (await session.execute(select(threads).where(threads.c.id == thread_id))).mappings().first()
    )
    return None if row is None else ThreadRecord.from_row(row)


async def lock_thread(session: AsyncSession, thread_id: uuid.UUID) -> ThreadRecord | None:
    """The thread row, locked for the rest of the transaction (sequence numbers and epoch
    compare-and-swap are decided under this lock)."""
    row = (
        (await session.execute(select(threads).where(threads.c.id == thread_id).with_for_update()))
        .mappings()
        .first()
    )
    return None if row is None else ThreadRecord.from_row(row)


async def lock_thread_with_members(
    session: AsyncSession, thread_id: uuid.UUID
) -> tuple[ThreadRecord, list[ThreadMemberRecord]] | None:
    """`lock_thread` and `current_members` in one statement (the thread's row is locked;
    its members, by user id, come along): what a new message needs to be authorized."""
    query = (
        select(threads, thread_members)
        .outerjoin(
            thread_members,
            and_(thread_members.c.thread_id == threads.c.id, thread_members.c.left_at.is_(None)),
        )
        .where(threads.c.id == thread_id)
        .order_by(thread_members.c.user_id)
        .with_for_update(of=threads)
    )
    rows = (await session.execute(query)).all()
    if not rows:
        return None
    first = rows[0]._mapping
    thread = ThreadRecord(**{name: first[threads.c[name]] for name in ThreadRecord.__slots__})
    members = [
        ThreadMemberRecord(
            **{name: row._mapping[thread_members.c[name]] for name in ThreadMemberRecord.__slots__}
        )
        for row in rows
        if row._mapping[thread_members.c.user_id] is not None
    ]
    return thread, members


async def direct_thread_of_client(
    session: AsyncSession, client_id: uuid.UUID
) -> ThreadRecord | None:
    row = (
        (await session.execute(select(threads).where(threads.c.client_id == client_id)))
        .mappings()
        .first()
    )
    return None if row is None else ThreadRecord.from_row(row)


async def allocate_seq(session: AsyncSession, thread_id: uuid.UUID, now: datetime) -> int:
    """The thread's next sequence number. The row update serialises concurrent senders, and
    a rolled-back transaction gives its number back, so sequences have no gaps."""
    result = await session.execute(
        update(threads)
        .where(threads.c.id == thread_id)
        .values(last_seq=threads.c.last_seq + 1, last_message_at=now)
        .returning(threads.c.last_seq)
    )
    return int(result.scalar_one())


async def advance_epoch(
    session: AsyncSession, thread_id: uuid.UUID, *, from_epoch: int, to_epoch: int
) -> bool:
    """Compare-and-swap the thread's epoch; False if another commit won."""
    result = await session.execute(
        update(threads)
        .where(threads.c.id == thread_id, threads.c.current_epoch == from_epoch)
        .values(current_epoch=to_epoch, needs_rekey=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def mark_needs_rekey(session: AsyncSession, thread_id: uuid.UUID) -> None:
    await session.execute(update(threads).where(threads.c.id == thread_id).values(needs_rekey=True))


async def set_title(session: AsyncSession, thread_id: uuid.UUID, envelope: bytes | None) -> None:
    await session.execute(
        update(threads).where(threads.c.id == thread_id).values(title_envelope=envelope)
    )


async def insert_commit(session: AsyncSession, record: CommitRecord) -> None:
    await session.execute(thread_commits.insert().values(record.columns()))


async def get_commit(
    session: AsyncSession, thread_id: uuid.UUID, epoch: int
) -> CommitRecord | None:
    row = (
        (
            await session.execute(
                select(thread_commits).where(
                    thread_commits.c.thread_id == thread_id, thread_commits.c.epoch == epoch
                )
            )
        )
        .mappings()
        .first()
    )
    return None if row is None else CommitRecord.from_row(row)


async def list_commits(
    session: AsyncSession, thread_id: uuid.UUID, *, after_epoch: int = -1
) -> list[CommitRecord]:
    rows = await session.execute(
        select(thread_commits)
        .where(thread_commits.c.thread_id == thread_id, thread_commits.c.epoch > after_epoch)
        .order_by(thread_commits.c.epoch)
    )
    return [CommitRecord.from_row(row) for row in rows.mappings()]


async def get_member(
    session: AsyncSession, thread_id: uuid.UUID, user_id: uuid.UUID
) -> ThreadMemberRecord | None:
    row = (
        (
            await session.execute(
                select(thread_members).where(
                    thread_members.c.thread_id == thread_id, thread_members.c.user_id == user_id
                )
            )
        )
        .mappings()
        .first()
    )
    return None if row is None else ThreadMemberRecord.from_row(row)


async def current_members(session: AsyncSession, thread_id: uuid.UUID) -> list[ThreadMemberRecord]:
    rows = await session.execute(
        select(thread_members)
        .where(thread_members.c.thread_id == thread_id, thread_members.c.left_at.is_(None))
        .order_by(thread_members.c.user_id)
    )
    return [ThreadMemberRecord.from_row(row) for row in rows.mappings()]


async def upsert_member(
    session: AsyncSession, thread_id: uuid.UUID, user_id: uuid.UUID, role: str, epoch: int
) -> None:
    existing = await get_member(session, thread_id, user_id)
    if existing is None:
        await session.execute(
            thread_members.insert().values(
                thread_id=thread_id,
                user_id=user_id,
                role=role,
                joined_epoch=epoch,
                left_at=None,
                read_seq=0,
            )
        )
    elif existing.left_at is not None:
        await session.execute(
            update(thread_members)
            .where(thread_members.c.thread_id == thread_id, thread_members.c.user_id == user_id)
            .values(left_at=None, joined_epoch=epoch, role=role)
        )


async def remove_member(
    session: AsyncSession, thread_id: uuid.UUID, user_id: uuid.UUID, now: datetime
) -> bool:
    result = await session.execute(
        update(thread_members)
        .where(
            thread_members.c.thread_id == thread_id,
            thread_members.c.user_id == user_id,
            thread_members.c.left_at.is_(None),
        )
        .values(left_at=now)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def advance_read(
    session: AsyncSession, thread_id: uuid.UUID, user_id: uuid.UUID, seq: int
) -> bool:
    """Move a member's read position forward (never back)."""
    result = await session.execute(
        update(thread_members)
        .where(
            thread_members.c.thread_id == thread_id,
            thread_members.c.user_id == user_id,
            thread_members.c.read_seq < seq,
        )
        .values(read_seq=seq)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def threads_of_user(
    session: AsyncSession, user_id: uuid.UUID
) -> list[tuple[ThreadRecord, ThreadMemberRecord, int]]:
    """The user's current threads with their membership and unread count, most recent
    activity first."""
    unread = (
        select(func.count())
        .select_from(messages)
        .where(
            messages.c.thread_id == threads.c.id,
            messages.c.state == "visible",
            messages.c.seq > thread_members.c.read_seq,
            messages.c.sender_id != user_id,
        )
        .scalar_subquery()
    )
    rows = await session.execute(
        select(threads, thread_members, unread.label("unread"))
        .join(thread_members, thread_members.c.thread_id == threads.c.id)
        .where(thread_members.c.user_id == user_id, thread_members.c.left_at.is_(None))
        .order_by(
            func.coalesce(threads.c.last_message_at, threads.c.created_at).desc(), threads.c.id
        )
    )
    result = []
    for row in rows:
        mapping = row._mapping
        thread = ThreadRecord(**{name: mapping[threads.c[name]] for name in ThreadRecord.__slots__})
        member = ThreadMemberRecord(
            **{name: mapping[thread_members.c[name]] for name in ThreadMemberRecord.__slots__}
        )
        result.append((thread, member, int(mapping["unread"])))
    return result


async def partners(
    session: AsyncSession, user_id: uuid.UUID
) -> list[tuple[uuid.UUID, uuid.UUID, str]]:
    """(thread id, member id, member role) of everyone who currently shares a thread with
    the user, in one query over the thread_members primary key."""
    mine = thread_members.alias("mine")
    rows = await session.execute(
        select(thread_members.c.thread_id, thread_members.c.user_id, thread_members.c.role)
        .join(mine, mine.c.thread_id == thread_members.c.thread_id)
        .where(
            mine.c.user_id == user_id,
            mine.c.left_at.is_(None),
            thread_members.c.left_at.is_(None),
            thread_members.c.user_id != user_id,
        )
    )
    return [(row.thread_id, row.user_id, row.role) for row in rows]


async def live_session_rooms(
    session: AsyncSession, user_ids: list[uuid.UUID], now: datetime
) -> list[uuid.UUID]:
    """Live session ids of these users: realtime events go to exactly these sockets."""
    if not user_ids:
        return []
    rows = await session.execute(
        select(sessions.c.id).where(
            and_(
                sessions.c.user_id.in_(user_ids),
                sessions.c.ended_at.is_(None),
                sessions.c.expires_at > now,
            )
        )
    )
    return list(rows.scalars())


async def member_names(
    session: AsyncSession, thread_ids: list[uuid.UUID]
) -> dict[uuid.UUID, list[tuple[uuid.UUID, str, str]]]:
    """Current members of these threads as (user id, role, display name), in one query;
    members whose account was deleted stay listed (as "Deleted account"), so the others
    see who wrote the deleted messages."""
    if not thread_ids:
        return {}
    deleted = select(account_deletions.c.user_id).where(
        account_deletions.c.completed_at.is_not(None)
    )
    rows = await session.execute(
        select(thread_members.c.thread_id, users.c.id, thread_members.c.role, users.c.display_name)
        .join(users, users.c.id == thread_members.c.user_id)
        .where(
            thread_members.c.thread_id.in_(thread_ids),
            thread_members.c.left_at.is_(None) | thread_members.c.user_id.in_(deleted),
        )
        .order_by(thread_members.c.thread_id, users.c.display_name, users.c.id)
    )
    names: dict[uuid.UUID, list[tuple[uuid.UUID, str, str]]] = {}
    for thread_id, user_id, role, display_name in rows:
        names.setdefault(thread_id, []).append((user_id, str(role), str(display_name)))
    return names
