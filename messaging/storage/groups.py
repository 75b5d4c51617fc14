"""Queries for group threads: groups, memberships, posts' moderation, moderator keys and
reports. Membership rows carry the pseudonymous member id; user ids never leave the
server except to the group's moderators."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Table, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from messaging.storage.records import MessageRecord, Record, ThreadRecord
from messaging.storage.tables import (
    group_members,
    group_mod_keys,
    group_posts,
    group_reports,
    groups,
    messages,
    threads,
    users,
)


@dataclass(frozen=True, slots=True)
class GroupRecord(Record):
    thread_id: uuid.UUID
    policy: str
    info: bytes
    admin_seals: dict[str, str]
    mod_generation: int
    label: bytes | None


@dataclass(frozen=True, slots=True)
class GroupMemberRecord(Record):
    id: uuid.UUID
    thread_id: uuid.UUID
    user_id: uuid.UUID
    role: str
    state: str
    pseudonym: str | None
    bundle: bytes | None
    sign_pk: bytes | None
    box_pk: bytes | None
    key_id: bytes | None
    certificate: bytes | None
    info_seal: bytes
    invited_by: uuid.UUID
    invited_at: datetime
    joined_at: datetime | None
    removed_at: datetime | None
    muted_until: datetime | None
    rejoin_forbidden: bool
    read_seq: int


@dataclass(frozen=True, slots=True)
class GroupPostRecord(Record):
    message_id: uuid.UUID
    thread_id: uuid.UUID
    member_id: uuid.UUID
    moderation: str | None
    reason: str | None
    moderated_by: uuid.UUID | None
    moderated_at: datetime | None
    release: bytes | None
    author_copy: bytes | None


@dataclass(frozen=True, slots=True)
class ModKeyRecord(Record):
    thread_id: uuid.UUID
    generation: int
    package: bytes
    public_key: bytes
    created_at: datetime


@dataclass(frozen=True, slots=True)
class ReportRecord(Record):
    id: uuid.UUID
    thread_id: uuid.UUID
    message_id: uuid.UUID
    reporter_id: uuid.UUID
    category: int
    seal: bytes
    created_at: datetime
    resolved_at: datetime | None
    resolved_by: uuid.UUID | None


async def _one(session: AsyncSession, query: Any) -> Any:
    return (await session.execute(query)).mappings().first()


async def insert_group(session: AsyncSession, record: GroupRecord) -> None:
    await session.execute(groups.insert().values(record.columns()))


async def get_group(session: AsyncSession, thread_id: uuid.UUID) -> GroupRecord | None:
    row = await _one(session, select(groups).where(groups.c.thread_id == thread_id))
    return None if row is None else GroupRecord.from_row(row)


async def clinic_groups(session: AsyncSession, clinic_id: uuid.UUID) -> list[GroupRecord]:
    rows = await session.execute(
        select(groups)
        .join(threads, threads.c.id == groups.c.thread_id)
        .where(threads.c.clinic_id == clinic_id)
        .order_by(threads.c.created_at, threads.c.id)
    )
    return [GroupRecord.from_row(row) for row in rows.mappings()]


async def set_label(session: AsyncSession, thread_id: uuid.UUID, label: bytes) -> None:
    await session.execute(update(groups).where(groups.c.thread_id == thread_id).values(label=label))


async def set_mod_generation(session: AsyncSession, thread_id: uuid.UUID, generation: int) -> None:
    await session.execute(
        update(groups).where(groups.c.thread_id == thread_id).values(mod_generation=generation)
    )


async def insert_member(session: AsyncSession, record: GroupMemberRecord) -> None:
    await session.execute(group_members.insert().values(record.columns()))


async def get_member(session: AsyncSession, member_id: uuid.UUID) -> GroupMemberRecord | None:
    row = await _one(session, select(group_members).where(group_members.c.id == member_id))
    return None if row is None else GroupMemberRecord.from_row(row)


async def membership_of(
    session: AsyncSession, thread_id: uuid.UUID, user_id: uuid.UUID
) -> GroupMemberRecord | None:
    row = await _one(
        session,
        select(group_members).where(
            group_members.c.thread_id == thread_id, group_members.c.user_id == user_id
        ),
    )
    return None if row is None else GroupMemberRecord.from_row(row)


async def members(
    session: AsyncSession, thread_id: uuid.UUID, states: tuple[str, ...] = ("active",)
) -> list[GroupMemberRecord]:
    rows = await session.execute(
        select(group_members)
        .where(group_members.c.thread_id == thread_id, group_members.c.state.in_(states))
        .order_by(group_members.c.id)
    )
    return [GroupMemberRecord.from_row(row) for row in rows.mappings()]


async def invitations(
    session: AsyncSession, thread_id: uuid.UUID
) -> list[tuple[GroupMemberRecord, str]]:
    """Pending invitations with each invitee's display name (for moderators), oldest first."""
    rows = await session.execute(
        select(group_members, users.c.display_name)
        .join(users, users.c.id == group_members.c.user_id)
        .where(group_members.c.thread_id == thread_id, group_members.c.state == "invited")
        .order_by(group_members.c.invited_at, group_members.c.id)
    )
    return [
        (
            GroupMemberRecord(
                **{
                    name: row._mapping[group_members.c[name]]
                    for name in GroupMemberRecord.__slots__
                }
            ),
            str(row._mapping["display_name"]),
        )
        for row in rows
    ]


