"""Posting in and reading group threads (ciphertext only).

`send_post` checks the envelope against the author's *membership* key (never the account
key), the group's policy and any mute, and makes retries idempotent by client message id.
In a pre-moderated group a member's post is held: its message key is sealed to the
moderators' key (scope mod), it has no seq and nobody but the moderators and its author
is told about it. Its author may send a copy of the key wrapped under their own account
key (docs/crypto.md section 12), which only the author's own view of their posts returns.
A delivered post gets the next seq and one emit to the group's room.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import TypedDict

import crypto
from crypto import CryptoError, KeyScope
from crypto import groups as gcrypto
from messaging import jobs, notifications
from messaging.actors import Actor
from messaging.clock import iso_utc
from messaging.context import ServiceContext
from messaging.errors import (
    Conflict,
    Forbidden,
    InvalidInput,
    Muted,
    NotAuthenticated,
    NotFound,
    RekeyRequired,
    StaleEpoch,
)
from messaging.events import publish_after_commit, publish_to_group_after_commit
from messaging.groups import GroupAccess, group_for, group_role
from messaging.messages import MAX_PAGE, parse_sized_envelope
from messaging.policy import Action, Target, authorize
from messaging.storage import groups as store
from messaging.storage import messages as message_store
from messaging.storage import threads as thread_store
from messaging.storage.database import UnitOfWork
from messaging.storage.groups import GroupMemberRecord, GroupPostRecord
from messaging.storage.records import MessageRecord


@dataclass(frozen=True, slots=True)
class Post:
    message: MessageRecord
    post: GroupPostRecord


@dataclass(frozen=True, slots=True)
class SentPost:
    post: Post
    duplicate: bool


class PostPayload(TypedDict):
    """A group post on the wire (documented as `web.models.groups.GroupPostJson`)."""

    id: str
    thread_id: str
    seq: int | None
    member_id: str
    client_message_id: str
    epoch: int
    envelope: str | None
    release: str | None
    state: str
    created_at: str
    deleted_at: str | None


class OwnPostPayload(PostPayload):
    """Documented as `web.models.groups.OwnGroupPostJson`."""

    moderation: str | None
    reason: str | None
    author_copy: str | None


def post_payload(post: Post) -> PostPayload:
    """A post as every member sees it: the pseudonymous member id, never a user id."""
    message, meta = post.message, post.post
    return {
        "id": str(message.id),
        "thread_id": str(message.thread_id),
        "seq": message.seq,
        "member_id": str(meta.member_id),
        "client_message_id": crypto.b64encode(message.client_message_id),
        "epoch": message.epoch,
        "envelope": crypto.b64encode(message.envelope) if message.envelope else None,
        "release": crypto.b64encode(meta.release) if meta.release else None,
        "state": message.state,
        "created_at": iso_utc(message.created_at),
        "deleted_at": iso_utc(message.deleted_at),
    }


def own_post_payload(post: Post) -> OwnPostPayload:
    """A post as its author sees it: also what moderation did and why, and (while it is
    held) the author's copy of its key. Never send this to anyone but the author."""
    copy = post.post.author_copy
    return {
        **post_payload(post),
        "moderation": post.post.moderation,
        "reason": post.post.reason,
        "author_copy": crypto.b64encode(copy) if copy else None,
    }


def refuse_if_muted(me: GroupMemberRecord, ctx: ServiceContext) -> None:
    if me.muted_until is not None and me.muted_until > ctx.clock.now():
        raise Muted(
            f"A moderator muted you in this group until {iso_utc(me.muted_until)}; "
            "you can read but not post until then."
        )


