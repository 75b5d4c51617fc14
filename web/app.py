"""The application factory: Starlette for HTTP, Socket.IO beside it, one lifespan."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager

import socketio
from starlette.applications import Starlette
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp

from messaging.clock import Clock, SystemClock
from messaging.context import ServiceContext
from messaging.settings import Settings
from messaging.storage.database import Database
from web.context import AppContext
from web.errors import EXCEPTION_HANDLERS
from web.health import healthz, readyz
from web.middleware import RequestIdMiddleware, SecurityHeadersMiddleware
from web.pages import Page, content_security_policy, load_index_page, page_routes
from web.realtime import SocketIOPublisher, create_socket_server
from web.routes import accounts, clinic, delayed_reply, groups, notifications, threads

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
    asgi: ASGIApp = socketio.ASGIApp(
        sio, other_asgi_app=with_http_middleware(starlette, content_security_policy(page))
    )
    return asgi


def http_routes(settings: Settings, page: Page) -> list[BaseRoute]:
    """Every HTTP route of the app (the authorization matrix test walks this list)."""
    return [
        Route("/healthz", healthz, methods=["GET"]),
        Route("/readyz", readyz, methods=["GET"]),
        *accounts.routes,
        *clinic.routes,
        *threads.routes,
        *notifications.routes,
        *delayed_reply.routes,
        *groups.routes,
        *page_routes(page, settings.node_modules_dir),
    ]


def with_http_middleware(app: ASGIApp, content_security_policy: str) -> ASGIApp:
    """Outermost layers, so even responses to unhandled errors carry the headers."""
    return SecurityHeadersMiddleware(RequestIdMiddleware(app), content_security_policy)
