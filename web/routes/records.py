"""Records: exporting a thread, deleting an account (one's own, or a person's by an
admin), and the clinic's retention period."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from messaging import deletion, export, retention
from messaging.errors import InvalidInput
from web import parsing
from web.auth import authenticated, request_origin
from web.context import app_context
from web.serializers import deletion_json, export_json, retention_json


async def delete_own_account(request: Request) -> Response:
    actor = await authenticated(request)
    body = await parsing.read_json(request)
    auth_key = parsing.binary(body, "current_auth_key", size=32)
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        requested = await deletion.delete_own_account(
            uow, context.services, actor, auth_key, request_origin(request)
        )
    return JSONResponse(deletion_json(requested), status_code=202)


async def delete_person(request: Request) -> Response:
    actor = await authenticated(request)
    user_id = parsing.path_uuid(request, "user_id")
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        requested = await deletion.delete_person(
            uow, context.services, actor, user_id, request_origin(request)
        )
    return JSONResponse(deletion_json(requested), status_code=202)


async def record_export(request: Request) -> Response:
    actor = await authenticated(request)
    thread_id = parsing.path_uuid(request, "thread_id")
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        recorded = await export.record_export(
            uow, context.services, actor, thread_id, request_origin(request)
        )
    return JSONResponse(export_json(recorded), status_code=201)


async def read_retention(request: Request) -> Response:
    actor = await authenticated(request)
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        view = await retention.retention_of(uow, context.services, actor)
    return JSONResponse(retention_json(view))


async def change_retention(request: Request) -> Response:
    actor = await authenticated(request)
    body = await parsing.read_json(request)
    years = body.get("years")
    if years is not None and (not isinstance(years, int) or isinstance(years, bool)):
        raise InvalidInput("years: a whole number of years, or null to keep until deleted.")
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        view = await retention.set_retention(uow, context.services, actor, years)
    return JSONResponse(retention_json(view))


routes = [
    Route("/api/clinic/retention", read_retention, methods=["GET"]),
    Route("/api/clinic/retention", change_retention, methods=["PUT"]),
    Route("/api/threads/{thread_id}/export", record_export, methods=["POST"]),
    Route("/api/me/delete", delete_own_account, methods=["POST"]),
    Route("/api/clinic/people/{user_id}/delete", delete_person, methods=["POST"]),
]
