"""Direct threads, their commits and messages, and public keys."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

import crypto
from messaging import errors, identities, messages, metrics, threads
from messaging.actors import Actor
from messaging.errors import InvalidInput
from web import parsing
from web.api import ApiRoute, Contract
from web.context import app_context
from web.models import accounts as account_wire
from web.models import threads as wire
from web.serializers import (
    commit_json,
    member_json,
    public_key_json,
    roster_json,
    thread_core_json,
    thread_json,
)

Json = dict[str, Any]


async def list_threads(request: Request, actor: Actor | None) -> wire.ThreadList:
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        found = await threads.list_threads(uow, actor)
    return {"threads": [thread_json(t) for t in found]}


async def direct_roster(request: Request, actor: Actor | None) -> wire.RosterJson:
    client_id = parsing.path_uuid(request, "client_id")
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        roster = await threads.direct_roster(uow, actor, client_id)
    return roster_json(roster)


async def open_direct_thread(
    request: Request, actor: Actor | None, body: wire.DirectOpening
) -> wire.ThreadCore:
    client_id = parsing.path_uuid(request, "client_id")
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        thread = await threads.open_direct_thread(
            uow,
            context.services,
            actor,
            client_id,
            body.thread_id,
            body.commit,
            body.title_envelope,
        )
    return thread_core_json(thread)


async def thread_detail(request: Request, actor: Actor | None) -> wire.ThreadDetail:
    thread_id = parsing.path_uuid(request, "thread_id")
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        thread, members = await threads.thread_detail(uow, actor, thread_id)
    return {**thread_core_json(thread), "members": [member_json(m) for m in members]}


async def thread_roster(request: Request, actor: Actor | None) -> wire.RosterJson:
    thread_id = parsing.path_uuid(request, "thread_id")
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        roster = await threads.thread_roster(uow, actor, thread_id)
    return roster_json(roster)


async def list_commits(
    request: Request, actor: Actor | None, query: wire.CommitsPage
) -> wire.CommitList:
    thread_id = parsing.path_uuid(request, "thread_id")
    after = -1 if query.after_epoch is None else query.after_epoch
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        commits = await threads.list_commits(uow, actor, thread_id, after)
    return {"commits": [commit_json(c) for c in commits]}


async def add_commit(
    request: Request, actor: Actor | None, body: wire.NextCommit
) -> wire.ThreadCore:
    thread_id = parsing.path_uuid(request, "thread_id")
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        thread = await threads.commit_epoch(uow, context.services, actor, thread_id, body.commit)
    return thread_core_json(thread)


async def list_messages(
    request: Request, actor: Actor | None, query: wire.MessagesPage
) -> wire.MessageList:
    thread_id = parsing.path_uuid(request, "thread_id")
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        page = await messages.history(
            uow,
            actor,
            thread_id,
            before_seq=query.before,
            after_seq=query.after,
            limit=query.limit,
        )
    return {"messages": [messages.message_payload(m) for m in page]}


async def send_message(request: Request, actor: Actor | None, body: wire.NewMessage) -> Response:
    thread_id = parsing.path_uuid(request, "thread_id")
    context = app_context(request)
    with metrics.send_latency.labels("http").time():
        async with context.database.unit_of_work() as uow:
            sent = await messages.send_message(
                uow, context.services, actor, thread_id, body.envelope
            )
    if not sent.duplicate:
        metrics.messages_sent.labels("http").inc()
    return JSONResponse(
        messages.message_payload(sent.message), status_code=200 if sent.duplicate else 201
    )


async def mark_read(request: Request, actor: Actor | None, body: wire.ReadPosition) -> None:
    thread_id = parsing.path_uuid(request, "thread_id")
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        await threads.mark_read(uow, context.services, actor, thread_id, body.seq)


async def edit_message(
    request: Request, actor: Actor | None, body: wire.NewMessage
) -> wire.MessageJson:
    message_id = parsing.path_uuid(request, "message_id")
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        updated = await messages.edit_message(
            uow, context.services, actor, message_id, body.envelope
        )
    return messages.message_payload(updated)


async def delete_message(request: Request, actor: Actor | None) -> wire.MessageJson:
    message_id = parsing.path_uuid(request, "message_id")
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        removed = await messages.delete_message(uow, context.services, actor, message_id)
    return messages.message_payload(removed)


async def public_key(request: Request, actor: Actor | None) -> account_wire.PublicKeyJson:
    user_id = parsing.path_uuid(request, "user_id")
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        key = await identities.public_key_of(uow, actor, user_id)
    return public_key_json(key)


async def my_clients(request: Request, actor: Actor | None) -> wire.MyClients:
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        found = await threads.my_clients(uow, actor)
    return {
        "clients": [
            {
                "client_id": str(entry.client.id),
                "display_name": entry.client.display_name,
                "thread_id": str(entry.thread_id) if entry.thread_id else None,
            }
            for entry in found
        ]
    }


async def key_by_id(request: Request, actor: Actor | None) -> account_wire.PublicKeyJson:
    user_id = parsing.path_uuid(request, "user_id")
    try:
        key_id = crypto.b64decode(str(request.path_params["key_id"]))
    except crypto.MalformedError:
        raise InvalidInput("key_id: not valid base64url.") from None
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        key = await identities.key_by_id(uow, actor, user_id, key_id)
    return public_key_json(key)


async def replace_identity(
    request: Request, actor: Actor | None, body: account_wire.IdentityReplacement
) -> account_wire.PublicKeyJson:
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        key = await identities.replace_identity(
            uow, context.services, actor, body.public_bundle, body.keyring
        )
    return public_key_json(key)


SEND_ERRORS = (errors.Conflict, errors.Gone)

routes = [
    ApiRoute(
        "/api/threads",
        list_threads,
        "GET",
        Contract("My threads, newest activity first", response=wire.ThreadList),
    ),
    ApiRoute(
        "/api/direct/{client_id}",
        direct_roster,
        "GET",
        Contract(
            "Who a client's direct thread must contain, and its id if open",
            response=wire.RosterJson,
        ),
    ),
    ApiRoute(
        "/api/direct/{client_id}",
        open_direct_thread,
        "POST",
        Contract(
            "Open a client's direct thread with the epoch-0 commit",
            body=wire.DirectOpening,
            response=wire.ThreadCore,
            status=201,
            errors=(errors.Conflict,),
        ),
    ),
    ApiRoute(
        "/api/threads/{thread_id}",
        thread_detail,
        "GET",
        Contract("A thread and its members", response=wire.ThreadDetail),
    ),
    ApiRoute(
        "/api/threads/{thread_id}/roster",
        thread_roster,
        "GET",
        Contract("Who the thread's next epoch must contain", response=wire.RosterJson),
    ),
    ApiRoute(
        "/api/threads/{thread_id}/commits",
        list_commits,
        "GET",
        Contract(
            "The signed commit chain with each author's bundle",
            query=wire.CommitsPage,
            response=wire.CommitList,
        ),
    ),
    ApiRoute(
        "/api/threads/{thread_id}/commits",
        add_commit,
        "POST",
        Contract(
            "Add the next epoch (409 if another commit won)",
            body=wire.NextCommit,
            response=wire.ThreadCore,
            status=201,
            errors=(errors.Conflict,),
        ),
    ),
    ApiRoute(
        "/api/threads/{thread_id}/messages",
        list_messages,
        "GET",
        Contract(
            "A keyset page of messages by seq, oldest first",
            query=wire.MessagesPage,
            response=wire.MessageList,
        ),
    ),
    ApiRoute(
        "/api/threads/{thread_id}/messages",
        send_message,
        "POST",
        Contract(
            "Send an envelope (200 for a retried client message id)",
            body=wire.NewMessage,
            response=wire.MessageJson,
            status=201,
            also=(200,),
            errors=SEND_ERRORS,
        ),
    ),
    ApiRoute(
        "/api/threads/{thread_id}/read",
        mark_read,
        "POST",
        Contract("Move my read position", body=wire.ReadPosition),
    ),
    ApiRoute(
        "/api/messages/{message_id}",
        edit_message,
        "PUT",
        Contract(
            "Replace my message's envelope",
            body=wire.NewMessage,
            response=wire.MessageJson,
            errors=SEND_ERRORS,
        ),
    ),
    ApiRoute(
        "/api/messages/{message_id}",
        delete_message,
        "DELETE",
        Contract(
            "Delete my message (a tombstone stays)",
            response=wire.MessageJson,
            errors=(errors.Gone,),
        ),
    ),
    ApiRoute(
        "/api/users/{user_id}/public-key",
        public_key,
        "GET",
        Contract("A same-clinic user's current public bundle", response=account_wire.PublicKeyJson),
    ),
    ApiRoute(
        "/api/users/{user_id}/keys/{key_id}",
        key_by_id,
        "GET",
        Contract(
            "A same-clinic user's public bundle by key id (also retired keys)",
            response=account_wire.PublicKeyJson,
        ),
    ),
    ApiRoute(
        "/api/care-team/clients",
        my_clients,
        "GET",
        Contract("A therapist's clients and their thread ids", response=wire.MyClients),
    ),
    ApiRoute(
        "/api/me/identity",
        replace_identity,
        "POST",
        Contract(
            "Replace my identity key; partners are told",
            body=account_wire.IdentityReplacement,
            response=account_wire.PublicKeyJson,
            status=201,
        ),
    ),
]
