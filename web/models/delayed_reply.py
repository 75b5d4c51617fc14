"""Delayed-reply mode on the wire: working hours, expectations, live sessions, send later."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field
from typing_extensions import TypedDict

from messaging import schedules
from web.models.fields import IdText, Input, Instant, Text, Timestamp, Whole
from web.models.threads import Envelope, ThreadCore


class Commitment(Input):
    amount: Annotated[int, Whole(0, 1000)]
    unit: Annotated[str, Text(8)]


class ScheduleChoices(Input):
    time_zone: Annotated[str, Text(64)]
    hours: dict[Annotated[str, Text(3)], list[list[Annotated[str, Text(5)]]]]
    days_off: Annotated[list[Annotated[str, Text(32)]], Field(max_length=400)]
    away_message: Annotated[str, Text(schedules.MAX_AWAY_MESSAGE * 2)]
    commitment: Commitment


class Window(Input):
    starts_at: Instant
    ends_at: Instant


class LaterMessage(Input):
    envelope: Envelope
    deliver_at: Instant


class CommitmentJson(TypedDict):
    amount: int
    unit: str


class ScheduleJson(TypedDict):
    time_zone: str
    hours: dict[str, list[list[str]]]
    days_off: list[str]
    away_message: str
    commitment: CommitmentJson


class LiveSessionJson(TypedDict):
    id: IdText
    thread_id: IdText
    starts_at: Timestamp
    ends_at: Timestamp
    cancelled: bool


class LiveSessionList(TypedDict):
    live_sessions: list[LiveSessionJson]


class ExpectationsJson(TypedDict):
    awaiting_since: Timestamp | None
    reply_due_at: Timestamp | None
    therapists_working: bool
    back_at: Timestamp | None
    away_message: str | None
    live_now: bool
    live_sessions: list[LiveSessionJson]


class InboxThread(ThreadCore):
    awaiting_since: Timestamp | None
    reply_due_at: Timestamp | None
    overdue: bool
    urgent_since: Timestamp | None


class Inbox(TypedDict):
    threads: list[InboxThread]
