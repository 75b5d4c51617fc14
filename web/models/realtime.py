"""Socket.IO events on the wire: what a client sends (with its acknowledgement) and what
the server pushes. Described in the OpenAPI document under `x-socketio`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal, NotRequired

from typing_extensions import TypedDict

from web.models import groups as group_wire
from web.models.fields import Base64Text, Id, IdText, Input, Timestamp, Whole
from web.models.journal import EntryJson, PromptDeliveryJson, ShareJson
from web.models.records import UrgentFlagJson
from web.models.threads import Envelope, MessageJson


class SendEvent(Input):
    thread_id: Id
    envelope: Envelope


class SyncEvent(Input):
    threads: dict[Id, Annotated[int, Whole(0)]]


class ReadEvent(Input):
    thread_id: Id
    seq: Annotated[int, Whole(0)]


class TypingEvent(Input):
    thread_id: Id


class SentAck(TypedDict):
    ok: Literal[True]
    message: MessageJson
    duplicate: bool


class ThreadGap(TypedDict):
    messages: list[MessageJson]
    more: bool


class SyncAck(TypedDict):
    ok: Literal[True]
    threads: dict[str, ThreadGap]


class Ack(TypedDict):
    ok: Literal[True]


class ReadPushed(TypedDict):
    thread_id: IdText
    user_id: IdText
    seq: int


class ThreadUpdated(TypedDict):
    thread_id: IdText
    reason: str
    epoch: int
    needs_rekey: bool


class SessionEnded(TypedDict):
    reason: str


class TypingPushed(TypedDict):
    thread_id: IdText
    user_id: IdText


class PresencePushed(TypedDict):
    user_id: IdText
    online: bool


class KeyChanged(TypedDict):
    user_id: IdText
    key_id: Base64Text


class LiveSessionChanged(TypedDict):
    thread_id: IdText
    session_id: IdText
    reason: str
    starts_at: Timestamp
    ends_at: Timestamp


class ScheduledChanged(TypedDict):
    change: str
    message: MessageJson


class JournalUpdated(TypedDict):
    """`entry` unless the change is "deleted"."""

    change: str
    id: IdText
    entry: NotRequired[EntryJson]


class JournalShareChanged(TypedDict):
    change: str
    share: ShareJson


class PromptAnswered(TypedDict):
    prompt_id: IdText
    delivery_id: IdText
    answered_at: Timestamp


class Resync(TypedDict):
    """Why live events may have been missed ("event_bus": Redis was down)."""

    reason: str


@dataclass(frozen=True, slots=True)
class ClientEvent:
    """An event a client emits: its payload model (checked before the handler runs) and
    the shape of its acknowledgement when it succeeds."""

    summary: str
    payload: type[Input]
    ack: Any


@dataclass(frozen=True, slots=True)
class ServerEvent:
    summary: str
    payload: Any


CLIENT_EVENTS: dict[str, ClientEvent] = {
    "send": ClientEvent("Send an envelope (idempotent by client message id)", SendEvent, SentAck),
    "sync": ClientEvent("Fetch what was missed since the given seq per thread", SyncEvent, SyncAck),
    "read": ClientEvent("Move my read position", ReadEvent, Ack),
    "typing": ClientEvent("Tell the thread I am typing", TypingEvent, Ack),
}

SERVER_EVENTS: dict[str, ServerEvent] = {
    "message": ServerEvent("A new message in one of my threads", MessageJson),
    "message_updated": ServerEvent("A message was edited or deleted", MessageJson),
    "read": ServerEvent("A member's read position moved", ReadPushed),
    "typing": ServerEvent("A member is typing", TypingPushed),
    "presence": ServerEvent("A partner came online or went offline", PresencePushed),
    "thread_updated": ServerEvent("Membership or epoch changed", ThreadUpdated),
    "key_changed": ServerEvent("A partner replaced their identity key", KeyChanged),
    "live_session": ServerEvent(
        "A live session was scheduled, moved or cancelled", LiveSessionChanged
    ),
    "scheduled_updated": ServerEvent("One of my held messages changed", ScheduledChanged),
    "session_ended": ServerEvent("This session ended; nothing more arrives", SessionEnded),
    "journal_updated": ServerEvent(
        "An entry was written, edited or deleted on another of my devices", JournalUpdated
    ),
    "journal_share": ServerEvent(
        "A shared entry was shared, opened, hidden or revoked", JournalShareChanged
    ),
    "journal_prompt": ServerEvent("A prompt from my therapist arrived", PromptDeliveryJson),
    "journal_prompt_answered": ServerEvent(
        "A client answered a prompt (care team; no content)", PromptAnswered
    ),
    "resync": ServerEvent(
        "The event bus was down and live events may be lost: sync as after a reconnect", Resync
    ),
    "urgent": ServerEvent(
        "A client flagged a message as urgent (members, therapists, on-call contacts)",
        UrgentFlagJson,
    ),
    "urgent_updated": ServerEvent("An urgent flag was acknowledged", UrgentFlagJson),
    "group_invited": ServerEvent(
        "I was invited to a group, or named its moderator", group_wire.GroupInvited
    ),
    "group_post": ServerEvent(
        "A post was delivered in one of my groups (one emit to the group's room)",
        group_wire.GroupPostJson,
    ),
    "group_posts": ServerEvent(
        "Posts delivered in a burst in one of my groups, in seq order, as one event: each is "
        "handled as a `group_post` (posts that reach a room within a few milliseconds of "
        "each other are sent together)",
        group_wire.GroupPostBatch,
    ),
    "group_post_updated": ServerEvent(
        "A delivered post was removed by a moderator (a tombstone)", group_wire.GroupPostJson
    ),
    "group_post_moderated": ServerEvent(
        "A moderator approved, rejected or removed my post (the author)",
        group_wire.GroupPostModerated,
    ),
    "group_updated": ServerEvent(
        "A group's membership or epoch changed, or it needs new keys (the group's room)",
        group_wire.GroupUpdated,
    ),
    "group_queue": ServerEvent(
        "A post was held or reported (the group's moderators)", group_wire.GroupQueueChanged
    ),
    "group_muted": ServerEvent(
        "A moderator muted me in a group until a time", group_wire.GroupMuted
    ),
    "group_removed": ServerEvent(
        "A moderator removed me from a group or withdrew my invitation; nothing more "
        "arrives from it",
        group_wire.GroupRemoved,
    ),
}
