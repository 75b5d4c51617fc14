"""`/metrics`: the Prometheus text exposition, for configured addresses or a bearer token.

Not for clinic users: the route is refused (403) unless the caller's address is in
`INTERLUDE_METRICS_ALLOW` or it sends `Authorization: Bearer <INTERLUDE_METRICS_TOKEN>`.
"""

from __future__ import annotations

import hmac
from ipaddress import ip_address

from starlette.requests import Request
from starlette.responses import Response

from messaging import errors, job_admin, metrics
from messaging.errors import Forbidden
from messaging.settings import Settings
from web.api import ApiRoute, Contract
from web.context import app_context


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


async def scrape(request: Request) -> Response:
    context = app_context(request)
    if not may_scrape(request, context.settings):
        raise Forbidden("Metrics are only for the configured addresses or token.")
    async with context.database.unit_of_work() as uow:
        queue = await job_admin.queue_counts(uow)
    body, content_type = metrics.exposition([metrics.jobs_by_state(queue)])
    return Response(body, media_type=content_type)


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
