"""Liveness and readiness probes."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from messaging.health import check_readiness
from web.context import app_context
from web.errors import error_response
from web.event_bus import RedisEventBus


async def healthz(request: Request) -> Response:
    return JSONResponse({"status": "alive"})


async def readyz(request: Request) -> Response:
    readiness = await check_readiness(app_context(request).database)
    if not readiness.ready:
        return error_response(503, "not_ready", readiness.reason)
    bus = request.app.state.sio.manager
    if isinstance(bus, RedisEventBus) and bus.down_reason is not None:
        return error_response(503, "not_ready", f"event bus down: {bus.down_reason}")
    return JSONResponse({"status": "ready"})
