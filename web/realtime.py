"""Socket.IO: one namespace, one handler per event.

With a Redis URL the server fans out through `AsyncRedisManager`, so any number of web
processes serve the same rooms. Origins must match the page (the engine.io default,
which honours X-Forwarded-Proto/Host from the proxy). Only websockets are offered, so a load
balancer needs no sticky sessions.
"""

from __future__ import annotations

import logging
from typing import Any

import socketio

from messaging.settings import Settings

logger = logging.getLogger("interlude.realtime")


class RealtimeNamespace(socketio.AsyncNamespace):  # type: ignore[misc]
    async def on_connect(self, sid: str, environ: dict[str, Any], auth: Any = None) -> None:
        logger.debug("socket connected", extra={"sid": sid})

    async def on_disconnect(self, sid: str, reason: Any = None) -> None:
        logger.debug("socket disconnected", extra={"sid": sid})


def create_socket_server(settings: Settings) -> socketio.AsyncServer:
    manager = (
        socketio.AsyncRedisManager(settings.redis_url) if settings.redis_url is not None else None
    )
    server = socketio.AsyncServer(
        async_mode="asgi",
        client_manager=manager,
        transports=["websocket"],
        logger=False,
        engineio_logger=False,
    )
    server.register_namespace(RealtimeNamespace("/"))
    return server