async def send_post(
    uow: UnitOfWork,
    ctx: ServiceContext,
    actor: Actor | None,
    thread_id: uuid.UUID,
    raw_envelope: bytes,
    author_copy: bytes | None = None,
) -> SentPost:
    """Store a post: delivered now (open group, or a moderator) or held for a moderator
    (pre-moderated), with the author's copy of its key if they sent one. A retry returns
    the original; a refused post stores nothing."""
    envelope = parse_sized_envelope(raw_envelope)
    access, original_id = await posting_access(uow, actor, thread_id, envelope.client_message_id)
    me, thread, group = access.me, access.thread, access.group
    assert me is not None
    assert me.sign_pk is not None
    assert me.key_id is not None
    moderator = me.role == "moderator"
    if group.policy == "announcements" and not moderator:
        raise Forbidden("Only moderators post in this group.")
    refuse_if_muted(me, ctx)
    if envelope.thread_id != thread.id:
        raise InvalidInput("envelope: sealed for another group.")
    if envelope.sender_id != me.id:
        raise Forbidden("You can only post as your own membership.")
    if envelope.sender_key_id != me.key_id:
        raise InvalidInput("envelope: not signed with your membership key.")
    try:
        crypto.verify_envelope(envelope, me.sign_pk)
    except CryptoError:
        raise InvalidInput("envelope: the signature does not verify.") from None
    if original_id is not None:
        found = await store.get_post(uow.session, original_id)
        if found is None or found[0].thread_id != thread.id:
            raise InvalidInput("envelope: that client message id was used elsewhere.")
        return SentPost(Post(*found), duplicate=True)
    if envelope.epoch != thread.current_epoch:
        raise StaleEpoch("This group moved to new keys. Reload it and send again.")
    held = group.policy == "premoderated" and not moderator
    if held and envelope.key_scope is not KeyScope.MOD:
        raise InvalidInput(
            "envelope: posts here wait for a moderator; seal them to the moderators."
        )
    if held and group.mod_generation == 0:
        raise Conflict("No moderator has joined this group yet.")
    if not held and envelope.key_scope is not KeyScope.EPOCH:
        raise InvalidInput("envelope: posts here are sealed to the group's epoch key.")
    if not held and thread.needs_rekey:
        # A deleted member's devices may still hold the current epoch key.
        raise RekeyRequired(
            "This group is getting new keys because a member left; a moderator's app "
            "makes them when it next opens the group. Your post was not sent: send it "
            "again in a little while."
        )
    if author_copy is not None:
        refuse_bad_author_copy(author_copy, held)
    now = ctx.clock.now()
    seq = None if held else await thread_store.allocate_seq(uow.session, thread.id, now)
    message = MessageRecord(
        id=uuid.uuid4(),
        thread_id=thread.id,
        seq=seq,
        sender_id=access.actor.user_id,
        client_message_id=envelope.client_message_id,
        epoch=envelope.epoch,
        envelope=raw_envelope,
        state="held" if held else "visible",
        created_at=now,
        deliver_at=None,
        edited_at=None,
        deleted_at=None,
    )
    meta = GroupPostRecord(message.id, thread.id, me.id, None, None, None, None, None, author_copy)
    await message_store.insert_message(uow.session, message)
    await store.insert_post(uow.session, meta)
    post = Post(message, meta)
    if held:
        await tell_moderators(
            uow, ctx, thread.id, {"reason": "held", "message_id": str(message.id)}
        )
        await notify(uow, ctx, message, "moderators")
    else:
        assert seq is not None
        await store.advance_read(uow.session, me.id, seq)
        await deliver(uow, ctx, post)
    await uow.commit()
    return SentPost(post, duplicate=False)


def refuse_bad_author_copy(author_copy: bytes, held: bool) -> None:
    """An author copy travels only with a held post, and must have the copy's structure
    (the server cannot check more: only the author's account opens it)."""
    if not held:
        raise InvalidInput("author_copy: only a post that waits for a moderator carries one.")
    try:
        gcrypto.check_author_copy(author_copy)
    except CryptoError:
        raise InvalidInput(
            f"author_copy: expected {gcrypto.AUTHOR_COPY_BYTES} bytes of version 1."
        ) from None


