"""Clinics and their people: invitations, care teams, disabling accounts."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError

from messaging import audit, crisis_resources, jobs, threads
from messaging.actors import Actor, RequestOrigin, Role
from messaging.audit import AuditEntry
from messaging.authentication import sessions_ended
from messaging.context import ServiceContext
from messaging.emails import normalize_email
from messaging.errors import Conflict, InvalidInput, NotFound
from messaging.policy import Action, Target, authorize, clinic_of
from messaging.storage import accounts, invitations, sessions
from messaging.storage import admin_keys as admin_key_store
from messaging.storage.database import UnitOfWork
from messaging.storage.records import (
    CareAssignmentRecord,
    ClinicRecord,
    InvitationRecord,
    UserRecord,
)

MAX_NAME_LENGTH = 200
MAX_SENDER_NAME_LENGTH = 100
MAX_PAGE = 200
DEFAULT_SENDER_NAME = "Interlude"
OPEN_INVITATION_EXISTS = "That email already has an open invitation. Withdraw it to send a new one."


@dataclass(frozen=True, slots=True)
class IssuedInvitation:
    invitation: InvitationRecord
    link: str


def invitation_link(ctx: ServiceContext, invitation: InvitationRecord) -> str:
    """The accept link. The token travels in the fragment, which browsers never send to a
    server, so it stays out of access logs and Referer headers."""
    return f"{ctx.public_url}/#/invite/{ctx.keys.invitation_token(invitation.token_salt)}"


def _clean_name(raw: str, field: str, limit: int = MAX_NAME_LENGTH) -> str:
    name = " ".join(raw.split())
    if not name or len(name) > limit:
        raise InvalidInput(f"{field}: give a name of 1 to {limit} characters.")
    return name


async def create_clinic(
    uow: UnitOfWork,
    ctx: ServiceContext,
    name: str,
    admin_email: str,
    admin_name: str,
    sender_name: str = DEFAULT_SENDER_NAME,
    country: str | None = None,
) -> tuple[ClinicRecord, IssuedInvitation]:
    """An operator's command: a new clinic, the crisis resources of its country (ISO code;
    none if unknown) and the invitation of its first admin."""
    now = ctx.clock.now()
    country = crisis_resources.clean_country(country)
    clinic = ClinicRecord(
        id=uuid.uuid4(),
        name=_clean_name(name, "name"),
        sender_name=_clean_name(sender_name, "sender_name", MAX_SENDER_NAME_LENGTH),
        created_at=now,
    )
    await accounts.insert_clinic(uow.session, clinic)
    await crisis_resources.start_for_new_clinic(uow, ctx, clinic.id, country)
    await audit.record(
        uow, AuditEntry("clinic.created", clinic.id, None, "clinic", str(clinic.id)), now
    )
    issued = await issue_invitation(
        uow, ctx, clinic.id, None, admin_email, admin_name, Role.ADMIN, None
    )
    await uow.commit()
    return clinic, issued


async def invite(
    uow: UnitOfWork,
    ctx: ServiceContext,
    actor: Actor | None,
    email: str,
    display_name: str,
    role: str,
    origin: RequestOrigin,
) -> IssuedInvitation:
    """Invite someone to the admin's clinic with a role; the email goes out as a job."""
    allowed = authorize(actor, Action.INVITE_PEOPLE, clinic_of(actor))
    try:
        parsed_role = Role(role)
    except ValueError:
        raise InvalidInput("role: must be admin, therapist or client.") from None
    issued = await issue_invitation(
        uow, ctx, allowed.clinic_id, allowed.user_id, email, display_name, parsed_role, origin.ip
    )
    await uow.commit()
    return issued


