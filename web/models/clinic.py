"""Clinic administration on the wire."""

from __future__ import annotations

from typing import Annotated, Any

from typing_extensions import TypedDict

from messaging import audit, clinics
from web.models.accounts import Email, UserJson
from web.models.fields import Base64Text, IdText, Input, QueryWhole, Text, Timestamp


class NewInvitation(Input):
    email: Email
    display_name: Annotated[str, Text(200)]
    role: Annotated[str, Text(20)]


class PeoplePage(Input):
    after: Annotated[str, Text(320)] = ""
    limit: Annotated[int, QueryWhole(1, clinics.MAX_PAGE)] = clinics.MAX_PAGE


class AuditPage(Input):
    before: Annotated[int, QueryWhole(0)] = 0
    limit: Annotated[int, QueryWhole(1, audit.MAX_PAGE)] = 100


class InvitationJson(TypedDict):
    id: IdText
    email: str
    display_name: str
    role: str
    created_at: Timestamp
    expires_at: Timestamp


class IssuedInvitation(InvitationJson):
    link: str


class InvitationList(TypedDict):
    invitations: list[InvitationJson]


class PeopleList(TypedDict):
    people: list[UserJson]


class SessionsEndedCount(TypedDict):
    sessions_ended: int


class CareAssignment(TypedDict):
    therapist_id: IdText
    client_id: IdText
    created_at: Timestamp


class CareTeam(TypedDict):
    assignments: list[CareAssignment]


class AuditEvent(TypedDict):
    id: int
    action: str
    actor_id: IdText | None
    target_type: str | None
    target_id: str | None
    detail: dict[str, Any]
    ip: str | None
    created_at: Timestamp
    hash: Base64Text


class AuditTrail(TypedDict):
    events: list[AuditEvent]


class FailedEmail(TypedDict):
    id: int
    kind: str
    attempts: int
    last_error: str | None
    created_at: Timestamp
    updated_at: Timestamp


class FailedEmails(TypedDict):
    emails: list[FailedEmail]


class OverdueCount(TypedDict):
    therapist_id: IdText
    display_name: str
    overdue: int


class OverdueCounts(TypedDict):
    therapists: list[OverdueCount]


class QueueCount(TypedDict):
    kind: str
    state: str
    count: int


class StorageJson(TypedDict):
    messages: int
    message_bytes: int
    commit_bytes: int


class OperationsJson(TypedDict):
    jobs: list[QueueCount]
    active_sessions: int
    storage: StorageJson
