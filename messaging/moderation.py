"""Moderating a group: the queue, approving, rejecting and removing posts, muting and
removing members, reports.

Only the group's active moderators act here (`Action.MODERATE_GROUP`). Every action is
written to the hash-chained audit trail with who, what, when and which post or member;
never content or reasons, which may quote it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from crypto import CryptoError
from crypto import groups as gcrypto
from messaging import audit
from messaging.actors import Actor
from messaging.audit import AuditEntry
from messaging.clock import iso_utc
from messaging.context import ServiceContext
from messaging.errors import (
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    RekeyRequired,
    StaleEpoch,
)
from messaging.events import (
    leave_group_room_now,
    publish_after_commit,
    publish_to_group_after_commit,
)
from messaging.group_posts import Post, deliver, notify, post_payload, tell_moderators
from messaging.groups import (
    GroupAccess,
    announce,
    check_group_commit,
    group_for,
    next_epoch,
    roster_entries,
    store_commit,
)
from messaging.policy import Action
from messaging.storage import groups as store
from messaging.storage import messages as message_store
from messaging.storage import threads as thread_store
from messaging.storage.database import UnitOfWork
from messaging.storage.groups import ReportRecord

MAX_REASON = 500
MAX_MUTE = timedelta(days=90)
MAX_REPORT_SEAL = 48 + 1 + 16 + 16 + 32 + 1 + 2 + gcrypto.MAX_REPORT_NOTE_BYTES


@dataclass(frozen=True, slots=True)
class Queue:
    held: list[Post]
    reports: list[tuple[ReportRecord, Post]]


async def queue(uow: UnitOfWork, actor: Actor | None, thread_id: uuid.UUID) -> Queue:
    """Held posts and open reports, in one queue, oldest first."""
    await group_for(uow, actor, thread_id, Action.MODERATE_GROUP)
    held = [Post(m, p) for m, p in await store.undelivered_posts(uow.session, thread_id)]
    reports = []
    for report in await store.open_reports(uow.session, thread_id):
        found = await store.get_post(uow.session, report.message_id)
        assert found is not None
        reports.append((report, Post(*found)))
    return Queue(held, reports)


async def _post_for_moderator(
    uow: UnitOfWork, actor: Actor | None, message_id: uuid.UUID, action: Action
) -> tuple[GroupAccess, Post]:
    found = await store.get_post(uow.session, message_id)
    if found is None:
        raise NotFound("No such post.")
    access = await group_for(uow, actor, found[0].thread_id, action, lock=True)
    again = await store.get_post(uow.session, message_id)  # re-read under the lock
    assert again is not None
    return access, Post(*again)


def _reason(reason: str) -> str:
    text = " ".join(reason.split())
    if not 1 <= len(text) <= MAX_REASON:
        raise InvalidInput(f"reason: 1 to {MAX_REASON} characters.")
    return text


async def _record(
    uow: UnitOfWork,
    ctx: ServiceContext,
    access: GroupAccess,
    action: str,
    kind: str,
    target: uuid.UUID,
    detail: dict[str, object] | None = None,
) -> None:
    await audit.record(
        uow,
        AuditEntry(
            action,
            access.thread.clinic_id,
            access.actor.user_id,
            kind,
            str(target),
            {"group": str(access.thread.id), **(detail or {})},
        ),
        ctx.clock.now(),
    )


async def _tell_author(
    uow: UnitOfWork, ctx: ServiceContext, post: Post, moderation: str, reason: str | None
) -> None:
    await publish_after_commit(
        uow,
        ctx.events,
        "group_post_moderated",
        {
            "thread_id": str(post.message.thread_id),
            "message_id": str(post.message.id),
            "moderation": moderation,
            "reason": reason,
        },
        [post.message.sender_id],
        now=ctx.clock.now(),
    )


async def approve(
    uow: UnitOfWork, ctx: ServiceContext, actor: Actor | None, message_id: uuid.UUID, release: bytes
) -> Post:
    """Deliver a held post with the next seq; `release` is its message key wrapped under
    the group's current epoch key by the approving moderator."""
    access, post = await _post_for_moderator(uow, actor, message_id, Action.MODERATE_GROUP)
    if post.message.state != "held":
        raise Conflict("That post is not waiting for a moderator.")
    if access.thread.needs_rekey:
        raise RekeyRequired("This group needs new keys first (a member's account was deleted).")
    try:
        epoch = gcrypto.release_epoch(release)
    except CryptoError:
        raise InvalidInput("release: not a released message key.") from None
    if epoch != access.thread.current_epoch:
        raise StaleEpoch("This group moved to new keys. Reload it and approve again.")
    assert access.me is not None
    now = ctx.clock.now()
    seq = await thread_store.allocate_seq(uow.session, access.thread.id, now)
    await store.release_held(uow.session, message_id, seq)
    await store.moderate_post(
        uow.session,
        message_id,
        moderation="approved",
        moderated_by=access.me.id,
        moderated_at=now,
        release=release,
    )
    found = await store.get_post(uow.session, message_id)
    assert found is not None
    approved = Post(*found)
    await deliver(uow, ctx, approved)
    await _tell_author(uow, ctx, approved, "approved", None)
    await _record(uow, ctx, access, "group.post_approved", "message", message_id)
    await uow.commit()
    return approved


