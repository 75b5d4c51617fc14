"""Group threads on the wire. What a member receives names other members only by their
pseudonymous member id, pseudonym and membership bundle; user ids, names, certificates,
mutes and pending invitations are added for moderators only (`NotRequired` below)."""

from __future__ import annotations

from typing import Annotated, NotRequired

from pydantic import Field
from typing_extensions import TypedDict

from crypto import group_labels as labels
from crypto import groups as gcrypto
from messaging import groups, moderation
from web.models.fields import (
    Base64,
    Base64Text,
    Flag,
    Id,
    IdText,
    Input,
    Instant,
    QueryWhole,
    Text,
    Timestamp,
    Whole,
)
from web.models.threads import Envelope

InfoSeal = Annotated[bytes, Base64(size=gcrypto.GROUP_SECRET_SEAL_BYTES)]
GroupLabel = Annotated[bytes, Base64(size=labels.LABEL_BYTES)]
GroupCommit = Annotated[bytes, Base64(max_size=groups.MAX_GROUP_COMMIT_BYTES)]
MAX_ADMIN_SEALS = 200


class GroupCreation(Input):
    """`admin_seals` and `moderators` map a user id to that person's seal of the group's
    info key; `label`, the group's label for the clinic's admins, sealed to the admin key
    and signed by the creating admin (docs/crypto.md §12)."""

    thread_id: Id
    policy: Annotated[str, Text(16)]
    info: Annotated[bytes, Base64(max_size=gcrypto.MAX_INFO_BYTES + 512)]
    admin_seals: Annotated[dict[Id, InfoSeal], Field(max_length=MAX_ADMIN_SEALS)]
    moderators: Annotated[dict[Id, InfoSeal], Field(max_length=gcrypto.MAX_MODERATORS)]
    label: GroupLabel | None = None


class GroupInvitation(Input):
    user_id: Id
    info_seal: InfoSeal


class GroupJoining(Input):
    pseudonym: Annotated[str, Text(groups.MAX_PSEUDONYM)]
    certificate: Annotated[bytes, Base64(size=gcrypto.CERTIFICATE_BYTES)]
    commit: GroupCommit
    moderator_key: Annotated[bytes, Base64(max_size=64 * 1024)] | None = None


class NewGroupPost(Input):
    """`author_copy`: with a held post only, the author's own copy of its key
    (docs/crypto.md §12), returned to nobody but the author."""

    envelope: Envelope
    author_copy: Annotated[bytes, Base64(size=gcrypto.AUTHOR_COPY_BYTES)] | None = None


class GroupPostsPage(Input):
    after_seq: Annotated[int, QueryWhole(0)] | None = None
    before_seq: Annotated[int, QueryWhole(0)] | None = None
    limit: Annotated[int, QueryWhole(1, 100)] = 50


class GroupReadPosition(Input):
    seq: Annotated[int, Whole(0)]


class PostApproval(Input):
    release: Annotated[bytes, Base64(size=gcrypto.RELEASE_BYTES)]


class ModerationReason(Input):
    reason: Annotated[str, Text(moderation.MAX_REASON)]


class PostReport(Input):
    category: Annotated[int, Whole(1, 255)]
    seal: Annotated[bytes, Base64(max_size=moderation.MAX_REPORT_SEAL)]


class MemberMute(Input):
    until: Instant


class MemberRemoval(Input):
    commit: GroupCommit
    forbid_rejoin: Flag = False


class GroupCreated(TypedDict):
    thread_id: IdText
    policy: str


class MeJson(TypedDict):
    """My own membership (invited, active or removed)."""

    member_id: IdText
    role: str
    state: str
    pseudonym: str | None
    info_seal: Base64Text
    muted_until: Timestamp | None
    read_seq: int


class MyGroupJson(TypedDict):
    thread_id: IdText
    policy: str
    info: Base64Text
    me: MeJson
    last_seq: int
    unread: int


class MyGroupList(TypedDict):
    groups: list[MyGroupJson]


class ClinicGroupJson(TypedDict):
    """`admin_seal`: the group's info key sealed to the asking admin, or null; `label`:
    the label for admins sealed to the clinic's admin key, or null."""

    thread_id: IdText
    policy: str
    created_at: Timestamp
    info: Base64Text
    admin_seal: Base64Text | None
    label: Base64Text | None
    moderators: int
    members: int


class ClinicGroupList(TypedDict):
    groups: list[ClinicGroupJson]


class GroupMemberJson(TypedDict):
    member_id: IdText
    role: str
    state: str
    pseudonym: str | None
    bundle: Base64Text | None
    user_id: NotRequired[IdText]
    display_name: NotRequired[str | None]
    certificate: NotRequired[Base64Text | None]
    muted_until: NotRequired[Timestamp | None]


class ModeratorKeyJson(TypedDict):
    generation: int
    package: Base64Text


class InviteeJson(TypedDict):
    """A pending invitation, for the group's moderators only."""

    member_id: IdText
    user_id: IdText
    role: str
    display_name: str
    invited_at: Timestamp


