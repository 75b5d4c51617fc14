"""Records to JSON. Binary values are base64url without padding; times are ISO 8601 UTC."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from crypto import b64encode
from messaging.authentication import AccountView, SessionGrant
from messaging.storage.records import (
    AuditEventRecord,
    CareAssignmentRecord,
    InvitationRecord,
    SessionRecord,
    UserRecord,
)

Json = dict[str, Any]


def timestamp(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat().replace("+00:00", "Z")


def user_json(user: UserRecord) -> Json:
    return {
        "id": str(user.id),
        "email": user.email,
        "display_name": user.display_name,
        "role": user.role,
        "status": user.status,
        "created_at": timestamp(user.created_at),
    }


def session_json(session: SessionRecord, current: uuid.UUID | None) -> Json:
    return {
        "id": str(session.id),
        "device_label": session.device_label,
        "created_at": timestamp(session.created_at),
        "last_seen_at": timestamp(session.last_seen_at),
        "expires_at": timestamp(session.expires_at),
        "current": session.id == current,
    }


def grant_json(grant: SessionGrant) -> Json:
    return {
        "token": grant.token,
        "session": session_json(grant.session, grant.session.id),
        "user": user_json(grant.user),
    }


def account_json(view: AccountView) -> Json:
    stored = view.credentials
    return {
        "user": user_json(view.user),
        "clinic": {"id": str(view.clinic.id), "name": view.clinic.name},
        "kdf": {"version": stored.kdf_version, "ops": stored.kdf_ops, "mem": stored.kdf_mem},
        "salt": b64encode(stored.kdf_salt),
        "wrapped_account_key": b64encode(stored.wrapped_account_key),
        "keyring": b64encode(stored.keyring),
        "public_bundle": b64encode(view.identity.public_bundle),
    }


def invitation_json(invitation: InvitationRecord) -> Json:
    return {
        "id": str(invitation.id),
        "email": invitation.email,
        "display_name": invitation.display_name,
        "role": invitation.role,
        "created_at": timestamp(invitation.created_at),
        "expires_at": timestamp(invitation.expires_at),
    }


def care_json(assignment: CareAssignmentRecord) -> Json:
    return {
        "therapist_id": str(assignment.therapist_id),
        "client_id": str(assignment.client_id),
        "created_at": timestamp(assignment.created_at),
    }


def audit_json(event: AuditEventRecord) -> Json:
    return {
        "id": event.id,
        "action": event.action,
        "actor_id": str(event.actor_id) if event.actor_id else None,
        "target_type": event.target_type,
        "target_id": event.target_id,
        "detail": event.detail,
        "ip": event.ip,
        "created_at": timestamp(event.created_at),
        "hash": b64encode(event.hash),
    }
