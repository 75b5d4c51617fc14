"""Queries for invitations."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from messaging.storage.records import InvitationRecord
from messaging.storage.tables import invitations


async def insert_invitation(session: AsyncSession, record: InvitationRecord) -> None:
    await session.execute(invitations.insert().values(record.columns()))


async def get_invitation(
    session: AsyncSession, invitation_id: uuid.UUID
) -> InvitationRecord | None:
    row = (
        (await session.execute(select(invitations).where(invitations.c.id == invitation_id)))
        .mappings()
        .first()
    )
    return None if row is None else InvitationRecord.from_row(row)


async def find_invitation_by_token_hash(
    session: AsyncSession, token_hash: bytes
) -> InvitationRecord | None:
    row = (
        (await session.execute(select(invitations).where(invitations.c.token_hash == token_hash)))
        .mappings()
        .first()
    )
    return None if row is None else InvitationRecord.from_row(row)


async def pending_invitation_for_email(
    session: AsyncSession, clinic_id: uuid.UUID, email: str, now: datetime
) -> InvitationRecord | None:
    """The clinic's own open invitation to `email`, if any."""
    row = (
        (
            await session.execute(
                select(invitations).where(
                    invitations.c.clinic_id == clinic_id,
                    invitations.c.email == email,
                    invitations.c.accepted_at.is_(None),
                    invitations.c.revoked_at.is_(None),
                    invitations.c.expires_at > now,
                )
            )
        )
        .mappings()
        .first()
    )
    return None if row is None else InvitationRecord.from_row(row)


async def list_pending_invitations(
    session: AsyncSession, clinic_id: uuid.UUID, now: datetime, *, limit: int
) -> list[InvitationRecord]:
    rows = await session.execute(
        select(invitations)
        .where(
            invitations.c.clinic_id == clinic_id,
            invitations.c.accepted_at.is_(None),
            invitations.c.revoked_at.is_(None),
            invitations.c.expires_at > now,
        )
        .order_by(invitations.c.created_at, invitations.c.id)
        .limit(limit)
    )
    return [InvitationRecord.from_row(row) for row in rows.mappings()]


async def mark_accepted(session: AsyncSession, invitation_id: uuid.UUID, now: datetime) -> bool:
    """Use the invitation, only if it is still open: single use even under a race."""
    result = await session.execute(
        update(invitations)
        .where(
            invitations.c.id == invitation_id,
            invitations.c.accepted_at.is_(None),
            invitations.c.revoked_at.is_(None),
            invitations.c.expires_at > now,
        )
        .values(accepted_at=now)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def mark_revoked(session: AsyncSession, invitation_id: uuid.UUID, now: datetime) -> bool:
    result = await session.execute(
        update(invitations)
        .where(
            invitations.c.id == invitation_id,
            invitations.c.accepted_at.is_(None),
            invitations.c.revoked_at.is_(None),
        )
        .values(revoked_at=now)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def close_expired_for_email(
    session: AsyncSession, clinic_id: uuid.UUID, email: str, now: datetime
) -> None:
    """Close the clinic's open invitations to `email` whose time ran out, so a new one may
    be issued."""
    await session.execute(
        update(invitations)
        .where(
            invitations.c.clinic_id == clinic_id,
            invitations.c.email == email,
            invitations.c.accepted_at.is_(None),
            invitations.c.revoked_at.is_(None),
            invitations.c.expires_at <= now,
        )
        .values(revoked_at=now)
    )
