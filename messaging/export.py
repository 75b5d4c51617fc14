"""Exports: a member takes a copy of a thread (decrypted on their own device).

The server cannot see what is exported, only that someone asked: each export of a thread
is recorded in the audit trail (who, which thread, when), which is what a clinic needs
when a therapist takes a thread into the clinical record.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from messaging import audit
from messaging.actors import Actor, RequestOrigin
from messaging.audit import AuditEntry
from messaging.context import ServiceContext
from messaging.policy import Action
from messaging.storage.database import UnitOfWork
from messaging.threads import thread_for_member


@dataclass(frozen=True, slots=True)
class ExportRecorded:
    thread_id: uuid.UUID
    exported_by: uuid.UUID
    exported_at: datetime
    audit_event_id: int


async def record_export(
    uow: UnitOfWork,
    ctx: ServiceContext,
    actor: Actor | None,
    thread_id: uuid.UUID,
    origin: RequestOrigin,
) -> ExportRecorded:
    """Record that a member (the client or a therapist of the thread) exports it."""
    allowed, thread = await thread_for_member(uow, actor, thread_id, Action.EXPORT_THREAD)
    now = ctx.clock.now()
    event_id = await audit.record(
        uow,
        AuditEntry(
            "thread.exported",
            thread.clinic_id,
            allowed.user_id,
            "thread",
            str(thread.id),
            {"role": allowed.role.value, "last_seq": thread.last_seq},
            origin.ip,
        ),
        now,
    )
    await uow.commit()
    return ExportRecorded(thread.id, allowed.user_id, now, event_id)
