"""Care-team handover: the client shares a conversation's history with a later therapist."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from crypto import b64encode
from crypto.history import MAX_GRANT_EPOCHS
from messaging import history_grants
from web import parsing
from web.auth import authenticated
from web.context import app_context

MAX_GRANT_BYTES = 1 + 16 * 4 + 16 + 2 + MAX_GRANT_EPOCHS * (8 + 104) + 64


async def grant(request: Request) -> Response:
    actor = await authenticated(request)
    thread_id = parsing.path_uuid(request, "thread_id")
    raw = parsing.binary(await parsing.read_json(request), "grant", max_size=MAX_GRANT_BYTES)
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        epochs = await history_grants.grant_history(uow, context.services, actor, thread_id, raw)
    return JSONResponse({"epochs": epochs}, status_code=201)


async def seals(request: Request) -> Response:
    actor = await authenticated(request)
    thread_id = parsing.path_uuid(request, "thread_id")
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        view = await history_grants.history_seals(uow, actor, thread_id)
    return JSONResponse(
        {
            "seals": [{"epoch": epoch, "seal": b64encode(seal)} for epoch, seal in view.seals],
            "granted_to": [str(user_id) for user_id in view.granted_to],
        }
    )


routes = [
    Route("/api/threads/{thread_id}/history-grants", grant, methods=["POST"]),
    Route("/api/threads/{thread_id}/history-seals", seals, methods=["GET"]),
]
