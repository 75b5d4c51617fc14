"""Queries for the journal: entries, drafts, entry shares, prompts and their deliveries."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import and_, delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from messaging.storage.records import (
    JournalDraftRecord,
    JournalEntryRecord,
    JournalShareRecord,
    PromptDeliveryRecord,
    PromptRecord,
    ShareRecipientRecord,
)
from messaging.storage.tables import (
    journal_drafts,
    journal_entries,
    journal_prompt_deliveries,
    journal_prompts,
    journal_share_recipients,
    journal_shares,
)

# -- entries ---------------------------------------------------------------------------------


async def insert_entry(session: AsyncSession, record: JournalEntryRecord) -> None:
    await session.execute(journal_entries.insert().values(record.columns()))


async def get_entry(session: AsyncSession, entry_id: uuid.UUID) -> JournalEntryRecord | None:
    row = (
        (await session.execute(select(journal_entries).where(journal_entries.c.id == entry_id)))
        .mappings()
        .first()
    )
    return None if row is None else JournalEntryRecord.from_row(row)


async def replace_entry(
    session: AsyncSession, entry_id: uuid.UUID, blob: bytes, now: datetime
) -> None:
    await session.execute(
        update(journal_entries)
        .where(journal_entries.c.id == entry_id)
        .values(blob=blob, updated_at=now)
    )


async def delete_entry(session: AsyncSession, entry_id: uuid.UUID) -> None:
    await session.execute(delete(journal_entries).where(journal_entries.c.id == entry_id))


async def entries_page(
    session: AsyncSession,
    user_id: uuid.UUID,
    *,
    before: tuple[datetime, uuid.UUID] | None,
    since: datetime | None,
    limit: int,
) -> list[JournalEntryRecord]:
    """Newest first, keyset on (created_at, id) through
    ix_journal_entries_user_id_created_at_id; never OFFSET."""
    query = select(journal_entries).where(journal_entries.c.user_id == user_id)
    if before is not None:
        at, entry_id = before
        query = query.where(
            or_(
                journal_entries.c.created_at < at,
                and_(journal_entries.c.created_at == at, journal_entries.c.id < entry_id),
            )
        )
    if since is not None:
        query = query.where(journal_entries.c.created_at >= since)
    query = query.order_by(journal_entries.c.created_at.desc(), journal_entries.c.id.desc())
    rows = await session.execute(query.limit(limit))
    return [JournalEntryRecord.from_row(row) for row in rows.mappings()]


# -- drafts ----------------------------------------------------------------------------------


async def get_draft(session: AsyncSession, draft_id: uuid.UUID) -> JournalDraftRecord | None:
    row = (
        (await session.execute(select(journal_drafts).where(journal_drafts.c.id == draft_id)))
        .mappings()
        .first()
    )
    return None if row is None else JournalDraftRecord.from_row(row)


async def save_draft(session: AsyncSession, record: JournalDraftRecord) -> None:
    """Insert or replace; the caller has checked that an existing draft is the user's."""
    updated = await session.execute(
        update(journal_drafts)
        .where(journal_drafts.c.id == record.id, journal_drafts.c.user_id == record.user_id)
        .values(blob=record.blob, updated_at=record.updated_at)
    )
    if not updated.rowcount:  # type: ignore[attr-defined]
        await session.execute(journal_drafts.insert().values(record.columns()))


async def drafts_of(session: AsyncSession, user_id: uuid.UUID) -> list[JournalDraftRecord]:
    rows = await session.execute(
        select(journal_drafts)
        .where(journal_drafts.c.user_id == user_id)
        .order_by(journal_drafts.c.updated_at.desc(), journal_drafts.c.id)
    )
    return [JournalDraftRecord.from_row(row) for row in rows.mappings()]


async def delete_draft(session: AsyncSession, draft_id: uuid.UUID) -> None:
    await session.execute(delete(journal_drafts).where(journal_drafts.c.id == draft_id))


# -- shares ----------------------------------------------------------------------------------


async def insert_share(
    session: AsyncSession, record: JournalShareRecord, recipients: list[uuid.UUID]
) -> None:
    await session.execute(journal_shares.insert().values(record.columns()))
    await session.execute(
        journal_share_recipients.insert(),
        [{"share_id": record.id, "user_id": user_id, "opened_at": None} for user_id in recipients],
    )