async def issue_invitation(
    uow: UnitOfWork,
    ctx: ServiceContext,
    clinic_id: uuid.UUID,
    invited_by: uuid.UUID | None,
    raw_email: str,
    display_name: str,
    role: Role,
    ip: str | None,
) -> IssuedInvitation:
    """Issue an invitation in the caller's transaction (no commit, no authorization:
    callers decide who may invite); the email goes out as a job."""
    now = ctx.clock.now()
    email = normalize_email(raw_email)
    # Only this clinic's people and invitations are looked at: an answer that depended on
    # another clinic's would tell this one that a person is in therapy elsewhere.
    if await accounts.email_in_clinic(uow.session, clinic_id, email):
        raise Conflict("Someone in your clinic already has an account with that email.")
    if await invitations.pending_invitation_for_email(uow.session, clinic_id, email, now):
        raise Conflict(OPEN_INVITATION_EXISTS)
    await invitations.close_expired_for_email(uow.session, clinic_id, email, now)
    salt = secrets.token_bytes(16)
    invitation = InvitationRecord(
        id=uuid.uuid4(),
        clinic_id=clinic_id,
        email=email,
        display_name=_clean_name(display_name, "display_name"),
        role=role.value,
        token_salt=salt,
        token_hash=ctx.keys.hash_token(ctx.keys.invitation_token(salt)),
        user_id=uuid.uuid4(),
        invited_by=invited_by,
        created_at=now,
        expires_at=now + ctx.rules.invitation_lifetime,
        accepted_at=None,
        revoked_at=None,
    )
    try:
        await invitations.insert_invitation(uow.session, invitation)
        await uow.session.flush()
    except IntegrityError:  # another admin invited the same email at the same moment
        raise Conflict(OPEN_INVITATION_EXISTS) from None
    await jobs.enqueue(
        uow,
        "email.invitation",
        {"invitation_id": str(invitation.id)},
        now=now,
        clinic_id=clinic_id,
    )
    await audit.record(
        uow,
        AuditEntry(
            "invitation.created",
            clinic_id,
            invited_by,
            "invitation",
            str(invitation.id),
            # The reserved user id, not the address: the trail outlives a deleted account.
            {"role": role.value, "user_id": str(invitation.user_id)},
            ip,
        ),
        now,
    )
    return IssuedInvitation(invitation, invitation_link(ctx, invitation))


async def list_invitations(
    uow: UnitOfWork, ctx: ServiceContext, actor: Actor | None
) -> list[InvitationRecord]:
    """Open invitations of the admin's clinic, oldest first."""
    allowed = authorize(actor, Action.LIST_INVITATIONS, clinic_of(actor))
    return await invitations.list_pending_invitations(
        uow.session, allowed.clinic_id, ctx.clock.now(), limit=MAX_PAGE
    )


async def revoke_invitation(
    uow: UnitOfWork,
    ctx: ServiceContext,
    actor: Actor | None,
    invitation_id: uuid.UUID,
    origin: RequestOrigin,
) -> None:
    """Withdraw an open invitation; its link stops working at once."""
    invitation = await invitations.get_invitation(uow.session, invitation_id)
    if invitation is None:
        raise NotFound("No such invitation.")
    allowed = authorize(actor, Action.REVOKE_INVITATION, Target(invitation.clinic_id))
    now = ctx.clock.now()
    if not await invitations.mark_revoked(uow.session, invitation_id, now):
        raise Conflict("That invitation was already used or withdrawn.")
    await audit.record(
        uow,
        AuditEntry(
            "invitation.revoked",
            allowed.clinic_id,
            allowed.user_id,
            "invitation",
            str(invitation_id),
            ip=origin.ip,
        ),
        now,
    )
    await uow.commit()


async def list_people(
    uow: UnitOfWork, actor: Actor | None, *, after_email: str = "", limit: int = MAX_PAGE
) -> list[UserRecord]:
    """People of the admin's clinic in email order, keyset-paginated."""
    allowed = authorize(actor, Action.LIST_PEOPLE, clinic_of(actor))
    return await accounts.list_users(
        uow.session, allowed.clinic_id, after_email=after_email, limit=min(max(limit, 1), MAX_PAGE)
    )


