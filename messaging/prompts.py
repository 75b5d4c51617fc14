"""Journaling prompts: a therapist's encrypted prompt for a client, on a schedule.

The prompt's text is a message envelope sealed in the client's direct thread (the client
and the care team read it; the server verifies the signature and reads nothing). The
schedule is wall-clock time in the client's own zone (their notification preferences),
re-read at every firing. Each due time is one durable job (`prompt_delivery.fire`).
Editing, pausing, resuming or stopping moves `next_due_at`; a job that finds a different
`next_due_at` (or a prompt no longer active) does nothing, so a superseded job never fires.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import TypedDict

import crypto
from messaging import jobs
from messaging.actors import Actor, Role
from messaging.clock import iso_utc
from messaging.context import ServiceContext
from messaging.errors import Conflict, InvalidInput, NotFound
from messaging.events import publish_after_commit
from messaging.local_time import zone
from messaging.messages import check_epoch, parse_sized_envelope, verify_sender
from messaging.policy import Action, Target, authorize, own
from messaging.preferences import preferences_of
from messaging.prompt_schedule import MAX_AHEAD, PromptSchedule, next_due
from messaging.storage import accounts
from messaging.storage import journal as store
from messaging.storage import threads as thread_store
from messaging.storage.database import UnitOfWork
from messaging.storage.records import (
    PromptDeliveryRecord,
    PromptRecord,
    ThreadRecord,
    UserRecord,
)

FIRE_KIND = "journal.prompt"
MAX_CLIENT_PROMPTS = 100


def schedule_of(prompt: PromptRecord) -> PromptSchedule:
    return PromptSchedule(
        repeat=prompt.repeat,
        local_minute=prompt.local_minute,
        start_date=date.fromisoformat(prompt.start_date),
        weekday=prompt.weekday,
        until_date=None if prompt.until_date is None else date.fromisoformat(prompt.until_date),
        max_count=prompt.max_count,
    )


async def _client_zone(uow: UnitOfWork, client_id: uuid.UUID, now: datetime) -> str:
    return (await preferences_of(uow, client_id, now)).time_zone


async def _care_team_access(
    uow: UnitOfWork, actor: Actor | None, client_id: uuid.UUID
) -> tuple[Actor, UserRecord, ThreadRecord]:
    client = await accounts.get_user(uow.session, client_id)
    if client is None or client.role != Role.CLIENT:
        raise NotFound("No such client.")
    therapists = await accounts.therapists_of_client(uow.session, client.id)
    allowed = authorize(
        actor,
        Action.MANAGE_PROMPTS,
        Target(
            client.clinic_id,
            client.id,
            actor_on_care_team=actor is not None and any(t.id == actor.user_id for t in therapists),
        ),
    )
    thread = await thread_store.direct_thread_of_client(uow.session, client.id)
    if thread is None:
        raise Conflict("Open a conversation with this client before writing prompts.")
    return allowed, client, thread


async def _checked_envelope(
    uow: UnitOfWork, actor: Actor, thread: ThreadRecord, raw: bytes
) -> None:
    envelope = parse_sized_envelope(raw)
    if envelope.thread_id != thread.id:
        raise InvalidInput("envelope: sealed for another conversation.")
    if envelope.content_type != crypto.ContentType.JSON:
        raise InvalidInput("envelope: a prompt is sealed as JSON.")
    await verify_sender(uow, actor, envelope)
    check_epoch(thread, envelope)


async def queue_firing(
    uow: UnitOfWork, ctx: ServiceContext, prompt_id: uuid.UUID, due: datetime, clinic_id: uuid.UUID
) -> None:
    """The job that fires the prompt at `due` (one job per prompt and due time)."""
    await jobs.enqueue(
        uow,
        FIRE_KIND,
        {"prompt_id": str(prompt_id), "due": due.isoformat()},
        now=ctx.clock.now(),
        run_at=due,
        dedupe_key=f"prompt:{prompt_id}:{due.isoformat()}",
        clinic_id=clinic_id,
    )


async def create_prompt(
    uow: UnitOfWork,
    ctx: ServiceContext,
    actor: Actor | None,
    client_id: uuid.UUID,
    raw_envelope: bytes,
    schedule: PromptSchedule,
) -> PromptRecord:
    """A therapist of the client's care team sets a prompt; it first fires at the next
    due time in the client's zone (InvalidInput if it never would)."""
    allowed, client, thread = await _care_team_access(uow, actor, client_id)
    await _checked_envelope(uow, allowed, thread, raw_envelope)
    now = ctx.clock.now()
    time_zone = await _client_zone(uow, client.id, now)
    schedule = schedule.validated().anchored(zone(time_zone), now)
    if len(await store.prompts_of_client(uow.session, client.id)) >= MAX_CLIENT_PROMPTS:
        raise InvalidInput(f"prompts: at most {MAX_CLIENT_PROMPTS} per client.")
    due = _first_due(schedule, time_zone, now)
    prompt = PromptRecord(
        id=uuid.uuid4(),
        client_id=client.id,
        thread_id=thread.id,
        author_id=allowed.user_id,
        envelope=raw_envelope,
        repeat=schedule.repeat,
        local_minute=schedule.local_minute,
        weekday=schedule.weekday,
        start_date=schedule.first_day.isoformat(),
        until_date=None if schedule.until_date is None else schedule.until_date.isoformat(),
        max_count=schedule.max_count,
        fired_count=0,
        state="active",
        next_due_at=due,
        created_at=now,
        updated_at=now,
    )
    await store.insert_prompt(uow.session, prompt)
    await queue_firing(uow, ctx, prompt.id, due, client.clinic_id)
    await uow.commit()
    return prompt


