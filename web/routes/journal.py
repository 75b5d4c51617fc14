"""The journal: encrypted entries and drafts, entry shares, therapists' prompts."""

from __future__ import annotations

import contextlib
import uuid
from datetime import date, datetime

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

import crypto
from messaging import journal, journal_shares, prompts
from messaging.clock import iso_utc
from messaging.errors import InvalidInput
from messaging.prompt_schedule import PromptSchedule
from messaging.storage.records import JournalEntryRecord
from web import parsing
from web.auth import authenticated
from web.context import app_context

MAX_ITEM = crypto.MAX_ITEM_BYTES + 1
MAX_SHARE = crypto.MAX_SHARE_BYTES + 1
MAX_ENVELOPE = crypto.MAX_ENVELOPE_BYTES + 1


def _cursor(entry: JournalEntryRecord) -> str:
    return f"{iso_utc(entry.created_at)}_{entry.id}"


def _parse_cursor(raw: str | None) -> tuple[datetime, uuid.UUID] | None:
    if raw is None:
        return None
    at, _, entry_id = raw.partition("_")
    with contextlib.suppress(ValueError, OverflowError):  # refused below
        moment = datetime.fromisoformat(at)
        if moment.tzinfo is not None:
            return moment, uuid.UUID(entry_id)
    raise InvalidInput("before: use the `next` value of the previous page.")


def _since(request: Request) -> datetime | None:
    raw = request.query_params.get("since")
    if raw is None:
        return None
    return parsing.instant({"since": raw}, "since")


def _schedule(body: parsing.Body) -> PromptSchedule:
    """{"repeat", "time": "20:00", "weekday"?, "start"?: "2026-12-03", "until"?, "count"?}"""
    raw_time = parsing.text(body, "time", max_length=5)
    hours, _, minutes = raw_time.partition(":")
    if not (
        parsing.digits(hours)
        and parsing.digits(minutes)
        and len(minutes) == 2
        and len(hours) <= 2
        and int(minutes) < 60
    ):
        raise InvalidInput("schedule.time: a local time such as 20:00.")

    def day(name: str) -> date | None:
        value = body.get(name)
        if value is None:
            return None
        with contextlib.suppress(TypeError, ValueError):  # refused below
            return date.fromisoformat(value)
        raise InvalidInput(f"schedule.{name}: a date such as 2026-12-24.")

    weekday = body.get("weekday")
    count = body.get("count")
    return PromptSchedule(
        repeat=parsing.text(body, "repeat", max_length=16),
        local_minute=int(hours) * 60 + int(minutes) if int(hours) < 24 else -1,
        start_date=day("start"),
        weekday=None if weekday is None else parsing.integer(body, "weekday", maximum=6),
        until_date=day("until"),
        max_count=None if count is None else parsing.integer(body, "count", minimum=1),
    )


async def list_entries(request: Request) -> Response:
    actor = await authenticated(request)
    before = _parse_cursor(request.query_params.get("before"))
    since = _since(request)
    limit = parsing.query_int(request, "limit", 50, minimum=1, maximum=journal.MAX_PAGE)
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        page = await journal.list_entries(uow, actor, before=before, since=since, limit=limit)
    return JSONResponse(
        {
            "entries": [journal.entry_payload(e) for e in page],
            "next": _cursor(page[-1]) if len(page) == limit else None,
        }
    )


async def write_entry(request: Request) -> Response:
    actor = await authenticated(request)
    body = await parsing.read_json(request)
    entry_id = parsing.uuid_field(body, "id")
    blob = parsing.binary(body, "blob", max_size=MAX_ITEM)
    answers = None if body.get("answers") is None else parsing.uuid_field(body, "answers")
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        written = await journal.write_entry(
            uow, context.services, actor, entry_id, blob, answers=answers
        )
    status = 201 if written.created else 200
    return JSONResponse(journal.entry_payload(written.entry), status_code=status)


async def read_entry(request: Request) -> Response:
    actor = await authenticated(request)
    entry_id = parsing.path_uuid(request, "entry_id")
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        entry = await journal.read_entry(uow, actor, entry_id)
    return JSONResponse(journal.entry_payload(entry))


async def edit_entry(request: Request) -> Response:
    actor = await authenticated(request)
    entry_id = parsing.path_uuid(request, "entry_id")
    body = await parsing.read_json(request)
    blob = parsing.binary(body, "blob", max_size=MAX_ITEM)
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        entry = await journal.edit_entry(uow, context.services, actor, entry_id, blob)
    return JSONResponse(journal.entry_payload(entry))


async def delete_entry(request: Request) -> Response:
    actor = await authenticated(request)
    entry_id = parsing.path_uuid(request, "entry_id")
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        await journal.delete_entry(uow, context.services, actor, entry_id)
    return Response(status_code=204)


async def list_drafts(request: Request) -> Response:
    actor = await authenticated(request)
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        drafts = await journal.list_drafts(uow, actor)
    return JSONResponse(
        {
            "drafts": [
                {
                    "id": str(d.id),
                    "blob": crypto.b64encode(d.blob),
                    "updated_at": iso_utc(d.updated_at),
                }
                for d in drafts
            ]
        }
    )


async def save_draft(request: Request) -> Response:
    actor = await authenticated(request)
    draft_id = parsing.path_uuid(request, "draft_id")
    body = await parsing.read_json(request)
    blob = parsing.binary(body, "blob", max_size=MAX_ITEM)
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        draft = await journal.save_draft(uow, context.services, actor, draft_id, blob)
    return JSONResponse({"id": str(draft.id), "updated_at": iso_utc(draft.updated_at)})


async def delete_draft(request: Request) -> Response:
    actor = await authenticated(request)
    draft_id = parsing.path_uuid(request, "draft_id")
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        await journal.delete_draft(uow, actor, draft_id)
    return Response(status_code=204)


