"""`interlude serve` as a real process, on each database."""

import json
from pathlib import Path

import httpx
import pytest
import socketio

from tests.support.live_server import LiveServer, live_server


def test_the_served_process_is_ready_and_serves_the_page(server: LiveServer) -> None:
    assert httpx.get(server.url + "/readyz").json() == {
        "status": "ready",
        "checks": ["database", "migrations"],
    }
    page = httpx.get(server.url + "/")
    assert page.status_code == 200
    assert '<script type="module" src="/static/js/app.js">' in page.text


async def test_the_socket_speaks_websocket_and_refuses_a_connection_without_a_session(
    server: LiveServer,
) -> None:
    client = socketio.AsyncClient(reconnection=False)
    with pytest.raises(socketio.exceptions.ConnectionError, match="namespaces failed to connect"):
        await client.connect(server.url, transports=["websocket"], wait_timeout=10)
    assert not client.connected


async def test_long_polling_is_refused_so_no_sticky_sessions_are_needed(server: LiveServer) -> None:
    async with httpx.AsyncClient() as http:
        response = await http.get(
            server.url + "/socket.io/", params={"EIO": "4", "transport": "polling"}
        )
    assert response.status_code == 400


def test_development_logs_are_readable_lines_with_the_request_id(server: LiveServer) -> None:
    httpx.get(server.url + "/healthz", headers={"X-Request-ID": "trace-me-12345"})
    assert any(
        "[trace-me-12345]" in line and "GET /healthz 200" in line
        for line in server.log().splitlines()
    )


@pytest.mark.parametrize("dialect", ["sqlite"], indirect=True)
def test_production_logs_are_one_json_object_per_line_with_the_request_id(
    tmp_path: Path, database_url: str
) -> None:
    with live_server(tmp_path, database_url, {"INTERLUDE_LOG_FORMAT": "json"}) as server:
        httpx.get(server.url + "/healthz", headers={"X-Request-ID": "trace-me-67890"})
        lines = [line for line in server.log().splitlines() if line.strip()]
    entries = [json.loads(line) for line in lines]
    access = [
        e for e in entries if e.get("logger") == "interlude.access" and e.get("path") == "/healthz"
    ]
    assert access
    assert access[-1]["request_id"] == "trace-me-67890"
    assert access[-1]["status"] == 200
    assert {"time", "level", "message"} <= set(access[-1])
