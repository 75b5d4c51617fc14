"""Who is acting: the authenticated user behind a request or socket."""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass


class Role(enum.StrEnum):
    ADMIN = "admin"
    THERAPIST = "therapist"
    CLIENT = "client"


@dataclass(frozen=True, slots=True)
class Actor:
    user_id: uuid.UUID
    clinic_id: uuid.UUID
    role: Role
    session_id: uuid.UUID


@dataclass(frozen=True, slots=True)
class RequestOrigin:
    """Where a request came from, for rate limits and the audit trail."""

    ip: str | None
    device_label: str | None = None