async def get_share(
    session: AsyncSession, share_id: uuid.UUID, *, lock: bool = False
) -> JournalShareRecord | None:
    query = select(journal_shares).where(journal_shares.c.id == share_id)
    if lock:
        query = query.with_for_update()
    row = (await session.execute(query)).mappings().first()
    return None if row is None else JournalShareRecord.from_row(row)


async def recipients_of(session: AsyncSession, share_id: uuid.UUID) -> list[ShareRecipientRecord]:
    rows = await session.execute(
        select(journal_share_recipients)
        .where(journal_share_recipients.c.share_id == share_id)
        .order_by(journal_share_recipients.c.user_id)
    )
    return [ShareRecipientRecord.from_row(row) for row in rows.mappings()]


async def mark_opened(
    session: AsyncSession, share_id: uuid.UUID, user_id: uuid.UUID, now: datetime
) -> None:
    await session.execute(
        update(journal_share_recipients)
        .where(
            journal_share_recipients.c.share_id == share_id,
            journal_share_recipients.c.user_id == user_id,
            journal_share_recipients.c.opened_at.is_(None),
        )
        .values(opened_at=now)
    )


async def delete_share(session: AsyncSession, share_id: uuid.UUID) -> None:
    """The whole share goes: its seals and its snapshot (a revoke before anyone opened it)."""
    await session.execute(
        delete(journal_share_recipients).where(journal_share_recipients.c.share_id == share_id)
    )
    await session.execute(delete(journal_shares).where(journal_shares.c.id == share_id))


async def hide_share(session: AsyncSession, share_id: uuid.UUID, now: datetime) -> None:
    """Drop the ciphertext of a share that was already opened; the row records that."""
    await session.execute(
        update(journal_shares)
        .where(journal_shares.c.id == share_id, journal_shares.c.hidden_at.is_(None))
        .values(share=None, hidden_at=now)
    )


async def shares_of_entry(session: AsyncSession, entry_id: uuid.UUID) -> list[JournalShareRecord]:
    rows = await session.execute(
        select(journal_shares).where(journal_shares.c.entry_id == entry_id)
    )
    return [JournalShareRecord.from_row(row) for row in rows.mappings()]


async def shares_by_author(session: AsyncSession, author_id: uuid.UUID) -> list[JournalShareRecord]:
    rows = await session.execute(
        select(journal_shares)
        .where(journal_shares.c.author_id == author_id)
        .order_by(journal_shares.c.created_at.desc(), journal_shares.c.id)
    )
    return [JournalShareRecord.from_row(row) for row in rows.mappings()]


async def shares_in_thread_for(
    session: AsyncSession, thread_id: uuid.UUID, user_id: uuid.UUID
) -> list[JournalShareRecord]:
    """Shares placed in a thread that `user_id` wrote or received, oldest first."""
    received = select(journal_share_recipients.c.share_id).where(
        journal_share_recipients.c.user_id == user_id
    )
    rows = await session.execute(
        select(journal_shares)
        .where(
            journal_shares.c.thread_id == thread_id,
            or_(journal_shares.c.author_id == user_id, journal_shares.c.id.in_(received)),
        )
        .order_by(journal_shares.c.created_at, journal_shares.c.id)
    )
    return [JournalShareRecord.from_row(row) for row in rows.mappings()]


# -- prompts ---------------------------------------------------------------------------------


async def insert_prompt(session: AsyncSession, record: PromptRecord) -> None:
    await session.execute(journal_prompts.insert().values(record.columns()))


async def get_prompt(
    session: AsyncSession, prompt_id: uuid.UUID, *, lock: bool = False
) -> PromptRecord | None:
    query = select(journal_prompts).where(journal_prompts.c.id == prompt_id)
    if lock:
        query = query.with_for_update()
    row = (await session.execute(query)).mappings().first()
    return None if row is None else PromptRecord.from_row(row)


async def update_prompt(session: AsyncSession, prompt_id: uuid.UUID, **values: object) -> None:
    await session.execute(
        update(journal_prompts).where(journal_prompts.c.id == prompt_id).values(**values)
    )


async def prompts_of_client(session: AsyncSession, client_id: uuid.UUID) -> list[PromptRecord]:
    rows = await session.execute(
        select(journal_prompts)
        .where(journal_prompts.c.client_id == client_id)
        .order_by(journal_prompts.c.created_at.desc(), journal_prompts.c.id)
    )
    return [PromptRecord.from_row(row) for row in rows.mappings()]


async def insert_delivery(session: AsyncSession, record: PromptDeliveryRecord) -> None:
    await session.execute(journal_prompt_deliveries.insert().values(record.columns()))


