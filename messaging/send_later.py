"""Send later: a message encrypted when written, held as ciphertext until its time.

The recipient cannot see a scheduled message at all. Its author can list, cancel or
replace it until the worker releases it; release assigns the next sequence number, so the
thread stays gap-free, and happens exactly once: release and cancel both take the
thread's row lock and change the message only if it is still scheduled. Due messages of a
thread are released in delivery order, whichever worker gets there first.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from messaging import jobs, notifications, replies
from messaging.actors import Actor
from messaging.context import ServiceContext
from messaging.errors import Conflict, InvalidInput, NotFound
from messaging.events import publish_after_commit
from messaging.messages import (
    accept_envelope,
    check_epoch,
    message_payload,
    parse_sized_envelope,
    publish_message_event,
    verify_sender,
)
from messaging.policy import Action, Target, authorize
from messaging.storage import delayed_reply as store
from messaging.storage import messages as message_store
from messaging.storage import threads as thread_store
from messaging.storage.database import UnitOfWork
from messaging.storage.records import MessageRecord
from messaging.threads import thread_for_member

RELEASE_KIND = "release.scheduled_message"
MAX_AHEAD = timedelta(days=366)


def _check_time(deliver_at: datetime, now: datetime) -> None:
    if deliver_at <= now:
        raise InvalidInput("deliver_at: pick a time in the future.")
    if deliver_at - now > MAX_AHEAD:
        raise InvalidInput("deliver_at: at most a year ahead.")


async def _queue_release(
    uow: UnitOfWork, ctx: ServiceContext, message: MessageRecord, clinic_id: uuid.UUID
) -> None:
    assert message.deliver_at is not None
    await jobs.enqueue(
        uow,
        RELEASE_KIND,
        {"message_id": str(message.id), "deliver_at": message.deliver_at.isoformat()},
        now=ctx.clock.now(),
        run_at=message.deliver_at,
        dedupe_key=f"release:{message.id}:{message.deliver_at.isoformat()}",
        clinic_id=clinic_id,
    )


async def schedule_message(
    uow: UnitOfWork,
    ctx: ServiceContext,
    actor: Actor | None,
    thread_id: uuid.UUID,
    raw_envelope: bytes,
    deliver_at: datetime,
) -> MessageRecord:
    """Hold an envelope until `deliver_at`. A retry with the same client message id
    returns the original."""
    accepted = await accept_envelope(uow, actor, thread_id, raw_envelope)
    if accepted.original is not None:
        return accepted.original
    now = ctx.clock.now()
    _check_time(deliver_at, now)
    message = accepted.record(now=now, seq=None, state="scheduled", deliver_at=deliver_at)
    allowed, thread = accepted.actor, accepted.thread
    await message_store.insert_message(uow.session, message)
    await _queue_release(uow, ctx, message, thread.clinic_id)
    await _tell_author(uow, ctx, allowed, message, "scheduled")
    await uow.commit()
    return message


async def list_scheduled(
    uow: UnitOfWork, actor: Actor | None, thread_id: uuid.UUID
) -> list[MessageRecord]:
    """The actor's own messages waiting to be delivered in this thread."""
    allowed, thread = await thread_for_member(uow, actor, thread_id, Action.WRITE_THREAD)
    return await store.scheduled_messages(uow.session, thread.id, allowed.user_id)


async def _own_scheduled(
    uow: UnitOfWork, actor: Actor | None, message_id: uuid.UUID
) -> tuple[Actor, MessageRecord, uuid.UUID]:
    message = await message_store.get_message(uow.session, message_id)
    if message is None or message.deliver_at is None:
        raise NotFound("No such scheduled message.")
    thread = await thread_store.lock_thread(uow.session, message.thread_id)
    assert thread is not None
    member = (
        None
        if actor is None
        else await thread_store.get_member(uow.session, thread.id, actor.user_id)
    )
    allowed = authorize(
        actor,
        Action.CHANGE_OWN_MESSAGE,
        Target(
            thread.clinic_id,
            actor_is_member=member is not None and member.left_at is None,
            actor_is_author=actor is not None and message.sender_id == actor.user_id,
        ),
    )
    current = await message_store.get_message(uow.session, message_id)
    assert current is not None
    return allowed, current, thread.clinic_id


