"""Threads, commits, messages and keys on the wire."""

from __future__ import annotations

from typing import Annotated

from typing_extensions import TypedDict

import crypto
from messaging import messages, threads
from web.models.fields import Base64, Base64Text, Id, IdText, Input, QueryWhole, Timestamp, Whole

MAX_ENVELOPE = crypto.MAX_ENVELOPE_BYTES + 1
Envelope = Annotated[bytes, Base64(max_size=MAX_ENVELOPE)]
Commit = Annotated[bytes, Base64(max_size=threads.MAX_COMMIT_BYTES)]


class DirectOpening(Input):
    thread_id: Id
    commit: Commit
    title_envelope: Annotated[bytes, Base64(max_size=threads.MAX_TITLE_BYTES)] | None = None


class NextCommit(Input):
    commit: Commit


class CommitsPage(Input):
    after_epoch: Annotated[int, QueryWhole(0)] | None = None


class MessagesPage(Input):
    before: Annotated[int, QueryWhole(1)] | None = None
    after: Annotated[int, QueryWhole(0)] | None = None
    limit: Annotated[int, QueryWhole(1, messages.MAX_PAGE)] = 50


class NewMessage(Input):
    envelope: Envelope


class ReadPosition(Input):
    seq: Annotated[int, Whole(0)]


class MessageJson(TypedDict):
    id: IdText
    thread_id: IdText
    seq: int | None
    sender_id: IdText
    client_message_id: Base64Text
    epoch: int
    envelope: Base64Text | None
    state: str
    created_at: Timestamp
    edited_at: Timestamp | None
    deleted_at: Timestamp | None
    deliver_at: Timestamp | None


class MessageList(TypedDict):
    messages: list[MessageJson]


class ThreadCore(TypedDict):
    id: IdText
    kind: str
    client_id: IdText | None
    epoch: int
    needs_rekey: bool
    last_seq: int
    last_message_at: Timestamp | None
    created_at: Timestamp
    title_envelope: Base64Text | None


class ThreadMemberName(TypedDict):
    user_id: IdText
    role: str
    display_name: str


class ThreadJson(ThreadCore):
    read_seq: int
    unread: int
    my_role: str
    members: list[ThreadMemberName]


class ThreadList(TypedDict):
    threads: list[ThreadJson]


class MemberJson(TypedDict):
    user_id: IdText
    role: str
    joined_epoch: int
    read_seq: int


class ThreadDetail(ThreadCore):
    members: list[MemberJson]


class RosterMember(TypedDict):
    user_id: IdText
    role: str
    display_name: str
    public_bundle: Base64Text


class RosterJson(TypedDict):
    client_id: IdText
    thread_id: IdText | None
    epoch: int | None
    members: list[RosterMember]


class CommitJson(TypedDict):
    epoch: int
    commit: Base64Text
    author_id: IdText
    author_bundle: Base64Text | None
    created_at: Timestamp


class CommitList(TypedDict):
    commits: list[CommitJson]


class MyClient(TypedDict):
    client_id: IdText
    display_name: str
    thread_id: IdText | None


class MyClients(TypedDict):
    clients: list[MyClient]