async def posting_access(
    uow: UnitOfWork, actor: Actor | None, thread_id: uuid.UUID, client_message_id: bytes
) -> tuple[GroupAccess, uuid.UUID | None]:
    """`group_for(..., POST_IN_GROUP, lock=True)` in one statement, which also finds the
    poster's earlier message with this client message id (a retry), if any."""
    if actor is None:
        raise NotAuthenticated()
    state = await store.lock_for_posting(uow.session, thread_id, actor.user_id, client_message_id)
    if state is None:
        raise NotFound("No such group.")
    target = Target(state.thread.clinic_id, actor_group_role=group_role(state.me))
    allowed = authorize(actor, Action.POST_IN_GROUP, target)
    return GroupAccess(allowed, state.thread, state.group, state.me), state.original_id


async def moderator_ids(uow: UnitOfWork, thread_id: uuid.UUID) -> list[uuid.UUID]:
    return [m.user_id for m in await store.members(uow.session, thread_id) if m.role == "moderator"]


NOTICES_KIND = "group.notices"


async def notify(
    uow: UnitOfWork, ctx: ServiceContext, message: MessageRecord, audience: str
) -> None:
    """Queue the notices about a post for its audience ("members" or "moderators"): one
    durable job in this transaction, so a post to 500 members stays a short transaction."""
    await jobs.enqueue(
        uow,
        NOTICES_KIND,
        {"message_id": str(message.id), "audience": audience},
        now=ctx.clock.now(),
    )


async def send_notices(
    uow: UnitOfWork, ctx: ServiceContext, message_id: uuid.UUID, audience: str
) -> None:
    """(Worker) Email notices per each recipient's preferences: immediate, digest or off,
    quiet hours. They carry no group name and no text."""
    found = await store.get_post(uow.session, message_id)
    if found is None:
        return
    message = found[0]
    members = await store.members(uow.session, message.thread_id)
    recipients = [m.user_id for m in members if audience == "members" or m.role == "moderator"]
    await notifications.message_arrived(uow, ctx, message, recipients)
    await uow.commit()


async def deliver(uow: UnitOfWork, ctx: ServiceContext, post: Post) -> None:
    """One emit of the post to the group's room, and notices to the members."""
    await notify(uow, ctx, post.message, "members")
    await publish_to_group_after_commit(
        uow, ctx.events, "group_post", dict(post_payload(post)), post.message.thread_id
    )


async def tell_moderators(
    uow: UnitOfWork, ctx: ServiceContext, thread_id: uuid.UUID, data: dict[str, object]
) -> None:
    await publish_after_commit(
        uow,
        ctx.events,
        "group_queue",
        {"thread_id": str(thread_id), **data},
        await moderator_ids(uow, thread_id),
        now=ctx.clock.now(),
    )


async def history(
    uow: UnitOfWork,
    actor: Actor | None,
    thread_id: uuid.UUID,
    *,
    after_seq: int | None = None,
    before_seq: int | None = None,
    limit: int = 50,
) -> list[Post]:
    """Delivered posts (and tombstones) by seq, keyset-paginated, oldest first."""
    await group_for(uow, actor, thread_id, Action.READ_GROUP)
    found = await store.posts(
        uow.session,
        thread_id,
        after_seq=after_seq,
        before_seq=before_seq,
        limit=min(max(limit, 1), MAX_PAGE),
    )
    return [Post(m, p) for m, p in found]


async def my_moderated_posts(
    uow: UnitOfWork, actor: Actor | None, thread_id: uuid.UUID
) -> list[Post]:
    """The author's posts waiting for a moderator, rejected or removed, with the reason."""
    access = await group_for(uow, actor, thread_id, Action.READ_GROUP)
    assert access.me is not None
    return [Post(m, p) for m, p in await store.moderated_posts_of(uow.session, access.me.id)]


async def mark_read(
    uow: UnitOfWork, ctx: ServiceContext, actor: Actor | None, thread_id: uuid.UUID, seq: int
) -> None:
    access = await group_for(uow, actor, thread_id, Action.READ_GROUP)
    assert access.me is not None
    if seq > access.thread.last_seq:
        raise InvalidInput("seq: beyond the last post.")
    await store.advance_read(uow.session, access.me.id, seq)
    await uow.commit()