def _first_due(schedule: PromptSchedule, time_zone: str, now: datetime, fired: int = 0) -> datetime:
    due = next_due(schedule, zone(time_zone), now, fired)
    if due is None:
        raise InvalidInput("schedule: it would never be due; pick a time in the future.")
    if due - now > MAX_AHEAD:
        raise InvalidInput("schedule: the first prompt must be due within a year.")
    return due


async def _managed(
    uow: UnitOfWork, actor: Actor | None, prompt_id: uuid.UUID
) -> tuple[Actor, PromptRecord, UserRecord, ThreadRecord]:
    prompt = await store.get_prompt(uow.session, prompt_id, lock=True)
    if prompt is None:
        raise NotFound("No such prompt.")
    allowed, client, thread = await _care_team_access(uow, actor, prompt.client_id)
    return allowed, prompt, client, thread


async def change_prompt(
    uow: UnitOfWork,
    ctx: ServiceContext,
    actor: Actor | None,
    prompt_id: uuid.UUID,
    *,
    raw_envelope: bytes | None,
    schedule: PromptSchedule | None,
) -> PromptRecord:
    """New text and/or a new schedule; an active prompt is next due by the new schedule
    (the times it already fired still count against a count limit)."""
    allowed, prompt, client, thread = await _managed(uow, actor, prompt_id)
    if prompt.state in ("stopped", "finished"):
        raise Conflict("That prompt has ended; write a new one.")
    values: dict[str, object] = {"updated_at": ctx.clock.now()}
    if raw_envelope is not None:
        await _checked_envelope(uow, allowed, thread, raw_envelope)
        values["envelope"] = raw_envelope
    if schedule is not None:
        now = ctx.clock.now()
        schedule = schedule.validated().anchored(zone(await _client_zone(uow, client.id, now)), now)
        values.update(
            repeat=schedule.repeat,
            local_minute=schedule.local_minute,
            weekday=schedule.weekday,
            start_date=schedule.first_day.isoformat(),
            until_date=None if schedule.until_date is None else schedule.until_date.isoformat(),
            max_count=schedule.max_count,
        )
        if prompt.state == "active":
            values["next_due_at"] = await _reschedule(uow, ctx, prompt, schedule, client)
    await store.update_prompt(uow.session, prompt.id, **values)
    return await _saved(uow, prompt.id)


