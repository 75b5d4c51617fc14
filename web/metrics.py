"""`/metrics`: the Prometheus text exposition, for configured addresses or a bearer token.

Not for clinic users: the route is refused (403) unless the caller's address is in
`INTERLUDE_METRICS_ALLOW` or it sends `Authorization: Bearer <INTERLUDE_METRICS_TOKEN>`.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from ipaddress import ip_address

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp

from messaging import errors, job_admin, metrics
from messaging.errors import Forbidden
from messaging.settings import Settings
from messaging.storage.database import Database
from web.api import ApiRoute, Contract
from web.context import app_context
from web.errors import EXCEPTION_HANDLERS, error_response


def may_scrape(request: Request, settings: Settings) -> bool:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if settings.metrics_token is not None and scheme.lower() == "bearer":
        return hmac.compare_digest(token.strip().encode(), settings.metrics_token.encode())
    if request.client is None:
        return False
    try:
        address = ip_address(request.client.host)
    except ValueError:
        return False
    return any(address in network for network in settings.metrics_allow)


async def exposition(request: Request, settings: Settings, database: Database) -> Response:
    if not may_scrape(request, settings):
        raise Forbidden("Metrics are only for the configured addresses or token.")
    async with database.unit_of_work() as uow:
        queue = await job_admin.queue_counts(uow)
    body, content_type = metrics.exposition([metrics.jobs_by_state(queue)])
    return Response(body, media_type=content_type)


async def scrape(request: Request) -> Response:
    context = app_context(request)
    return await exposition(request, context.settings, context.database)


def worker_probe_app(
    settings: Settings, database: Database, healthy: Callable[[], bool]
) -> ASGIApp:
    """What a worker process serves on its probe port: `/metrics` (the same samples and
    rules as the web's) and `/healthz` (503 once its loop has stalled)."""

    async def worker_metrics(request: Request) -> Response:
        return await exposition(request, settings, database)

    async def worker_health(request: Request) -> Response:
        if not healthy():
            return error_response(503, "not_ready", "the job loop has not run recently")
        return JSONResponse({"status": "alive"})

    return Starlette(
        routes=[
            Route("/metrics", worker_metrics, methods=["GET"]),
            Route("/healthz", worker_health, methods=["GET"]),
        ],
        exception_handlers=EXCEPTION_HANDLERS,
    )


routes = [
    ApiRoute(
        "/metrics",
        scrape,
        "GET",
        Contract(
            "Prometheus metrics of every process (configured addresses or token only)",
            public=True,
            media_type="text/plain",
            errors=(errors.Forbidden,),
        ),
    )
]