async def display_names(
    session: AsyncSession, thread_id: uuid.UUID, states: tuple[str, ...]
) -> dict[uuid.UUID, str]:
    """The names of the people behind the group's memberships in `states` (moderators)."""
    rows = await session.execute(
        select(users.c.id, users.c.display_name)
        .join(group_members, group_members.c.user_id == users.c.id)
        .where(group_members.c.thread_id == thread_id, group_members.c.state.in_(states))
    )
    return {row[0]: str(row[1]) for row in rows}


async def candidates(
    session: AsyncSession, clinic_id: uuid.UUID, thread_id: uuid.UUID, limit: int
) -> list[tuple[uuid.UUID, str]]:
    """The clinic's active clients a moderator may invite: not invited to or in the group,
    and not removed from it with rejoining forbidden; by display name."""
    taken = select(group_members.c.user_id).where(
        group_members.c.thread_id == thread_id,
        (group_members.c.state != "removed") | group_members.c.rejoin_forbidden,
    )
    rows = await session.execute(
        select(users.c.id, users.c.display_name)
        .where(
            users.c.clinic_id == clinic_id,
            users.c.role == "client",
            users.c.status == "active",
            users.c.id.not_in(taken),
        )
        .order_by(users.c.display_name, users.c.id)
        .limit(limit)
    )
    return [(row[0], str(row[1])) for row in rows]


async def memberships_of_user(
    session: AsyncSession, user_id: uuid.UUID
) -> list[tuple[GroupMemberRecord, GroupRecord, int, int]]:
    """The user's invitations and active memberships with each group and its last seq and
    unread count (visible posts after the read position, not their own)."""
    unread = (
        select(func.count())
        .select_from(messages)
        .where(
            messages.c.thread_id == group_members.c.thread_id,
            messages.c.state == "visible",
            messages.c.seq > group_members.c.read_seq,
            messages.c.sender_id != user_id,
        )
        .scalar_subquery()
    )
    rows = await session.execute(
        select(group_members, groups, threads.c.last_seq, unread.label("unread"))
        .join(groups, groups.c.thread_id == group_members.c.thread_id)
        .join(threads, threads.c.id == group_members.c.thread_id)
        .where(
            group_members.c.user_id == user_id,
            group_members.c.state.in_(("invited", "active")),
        )
        .order_by(
            func.coalesce(threads.c.last_message_at, threads.c.created_at).desc(), threads.c.id
        )
    )
    result = []
    for row in rows:
        m = row._mapping
        member = GroupMemberRecord(
            **{name: m[group_members.c[name]] for name in GroupMemberRecord.__slots__}
        )
        group = GroupRecord(**{name: m[groups.c[name]] for name in GroupRecord.__slots__})
        result.append((member, group, int(m["last_seq"]), int(m["unread"])))
    return result


async def active_group_ids(session: AsyncSession, user_id: uuid.UUID) -> list[uuid.UUID]:
    rows = await session.execute(
        select(group_members.c.thread_id).where(
            group_members.c.user_id == user_id, group_members.c.state == "active"
        )
    )
    return list(rows.scalars())


async def update_member(session: AsyncSession, member_id: uuid.UUID, **values: Any) -> None:
    await session.execute(
        update(group_members).where(group_members.c.id == member_id).values(**values)
    )


