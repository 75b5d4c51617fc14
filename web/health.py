"""Liveness and readiness probes."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from messaging import errors
from messaging.health import check_readiness, readiness_checks
from web.api import ApiRoute, Contract
from web.context import app_context
from web.errors import error_response
from web.event_bus import RedisEventBus
from web.models.health import Alive, Ready


async def healthz(request: Request) -> Alive:
    return {"status": "alive"}


async def readyz(request: Request) -> Response:
    context = app_context(request)
    readiness = await check_readiness(readiness_checks(context.settings, context.database))
    if not readiness.ready:
        return error_response(503, "not_ready", readiness.reason)
    bus = request.app.state.sio.manager
    if isinstance(bus, RedisEventBus) and bus.down_reason is not None:
        return error_response(503, "not_ready", f"event bus down: {bus.down_reason}")
    return JSONResponse({"status": "ready", "checks": [*readiness.passed, *bus_check(bus)]})


def bus_check(bus: object) -> list[str]:
    """The event bus is one more check when there is one (Redis fan-out)."""
    return ["event bus"] if isinstance(bus, RedisEventBus) else []


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
            "Readiness: database, migrations, Redis, event bus and mail relay (when configured)",
            response=Ready,
            public=True,
            errors=(errors.Unavailable,),
        ),
    ),
]
