"""Headers an attacker sends and headers every answer carries: bounded request headers,
no caching of API answers, HSTS behind https, the security headers on Socket.IO's answers."""

from __future__ import annotations

import asyncio

import httpx
from starlette.testclient import TestClient

from messaging.settings import load_settings
from tests.support.world import Api
from web.app import create_app


async def raw_request(base_url: str, request: bytes) -> bytes:
    """Send bytes as they are and read the status line (or nothing if the server hung up)."""
    host, port = base_url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    try:
        writer.write(request)
        await writer.drain()
        return await reader.readline()
    except ConnectionResetError:
        return b""
    finally:
        writer.close()


async def test_a_huge_header_is_refused_before_the_app_reads_it(api: Api) -> None:
    request = b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * (1024 * 1024) + b"\r\n\r\n"
    status_line = await raw_request(api.base_url, request)
    assert status_line == b"" or status_line.split()[1].startswith(b"4")
    async with httpx.AsyncClient(base_url=api.base_url) as http:
        assert (await http.get("/healthz")).status_code == 200


async def test_too_many_headers_are_refused_with_431(api: Api) -> None:
    headers = {f"x-h{n}": "v" for n in range(200)}
    async with httpx.AsyncClient(base_url=api.base_url) as http:
        response = await http.get("/api/me", headers=headers)
    assert response.status_code == 431
    assert response.json()["error"]["code"] == "headers_too_large"


async def test_api_answers_are_never_stored_by_caches(api: Api) -> None:
    admin = await api.create_clinic()
    async with httpx.AsyncClient(base_url=api.base_url) as http:
        me = await http.get("/api/me", headers={"Authorization": f"Bearer {admin.client.token}"})
        refused = await http.get("/api/me")
        page = await http.get("/")
    assert me.status_code == 200
    assert me.headers["cache-control"] == "no-store"
    assert refused.headers["cache-control"] == "no-store"
    assert page.headers["cache-control"] == "no-cache"


async def test_socket_io_answers_carry_the_security_headers(api: Api) -> None:
    async with httpx.AsyncClient(base_url=api.base_url) as http:
        response = await http.get("/socket.io/", params={"EIO": "4", "transport": "polling"})
    assert response.status_code == 400  # websocket transport only
    assert "default-src 'none'" in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["cache-control"] == "no-store"


def test_hsts_is_sent_when_the_public_url_is_https(
    settings_env: dict[str, str], database_url: str
) -> None:
    for public_url, expected in (("https://interlude.example", True), ("http://127.0.0.1", False)):
        settings = load_settings(
            {
                **settings_env,
                "INTERLUDE_DATABASE_URL": database_url,
                "INTERLUDE_PUBLIC_URL": public_url,
            }
        )
        with TestClient(create_app(settings)) as client:
            headers = client.get("/healthz").headers
        assert ("strict-transport-security" in headers) is expected
        if expected:
            assert headers["strict-transport-security"].startswith("max-age=")