async def get_delivery(
    session: AsyncSession, delivery_id: uuid.UUID
) -> PromptDeliveryRecord | None:
    row = (
        (
            await session.execute(
                select(journal_prompt_deliveries).where(
                    journal_prompt_deliveries.c.id == delivery_id
                )
            )
        )
        .mappings()
        .first()
    )
    return None if row is None else PromptDeliveryRecord.from_row(row)


async def mark_answered(
    session: AsyncSession, delivery_id: uuid.UUID, entry_id: uuid.UUID, now: datetime
) -> bool:
    result = await session.execute(
        update(journal_prompt_deliveries)
        .where(
            journal_prompt_deliveries.c.id == delivery_id,
            journal_prompt_deliveries.c.answered_at.is_(None),
        )
        .values(answered_at=now, answer_entry_id=entry_id)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def deliveries_to_client(
    session: AsyncSession, client_id: uuid.UUID, *, limit: int
) -> list[tuple[PromptDeliveryRecord, PromptRecord]]:
    """The client's prompts as they arrived, newest first (index on client_id, delivered_at)."""
    rows = await session.execute(
        select(journal_prompt_deliveries)
        .where(journal_prompt_deliveries.c.client_id == client_id)
        .order_by(journal_prompt_deliveries.c.delivered_at.desc(), journal_prompt_deliveries.c.id)
        .limit(limit)
    )
    deliveries = [PromptDeliveryRecord.from_row(row) for row in rows.mappings()]
    prompt_ids = {d.prompt_id for d in deliveries}
    prompts = {}
    if prompt_ids:
        found = await session.execute(
            select(journal_prompts).where(journal_prompts.c.id.in_(prompt_ids))
        )
        prompts = {row["id"]: PromptRecord.from_row(row) for row in found.mappings()}
    return [(d, prompts[d.prompt_id]) for d in deliveries]


async def deliveries_of_prompt(
    session: AsyncSession, prompt_id: uuid.UUID
) -> list[PromptDeliveryRecord]:
    rows = await session.execute(
        select(journal_prompt_deliveries)
        .where(journal_prompt_deliveries.c.prompt_id == prompt_id)
        .order_by(journal_prompt_deliveries.c.due_at)
    )
    return [PromptDeliveryRecord.from_row(row) for row in rows.mappings()]


async def answer_shares_for(
    session: AsyncSession, entry_ids: list[uuid.UUID], reader_id: uuid.UUID
) -> dict[uuid.UUID, uuid.UUID]:
    """entry id → id of a live share of it that `reader_id` received."""
    if not entry_ids:
        return {}
    rows = await session.execute(
        select(journal_shares.c.entry_id, journal_shares.c.id)
        .join(
            journal_share_recipients,
            journal_share_recipients.c.share_id == journal_shares.c.id,
        )
        .where(
            journal_shares.c.entry_id.in_(entry_ids),
            journal_shares.c.hidden_at.is_(None),
            journal_share_recipients.c.user_id == reader_id,
        )
    )
    return {row[0]: row[1] for row in rows}


# -- account deletion ------------------------------------------------------------------------


async def erase_person(session: AsyncSession, user_id: uuid.UUID) -> None:
    """Every journal row of a deleted person: their entries and drafts, the shares they made
    (with their recipients), their place among other shares' recipients, the prompts written
    for them and the prompts they wrote (each with its deliveries)."""
    their_prompts = select(journal_prompts.c.id).where(
        or_(journal_prompts.c.client_id == user_id, journal_prompts.c.author_id == user_id)
    )
    await session.execute(
        delete(journal_prompt_deliveries).where(
            or_(
                journal_prompt_deliveries.c.prompt_id.in_(their_prompts),
                journal_prompt_deliveries.c.client_id == user_id,
            )
        )
    )
    await session.execute(
        delete(journal_prompts).where(
            or_(journal_prompts.c.client_id == user_id, journal_prompts.c.author_id == user_id)
        )
    )
    their_shares = select(journal_shares.c.id).where(journal_shares.c.author_id == user_id)
    await session.execute(
        delete(journal_share_recipients).where(
            or_(
                journal_share_recipients.c.share_id.in_(their_shares),
                journal_share_recipients.c.user_id == user_id,
            )
        )
    )
    await session.execute(delete(journal_shares).where(journal_shares.c.author_id == user_id))
    await session.execute(delete(journal_drafts).where(journal_drafts.c.user_id == user_id))
    await session.execute(delete(journal_entries).where(journal_entries.c.user_id == user_id))
