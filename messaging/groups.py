"""Group threads run by a clinic: creating them, naming moderators, inviting and joining.

A group is a thread of kind "group" with a policy and an encrypted info blob (title,
description, guidelines); the server keeps no readable name. People join under a
pseudonym with membership keys of their own, certified by their account key in a
certificate that only the server and the moderators receive. Every join and removal is a
signed commit accepted under the thread's lock only if it builds on the current epoch
(compare-and-swap): a loser gets 409 and rebuilds on the winner.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace

import crypto
from crypto import CryptoError
from crypto import groups as gcrypto
from messaging import audit
from messaging.actors import Actor, Role
from messaging.admin_keys import check_label
from messaging.audit import AuditEntry
from messaging.context import ServiceContext
from messaging.errors import Conflict, Forbidden, InvalidInput, NotFound
from messaging.events import (
    enter_group_room_after_commit,
    publish_after_commit,
    publish_to_group_after_commit,
)
from messaging.policy import Action, Target, authorize, clinic_of, own
from messaging.storage import accounts
from messaging.storage import groups as store
from messaging.storage import threads as thread_store
from messaging.storage.database import UnitOfWork
from messaging.storage.groups import GroupMemberRecord, GroupRecord, ModKeyRecord
from messaging.storage.records import CommitRecord, ThreadRecord

POLICIES = ("open", "premoderated", "announcements")
MAX_GROUP_MEMBERS = 500
MAX_PSEUDONYM = 40
COMMIT_ROLES = {"moderator": crypto.Role.MODERATOR, "member": crypto.Role.MEMBER}
MAX_GROUP_COMMIT_BYTES = 1 + 16 + 8 + 32 + 16 + 16 + 32 + 2 + MAX_GROUP_MEMBERS * 139 + 64


@dataclass(frozen=True, slots=True)
class GroupAccess:
    actor: Actor
    thread: ThreadRecord
    group: GroupRecord
    me: GroupMemberRecord | None


def group_role(member: GroupMemberRecord | None) -> str | None:
    if member is None or member.state == "removed":
        return None
    return "invited" if member.state == "invited" else member.role


async def group_for(
    uow: UnitOfWork,
    actor: Actor | None,
    thread_id: uuid.UUID,
    action: Action,
    *,
    lock: bool = False,
) -> GroupAccess:
    """The group if the actor may do `action` in it; a group one is not in is not found."""
    thread = await (thread_store.lock_thread if lock else thread_store.get_thread)(
        uow.session, thread_id
    )
    group = None if thread is None else await store.get_group(uow.session, thread_id)
    if thread is None or group is None:
        raise NotFound("No such group.")
    me = None if actor is None else await store.membership_of(uow.session, thread_id, actor.user_id)
    allowed = authorize(actor, action, Target(thread.clinic_id, actor_group_role=group_role(me)))
    return GroupAccess(allowed, thread, group, me)


def _seal(raw: bytes, name: str) -> bytes:
    if len(raw) != gcrypto.GROUP_SECRET_SEAL_BYTES:
        raise InvalidInput(f"{name}: not a sealed group key.")
    return raw


async def create_group(
    uow: UnitOfWork,
    ctx: ServiceContext,
    actor: Actor | None,
    thread_id: uuid.UUID,
    policy: str,
    info: bytes,
    admin_seals: dict[uuid.UUID, bytes],
    moderators: dict[uuid.UUID, bytes],
    label: bytes | None = None,
) -> ThreadRecord:
    """Create a group with its encrypted info, its policy and its first moderators (each
    invited with the info key sealed to their account key), and optionally its label for
    the clinic's admins (sealed to the admin key, signed by this admin)."""
    allowed = authorize(actor, Action.CREATE_GROUP, clinic_of(actor))
    if policy not in POLICIES:
        raise InvalidInput("policy: one of open, premoderated, announcements.")
    try:
        gcrypto.check_group_info(info, thread_id)
    except CryptoError:
        raise InvalidInput("info: not group info encrypted for this group.") from None
    if not moderators:
        raise InvalidInput("moderators: name at least one.")
    for user_id in admin_seals:
        user = await accounts.get_user(uow.session, user_id)
        if user is None or user.clinic_id != allowed.clinic_id or user.role != Role.ADMIN:
            raise InvalidInput("admin_seals: only for the clinic's admins.")
        _seal(admin_seals[user_id], "admin_seals")
    for user_id, seal in moderators.items():
        await _check_moderator(uow, allowed, user_id)
        _seal(seal, "moderators")
    if await thread_store.get_thread(uow.session, thread_id) is not None:
        raise Conflict("That group id is taken; make a new one.")
    if label is not None:
        await check_label(uow, allowed, thread_id, label)
    now = ctx.clock.now()
    thread = ThreadRecord(
        id=thread_id,
        clinic_id=allowed.clinic_id,
        kind="group",
        client_id=None,
        created_by=allowed.user_id,
        created_at=now,
        current_epoch=0,
        needs_rekey=False,
        title_envelope=None,
        last_seq=0,
        last_message_at=None,
        awaiting_since=None,
        reply_due_at=None,
    )
    await thread_store.insert_thread(uow.session, thread)
    await store.insert_group(
        uow.session,
        GroupRecord(
            thread_id,
            policy,
            info,
            {str(u): crypto.b64encode(s) for u, s in admin_seals.items()},
            0,
            label,
        ),
    )
    for user_id, seal in moderators.items():
        await _invite(uow, ctx, allowed, thread, user_id, "moderator", seal)
    await audit.record(
        uow,
        AuditEntry(
            "group.created",
            thread.clinic_id,
            allowed.user_id,
            "thread",
            str(thread_id),
            {"policy": policy},
        ),
        now,
    )
    await uow.commit()
    return thread


