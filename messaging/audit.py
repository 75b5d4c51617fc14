"""The audit trail: security and administrative events, append-only, hash-chained.

Each event stores the hash of the one before it and its own hash over its fields, so a row
edited, deleted or inserted afterwards breaks the chain at that point. `verify_chain`
finds the first broken row (`interlude admin verify-audit`). Details never carry secrets or
plaintext: ids, roles, device labels and addresses only.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from messaging.actors import Actor
from messaging.policy import Action, authorize, clinic_of
from messaging.storage import audit as store
from messaging.storage.database import UnitOfWork
from messaging.storage.records import AuditEventRecord

ZERO_HASH = bytes(32)
MAX_PAGE = 200


@dataclass(frozen=True, slots=True)
class AuditEntry:
    action: str
    clinic_id: uuid.UUID | None
    actor_id: uuid.UUID | None
    target_type: str | None = None
    target_id: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)
    ip: str | None = None


def event_hash(prev_hash: bytes, entry: AuditEntry, created_at: datetime) -> bytes:
    canonical = json.dumps(
        [
            prev_hash.hex(),
            str(entry.clinic_id) if entry.clinic_id else None,
            str(entry.actor_id) if entry.actor_id else None,
            entry.action,
            entry.target_type,
            entry.target_id,
            entry.detail,
            entry.ip,
            created_at.isoformat(),
        ],
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.blake2b(canonical.encode(), digest_size=32, person=b"interlude-audit").digest()


async def record(uow: UnitOfWork, entry: AuditEntry, now: datetime) -> int:
    """Append an event in the caller's transaction (stored if and only if it commits)."""
    _, prev_hash = await store.lock_head(uow.session)
    return await store.append_event(
        uow.session,
        {
            "clinic_id": entry.clinic_id,
            "actor_id": entry.actor_id,
            "action": entry.action,
            "target_type": entry.target_type,
            "target_id": entry.target_id,
            "detail": entry.detail,
            "ip": entry.ip,
            "created_at": now,
            "prev_hash": prev_hash,
            "hash": event_hash(prev_hash, entry, now),
        },
    )


@dataclass(frozen=True, slots=True)
class ChainReport:
    ok: bool
    events_checked: int
    first_broken_id: int | None = None
    reason: str | None = None


async def verify_chain(uow: UnitOfWork) -> ChainReport:
    """Recompute every link; report the first event whose link or hash does not hold."""
    prev_hash = ZERO_HASH
    checked = 0
    last_id = 0
    async for event in store.iterate_events(uow.session):
        if event.prev_hash != prev_hash:
            return ChainReport(False, checked, event.id, "does not link to the event before it")
        if event.hash != event_hash(prev_hash, _entry_of(event), event.created_at):
            return ChainReport(False, checked, event.id, "its contents were changed")
        prev_hash = event.hash
        last_id = event.id
        checked += 1
    head_id, head_hash = await store.head(uow.session)
    if head_id != last_id or head_hash != prev_hash:
        return ChainReport(False, checked, head_id or None, "events after the last row are missing")
    return ChainReport(True, checked)


def _entry_of(event: AuditEventRecord) -> AuditEntry:
    return AuditEntry(
        action=event.action,
        clinic_id=event.clinic_id,
        actor_id=event.actor_id,
        target_type=event.target_type,
        target_id=event.target_id,
        detail=event.detail,
        ip=event.ip,
    )


async def list_clinic_trail(
    uow: UnitOfWork, actor: Actor | None, *, before_id: int | None, limit: int
) -> list[AuditEventRecord]:
    """The actor's clinic's events, newest first, keyset-paginated by id (admins only)."""
    allowed = authorize(actor, Action.READ_AUDIT, clinic_of(actor))
    return await store.list_clinic_events(
        uow.session, allowed.clinic_id, before_id=before_id, limit=min(max(limit, 1), MAX_PAGE)
    )