async def cancel_scheduled(
    uow: UnitOfWork, ctx: ServiceContext, actor: Actor | None, message_id: uuid.UUID
) -> None:
    """Cancel before release; once released it is an ordinary message (409)."""
    allowed, message, _ = await _own_scheduled(uow, actor, message_id)
    if not await store.cancel_scheduled(uow.session, message.id, ctx.clock.now()):
        raise Conflict("That message was already delivered or cancelled.")
    cancelled = await message_store.get_message(uow.session, message.id)
    assert cancelled is not None
    await _tell_author(uow, ctx, allowed, cancelled, "cancelled")
    await uow.commit()


async def replace_scheduled(
    uow: UnitOfWork,
    ctx: ServiceContext,
    actor: Actor | None,
    message_id: uuid.UUID,
    raw_envelope: bytes,
    deliver_at: datetime,
) -> MessageRecord:
    """New text and/or a new time for a message not yet delivered."""
    envelope = parse_sized_envelope(raw_envelope)
    allowed, message, clinic_id = await _own_scheduled(uow, actor, message_id)
    thread = await thread_store.get_thread(uow.session, message.thread_id)
    assert thread is not None
    if envelope.thread_id != thread.id:
        raise InvalidInput("envelope: sealed for another conversation.")
    await verify_sender(uow, allowed, envelope)
    check_epoch(thread, envelope)
    _check_time(deliver_at, ctx.clock.now())
    reused = await message_store.find_by_client_id(
        uow.session, allowed.user_id, envelope.client_message_id
    )
    if reused is not None and reused.id != message.id:
        raise InvalidInput("envelope: its client message id was used before; seal it again.")
    if not await store.replace_scheduled(
        uow.session,
        message.id,
        envelope=raw_envelope,
        client_message_id=envelope.client_message_id,
        epoch=envelope.epoch,
        deliver_at=deliver_at,
    ):
        raise Conflict("That message was already delivered or cancelled.")
    replaced = await message_store.get_message(uow.session, message.id)
    assert replaced is not None
    await _queue_release(uow, ctx, replaced, clinic_id)
    await _tell_author(uow, ctx, allowed, replaced, "replaced")
    await uow.commit()
    return replaced


async def release(
    uow: UnitOfWork, ctx: ServiceContext, message_id: uuid.UUID, deliver_at: datetime
) -> list[MessageRecord]:
    """The release job: deliver this message (and any of the thread's messages due before
    it) in delivery order. Returns what was released by this call (nothing if another
    worker, a cancel or a replacement got there first)."""
    message = await message_store.get_message(uow.session, message_id)
    if message is None or message.state != "scheduled" or message.deliver_at != deliver_at:
        return []
    thread = await thread_store.lock_thread(uow.session, message.thread_id)
    assert thread is not None
    now = ctx.clock.now()
    released = []
    for due in await store.due_scheduled(uow.session, thread.id, min(deliver_at, now)):
        member = await thread_store.get_member(uow.session, thread.id, due.sender_id)
        if member is None or member.left_at is not None:
            await store.cancel_scheduled(uow.session, due.id, now)  # the author has left
            continue
        seq = await thread_store.allocate_seq(uow.session, thread.id, now)
        if not await store.release_message(uow.session, due.id, seq, now):
            raise Conflict("a scheduled message changed under the thread lock")
        delivered = await message_store.get_message(uow.session, due.id)
        assert delivered is not None
        current = await thread_store.get_thread(uow.session, thread.id)
        assert current is not None
        await thread_store.advance_read(uow.session, thread.id, due.sender_id, seq)
        members = await thread_store.current_members(uow.session, thread.id)
        await replies.message_counted(uow, ctx, current, delivered, members)
        member_ids = [m.user_id for m in members]
        await notifications.message_arrived(uow, ctx, delivered, member_ids)
        await publish_message_event(uow, ctx, "message", delivered, member_ids)
        released.append(delivered)
    await uow.commit()
    return released


async def _tell_author(
    uow: UnitOfWork, ctx: ServiceContext, author: Actor, message: MessageRecord, change: str
) -> None:
    """The author's other devices keep their list of scheduled messages current."""
    await publish_after_commit(
        uow,
        ctx.events,
        "scheduled_updated",
        {"change": change, "message": message_payload(message)},
        [author.user_id],
        now=ctx.clock.now(),
    )