async def _check_moderator(uow: UnitOfWork, actor: Actor, user_id: uuid.UUID) -> None:
    user = await accounts.get_user(uow.session, user_id)
    if (
        user is None
        or user.clinic_id != actor.clinic_id
        or user.status != "active"
        or user.role not in (Role.THERAPIST, Role.ADMIN)
    ):
        raise InvalidInput("moderators: therapists or admins of this clinic only.")


async def _invite(
    uow: UnitOfWork,
    ctx: ServiceContext,
    actor: Actor,
    thread: ThreadRecord,
    user_id: uuid.UUID,
    role: str,
    info_seal: bytes,
) -> GroupMemberRecord:
    now = ctx.clock.now()
    existing = await store.membership_of(uow.session, thread.id, user_id)
    if existing is not None and existing.state != "removed":
        raise Conflict("They are already invited to or in this group.")
    if existing is not None and existing.rejoin_forbidden:
        raise Forbidden("A moderator removed them from this group and forbade rejoining.")
    invited = await store.members(uow.session, thread.id, ("invited", "active"))
    if len(invited) >= MAX_GROUP_MEMBERS:
        raise Conflict(f"A group has at most {MAX_GROUP_MEMBERS} members.")
    record = GroupMemberRecord(
        id=existing.id if existing is not None else uuid.uuid4(),
        thread_id=thread.id,
        user_id=user_id,
        role=role,
        state="invited",
        pseudonym=None,
        bundle=None,
        sign_pk=None,
        box_pk=None,
        key_id=None,
        certificate=None,
        info_seal=info_seal,
        invited_by=actor.user_id,
        invited_at=now,
        joined_at=None,
        removed_at=None,
        muted_until=None,
        rejoin_forbidden=False,
        read_seq=0,
    )
    if existing is None:
        await store.insert_member(uow.session, record)
    else:
        # Invited again after a removal: the same member id, so the public membership key
        # and pseudonym stay (earlier commits and posts are verified and shown with them).
        values = record.columns()
        for kept in ("id", "pseudonym", "bundle", "sign_pk", "box_pk", "key_id"):
            del values[kept]
        await store.update_member(uow.session, existing.id, **values)
    await publish_after_commit(
        uow,
        ctx.events,
        "group_invited",
        {"thread_id": str(thread.id), "role": role},
        [user_id],
        now=now,
    )
    return record


async def name_moderator(
    uow: UnitOfWork,
    ctx: ServiceContext,
    actor: Actor | None,
    thread_id: uuid.UUID,
    user_id: uuid.UUID,
    info_seal: bytes,
) -> GroupMemberRecord:
    """An admin names another moderator (invited; they join like anyone)."""
    thread = await thread_store.get_thread(uow.session, thread_id)
    if thread is None or thread.kind != "group":
        raise NotFound("No such group.")
    allowed = authorize(actor, Action.NAME_GROUP_MODERATOR, Target(thread.clinic_id))
    await _check_moderator(uow, allowed, user_id)
    record = await _invite(
        uow, ctx, allowed, thread, user_id, "moderator", _seal(info_seal, "info_seal")
    )
    await audit.record(
        uow,
        AuditEntry(
            "group.moderator_named",
            thread.clinic_id,
            allowed.user_id,
            "group_member",
            str(record.id),
        ),
        ctx.clock.now(),
    )
    await uow.commit()
    return record


