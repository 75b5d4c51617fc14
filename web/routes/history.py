"""Care-team handover: the client shares a conversation's history with a later therapist."""

from __future__ import annotations

from starlette.requests import Request

from crypto import b64encode
from messaging import history_grants
from messaging.actors import Actor
from web import parsing
from web.api import ApiRoute, Contract
from web.context import app_context
from web.models import history as wire


async def grant(
    request: Request, actor: Actor | None, body: wire.HistoryGrant
) -> wire.HistoryGranted:
    thread_id = parsing.path_uuid(request, "thread_id")
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        epochs = await history_grants.grant_history(
            uow, context.services, actor, thread_id, body.grant
        )
    return {"epochs": epochs}


async def seals(request: Request, actor: Actor | None) -> wire.HistorySeals:
    thread_id = parsing.path_uuid(request, "thread_id")
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        view = await history_grants.history_seals(uow, actor, thread_id)
    return {
        "seals": [{"epoch": epoch, "seal": b64encode(seal)} for epoch, seal in view.seals],
        "granted_to": [str(user_id) for user_id in view.granted_to],
    }


routes = [
    ApiRoute(
        "/api/threads/{thread_id}/history-grants",
        grant,
        "POST",
        Contract(
            "Share this conversation's earlier epoch keys with a later therapist (client only)",
            body=wire.HistoryGrant,
            response=wire.HistoryGranted,
            status=201,
        ),
    ),
    ApiRoute(
        "/api/threads/{thread_id}/history-seals",
        seals,
        "GET",
        Contract(
            "My history seals in this conversation, and who has been given its history",
            response=wire.HistorySeals,
        ),
    ),
]
