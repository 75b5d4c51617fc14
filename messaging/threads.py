"""Direct threads: opening them, their epoch commits, rosters, read positions.

A direct thread joins one client and the therapists on their care team. Its membership is
fixed by signed commits made by members' clients: epoch 0 when the thread opens, and a new
epoch whenever the care team or a member's key changes. The server checks each commit's
signature, chain link and member list against the care team, and accepts it only if the
thread is still at the epoch it builds on (compare-and-swap).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError

import crypto
from crypto import CryptoError
from messaging import audit
from messaging.actors import Actor, Role
from messaging.audit import AuditEntry
from messaging.context import ServiceContext
from messaging.errors import Conflict, InvalidInput, NotFound
from messaging.events import publish_after_commit
from messaging.policy import Action, Target, authorize, own
from messaging.storage import accounts
from messaging.storage import messages as message_store
from messaging.storage import threads as store
from messaging.storage.database import UnitOfWork
from messaging.storage.records import (
    CommitRecord,
    IdentityKeyRecord,
    MessageRecord,
    ThreadMemberRecord,
    ThreadRecord,
    UserRecord,
)

COMMIT_ROLES = {"client": crypto.Role.CLIENT, "therapist": crypto.Role.THERAPIST}
MAX_COMMIT_BYTES = 200 * 1024
MAX_TITLE_BYTES = 4 * 1024


@dataclass(frozen=True, slots=True)
class RosterMember:
    user: UserRecord
    role: str
    key: IdentityKeyRecord


@dataclass(frozen=True, slots=True)
class Roster:
    """Who must be in the thread's next epoch, with the keys to seal to."""

    client: UserRecord
    thread: ThreadRecord | None
    members: list[RosterMember]


@dataclass(frozen=True, slots=True)
class ThreadSummary:
    thread: ThreadRecord
    membership: ThreadMemberRecord
    unread: int
    members: list[tuple[uuid.UUID, str, str]]  # (user id, role, display name)


async def thread_for_member(
    uow: UnitOfWork,
    actor: Actor | None,
    thread_id: uuid.UUID,
    action: Action,
    *,
    lock: bool = False,
) -> tuple[Actor, ThreadRecord]:
    """The thread if the actor is a current member allowed `action`; another clinic's or a
    non-member's thread is not found."""
    thread = await (store.lock_thread if lock else store.get_thread)(uow.session, thread_id)
    if thread is None:
        raise NotFound("No such conversation.")
    member = None
    if actor is not None:
        member = await store.get_member(uow.session, thread_id, actor.user_id)
    target = Target(
        thread.clinic_id,
        actor_is_member=member is not None and member.left_at is None,
    )
    return authorize(actor, action, target), thread


async def message_for_author(
    uow: UnitOfWork, actor: Actor | None, message_id: uuid.UUID, action: Action
) -> tuple[Actor, ThreadRecord, MessageRecord]:
    """A delivered message, its thread locked, for an action only its author may take while
    a member (edit, delete, flag urgent): the allowed actor, the thread and the message."""
    message = await message_store.get_message(uow.session, message_id)
    if message is None or message.seq is None:
        raise NotFound("No such message.")
    thread = await store.lock_thread(uow.session, message.thread_id)
    assert thread is not None
    member = None
    if actor is not None:
        member = await store.get_member(uow.session, thread.id, actor.user_id)
    allowed = authorize(
        actor,
        action,
        Target(
            thread.clinic_id,
            actor_is_member=member is not None and member.left_at is None,
            actor_is_author=actor is not None and message.sender_id == actor.user_id,
        ),
    )
    return allowed, thread, message


async def locked_thread_with_members(
    uow: UnitOfWork, actor: Actor | None, thread_id: uuid.UUID, action: Action
) -> tuple[Actor, ThreadRecord, list[ThreadMemberRecord]]:
    """`thread_for_member` with `lock=True`, and the thread's current members, read in one
    statement (a new message needs all three)."""
    found = await store.lock_thread_with_members(uow.session, thread_id)
    if found is None:
        raise NotFound("No such conversation.")
    thread, members = found
    is_member = actor is not None and any(m.user_id == actor.user_id for m in members)
    target = Target(thread.clinic_id, actor_is_member=is_member)
    return authorize(actor, action, target), thread, members