async def invite_member(
    uow: UnitOfWork,
    ctx: ServiceContext,
    actor: Actor | None,
    thread_id: uuid.UUID,
    user_id: uuid.UUID,
    info_seal: bytes,
) -> GroupMemberRecord:
    """A moderator invites a client of the clinic; the client sees the group's info and
    guidelines and decides (joining is never silent)."""
    access = await group_for(uow, actor, thread_id, Action.MODERATE_GROUP, lock=True)
    user = await accounts.get_user(uow.session, user_id)
    if (
        user is None
        or user.clinic_id != access.thread.clinic_id
        or user.role != Role.CLIENT
        or user.status != "active"
    ):
        raise InvalidInput("user_id: moderators add clients of this clinic.")
    record = await _invite(
        uow, ctx, access.actor, access.thread, user_id, "member", _seal(info_seal, "info_seal")
    )
    await audit.record(
        uow,
        AuditEntry(
            "group.member_invited",
            access.thread.clinic_id,
            access.actor.user_id,
            "group_member",
            str(record.id),
        ),
        ctx.clock.now(),
    )
    await uow.commit()
    return record


@dataclass(frozen=True, slots=True)
class GroupView:
    thread: ThreadRecord
    group: GroupRecord
    me: GroupMemberRecord
    # Active members and former ones who had joined (the chain's earlier commits name
    # them; one invited again is "removed" to everyone but the moderators); a withdrawn
    # invitation or an invitee deleted before joining is not listed.
    members: list[GroupMemberRecord]
    mod_keys: list[ModKeyRecord]
    # Moderators see who is behind each pseudonym (user id and certificate).
    sees_people: bool
    # Pending invitations with the invitee's name, and the names behind the members'
    # pseudonyms: moderators only, empty for others.
    invited: list[tuple[GroupMemberRecord, str]]
    names: dict[uuid.UUID, str]


async def group_view(uow: UnitOfWork, actor: Actor | None, thread_id: uuid.UUID) -> GroupView:
    """What a member (or an invitee deciding whether to join) sees of a group."""
    me = None if actor is None else await store.membership_of(uow.session, thread_id, actor.user_id)
    action = Action.JOIN_GROUP if group_role(me) == "invited" else Action.READ_GROUP
    access = await group_for(uow, actor, thread_id, action)
    assert access.me is not None
    moderator = group_role(access.me) == "moderator"
    return GroupView(
        access.thread,
        access.group,
        access.me,
        [
            m if moderator or m.state != "invited" else replace(m, state="removed")
            for m in await store.members(uow.session, thread_id, ("active", "removed", "invited"))
            if m.state == "active" or m.key_id is not None
        ],
        await store.mod_keys(uow.session, thread_id),
        moderator,
        await store.invitations(uow.session, thread_id) if moderator else [],
        await store.display_names(uow.session, thread_id, ("active", "removed"))
        if moderator
        else {},
    )


@dataclass(frozen=True, slots=True)
class MyGroup:
    member: GroupMemberRecord
    group: GroupRecord
    last_seq: int
    unread: int


async def my_groups(uow: UnitOfWork, actor: Actor | None) -> list[MyGroup]:
    """The actor's group invitations and memberships, most recent activity first."""
    allowed = authorize(actor, Action.READ_OWN_ACCOUNT, own(actor))
    found = await store.memberships_of_user(uow.session, allowed.user_id)
    return [MyGroup(m, g, last, unread) for m, g, last, unread in found]


@dataclass(frozen=True, slots=True)
class ClinicGroup:
    group: GroupRecord
    thread: ThreadRecord
    moderators: int
    members: int


async def clinic_groups(uow: UnitOfWork, actor: Actor | None) -> list[ClinicGroup]:
    """An admin's view of the clinic's groups: policy, counts and their sealed label."""
    allowed = authorize(actor, Action.LIST_CLINIC_GROUPS, clinic_of(actor))
    result = []
    for group in await store.clinic_groups(uow.session, allowed.clinic_id):
        thread = await thread_store.get_thread(uow.session, group.thread_id)
        assert thread is not None
        active = await store.members(uow.session, group.thread_id)
        moderators = sum(1 for m in active if m.role == "moderator")
        result.append(ClinicGroup(group, thread, moderators, len(active) - moderators))
    return result


