"""Liveness and readiness probes."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from messaging import errors
from messaging.health import check_readiness, readiness_checks
from web.api import ApiRoute, Contract
from web.context import app_context
from web.errors import error_response
from web.models.health import Alive, Ready


async def healthz(request: Request) -> Alive:
    return {"status": "alive"}


async def readyz(request: Request) -> Response:
    context = app_context(request)
    readiness = await check_readiness(readiness_checks(context.settings, context.database))
    if not readiness.ready:
        return error_response(503, "not_ready", readiness.reason)
    return JSONResponse({"status": "ready", "checks": list(readiness.passed)})


routes = [
    ApiRoute(
        "/healthz",
        healthz,
        "GET",
        Contract("Liveness: the process answers", response=Alive, public=True),
    ),
    ApiRoute(
        "/readyz",
        readyz,
        "GET",
        Contract(
            "Readiness: the database, its migrations, Redis and the mail relay (when configured)",
            response=Ready,
            public=True,
            errors=(errors.Unavailable,),
        ),
    ),
]