async def reject(
    uow: UnitOfWork, ctx: ServiceContext, actor: Actor | None, message_id: uuid.UUID, reason: str
) -> None:
    """Refuse a held post: its ciphertext is deleted and its author is told why."""
    access, post = await _post_for_moderator(uow, actor, message_id, Action.MODERATE_GROUP)
    if post.message.state != "held":
        raise Conflict("That post is not waiting for a moderator.")
    assert access.me is not None
    text, now = _reason(reason), ctx.clock.now()
    await store.reject_held(uow.session, message_id, now)
    await store.moderate_post(
        uow.session,
        message_id,
        moderation="rejected",
        reason=text,
        moderated_by=access.me.id,
        moderated_at=now,
    )
    await _tell_author(uow, ctx, post, "rejected", text)
    await _record(uow, ctx, access, "group.post_rejected", "message", message_id)
    await uow.commit()


async def remove_post(
    uow: UnitOfWork, ctx: ServiceContext, actor: Actor | None, message_id: uuid.UUID, reason: str
) -> Post:
    """Take a delivered post down: a tombstone keeps its seq; the author sees the reason."""
    access, post = await _post_for_moderator(uow, actor, message_id, Action.MODERATE_GROUP)
    if post.message.seq is None or post.message.state != "visible":
        raise Conflict("Only a delivered post can be removed.")
    assert access.me is not None
    text, now = _reason(reason), ctx.clock.now()
    await message_store.tombstone(uow.session, message_id, now)
    await store.moderate_post(
        uow.session,
        message_id,
        moderation="removed",
        reason=text,
        moderated_by=access.me.id,
        moderated_at=now,
    )
    found = await store.get_post(uow.session, message_id)
    assert found is not None
    removed = Post(*found)
    await publish_to_group_after_commit(
        uow, ctx.events, "group_post_updated", dict(post_payload(removed)), access.thread.id
    )
    await _tell_author(uow, ctx, removed, "removed", text)
    await _record(uow, ctx, access, "group.post_removed", "message", message_id)
    await uow.commit()
    return removed


async def _target_member(
    uow: UnitOfWork, access: GroupAccess, member_id: uuid.UUID
) -> store.GroupMemberRecord:
    member = await store.get_member(uow.session, member_id)
    if member is None or member.thread_id != access.thread.id or member.state != "active":
        raise NotFound("No such member.")
    if member.role == "moderator":
        raise Forbidden("Moderators cannot mute or remove other moderators.")
    return member


async def mute(
    uow: UnitOfWork,
    ctx: ServiceContext,
    actor: Actor | None,
    thread_id: uuid.UUID,
    member_id: uuid.UUID,
    until: datetime,
) -> datetime:
    """Refuse the member's posts until `until` (at most 90 days); they still read."""
    access = await group_for(uow, actor, thread_id, Action.MODERATE_GROUP, lock=True)
    member = await _target_member(uow, access, member_id)
    now = ctx.clock.now()
    if not now < until <= now + MAX_MUTE:
        raise InvalidInput("until: a time in the next 90 days.")
    await store.update_member(uow.session, member.id, muted_until=until)
    await publish_after_commit(
        uow,
        ctx.events,
        "group_muted",
        {"thread_id": str(thread_id), "until": iso_utc(until)},
        [member.user_id],
        now=now,
    )
    await _record(
        uow, ctx, access, "group.member_muted", "group_member", member.id, {"until": iso_utc(until)}
    )
    await uow.commit()
    return until


