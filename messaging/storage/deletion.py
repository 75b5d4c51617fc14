"""Queries that erase a person: their keys, sessions, settings and message ciphertext.

Every statement here is idempotent (running it again changes nothing), so an erasure that
was interrupted can simply run again from the start.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from messaging.storage.admin_keys import forget_admin
from messaging.storage.records import UserRecord
from messaging.storage.tables import (
    account_deletions,
    care_team,
    consultation_requests,
    credentials,
    history_seals,
    intake_key_seals,
    invitations,
    jobs,
    known_devices,
    messages,
    notification_preferences,
    on_call_contacts,
    pending_login_notices,
    pending_notices,
    sessions,
    therapist_schedules,
    thread_members,
    threads,
    trust_marks,
    urgent_flags,
    users,
)

DELETED_NAME = "Deleted account"


async def request_deletion(
    session: AsyncSession,
    user: UserRecord,
    requested_by: uuid.UUID | None,
    now: datetime,
) -> bool:
    """Record that the person is to be deleted; False if that was already recorded."""
    existing = await session.scalar(
        select(account_deletions.c.user_id).where(account_deletions.c.user_id == user.id)
    )
    if existing is not None:
        return False
    await session.execute(
        account_deletions.insert().values(
            user_id=user.id,
            clinic_id=user.clinic_id,
            requested_by=requested_by,
            requested_at=now,
            completed_at=None,
        )
    )
    return True


async def deletion_state(
    session: AsyncSession, user_id: uuid.UUID
) -> tuple[datetime, datetime | None] | None:
    """(requested_at, completed_at) of the person's deletion, if one was asked for."""
    row = (
        await session.execute(
            select(account_deletions.c.requested_at, account_deletions.c.completed_at).where(
                account_deletions.c.user_id == user_id
            )
        )
    ).first()
    return None if row is None else (row[0], row[1])


async def erase_message_batch(
    session: AsyncSession, sender_id: uuid.UUID, now: datetime, limit: int
) -> int:
    """Drop the ciphertext of up to `limit` of the sender's messages that still have any
    (tombstones keep their seqs); returns how many."""
    ids = list(
        (
            await session.execute(
                select(messages.c.id)
                .where(messages.c.sender_id == sender_id, messages.c.envelope.is_not(None))
                .limit(limit)
            )
        ).scalars()
    )
    if not ids:
        return 0
    await session.execute(delete(urgent_flags).where(urgent_flags.c.message_id.in_(ids)))
    await session.execute(
        update(messages)
        .where(messages.c.id.in_(ids))
        .values(envelope=None, state="removed", deleted_at=now)
    )
    return len(ids)


async def erase_account_rows(session: AsyncSession, user_id: uuid.UUID, now: datetime) -> None:
    """Everything of the person's besides messages: keys, devices, settings, care-team and
    on-call entries, the invitation that brought them, flags they raised, titles they
    sealed, the consultation request that brought them, the devices they were seen on, their
    trust marks and the history keys shared with or by them; they leave every thread (which
    then needs new keys)."""
    await forget_admin(session, user_id)
    their_invitations = select(invitations.c.id).where(invitations.c.user_id == user_id)
    await session.execute(
        delete(consultation_requests).where(
            consultation_requests.c.invitation_id.in_(their_invitations)
        )
    )
    for table, column in (
        (credentials, credentials.c.user_id),
        (sessions, sessions.c.user_id),
        (notification_preferences, notification_preferences.c.user_id),
        (pending_notices, pending_notices.c.user_id),
        (therapist_schedules, therapist_schedules.c.user_id),
        (on_call_contacts, on_call_contacts.c.user_id),
        (intake_key_seals, intake_key_seals.c.admin_id),
        (invitations, invitations.c.user_id),
        (urgent_flags, urgent_flags.c.sender_id),
        (known_devices, known_devices.c.user_id),
        (pending_login_notices, pending_login_notices.c.user_id),
        (trust_marks, trust_marks.c.user_id),
        (history_seals, history_seals.c.recipient_id),
        (history_seals, history_seals.c.granted_by),
    ):
        await session.execute(delete(table).where(column == user_id))
    await session.execute(
        delete(care_team).where(
            (care_team.c.client_id == user_id) | (care_team.c.therapist_id == user_id)
        )
    )
    await session.execute(
        update(invitations).where(invitations.c.invited_by == user_id).values(invited_by=None)
    )
    await session.execute(
        update(urgent_flags)
        .where(urgent_flags.c.acknowledged_by == user_id)
        .values(acknowledged_by=None)
    )
    await session.execute(
        update(threads)
        .where(threads.c.created_by == user_id, threads.c.title_envelope.is_not(None))
        .values(title_envelope=None)
    )
    member_of = select(thread_members.c.thread_id).where(
        thread_members.c.user_id == user_id, thread_members.c.left_at.is_(None)
    )
    await session.execute(
        update(threads).where(threads.c.id.in_(member_of)).values(needs_rekey=True)
    )
    await session.execute(
        update(thread_members)
        .where(thread_members.c.user_id == user_id, thread_members.c.left_at.is_(None))
        .values(left_at=now)
    )


async def queued_jobs_of(session: AsyncSession, user_id: uuid.UUID) -> list[int]:
    """Jobs still waiting to run for the person (emails to them, reminders about them)."""
    rows = await session.execute(
        select(jobs.c.id, jobs.c.payload).where(jobs.c.state.in_(("queued", "dead")))
    )
    wanted = str(user_id)
    return [row[0] for row in rows if isinstance(row[1], dict) and row[1].get("user_id") == wanted]


async def delete_jobs(session: AsyncSession, job_ids: list[int]) -> None:
    if job_ids:
        await session.execute(delete(jobs).where(jobs.c.id.in_(job_ids)))


async def scrub_user(session: AsyncSession, user_id: uuid.UUID, now: datetime) -> None:
    """Keep the row (tombstones and the audit trail point at it) without a name or address."""
    await session.execute(
        update(users)
        .where(users.c.id == user_id)
        .values(
            email=f"deleted-{user_id.hex}@deleted.invalid",
            display_name=DELETED_NAME,
            status="disabled",
            disabled_at=now,
        )
    )
    await session.execute(
        update(account_deletions)
        .where(account_deletions.c.user_id == user_id, account_deletions.c.completed_at.is_(None))
        .values(completed_at=now)
    )
