"""Queries for messages."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from messaging.storage.records import IdentityKeyRecord, MessageRecord
from messaging.storage.tables import identity_keys, messages

# Members see visible messages and the tombstones of deleted ones (seqs have no holes).
SHOWN_STATES = ("visible", "removed")


async def insert_message(session: AsyncSession, record: MessageRecord) -> None:
    await session.execute(messages.insert().values(record.columns()))


async def get_message(session: AsyncSession, message_id: uuid.UUID) -> MessageRecord | None:
    row = (
        (await session.execute(select(messages).where(messages.c.id == message_id)))
        .mappings()
        .first()
    )
    return None if row is None else MessageRecord.from_row(row)


async def find_by_client_id(
    session: AsyncSession, sender_id: uuid.UUID, client_message_id: bytes
) -> MessageRecord | None:
    row = (
        (
            await session.execute(
                select(messages).where(
                    messages.c.sender_id == sender_id,
                    messages.c.client_message_id == client_message_id,
                )
            )
        )
        .mappings()
        .first()
    )
    return None if row is None else MessageRecord.from_row(row)


async def sender_key_and_original(
    session: AsyncSession, sender_id: uuid.UUID, client_message_id: bytes
) -> tuple[IdentityKeyRecord | None, MessageRecord | None]:
    """The sender's current identity key and, if this client message id was stored
    before, that message (`current_identity_key` and `find_by_client_id` in one
    statement: both are needed for every new message). No current key: (None, None)."""
    query = (
        select(identity_keys, messages)
        .outerjoin(
            messages,
            and_(
                messages.c.sender_id == identity_keys.c.user_id,
                messages.c.client_message_id == client_message_id,
            ),
        )
        .where(identity_keys.c.user_id == sender_id, identity_keys.c.retired_at.is_(None))
    )
    row = (await session.execute(query)).first()
    if row is None:
        return None, None
    found = row._mapping
    key = IdentityKeyRecord(
        **{name: found[identity_keys.c[name]] for name in IdentityKeyRecord.__slots__}
    )
    if found[messages.c.id] is None:
        return key, None
    original = MessageRecord(**{name: found[messages.c[name]] for name in MessageRecord.__slots__})
    return key, original


def history_query(
    thread_id: uuid.UUID, *, before_seq: int | None, after_seq: int | None, limit: int
) -> Select[Any]:
    """The keyset page query over the (thread_id, seq) unique index: forward from
    `after_seq` in ascending seq, otherwise the newest `limit` before `before_seq` in
    descending seq. No other index matches it (see migration 0012)."""
    query = select(messages).where(
        messages.c.thread_id == thread_id,
        messages.c.seq.is_not(None),
        messages.c.state.in_(SHOWN_STATES),
    )
    if after_seq is not None:
        return query.where(messages.c.seq > after_seq).order_by(messages.c.seq).limit(limit)
    if before_seq is not None:
        query = query.where(messages.c.seq < before_seq)
    return query.order_by(messages.c.seq.desc()).limit(limit)


async def history(
    session: AsyncSession,
    thread_id: uuid.UUID,
    *,
    before_seq: int | None,
    after_seq: int | None,
    limit: int,
) -> list[MessageRecord]:
    """A keyset page by seq, in ascending seq order. `after_seq` pages forward from a
    point; otherwise the newest `limit` before `before_seq`."""
    query = history_query(thread_id, before_seq=before_seq, after_seq=after_seq, limit=limit)
    rows = list((await session.execute(query)).mappings())
    if after_seq is None:
        rows.reverse()
    return [MessageRecord.from_row(row) for row in rows]


async def replace_envelope(
    session: AsyncSession, message_id: uuid.UUID, envelope: bytes, epoch: int, now: datetime
) -> None:
    """An edit: the new envelope, sealed in the thread's current epoch, which the row's epoch
    follows (readers check a message's envelope against it)."""
    await session.execute(
        update(messages)
        .where(messages.c.id == message_id)
        .values(envelope=envelope, epoch=epoch, edited_at=now)
    )


async def tombstone(session: AsyncSession, message_id: uuid.UUID, now: datetime) -> None:
    """Delete the ciphertext; the row stays as a tombstone so the thread's seqs keep no holes."""
    await session.execute(
        update(messages)
        .where(messages.c.id == message_id)
        .values(envelope=None, state="removed", deleted_at=now)
    )
