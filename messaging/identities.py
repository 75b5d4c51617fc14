"""Public identity keys: reading them, and replacing one's own (compromise recovery).

A new identity key is the visible event partners must acknowledge: every thread of the
user needs a new epoch sealed to the new key, and partners' clients warn and block sending
until their user accepts the change (see the safety number).
"""

from __future__ import annotations

import uuid

from crypto import (
    CryptoError,
    b64encode,
    check_keyring_structure,
    parse_public_bundle,
    verify_public_bundle,
)
from messaging import audit
from messaging.actors import Actor
from messaging.audit import AuditEntry
from messaging.context import ServiceContext
from messaging.errors import Conflict, InvalidInput, NotFound
from messaging.events import publish_after_commit
from messaging.policy import Action, Target, authorize, own
from messaging.storage import accounts
from messaging.storage import threads as thread_store
from messaging.storage.database import UnitOfWork
from messaging.storage.records import IdentityKeyRecord

KEY_USED_BEFORE = "That identity key was in use before. Make a new one."


async def public_key_of(
    uow: UnitOfWork, actor: Actor | None, user_id: uuid.UUID
) -> IdentityKeyRecord:
    """A user's current signed public bundle (users of the same clinic only)."""
    user = await accounts.get_user(uow.session, user_id)
    if user is None:
        raise NotFound("No such person.")
    authorize(actor, Action.READ_PUBLIC_KEYS, Target(user.clinic_id, user.id))
    key = await accounts.current_identity_key(uow.session, user.id)
    if key is None:
        raise NotFound("That person has no key yet.")
    return key


async def key_by_id(
    uow: UnitOfWork, actor: Actor | None, user_id: uuid.UUID, key_id: bytes
) -> IdentityKeyRecord:
    """Any key a same-clinic user has had (old messages stay verifiable after a change)."""
    user = await accounts.get_user(uow.session, user_id)
    if user is None:
        raise NotFound("No such person.")
    authorize(actor, Action.READ_PUBLIC_KEYS, Target(user.clinic_id, user.id))
    key = await accounts.identity_key(uow.session, user.id, key_id)
    if key is None:
        raise NotFound("No such key.")
    return key


async def replace_identity(
    uow: UnitOfWork, ctx: ServiceContext, actor: Actor | None, bundle_bytes: bytes, keyring: bytes
) -> IdentityKeyRecord:
    """Make a new identity key current. The keyring (encrypted by the client) must carry
    it first and the old ones after, so old seals stay openable. A retry of a replacement
    that already happened answers with the key it made; a key the user had before is a
    conflict (a key id is never reused)."""
    allowed = authorize(actor, Action.READ_OWN_ACCOUNT, own(actor))
    try:
        bundle = parse_public_bundle(bundle_bytes)
        verify_public_bundle(bundle, allowed.user_id)
        check_keyring_structure(keyring)
    except CryptoError:
        raise InvalidInput("public_bundle: not a bundle signed by its own key for you.") from None
    now = ctx.clock.now()
    known = await accounts.identity_key(uow.session, allowed.user_id, bundle.key_id)
    if known is not None and known.retired_at is None and known.public_bundle == bundle.raw:
        return known
    if known is not None:
        raise Conflict(KEY_USED_BEFORE)
    await accounts.retire_identity_key(uow.session, allowed.user_id, now)
    record = IdentityKeyRecord(
        allowed.user_id, bundle.key_id, bundle.raw, bundle.sign_pk, bundle.box_pk, now, None
    )
    if not await accounts.add_identity_key(uow.session, record):
        raise Conflict(KEY_USED_BEFORE)
    await accounts.replace_keyring(uow.session, allowed.user_id, keyring, now)
    partners: set[uuid.UUID] = set()
    for thread, _, _ in await thread_store.threads_of_user(uow.session, allowed.user_id):
        await thread_store.mark_needs_rekey(uow.session, thread.id)
        partners |= {m.user_id for m in await thread_store.current_members(uow.session, thread.id)}
    await publish_after_commit(
        uow,
        ctx.events,
        "key_changed",
        {"user_id": str(allowed.user_id), "key_id": b64encode(bundle.key_id)},
        partners,
        now=now,
    )
    await audit.record(
        uow, AuditEntry("identity.replaced", allowed.clinic_id, allowed.user_id), now
    )
    await uow.commit()
    return record
