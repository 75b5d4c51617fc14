"""The clinic's admin key and the groups' labels for admins (docs/crypto.md section 12).

Every admin of a clinic, member of a group or not, sees each group's label: an opaque
name sealed in an admin's client to the clinic's admin key, whose secret is sealed to
each active admin, as the intake key's is (section 11). The server stores seals and
labels it cannot read, checks that a label is signed by the admin who sends it and that
the key is signed by the active admin who makes or reseals it (so that clients can refuse
a key the server made), and keeps the key in step with the admins: a set of seals is
accepted only if it is exactly the clinic's active admins; a new key (generation + 1)
only with every existing label resealed to it. Each change is a compare-and-swap on the
generation, so two admins' clients cannot both win and no label is written under a key
being replaced.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from crypto import CryptoError
from crypto import group_labels as labels
from crypto import groups as gcrypto
from messaging import audit
from messaging.actors import Actor
from messaging.audit import AuditEntry
from messaging.context import ServiceContext
from messaging.errors import Conflict, Forbidden, InvalidInput
from messaging.policy import Action, authorize, clinic_of
from messaging.storage import accounts
from messaging.storage import admin_keys as store
from messaging.storage import groups as group_store
from messaging.storage.admin_keys import AdminKeyRecord
from messaging.storage.database import UnitOfWork

KEY_CHANGED = "The clinic's admin key changed; reload it and try again."


@dataclass(frozen=True, slots=True)
class AdminKeyView:
    """What an admin's client needs to open labels and keep the key in step: the key
    (generation 0 and no public key: none yet), its secret sealed to the asking admin (or
    None), whom it is sealed to, and the clinic's active admins."""

    generation: int
    public_key: bytes | None
    seal: bytes | None
    sealed_to: list[uuid.UUID]
    admins: list[uuid.UUID]
    # An admin who held it was deleted or disabled: replace it even if the seals match.
    replace_due: bool
    # The admin who made or last resealed it and their signature over it (None: no key).
    maker_id: uuid.UUID | None
    signature: bytes | None


async def my_admin_key(uow: UnitOfWork, actor: Actor | None) -> AdminKeyView:
    allowed = authorize(actor, Action.MANAGE_ADMIN_KEY, clinic_of(actor))
    key = await store.get_admin_key(uow.session, allowed.clinic_id)
    return AdminKeyView(
        0 if key is None else key.generation,
        None if key is None else key.public_key,
        await store.seal_for(uow.session, allowed.clinic_id, allowed.user_id),
        await store.sealed_to(uow.session, allowed.clinic_id),
        await accounts.active_admin_ids(uow.session, allowed.clinic_id),
        False if key is None else key.replace_due,
        None if key is None else key.maker_id,
        None if key is None else key.signature,
    )


async def check_label(
    uow: UnitOfWork, admin: Actor, thread_id: uuid.UUID, raw: bytes
) -> labels.GroupLabel:
    """A label for this group, made by this admin under the admin key's current
    generation, which stays locked until the transaction ends."""
    try:
        parsed = labels.parse_group_label(raw)
    except CryptoError:
        raise InvalidInput("label: not a group label.") from None
    if parsed.thread_id != thread_id:
        raise InvalidInput("label: made for another group.")
    if parsed.author_id != admin.user_id:
        raise InvalidInput("label: sign it with your own account key.")
    if not await store.claim_generation(uow.session, admin.clinic_id, parsed.generation):
        raise Conflict(KEY_CHANGED)
    key = await accounts.current_identity_key(uow.session, admin.user_id)
    try:
        if key is None:
            raise CryptoError("no identity key")
        labels.verify_group_label(parsed, thread_id, key.sign_pk)
    except CryptoError:
        raise InvalidInput("label: not signed by your account key.") from None
    return parsed


async def set_admin_key(
    uow: UnitOfWork,
    ctx: ServiceContext,
    actor: Actor | None,
    generation: int,
    public_key: bytes,
    seals: dict[uuid.UUID, bytes],
    resealed_labels: dict[uuid.UUID, bytes],
    signature: bytes,
) -> AdminKeyView:
    """Make the admin key (generation 1), reseal it to the current admins (same
    generation and key, no labels) or replace it (the next generation, with every
    existing label resealed to the new key by this admin). `signature` is this admin's
    over the key, clinic and generation; an admin's client opens no key without one."""
    allowed = authorize(actor, Action.MANAGE_ADMIN_KEY, clinic_of(actor))
    if len(public_key) != 32:
        raise InvalidInput("public_key: must be 32 bytes.")
    if any(len(s) != gcrypto.GROUP_SECRET_SEAL_BYTES for s in seals.values()):
        raise InvalidInput("seals: each is a sealed admin key.")
    admins = await accounts.active_admin_ids(uow.session, allowed.clinic_id)
    if set(seals) != set(admins):
        raise InvalidInput("seals: one for every active admin of the clinic, and no one else.")
    if allowed.user_id not in admins:
        raise Forbidden("Only an active admin of the clinic signs its admin key.")
    maker_key = await accounts.current_identity_key(uow.session, allowed.user_id)
    try:
        if maker_key is None:
            raise CryptoError("no identity key")
        labels.verify_admin_key(
            signature, allowed.clinic_id, generation, public_key, allowed.user_id, maker_key.sign_pk
        )
    except CryptoError:
        raise InvalidInput("signature: not your account key's over this admin key.") from None
    now = ctx.clock.now()
    current = await store.get_admin_key(uow.session, allowed.clinic_id)
    at = 0 if current is None else current.generation
    if current is not None and generation == at:
        if public_key != current.public_key or resealed_labels:
            raise InvalidInput("A reseal keeps the key and carries no labels.")
        if current.replace_due:
            raise Conflict("An admin who held the key was deleted: replace it.")
        if not await store.claim_generation(uow.session, allowed.clinic_id, at):
            raise Conflict(KEY_CHANGED)
        await store.sign_again(uow.session, allowed.clinic_id, allowed.user_id, signature)
    elif generation == at + 1:
        record = AdminKeyRecord(
            allowed.clinic_id, generation, public_key, now, False, allowed.user_id, signature
        )
        if not await store.save_admin_key(uow.session, record, at):
            raise Conflict(KEY_CHANGED)
        labelled = {
            g.thread_id
            for g in await group_store.clinic_groups(uow.session, allowed.clinic_id)
            if g.label is not None
        }
        if set(resealed_labels) != labelled:
            raise Conflict("labels: reseal every labelled group's label; reload them and retry.")
        for thread_id, raw in resealed_labels.items():
            await check_label(uow, allowed, thread_id, raw)
            await group_store.set_label(uow.session, thread_id, raw)
    else:
        raise Conflict(KEY_CHANGED)
    await store.replace_seals(uow.session, allowed.clinic_id, seals)
    await audit.record(
        uow,
        AuditEntry(
            "clinic.admin_key_changed",
            allowed.clinic_id,
            allowed.user_id,
            "clinic",
            str(allowed.clinic_id),
            {"generation": generation, "admins": len(seals), "labels": len(resealed_labels)},
        ),
        now,
    )
    await uow.commit()
    return AdminKeyView(
        generation,
        public_key,
        seals.get(allowed.user_id),
        sorted(seals),
        admins,
        False,
        allowed.user_id,
        signature,
    )
