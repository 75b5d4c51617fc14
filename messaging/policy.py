"""The one place that decides who may do what.

Services call `authorize` before acting; routes and socket handlers never decide access.
`RULES` maps every action to the roles allowed and the relation the actor must have to the
target. Objects in another clinic are reported as not found, so their existence is not
revealed. `tests/integration/test_authz_matrix.py` walks every route and socket event
registered in the app as every role and checks these answers.
"""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass

from messaging.actors import Actor, Role
from messaging.errors import Forbidden, NotAuthenticated, NotFound


class Action(enum.StrEnum):
    READ_OWN_ACCOUNT = "account.read"
    CHANGE_OWN_PASSWORD = "account.change_password"
    LIST_OWN_SESSIONS = "sessions.list"
    END_OWN_SESSION = "sessions.end"
    INVITE_PEOPLE = "clinic.invite"
    LIST_INVITATIONS = "clinic.list_invitations"
    REVOKE_INVITATION = "clinic.revoke_invitation"
    LIST_PEOPLE = "clinic.list_people"
    MANAGE_CARE_TEAM = "clinic.manage_care_team"
    DISABLE_USER = "clinic.disable_user"
    READ_AUDIT = "clinic.read_audit"
    MANAGE_EMAIL_JOBS = "clinic.manage_email_jobs"
    READ_PUBLIC_KEYS = "keys.read"
    OPEN_DIRECT_THREAD = "threads.open_direct"
    READ_THREAD = "threads.read"
    WRITE_THREAD = "threads.write"
    CHANGE_OWN_MESSAGE = "messages.change_own"
    MANAGE_OWN_SCHEDULE = "schedule.manage_own"
    READ_INBOX = "inbox.read"
    MANAGE_LIVE_SESSIONS = "live_sessions.manage"
    READ_OVERDUE_COUNTS = "clinic.read_overdue_counts"
    READ_OPERATIONS = "clinic.read_operations"
    WRITE_OWN_JOURNAL = "journal.write_own"
    SHARE_JOURNAL_ENTRY = "journal.share"
    READ_SHARED_ENTRY = "journal.read_shared"
    MANAGE_PROMPTS = "journal.manage_prompts"
    FLAG_URGENT = "urgent.flag"
    ACKNOWLEDGE_URGENT = "urgent.acknowledge"
    READ_OPEN_URGENT = "urgent.read_open"
    MANAGE_ON_CALL = "clinic.manage_on_call"
    EXPORT_THREAD = "threads.export"
    DELETE_OWN_ACCOUNT = "account.delete"
    DELETE_PERSON = "clinic.delete_person"
    MANAGE_RECORD_POLICY = "clinic.manage_record_policy"
    MANAGE_CONSULTATIONS = "clinic.manage_consultations"
    READ_OWN_INTAKE_NOTE = "account.intake_note"
    MANAGE_CRISIS_RESOURCES = "clinic.manage_crisis_resources"
    CHANGE_OWN_NAME = "account.change_name"
    KEEP_OWN_TRUST_MARKS = "account.trust_marks"
    GRANT_HISTORY = "threads.grant_history"
    CREATE_GROUP = "groups.create"
    NAME_GROUP_MODERATOR = "groups.name_moderator"
    LIST_CLINIC_GROUPS = "groups.list_clinic"
    JOIN_GROUP = "groups.join"
    READ_GROUP = "groups.read"
    POST_IN_GROUP = "groups.post"
    MODERATE_GROUP = "groups.moderate"
    LIST_GROUP_CANDIDATES = "groups.list_candidates"
    MANAGE_ADMIN_KEY = "clinic.admin_key"


class Relation(enum.Enum):
    SELF = "the actor's own account or session"
    SAME_CLINIC = "an object of the actor's clinic"
    SAME_CLINIC_OTHER_USER = "another user of the actor's clinic"
    CARE_TEAM = "the client themself or a therapist on the client's care team"
    THREAD_MEMBER = "a current member of the thread"
    AUTHOR = "the member who sent the message"
    RECIPIENT = "a recipient the client shared the journal entry with"
    GROUP_INVITEE = "invited to the group and not yet joined"
    GROUP_MEMBER = "an active member of the group"
    GROUP_MODERATOR = "an active moderator of the group"


@dataclass(frozen=True, slots=True)
class Rule:
    roles: frozenset[Role]
    relation: Relation


