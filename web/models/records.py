"""Records and safety on the wire: the urgent flag and on-call contacts, account deletion,
export, retention, and consultation requests (docs/records.md)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field
from typing_extensions import TypedDict

from crypto.intake import MAX_REQUEST_BYTES, NONCE_BYTES
from messaging import consultations, retention, urgent
from web.models import crisis
from web.models.accounts import Email, UserJson
from web.models.fields import Base64, Base64Text, Flag, Id, IdText, Input, Text, Timestamp, Whole

# A sealed request is the padded form plus the sealed box's overhead.
MAX_SEALED_REQUEST = MAX_REQUEST_BYTES + 1024
# One admin's sealed intake secret: far below this.
MAX_SEALED_INTAKE_KEY = 150


class OnCallChoice(Input):
    user_ids: Annotated[list[Id], Field(max_length=urgent.MAX_ON_CALL)]


class AccountDeletion(Input):
    current_auth_key: Annotated[bytes, Base64(size=32)]


class RetentionChoice(Input):
    """`years`: keep threads that long after their last activity; null: until deleted."""

    years: Annotated[int, Whole(retention.MIN_YEARS, retention.MAX_YEARS)] | None = None


class ConsultationForm(Input):
    """A sealed request with its proof of work; `website` is left empty by people."""

    sealed: Annotated[bytes, Base64(max_size=MAX_SEALED_REQUEST)]
    challenge: Annotated[str, Text(200)]
    nonce: Annotated[bytes, Base64(size=NONCE_BYTES)]
    website: Annotated[str, Text(200)] | None = None


class ConsultationPageChoices(Input):
    open: Flag
    text: Annotated[str, Text(consultations.MAX_PAGE_TEXT)] | None = None
    retention_days: Annotated[int, Whole(1, consultations.MAX_RETENTION_DAYS)]


class IntakeKeyReplacement(Input):
    """The new public key, and its secret half sealed to each admin, by admin id."""

    public_key: Annotated[bytes, Base64(size=32)]
    seals: dict[Id, Annotated[bytes, Base64(max_size=MAX_SEALED_INTAKE_KEY)]]


class ConsultationInvitation(Input):
    email: Email
    display_name: Annotated[str, Text(200)]


class Handover(Input):
    sealed_note: Annotated[bytes, Base64(max_size=consultations.MAX_NOTE_BYTES)]


class UrgentFlagJson(TypedDict):
    id: IdText
    message_id: IdText
    thread_id: IdText
    sender_id: IdText
    created_at: Timestamp
    acknowledged_at: Timestamp | None
    acknowledged_by: IdText | None


class UrgentFlagList(TypedDict):
    flags: list[UrgentFlagJson]


class OutlookJson(TypedDict):
    therapists_working: bool
    therapists_told: int
    on_call_told: int
    back_at: Timestamp | None


class FlaggedJson(TypedDict):
    flag: UrgentFlagJson
    crisis_resources: list[crisis.CrisisResourceJson]
    outlook: OutlookJson


class OnCallList(TypedDict):
    contacts: list[UserJson]


class DeletionJson(TypedDict):
    user_id: IdText
    requested_at: Timestamp
    already_requested: bool


class ExportJson(TypedDict):
    thread_id: IdText
    exported_by: IdText
    exported_at: Timestamp
    audit_event_id: int


class UpcomingDeletion(TypedDict):
    thread_id: IdText
    last_activity_at: Timestamp
    delete_at: Timestamp


class RetentionJson(TypedDict):
    years: int | None
    next_sweep_at: Timestamp | None
    upcoming: list[UpcomingDeletion]


class PublicPageJson(TypedDict):
    clinic_name: str
    text: str
    intake_public_key: Base64Text
    challenge: str
    pow_bits: int


class Received(TypedDict):
    received: bool


class RecordPolicyJson(TypedDict):
    retention_years: int | None
    consultation_open: bool
    consultation_text: str
    consultation_retention_days: int
    intake_public_key: Base64Text | None


class IntakeKeyJson(TypedDict):
    public_key: Base64Text | None
    sealed_private_key: Base64Text | None


class ConsultationJson(TypedDict):
    id: IdText
    sealed: Base64Text
    state: str
    created_at: Timestamp
    expires_at: Timestamp
    decided_at: Timestamp | None
    invitation_id: IdText | None
    handed_over: bool


class ConsultationList(TypedDict):
    requests: list[ConsultationJson]


class IntakeNoteJson(TypedDict):
    request_id: IdText | None
    sealed_note: Base64Text | None
