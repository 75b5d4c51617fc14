"""Crisis resources: read by anyone (the "Need help now?" page), changed by clinic admins."""

from __future__ import annotations

from starlette.requests import Request

from messaging import crisis_resources, errors
from messaging.actors import Actor
from messaging.crisis_resources import CrisisResource
from web import parsing
from web.api import ApiRoute, Contract
from web.auth import request_origin
from web.context import app_context
from web.models import crisis as wire
from web.serializers import crisis_resources_json


def resource(given: wire.CrisisResourceInput) -> CrisisResource:
    return CrisisResource(
        name=given.name,
        phone=given.phone or "",
        text=given.text or "",
        url=given.url or "",
        hours=given.hours or "",
    )


async def read(request: Request) -> wire.CrisisResourcesJson:
    clinic_id = parsing.path_uuid(request, "clinic_id")
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        found = await crisis_resources.read_crisis_resources(uow, clinic_id)
    return crisis_resources_json(found)


async def replace(
    request: Request, actor: Actor | None, body: wire.CrisisResources
) -> wire.CrisisResourcesJson:
    context = app_context(request)
    async with context.database.unit_of_work() as uow:
        saved = await crisis_resources.set_crisis_resources(
            uow,
            context.services,
            actor,
            [resource(given) for given in body.resources],
            request_origin(request),
        )
    return crisis_resources_json(saved)


routes = [
    ApiRoute(
        "/api/clinics/{clinic_id}/crisis-resources",
        read,
        "GET",
        Contract(
            "A clinic's crisis resources, for anyone (no login: the Need help now? page)",
            response=wire.CrisisResourcesJson,
            public=True,
            errors=(errors.NotFound,),
        ),
    ),
    ApiRoute(
        "/api/clinic/crisis-resources",
        replace,
        "PUT",
        Contract(
            "Replace my clinic's crisis resources (admins)",
            body=wire.CrisisResources,
            response=wire.CrisisResourcesJson,
        ),
    ),
]
