"""The journal: encrypted entries and drafts, entry shares, therapists' prompts."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

import crypto
from messaging import errors, journal, journal_shares, prompts
from messaging.actors import Actor
from messaging.clock import iso_utc
from messaging.prompt_schedule import PromptSchedule
from messaging.storage.records import JournalEntryRecord
from web import parsing
from web.api import ApiRoute, Contract
from web.context import app_context
from web.models import journal as wire


def _cursor(entry: JournalEntryRecord) -> str:
    return f"{iso_utc(entry.created_at)}_{entry.id}"


def _schedule(choice: wire.PromptScheduleChoice) -> PromptSchedule:
    return PromptSchedule(
        repeat=choice.repeat,
        local_minute=choice.time,
        start_date=choice.start,
        weekday=choice.weekday,
        until_date=choice.until,
        max_count=choice.count,
    )


async def list_entries(
    request: Request, actor: Actor | None, query: wire.EntriesPage
) -> wire.EntryPage:
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        page = await journal.list_entries(
            uow, actor, before=query.before, since=query.since, limit=query.limit
        )
    return {
        "entries": [journal.entry_payload(e) for e in page],
        "next": _cursor(page[-1]) if len(page) == query.limit else None,
    }


async def write_entry(request: Request, actor: Actor | None, body: wire.NewEntry) -> Response:
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        written = await journal.write_entry(
            uow, context.services, actor, body.id, body.blob, answers=body.answers
        )
    entry: wire.EntryJson = journal.entry_payload(written.entry)
    return JSONResponse(entry, status_code=201 if written.created else 200)


async def read_entry(request: Request, actor: Actor | None) -> wire.EntryJson:
    entry_id = parsing.path_uuid(request, "entry_id")
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        entry = await journal.read_entry(uow, actor, entry_id)
    return journal.entry_payload(entry)


async def edit_entry(request: Request, actor: Actor | None, body: wire.EntryEdit) -> wire.EntryJson:
    entry_id = parsing.path_uuid(request, "entry_id")
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        entry = await journal.edit_entry(uow, context.services, actor, entry_id, body.blob)
    return journal.entry_payload(entry)


async def delete_entry(request: Request, actor: Actor | None) -> None:
    entry_id = parsing.path_uuid(request, "entry_id")
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        await journal.delete_entry(uow, context.services, actor, entry_id)


async def list_drafts(request: Request, actor: Actor | None) -> wire.DraftList:
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        drafts = await journal.list_drafts(uow, actor)
    return {
        "drafts": [
            {"id": str(d.id), "blob": crypto.b64encode(d.blob), "updated_at": iso_utc(d.updated_at)}
            for d in drafts
        ]
    }


async def save_draft(
    request: Request, actor: Actor | None, body: wire.DraftText
) -> wire.DraftSaved:
    draft_id = parsing.path_uuid(request, "draft_id")
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        draft = await journal.save_draft(uow, context.services, actor, draft_id, body.blob)
    return {"id": str(draft.id), "updated_at": iso_utc(draft.updated_at)}


async def delete_draft(request: Request, actor: Actor | None) -> None:
    draft_id = parsing.path_uuid(request, "draft_id")
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        await journal.delete_draft(uow, actor, draft_id)


async def share_entry(request: Request, actor: Actor | None, body: wire.NewShare) -> wire.ShareJson:
    entry_id = parsing.path_uuid(request, "entry_id")
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        shared = await journal_shares.share_entry(
            uow, context.services, actor, entry_id, body.share
        )
    return journal_shares.share_payload(shared)


async def my_shares(request: Request, actor: Actor | None) -> wire.ShareList:
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        shares = await journal_shares.my_shares(uow, actor)
    return {"shares": [journal_shares.share_payload(s) for s in shares]}


async def revoke_share(request: Request, actor: Actor | None) -> None:
    share_id = parsing.path_uuid(request, "share_id")
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        await journal_shares.revoke_share(uow, context.services, actor, share_id)


async def hide_share(request: Request, actor: Actor | None) -> wire.ShareJson:
    share_id = parsing.path_uuid(request, "share_id")
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        shared = await journal_shares.hide_share(uow, context.services, actor, share_id)
    return journal_shares.share_payload(shared)


async def thread_shares(request: Request, actor: Actor | None) -> wire.ShareList:
    thread_id = parsing.path_uuid(request, "thread_id")
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        shares = await journal_shares.shares_in_thread(uow, actor, thread_id)
    return {"shares": [journal_shares.share_payload(s) for s in shares]}


async def open_share(request: Request, actor: Actor | None) -> wire.ShareJson:
    share_id = parsing.path_uuid(request, "share_id")
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        shared = await journal_shares.open_share(uow, context.services, actor, share_id)
    return journal_shares.share_payload(shared, with_share=True)


async def my_prompts(
    request: Request, actor: Actor | None, query: wire.PromptsPage
) -> wire.PromptDeliveryList:
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        arrived = await prompts.my_prompts(uow, actor, limit=query.limit)
    return {"prompts": [prompts.delivery_payload(d, p) for d, p in arrived]}


async def client_prompts(request: Request, actor: Actor | None) -> wire.PromptReportList:
    client_id = parsing.path_uuid(request, "client_id")
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        reports = await prompts.prompts_for_client(uow, actor, client_id)
    return {"prompts": [prompts.report_payload(r) for r in reports]}


async def create_prompt(
    request: Request, actor: Actor | None, body: wire.NewPrompt
) -> wire.PromptJson:
    client_id = parsing.path_uuid(request, "client_id")
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        prompt = await prompts.create_prompt(
            uow, context.services, actor, client_id, body.envelope, _schedule(body.schedule)
        )
    return prompts.prompt_payload(prompt)


async def change_prompt(
    request: Request, actor: Actor | None, body: wire.PromptChange
) -> wire.PromptJson:
    prompt_id = parsing.path_uuid(request, "prompt_id")
    schedule = None if body.schedule is None else _schedule(body.schedule)
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        prompt = await prompts.change_prompt(
            uow, context.services, actor, prompt_id, raw_envelope=body.envelope, schedule=schedule
        )
    return prompts.prompt_payload(prompt)


async def set_prompt_state(
    request: Request, actor: Actor | None, body: wire.PromptState
) -> wire.PromptJson:
    prompt_id = parsing.path_uuid(request, "prompt_id")
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        prompt = await prompts.set_prompt_state(uow, context.services, actor, prompt_id, body.state)
    return prompts.prompt_payload(prompt)


routes = [
    ApiRoute(
        "/api/journal/entries",
        list_entries,
        "GET",
        Contract(
            "My journal entries, newest first, a page at a time",
            query=wire.EntriesPage,
            response=wire.EntryPage,
        ),
    ),
    ApiRoute(
        "/api/journal/entries",
        write_entry,
        "POST",
        Contract(
            "Write a sealed entry (idempotent by its id: 200 when retried)",
            body=wire.NewEntry,
            response=wire.EntryJson,
            status=201,
            also=(200,),
            errors=(errors.Conflict,),
        ),
    ),
    ApiRoute(
        "/api/journal/entries/{entry_id}",
        read_entry,
        "GET",
        Contract("One of my entries", response=wire.EntryJson),
    ),
    ApiRoute(
        "/api/journal/entries/{entry_id}",
        edit_entry,
        "PUT",
        Contract(
            "Replace one of my entries with a new sealed version",
            body=wire.EntryEdit,
            response=wire.EntryJson,
        ),
    ),
    ApiRoute(
        "/api/journal/entries/{entry_id}",
        delete_entry,
        "DELETE",
        Contract("Delete one of my entries and withdraw its shares"),
    ),
    ApiRoute(
        "/api/journal/drafts",
        list_drafts,
        "GET",
        Contract("My unfinished entries", response=wire.DraftList),
    ),
    ApiRoute(
        "/api/journal/drafts/{draft_id}",
        save_draft,
        "PUT",
        Contract(
            "Save a sealed draft as I type",
            body=wire.DraftText,
            response=wire.DraftSaved,
            errors=(errors.Conflict,),
        ),
    ),
    ApiRoute(
        "/api/journal/drafts/{draft_id}",
        delete_draft,
        "DELETE",
        Contract("Discard a draft"),
    ),
    ApiRoute(
        "/api/journal/entries/{entry_id}/shares",
        share_entry,
        "POST",
        Contract(
            "Share an entry with my care team, sealed to them and signed",
            body=wire.NewShare,
            response=wire.ShareJson,
            status=201,
            errors=(errors.Conflict,),
        ),
    ),
    ApiRoute(
        "/api/journal/shares",
        my_shares,
        "GET",
        Contract("The entries I shared and who opened them", response=wire.ShareList),
    ),
    ApiRoute(
        "/api/journal/shares/{share_id}",
        revoke_share,
        "DELETE",
        Contract("Revoke a share nobody has opened yet", errors=(errors.Conflict,)),
    ),
    ApiRoute(
        "/api/journal/shares/{share_id}/hide",
        hide_share,
        "POST",
        Contract(
            "Hide an opened share from now on",
            response=wire.ShareJson,
            errors=(errors.Conflict,),
        ),
    ),
    ApiRoute(
        "/api/threads/{thread_id}/shared-entries",
        thread_shares,
        "GET",
        Contract("Entries shared into a thread", response=wire.ShareList),
    ),
    ApiRoute(
        "/api/shared-entries/{share_id}/open",
        open_share,
        "POST",
        Contract(
            "Open an entry shared with me (recorded for its author)",
            response=wire.ShareJson,
            errors=(errors.Gone,),
        ),
    ),
    ApiRoute(
        "/api/journal/prompts",
        my_prompts,
        "GET",
        Contract(
            "Prompts my therapists sent me, newest first",
            query=wire.PromptsPage,
            response=wire.PromptDeliveryList,
        ),
    ),
    ApiRoute(
        "/api/clients/{client_id}/prompts",
        client_prompts,
        "GET",
        Contract(
            "A client's prompts and when they were answered (care team)",
            response=wire.PromptReportList,
            errors=(errors.Conflict,),
        ),
    ),
    ApiRoute(
        "/api/clients/{client_id}/prompts",
        create_prompt,
        "POST",
        Contract(
            "Schedule a sealed journaling prompt for a client (care team)",
            body=wire.NewPrompt,
            response=wire.PromptJson,
            status=201,
            errors=(errors.Conflict,),
        ),
    ),
    ApiRoute(
        "/api/prompts/{prompt_id}",
        change_prompt,
        "PUT",
        Contract(
            "Change a prompt's text or schedule",
            body=wire.PromptChange,
            response=wire.PromptJson,
            errors=(errors.Conflict,),
        ),
    ),
    ApiRoute(
        "/api/prompts/{prompt_id}/state",
        set_prompt_state,
        "POST",
        Contract(
            "Pause, resume or end a prompt",
            body=wire.PromptState,
            response=wire.PromptJson,
            errors=(errors.Conflict,),
        ),
    ),
]
