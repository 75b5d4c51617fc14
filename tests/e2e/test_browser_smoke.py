"""The page at / loads in Chromium, starts libsodium, and connects its Socket.IO client."""

import pytest

from tests.support.live_server import LiveServer


@pytest.mark.parametrize("dialect", ["sqlite"], indirect=True)
def test_the_page_loads_starts_encryption_and_connects_without_console_errors(
    server: LiveServer, page: tuple[object, object]
) -> None:
    browser_page, log = page
    browser_page.goto(server.url + "/")  # type: ignore[attr-defined]

    crypto_status = browser_page.locator("#crypto-status")  # type: ignore[attr-defined]
    crypto_status.and_(browser_page.locator("[data-state=ready]")).wait_for(timeout=15_000)  # type: ignore[attr-defined]
    connection = browser_page.locator("#connection-status[data-state=connected]")  # type: ignore[attr-defined]
    connection.wait_for(timeout=15_000)

    assert connection.inner_text() == "Connected"
    assert crypto_status.inner_text() == "Encryption is ready on this device."
    assert log.errors == []  # type: ignore[attr-defined]
