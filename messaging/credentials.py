"""Changing a password and recovering an account with the recovery code.

Both re-wrap the account key on the client and replace only the password material here:
the keyring, identity and every thread key stay as they were, so no history is lost.
"""

from __future__ import annotations

import uuid

from messaging import audit, jobs
from messaging.actors import Actor, RequestOrigin
from messaging.audit import AuditEntry
from messaging.authentication import SessionGrant, check_secret, sessions_ended, start_session
from messaging.context import ServiceContext
from messaging.emails import normalize_email
from messaging.errors import Conflict, NotAuthenticated
from messaging.key_material import PasswordMaterial, RecoveryMaterial
from messaging.policy import Action, authorize, own
from messaging.server_keys import equal
from messaging.storage import accounts, sessions
from messaging.storage.database import UnitOfWork
from messaging.storage.records import CredentialsRecord

WRONG_PASSWORD = "Your current password didn't match."
WRONG_RECOVERY = "That email and recovery code didn't match."


async def change_password(
    uow: UnitOfWork,
    ctx: ServiceContext,
    actor: Actor | None,
    current_auth_key: bytes,
    new: PasswordMaterial,
    origin: RequestOrigin,
) -> int:
    """Replace the password material after proving the current password; every other
    session ends. Returns how many sessions were ended."""
    allowed = authorize(actor, Action.CHANGE_OWN_PASSWORD, own(actor))
    new.validated(allow_interactive_kdf=ctx.rules.allow_interactive_kdf)
    now = ctx.clock.now()
    stored = await accounts.get_credentials(uow.session, allowed.user_id)
    if stored is None or not equal(ctx.keys.hash_auth_key(current_auth_key), stored.auth_key_hash):
        raise NotAuthenticated(WRONG_PASSWORD)
    await _replace_password(uow, ctx, stored, new)
    ended = await sessions.end_sessions_of_user(
        uow.session, allowed.user_id, now, keep=allowed.session_id
    )
    await sessions_ended(uow, ctx, ended, "password_changed")
    await _notify_and_audit(
        uow, ctx, allowed.user_id, allowed.clinic_id, "password_changed", origin
    )
    await uow.commit()
    return len(ended)


async def begin_recovery(
    uow: UnitOfWork,
    ctx: ServiceContext,
    raw_email: str,
    recovery_auth_key: bytes,
    origin: RequestOrigin,
) -> tuple[uuid.UUID, bytes]:
    """The user id and the account key wrapped by the recovery code, for a client that
    proves the code. Rate-limited like a login."""
    email = normalize_email(raw_email)
    user, stored = await check_secret(
        uow, ctx, "recovery", email, origin, _recovery_hash, recovery_auth_key, WRONG_RECOVERY
    )
    await uow.commit()
    return user.id, stored.recovery_wrapped_account_key


async def complete_recovery(
    uow: UnitOfWork,
    ctx: ServiceContext,
    raw_email: str,
    recovery: RecoveryMaterial,
    new: PasswordMaterial,
    origin: RequestOrigin,
) -> SessionGrant:
    """Set a new password with the recovery code: every session ends and a new one starts."""
    recovery.validated()
    new.validated(allow_interactive_kdf=ctx.rules.allow_interactive_kdf)
    email = normalize_email(raw_email)
    user, stored = await check_secret(
        uow,
        ctx,
        "recovery",
        email,
        origin,
        _recovery_hash,
        recovery.recovery_auth_key,
        WRONG_RECOVERY,
    )
    now = ctx.clock.now()
    await _replace_password(uow, ctx, stored, new)
    await sessions_ended(
        uow, ctx, await sessions.end_sessions_of_user(uow.session, user.id, now), "recovery"
    )
    grant = await start_session(uow, ctx, user, origin, now)
    await _notify_and_audit(uow, ctx, user.id, user.clinic_id, "recovery_used", origin)
    await uow.commit()
    return grant


def _recovery_hash(stored: CredentialsRecord) -> bytes:
    return stored.recovery_auth_hash


async def _replace_password(
    uow: UnitOfWork, ctx: ServiceContext, stored: CredentialsRecord, new: PasswordMaterial
) -> None:
    replaced = await accounts.replace_password_credentials(
        uow.session,
        stored.user_id,
        expected_auth_key_hash=stored.auth_key_hash,
        auth_key_hash=ctx.keys.hash_auth_key(new.auth_key),
        kdf_version=new.kdf.version,
        kdf_ops=new.kdf.ops,
        kdf_mem=new.kdf.mem,
        kdf_salt=new.salt,
        wrapped_account_key=new.wrapped_account_key,
        now=ctx.clock.now(),
    )
    if not replaced:
        raise Conflict("Your password was changed meanwhile. Log in again and retry.")


async def _notify_and_audit(
    uow: UnitOfWork,
    ctx: ServiceContext,
    user_id: uuid.UUID,
    clinic_id: uuid.UUID,
    notice: str,
    origin: RequestOrigin,
) -> None:
    now = ctx.clock.now()
    payload = {"user_id": str(user_id), "notice": notice}
    await jobs.enqueue(uow, "email.security_notice", payload, now=now, clinic_id=clinic_id)
    await audit.record(uow, AuditEntry(f"account.{notice}", clinic_id, user_id, ip=origin.ip), now)
