"""Authenticate step of every route: the bearer token becomes an `Actor` (or None)."""

from __future__ import annotations

from starlette.requests import HTTPConnection

from messaging import authentication
from messaging.actors import Actor, RequestOrigin
from messaging.errors import NotAuthenticated
from web.context import app_context

MAX_DEVICE_LABEL = 100


def bearer_token(connection: HTTPConnection) -> str | None:
    header = connection.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if not header:
        return None
    if scheme.lower() != "bearer" or not token.strip():
        raise NotAuthenticated("Send the session token as 'Authorization: Bearer <token>'.")
    return token.strip()


async def actor_for_token(connection: HTTPConnection, token: str | None) -> Actor | None:
    if token is None:
        return None
    context = app_context(connection)
    async with context.database.autocommit() as uow:
        return await authentication.authenticate(uow, context.services, token)


async def authenticated(connection: HTTPConnection) -> Actor | None:
    """The actor behind the request's bearer token; None without one (the policy then
    answers 401 for anything that needs an actor); 401 at once for a dead token."""
    return await actor_for_token(connection, bearer_token(connection))


def request_origin(connection: HTTPConnection, device_label: str | None = None) -> RequestOrigin:
    ip = connection.client.host if connection.client else None
    label = device_label or connection.headers.get("user-agent", "")
    return RequestOrigin(ip=ip, device_label=label[:MAX_DEVICE_LABEL] or None)
