"""Zero-knowledge login and sessions.

The client derives an auth key from the password with Argon2id; the server compares a keyed
hash of it and never sees the password or the key-encryption key. Sessions are opaque
256-bit tokens stored only as hashes, with an absolute lifetime and an idle timeout.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from crypto import KDF_INTERACTIVE, KDF_MODERATE, KdfParams
from messaging import audit, sign_ins, throttle
from messaging.actors import Actor, RequestOrigin, Role
from messaging.audit import AuditEntry
from messaging.context import ServiceContext
from messaging.emails import normalize_email
from messaging.errors import NotAuthenticated, NotFound
from messaging.events import tell_sessions_after_commit
from messaging.policy import Action, authorize, own
from messaging.server_keys import equal, new_token
from messaging.storage import accounts, sessions
from messaging.storage.database import UnitOfWork
from messaging.storage.records import (
    ClinicRecord,
    CredentialsRecord,
    IdentityKeyRecord,
    SessionRecord,
    UserRecord,
)

LAST_SEEN_GRANULARITY = timedelta(minutes=1)
WRONG_LOGIN = "That email and password didn't match. Check them, or use your recovery code."
DISABLED_ACCOUNT = "This account has been disabled. Please contact your clinic."
SESSION_ENDED = "Your session has ended. Please log in again."
DEFAULT_DEVICE_LABEL = "Unnamed device"
# Compared against when the email has no account, so that path does the same work.
UNKNOWN_ACCOUNT_HASH = bytes(32)


@dataclass(frozen=True, slots=True)
class PreloginAnswer:
    salt: bytes
    kdf: KdfParams


@dataclass(frozen=True, slots=True)
class SessionGrant:
    token: str
    session: SessionRecord
    user: UserRecord


def default_kdf(ctx: ServiceContext) -> KdfParams:
    return KDF_INTERACTIVE if ctx.rules.allow_interactive_kdf else KDF_MODERATE


async def prelogin(
    uow: UnitOfWork, ctx: ServiceContext, raw_email: str, origin: RequestOrigin
) -> PreloginAnswer:
    """Salt and KDF parameters for an email; an email without an account gets a stable
    fake answer of the same shape, after the same work (one query, one keyed hash), so
    prelogin reveals nothing about who has an account. Limited per client address."""
    email = normalize_email(raw_email)
    address_key = ctx.keys.throttle_key("prelogin.address", origin.ip or "unknown")
    await throttle.count_request(uow, address_key, throttle.PRELOGIN_PER_ADDRESS, ctx.clock.now())
    found = await accounts.find_kdf_by_email(uow.session, email)
    fake = PreloginAnswer(ctx.keys.fake_salt(email), default_kdf(ctx))
    await uow.commit()
    if found is None:
        return fake
    return PreloginAnswer(found.salt, KdfParams(found.version, found.ops, found.mem))


async def login(
    uow: UnitOfWork,
    ctx: ServiceContext,
    raw_email: str,
    auth_key: bytes,
    origin: RequestOrigin,
    device_id: str = "",
) -> SessionGrant:
    """Start a session for the right auth key. Failures count against the account and the
    client address alike (429 once locked), whether or not the account exists. A sign-in
    from a device not seen before is announced by email (see `messaging.sign_ins`)."""
    now = ctx.clock.now()
    email = normalize_email(raw_email)
    user, _ = await check_secret(
        uow, ctx, "login", email, origin, lambda found: found.auth_key_hash, auth_key, WRONG_LOGIN
    )
    grant = await start_session(uow, ctx, user, origin, now)
    await sign_ins.note_sign_in(uow, ctx, user, grant.session.id, device_id, now)
    await audit.record(
        uow,
        AuditEntry(
            "session.login",
            user.clinic_id,
            user.id,
            "session",
            str(grant.session.id),
            {"device": grant.session.device_label},
            origin.ip,
        ),
        now,
    )
    await uow.commit()
    return grant


async def check_secret(
    uow: UnitOfWork,
    ctx: ServiceContext,
    purpose: str,
    email: str,
    origin: RequestOrigin,
    stored_hash_of: Callable[[CredentialsRecord], bytes],
    presented: bytes,
    wrong_message: str,
) -> tuple[UserRecord, CredentialsRecord]:
    """Verify a presented auth key (`purpose` "login" or "recovery", each with its own
    per-account counters) under the rate limits of `messaging.throttle`.

    On failure the failure is committed before raising, so it counts even though the
    request fails. The work done is the same whether or not the account exists: one
    query, one keyed hash, one constant-time comparison.
    """
    now = ctx.clock.now()
    keys = throttle.SecretGuessKeys.of(ctx.keys, purpose, email, origin.ip)
    await throttle.ensure_may_guess(uow, keys, now)
    found = await accounts.find_credentials_by_email(uow.session, email)
    presented_hash = ctx.keys.hash_auth_key(presented)
    expected = stored_hash_of(found[1]) if found is not None else UNKNOWN_ACCOUNT_HASH
    if not equal(presented_hash, expected) or found is None:
        await throttle.record_wrong_guess(uow, keys, now)
        await uow.commit()
        raise NotAuthenticated(wrong_message)
    user, stored = found
    if user.status != "active":
        raise NotAuthenticated(DISABLED_ACCOUNT)
    await throttle.record_right_guess(uow, keys)
    return user, stored


async def start_session(
    uow: UnitOfWork, ctx: ServiceContext, user: UserRecord, origin: RequestOrigin, now: datetime
) -> SessionGrant:
    token = new_token()
    record = SessionRecord(
        id=uuid.uuid4(),
        user_id=user.id,
        token_hash=ctx.keys.hash_token(token),
        device_label=(origin.device_label or DEFAULT_DEVICE_LABEL)[:100],
        created_at=now,
        last_seen_at=now,
        expires_at=now + ctx.rules.session_lifetime,
        ended_at=None,
    )
    await sessions.insert_session(uow.session, record)
    return SessionGrant(token, record, user)


async def authenticate(uow: UnitOfWork, ctx: ServiceContext, token: str) -> Actor:
    """The actor behind a session token, or NotAuthenticated if the session has ended,
    expired, sat idle too long, or its user is disabled."""
    now = ctx.clock.now()
    found = await sessions.find_live_session(uow.session, ctx.keys.hash_token(token), now)
    if found is None:
        raise NotAuthenticated(SESSION_ENDED)
    session, user = found
    if user.status != "active":
        raise NotAuthenticated(SESSION_ENDED)
    if now - session.last_seen_at > ctx.rules.session_idle_timeout:
        await sessions.end_session(uow.session, session.id, user.id, now)
        await uow.commit()
        raise NotAuthenticated(SESSION_ENDED)
    if now - session.last_seen_at >= LAST_SEEN_GRANULARITY:
        await sessions.touch_session(uow.session, session.id, now)
        await uow.commit()
    return Actor(user.id, user.clinic_id, Role(user.role), session.id)


async def logout(uow: UnitOfWork, ctx: ServiceContext, actor: Actor | None) -> None:
    """End the session the request came with."""
    allowed = authorize(actor, Action.END_OWN_SESSION, own(actor))
    await sessions.end_session(uow.session, allowed.session_id, allowed.user_id, ctx.clock.now())
    await sessions_ended(uow, ctx, [allowed.session_id], "logged_out")
    await uow.commit()


async def list_sessions(
    uow: UnitOfWork, ctx: ServiceContext, actor: Actor | None
) -> list[SessionRecord]:
    allowed = authorize(actor, Action.LIST_OWN_SESSIONS, own(actor))
    return await sessions.list_live_sessions(uow.session, allowed.user_id, ctx.clock.now())


async def end_session(
    uow: UnitOfWork, ctx: ServiceContext, actor: Actor | None, session_id: uuid.UUID
) -> None:
    """End one of the actor's own sessions (another user's session id is not found)."""
    allowed = authorize(actor, Action.END_OWN_SESSION, own(actor))
    now = ctx.clock.now()
    if not await sessions.end_session(uow.session, session_id, allowed.user_id, now):
        raise NotFound("That session is not active.")
    await sessions_ended(uow, ctx, [session_id], "revoked")
    await audit.record(
        uow,
        AuditEntry(
            "session.revoked", allowed.clinic_id, allowed.user_id, "session", str(session_id)
        ),
        now,
    )
    await uow.commit()


async def end_other_sessions(
    uow: UnitOfWork, ctx: ServiceContext, actor: Actor | None
) -> list[uuid.UUID]:
    """End every session of the actor except the current one; returns those ended."""
    allowed = authorize(actor, Action.END_OWN_SESSION, own(actor))
    now = ctx.clock.now()
    ended = await sessions.end_sessions_of_user(
        uow.session, allowed.user_id, now, keep=allowed.session_id
    )
    await sessions_ended(uow, ctx, ended, "revoked")
    await audit.record(
        uow,
        AuditEntry(
            "session.revoked_others",
            allowed.clinic_id,
            allowed.user_id,
            detail={"count": len(ended)},
        ),
        now,
    )
    await uow.commit()
    return ended


async def sessions_ended(
    uow: UnitOfWork, ctx: ServiceContext, session_ids: list[uuid.UUID], reason: str
) -> None:
    """Tell those sessions' sockets, once committed, that they ended (they receive nothing
    else from then on: events only go to live sessions)."""
    await tell_sessions_after_commit(
        uow, ctx.events, "session_ended", {"reason": reason}, session_ids
    )


@dataclass(frozen=True, slots=True)
class AccountView:
    """What a logged-in client downloads to unlock: its wrapped keys and public identity."""

    user: UserRecord
    clinic: ClinicRecord
    credentials: CredentialsRecord
    identity: IdentityKeyRecord


async def my_account(uow: UnitOfWork, actor: Actor | None) -> AccountView:
    allowed = authorize(actor, Action.READ_OWN_ACCOUNT, own(actor))
    user = await accounts.get_user(uow.session, allowed.user_id)
    clinic = await accounts.get_clinic(uow.session, allowed.clinic_id)
    stored = await accounts.get_credentials(uow.session, allowed.user_id)
    identity = await accounts.current_identity_key(uow.session, allowed.user_id)
    if user is None or clinic is None or stored is None or identity is None:
        raise NotAuthenticated(SESSION_ENDED)
    return AccountView(user, clinic, stored, identity)
