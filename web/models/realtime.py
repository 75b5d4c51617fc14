"""Socket.IO events on the wire: what a client sends (with its acknowledgement) and what
the server pushes. Described in the OpenAPI document under `x-socketio`."""

from __future__ import annotations

from typing import Annotated, Literal

from typing_extensions import TypedDict

from web.models.fields import Id, IdText, Input, Whole
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
