"""The browser's outbox and catch-up in Chromium against a real server (docs/api.md,
"Staying complete"): a message written offline waits, encrypted on the device, and goes
out by itself when the connection is back, exactly once and in order, even across a
reload; and the other person's message that took the seq just before it appears without a
reload, although the catch-up has to start below the browser's own newest message."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Route, WebSocketRoute, expect

from tests.e2e.conftest import ConsoleLog
from tests.e2e.test_browser_accounts import PASSWORD, SLOW, create_clinic, real_errors
from tests.e2e.test_browser_chat import (
    CLIENT_EMAIL,
    LIVE,
    THERAPIST_EMAIL,
    browser_page,
    care_team,
    messages,
    open_messages,
    texts,
    write,
)
from tests.support.live_server import LiveServer
from tests.support.services import run_coroutine
from web.client import InterludeClient

SENT = re.compile(r"^(Sent|Read)$")


class Network:
    """Cuts this browser off from the socket and from sending messages, nothing else."""

    def __init__(self, page: Page) -> None:
        self.socket_blocked = False
        self.sending_blocked = False
        page.context.route_web_socket(re.compile(r"/socket\.io/"), self._socket)
        page.context.route(re.compile(r"/api/threads/[^/?]+/messages$"), self._post)

    def _socket(self, socket: WebSocketRoute) -> None:
        server = socket.connect_to_server()
        if self.socket_blocked:
            server.close()  # the page sees the socket close at once

    def _post(self, route: Route) -> None:
        if self.sending_blocked and route.request.method == "POST":
            route.abort()
        else:
            route.continue_()


def therapist_sends(server: LiveServer, thread_id: str, text: str) -> None:
    async def send() -> None:
        async with InterludeClient(server.url) as therapist:
            await therapist.login(THERAPIST_EMAIL, PASSWORD)
            await therapist.threads.send(thread_id, text)

    run_coroutine(send())


def therapist_reads(server: LiveServer, thread_id: str) -> list[str | None]:
    async def read() -> list[str | None]:
        async with InterludeClient(server.url) as therapist:
            await therapist.login(THERAPIST_EMAIL, PASSWORD)
            return [m.text for m in await therapist.threads.history(thread_id)]

    return run_coroutine(read())


@pytest.mark.parametrize("dialect", ["sqlite"], indirect=True)
def test_offline_messages_go_out_by_themselves_in_order_once_and_survive_a_reload(
    server: LiveServer, browser: Browser, tmp_path: Path, database_url: str
) -> None:
    team = care_team(server, create_clinic(server, tmp_path, database_url), history=1)
    assert team.thread_id is not None
    log = ConsoleLog()
    client = browser_page(browser, log, viewport={"width": 1280, "height": 800})
    network = Network(client)
    open_messages(client, server, CLIENT_EMAIL, f"/#/messages/{team.thread_id}")
    expect(messages(client)).to_have_count(1, timeout=SLOW)

    # Offline, with the socket kept down after: the therapist's m1 takes seq 2 meanwhile.
    network.socket_blocked = True
    client.context.set_offline(True)
    expect(client.locator("#connection-status")).to_have_text("Offline — reconnecting…")
    therapist_sends(server, team.thread_id, "m1 from the therapist")
    write(client, "m2 written offline")
    waiting = messages(client).last
    expect(waiting.locator(".delivery")).to_have_text(re.compile("Waiting for the connection"))

    # Back online, socket still down: m2 goes out over HTTP by itself (seq 3), and its
    # acknowledgement shows the gap below it, so m1 is fetched: no reload, no socket.
    client.context.set_offline(False)
    expect(waiting.locator(".delivery")).to_have_text(SENT, timeout=LIVE)
    expect(messages(client)).to_have_count(3, timeout=LIVE)
    assert texts(client) == ["Earlier message 1", "m1 from the therapist", "m2 written offline"]
    network.socket_blocked = False
    expect(client.locator("#connection-status")).to_have_text("Connected", timeout=SLOW)

    # Written while sending is impossible, then the page is reloaded: the queued messages
    # wait encrypted on the device, come back after unlocking, and go out in order once.
    network.socket_blocked = network.sending_blocked = True
    client.context.set_offline(True)
    write(client, "m3 kept across a reload")
    write(client, "m4 right after it")
    expect(messages(client).last.locator(".delivery")).to_have_text(
        re.compile("Waiting for the connection")
    )
    stored = client.evaluate("JSON.stringify(Object.assign({}, localStorage))")
    assert "interlude.outbox." in stored
    assert "kept across" not in stored, "never plaintext at rest"
    assert "right after" not in stored
    client.context.set_offline(False)
    client.reload()
    client.get_by_label("Password", exact=True).fill(PASSWORD)
    client.get_by_role("button", name="Unlock").click()
    expect(messages(client)).to_have_count(5, timeout=SLOW)
    assert texts(client)[-2:] == ["m3 kept across a reload", "m4 right after it"]
    expect(messages(client).last.locator(".delivery")).to_have_text(
        re.compile("Waiting for the connection")
    )

    network.socket_blocked = network.sending_blocked = False
    expect(client.locator("#connection-status")).to_have_text("Connected", timeout=SLOW)
    expect(messages(client).last.locator(".delivery")).to_have_text(SENT, timeout=LIVE)
    expect(messages(client).nth(3).locator(".delivery")).to_have_text(SENT)
    history = [
        "Earlier message 1",
        "m1 from the therapist",
        "m2 written offline",
        "m3 kept across a reload",
        "m4 right after it",
    ]
    assert therapist_reads(server, team.thread_id) == history
    assert texts(client) == history
    assert (
        client.evaluate("Object.keys(localStorage).filter(k => k.startsWith('interlude.outbox.'))")
        == []
    )
    assert real_errors(log, went_offline=True) == []