class GroupViewJson(TypedDict):
    """`needs_rekey`: a member's account was deleted and no new epoch was made since;
    `invited` is sent to moderators only."""

    thread_id: IdText
    policy: str
    info: Base64Text
    epoch: int
    needs_rekey: bool
    last_seq: int
    me: MeJson
    members: list[GroupMemberJson]
    moderator_keys: list[ModeratorKeyJson]
    invited: NotRequired[list[InviteeJson]]


class CandidateJson(TypedDict):
    user_id: IdText
    display_name: str


class CandidateList(TypedDict):
    """The clinic's active clients a moderator may invite to the group, by name."""

    candidates: list[CandidateJson]


class GroupRekey(Input):
    commit: GroupCommit


class RekeyedJson(TypedDict):
    epoch: int


class GroupCommitJson(TypedDict):
    epoch: int
    commit: Base64Text


class GroupCommitList(TypedDict):
    commits: list[GroupCommitJson]


class MemberCreated(TypedDict):
    member_id: IdText


class GroupPostJson(TypedDict):
    """A post as every member sees it: the pseudonymous member id, never a user id."""

    id: IdText
    thread_id: IdText
    seq: int | None
    member_id: IdText
    client_message_id: Base64Text
    epoch: int
    envelope: Base64Text | None
    release: Base64Text | None
    state: str
    created_at: Timestamp
    deleted_at: Timestamp | None


class GroupPostBatch(TypedDict):
    """Posts of one group delivered together, in seq order (a burst: see `group_posts`)."""

    thread_id: IdText
    posts: list[GroupPostJson]


class OwnGroupPostJson(GroupPostJson):
    """A post as its author sees it: also what moderation did and why, and while it is held
    the author's copy of its key (sent to no one else)."""

    moderation: str | None
    reason: str | None
    author_copy: Base64Text | None


class GroupPostSent(TypedDict):
    post: OwnGroupPostJson
    duplicate: bool


class GroupPostList(TypedDict):
    posts: list[GroupPostJson]


class OwnGroupPostList(TypedDict):
    posts: list[OwnGroupPostJson]


class GroupPostAnswer(TypedDict):
    post: GroupPostJson


class ReportJson(TypedDict):
    """`reporter_id` is the reporter's member id in the group."""

    id: IdText
    message_id: IdText
    reporter_id: IdText
    category: int
    seal: Base64Text
    created_at: Timestamp


class QueuedReportJson(ReportJson):
    post: GroupPostJson


class ModerationQueueJson(TypedDict):
    held: list[GroupPostJson]
    reports: list[QueuedReportJson]


class MutedJson(TypedDict):
    muted_until: Timestamp


class RemovalJson(TypedDict):
    epoch: int


# Socket.IO server events.
class GroupInvited(TypedDict):
    thread_id: IdText
    role: str


class GroupUpdated(TypedDict):
    """`needs_rekey`: a moderator's client should make a new epoch (`POST .../rekey`)."""

    thread_id: IdText
    epoch: int
    reason: str
    needs_rekey: bool


class GroupPostModerated(TypedDict):
    thread_id: IdText
    message_id: IdText
    moderation: str
    reason: str | None


class GroupQueueChanged(TypedDict):
    thread_id: IdText
    reason: str
    message_id: IdText


class GroupMuted(TypedDict):
    thread_id: IdText
    until: Timestamp


class GroupRemoved(TypedDict):
    thread_id: IdText


MAX_LABELLED_GROUPS = 10_000


class AdminKeyChange(Input):
    """A new admin key (`generation` one past the current, with every labelled group's
    label resealed to it in `labels`) or the current one resealed to the clinic's active
    admins (same generation and key, no labels); `seals` by admin id."""

    generation: Annotated[int, Whole(1)]
    public_key: Annotated[bytes, Base64(size=32)]
    seals: Annotated[dict[Id, InfoSeal], Field(max_length=MAX_ADMIN_SEALS)]
    labels: Annotated[dict[Id, GroupLabel], Field(max_length=MAX_LABELLED_GROUPS)] = Field(
        default_factory=dict
    )
    # The sender's account signature over the key (docs/crypto.md section 12).
    signature: Annotated[bytes, Base64(size=64)]


class AdminKeyJson(TypedDict):
    """`generation` 0 and `public_key` null: the clinic has no admin key yet. `seal`: its
    secret sealed to me, or null; `sealed_to`: the admins holding a seal; `admins`: the
    clinic's active admins (a client reseals or replaces the key when the two differ);
    `replace_due`: an admin who held it was deleted or disabled, so a client replaces it;
    `maker_id` and `signature`: the admin who made or last resealed it and their signature
    over it, which a client checks before opening it (both null with no key)."""

    generation: int
    public_key: Base64Text | None
    seal: Base64Text | None
    sealed_to: list[IdText]
    admins: list[IdText]
    replace_due: bool
    maker_id: IdText | None
    signature: Base64Text | None