async def remove_member(
    uow: UnitOfWork,
    ctx: ServiceContext,
    actor: Actor | None,
    thread_id: uuid.UUID,
    member_id: uuid.UUID,
    commit_bytes: bytes,
    forbid_rejoin: bool,
) -> int:
    """Remove a member with the commit that starts the next epoch without them, in one
    step: their sockets leave the group's room before it commits, and nothing sent after
    is sealed to them."""
    access = await group_for(uow, actor, thread_id, Action.MODERATE_GROUP, lock=True)
    member = await _target_member(uow, access, member_id)
    me, thread = access.me, access.thread
    assert me is not None
    assert me.sign_pk is not None
    epoch, prev_hash = await next_epoch(uow, thread)
    remaining = [m for m in await store.members(uow.session, thread.id) if m.id != member.id]
    commit = check_group_commit(
        commit_bytes,
        thread=thread,
        epoch=epoch,
        prev_hash=prev_hash,
        author=me,
        author_sign_pk=me.sign_pk,
        expected=roster_entries(remaining),
    )
    now = ctx.clock.now()
    await store_commit(uow, thread, epoch, commit_bytes, commit, access.actor.user_id, ctx)
    await store.update_member(
        uow.session, member.id, state="removed", removed_at=now, rejoin_forbidden=forbid_rejoin
    )
    await publish_after_commit(
        uow, ctx.events, "group_removed", {"thread_id": str(thread.id)}, [member.user_id], now=now
    )
    await announce(uow, ctx, thread.id, epoch, "removed")
    await _record(
        uow,
        ctx,
        access,
        "group.member_removed",
        "group_member",
        member.id,
        {"forbid_rejoin": forbid_rejoin},
    )
    await leave_group_room_now(uow, ctx.events, member.user_id, thread.id, now=now)
    await uow.commit()
    return epoch


async def rekey(
    uow: UnitOfWork,
    ctx: ServiceContext,
    actor: Actor | None,
    thread_id: uuid.UUID,
    commit_bytes: bytes,
) -> int:
    """Start a new epoch for exactly the active members (needed after a member's account
    was deleted: `needs_rekey`; allowed at any time, e.g. after a lost device). The
    commit builds on the current epoch; a loser of the race gets 409 and reloads."""
    access = await group_for(uow, actor, thread_id, Action.MODERATE_GROUP, lock=True)
    me, thread = access.me, access.thread
    assert me is not None
    assert me.sign_pk is not None
    epoch, prev_hash = await next_epoch(uow, thread)
    commit = check_group_commit(
        commit_bytes,
        thread=thread,
        epoch=epoch,
        prev_hash=prev_hash,
        author=me,
        author_sign_pk=me.sign_pk,
        expected=roster_entries(await store.members(uow.session, thread.id)),
    )
    await store_commit(uow, thread, epoch, commit_bytes, commit, access.actor.user_id, ctx)
    await announce(uow, ctx, thread.id, epoch, "rekeyed")
    await _record(uow, ctx, access, "group.rekeyed", "thread", thread.id, {"epoch": epoch})
    await uow.commit()
    return epoch


async def report(
    uow: UnitOfWork,
    ctx: ServiceContext,
    actor: Actor | None,
    message_id: uuid.UUID,
    category: int,
    seal: bytes,
) -> ReportRecord:
    """A member reports a delivered post: `seal` reveals that post's key (and an optional
    note) to the moderators only."""
    found = await store.get_post(uow.session, message_id)
    if found is None:
        raise NotFound("No such post.")
    access = await group_for(uow, actor, found[0].thread_id, Action.READ_GROUP)
    message = found[0]
    if message.seq is None or message.state != "visible":
        raise NotFound("No such post.")
    if category not in gcrypto.ReportCategory._value2member_map_:
        raise InvalidInput("category: one of 1 to 5.")
    if not 48 + 68 <= len(seal) <= MAX_REPORT_SEAL:
        raise InvalidInput("seal: not a sealed report.")
    assert access.me is not None
    if await store.find_report(uow.session, message_id, access.me.id) is not None:
        raise Conflict("You already reported this post.")
    now = ctx.clock.now()
    record = ReportRecord(
        uuid.uuid4(), access.thread.id, message_id, access.me.id, category, seal, now, None, None
    )
    await store.insert_report(uow.session, record)
    await tell_moderators(
        uow, ctx, access.thread.id, {"reason": "report", "message_id": str(message_id)}
    )
    await notify(uow, ctx, message, "moderators")
    await _record(
        uow, ctx, access, "group.post_reported", "message", message_id, {"category": category}
    )
    await uow.commit()
    return record


async def resolve_report(
    uow: UnitOfWork, ctx: ServiceContext, actor: Actor | None, report_id: uuid.UUID
) -> None:
    """Mark a report handled (whatever the moderator did about the post is its own action)."""
    found = await store.get_report(uow.session, report_id)
    if found is None:
        raise NotFound("No such report.")
    access = await group_for(uow, actor, found.thread_id, Action.MODERATE_GROUP)
    assert access.me is not None
    if found.resolved_at is not None:
        raise Conflict("That report was already handled.")
    await store.resolve_report(uow.session, report_id, access.me.id, ctx.clock.now())
    await _record(uow, ctx, access, "group.report_handled", "group_report", report_id)
    await uow.commit()
