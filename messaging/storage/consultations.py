"""Queries for the clinic's record policies, its intake key and consultation requests."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from messaging.storage.records import ClinicPolicyRecord, ConsultationRecord
from messaging.storage.tables import (
    clinic_policies,
    consultation_requests,
    intake_key_seals,
    invitations,
)


async def get_policy(session: AsyncSession, clinic_id: uuid.UUID) -> ClinicPolicyRecord | None:
    row = (
        (
            await session.execute(
                select(clinic_policies).where(clinic_policies.c.clinic_id == clinic_id)
            )
        )
        .mappings()
        .first()
    )
    return None if row is None else ClinicPolicyRecord.from_row(row)


async def save_policy(session: AsyncSession, record: ClinicPolicyRecord) -> None:
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    values = record.columns()
    statement = insert(clinic_policies).values(values)
    statement = statement.on_conflict_do_update(
        index_elements=["clinic_id"],
        set_={key: statement.excluded[key] for key in values if key != "clinic_id"},
    )
    await session.execute(statement)


async def replace_intake_seals(
    session: AsyncSession, clinic_id: uuid.UUID, seals: dict[uuid.UUID, bytes]
) -> None:
    await session.execute(delete(intake_key_seals).where(intake_key_seals.c.clinic_id == clinic_id))
    for admin_id, sealed in seals.items():
        await session.execute(
            intake_key_seals.insert().values(
                clinic_id=clinic_id, admin_id=admin_id, sealed_private_key=sealed
            )
        )


async def intake_seal_for(
    session: AsyncSession, clinic_id: uuid.UUID, admin_id: uuid.UUID
) -> bytes | None:
    found: bytes | None = await session.scalar(
        select(intake_key_seals.c.sealed_private_key).where(
            intake_key_seals.c.clinic_id == clinic_id, intake_key_seals.c.admin_id == admin_id
        )
    )
    return found


async def insert_request(session: AsyncSession, record: ConsultationRecord) -> None:
    await session.execute(consultation_requests.insert().values(record.columns()))


async def challenge_used(session: AsyncSession, challenge_hash: bytes) -> bool:
    found = await session.scalar(
        select(consultation_requests.c.id).where(
            consultation_requests.c.challenge_hash == challenge_hash
        )
    )
    return found is not None


async def get_request(session: AsyncSession, request_id: uuid.UUID) -> ConsultationRecord | None:
    row = (
        (
            await session.execute(
                select(consultation_requests).where(consultation_requests.c.id == request_id)
            )
        )
        .mappings()
        .first()
    )
    return None if row is None else ConsultationRecord.from_row(row)


async def queue(
    session: AsyncSession, clinic_id: uuid.UUID, limit: int
) -> list[ConsultationRecord]:
    """The clinic's requests still kept, open ones first, oldest first."""
    rows = await session.execute(
        select(consultation_requests)
        .where(consultation_requests.c.clinic_id == clinic_id)
        .order_by(
            (consultation_requests.c.state != "open"),
            consultation_requests.c.created_at,
            consultation_requests.c.id,
        )
        .limit(limit)
    )
    return [ConsultationRecord.from_row(row) for row in rows.mappings()]


async def decide(
    session: AsyncSession,
    request_id: uuid.UUID,
    state: str,
    now: datetime,
    invitation_id: uuid.UUID | None = None,
) -> bool:
    result = await session.execute(
        update(consultation_requests)
        .where(consultation_requests.c.id == request_id, consultation_requests.c.state == "open")
        .values(state=state, decided_at=now, invitation_id=invitation_id)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def delete_expired(session: AsyncSession, now: datetime) -> int:
    result = await session.execute(
        delete(consultation_requests).where(consultation_requests.c.expires_at <= now)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def set_handover(session: AsyncSession, request_id: uuid.UUID, note: bytes | None) -> None:
    await session.execute(
        update(consultation_requests)
        .where(consultation_requests.c.id == request_id)
        .values(handover_note=note)
    )


async def handover_for(session: AsyncSession, user_id: uuid.UUID) -> ConsultationRecord | None:
    """The request with a note waiting for the client the invitation reserved `user_id` for."""
    row = (
        (
            await session.execute(
                select(consultation_requests)
                .join(invitations, invitations.c.id == consultation_requests.c.invitation_id)
                .where(
                    invitations.c.user_id == user_id,
                    consultation_requests.c.handover_note.is_not(None),
                )
                .order_by(consultation_requests.c.created_at)
                .limit(1)
            )
        )
        .mappings()
        .first()
    )
    return None if row is None else ConsultationRecord.from_row(row)
