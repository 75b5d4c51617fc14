"""ASGI middleware: the client address behind a trusted proxy, request ids with an access
log line, and security headers."""

from __future__ import annotations

import ipaddress
import logging
import re
import secrets
import time
from collections.abc import Sequence

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from messaging import metrics
from messaging.log_context import request_id

access_log = logging.getLogger("interlude.access")

REQUEST_ID_HEADER = "x-request-id"
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
ACCEPTABLE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class RequestIdMiddleware:
    """Gives every HTTP request an id (a well-formed incoming X-Request-ID is kept), puts
    it in the log context and the response, and logs one access line per request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope["headers"]).get(REQUEST_ID_HEADER.encode(), b"").decode("latin-1")
        rid = incoming if ACCEPTABLE_REQUEST_ID.match(incoming) else secrets.token_hex(8)
        token = request_id.set(rid)
        started = time.perf_counter()
        status = 500
        logged = False

        def log_access() -> None:
            nonlocal logged
            logged = True
            elapsed = time.perf_counter() - started
            route = route_template(scope) or "unmatched"
            metrics.http_requests.labels(scope["method"], route, str(status)).inc()
            metrics.http_latency.labels(scope["method"], route).observe(elapsed)
            path = logged_path(scope)
            access_log.info(
                "%s %s %s",
                scope["method"],
                path,
                status,
                extra={
                    "method": scope["method"],
                    "path": path,
                    "status": status,
                    "duration_ms": round(elapsed * 1000, 2),
                },
            )

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = rid
            elif message["type"] == "http.response.body" and not message.get("more_body"):
                # Before the last byte goes out, so the line is in the log by the time the
                # client has its answer.
                log_access()
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            if not logged:
                log_access()
            request_id.reset(token)


# Paths whose last segments are credentials (invitation tokens, signed links).
SECRET_PATHS = re.compile(r"^(/api/(?:invitations|unsubscribe)/)[^/]+")


def route_template(scope: Scope) -> str | None:
    """The matched route's template (`/api/invitations/{token}`), if a route matched."""
    template = getattr(scope.get("route"), "path", None)
    return template if isinstance(template, str) else None


def logged_path(scope: Scope) -> str:
    """The path as it may be logged: the matched route's template when there is one,
    otherwise the raw path with credentials masked."""
    return route_template(scope) or SECRET_PATHS.sub(r"\1{redacted}", str(scope["path"]))


NEVER_STORED = ("/api/", "/socket.io/", "/readyz", "/healthz")
HSTS = "max-age=63072000; includeSubDomains"


class SecurityHeadersMiddleware:
    """Adds the security headers to every HTTP response, error responses and Socket.IO's
    included; HSTS when the public URL is https; and `Cache-Control: no-store` on API
    answers (they carry wrapped keys and personal data no cache should keep)."""

    def __init__(
        self, app: ASGIApp, content_security_policy: str, *, strict_transport: bool = False
    ) -> None:
        self.app = app
        self.headers = {
            "content-security-policy": content_security_policy,
            "x-content-type-options": "nosniff",
            "referrer-policy": "no-referrer",
            "x-frame-options": "DENY",
            "cross-origin-opener-policy": "same-origin",
            "permissions-policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
        }
        if strict_transport:
            self.headers["strict-transport-security"] = HSTS

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        never_store = str(scope["path"]).startswith(NEVER_STORED)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in self.headers.items():
                    headers[name] = value
                if never_store:
                    headers["cache-control"] = "no-store"
            await send(message)

        await self.app(scope, receive, send_with_headers)


class ClientAddressMiddleware:
    """Believes X-Forwarded-For and X-Forwarded-Proto only from a trusted proxy.

    The rate limits and the audit trail key on the client address. A connection from a
    peer outside `trusted` keeps its own address whatever it sends (anyone can write an
    X-Forwarded-For header). From a trusted peer the address is the right-most entry of
    X-Forwarded-For that is not itself a trusted proxy: entries to its left were written
    by the client and prove nothing.
    """

    def __init__(self, app: ASGIApp, trusted: Sequence[Network]) -> None:
        self.app = app
        self.trusted = tuple(trusted)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        client = scope.get("client")
        if scope["type"] in ("http", "websocket") and client and self._is_trusted(client[0]):
            headers = dict(scope["headers"])
            forwarded_for = headers.get(b"x-forwarded-for", b"").decode("latin-1")
            address = self._client_of(forwarded_for)
            scope = dict(scope)
            if address is not None:
                scope["client"] = (address, 0)
            proto = headers.get(b"x-forwarded-proto", b"").decode("latin-1").strip().lower()
            if proto in ("http", "https"):
                secure = proto == "https"
                if scope["type"] == "websocket":
                    scope["scheme"] = "wss" if secure else "ws"
                else:
                    scope["scheme"] = proto
        await self.app(scope, receive, send)

    def _is_trusted(self, host: str) -> bool:
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            return False
        return any(address in network for network in self.trusted)

    def _client_of(self, forwarded_for: str) -> str | None:
        hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
        for hop in reversed(hops):
            try:
                ipaddress.ip_address(hop)
            except ValueError:
                return None  # a garbled chain: keep the proxy's own address
            if not self._is_trusted(hop):
                return hop
        return hops[0] if hops else None


MAX_HEADER_COUNT = 100


class HeaderCountMiddleware:
    """Refuses a request with more than `MAX_HEADER_COUNT` headers (431). The server
    bounds the bytes of the header block (see `interlude.cli`); this bounds the count, so
    no layer behind it walks thousands of headers."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket") and len(scope["headers"]) > MAX_HEADER_COUNT:
            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": 1008})
                return
            body = (
                b'{"error": {"code": "headers_too_large", '
                b'"message": "The request has too many headers."}}'
            )
            await send(
                {
                    "type": "http.response.start",
                    "status": 431,
                    "headers": [
                        (b"content-type", b"application/json"),
                        (b"content-length", str(len(body)).encode()),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": body})
            return
        await self.app(scope, receive, send)
