"""Sharing one journal entry with the care team, or with one therapist of it.

A share is signed by the client and carries the entry's key sealed to each recipient
and a snapshot of the entry (docs/crypto.md §10); it appears in the client's direct thread.
Each recipient's first opening is recorded. Until someone opens it the client can revoke
it: the row (seals and snapshot) is deleted, so it can never be opened, and the API says
"not found" from then on. Once opened it can only be hidden: the ciphertext is deleted,
and the client is told plainly who had already read it. Open and revoke both lock the
share's row, so exactly one of them wins.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import NotRequired, TypedDict

import crypto
from crypto import CryptoError
from messaging.actors import Actor, Role
from messaging.clock import iso_utc
from messaging.context import ServiceContext
from messaging.errors import Conflict, Gone, InvalidInput, NotFound, PayloadTooLarge
from messaging.events import publish_after_commit
from messaging.policy import Action, Target, authorize, own
from messaging.storage import accounts
from messaging.storage import journal as store
from messaging.storage import threads as thread_store
from messaging.storage.database import UnitOfWork
from messaging.storage.records import JournalShareRecord, ShareRecipientRecord
from messaging.threads import thread_for_member


@dataclass(frozen=True, slots=True)
class SharedEntry:
    share: JournalShareRecord
    recipients: list[ShareRecipientRecord]

    @property
    def opened(self) -> bool:
        return any(r.opened_at is not None for r in self.recipients)


def _parse(raw: bytes) -> crypto.Share:
    if len(raw) > crypto.MAX_SHARE_BYTES:
        raise PayloadTooLarge("That entry is too long to share.")
    try:
        return crypto.parse_share(raw)
    except CryptoError:
        raise InvalidInput("share: not a valid entry share.") from None


async def share_entry(
    uow: UnitOfWork,
    ctx: ServiceContext,
    actor: Actor | None,
    entry_id: uuid.UUID,
    raw: bytes,
) -> SharedEntry:
    """Place a share of one of the actor's entries in their direct thread, readable by the
    therapists it is sealed to (current members of that thread). A retry with the same
    bytes returns the original."""
    allowed = authorize(actor, Action.SHARE_JOURNAL_ENTRY, own(actor))
    share = _parse(raw)
    entry = await store.get_entry(uow.session, entry_id)
    if entry is None or entry.user_id != allowed.user_id:
        raise NotFound("No such journal entry.")
    if share.entry_id != entry.id or share.author_id != allowed.user_id:
        raise InvalidInput("share: made for another entry or author.")
    if share.snapshot != entry.blob:
        raise Conflict("The entry changed meanwhile; share it again.")
    key = await accounts.current_identity_key(uow.session, allowed.user_id)
    if key is None:
        raise InvalidInput("share: not signed with your current key.")
    try:
        crypto.verify_share(share, key.sign_pk)
    except CryptoError:
        raise InvalidInput("share: not signed with your current key.") from None
    thread = await thread_store.direct_thread_of_client(uow.session, allowed.user_id)
    if thread is None or share.thread_id != thread.id:
        raise InvalidInput("share: it must go to your conversation with your care team.")
    therapists = {
        m.user_id
        for m in await thread_store.current_members(uow.session, thread.id)
        if m.role == Role.THERAPIST
    }
    recipients = [r.user_id for r in share.recipients]
    if not set(recipients) <= therapists:
        raise InvalidInput("share: share only with therapists of your care team.")
    existing = await store.get_share(uow.session, share.share_id)
    if existing is not None:
        if existing.author_id == allowed.user_id and existing.share == raw:
            return SharedEntry(existing, await store.recipients_of(uow.session, existing.id))
        raise Conflict("A share with this id exists already.")
    record = JournalShareRecord(
        id=share.share_id,
        entry_id=entry.id,
        thread_id=thread.id,
        author_id=allowed.user_id,
        share=raw,
        created_at=ctx.clock.now(),
        hidden_at=None,
    )
    await store.insert_share(uow.session, record, recipients)
    shared = SharedEntry(record, await store.recipients_of(uow.session, record.id))
    await _tell(uow, ctx, "shared", shared)
    await uow.commit()
    return shared


async def _authored(uow: UnitOfWork, actor: Actor | None, share_id: uuid.UUID) -> SharedEntry:
    allowed = authorize(actor, Action.SHARE_JOURNAL_ENTRY, own(actor))
    share = await store.get_share(uow.session, share_id, lock=True)
    if share is None or share.author_id != allowed.user_id:
        raise NotFound("No such shared entry.")
    return SharedEntry(share, await store.recipients_of(uow.session, share.id))


async def revoke_share(
    uow: UnitOfWork, ctx: ServiceContext, actor: Actor | None, share_id: uuid.UUID
) -> None:
    """Withdraw a share nobody has opened yet: its seals and snapshot are deleted."""
    shared = await _authored(uow, actor, share_id)
    if shared.opened:
        raise Conflict("It was already read, so it can no longer be revoked; you can hide it.")
    await store.delete_share(uow.session, share_id)
    await _tell(uow, ctx, "revoked", shared)
    await uow.commit()


async def hide_share(
    uow: UnitOfWork, ctx: ServiceContext, actor: Actor | None, share_id: uuid.UUID
) -> SharedEntry:
    """Hide a share that was opened: its ciphertext is deleted, and the answer lists who
    had already read it and when (the interface says so plainly)."""
    shared = await _authored(uow, actor, share_id)
    if not shared.opened:
        raise Conflict("Nobody has opened it yet; revoke it instead.")
    await store.hide_share(uow.session, share_id, ctx.clock.now())
    hidden = await store.get_share(uow.session, share_id)
    assert hidden is not None
    result = SharedEntry(hidden, shared.recipients)
    await _tell(uow, ctx, "hidden", result)
    await uow.commit()
    return result


async def withdraw_all(
    uow: UnitOfWork, ctx: ServiceContext, author: Actor, entry_id: uuid.UUID
) -> None:
    """For a deleted entry: revoke what nobody opened, hide the rest. The caller commits."""
    for share in await store.shares_of_entry(uow.session, entry_id):
        shared = SharedEntry(share, await store.recipients_of(uow.session, share.id))
        if shared.opened:
            await store.hide_share(uow.session, share.id, ctx.clock.now())
            await _tell(uow, ctx, "hidden", shared)
        else:
            await store.delete_share(uow.session, share.id)
            await _tell(uow, ctx, "revoked", shared)


async def my_shares(uow: UnitOfWork, actor: Actor | None) -> list[SharedEntry]:
    """Everything the actor shared, newest first, with who opened it and when."""
    allowed = authorize(actor, Action.SHARE_JOURNAL_ENTRY, own(actor))
    return [
        SharedEntry(share, await store.recipients_of(uow.session, share.id))
        for share in await store.shares_by_author(uow.session, allowed.user_id)
    ]


async def shares_in_thread(
    uow: UnitOfWork, actor: Actor | None, thread_id: uuid.UUID
) -> list[SharedEntry]:
    """The shared entries in a thread's timeline that the actor wrote or received."""
    allowed, thread = await thread_for_member(uow, actor, thread_id, Action.READ_THREAD)
    return [
        SharedEntry(share, await store.recipients_of(uow.session, share.id))
        for share in await store.shares_in_thread_for(uow.session, thread.id, allowed.user_id)
    ]


