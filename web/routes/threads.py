"""Direct threads, their commits and messages, and public keys."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

import crypto
from messaging import identities, messages, threads
from messaging.errors import InvalidInput
from web import parsing
from web.auth import authenticated
from web.context import app_context
from web.serializers import (
    commit_json,
    member_json,
    public_key_json,
    roster_json,
    thread_core_json,
    thread_json,
)

MAX_COMMIT = threads.MAX_COMMIT_BYTES
MAX_ENVELOPE = crypto.MAX_ENVELOPE_BYTES + 1


async def list_threads(request: Request) -> Response:
    actor = await authenticated(request)
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        found = await threads.list_threads(uow, actor)
    return JSONResponse({"threads": [thread_json(t) for t in found]})


async def direct_roster(request: Request) -> Response:
    actor = await authenticated(request)
    client_id = parsing.path_uuid(request, "client_id")
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        roster = await threads.direct_roster(uow, actor, client_id)
    return JSONResponse(roster_json(roster))


async def open_direct_thread(request: Request) -> Response:
    actor = await authenticated(request)
    client_id = parsing.path_uuid(request, "client_id")
    body = await parsing.read_json(request)
    thread_id = parsing.uuid_field(body, "thread_id")
    commit = parsing.binary(body, "commit", max_size=MAX_COMMIT)
    title = (
        parsing.binary(body, "title_envelope", max_size=threads.MAX_TITLE_BYTES)
        if body.get("title_envelope") is not None
        else None
    )
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        thread = await threads.open_direct_thread(
            uow, context.services, actor, client_id, thread_id, commit, title
        )
    return JSONResponse(thread_core_json(thread), status_code=201)


async def thread_detail(request: Request) -> Response:
    actor = await authenticated(request)
    thread_id = parsing.path_uuid(request, "thread_id")
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        thread, members = await threads.thread_detail(uow, actor, thread_id)
    return JSONResponse({**thread_core_json(thread), "members": [member_json(m) for m in members]})


async def thread_roster(request: Request) -> Response:
    actor = await authenticated(request)
    thread_id = parsing.path_uuid(request, "thread_id")
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        roster = await threads.thread_roster(uow, actor, thread_id)
    return JSONResponse(roster_json(roster))


async def list_commits(request: Request) -> Response:
    actor = await authenticated(request)
    thread_id = parsing.path_uuid(request, "thread_id")
    after = parsing.optional_query_int(request, "after_epoch")
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        commits = await threads.list_commits(uow, actor, thread_id, -1 if after is None else after)
    return JSONResponse({"commits": [commit_json(c) for c in commits]})


async def add_commit(request: Request) -> Response:
    actor = await authenticated(request)
    thread_id = parsing.path_uuid(request, "thread_id")
    body = await parsing.read_json(request)
    commit = parsing.binary(body, "commit", max_size=MAX_COMMIT)
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        thread = await threads.commit_epoch(uow, context.services, actor, thread_id, commit)
    return JSONResponse(thread_core_json(thread), status_code=201)


async def list_messages(request: Request) -> Response:
    actor = await authenticated(request)
    thread_id = parsing.path_uuid(request, "thread_id")
    before = parsing.optional_query_int(request, "before", minimum=1)
    after = parsing.optional_query_int(request, "after")
    limit = parsing.query_int(request, "limit", 50, minimum=1, maximum=messages.MAX_PAGE)
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        page = await messages.history(
            uow, actor, thread_id, before_seq=before, after_seq=after, limit=limit
        )
    return JSONResponse({"messages": [messages.message_payload(m) for m in page]})


async def send_message(request: Request) -> Response:
    actor = await authenticated(request)
    thread_id = parsing.path_uuid(request, "thread_id")
    body = await parsing.read_json(request)
    envelope = parsing.binary(body, "envelope", max_size=MAX_ENVELOPE)
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        sent = await messages.send_message(uow, context.services, actor, thread_id, envelope)
    return JSONResponse(
        messages.message_payload(sent.message), status_code=200 if sent.duplicate else 201
    )


async def mark_read(request: Request) -> Response:
    actor = await authenticated(request)
    thread_id = parsing.path_uuid(request, "thread_id")
    body = await parsing.read_json(request)
    seq = parsing.integer(body, "seq", minimum=0)
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        await threads.mark_read(uow, context.services, actor, thread_id, seq)
    return Response(status_code=204)


async def edit_message(request: Request) -> Response:
    actor = await authenticated(request)
    message_id = parsing.path_uuid(request, "message_id")
    body = await parsing.read_json(request)
    envelope = parsing.binary(body, "envelope", max_size=MAX_ENVELOPE)
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        updated = await messages.edit_message(uow, context.services, actor, message_id, envelope)
    return JSONResponse(messages.message_payload(updated))


async def delete_message(request: Request) -> Response:
    actor = await authenticated(request)
    message_id = parsing.path_uuid(request, "message_id")
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        removed = await messages.delete_message(uow, context.services, actor, message_id)
    return JSONResponse(messages.message_payload(removed))


async def public_key(request: Request) -> Response:
    actor = await authenticated(request)
    user_id = parsing.path_uuid(request, "user_id")
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        key = await identities.public_key_of(uow, actor, user_id)
    return JSONResponse(public_key_json(key))


async def my_clients(request: Request) -> Response:
    actor = await authenticated(request)
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        found = await threads.my_clients(uow, actor)
    return JSONResponse(
        {
            "clients": [
                {
                    "client_id": str(entry.client.id),
                    "display_name": entry.client.display_name,
                    "thread_id": str(entry.thread_id) if entry.thread_id else None,
                }
                for entry in found
            ]
        }
    )


async def key_by_id(request: Request) -> Response:
    actor = await authenticated(request)
    user_id = parsing.path_uuid(request, "user_id")
    try:
        key_id = crypto.b64decode(str(request.path_params["key_id"]))
    except crypto.MalformedError:
        raise InvalidInput("key_id: not valid base64url.") from None
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        key = await identities.key_by_id(uow, actor, user_id, key_id)
    return JSONResponse(public_key_json(key))


async def replace_identity(request: Request) -> Response:
    actor = await authenticated(request)
    body = await parsing.read_json(request)
    bundle = parsing.binary(body, "public_bundle", size=145)
    keyring = parsing.binary(body, "keyring", max_size=64 * 64 + 64)
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        key = await identities.replace_identity(uow, context.services, actor, bundle, keyring)
    return JSONResponse(public_key_json(key), status_code=201)


routes = [
    Route("/api/threads", list_threads, methods=["GET"]),
    Route("/api/direct/{client_id}", direct_roster, methods=["GET"]),
    Route("/api/direct/{client_id}", open_direct_thread, methods=["POST"]),
    Route("/api/threads/{thread_id}", thread_detail, methods=["GET"]),
    Route("/api/threads/{thread_id}/roster", thread_roster, methods=["GET"]),
    Route("/api/threads/{thread_id}/commits", list_commits, methods=["GET"]),
    Route("/api/threads/{thread_id}/commits", add_commit, methods=["POST"]),
    Route("/api/threads/{thread_id}/messages", list_messages, methods=["GET"]),
    Route("/api/threads/{thread_id}/messages", send_message, methods=["POST"]),
    Route("/api/threads/{thread_id}/read", mark_read, methods=["POST"]),
    Route("/api/messages/{message_id}", edit_message, methods=["PUT"]),
    Route("/api/messages/{message_id}", delete_message, methods=["DELETE"]),
    Route("/api/users/{user_id}/public-key", public_key, methods=["GET"]),
    Route("/api/users/{user_id}/keys/{key_id}", key_by_id, methods=["GET"]),
    Route("/api/care-team/clients", my_clients, methods=["GET"]),
    Route("/api/me/identity", replace_identity, methods=["POST"]),
]