async def direct_roster(uow: UnitOfWork, actor: Actor | None, client_id: uuid.UUID) -> Roster:
    """The client and their care team with current public keys, and the thread if open."""
    client = await accounts.get_user(uow.session, client_id)
    if client is None or client.role != Role.CLIENT:
        raise NotFound("No such client.")
    therapists = await accounts.therapists_of_client(uow.session, client.id)
    on_team = actor is not None and any(t.id == actor.user_id for t in therapists)
    authorize(
        actor,
        Action.OPEN_DIRECT_THREAD,
        Target(client.clinic_id, client.id, actor_on_care_team=on_team),
    )
    return await _roster(uow, client, therapists)


async def _roster(uow: UnitOfWork, client: UserRecord, therapists: list[UserRecord]) -> Roster:
    people = [(client, "client"), *((t, "therapist") for t in therapists)]
    keys = await accounts.current_identity_keys(uow.session, [p.id for p, _ in people])
    members = [RosterMember(p, role, keys[p.id]) for p, role in people if p.id in keys]
    thread = await store.direct_thread_of_client(uow.session, client.id)
    return Roster(client, thread, members)


def _check_commit(
    raw: bytes,
    *,
    thread_id: uuid.UUID,
    epoch: int,
    prev_hash: bytes,
    author: Actor,
    author_key: IdentityKeyRecord,
    roster: Roster,
) -> crypto.Commit:
    """Everything the server can check about a commit without opening a seal."""
    if len(raw) > MAX_COMMIT_BYTES:
        raise InvalidInput("commit: too large.")
    try:
        commit = crypto.parse_commit(raw)
        crypto.verify_commit(commit, author_key.sign_pk)
    except CryptoError:
        raise InvalidInput("commit: not a commit signed by your current key.") from None
    if commit.thread_id != thread_id or commit.epoch != epoch or commit.prev_hash != prev_hash:
        raise InvalidInput("commit: it does not build on the conversation's current epoch.")
    if commit.author_id != author.user_id:
        raise InvalidInput("commit: the author must be you.")
    expected = {(m.user.id, COMMIT_ROLES[m.role], m.key.key_id) for m in roster.members}
    actual = {(m.user_id, m.role, m.key_id) for m in commit.members}
    if actual != expected:
        raise Conflict(
            "The people or keys in this conversation changed. Reload them and try again."
        )
    return commit


async def open_direct_thread(
    uow: UnitOfWork,
    ctx: ServiceContext,
    actor: Actor | None,
    client_id: uuid.UUID,
    thread_id: uuid.UUID,
    commit_bytes: bytes,
    title_envelope: bytes | None,
) -> ThreadRecord:
    """Open the client's direct thread with its epoch-0 commit (made by the opener's client,
    sealing the first thread key to every member). A second opener gets 409."""
    roster = await direct_roster(uow, actor, client_id)
    assert actor is not None
    if roster.thread is not None:
        raise Conflict("This conversation is already open.")
    if await store.get_thread(uow.session, thread_id) is not None:
        raise Conflict("That conversation id is taken; make a new one.")
    author_key = next((m.key for m in roster.members if m.user.id == actor.user_id), None)
    if author_key is None:
        raise InvalidInput("Your account has no encryption key yet.")
    _check_commit(
        commit_bytes,
        thread_id=thread_id,
        epoch=0,
        prev_hash=crypto.GENESIS_PREV_HASH,
        author=actor,
        author_key=author_key,
        roster=roster,
    )
    if title_envelope is not None:
        _check_title(title_envelope, thread_id, 0, actor, author_key)
    now = ctx.clock.now()
    thread = ThreadRecord(
        id=thread_id,
        clinic_id=roster.client.clinic_id,
        kind="direct",
        client_id=roster.client.id,
        created_by=actor.user_id,
        created_at=now,
        current_epoch=0,
        needs_rekey=False,
        title_envelope=title_envelope,
        last_seq=0,
        last_message_at=None,
        awaiting_since=None,
        reply_due_at=None,
    )
    try:
        await store.insert_thread(uow.session, thread)
        await uow.session.flush()
    except IntegrityError:  # another member opened it at the same moment
        raise Conflict("This conversation is already open.") from None
    for member in roster.members:
        await store.upsert_member(uow.session, thread.id, member.user.id, member.role, 0)
    await store.insert_commit(
        uow.session,
        CommitRecord(
            thread.id, 0, commit_bytes, crypto.commit_hash(commit_bytes), actor.user_id, now
        ),
    )
    await audit.record(
        uow,
        AuditEntry("thread.opened", thread.clinic_id, actor.user_id, "thread", str(thread.id)),
        now,
    )
    await _announce(uow, ctx, thread, [m.user.id for m in roster.members], "opened")
    await uow.commit()
    return thread


