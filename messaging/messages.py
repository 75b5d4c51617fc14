"""Sending, reading, editing and deleting messages (ciphertext only).

`send_message` is the one path for a new message, whether it arrives over HTTP or the
socket. It checks the envelope against the thread (member, current epoch, registered key,
valid signature, size), makes retries idempotent by client message id, assigns the next
gap-free sequence number and publishes the event after the commit.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import TypedDict

import crypto
from crypto import CryptoError, Envelope
from messaging import notifications, replies
from messaging.actors import Actor
from messaging.clock import iso_utc
from messaging.context import ServiceContext
from messaging.errors import (
    Forbidden,
    Gone,
    InvalidInput,
    PayloadTooLarge,
    RekeyRequired,
    StaleEpoch,
)
from messaging.events import publish_after_commit
from messaging.policy import Action
from messaging.storage import accounts
from messaging.storage import messages as store
from messaging.storage import threads as thread_store
from messaging.storage.database import UnitOfWork
from messaging.storage.records import (
    IdentityKeyRecord,
    MessageRecord,
    ThreadMemberRecord,
    ThreadRecord,
)
from messaging.threads import locked_thread_with_members, message_for_author, thread_for_member

MAX_PAGE = 100
MAX_SYNC_THREADS = 200


@dataclass(frozen=True, slots=True)
class Sent:
    message: MessageRecord
    duplicate: bool


def parse_sized_envelope(raw: bytes) -> Envelope:
    if len(raw) > crypto.MAX_ENVELOPE_BYTES:
        raise PayloadTooLarge("That message is too long to send.")
    try:
        return crypto.parse_envelope(raw)
    except CryptoError:
        raise InvalidInput("envelope: not a valid message envelope.") from None


async def verify_sender(uow: UnitOfWork, actor: Actor, envelope: Envelope) -> None:
    """The envelope names the actor as sender and is signed by the actor's current key."""
    check_sender(actor, envelope)
    check_signature(envelope, await accounts.current_identity_key(uow.session, actor.user_id))


def check_sender(actor: Actor, envelope: Envelope) -> None:
    if envelope.sender_id != actor.user_id:
        raise Forbidden("You can only send messages as yourself.")


def check_signature(envelope: Envelope, key: IdentityKeyRecord | None) -> None:
    """The envelope is signed by `key`, the sender's current identity key."""
    if key is None or key.key_id != envelope.sender_key_id:
        raise InvalidInput("envelope: not signed with your current key.")
    try:
        crypto.verify_envelope(envelope, key.sign_pk)
    except CryptoError:
        raise InvalidInput("envelope: the signature does not verify.") from None


def check_epoch(thread: ThreadRecord, envelope: Envelope) -> None:
    if thread.needs_rekey:
        raise RekeyRequired()
    if envelope.epoch != thread.current_epoch:
        raise StaleEpoch()


@dataclass(frozen=True, slots=True)
class Accepted:
    """An envelope that passed every check for its thread, ready to store (or the
    original message if it is a retry)."""

    actor: Actor
    thread: ThreadRecord
    members: list[ThreadMemberRecord]
    envelope: Envelope
    raw: bytes
    original: MessageRecord | None

    def record(
        self, *, now: datetime, seq: int | None, state: str, deliver_at: datetime | None = None
    ) -> MessageRecord:
        return MessageRecord(
            id=uuid.uuid4(),
            thread_id=self.thread.id,
            seq=seq,
            sender_id=self.actor.user_id,
            client_message_id=self.envelope.client_message_id,
            epoch=self.envelope.epoch,
            envelope=self.raw,
            state=state,
            created_at=now,
            deliver_at=deliver_at,
            edited_at=None,
            deleted_at=None,
        )


async def accept_envelope(
    uow: UnitOfWork, actor: Actor | None, thread_id: uuid.UUID, raw_envelope: bytes
) -> Accepted:
    """The checks every new message passes, sent now or later: size and structure, a
    current member writing to this thread, the actor's own current key and a valid
    signature, then (unless it is a retry) the current epoch. Takes the thread's lock."""
    envelope = parse_sized_envelope(raw_envelope)
    allowed, thread, members = await locked_thread_with_members(
        uow, actor, thread_id, Action.WRITE_THREAD
    )
    if envelope.thread_id != thread.id:
        raise InvalidInput("envelope: sealed for another conversation.")
    check_sender(allowed, envelope)
    key, original = await store.sender_key_and_original(
        uow.session, allowed.user_id, envelope.client_message_id
    )
    check_signature(envelope, key)
    if original is not None and original.thread_id != thread.id:
        raise InvalidInput("envelope: that client message id was used elsewhere.")
    if original is None:
        check_epoch(thread, envelope)
    return Accepted(allowed, thread, members, envelope, raw_envelope, original)


async def send_message(
    uow: UnitOfWork,
    ctx: ServiceContext,
    actor: Actor | None,
    thread_id: uuid.UUID,
    raw_envelope: bytes,
) -> Sent:
    """Store a message and tell the thread. A retry with the same client message id returns
    the original and stores nothing new; a rejected message stores nothing at all."""
    accepted = await accept_envelope(uow, actor, thread_id, raw_envelope)
    if accepted.original is not None:
        return Sent(accepted.original, duplicate=True)
    thread, now = accepted.thread, ctx.clock.now()
    seq = await thread_store.allocate_seq(uow.session, thread.id, now)
    message = accepted.record(now=now, seq=seq, state="visible")
    await store.insert_message(uow.session, message)
    await thread_store.advance_read(uow.session, thread.id, accepted.actor.user_id, seq)
    members = accepted.members
    await replies.message_counted(uow, ctx, thread, message, members)
    member_ids = [m.user_id for m in members]
    await notifications.message_arrived(uow, ctx, message, member_ids)
    await publish_message_event(uow, ctx, "message", message, member_ids)
    await uow.commit()
    return Sent(message, duplicate=False)


