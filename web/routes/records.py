"""Records: exporting a thread, deleting an account (one's own, or a person's by an
admin), and the clinic's retention period."""

from __future__ import annotations

from starlette.requests import Request

from messaging import deletion, export, retention
from messaging.actors import Actor
from web import parsing
from web.api import ApiRoute, Contract
from web.auth import request_origin
from web.context import app_context
from web.models import records as wire
from web.serializers import deletion_json, export_json, retention_json


async def delete_own_account(
    request: Request, actor: Actor | None, body: wire.AccountDeletion
) -> wire.DeletionJson:
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        requested = await deletion.delete_own_account(
            uow, context.services, actor, body.current_auth_key, request_origin(request)
        )
    return deletion_json(requested)


async def delete_person(request: Request, actor: Actor | None) -> wire.DeletionJson:
    user_id = parsing.path_uuid(request, "user_id")
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        requested = await deletion.delete_person(
            uow, context.services, actor, user_id, request_origin(request)
        )
    return deletion_json(requested)


async def record_export(request: Request, actor: Actor | None) -> wire.ExportJson:
    thread_id = parsing.path_uuid(request, "thread_id")
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        recorded = await export.record_export(
            uow, context.services, actor, thread_id, request_origin(request)
        )
    return export_json(recorded)


async def read_retention(request: Request, actor: Actor | None) -> wire.RetentionJson:
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        view = await retention.retention_of(uow, context.services, actor)
    return retention_json(view)


async def change_retention(
    request: Request, actor: Actor | None, body: wire.RetentionChoice
) -> wire.RetentionJson:
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        view = await retention.set_retention(uow, context.services, actor, body.years)
    return retention_json(view)


routes = [
    ApiRoute(
        "/api/clinic/retention",
        read_retention,
        "GET",
        Contract(
            "The clinic's retention period, the next sweep and the threads it will delete",
            response=wire.RetentionJson,
        ),
    ),
    ApiRoute(
        "/api/clinic/retention",
        change_retention,
        "PUT",
        Contract(
            "Keep threads this many years after their last activity, or (null) until deleted",
            body=wire.RetentionChoice,
            response=wire.RetentionJson,
        ),
    ),
    ApiRoute(
        "/api/threads/{thread_id}/export",
        record_export,
        "POST",
        Contract(
            "Record in the audit trail that I am exporting this thread (the export itself "
            "happens in my client)",
            response=wire.ExportJson,
            status=201,
        ),
    ),
    ApiRoute(
        "/api/me/delete",
        delete_own_account,
        "POST",
        Contract(
            "Delete my account, proving my password again: my sessions end now, the worker "
            "erases the rest",
            body=wire.AccountDeletion,
            response=wire.DeletionJson,
            status=202,
        ),
    ),
    ApiRoute(
        "/api/clinic/people/{user_id}/delete",
        delete_person,
        "POST",
        Contract(
            "Delete a person of the clinic (admins; not themself)",
            response=wire.DeletionJson,
            status=202,
        ),
    ),
]
