"""The journal on the wire: encrypted entries and drafts, entry shares, therapists' prompts."""

from __future__ import annotations

import contextlib
import uuid
from datetime import date, datetime
from typing import Annotated, NotRequired

from pydantic import BeforeValidator, WithJsonSchema
from pydantic_core import PydanticCustomError
from typing_extensions import TypedDict

import crypto
from messaging import journal
from web.models.fields import (
    Base64,
    Base64Text,
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

Item = Annotated[bytes, Base64(max_size=crypto.MAX_ITEM_BYTES + 1)]


def _cursor(value: object) -> tuple[datetime, uuid.UUID]:
    """The `next` of a page: "<created_at>_<entry id>"."""
    if isinstance(value, str):
        at, _, entry_id = value.partition("_")
        with contextlib.suppress(ValueError, OverflowError):  # refused below
            moment = datetime.fromisoformat(at)
            if moment.tzinfo is not None:
                return moment, uuid.UUID(entry_id)
    raise PydanticCustomError("cursor", "use the `next` value of the previous page")


Cursor = Annotated[
    tuple[datetime, uuid.UUID],
    BeforeValidator(_cursor),
    WithJsonSchema({"type": "string", "description": "the `next` of the previous page"}),
]


def _clock_time(value: object) -> int:
    """ "20:00" (or "9:30") to minutes after midnight; an hour past 23 is left for the
    schedule's own check to refuse."""
    if isinstance(value, str) and len(value) <= 5:
        hours, _, minutes = value.partition(":")
        if (
            hours.isascii()
            and hours.isdigit()
            and len(hours) <= 2
            and minutes.isascii()
            and minutes.isdigit()
            and len(minutes) == 2
            and int(minutes) < 60
        ):
            return int(hours) * 60 + int(minutes) if int(hours) < 24 else -1
    raise PydanticCustomError("clock_time", "a local time such as 20:00")


LocalTime = Annotated[
    int,
    BeforeValidator(_clock_time),
    WithJsonSchema({"type": "string", "pattern": "^[0-9]{1,2}:[0-5][0-9]$"}),
]


def _day(value: object) -> date:
    if isinstance(value, str):
        with contextlib.suppress(ValueError):  # refused below
            return date.fromisoformat(value)
    raise PydanticCustomError("day", "a date such as 2026-12-24")


Day = Annotated[date, BeforeValidator(_day), WithJsonSchema({"type": "string", "format": "date"})]


class EntriesPage(Input):
    before: Cursor | None = None
    since: Instant | None = None
    limit: Annotated[int, QueryWhole(1, journal.MAX_PAGE)] = 50


class NewEntry(Input):
    id: Id
    blob: Item
    answers: Id | None = None


class EntryEdit(Input):
    blob: Item


class DraftText(Input):
    blob: Item


class NewShare(Input):
    share: Annotated[bytes, Base64(max_size=crypto.MAX_SHARE_BYTES + 1)]


class PromptsPage(Input):
    limit: Annotated[int, QueryWhole(1, 100)] = 50


class PromptScheduleChoice(Input):
    """When a prompt repeats, at a local time in the client's zone; `start` defaults to
    today there."""

    repeat: Annotated[str, Text(16)]
    time: LocalTime
    weekday: Annotated[int, Whole(0, 6)] | None = None
    start: Day | None = None
    until: Day | None = None
    count: Annotated[int, Whole(1)] | None = None


class NewPrompt(Input):
    envelope: Envelope
    schedule: PromptScheduleChoice


class PromptChange(Input):
    envelope: Envelope | None = None
    schedule: PromptScheduleChoice | None = None


class PromptState(Input):
    state: Annotated[str, Text(16)]


class EntryJson(TypedDict):
    id: IdText
    blob: Base64Text
    created_at: Timestamp
    updated_at: Timestamp


class EntryPage(TypedDict):
    entries: list[EntryJson]
    next: str | None


class DraftJson(TypedDict):
    id: IdText
    blob: Base64Text
    updated_at: Timestamp


class DraftList(TypedDict):
    drafts: list[DraftJson]


class DraftSaved(TypedDict):
    id: IdText
    updated_at: Timestamp


class ShareRecipientJson(TypedDict):
    user_id: IdText
    opened_at: Timestamp | None


class ShareJson(TypedDict):
    """`share` (the signed, sealed entry) only in the answer to opening it."""

    id: IdText
    entry_id: IdText
    thread_id: IdText
    author_id: IdText
    created_at: Timestamp
    hidden_at: Timestamp | None
    recipients: list[ShareRecipientJson]
    share: NotRequired[Base64Text | None]


class ShareList(TypedDict):
    shares: list[ShareJson]


class PromptScheduleJson(TypedDict):
    repeat: str
    time: str
    weekday: int | None
    start: str
    until: str | None
    count: int | None


class PromptJson(TypedDict):
    id: IdText
    client_id: IdText
    thread_id: IdText
    author_id: IdText
    envelope: Base64Text
    schedule: PromptScheduleJson
    state: str
    fired_count: int
    next_due_at: Timestamp | None
    created_at: Timestamp
    updated_at: Timestamp


class PromptDeliveryJson(TypedDict):
    id: IdText
    prompt_id: IdText
    thread_id: IdText
    author_id: IdText
    envelope: Base64Text
    due_at: Timestamp
    delivered_at: Timestamp
    answered_at: Timestamp | None
    answer_entry_id: IdText | None


class PromptDeliveryList(TypedDict):
    prompts: list[PromptDeliveryJson]


class ReportDeliveryJson(TypedDict):
    id: IdText
    due_at: Timestamp
    delivered_at: Timestamp
    answered_at: Timestamp | None
    shared_answer_id: IdText | None


class PromptReportJson(PromptJson):
    deliveries: list[ReportDeliveryJson]


class PromptReportList(TypedDict):
    prompts: list[PromptReportJson]