async def share_entry(request: Request) -> Response:
    actor = await authenticated(request)
    entry_id = parsing.path_uuid(request, "entry_id")
    body = await parsing.read_json(request)
    share = parsing.binary(body, "share", max_size=MAX_SHARE)
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        shared = await journal_shares.share_entry(uow, context.services, actor, entry_id, share)
    return JSONResponse(journal_shares.share_payload(shared), status_code=201)


async def my_shares(request: Request) -> Response:
    actor = await authenticated(request)
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        shares = await journal_shares.my_shares(uow, actor)
    return JSONResponse({"shares": [journal_shares.share_payload(s) for s in shares]})


async def revoke_share(request: Request) -> Response:
    actor = await authenticated(request)
    share_id = parsing.path_uuid(request, "share_id")
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        await journal_shares.revoke_share(uow, context.services, actor, share_id)
    return Response(status_code=204)


async def hide_share(request: Request) -> Response:
    actor = await authenticated(request)
    share_id = parsing.path_uuid(request, "share_id")
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        shared = await journal_shares.hide_share(uow, context.services, actor, share_id)
    return JSONResponse(journal_shares.share_payload(shared))


async def thread_shares(request: Request) -> Response:
    actor = await authenticated(request)
    thread_id = parsing.path_uuid(request, "thread_id")
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        shares = await journal_shares.shares_in_thread(uow, actor, thread_id)
    return JSONResponse({"shares": [journal_shares.share_payload(s) for s in shares]})


async def open_share(request: Request) -> Response:
    actor = await authenticated(request)
    share_id = parsing.path_uuid(request, "share_id")
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        shared = await journal_shares.open_share(uow, context.services, actor, share_id)
    return JSONResponse(journal_shares.share_payload(shared, with_share=True))


async def my_prompts(request: Request) -> Response:
    actor = await authenticated(request)
    limit = parsing.query_int(request, "limit", 50, minimum=1, maximum=100)
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        arrived = await prompts.my_prompts(uow, actor, limit=limit)
    return JSONResponse({"prompts": [prompts.delivery_payload(d, p) for d, p in arrived]})


async def client_prompts(request: Request) -> Response:
    actor = await authenticated(request)
    client_id = parsing.path_uuid(request, "client_id")
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        reports = await prompts.prompts_for_client(uow, actor, client_id)
    return JSONResponse({"prompts": [prompts.report_payload(r) for r in reports]})


async def create_prompt(request: Request) -> Response:
    actor = await authenticated(request)
    client_id = parsing.path_uuid(request, "client_id")
    body = await parsing.read_json(request)
    envelope = parsing.binary(body, "envelope", max_size=MAX_ENVELOPE)
    schedule = _schedule(parsing.obj(body, "schedule"))
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        prompt = await prompts.create_prompt(
            uow, context.services, actor, client_id, envelope, schedule
        )
    return JSONResponse(prompts.prompt_payload(prompt), status_code=201)


async def change_prompt(request: Request) -> Response:
    actor = await authenticated(request)
    prompt_id = parsing.path_uuid(request, "prompt_id")
    body = await parsing.read_json(request)
    envelope = (
        None
        if body.get("envelope") is None
        else parsing.binary(body, "envelope", max_size=MAX_ENVELOPE)
    )
    schedule = None if body.get("schedule") is None else _schedule(parsing.obj(body, "schedule"))
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        prompt = await prompts.change_prompt(
            uow, context.services, actor, prompt_id, raw_envelope=envelope, schedule=schedule
        )
    return JSONResponse(prompts.prompt_payload(prompt))


async def set_prompt_state(request: Request) -> Response:
    actor = await authenticated(request)
    prompt_id = parsing.path_uuid(request, "prompt_id")
    body = await parsing.read_json(request)
    state = parsing.text(body, "state", max_length=16)
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        prompt = await prompts.set_prompt_state(uow, context.services, actor, prompt_id, state)
    return JSONResponse(prompts.prompt_payload(prompt))


routes = [
    Route("/api/journal/entries", list_entries, methods=["GET"]),
    Route("/api/journal/entries", write_entry, methods=["POST"]),
    Route("/api/journal/entries/{entry_id}", read_entry, methods=["GET"]),
    Route("/api/journal/entries/{entry_id}", edit_entry, methods=["PUT"]),
    Route("/api/journal/entries/{entry_id}", delete_entry, methods=["DELETE"]),
    Route("/api/journal/drafts", list_drafts, methods=["GET"]),
    Route("/api/journal/drafts/{draft_id}", save_draft, methods=["PUT"]),
    Route("/api/journal/drafts/{draft_id}", delete_draft, methods=["DELETE"]),
    Route("/api/journal/entries/{entry_id}/shares", share_entry, methods=["POST"]),
    Route("/api/journal/shares", my_shares, methods=["GET"]),
    Route("/api/journal/shares/{share_id}", revoke_share, methods=["DELETE"]),
    Route("/api/journal/shares/{share_id}/hide", hide_share, methods=["POST"]),
    Route("/api/threads/{thread_id}/shared-entries", thread_shares, methods=["GET"]),
    Route("/api/shared-entries/{share_id}/open", open_share, methods=["POST"]),
    Route("/api/journal/prompts", my_prompts, methods=["GET"]),
    Route("/api/clients/{client_id}/prompts", client_prompts, methods=["GET"]),
    Route("/api/clients/{client_id}/prompts", create_prompt, methods=["POST"]),
    Route("/api/prompts/{prompt_id}", change_prompt, methods=["PUT"]),
    Route("/api/prompts/{prompt_id}/state", set_prompt_state, methods=["POST"]),
]