async def advance_read(session: AsyncSession, member_id: uuid.UUID, seq: int) -> bool:
    result = await session.execute(
        update(group_members)
        .where(group_members.c.id == member_id, group_members.c.read_seq < seq)
        .values(read_seq=seq)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def insert_post(session: AsyncSession, record: GroupPostRecord) -> None:
    await session.execute(group_posts.insert().values(record.columns()))


async def get_post(
    session: AsyncSession, message_id: uuid.UUID
) -> tuple[MessageRecord, GroupPostRecord] | None:
    row = await _one(
        session,
        select(messages, group_posts)
        .join(group_posts, group_posts.c.message_id == messages.c.id)
        .where(messages.c.id == message_id),
    )
    if row is None:
        return None
    return _message(row), _post(row)


def _message(row: Any) -> MessageRecord:
    return MessageRecord(**{name: row[messages.c[name]] for name in MessageRecord.__slots__})


def _post(row: Any) -> GroupPostRecord:
    return GroupPostRecord(**{name: row[group_posts.c[name]] for name in GroupPostRecord.__slots__})


async def moderate_post(session: AsyncSession, message_id: uuid.UUID, **values: Any) -> None:
    await session.execute(
        update(group_posts).where(group_posts.c.message_id == message_id).values(**values)
    )


async def posts(
    session: AsyncSession,
    thread_id: uuid.UUID,
    *,
    after_seq: int | None,
    before_seq: int | None,
    limit: int,
) -> list[tuple[MessageRecord, GroupPostRecord]]:
    """Delivered posts (visible or removed, with a seq), keyset by seq, ascending."""
    query = (
        select(messages, group_posts)
        .join(group_posts, group_posts.c.message_id == messages.c.id)
        .where(messages.c.thread_id == thread_id, messages.c.seq.is_not(None))
    )
    if after_seq is not None:
        query = query.where(messages.c.seq > after_seq).order_by(messages.c.seq).limit(limit)
        rows = list((await session.execute(query)).mappings())
    else:
        if before_seq is not None:
            query = query.where(messages.c.seq < before_seq)
        query = query.order_by(messages.c.seq.desc()).limit(limit)
        rows = list(reversed(list((await session.execute(query)).mappings())))
    return [(_message(row), _post(row)) for row in rows]


async def undelivered_posts(
    session: AsyncSession, thread_id: uuid.UUID, *, member_id: uuid.UUID | None = None
) -> list[tuple[MessageRecord, GroupPostRecord]]:
    """Held posts (and, for one author, their rejected ones), oldest first."""
    query = (
        select(messages, group_posts)
        .join(group_posts, group_posts.c.message_id == messages.c.id)
        .where(messages.c.thread_id == thread_id, messages.c.seq.is_(None))
    )
    if member_id is None:
        query = query.where(messages.c.state == "held")
    else:
        query = query.where(group_posts.c.member_id == member_id)
    rows = await session.execute(query.order_by(messages.c.created_at, messages.c.id).limit(200))
    return [(_message(row), _post(row)) for row in rows.mappings()]


async def moderated_posts_of(
    session: AsyncSession, member_id: uuid.UUID
) -> list[tuple[MessageRecord, GroupPostRecord]]:
    """An author's posts that moderation touched or still holds, newest first."""
    rows = await session.execute(
        select(messages, group_posts)
        .join(group_posts, group_posts.c.message_id == messages.c.id)
        .where(
            group_posts.c.member_id == member_id,
            (group_posts.c.moderation.is_not(None)) | (messages.c.state == "held"),
        )
        .order_by(messages.c.created_at.desc(), messages.c.id)
        .limit(200)
    )
    return [(_message(row), _post(row)) for row in rows.mappings()]


async def release_held(
    session: AsyncSession, message_id: uuid.UUID, seq: int, envelope_state: str = "visible"
) -> None:
    """Deliver a held post with `seq`; its author copy goes (the release opens it now)."""
    await session.execute(
        update(messages).where(messages.c.id == message_id).values(seq=seq, state=envelope_state)
    )
    await _drop_author_copy(session, message_id)


async def reject_held(session: AsyncSession, message_id: uuid.UUID, now: datetime) -> None:
    """Delete a rejected post's ciphertext and its author copy; it never had a seq."""
    await session.execute(
        update(messages)
        .where(messages.c.id == message_id)
        .values(envelope=None, state="removed", deleted_at=now)
    )
    await _drop_author_copy(session, message_id)


async def _drop_author_copy(session: AsyncSession, message_id: uuid.UUID) -> None:
    await session.execute(
        update(group_posts).where(group_posts.c.message_id == message_id).values(author_copy=None)
    )


async def insert_mod_key(session: AsyncSession, record: ModKeyRecord) -> None:
    await session.execute(group_mod_keys.insert().values(record.columns()))


async def mod_keys(session: AsyncSession, thread_id: uuid.UUID) -> list[ModKeyRecord]:
    rows = await session.execute(
        select(group_mod_keys)
        .where(group_mod_keys.c.thread_id == thread_id)
        .order_by(group_mod_keys.c.generation)
    )
    return [ModKeyRecord.from_row(row) for row in rows.mappings()]


async def insert_report(session: AsyncSession, record: ReportRecord) -> None:
    await session.execute(group_reports.insert().values(record.columns()))


async def get_report(session: AsyncSession, report_id: uuid.UUID) -> ReportRecord | None:
    row = await _one(session, select(group_reports).where(group_reports.c.id == report_id))
    return None if row is None else ReportRecord.from_row(row)


async def find_report(
    session: AsyncSession, message_id: uuid.UUID, reporter_id: uuid.UUID
) -> ReportRecord | None:
    row = await _one(
        session,
        select(group_reports).where(
            group_reports.c.message_id == message_id, group_reports.c.reporter_id == reporter_id
        ),
    )
    return None if row is None else ReportRecord.from_row(row)


async def open_reports(session: AsyncSession, thread_id: uuid.UUID) -> list[ReportRecord]:
    rows = await session.execute(
        select(group_reports)
        .where(group_reports.c.thread_id == thread_id, group_reports.c.resolved_at.is_(None))
        .order_by(group_reports.c.created_at, group_reports.c.id)
        .limit(200)
    )
    return [ReportRecord.from_row(row) for row in rows.mappings()]


async def resolve_report(
    session: AsyncSession, report_id: uuid.UUID, moderator_id: uuid.UUID, now: datetime
) -> None:
    await session.execute(
        update(group_reports)
        .where(group_reports.c.id == report_id)
        .values(resolved_at=now, resolved_by=moderator_id)
    )


async def erase_memberships(session: AsyncSession, user_id: uuid.UUID, now: datetime) -> None:
    """A deleted person's group traces: every membership ends (removed at `now` unless it
    already had), its pseudonym, certificate and mute are dropped, the reports they made are
    deleted and the keys published for their posts (releases and author copies) are cleared
    (the posts' ciphertext goes with their other messages). The member ids stay: other
    members' commits name them."""
    theirs = select(group_members.c.id).where(group_members.c.user_id == user_id)
    await session.execute(delete(group_reports).where(group_reports.c.reporter_id.in_(theirs)))
    await session.execute(
        update(group_posts)
        .where(group_posts.c.member_id.in_(theirs))
        .values(release=None, author_copy=None)
    )
    await session.execute(
        update(group_members)
        .where(group_members.c.user_id == user_id, group_members.c.state != "removed")
        .values(state="removed", removed_at=now)
    )
    await session.execute(
        update(group_members)
        .where(group_members.c.user_id == user_id)
        .values(pseudonym=None, certificate=None, muted_until=None)
    )


@dataclass(frozen=True, slots=True)
class PostingState:
    """What deciding a post needs, read in one statement: the thread (locked), its group,
    the poster's membership and the id of a message they already sent under the same
    client message id (a retry)."""

    thread: ThreadRecord
    group: GroupRecord
    me: GroupMemberRecord | None
    original_id: uuid.UUID | None


async def lock_for_posting(
    session: AsyncSession, thread_id: uuid.UUID, user_id: uuid.UUID, client_message_id: bytes
) -> PostingState | None:
    """The thread row locked for the rest of the transaction (as `lock_thread`), with its
    group, the user's membership and any earlier message of theirs with that client id."""
    original = (
        select(messages.c.id)
        .where(messages.c.sender_id == user_id, messages.c.client_message_id == client_message_id)
        .scalar_subquery()
    )
    query = (
        select(threads, groups, group_members, original.label("original_id"))
        .join(groups, groups.c.thread_id == threads.c.id)
        .outerjoin(
            group_members,
            (group_members.c.thread_id == threads.c.id) & (group_members.c.user_id == user_id),
        )
        .where(threads.c.id == thread_id)
        .with_for_update(of=threads)
    )
    row = await _one(session, query)
    if row is None:
        return None
    member = row[group_members.c.id]
    return PostingState(
        thread=_from_table(ThreadRecord, row, threads),
        group=_from_table(GroupRecord, row, groups),
        me=None if member is None else _from_table(GroupMemberRecord, row, group_members),
        original_id=row["original_id"],
    )


R = TypeVar("R", bound=Record)


def _from_table(record: type[R], row: Any, table: Table) -> R:
    """A record from the columns of `table` in a row that joins tables with shared names."""
    fields: Any = record.__slots__
    return record(**{name: row[table.c[name]] for name in fields})
