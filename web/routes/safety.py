"""The urgent flag and the clinic's on-call contacts."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from messaging import errors, urgent
from messaging.actors import Actor
from web import parsing
from web.api import ApiRoute, Contract
from web.context import app_context
from web.models import records as wire
from web.serializers import flagged_json, urgent_flag_json, user_json


async def flag_message(request: Request, actor: Actor | None) -> Response:
    message_id = parsing.path_uuid(request, "message_id")
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        flagged = await urgent.flag_message(uow, context.services, actor, message_id)
    return JSONResponse(flagged_json(flagged), status_code=200 if flagged.duplicate else 201)


async def thread_flags(request: Request, actor: Actor | None) -> wire.UrgentFlagList:
    thread_id = parsing.path_uuid(request, "thread_id")
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        flags = await urgent.thread_flags(uow, actor, thread_id)
    return {"flags": [urgent_flag_json(f) for f in flags]}


async def open_flags(request: Request, actor: Actor | None) -> wire.UrgentFlagList:
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        flags = await urgent.open_flags(uow, actor)
    return {"flags": [urgent_flag_json(f) for f in flags]}


async def acknowledge_flag(request: Request, actor: Actor | None) -> wire.UrgentFlagJson:
    flag_id = parsing.path_uuid(request, "flag_id")
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        flag = await urgent.acknowledge(uow, context.services, actor, flag_id)
    return urgent_flag_json(flag)


async def read_on_call(request: Request, actor: Actor | None) -> wire.OnCallList:
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        people = await urgent.on_call_contacts(uow, actor)
    return {"contacts": [user_json(p) for p in people]}


async def replace_on_call(
    request: Request, actor: Actor | None, body: wire.OnCallChoice
) -> wire.OnCallList:
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        people = await urgent.set_on_call_contacts(
            uow, context.services, actor, list(body.user_ids)
        )
    return {"contacts": [user_json(p) for p in people]}


routes = [
    ApiRoute(
        "/api/messages/{message_id}/urgent",
        flag_message,
        "POST",
        Contract(
            "Flag my message as urgent: tells the therapists and on-call contacts, answers "
            "crisis resources and when someone is likely to see it (200 if already flagged)",
            response=wire.FlaggedJson,
            status=201,
            also=(200,),
            errors=(errors.RateLimited,),
        ),
    ),
    ApiRoute(
        "/api/threads/{thread_id}/urgent",
        thread_flags,
        "GET",
        Contract("A thread's urgent flags", response=wire.UrgentFlagList),
    ),
    ApiRoute(
        "/api/urgent",
        open_flags,
        "GET",
        Contract(
            "Unacknowledged urgent flags of my threads (the clinic's if I am on call)",
            response=wire.UrgentFlagList,
        ),
    ),
    ApiRoute(
        "/api/urgent/{flag_id}/acknowledge",
        acknowledge_flag,
        "POST",
        Contract(
            "Acknowledge an urgent flag (therapists of the thread, on-call contacts)",
            response=wire.UrgentFlagJson,
        ),
    ),
    ApiRoute(
        "/api/clinic/on-call",
        read_on_call,
        "GET",
        Contract("The clinic's on-call contacts", response=wire.OnCallList),
    ),
    ApiRoute(
        "/api/clinic/on-call",
        replace_on_call,
        "PUT",
        Contract(
            "Replace the clinic's on-call contacts (active therapists or admins)",
            body=wire.OnCallChoice,
            response=wire.OnCallList,
        ),
    ),
]
