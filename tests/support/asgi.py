"""Serve the real app in-process over real sockets (uvicorn on a free loopback port), so
tests can use HTTP, websockets and the database from the same event loop and clock."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import uvicorn
from starlette.types import ASGIApp

from interlude.http_server import server_config
from tests.support.services import free_port


@asynccontextmanager
async def serving(app: ASGIApp, port: int | None = None) -> AsyncIterator[str]:
    """Run `app` until the block ends; yields its base URL."""
    port = port or free_port()
    # Exactly as `interlude serve` runs it (header limits, no forwarding headers believed).
    config = server_config(app, "127.0.0.1", port, log_level="warning")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
            raise RuntimeError("the server stopped before it started")
        await asyncio.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task