async def _reschedule(
    uow: UnitOfWork,
    ctx: ServiceContext,
    prompt: PromptRecord,
    schedule: PromptSchedule,
    client: UserRecord,
) -> datetime:
    now = ctx.clock.now()
    due = _first_due(schedule, await _client_zone(uow, client.id, now), now, prompt.fired_count)
    await queue_firing(uow, ctx, prompt.id, due, client.clinic_id)
    return due


async def _saved(uow: UnitOfWork, prompt_id: uuid.UUID) -> PromptRecord:
    saved = await store.get_prompt(uow.session, prompt_id)
    assert saved is not None
    await uow.commit()
    return saved


async def set_prompt_state(
    uow: UnitOfWork, ctx: ServiceContext, actor: Actor | None, prompt_id: uuid.UUID, state: str
) -> PromptRecord:
    """Pause (nothing fires), resume (next due from now) or stop (for good)."""
    _, prompt, client, _ = await _managed(uow, actor, prompt_id)
    if prompt.state in ("stopped", "finished"):
        raise Conflict("That prompt has ended; write a new one.")
    now = ctx.clock.now()
    if state == "paused":
        await store.update_prompt(
            uow.session, prompt.id, state="paused", next_due_at=None, updated_at=now
        )
    elif state == "active":
        if prompt.state != "active":
            due = await _reschedule(uow, ctx, prompt, schedule_of(prompt), client)
            await store.update_prompt(
                uow.session, prompt.id, state="active", next_due_at=due, updated_at=now
            )
    elif state == "stopped":
        await store.update_prompt(
            uow.session, prompt.id, state="stopped", next_due_at=None, updated_at=now
        )
    else:
        raise InvalidInput("state: choose active, paused or stopped.")
    return await _saved(uow, prompt.id)


@dataclass(frozen=True, slots=True)
class PromptReport:
    """A prompt as its care team sees it: when it fired, which firings were answered and
    when, and which answers were shared with the reader (only those can be read)."""

    prompt: PromptRecord
    deliveries: list[PromptDeliveryRecord]
    shared_answers: dict[uuid.UUID, uuid.UUID]


async def prompts_for_client(
    uow: UnitOfWork, actor: Actor | None, client_id: uuid.UUID
) -> list[PromptReport]:
    allowed, client, _ = await _care_team_access(uow, actor, client_id)
    reports = []
    for prompt in await store.prompts_of_client(uow.session, client.id):
        deliveries = await store.deliveries_of_prompt(uow.session, prompt.id)
        answers = [d.answer_entry_id for d in deliveries if d.answer_entry_id is not None]
        shared = await store.answer_shares_for(uow.session, answers, allowed.user_id)
        reports.append(PromptReport(prompt, deliveries, shared))
    return reports


async def my_prompts(
    uow: UnitOfWork, actor: Actor | None, *, limit: int = 50
) -> list[tuple[PromptDeliveryRecord, PromptRecord]]:
    """The prompts that reached the client, newest first, each with its sealed text."""
    allowed = authorize(actor, Action.WRITE_OWN_JOURNAL, own(actor))
    return await store.deliveries_to_client(
        uow.session, allowed.user_id, limit=min(max(limit, 1), 100)
    )


async def answer(
    uow: UnitOfWork,
    ctx: ServiceContext,
    client: Actor,
    delivery_id: uuid.UUID,
    entry_id: uuid.UUID,
) -> None:
    """In the transaction writing the entry: mark the client's prompt answered by it and
    tell the care team when (never what: the text reaches them only if shared)."""
    delivery = await store.get_delivery(uow.session, delivery_id)
    if delivery is None or delivery.client_id != client.user_id:
        raise NotFound("No such prompt.")
    now = ctx.clock.now()
    if not await store.mark_answered(uow.session, delivery.id, entry_id, now):
        raise Conflict("That prompt was answered already.")
    prompt = await store.get_prompt(uow.session, delivery.prompt_id)
    assert prompt is not None
    therapists = await accounts.therapists_of_client(uow.session, client.user_id)
    await publish_after_commit(
        uow,
        ctx.events,
        "journal_prompt_answered",
        {"prompt_id": str(prompt.id), "delivery_id": str(delivery.id), "answered_at": iso_utc(now)},
        [t.id for t in therapists],
        now=now,
    )