def check_group_commit(
    raw: bytes,
    *,
    thread: ThreadRecord,
    epoch: int,
    prev_hash: bytes,
    author: GroupMemberRecord,
    author_sign_pk: bytes,
    expected: set[tuple[uuid.UUID, int, bytes]],
) -> crypto.Commit:
    """A group commit signed by the author's membership key that builds on the current
    epoch and lists exactly the expected memberships (member id, role, key id)."""
    if len(raw) > MAX_GROUP_COMMIT_BYTES:
        raise InvalidInput("commit: too large.")
    try:
        commit = crypto.parse_commit(raw)
        crypto.verify_commit(commit, author_sign_pk)
    except CryptoError:
        raise InvalidInput("commit: not a commit signed by your membership key.") from None
    if commit.thread_id != thread.id or commit.author_id != author.id:
        raise InvalidInput("commit: made for another group or by another member.")
    if commit.epoch != epoch or commit.prev_hash != prev_hash:
        raise Conflict("Someone else changed this group's keys first. Reload and retry.")
    if {(m.user_id, int(m.role), m.key_id) for m in commit.members} != expected:
        raise Conflict("The group's members changed. Reload them and try again.")
    return commit


def roster_entries(members: list[GroupMemberRecord]) -> set[tuple[uuid.UUID, int, bytes]]:
    return {(m.id, int(COMMIT_ROLES[m.role]), m.key_id) for m in members if m.key_id is not None}


async def next_epoch(uow: UnitOfWork, thread: ThreadRecord) -> tuple[int, bytes]:
    """The epoch the next commit must have and the hash it must name (no commit yet:
    epoch 0 and the genesis hash)."""
    previous = await thread_store.get_commit(uow.session, thread.id, thread.current_epoch)
    if previous is None:
        return 0, crypto.GENESIS_PREV_HASH
    return thread.current_epoch + 1, previous.commit_hash


async def store_commit(
    uow: UnitOfWork,
    thread: ThreadRecord,
    epoch: int,
    raw: bytes,
    commit: crypto.Commit,
    author: uuid.UUID,
    ctx: ServiceContext,
) -> None:
    if epoch > 0 and not await thread_store.advance_epoch(
        uow.session, thread.id, from_epoch=thread.current_epoch, to_epoch=epoch
    ):
        raise Conflict("Someone else changed this group's keys first. Reload and retry.")
    await thread_store.insert_commit(
        uow.session, CommitRecord(thread.id, epoch, raw, commit.hash, author, ctx.clock.now())
    )


async def join_group(
    uow: UnitOfWork,
    ctx: ServiceContext,
    actor: Actor | None,
    thread_id: uuid.UUID,
    pseudonym: str,
    certificate: bytes,
    commit_bytes: bytes,
    moderator_key: bytes | None,
) -> GroupMemberRecord:
    """Accept an invitation under a pseudonym: the membership keys (certified by the
    account key) and the commit that adds this member, made by the joiner. A moderator
    also brings a fresh moderators' key sealed to every moderator."""
    access = await group_for(uow, actor, thread_id, Action.JOIN_GROUP, lock=True)
    me, thread = access.me, access.thread
    assert me is not None
    name = " ".join(pseudonym.split())
    if not 1 <= len(name) <= MAX_PSEUDONYM:
        raise InvalidInput(f"pseudonym: 1 to {MAX_PSEUDONYM} characters.")
    active = await store.members(uow.session, thread.id)
    if any((m.pseudonym or "").casefold() == name.casefold() for m in active):
        raise Conflict("Someone in this group already uses that pseudonym.")
    if len(active) >= MAX_GROUP_MEMBERS:
        raise Conflict(f"A group has at most {MAX_GROUP_MEMBERS} members.")
    account_key = await accounts.current_identity_key(uow.session, access.actor.user_id)
    if account_key is None:
        raise InvalidInput("Your account has no identity key yet.")
    try:
        cert = gcrypto.parse_membership_certificate(certificate)
        gcrypto.verify_membership_certificate(cert, account_key.sign_pk, thread.id)
    except CryptoError:
        raise InvalidInput("certificate: not signed by your account key for this group.") from None
    if cert.account_id != access.actor.user_id or cert.member.user_id != me.id:
        raise InvalidInput("certificate: for another account or membership.")
    epoch, prev_hash = await next_epoch(uow, thread)
    expected = roster_entries(active) | {(me.id, int(COMMIT_ROLES[me.role]), cert.member.key_id)}
    joining = GroupMemberRecord(**{**me.columns(), "key_id": cert.member.key_id})
    commit = check_group_commit(
        commit_bytes,
        thread=thread,
        epoch=epoch,
        prev_hash=prev_hash,
        author=joining,
        author_sign_pk=cert.member.sign_pk,
        expected=expected,
    )
    now = ctx.clock.now()
    if me.role == "moderator":
        await _store_moderator_key(
            uow,
            ctx,
            access,
            cert.member,
            moderator_key,
            [m for m in active if m.role == "moderator"],
        )
    await store_commit(uow, thread, epoch, commit_bytes, commit, access.actor.user_id, ctx)
    joined = {
        "state": "active",
        "pseudonym": name,
        "bundle": cert.member.raw,
        "sign_pk": cert.member.sign_pk,
        "box_pk": cert.member.box_pk,
        "key_id": cert.member.key_id,
        "certificate": certificate,
        "joined_at": now,
        "read_seq": thread.last_seq,
    }
    await store.update_member(uow.session, me.id, **joined)
    await audit.record(
        uow,
        AuditEntry(
            "group.joined", thread.clinic_id, access.actor.user_id, "group_member", str(me.id)
        ),
        now,
    )
    await announce(uow, ctx, thread.id, epoch, "joined")
    await enter_group_room_after_commit(uow, ctx.events, access.actor.user_id, thread.id, now=now)
    await uow.commit()
    return GroupMemberRecord(**{**me.columns(), **joined})


