"""Plain records read from storage (no ORM objects leave the storage layer)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Self

from sqlalchemy.engine import RowMapping


class Record:
    """Build a slotted dataclass from a row mapping with the same column names."""

    __slots__ = ()

    @classmethod
    def from_row(cls, row: RowMapping) -> Self:
        fields: Any = cls.__slots__
        return cls(**{name: row[name] for name in fields})

    def columns(self) -> dict[str, Any]:
        """The record as column values, for an INSERT."""
        fields: Any = self.__slots__
        return {name: getattr(self, name) for name in fields}


@dataclass(frozen=True, slots=True)
class ClinicRecord(Record):
    id: uuid.UUID
    name: str
    sender_name: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class UserRecord(Record):
    id: uuid.UUID
    clinic_id: uuid.UUID
    email: str
    display_name: str
    role: str
    status: str
    created_at: datetime
    disabled_at: datetime | None
    time_zone: str = "UTC"


@dataclass(frozen=True, slots=True)
class CredentialsRecord(Record):
    user_id: uuid.UUID
    auth_key_hash: bytes
    kdf_version: int
    kdf_ops: int
    kdf_mem: int
    kdf_salt: bytes
    wrapped_account_key: bytes
    recovery_auth_hash: bytes
    recovery_wrapped_account_key: bytes
    keyring: bytes
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class IdentityKeyRecord(Record):
    user_id: uuid.UUID
    key_id: bytes
    public_bundle: bytes
    sign_pk: bytes
    box_pk: bytes
    created_at: datetime
    retired_at: datetime | None


@dataclass(frozen=True, slots=True)
class InvitationRecord(Record):
    id: uuid.UUID
    clinic_id: uuid.UUID
    email: str
    display_name: str
    role: str
    token_salt: bytes
    token_hash: bytes
    user_id: uuid.UUID
    invited_by: uuid.UUID | None
    created_at: datetime
    expires_at: datetime
    accepted_at: datetime | None
    revoked_at: datetime | None


@dataclass(frozen=True, slots=True)
class SessionRecord(Record):
    id: uuid.UUID
    user_id: uuid.UUID
    token_hash: bytes
    device_label: str
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime
    ended_at: datetime | None


@dataclass(frozen=True, slots=True)
class CareAssignmentRecord(Record):
    therapist_id: uuid.UUID
    client_id: uuid.UUID
    clinic_id: uuid.UUID
    created_at: datetime


@dataclass(frozen=True, slots=True)
class AuditEventRecord(Record):
    id: int
    clinic_id: uuid.UUID | None
    actor_id: uuid.UUID | None
    action: str
    target_type: str | None
    target_id: str | None
    detail: dict[str, Any]
    ip: str | None
    created_at: datetime
    prev_hash: bytes
    hash: bytes


@dataclass(frozen=True, slots=True)
class ThreadRecord(Record):
    id: uuid.UUID
    clinic_id: uuid.UUID
    kind: str
    client_id: uuid.UUID | None
    created_by: uuid.UUID
    created_at: datetime
    current_epoch: int
    needs_rekey: bool
    title_envelope: bytes | None
    last_seq: int
    last_message_at: datetime | None
    awaiting_since: datetime | None
    reply_due_at: datetime | None


@dataclass(frozen=True, slots=True)
class ThreadMemberRecord(Record):
    thread_id: uuid.UUID
    user_id: uuid.UUID
    role: str
    joined_epoch: int
    left_at: datetime | None
    read_seq: int


@dataclass(frozen=True, slots=True)
class CommitRecord(Record):
    thread_id: uuid.UUID
    epoch: int
    commit: bytes
    commit_hash: bytes
    author_id: uuid.UUID
    created_at: datetime


@dataclass(frozen=True, slots=True)
class MessageRecord(Record):
    id: uuid.UUID
    thread_id: uuid.UUID
    seq: int | None
    sender_id: uuid.UUID
    client_message_id: bytes
    epoch: int
    envelope: bytes | None
    state: str
    created_at: datetime
    deliver_at: datetime | None
    edited_at: datetime | None
    deleted_at: datetime | None


@dataclass(frozen=True, slots=True)
class PreferencesRecord(Record):
    user_id: uuid.UUID
    message_mode: str
    digest_frequency: str
    digest_hour: int
    digest_weekday: int
    reminders: bool
    time_zone: str  # the person's one zone, kept in users.time_zone
    quiet_start: int | None
    quiet_end: int | None
    notice_delay_minutes: int
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class ScheduleRecord(Record):
    user_id: uuid.UUID
    time_zone: str  # the person's one zone, kept in users.time_zone
    weekly_hours: dict[str, list[list[str]]]
    days_off: list[str]
    away_message: str
    commitment_amount: int
    commitment_unit: str
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class LiveSessionRecord(Record):
    id: uuid.UUID
    thread_id: uuid.UUID
    created_by: uuid.UUID
    starts_at: datetime
    ends_at: datetime
    created_at: datetime
    cancelled_at: datetime | None


@dataclass(frozen=True, slots=True)
class JournalEntryRecord(Record):
    id: uuid.UUID
    user_id: uuid.UUID
    blob: bytes
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class UrgentFlagRecord(Record):
    id: uuid.UUID
    message_id: uuid.UUID
    thread_id: uuid.UUID
    clinic_id: uuid.UUID
    sender_id: uuid.UUID
    created_at: datetime
    acknowledged_at: datetime | None
    acknowledged_by: uuid.UUID | None


@dataclass(frozen=True, slots=True)
class ClinicPolicyRecord(Record):
    clinic_id: uuid.UUID
    retention_years: int | None
    consultation_open: bool
    consultation_text: str
    consultation_retention_days: int
    intake_public_key: bytes | None
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class JournalDraftRecord(Record):
    id: uuid.UUID
    user_id: uuid.UUID
    blob: bytes
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class JournalShareRecord(Record):
    id: uuid.UUID
    entry_id: uuid.UUID
    thread_id: uuid.UUID
    author_id: uuid.UUID
    share: bytes | None
    created_at: datetime
    hidden_at: datetime | None


@dataclass(frozen=True, slots=True)
class ShareRecipientRecord(Record):
    share_id: uuid.UUID
    user_id: uuid.UUID
    opened_at: datetime | None


@dataclass(frozen=True, slots=True)
class PromptRecord(Record):
    id: uuid.UUID
    client_id: uuid.UUID
    thread_id: uuid.UUID
    author_id: uuid.UUID
    envelope: bytes
    repeat: str
    local_minute: int
    weekday: int | None
    start_date: str
    until_date: str | None
    max_count: int | None
    fired_count: int
    state: str
    next_due_at: datetime | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class PromptDeliveryRecord(Record):
    id: uuid.UUID
    prompt_id: uuid.UUID
    client_id: uuid.UUID
    due_at: datetime
    delivered_at: datetime
    answered_at: datetime | None
    answer_entry_id: uuid.UUID | None


@dataclass(frozen=True, slots=True)
class ConsultationRecord(Record):
    id: uuid.UUID
    clinic_id: uuid.UUID
    sealed: bytes
    challenge_hash: bytes
    state: str
    created_at: datetime
    expires_at: datetime
    decided_at: datetime | None
    invitation_id: uuid.UUID | None
    handover_note: bytes | None
