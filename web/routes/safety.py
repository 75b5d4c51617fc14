"""The urgent flag and the clinic's on-call contacts."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from messaging import urgent
from web import parsing
from web.auth import authenticated
from web.context import app_context
from web.serializers import flagged_json, urgent_flag_json, user_json


async def flag_message(request: Request) -> Response:
    actor = await authenticated(request)
    message_id = parsing.path_uuid(request, "message_id")
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        flagged = await urgent.flag_message(uow, context.services, actor, message_id)
    return JSONResponse(flagged_json(flagged), status_code=200 if flagged.duplicate else 201)


async def thread_flags(request: Request) -> Response:
    actor = await authenticated(request)
    thread_id = parsing.path_uuid(request, "thread_id")
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        flags = await urgent.thread_flags(uow, actor, thread_id)
    return JSONResponse({"flags": [urgent_flag_json(f) for f in flags]})


async def open_flags(request: Request) -> Response:
    actor = await authenticated(request)
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        flags = await urgent.open_flags(uow, actor)
    return JSONResponse({"flags": [urgent_flag_json(f) for f in flags]})


async def acknowledge(request: Request) -> Response:
    actor = await authenticated(request)
    flag_id = parsing.path_uuid(request, "flag_id")
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        flag = await urgent.acknowledge(uow, context.services, actor, flag_id)
    return JSONResponse(urgent_flag_json(flag))


async def read_on_call(request: Request) -> Response:
    actor = await authenticated(request)
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        people = await urgent.on_call_contacts(uow, actor)
    return JSONResponse({"contacts": [user_json(p) for p in people]})


async def replace_on_call(request: Request) -> Response:
    actor = await authenticated(request)
    body = await parsing.read_json(request)
    raw = parsing.string_list(body, "user_ids", max_items=urgent.MAX_ON_CALL)
    user_ids = [parsing.uuid_field({"user_ids": value}, "user_ids") for value in raw]
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        people = await urgent.set_on_call_contacts(uow, context.services, actor, user_ids)
    return JSONResponse({"contacts": [user_json(p) for p in people]})


routes = [
    Route("/api/messages/{message_id}/urgent", flag_message, methods=["POST"]),
    Route("/api/threads/{thread_id}/urgent", thread_flags, methods=["GET"]),
    Route("/api/urgent", open_flags, methods=["GET"]),
    Route("/api/urgent/{flag_id}/acknowledge", acknowledge, methods=["POST"]),
    Route("/api/clinic/on-call", read_on_call, methods=["GET"]),
    Route("/api/clinic/on-call", replace_on_call, methods=["PUT"]),
]
