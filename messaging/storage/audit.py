"""Queries for the append-only, hash-chained audit trail."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from messaging.storage.records import AuditEventRecord
from messaging.storage.tables import audit_events, audit_head

HEAD_ID = 1


async def lock_head(session: AsyncSession) -> tuple[int, bytes]:
    """The chain's head (last id, last hash), locked until the transaction ends, so
    appends are serialised and the chain cannot fork."""
    row = (
        await session.execute(
            select(audit_head.c.last_event_id, audit_head.c.last_hash)
            .where(audit_head.c.id == HEAD_ID)
            .with_for_update()
        )
    ).one()
    return int(row.last_event_id), bytes(row.last_hash)


async def append_event(session: AsyncSession, values: dict[str, object]) -> int:
    event_id = (
        await session.execute(audit_events.insert().values(values).returning(audit_events.c.id))
    ).scalar_one()
    await session.execute(
        update(audit_head)
        .where(audit_head.c.id == HEAD_ID)
        .values(last_event_id=event_id, last_hash=values["hash"])
    )
    return int(event_id)


async def list_clinic_events(
    session: AsyncSession, clinic_id: uuid.UUID, *, before_id: int | None, limit: int
) -> list[AuditEventRecord]:
    query = select(audit_events).where(audit_events.c.clinic_id == clinic_id)
    if before_id is not None:
        query = query.where(audit_events.c.id < before_id)
    rows = await session.execute(query.order_by(audit_events.c.id.desc()).limit(limit))
    return [AuditEventRecord.from_row(row) for row in rows.mappings()]


async def iterate_events(
    session: AsyncSession, *, batch: int = 500
) -> AsyncIterator[AuditEventRecord]:
    """Every event in id order, read in keyset batches."""
    after = 0
    while True:
        rows = await session.execute(
            select(audit_events)
            .where(audit_events.c.id > after)
            .order_by(audit_events.c.id)
            .limit(batch)
        )
        records = [AuditEventRecord.from_row(row) for row in rows.mappings()]
        if not records:
            return
        for record in records:
            yield record
        after = records[-1].id


async def head(session: AsyncSession) -> tuple[int, bytes]:
    row = (
        await session.execute(
            select(audit_head.c.last_event_id, audit_head.c.last_hash).where(
                audit_head.c.id == HEAD_ID
            )
        )
    ).one()
    return int(row.last_event_id), bytes(row.last_hash)
