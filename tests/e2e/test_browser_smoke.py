"""The page at / loads in Chromium, starts libsodium, and connects its Socket.IO client
once there is a session (the socket refuses anonymous connections)."""

import json
import subprocess
from pathlib import Path

import pytest

from tests.support.live_server import INTERLUDE, LiveServer, interlude_env
from tests.support.services import run_coroutine
from web.client import InterludeClient, invitation_token

TOKEN_KEY = "interlude.session"


def registered_token(server: LiveServer, data_dir: Path, database_url: str) -> str:
    env = interlude_env(data_dir, database_url, INTERLUDE_PUBLIC_URL=server.url)
    created = subprocess.run(
        [
            *INTERLUDE,
            "admin",
            "create-clinic",
            "--name",
            "Smoke",
            "--admin-email",
            "smoke@example.org",
            "--admin-name",
            "Sam Smoke",
        ],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )

    async def register() -> str:
        async with InterludeClient(server.url) as client:
            await client.register(
                invitation_token(created.stdout.strip().splitlines()[-1]), "a long smoke password"
            )
            assert client.token is not None
            return client.token

    return run_coroutine(register())


@pytest.mark.parametrize("dialect", ["sqlite"], indirect=True)
def test_the_page_loads_starts_encryption_and_connects_without_console_errors(
    server: LiveServer, page: tuple[object, object], tmp_path: Path, database_url: str
) -> None:
    browser_page, log = page
    browser_page.goto(server.url + "/")  # type: ignore[attr-defined]
    crypto_status = browser_page.locator("#crypto-status[data-state=ready]")  # type: ignore[attr-defined]
    crypto_status.wait_for(timeout=15_000)
    assert crypto_status.inner_text() == "Encryption is ready on this device."
    idle = browser_page.locator("#connection-status[data-state=idle]")  # type: ignore[attr-defined]
    idle.wait_for(state="attached", timeout=5_000)  # no session yet: no socket

    token = registered_token(server, tmp_path, database_url)
    browser_page.evaluate(f"sessionStorage.setItem({json.dumps(TOKEN_KEY)}, {json.dumps(token)})")  # type: ignore[attr-defined]
    browser_page.reload()  # type: ignore[attr-defined]
    connection = browser_page.locator("#connection-status[data-state=connected]")  # type: ignore[attr-defined]
    connection.wait_for(timeout=15_000)
    assert connection.inner_text() == "Connected"
    assert log.errors == []  # type: ignore[attr-defined]