EVERYONE = frozenset(Role)
ADMINS = frozenset({Role.ADMIN})
CARE = frozenset({Role.THERAPIST, Role.CLIENT})
THERAPISTS = frozenset({Role.THERAPIST})
CLIENTS = frozenset({Role.CLIENT})
# Who can be on call for a clinic: its therapists and admins.
STAFF = frozenset({Role.THERAPIST, Role.ADMIN})

RULES: dict[Action, Rule] = {
    Action.READ_OWN_ACCOUNT: Rule(EVERYONE, Relation.SELF),
    Action.CHANGE_OWN_PASSWORD: Rule(EVERYONE, Relation.SELF),
    Action.LIST_OWN_SESSIONS: Rule(EVERYONE, Relation.SELF),
    Action.END_OWN_SESSION: Rule(EVERYONE, Relation.SELF),
    Action.INVITE_PEOPLE: Rule(ADMINS, Relation.SAME_CLINIC),
    Action.LIST_INVITATIONS: Rule(ADMINS, Relation.SAME_CLINIC),
    Action.REVOKE_INVITATION: Rule(ADMINS, Relation.SAME_CLINIC),
    Action.LIST_PEOPLE: Rule(ADMINS, Relation.SAME_CLINIC),
    Action.MANAGE_CARE_TEAM: Rule(ADMINS, Relation.SAME_CLINIC),
    Action.DISABLE_USER: Rule(ADMINS, Relation.SAME_CLINIC_OTHER_USER),
    Action.READ_AUDIT: Rule(ADMINS, Relation.SAME_CLINIC),
    Action.MANAGE_EMAIL_JOBS: Rule(ADMINS, Relation.SAME_CLINIC),
    Action.READ_PUBLIC_KEYS: Rule(EVERYONE, Relation.SAME_CLINIC),
    Action.OPEN_DIRECT_THREAD: Rule(CARE, Relation.CARE_TEAM),
    Action.READ_THREAD: Rule(EVERYONE, Relation.THREAD_MEMBER),
    Action.WRITE_THREAD: Rule(EVERYONE, Relation.THREAD_MEMBER),
    Action.CHANGE_OWN_MESSAGE: Rule(EVERYONE, Relation.AUTHOR),
    Action.MANAGE_OWN_SCHEDULE: Rule(THERAPISTS, Relation.SELF),
    Action.READ_INBOX: Rule(THERAPISTS, Relation.SELF),
    Action.MANAGE_LIVE_SESSIONS: Rule(THERAPISTS, Relation.THREAD_MEMBER),
    Action.READ_OVERDUE_COUNTS: Rule(ADMINS, Relation.SAME_CLINIC),
    Action.READ_OPERATIONS: Rule(ADMINS, Relation.SAME_CLINIC),
    Action.WRITE_OWN_JOURNAL: Rule(CLIENTS, Relation.SELF),
    Action.SHARE_JOURNAL_ENTRY: Rule(CLIENTS, Relation.SELF),
    Action.READ_SHARED_ENTRY: Rule(THERAPISTS, Relation.RECIPIENT),
    Action.MANAGE_PROMPTS: Rule(THERAPISTS, Relation.CARE_TEAM),
    Action.FLAG_URGENT: Rule(CLIENTS, Relation.AUTHOR),
    # "Member" here also admits the clinic's on-call contacts (see messaging/urgent.py).
    Action.ACKNOWLEDGE_URGENT: Rule(STAFF, Relation.THREAD_MEMBER),
    Action.READ_OPEN_URGENT: Rule(STAFF, Relation.SELF),
    Action.MANAGE_ON_CALL: Rule(ADMINS, Relation.SAME_CLINIC),
    Action.EXPORT_THREAD: Rule(CARE, Relation.THREAD_MEMBER),
    Action.DELETE_OWN_ACCOUNT: Rule(CLIENTS, Relation.SELF),
    Action.DELETE_PERSON: Rule(ADMINS, Relation.SAME_CLINIC_OTHER_USER),
    Action.MANAGE_RECORD_POLICY: Rule(ADMINS, Relation.SAME_CLINIC),
    Action.MANAGE_CONSULTATIONS: Rule(ADMINS, Relation.SAME_CLINIC),
    Action.READ_OWN_INTAKE_NOTE: Rule(CLIENTS, Relation.SELF),
    Action.MANAGE_CRISIS_RESOURCES: Rule(ADMINS, Relation.SAME_CLINIC),
    Action.CHANGE_OWN_NAME: Rule(EVERYONE, Relation.SELF),
    Action.KEEP_OWN_TRUST_MARKS: Rule(EVERYONE, Relation.SELF),
    # Only the client of a direct thread (checked by the service) shares its history.
    Action.GRANT_HISTORY: Rule(frozenset({Role.CLIENT}), Relation.THREAD_MEMBER),
    Action.CREATE_GROUP: Rule(ADMINS, Relation.SAME_CLINIC),
    Action.NAME_GROUP_MODERATOR: Rule(ADMINS, Relation.SAME_CLINIC),
    Action.LIST_CLINIC_GROUPS: Rule(ADMINS, Relation.SAME_CLINIC),
    Action.JOIN_GROUP: Rule(EVERYONE, Relation.GROUP_INVITEE),
    Action.READ_GROUP: Rule(EVERYONE, Relation.GROUP_MEMBER),
    Action.POST_IN_GROUP: Rule(EVERYONE, Relation.GROUP_MEMBER),
    Action.MODERATE_GROUP: Rule(EVERYONE, Relation.GROUP_MODERATOR),
    # The clinic's clients (id and name) a group's moderator may invite; moderators are
    # the clinic's therapists and admins.
    Action.LIST_GROUP_CANDIDATES: Rule(STAFF, Relation.GROUP_MODERATOR),
    # The clinic's admin key, whose secret opens the groups' labels for admins.
    Action.MANAGE_ADMIN_KEY: Rule(ADMINS, Relation.SAME_CLINIC),
}


