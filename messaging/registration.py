"""Accepting an invitation: the client sends only public and wrapped key material."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import IntegrityError

from messaging import audit, sign_ins
from messaging.actors import RequestOrigin
from messaging.audit import AuditEntry
from messaging.authentication import SessionGrant, start_session
from messaging.context import ServiceContext
from messaging.errors import Conflict, Gone, NotFound
from messaging.key_material import RegistrationMaterial
from messaging.local_time import is_known_zone
from messaging.storage import accounts, invitations
from messaging.storage.database import UnitOfWork
from messaging.storage.records import (
    ClinicRecord,
    CredentialsRecord,
    IdentityKeyRecord,
    InvitationRecord,
    UserRecord,
)

UNKNOWN_INVITATION = "This invitation link is not valid. Ask your clinic for a new one."


EMAIL_HAS_ACCOUNT = (
    "This email address already has an Interlude account. Log in with it, or ask the "
    "clinic to invite another address."
)


@dataclass(frozen=True, slots=True)
class InvitationView:
    invitation: InvitationRecord
    clinic: ClinicRecord


async def _open_invitation(
    uow: UnitOfWork, ctx: ServiceContext, token: str, now: datetime
) -> InvitationRecord:
    invitation = await invitations.find_invitation_by_token_hash(
        uow.session, ctx.keys.hash_token(token)
    )
    if invitation is None:
        raise NotFound(UNKNOWN_INVITATION)
    if invitation.accepted_at is not None:
        raise Gone("This invitation was already used. Log in instead.")
    if invitation.revoked_at is not None:
        raise Gone("This invitation was withdrawn. Ask your clinic for a new one.")
    if invitation.expires_at <= now:
        raise Gone("This invitation has expired. Ask your clinic for a new one.")
    return invitation


async def describe_invitation(uow: UnitOfWork, ctx: ServiceContext, token: str) -> InvitationView:
    """What the accept page shows, and the user id the new keys must be bound to."""
    invitation = await _open_invitation(uow, ctx, token, ctx.clock.now())
    clinic = await accounts.get_clinic(uow.session, invitation.clinic_id)
    if clinic is None:
        raise NotFound(UNKNOWN_INVITATION)
    return InvitationView(invitation, clinic)


async def accept_invitation(
    uow: UnitOfWork,
    ctx: ServiceContext,
    token: str,
    material: RegistrationMaterial,
    origin: RequestOrigin,
    time_zone: str = "UTC",
    device_id: str = "",
) -> SessionGrant:
    """Create the account the invitation reserved and log it in. Single use: a second
    accept, or one racing the first, gets a clear error and changes nothing. `time_zone`
    is the registering device's; one this server does not know becomes UTC (the person
    can choose theirs later) rather than stopping someone from joining."""
    now = ctx.clock.now()
    invitation = await _open_invitation(uow, ctx, token, now)
    bundle = material.validated_bundle(
        invitation.user_id, allow_interactive_kdf=ctx.rules.allow_interactive_kdf
    )
    if not await invitations.mark_accepted(uow.session, invitation.id, now):
        raise Gone("This invitation was already used. Log in instead.")
    user = UserRecord(
        id=invitation.user_id,
        clinic_id=invitation.clinic_id,
        email=invitation.email,
        display_name=invitation.display_name,
        role=invitation.role,
        status="active",
        created_at=now,
        disabled_at=None,
        time_zone=time_zone if is_known_zone(time_zone) else "UTC",
    )
    password, recovery = material.password, material.recovery
    try:
        await accounts.insert_user(uow.session, user)
        await uow.session.flush()
    except IntegrityError:
        # Told only to the holder of the link (the invitee, who knows their own account);
        # the inviting clinic's answers never depend on other clinics (docs/security.md).
        raise Conflict(EMAIL_HAS_ACCOUNT) from None
    await accounts.insert_credentials(
        uow.session,
        CredentialsRecord(
            user_id=user.id,
            auth_key_hash=ctx.keys.hash_auth_key(password.auth_key),
            kdf_version=password.kdf.version,
            kdf_ops=password.kdf.ops,
            kdf_mem=password.kdf.mem,
            kdf_salt=password.salt,
            wrapped_account_key=password.wrapped_account_key,
            recovery_auth_hash=ctx.keys.hash_auth_key(recovery.recovery_auth_key),
            recovery_wrapped_account_key=recovery.recovery_wrapped_account_key,
            keyring=material.keyring,
            updated_at=now,
        ),
    )
    await accounts.insert_identity_key(
        uow.session,
        IdentityKeyRecord(
            user_id=user.id,
            key_id=bundle.key_id,
            public_bundle=bundle.raw,
            sign_pk=bundle.sign_pk,
            box_pk=bundle.box_pk,
            created_at=now,
            retired_at=None,
        ),
    )
    grant = await start_session(uow, ctx, user, origin, now)
    # The device someone joins on is theirs: signing in there later is no news.
    await sign_ins.remember_device(uow, ctx, user.id, device_id, now)
    await audit.record(
        uow,
        AuditEntry(
            "account.registered",
            user.clinic_id,
            user.id,
            "invitation",
            str(invitation.id),
            {"role": user.role},
            origin.ip,
        ),
        now,
    )
    await uow.commit()
    return grant