def _check_title(
    envelope: bytes, thread_id: uuid.UUID, epoch: int, actor: Actor, key: IdentityKeyRecord
) -> None:
    if len(envelope) > MAX_TITLE_BYTES:
        raise InvalidInput("title: too long.")
    try:
        parsed = crypto.parse_envelope(envelope)
        crypto.verify_envelope(parsed, key.sign_pk)
    except CryptoError:
        raise InvalidInput("title: not an envelope signed by your current key.") from None
    if parsed.thread_id != thread_id or parsed.epoch != epoch or parsed.sender_id != actor.user_id:
        raise InvalidInput("title: sealed for another conversation or epoch.")


async def thread_roster(uow: UnitOfWork, actor: Actor | None, thread_id: uuid.UUID) -> Roster:
    """The members the thread's next commit must contain (for rekeying)."""
    _, thread = await thread_for_member(uow, actor, thread_id, Action.READ_THREAD)
    if thread.client_id is None:
        raise NotFound("No such conversation.")
    client = await accounts.get_user(uow.session, thread.client_id)
    assert client is not None
    return await _roster(uow, client, await accounts.therapists_of_client(uow.session, client.id))


async def commit_epoch(
    uow: UnitOfWork,
    ctx: ServiceContext,
    actor: Actor | None,
    thread_id: uuid.UUID,
    commit_bytes: bytes,
) -> ThreadRecord:
    """Start the next epoch. Accepted only if the thread is still at the epoch the commit
    builds on; a member who lost the race gets 409 and rebuilds on the winner."""
    allowed, thread = await thread_for_member(uow, actor, thread_id, Action.WRITE_THREAD, lock=True)
    roster = await thread_roster(uow, allowed, thread_id)
    author_key = await accounts.current_identity_key(uow.session, allowed.user_id)
    previous = await store.get_commit(uow.session, thread.id, thread.current_epoch)
    if author_key is None or previous is None:
        raise Conflict("This conversation cannot be rekeyed right now.")
    try:
        epoch = crypto.parse_commit(commit_bytes).epoch
    except CryptoError:
        raise InvalidInput("commit: not a commit.") from None
    if epoch != thread.current_epoch + 1:
        raise Conflict("Someone else changed this conversation's keys first. Reload and retry.")
    commit = _check_commit(
        commit_bytes,
        thread_id=thread.id,
        epoch=epoch,
        prev_hash=previous.commit_hash,
        author=allowed,
        author_key=author_key,
        roster=roster,
    )
    if not await store.advance_epoch(
        uow.session, thread.id, from_epoch=thread.current_epoch, to_epoch=epoch
    ):
        raise Conflict("Someone else changed this conversation's keys first. Reload and retry.")
    now = ctx.clock.now()
    await store.insert_commit(
        uow.session,
        CommitRecord(thread.id, epoch, commit_bytes, commit.hash, allowed.user_id, now),
    )
    before = {m.user_id for m in await store.current_members(uow.session, thread.id)}
    for member in roster.members:
        await store.upsert_member(uow.session, thread.id, member.user.id, member.role, epoch)
    for user_id in before - {m.user.id for m in roster.members}:
        await store.remove_member(uow.session, thread.id, user_id, now)
    updated = await store.get_thread(uow.session, thread.id)
    assert updated is not None
    await _announce(uow, ctx, updated, before | {m.user.id for m in roster.members}, "epoch")
    await uow.commit()
    return updated


@dataclass(frozen=True, slots=True)
class SignedCommit:
    record: CommitRecord
    author_key: IdentityKeyRecord | None