async def publish_message_event(
    uow: UnitOfWork,
    ctx: ServiceContext,
    event: str,
    message: MessageRecord,
    members: list[uuid.UUID] | None = None,
) -> None:
    """Tell the thread's current members (looked up unless the caller has them)."""
    if members is None:
        current = await thread_store.current_members(uow.session, message.thread_id)
        members = [m.user_id for m in current]
    await publish_after_commit(
        uow,
        ctx.events,
        event,
        dict(message_payload(message)),
        members,
        now=ctx.clock.now(),
        in_order_of=message.thread_id,
    )


class MessagePayload(TypedDict):
    """A message on the wire (documented as `web.models.threads.MessageJson`)."""

    id: str
    thread_id: str
    seq: int | None
    sender_id: str
    client_message_id: str
    epoch: int
    envelope: str | None
    state: str
    created_at: str
    edited_at: str | None
    deleted_at: str | None
    deliver_at: str | None


def message_payload(message: MessageRecord) -> MessagePayload:
    """The JSON form of a message, the same over HTTP and the socket."""
    return {
        "id": str(message.id),
        "thread_id": str(message.thread_id),
        "seq": message.seq,
        "sender_id": str(message.sender_id),
        "client_message_id": crypto.b64encode(message.client_message_id),
        "epoch": message.epoch,
        "envelope": crypto.b64encode(message.envelope) if message.envelope else None,
        "state": message.state,
        "created_at": iso_utc(message.created_at),
        "edited_at": iso_utc(message.edited_at),
        "deleted_at": iso_utc(message.deleted_at),
        "deliver_at": iso_utc(message.deliver_at),
    }


async def history(
    uow: UnitOfWork,
    actor: Actor | None,
    thread_id: uuid.UUID,
    *,
    before_seq: int | None = None,
    after_seq: int | None = None,
    limit: int = 50,
) -> list[MessageRecord]:
    """A page of the thread by seq (keyset, never OFFSET), oldest first."""
    await thread_for_member(uow, actor, thread_id, Action.READ_THREAD)
    return await store.history(
        uow.session,
        thread_id,
        before_seq=before_seq,
        after_seq=after_seq,
        limit=min(max(limit, 1), MAX_PAGE),
    )


async def sync(
    uow: UnitOfWork, actor: Actor | None, positions: dict[uuid.UUID, int], *, limit: int = MAX_PAGE
) -> dict[uuid.UUID, tuple[list[MessageRecord], bool]]:
    """For each thread, the messages after the client's last seq (up to `limit`) and
    whether more remain: after a reconnect a client gets exactly the gap."""
    if len(positions) > MAX_SYNC_THREADS:
        raise InvalidInput("threads: too many at once.")
    limit = min(max(limit, 1), MAX_PAGE)
    result = {}
    for thread_id, after in positions.items():
        await thread_for_member(uow, actor, thread_id, Action.READ_THREAD)
        page = await store.history(
            uow.session, thread_id, before_seq=None, after_seq=after, limit=limit + 1
        )
        result[thread_id] = (page[:limit], len(page) > limit)
    return result


async def _own_message(
    uow: UnitOfWork, actor: Actor | None, message_id: uuid.UUID
) -> tuple[Actor, ThreadRecord, MessageRecord]:
    allowed, thread, message = await message_for_author(
        uow, actor, message_id, Action.CHANGE_OWN_MESSAGE
    )
    if message.state == "removed":
        raise Gone("That message was deleted.")
    return allowed, thread, message


async def edit_message(
    uow: UnitOfWork,
    ctx: ServiceContext,
    actor: Actor | None,
    message_id: uuid.UUID,
    raw_envelope: bytes,
) -> MessageRecord:
    """Replace what a message shows with a new envelope from its sender. The earlier
    ciphertext is not kept: nobody but its sender could read it, and keeping it would
    keep what the sender chose to take back."""
    envelope = parse_sized_envelope(raw_envelope)
    allowed, thread, message = await _own_message(uow, actor, message_id)
    if envelope.thread_id != thread.id:
        raise InvalidInput("envelope: sealed for another conversation.")
    await verify_sender(uow, allowed, envelope)
    check_epoch(thread, envelope)
    now = ctx.clock.now()
    await store.replace_envelope(uow.session, message.id, raw_envelope, envelope.epoch, now)
    updated = await store.get_message(uow.session, message.id)
    assert updated is not None
    await publish_message_event(uow, ctx, "message_updated", updated)
    await uow.commit()
    return updated


async def delete_message(
    uow: UnitOfWork, ctx: ServiceContext, actor: Actor | None, message_id: uuid.UUID
) -> MessageRecord:
    """Remove a message's ciphertext; a tombstone keeps its seq."""
    _, _, message = await _own_message(uow, actor, message_id)
    await store.tombstone(uow.session, message.id, ctx.clock.now())
    updated = await store.get_message(uow.session, message.id)
    assert updated is not None
    await publish_message_event(uow, ctx, "message_updated", updated)
    await uow.commit()
    return updated
