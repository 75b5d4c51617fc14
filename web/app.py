"""The application factory: Starlette for HTTP, Socket.IO beside it, one lifespan."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager

import socketio
from starlette.applications import Starlette
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Receive, Scope, Send

from messaging.clock import Clock, SystemClock
from messaging.context import ServiceContext
from messaging.settings import Settings
from messaging.storage.database import Database
from web import health, metrics
from web.context import AppContext
from web.errors import EXCEPTION_HANDLERS
from web.event_bus import RedisEventBus
from web.middleware import (
    ClientAddressMiddleware,
    HeaderCountMiddleware,
    Network,
    RequestIdMiddleware,
    SecurityHeadersMiddleware,
)
from web.openapi import document_routes
from web.pages import Page, content_security_policy, load_index_page, page_routes
from web.realtime import SocketIOPublisher, create_socket_server
from web.routes import (
    accounts,
    clinic,
    consultations,
    crisis,
    delayed_reply,
    groups,
    history,
    journal,
    notifications,
    records,
    safety,
    threads,
)

# Something the process runs beside the web app for its lifetime (e.g. the in-process
# job runner in embedded mode), supplied by the composition root.
Companion = Callable[[AppContext], AbstractAsyncContextManager[None]]


def create_app(
    settings: Settings,
    *,
    clock: Clock | None = None,
    companions: Sequence[Companion] = (),
) -> ASGIApp:
    page = load_index_page()
    holder: dict[str, AppContext] = {}
    sio = create_socket_server(settings, lambda: holder["context"])

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        database = Database.from_url(settings.database_url)
        the_clock = clock or SystemClock()
        context = AppContext(
            settings=settings,
            database=database,
            clock=the_clock,
            services=ServiceContext.from_settings(settings, the_clock, SocketIOPublisher(sio)),
        )
        app.state.context = holder["context"] = context
        try:
            async with contextlib.AsyncExitStack() as stack:
                if isinstance(sio.manager, RedisEventBus):
                    await stack.enter_async_context(sio.manager.watching())
                for companion in companions:
                    await stack.enter_async_context(companion(context))
                yield
        finally:
            await database.dispose()

    starlette = Starlette(
        routes=http_routes(settings, page),
        exception_handlers=EXCEPTION_HANDLERS,
        lifespan=lifespan,
    )
    starlette.state.sio = sio
    return InterludeApp(
        sio,
        RequestIdMiddleware(starlette),
        lambda inner: with_http_middleware(
            inner,
            content_security_policy(page),
            trusted_proxies=settings.trusted_proxies,
            strict_transport=settings.public_url.startswith("https://"),
        ),
    )


def http_routes(settings: Settings, page: Page) -> list[BaseRoute]:
    """Every HTTP route of the app (the authorization matrix test walks this list)."""
    routes: list[BaseRoute] = [
        *health.routes,
        *metrics.routes,
        *accounts.routes,
        *clinic.routes,
        *threads.routes,
        *notifications.routes,
        *delayed_reply.routes,
        *journal.routes,
        *safety.routes,
        *records.routes,
        *consultations.routes,
        *crisis.routes,
        *history.routes,
        *groups.routes,
        *page_routes(page, settings.node_modules_dir),
    ]
    return [*routes, *document_routes(routes)]


class InterludeApp(socketio.ASGIApp):  # type: ignore[misc]
    """Socket.IO beside Starlette, both inside the outermost layers (`outer`): the client
    address from a trusted proxy and the security headers, so `/socket.io/` answers and
    responses to unhandled errors carry the headers too."""

    def __init__(
        self,
        sio: socketio.AsyncServer,
        http_app: ASGIApp,
        outer: Callable[[ASGIApp], ASGIApp],
    ) -> None:
        super().__init__(sio, other_asgi_app=http_app)
        self._outer = outer(super().__call__)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self._outer(scope, receive, send)


def with_http_middleware(
    app: ASGIApp,
    content_security_policy: str,
    *,
    trusted_proxies: Sequence[Network] = (),
    strict_transport: bool = False,
) -> ASGIApp:
    """The outermost layers, so even responses to unhandled errors carry the headers."""
    return SecurityHeadersMiddleware(
        HeaderCountMiddleware(ClientAddressMiddleware(app, trusted_proxies)),
        content_security_policy,
        strict_transport=strict_transport,
    )