async def _clinic_member(
    uow: UnitOfWork, actor: Actor | None, user_id: uuid.UUID, action: Action
) -> tuple[Actor, UserRecord]:
    user = await accounts.get_user(uow.session, user_id)
    if user is None:
        raise NotFound("No such person.")
    allowed = authorize(actor, action, Target(user.clinic_id, user.id))
    return allowed, user


async def assign_therapist(
    uow: UnitOfWork,
    ctx: ServiceContext,
    actor: Actor | None,
    therapist_id: uuid.UUID,
    client_id: uuid.UUID,
    origin: RequestOrigin,
) -> CareAssignmentRecord:
    """Put a therapist on a client's care team (idempotent)."""
    allowed, therapist = await _clinic_member(uow, actor, therapist_id, Action.MANAGE_CARE_TEAM)
    _, client = await _clinic_member(uow, actor, client_id, Action.MANAGE_CARE_TEAM)
    if therapist.role != Role.THERAPIST or client.role != Role.CLIENT:
        raise InvalidInput("A care team pairs a therapist with a client.")
    now = ctx.clock.now()
    record = CareAssignmentRecord(therapist.id, client.id, allowed.clinic_id, now)
    if not await accounts.add_care_assignment(uow.session, record):
        return record
    await threads.care_team_changed(uow, ctx, client.id, removed=None)
    await audit.record(
        uow,
        AuditEntry(
            "care_team.assigned",
            allowed.clinic_id,
            allowed.user_id,
            "user",
            str(client.id),
            {"therapist_id": str(therapist.id)},
            origin.ip,
        ),
        now,
    )
    await uow.commit()
    return record


async def unassign_therapist(
    uow: UnitOfWork,
    ctx: ServiceContext,
    actor: Actor | None,
    therapist_id: uuid.UUID,
    client_id: uuid.UUID,
    origin: RequestOrigin,
) -> None:
    """Take a therapist off a client's care team."""
    allowed, therapist = await _clinic_member(uow, actor, therapist_id, Action.MANAGE_CARE_TEAM)
    _, client = await _clinic_member(uow, actor, client_id, Action.MANAGE_CARE_TEAM)
    now = ctx.clock.now()
    if not await accounts.delete_care_assignment(uow.session, therapist.id, client.id):
        raise NotFound("That therapist is not on that client's care team.")
    await threads.care_team_changed(uow, ctx, client.id, removed=therapist.id)
    await audit.record(
        uow,
        AuditEntry(
            "care_team.unassigned",
            allowed.clinic_id,
            allowed.user_id,
            "user",
            str(client.id),
            {"therapist_id": str(therapist.id)},
            origin.ip,
        ),
        now,
    )
    await uow.commit()


async def list_care_team(uow: UnitOfWork, actor: Actor | None) -> list[CareAssignmentRecord]:
    allowed = authorize(actor, Action.MANAGE_CARE_TEAM, clinic_of(actor))
    return await accounts.list_care_assignments(uow.session, allowed.clinic_id)


async def disable_user(
    uow: UnitOfWork,
    ctx: ServiceContext,
    actor: Actor | None,
    user_id: uuid.UUID,
    origin: RequestOrigin,
) -> list[uuid.UUID]:
    """Disable an account of the admin's clinic; all its sessions end at once and, if it
    held the clinic's admin key, its seal goes and the key is due for replacement. Returns
    the ended session ids (so live sockets can be closed)."""
    allowed, user = await _clinic_member(uow, actor, user_id, Action.DISABLE_USER)
    now = ctx.clock.now()
    if not await accounts.disable_user(uow.session, user.id, now):
        raise Conflict("That account is already disabled.")
    ended = await sessions.end_sessions_of_user(uow.session, user.id, now)
    await sessions_ended(uow, ctx, ended, "account_disabled")
    await admin_key_store.forget_admin(uow.session, user.id)
    await audit.record(
        uow,
        AuditEntry(
            "user.disabled",
            allowed.clinic_id,
            allowed.user_id,
            "user",
            str(user.id),
            {"sessions_ended": len(ended)},
            origin.ip,
        ),
        now,
    )
    await uow.commit()
    return ended
