"""The SDK's HTTP transport against a server that closes idle connections: it lets go of
them first, and an idempotent request that still meets one just closed is sent again."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import httpx
import pytest

from interlude.http_server import KEEP_ALIVE_SECONDS
from web.client import KEEPALIVE_EXPIRY_SECONDS, InterludeClient

OK = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}"


@dataclass
class ClosingServer:
    """An HTTP server whose keep-alive timer fires just as a second request arrives on a
    connection: it answers the first request on every connection and closes the
    connection on the next one without answering, as uvicorn does at its timeout."""

    url: str = ""
    requests: list[str] = field(default_factory=list)
    connections: int = 0
    writers: list[asyncio.StreamWriter] = field(default_factory=list)

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self.writers.append(writer)
        answered = False
        try:
            while head := await reader.readuntil(b"\r\n\r\n"):
                length = next(
                    (
                        int(line.split(b":")[1])
                        for line in head.split(b"\r\n")
                        if line.lower().startswith(b"content-length:")
                    ),
                    0,
                )
                await reader.readexactly(length)
                self.requests.append(head.split(b" ")[0].decode())
                if answered:
                    break
                writer.write(OK)
                await writer.drain()
                answered = True
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        writer.close()
        await writer.wait_closed()


@asynccontextmanager
async def closing_server() -> AsyncIterator[ClosingServer]:
    state = ClosingServer()
    server = await asyncio.start_server(state.handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    state.url = f"http://127.0.0.1:{port}"
    async with server:
        yield state
        for writer in state.writers:
            writer.close()
            await writer.wait_closed()


def test_the_sdk_lets_idle_connections_go_well_before_the_server_closes_them() -> None:
    assert KEEPALIVE_EXPIRY_SECONDS <= KEEP_ALIVE_SECONDS / 2


async def test_an_idempotent_request_on_a_connection_the_server_just_closed_is_sent_again() -> None:
    async with closing_server() as server, InterludeClient(server.url) as client:
        assert await client.request("GET", "/api/me") == {}
        assert await client.request("GET", "/api/me") == {}, "answered on a fresh connection"
        assert server.requests == ["GET", "GET", "GET"]
        assert server.connections == 2


async def test_a_post_the_caller_marks_idempotent_is_sent_again_and_any_other_is_not() -> None:
    async with closing_server() as server, InterludeClient(server.url) as client:
        await client.request("POST", "/api/threads/t/messages", {"envelope": "x"})
        assert (
            await client.request(
                "POST", "/api/threads/t/messages", {"envelope": "x"}, idempotent=True
            )
            == {}
        )
        with pytest.raises(httpx.RemoteProtocolError):
            await client.request("POST", "/api/logout")
        assert server.requests == ["POST"] * 4, "the logout was not repeated"