class SchedulePayload(TypedDict):
    repeat: str
    time: str
    weekday: int | None
    start: str
    until: str | None
    count: int | None


class PromptPayload(TypedDict):
    """A prompt on the wire (documented as `web.models.journal.PromptJson`)."""

    id: str
    client_id: str
    thread_id: str
    author_id: str
    envelope: str
    schedule: SchedulePayload
    state: str
    fired_count: int
    next_due_at: str | None
    created_at: str
    updated_at: str


class DeliveryPayload(TypedDict):
    """A firing as the client sees it (`web.models.journal.PromptDeliveryJson`)."""

    id: str
    prompt_id: str
    thread_id: str
    author_id: str
    envelope: str
    due_at: str
    delivered_at: str
    answered_at: str | None
    answer_entry_id: str | None


class ReportDeliveryPayload(TypedDict):
    id: str
    due_at: str
    delivered_at: str
    answered_at: str | None
    shared_answer_id: str | None


class ReportPayload(PromptPayload):
    """A prompt as its care team sees it (`web.models.journal.PromptReportJson`)."""

    deliveries: list[ReportDeliveryPayload]


def schedule_payload(prompt: PromptRecord) -> SchedulePayload:
    return {
        "repeat": prompt.repeat,
        "time": f"{prompt.local_minute // 60:02d}:{prompt.local_minute % 60:02d}",
        "weekday": prompt.weekday,
        "start": prompt.start_date,
        "until": prompt.until_date,
        "count": prompt.max_count,
    }


def prompt_payload(prompt: PromptRecord) -> PromptPayload:
    return {
        "id": str(prompt.id),
        "client_id": str(prompt.client_id),
        "thread_id": str(prompt.thread_id),
        "author_id": str(prompt.author_id),
        "envelope": crypto.b64encode(prompt.envelope),
        "schedule": schedule_payload(prompt),
        "state": prompt.state,
        "fired_count": prompt.fired_count,
        "next_due_at": iso_utc(prompt.next_due_at),
        "created_at": iso_utc(prompt.created_at),
        "updated_at": iso_utc(prompt.updated_at),
    }


def delivery_payload(delivery: PromptDeliveryRecord, prompt: PromptRecord) -> DeliveryPayload:
    """A prompt as it reached the client: the sealed text and whether it was answered."""
    return {
        "id": str(delivery.id),
        "prompt_id": str(prompt.id),
        "thread_id": str(prompt.thread_id),
        "author_id": str(prompt.author_id),
        "envelope": crypto.b64encode(prompt.envelope),
        "due_at": iso_utc(delivery.due_at),
        "delivered_at": iso_utc(delivery.delivered_at),
        "answered_at": iso_utc(delivery.answered_at),
        "answer_entry_id": None
        if delivery.answer_entry_id is None
        else str(delivery.answer_entry_id),
    }


def report_payload(report: PromptReport) -> ReportPayload:
    """For the care team: the answer's entry id is not shown, only when it came and the
    share to open if the client shared it with the reader."""
    return {
        **prompt_payload(report.prompt),
        "deliveries": [
            {
                "id": str(d.id),
                "due_at": iso_utc(d.due_at),
                "delivered_at": iso_utc(d.delivered_at),
                "answered_at": iso_utc(d.answered_at),
                "shared_answer_id": None
                if d.answer_entry_id is None or d.answer_entry_id not in report.shared_answers
                else str(report.shared_answers[d.answer_entry_id]),
            }
            for d in report.deliveries
        ],
    }