async def open_share(
    uow: UnitOfWork, ctx: ServiceContext, actor: Actor | None, share_id: uuid.UUID
) -> SharedEntry:
    """A recipient opens a shared entry: its signed bytes (only the recipient's own seal
    opens), recorded as opened. A revoked share is not found; a hidden one is gone."""
    share = await store.get_share(uow.session, share_id, lock=True)
    if share is None:
        raise NotFound("That shared entry is not available.")
    thread = await thread_store.get_thread(uow.session, share.thread_id)
    assert thread is not None
    recipients = await store.recipients_of(uow.session, share.id)
    allowed = authorize(
        actor,
        Action.READ_SHARED_ENTRY,
        Target(
            thread.clinic_id,
            actor_is_recipient=actor is not None
            and any(r.user_id == actor.user_id for r in recipients),
        ),
    )
    if share.share is None:
        raise Gone("The client has hidden this entry.")
    await store.mark_opened(uow.session, share.id, allowed.user_id, ctx.clock.now())
    opened = SharedEntry(share, await store.recipients_of(uow.session, share.id))
    await _tell(uow, ctx, "opened", opened)
    await uow.commit()
    return opened


class RecipientPayload(TypedDict):
    user_id: str
    opened_at: str | None


class SharePayload(TypedDict):
    """A share on the wire (documented as `web.models.journal.ShareJson`)."""

    id: str
    entry_id: str
    thread_id: str
    author_id: str
    created_at: str
    hidden_at: str | None
    recipients: list[RecipientPayload]
    share: NotRequired[str | None]


def share_payload(shared: SharedEntry, *, with_share: bool = False) -> SharePayload:
    """The JSON form of a share; the signed bytes only for whoever is opening it."""
    share = shared.share
    payload: SharePayload = {
        "id": str(share.id),
        "entry_id": str(share.entry_id),
        "thread_id": str(share.thread_id),
        "author_id": str(share.author_id),
        "created_at": iso_utc(share.created_at),
        "hidden_at": iso_utc(share.hidden_at),
        "recipients": [
            {"user_id": str(r.user_id), "opened_at": iso_utc(r.opened_at)}
            for r in shared.recipients
        ],
    }
    if with_share:
        payload["share"] = crypto.b64encode(share.share) if share.share else None
    return payload


async def _tell(uow: UnitOfWork, ctx: ServiceContext, change: str, shared: SharedEntry) -> None:
    users = [shared.share.author_id, *(r.user_id for r in shared.recipients)]
    await publish_after_commit(
        uow,
        ctx.events,
        "journal_share",
        {"change": change, "share": share_payload(shared)},
        users,
        now=ctx.clock.now(),
    )