async def _store_moderator_key(
    uow: UnitOfWork,
    ctx: ServiceContext,
    access: GroupAccess,
    bundle: crypto.PublicBundle,
    package: bytes | None,
    moderators: list[GroupMemberRecord],
) -> None:
    if package is None:
        raise InvalidInput("moderator_key: a joining moderator brings a new moderators' key.")
    generation = access.group.mod_generation + 1
    try:
        parsed = gcrypto.parse_moderator_key(package)
        gcrypto.verify_moderator_key(parsed, bundle.sign_pk)
    except CryptoError:
        raise InvalidInput("moderator_key: not a moderators' key signed by you.") from None
    expected = {m.id for m in moderators} | {bundle.user_id}
    if (
        parsed.thread_id != access.thread.id
        or parsed.generation != generation
        or parsed.author_id != bundle.user_id
        or {member_id for member_id, _ in parsed.seals} != expected
    ):
        raise Conflict("The group's moderators changed. Reload them and try again.")
    await store.insert_mod_key(
        uow.session,
        ModKeyRecord(access.thread.id, generation, package, parsed.public_key, ctx.clock.now()),
    )
    await store.set_mod_generation(uow.session, access.thread.id, generation)


async def announce(
    uow: UnitOfWork,
    ctx: ServiceContext,
    thread_id: uuid.UUID,
    epoch: int,
    reason: str,
    *,
    needs_rekey: bool = False,
) -> None:
    """Tell the group's room that membership or keys changed (one emit)."""
    await publish_to_group_after_commit(
        uow,
        ctx.events,
        "group_updated",
        {"thread_id": str(thread_id), "epoch": epoch, "reason": reason, "needs_rekey": needs_rekey},
        thread_id,
    )


async def member_deleted(uow: UnitOfWork, ctx: ServiceContext, user_id: uuid.UUID) -> None:
    """(Deletion) Every group the person was an active member of needs a new epoch that is
    not sealed to them: marked `needs_rekey` and announced, so a moderator's client makes
    one; until then approvals are refused (`RekeyRequired`). Run before their memberships
    end."""
    for thread_id in await store.active_group_ids(uow.session, user_id):
        await thread_store.mark_needs_rekey(uow.session, thread_id)
        thread = await thread_store.get_thread(uow.session, thread_id)
        assert thread is not None
        await announce(
            uow, ctx, thread_id, thread.current_epoch, "member_deleted", needs_rekey=True
        )


async def my_group_rooms(uow: UnitOfWork, actor: Actor) -> list[uuid.UUID]:
    """The groups whose room the actor's sockets belong in."""
    return await store.active_group_ids(uow.session, actor.user_id)


async def group_commits(
    uow: UnitOfWork, actor: Actor | None, thread_id: uuid.UUID, after_epoch: int = -1
) -> list[CommitRecord]:
    """The group's signed commit chain (members by member id only); invitees get it too,
    to build the commit that adds them."""
    me = None if actor is None else await store.membership_of(uow.session, thread_id, actor.user_id)
    action = Action.JOIN_GROUP if group_role(me) == "invited" else Action.READ_GROUP
    await group_for(uow, actor, thread_id, action)
    return await thread_store.list_commits(uow.session, thread_id, after_epoch=after_epoch)