@dataclass(frozen=True, slots=True)
class Target:
    """What an action is done to: its clinic, the user it concerns, and the facts about
    the actor's relation to it that storage looked up (membership, care team, authorship)."""

    clinic_id: uuid.UUID
    user_id: uuid.UUID | None = None
    actor_is_member: bool = False
    actor_on_care_team: bool = False
    actor_is_author: bool = False
    actor_is_recipient: bool = False
    # In a group: "invited", "member" or "moderator" (active), or None.
    actor_group_role: str | None = None


def authorize(actor: Actor | None, action: Action, target: Target) -> Actor:
    """Return the actor if it may do `action` to `target`; raise otherwise.

    NotAuthenticated without an actor; NotFound for another clinic's objects (existence is
    not revealed across clinics); Forbidden for a role or relation that is not allowed.
    """
    if actor is None:
        raise NotAuthenticated()
    rule = RULES[action]
    if target.clinic_id != actor.clinic_id:
        raise NotFound()
    if actor.role not in rule.roles:
        raise Forbidden()
    if rule.relation is Relation.SELF and target.user_id != actor.user_id:
        raise Forbidden()
    if rule.relation is Relation.SAME_CLINIC_OTHER_USER and target.user_id == actor.user_id:
        raise Forbidden("You cannot do that to your own account.")
    if rule.relation is Relation.CARE_TEAM and not (
        target.user_id == actor.user_id or target.actor_on_care_team
    ):
        raise NotFound()
    if rule.relation in (Relation.THREAD_MEMBER, Relation.AUTHOR) and not target.actor_is_member:
        raise NotFound()
    if rule.relation is Relation.AUTHOR and not target.actor_is_author:
        raise Forbidden("Only the sender can change a message.")
    if rule.relation is Relation.RECIPIENT and not target.actor_is_recipient:
        raise NotFound()
    if rule.relation is Relation.GROUP_INVITEE and target.actor_group_role != "invited":
        raise NotFound()
    if rule.relation in (Relation.GROUP_MEMBER, Relation.GROUP_MODERATOR) and (
        target.actor_group_role not in ("member", "moderator")
    ):
        raise NotFound()
    if rule.relation is Relation.GROUP_MODERATOR and target.actor_group_role != "moderator":
        raise Forbidden("Only the group's moderators can do that.")
    return actor


def own(actor: Actor | None) -> Target:
    """The target for actions on the actor's own account (sessions, password, profile)."""
    if actor is None:
        raise NotAuthenticated()
    return Target(actor.clinic_id, actor.user_id)


def clinic_of(actor: Actor | None) -> Target:
    """The target for clinic-wide actions (lists, invitations) on the actor's clinic."""
    if actor is None:
        raise NotAuthenticated()
    return Target(actor.clinic_id)
