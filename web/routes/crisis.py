"""Crisis resources: read by anyone (the "Need help now?" page), changed by clinic admins."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from messaging import crisis_resources
from messaging.crisis_resources import MAX_RESOURCES, CrisisResource
from messaging.errors import InvalidInput
from web import parsing
from web.auth import authenticated, request_origin
from web.context import app_context
from web.serializers import crisis_resources_json

FIELDS = ("name", "phone", "text", "url", "hours")


def _resources(body: parsing.Body) -> list[CrisisResource]:
    raw = body.get("resources")
    if not isinstance(raw, list) or len(raw) > MAX_RESOURCES:
        raise InvalidInput(f"resources: a list of at most {MAX_RESOURCES} is required.")
    parsed = []
    for position, item in enumerate(raw):
        if not isinstance(item, dict):
            raise InvalidInput(f"resources[{position}]: an object is required.")
        values = {
            name: parsing.text(item, name, max_length=400, optional=name != "name")
            for name in FIELDS
        }
        parsed.append(CrisisResource(**values))
    return parsed


async def read(request: Request) -> Response:
    clinic_id = parsing.path_uuid(request, "clinic_id")
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        found = await crisis_resources.read_crisis_resources(uow, clinic_id)
    return JSONResponse(crisis_resources_json(found))


async def replace(request: Request) -> Response:
    actor = await authenticated(request)
    resources = _resources(await parsing.read_json(request))
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        saved = await crisis_resources.set_crisis_resources(
            uow, context.services, actor, resources, request_origin(request)
        )
    return JSONResponse(crisis_resources_json(saved))


routes = [
    Route("/api/clinics/{clinic_id}/crisis-resources", read, methods=["GET"]),
    Route("/api/clinic/crisis-resources", replace, methods=["PUT"]),
]