async def list_commits(
    uow: UnitOfWork, actor: Actor | None, thread_id: uuid.UUID, after_epoch: int = -1
) -> list[SignedCommit]:
    """The thread's signed commit chain, each with its author's public bundle for the key
    that signed it (members verify the chain and open their seals)."""
    await thread_for_member(uow, actor, thread_id, Action.READ_THREAD)
    signed = []
    for record in await store.list_commits(uow.session, thread_id, after_epoch=after_epoch):
        key_id = crypto.parse_commit(record.commit).author_key_id
        signed.append(
            SignedCommit(record, await accounts.identity_key(uow.session, record.author_id, key_id))
        )
    return signed


async def list_threads(uow: UnitOfWork, actor: Actor | None) -> list[ThreadSummary]:
    """The actor's conversations, most recent activity first, with unread counts."""
    allowed = authorize(actor, Action.READ_OWN_ACCOUNT, own(actor))
    found = await store.threads_of_user(uow.session, allowed.user_id)
    names = await store.member_names(uow.session, [thread.id for thread, _, _ in found])
    return [
        ThreadSummary(thread, member, unread, names.get(thread.id, []))
        for thread, member, unread in found
    ]


@dataclass(frozen=True, slots=True)
class CareTeamClient:
    client: UserRecord
    thread_id: uuid.UUID | None


async def my_clients(uow: UnitOfWork, actor: Actor | None) -> list[CareTeamClient]:
    """A therapist's clients (care team), with their direct thread if it is open."""
    allowed = authorize(actor, Action.READ_INBOX, own(actor))
    result = []
    for client in await accounts.clients_of_therapist(uow.session, allowed.user_id):
        thread = await store.direct_thread_of_client(uow.session, client.id)
        result.append(CareTeamClient(client, thread.id if thread else None))
    return result


async def thread_detail(
    uow: UnitOfWork, actor: Actor | None, thread_id: uuid.UUID
) -> tuple[ThreadRecord, list[ThreadMemberRecord]]:
    _, thread = await thread_for_member(uow, actor, thread_id, Action.READ_THREAD)
    return thread, await store.current_members(uow.session, thread_id)


async def mark_read(
    uow: UnitOfWork, ctx: ServiceContext, actor: Actor | None, thread_id: uuid.UUID, seq: int
) -> None:
    """Move the actor's read position forward to `seq` and tell the other members."""
    allowed, thread = await thread_for_member(uow, actor, thread_id, Action.WRITE_THREAD)
    if seq > thread.last_seq:
        raise InvalidInput("seq: beyond the last message.")
    if await store.advance_read(uow.session, thread_id, allowed.user_id, seq):
        members = [m.user_id for m in await store.current_members(uow.session, thread_id)]
        await publish_after_commit(
            uow,
            ctx.events,
            "read",
            {"thread_id": str(thread_id), "user_id": str(allowed.user_id), "seq": seq},
            members,
            now=ctx.clock.now(),
        )
    await uow.commit()


async def care_team_changed(
    uow: UnitOfWork, ctx: ServiceContext, client_id: uuid.UUID, removed: uuid.UUID | None
) -> None:
    """After a care-team change: the client's thread needs a new epoch, and a removed
    therapist loses access at once (before any member has rekeyed)."""
    thread = await store.direct_thread_of_client(uow.session, client_id)
    if thread is None:
        return
    await store.mark_needs_rekey(uow.session, thread.id)
    notify = {m.user_id for m in await store.current_members(uow.session, thread.id)}
    if removed is not None:
        await store.remove_member(uow.session, thread.id, removed, ctx.clock.now())
    updated = await store.get_thread(uow.session, thread.id)
    assert updated is not None
    await _announce(uow, ctx, updated, notify, "membership")


async def _announce(
    uow: UnitOfWork,
    ctx: ServiceContext,
    thread: ThreadRecord,
    user_ids: set[uuid.UUID] | list[uuid.UUID],
    reason: str,
) -> None:
    await publish_after_commit(
        uow,
        ctx.events,
        "thread_updated",
        {
            "thread_id": str(thread.id),
            "reason": reason,
            "epoch": thread.current_epoch,
            "needs_rekey": thread.needs_rekey,
        },
        user_ids,
        now=ctx.clock.now(),
    )
